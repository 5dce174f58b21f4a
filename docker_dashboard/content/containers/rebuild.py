"""Rebuild / Roll back: Nova's rebuild with the user's token. nova_docker recreates the container from the
chosen image with the same server id, name, ports and metadata; from one of the container's own snapshots
(Glance images whose `instance_uuid` Nova set to this server) that is a roll back to the snapshot."""
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import messages
from horizon import tables

from openstack_dashboard import policy

from docker_dashboard import api
from docker_dashboard.content.containers import action_results
from docker_dashboard.content.containers import actions

INDEX_URL = 'horizon:project:docker_containers:index'
# Nova's rebuild takes ACTIVE, SHUTOFF and ERROR servers with no task under way.
REBUILD_STATUSES = ('ACTIVE', 'SHUTOFF', 'ERROR')


def rebuild_allowed(request, server):
    return (server is not None and server.status in REBUILD_STATUSES and actions.is_settled(server)
            and not actions.lock_applies(request, server))


def image_choices(request, server_id, current_image_id):
    """Grouped choices: this container's snapshots (newest first), then the project's other Docker images.
    Returns (choices, first snapshot id or the current image id)."""
    images = [image for image in api.glance.docker_image_list(request, paginate=False)[0]
              if api.glance.is_docker_image(image) and image.status == 'active']
    snapshots = sorted((image for image in images if _instance_uuid(image) == server_id),
                       key=lambda image: getattr(image, 'created_at', '') or '', reverse=True)
    others = sorted((image for image in images if _instance_uuid(image) != server_id),
                    key=lambda image: image.name or image.id)
    choices = []
    if snapshots:
        choices.append((_('Snapshots of this container'),
                        [(image.id, _('%(name)s (committed %(created)s)') % {
                            'name': image.name or image.id, 'created': getattr(image, 'created_at', '')})
                         for image in snapshots]))
    if others:
        choices.append((_('Other Docker images'), [
            (image.id, _('%s (the current image)') % (image.name or image.id) if image.id == current_image_id
             else image.name or image.id) for image in others]))
    return choices, snapshots[0].id if snapshots else current_image_id


def _instance_uuid(image):
    properties = getattr(image, 'properties', None) or {}
    return getattr(image, 'instance_uuid', None) or properties.get('instance_uuid')


class RebuildForm(forms.SelfHandlingForm):
    server_id = forms.CharField(widget=forms.HiddenInput())
    image_id = forms.ChoiceField(
        label=_('Image'), error_messages={'invalid_choice': _('Choose a Docker image from the list.')},
        help_text=_("This container's snapshots come first, newest first."))

    def __init__(self, request, *args, **kwargs):
        choices = kwargs.pop('image_choices')
        super().__init__(request, *args, **kwargs)
        self.fields['image_id'].choices = choices

    def handle(self, request, data):
        try:
            api.nova.server_rebuild(request, data['server_id'], data['image_id'])
        except Exception:
            exceptions.handle(request, _('Unable to rebuild the container.'), redirect=reverse(INDEX_URL))
            return False
        action_results.remember(request, data['server_id'], 'rebuild')
        messages.info(request, _('Rebuilding the container: it is recreated from the chosen image.'))
        return True


class ServerFormView(forms.ModalFormView):
    """A modal form about one server (fetched once, with the user's token), posted to its own URL."""

    success_url = reverse_lazy(INDEX_URL)

    def get_server(self):
        if not hasattr(self, '_server'):
            try:
                self._server = api.nova.server_get(self.request, self.kwargs['server_id'])
            except Exception:
                exceptions.handle(self.request, _('Unable to retrieve the container.'),
                                  redirect=reverse(INDEX_URL))
        return self._server

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = reverse(self.submit_url, args=[self.kwargs['server_id']])
        context['server'] = self.get_server()
        return context


class RebuildView(ServerFormView):
    form_class = RebuildForm
    template_name = 'docker_dashboard/containers/rebuild.html'
    modal_id = 'rebuild_container_modal'
    modal_header = _('Rebuild / Roll back Container')
    submit_label = _('Rebuild Container')
    submit_url = 'horizon:project:docker_containers:rebuild'
    page_title = _('Rebuild / Roll back Container')

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        server = self.get_server()
        image = getattr(server, 'image', None)
        current = image.get('id') if isinstance(image, dict) else None
        try:
            kwargs['image_choices'], self._preselected = image_choices(self.request, str(server.id), current)
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve Docker images.'), redirect=reverse(INDEX_URL))
        return kwargs

    def get_initial(self):
        return {'server_id': self.kwargs['server_id']}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not form.is_bound:
            form.fields['image_id'].initial = self._preselected
        return form


class RebuildContainer(policy.PolicyTargetMixin, tables.LinkAction):
    name = 'rebuild'
    verbose_name = _('Rebuild / Roll back')
    url = 'horizon:project:docker_containers:rebuild'
    classes = ('ajax-modal', 'btn-danger')
    icon = 'repeat'
    policy_rules = (('compute', 'os_compute_api:servers:rebuild'),)

    def allowed(self, request, server=None):
        return rebuild_allowed(request, server)
