"""Project > Docker > Docker Images views: index, detail (tabs), edit, import wizard and its progress."""
from django import http
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import generic

from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon import tabs
from horizon.utils import memoized
from horizon import workflows

from docker_dashboard import api
from docker_dashboard.api import image_import
from docker_dashboard.content.images import forms as image_forms
from docker_dashboard.content.images import tables as images_tables
from docker_dashboard.content.images import tabs as image_tabs
from docker_dashboard.content.images.workflows import import_image

INDEX_URL = 'horizon:project:docker_images:index'


class IndexView(tables.DataTableView):
    table_class = images_tables.DockerImagesTable
    template_name = 'docker_dashboard/images/index.html'
    page_title = _('Docker Images')

    def has_prev_data(self, table):
        return getattr(self, '_prev', False)

    def has_more_data(self, table):
        return getattr(self, '_more', False)

    def get_filters(self):
        filters = {}
        field = self.table.get_filter_field()
        text = self.table.get_filter_string()
        action = self.table._meta._filter_action
        if field and text and action and action.is_api_filter(field):
            if field != 'owner' or self.request.user.is_superuser:
                filters[field] = text.strip()
        return filters

    def get_data(self):
        meta = self.table_class._meta
        prev_marker = self.request.GET.get(meta.prev_pagination_param)
        marker = prev_marker if prev_marker is not None else self.request.GET.get(meta.pagination_param)
        try:
            images, self._more, self._prev = api.glance.docker_image_list_page(
                self.request, marker=marker, reversed_order=prev_marker is not None, filters=self.get_filters())
        except Exception:
            self._more = self._prev = False
            images = []
            exceptions.handle(self.request, _('Unable to retrieve Docker images.'))
        return images


class DetailView(tabs.TabView):
    tab_group_class = image_tabs.DockerImageDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ image.name|default:image.id }}'

    @memoized.memoized_method
    def get_data(self):
        image_id = self.kwargs['image_id']
        try:
            image = api.glance.image_get(self.request, image_id)
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve details for image "%s".') % image_id,
                              redirect=reverse(INDEX_URL))
        if not api.glance.is_docker_image(image):
            exceptions.handle(self.request, _('Image "%s" is not a Docker image.') % (image.name or image_id),
                              redirect=reverse(INDEX_URL))
        return image

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        image = self.get_data()
        table = images_tables.DockerImagesTable(self.request)
        context['image'] = image
        context['url'] = reverse(INDEX_URL)
        context['actions'] = table.render_row_actions(image)
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, image=self.get_data(), **kwargs)


class UpdateView(forms.ModalFormView):
    form_class = image_forms.UpdateImageForm
    template_name = 'docker_dashboard/images/update.html'
    success_url = reverse_lazy(INDEX_URL)
    modal_id = 'update_docker_image_modal'
    modal_header = _('Edit Image')
    submit_label = _('Save')
    submit_url = 'horizon:project:docker_images:update'
    page_title = _('Edit Image')

    @memoized.memoized_method
    def get_object(self):
        try:
            return api.glance.image_get(self.request, self.kwargs['image_id'])
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve the image.'), redirect=reverse(INDEX_URL))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse(self.submit_url, args=[self.kwargs['image_id']])
        return context

    def get_initial(self):
        image = self.get_object()
        return {'image_id': image.id, 'name': image.name or '', 'visibility': image.visibility,
                'protected': bool(image.protected), 'min_ram': image.min_ram or 0,
                'os_command_line': (image.properties or {}).get(api.glance.COMMAND_PROPERTY, '')}


class ImportView(workflows.WorkflowView):
    workflow_class = import_image.ImportImage

    def post(self, request, *args, **kwargs):
        if import_image.REVIEW_HEADER in request.headers:
            # The Review step asks for the summary of the form as it stands: render it, import nothing.
            return http.HttpResponse(import_image.render_summary(self.get_workflow()))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Build the steps' forms now (the Container choices ask Nova): a failure's message then shows on
        # this page; built while the template renders, it came after the messages, on the next page.
        for step in context['workflow'].steps:
            step.action  # noqa: B018
        return context


STAGES = {'pulling': 1, 'uploading': 2, 'finishing': 3}   # of a registry import, as its progress page counts them


def _percent(state: dict) -> int | None:
    """How much of the pull is downloaded, once every layer has said its size; else None."""
    total = state.get('pull_total')
    if not total:
        return None
    return min(100, int(100 * (state.get('pull_bytes') or 0) / total))


class ImportProgressView(generic.TemplateView):
    """Where a registry import stands: pulling, uploading (bytes), done or failed (and why)."""

    template_name = 'docker_dashboard/images/import_progress.html'
    partial_template = 'docker_dashboard/images/_import_progress.html'

    def get(self, request, job_id):
        state = image_import.job_status(request, job_id)
        if state is None:
            raise http.Http404(_('No such import.'))
        phase = state.get('phase')
        context = {'page_title': _('Image Import'), 'job': state, 'job_id': job_id,
                   # a failed import is finished once its Glance image is gone (or known to stay)
                   'finished': phase == 'done' or (phase == 'failed' and state.get('cleanup') != 'deleting'),
                   'stage': STAGES.get(phase), 'stages': len(STAGES), 'pull_percent': _percent(state),
                   'index_url': reverse(INDEX_URL)}
        if state.get('image_id') and state.get('phase') == 'done':
            context['detail_url'] = reverse('horizon:project:docker_images:detail', args=[state['image_id']])
        template = self.partial_template if request.headers.get('x-requested-with') == 'XMLHttpRequest' \
            else self.template_name
        return self.response_class(request=request, template=template, context=context)
