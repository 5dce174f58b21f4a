"""Project > Docker > Containers views: index, detail (tabs) and Commit to Image."""
from django.contrib import messages
from django import http
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon import tabs
from horizon.utils import memoized
from horizon import workflows

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.content.containers import action_results
from docker_dashboard.content.containers import edit
from docker_dashboard.content.containers import forms as container_forms
from docker_dashboard.content.containers import tables as containers_tables
from docker_dashboard.content.containers import tabs as container_tabs
from docker_dashboard.content.containers.workflows import launch as launch_workflow

INDEX_URL = 'horizon:project:docker_containers:index'


class IndexView(tables.PagedTableMixin, tables.DataTableView):
    table_class = containers_tables.ContainersTable
    template_name = 'docker_dashboard/containers/index.html'
    page_title = _('Containers')

    def _docker_images(self):
        try:
            return {image.id: image for image in api.glance.docker_image_list(self.request, paginate=False)[0]}
        except Exception:
            # The rows still come (from Nova and the Docker hosts); only their image names are missing.
            exceptions.handle(self.request, _('Unable to retrieve Docker images: image names are not shown.'))
            return {}

    def _servers(self, search_opts, sort_dir):
        try:
            servers, self._has_more_data, self._has_prev_data = api.nova.server_list_paged(
                self.request, search_opts=search_opts, sort_dir=sort_dir)
            return servers
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve containers.'))
            return []

    def _search_opts(self, images):
        marker, sort_dir = self._get_marker()
        search_opts = self.get_filters({'marker': marker, 'paginate': True})
        if 'host' in search_opts and not self.request.user.is_superuser:
            del search_opts['host']
        image_name = search_opts.pop('image_name', None)
        if image_name:
            matches = [image_id for image_id, image in images.items() if image.name == image_name]
            if not matches:
                return None, sort_dir
            search_opts['image'] = matches[0]
        return search_opts, sort_dir

    def get_data(self):
        images = self._docker_images()
        search_opts, sort_dir = self._search_opts(images)
        if search_opts is None:
            return []
        servers = self._servers(search_opts, sort_dir)
        if not servers:
            return []
        action_results.report(self.request, servers)
        # ONE list call per involved Docker host, all hosts in parallel, joined in memory.
        index = api.containers.containers_for_servers(self.request, servers)
        rows = []
        for server in servers:
            image_id = (getattr(server, 'image', None) or {}).get('id') if isinstance(
                getattr(server, 'image', None), dict) else None
            if image_id not in images and str(server.id) not in index.hosts:
                continue  # neither a Docker image nor a Docker host: not a container
            server.image_label = images[image_id].name if image_id in images else ''
            rows.append(containers_tables.annotate(self.request, server, index))
        if index.unreachable:
            messages.warning(self.request, _('Some Docker hosts did not answer in time; their containers '
                                             'show "host unreachable".'))
        return rows


class DetailView(tabs.TabbedTableView):
    tab_group_class = container_tabs.ContainerDetailTabs
    template_name = 'horizon/common/_detail.html'
    redirect_url = INDEX_URL
    page_title = '{{ server.name|default:server.id }}'

    @memoized.memoized_method
    def get_data(self):
        server_id = self.kwargs['server_id']
        try:
            server = api.nova.server_get(self.request, server_id)
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve details for container "%s".') % server_id,
                              redirect=reverse(self.redirect_url))
        action_results.report(self.request, [server])
        return server

    def get_container(self, server):
        """The server's container, or the error that says why it cannot be shown (never a 500)."""
        try:
            return api.containers.container_for_server(self.request, server), None
        except (dd_exceptions.HostNotResolved, dd_exceptions.ContainerNotFound) as error:
            if server.status == 'ERROR':
                return None, dd_exceptions.DockerDashboardError(
                    action_results.not_created_reason(self.request, server))
            return None, error
        except dd_exceptions.DockerDashboardError as error:
            return None, error

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        server = self.get_data()
        table = containers_tables.ContainersTable(self.request)
        context['server'] = server
        context['url'] = reverse(self.redirect_url)
        context['actions'] = table.render_row_actions(server)
        return context

    def get_tabs(self, request, *args, **kwargs):
        if self._tab_group is None:
            server = self.get_data()
            container, error = self.get_container(server)
            # What the table's row knows from Docker, so the page offers the row's actions.
            server.docker_host = container.host if container else None
            server.docker_state = container.state.get('Status', '') if container else ''
            self._tab_group = self.tab_group_class(request, server=server, container=container,
                                                   docker_error=error, **kwargs)
        return self._tab_group


class SnapshotView(forms.ModalFormView):
    form_class = container_forms.CommitToImageForm
    template_name = 'docker_dashboard/containers/snapshot.html'
    success_url = reverse_lazy('horizon:project:docker_images:index')
    modal_id = 'commit_to_image_modal'
    modal_header = _('Commit to Image')
    submit_label = _('Commit to Image')
    submit_url = 'horizon:project:docker_containers:snapshot'
    page_title = _('Commit to Image')

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse(self.submit_url, args=[self.kwargs['server_id']])
        return context

    def get_initial(self):
        return {'server_id': self.kwargs['server_id']}


class LaunchView(workflows.WorkflowView):
    workflow_class = launch_workflow.LaunchContainer

    def dispatch(self, request, *args, **kwargs):
        if not launch_workflow.launch_allowed(request):
            raise exceptions.NotAuthorized(_('You are not allowed to launch containers.'))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        server_id = self.request.GET.get('duplicate')
        if not server_id:
            return initial
        try:
            return dict(initial.dict(), **edit.duplicate_initial(self.request, server_id))
        except Exception:
            exceptions.handle(self.request, _('Unable to copy the settings of the container.'))
            return initial

    def post(self, request, *args, **kwargs):
        if launch_workflow.REVIEW_HEADER in request.headers:
            # The Review step asks for the summary of the form as it stands: render it, launch nothing.
            return http.HttpResponse(launch_workflow.render_summary(self.get_workflow()))
        return super().post(request, *args, **kwargs)
