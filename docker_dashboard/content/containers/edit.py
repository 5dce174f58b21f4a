"""Change a container after launch: Edit (name and description through Nova; command and environment as
server metadata, applied by a rebuild from the same image) and Duplicate (the launch wizard prefilled from
the container)."""
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import messages
from horizon import tables

from openstack_dashboard import policy

from docker_dashboard import api
from docker_dashboard import metadata as launch_metadata
from docker_dashboard import restart_policy
from docker_dashboard.content.containers import action_results
from docker_dashboard.content.containers import rebuild
from docker_dashboard.content.containers.workflows import launch

INDEX_URL = 'horizon:project:docker_containers:index'
NAME_MAX = 255


def launch_keys(metadata):
    """The metadata keys the Edit form owns: the command and the environment."""
    return {key for key in metadata or {}
            if key == launch_metadata.COMMAND_KEY or key.startswith(launch_metadata.ENV_PREFIX)}


def env_text(metadata):
    return '\n'.join('%s=%s' % item for item in sorted(launch_metadata.env_from_metadata(metadata).items()))


def image_id_of(server):
    image = getattr(server, 'image', None)
    return image.get('id') if isinstance(image, dict) else None


class EditForm(forms.SelfHandlingForm):
    name = forms.CharField(label=_('Container Name'), max_length=NAME_MAX)
    description = forms.CharField(label=_('Description'), max_length=NAME_MAX, required=False,
                                  widget=forms.Textarea(attrs={'rows': 2}))
    command = forms.CharField(
        label=_('Command'), required=False, max_length=launch_metadata.NOVA_VALUE_MAX,
        help_text=_("Empty runs the image's own. Split into arguments like a shell line, run without a shell."))
    environment = forms.CharField(label=_('Environment'), required=False,
                                  widget=forms.Textarea(attrs={'rows': 5, 'placeholder': 'KEY=VALUE'}),
                                  help_text=_('One KEY=VALUE per line. The values are not secret: project '
                                              'members read them as server metadata.'))

    def __init__(self, request, *args, **kwargs):
        self.server = kwargs.pop('server')
        super().__init__(request, *args, **kwargs)

    def clean(self):
        data = super().clean()
        metadata = dict(getattr(self.server, 'metadata', None) or {})
        others = len(set(metadata) - launch_keys(metadata))
        try:
            data['metadata'] = launch_metadata.build_server_metadata(
                data.get('command', ''), data.get('environment', ''),
                limit=launch_metadata.NOVA_ITEMS_MAX - others)
        except launch_metadata.MetadataError as error:
            self.add_error(error.field, error.message)
            return data
        old = {key: value for key, value in metadata.items() if key in launch_keys(metadata)}
        data['metadata_changed'] = old != data['metadata']
        if data['metadata_changed'] and not rebuild.rebuild_allowed(self.request, self.server):
            self.add_error(None, _('The command and environment can change only while the container is '
                                   'Active, Shutoff or in Error with no task under way.'))
        return data

    def handle(self, request, data):
        server_id = str(self.server.id)
        try:
            if (data['name'], data['description']) != (self.server.name, self.server_description()):
                api.nova.server_update(request, server_id, name=data['name'], description=data['description'])
            if data['metadata_changed']:
                old = launch_keys(getattr(self.server, 'metadata', None))
                removed = sorted(old - set(data['metadata']))
                if removed:
                    api.nova.server_metadata_delete(request, server_id, removed)
                if data['metadata']:
                    api.nova.server_metadata_update(request, server_id, data['metadata'])
                api.nova.server_rebuild(request, server_id, image_id_of(self.server))
                action_results.remember(request, server_id, 'rebuild')
        except Exception:
            exceptions.handle(request, _('Unable to change the container "%s".') % self.server.name,
                              redirect=reverse(INDEX_URL))
            return False
        if data['metadata_changed']:
            messages.info(request, _('Saved; the container is being recreated with the new command and '
                                     'environment.'))
        else:
            messages.success(request, _('Saved the container "%s".') % data['name'])
        return True

    def server_description(self):
        return getattr(self.server, 'description', None) or ''


class EditView(rebuild.ServerFormView):
    form_class = EditForm
    template_name = 'docker_dashboard/containers/edit.html'
    modal_id = 'edit_container_modal'
    modal_header = _('Edit Container')
    submit_label = _('Save')
    submit_url = 'horizon:project:docker_containers:edit'
    page_title = _('Edit Container')

    def get_form_kwargs(self):
        return dict(super().get_form_kwargs(), server=self.get_server())

    def get_initial(self):
        server = self.get_server()
        metadata = getattr(server, 'metadata', None) or {}
        return {'name': server.name, 'description': getattr(server, 'description', None) or '',
                'command': metadata.get(launch_metadata.COMMAND_KEY, ''), 'environment': env_text(metadata)}


class EditContainer(policy.PolicyTargetMixin, tables.LinkAction):
    name = 'edit'
    verbose_name = _('Edit Container')
    url = 'horizon:project:docker_containers:edit'
    classes = ('ajax-modal',)
    icon = 'pencil'
    policy_rules = (('compute', 'os_compute_api:servers:update'),)

    def allowed(self, request, server=None):
        return server is not None and rebuild.rebuild_allowed(request, server)


class DuplicateContainer(policy.PolicyTargetMixin, tables.LinkAction):
    name = 'duplicate'
    verbose_name = _('Duplicate')
    classes = ('ajax-modal',)
    icon = 'duplicate'
    policy_rules = launch.POLICY_RULES

    def get_link_url(self, datum):
        return '%s?%s' % (reverse(launch.URL), urlencode({'duplicate': datum.id}))

    def allowed(self, request, server=None):
        return server is not None and bool(image_id_of(server))


def _flavor_id(request, server):
    flavor = getattr(server, 'flavor', None) or {}
    if flavor.get('id'):
        return flavor['id']
    # Since microversion 2.47 Nova embeds the flavor without its id: find it by name.
    name = flavor.get('original_name')
    return next((f.id for f in api.nova.flavor_list(request) if f.name == name), None) if name else None


def _network_ids(request, server):
    names = set((getattr(server, 'addresses', None) or {}).keys())
    if not names or not api.neutron.network_service_enabled(request):
        return []
    return [network.id for network in api.neutron.network_list_for_tenant(request) if network.name in names]


def duplicate_initial(request, server_id):
    """The launch wizard's initial values copied from a container: image, flavor, networks, command,
    environment, interactive, restart policy, description and availability zone."""
    server = api.nova.server_get(request, server_id)
    metadata = getattr(server, 'metadata', None) or {}
    policy_name, retries = restart_policy.from_metadata(metadata)
    initial = {'name': _('%s-copy') % server.name, 'count': 1, 'image_id': image_id_of(server),
               'description': getattr(server, 'description', None) or '',
               'availability_zone': getattr(server, 'OS-EXT-AZ:availability_zone', None) or '',
               'command': metadata.get(launch_metadata.COMMAND_KEY, ''), 'environment': env_text(metadata),
               'interactive': launch_metadata.interactive_from_metadata(metadata) or None,
               'restart_policy': policy_name, 'restart_retries': retries,
               'flavor_id': _flavor_id(request, server), 'network_ids': _network_ids(request, server)}
    return {key: value for key, value in initial.items() if value not in (None, '')}
