"""Detail tabs of a container: Overview, Logs, Console, Processes, Changes, Stats, Action Log.

Every Docker fact comes from the ServerContainer the view derived from the Nova server the user
fetched with their own token; Docker errors become a message inside the tab, never a 500.
"""
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import tabs
from openstack_dashboard.dashboards.project.instances import audit_tables

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.content.containers import addresses
from docker_dashboard.content.containers import changes as changes_tree
from docker_dashboard.content.containers import console
from docker_dashboard.content.containers import logviews
from docker_dashboard.content.containers import stats as container_stats
from docker_dashboard.content.containers import tables as containers_tables



class DockerTab(tabs.Tab):
    """A tab that needs the container: shows why it cannot when there is none."""

    preload = False

    @property
    def server(self):
        return self.tab_group.kwargs['server']

    @property
    def container(self):
        return self.tab_group.kwargs.get('container')

    def docker_context(self):
        error = self.tab_group.kwargs.get('docker_error')
        return {'server': self.server, 'container': self.container,
                'docker_error': str(error) if error else None}

    def get_context_data(self, request):
        context = self.docker_context()
        if self.container is not None:
            try:
                context.update(self.get_docker_data(request))
            except dd_exceptions.DockerDashboardError as error:
                context['docker_error'] = str(error)
        return context

    def get_docker_data(self, request):
        return {}


class OverviewTab(DockerTab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'docker_dashboard/containers/_detail_overview.html'
    preload = True

    def get_context_data(self, request):
        context = super().get_context_data(request)
        context['addresses'] = addresses.nova_addresses(self.server)
        context['image_label'] = containers_tables.image_name_of(request, self.server)
        return context

    def get_docker_data(self, request):
        attrs = self.container.attrs
        config = attrs.get('Config') or {}
        env = []
        for item in config.get('Env') or ():
            name, _sep, value = item.partition('=')
            env.append((name, value))
        return {
            'config': config,
            'state': self.container.state,
            'env': env,
            'labels': sorted((config.get('Labels') or {}).items()),
            'mounts': attrs.get('Mounts') or [],
            'endpoints': addresses.docker_endpoints(attrs),
            'restart_count': attrs.get('RestartCount', 0),
            'host_label': self.server_host_label(request),
        }

    def server_host_label(self, request):
        if request.user.is_superuser:
            return self.container.host
        return None


class LogsTab(DockerTab):
    name = _('Logs')
    slug = 'logs'
    template_name = 'docker_dashboard/containers/_detail_logs.html'

    def get_docker_data(self, request):
        # The live-log component: lines arrive over its own stream, so opening the tab costs no log read.
        return logviews.live_log_context(request, self.server.id)


class ProcessesTab(DockerTab):
    name = _('Processes')
    slug = 'processes'
    template_name = 'docker_dashboard/containers/_detail_processes.html'

    def get_docker_data(self, request):
        if not self.container.state.get('Running'):
            return {'not_running': True}
        top = api.containers.container_top(self.container)
        return {'titles': top.get('Titles') or [], 'processes': top.get('Processes') or []}


class ChangesTab(DockerTab):
    name = _('Changes')
    slug = 'changes'
    template_name = 'docker_dashboard/containers/_detail_changes.html'

    def get_docker_data(self, request):
        try:
            page = int(request.GET.get('changes_page', 1))
        except ValueError:
            page = 1
        changes = api.containers.container_changes(self.container)
        return {'changes': changes_tree.changes_page(changes, page)}


class StatsTab(DockerTab):
    name = _('Stats')
    slug = 'stats'
    template_name = 'docker_dashboard/containers/_detail_stats.html'

    def get_context_data(self, request):
        # Samples arrive from the endpoint the tab's script polls, so opening the tab costs no Docker
        # call, and a host that is down now is polled until it answers (the error is the first status).
        context = self.docker_context()
        context.update(container_stats.stats_context(self.server.id))
        return context


class ActionLogTab(tabs.TableTab):
    name = _('Action Log')
    slug = 'audit'
    table_classes = (audit_tables.AuditTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def get_audit_data(self):
        server = self.tab_group.kwargs['server']
        try:
            actions = api.nova.server_actions(self.request, server.id)
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve the action log.'))
            return []
        return sorted(actions, reverse=True, key=lambda action: action.start_time)


class ContainerDetailTabs(tabs.DetailTabsGroup):
    slug = 'container_details'
    tabs = (OverviewTab, LogsTab, console.ConsoleTab, ProcessesTab, ChangesTab, StatsTab, ActionLogTab)
    sticky = True
