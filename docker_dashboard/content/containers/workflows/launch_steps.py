"""The steps of the Launch Container workflow (docker_dashboard.content.containers.workflows.launch).

Each action knows how to describe its own cleaned data for the Review step (`summary_rows`).
"""
import json
import math

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from horizon import exceptions
from horizon import forms
from horizon.utils.memoized import memoized
from horizon import workflows

from docker_dashboard import api
from docker_dashboard import metadata as launch_metadata
from docker_dashboard.content.widgets import ThemableSelect

# nova_docker's default `[docker] cpu_shares_per_vcpu`: the dashboard cannot read the compute hosts' config.
CPU_SHARES_PER_VCPU = 1024
# Nova's limits on a server's name and description.
NAME_MAX = 255
DESCRIPTION_MAX = 255


@memoized
def project_limits(request):
    """The project's quota limits and usage, fetched once per request (help text and checks share it)."""
    return api.nova.tenant_absolute_limits(request)


def quota_error(limits, count, flavor=None):
    """Why `count` containers (of `flavor`, when known) do not fit in the quota; None when they do."""
    left = limits.get('maxTotalInstances', math.inf) - limits.get('totalInstancesUsed', 0)
    if count > left:
        left = max(int(left), 0)
        return ngettext('Your quota allows %(left)d more container (%(used)d of %(max)d instances used).',
                        'Your quota allows %(left)d more containers (%(used)d of %(max)d instances used).', left) % {
            'left': left, 'used': limits.get('totalInstancesUsed', 0), 'max': limits['maxTotalInstances']}
    if flavor is None:
        return None
    for per_container, max_key, used_key, message in (
            (flavor.ram, 'maxTotalRAMSize', 'totalRAMUsed',
             _('%(count)d × %(flavor)s need %(need)d MB of RAM; %(left)d MB of your %(max)d MB quota is left.')),
            (flavor.vcpus, 'maxTotalCores', 'totalCoresUsed',
             _('%(count)d × %(flavor)s need %(need)d vCPUs; %(left)d of your %(max)d vCPUs quota is left.'))):
        need = int(per_container) * count
        left = limits.get(max_key, math.inf) - limits.get(used_key, 0)
        if need > left:
            return message % {'count': count, 'flavor': flavor.name, 'need': need,
                              'left': max(int(left), 0), 'max': limits[max_key]}
    return None


def quota_bars(limits):
    """Instances, vCPUs and RAM used / allowed, for the quota help text (None = unlimited)."""
    bars = []
    for label, used_key, max_key in ((_('Instances'), 'totalInstancesUsed', 'maxTotalInstances'),
                                     (_('vCPUs'), 'totalCoresUsed', 'maxTotalCores'),
                                     (_('RAM (MB)'), 'totalRAMUsed', 'maxTotalRAMSize')):
        used, limit = limits.get(used_key, 0), limits.get(max_key, math.inf)
        if limit == math.inf:
            bars.append({'label': label, 'used': used, 'max': None, 'percent': 0})
        else:
            percent = 100 if used >= limit else int(100 * used / limit)
            bars.append({'label': label, 'used': used, 'max': int(limit), 'percent': percent})
    return bars


def cpu_shares(vcpus):
    """The CPU shares nova_docker gives a container of `vcpus` vCPUs."""
    return max(2, int(vcpus) * CPU_SHARES_PER_VCPU)


def flavor_label(flavor):
    """e.g. "m1.tiny: 64 MB memory limit, 1 vCPU = 1024 CPU shares"."""
    vcpus = int(flavor.vcpus)
    return ngettext('%(name)s: %(ram)d MB memory limit, %(vcpus)d vCPU = %(shares)d CPU shares',
                    '%(name)s: %(ram)d MB memory limit, %(vcpus)d vCPUs = %(shares)d CPU shares', vcpus) % {
        'name': flavor.name, 'ram': int(flavor.ram), 'vcpus': vcpus, 'shares': cpu_shares(vcpus)}


def image_label(image):
    """repo:tag (size) of a Docker image in Glance."""
    name = image.name or image.id
    return '%s (%s)' % (name, filesizeformat(image.size)) if image.size else name


class DetailsAction(workflows.Action):
    name = forms.CharField(label=_('Container Name'), max_length=NAME_MAX)
    count = forms.IntegerField(label=_('Count'), min_value=1, initial=1,
                               help_text=_('Several containers are named NAME-1, NAME-2, and so on.'))
    availability_zone = forms.ThemableChoiceField(label=_('Availability Zone'), required=False,
                                                  widget=ThemableSelect())
    description = forms.CharField(label=_('Description'), max_length=DESCRIPTION_MAX, required=False,
                                  widget=forms.Textarea(attrs={'rows': 3}))

    class Meta:
        name = _('Details')
        slug = 'details'
        help_text_template = 'docker_dashboard/containers/_launch_quota.html'

    def populate_availability_zone_choices(self, request, context):
        try:
            zones = api.nova.availability_zone_list(request)
        except Exception:
            zones = []
            exceptions.handle(request, _('Unable to retrieve availability zones.'))
        names = sorted(zone.name for zone in zones if (getattr(zone, 'state', None) or {}).get('available'))
        return [('', _('Any Availability Zone'))] + [(name, name) for name in names]

    def clean(self):
        data = super().clean()
        if data.get('count'):
            try:
                limits = project_limits(self.request)
            except Exception:
                limits = {}  # Nova enforces the quota anyway; the help text already said it is unknown
            error = quota_error(limits, data['count'])
            if error:
                self.add_error('count', error)
        return data

    def get_help_text(self, extra_context=None):
        extra = dict(extra_context or {})
        try:
            extra['quota_bars'] = quota_bars(project_limits(self.request))
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve quota information.'))
        return super().get_help_text(extra)

    def summary_rows(self, data):
        zone = data.get('availability_zone')
        return [(_('Name'), [data['name']]),
                (_('Count'), [data['count']]),
                (_('Availability Zone'), [zone or _('Any Availability Zone')]),
                (_('Description'), [data['description']] if data.get('description') else [])]


class DetailsStep(workflows.Step):
    action_class = DetailsAction
    contributes = ('name', 'count', 'availability_zone', 'description')


class ImageAction(workflows.Action):
    image_id = forms.ThemableChoiceField(
        label=_('Image'), help_text=_('Docker images in Glance, shown as repo:tag (size).'), widget=ThemableSelect(),
        error_messages={'required': _('Choose the Docker image to launch.'),
                        'invalid_choice': _('This is not a Docker image available to you; choose one from the list.')})

    class Meta:
        name = _('Image')
        slug = 'image'
        help_text = _('Only Glance images with container format "docker" can run as containers.')

    def __init__(self, request, context, *args, **kwargs):
        super().__init__(request, context, *args, **kwargs)
        preselected = self.initial.get('image_id')
        if not self.is_bound and preselected and preselected not in self.images:
            # ?image_id= named an image that is missing, not Docker, or not the user's to launch.
            self.errors['image_id'] = self.error_class([self.fields['image_id'].error_messages['invalid_choice']])

    def populate_image_id_choices(self, request, context):
        try:
            images = api.glance.docker_image_list(request, paginate=False)[0]
        except Exception:
            images = []
            exceptions.handle(request, _('Unable to retrieve Docker images.'))
        # The filter runs in Glance; check again so nothing else is ever offered.
        self.images = {image.id: image for image in images if api.glance.is_docker_image(image)}
        choices = sorted(((image.id, image_label(image)) for image in self.images.values()), key=lambda c: c[1])
        placeholder = _('Select a Docker image') if choices else _('No Docker images available')
        return [('', placeholder)] + choices

    def summary_rows(self, data):
        return [(_('Image'), [image_label(self.images[data['image_id']])])]


class ImageStep(workflows.Step):
    action_class = ImageAction
    contributes = ('image_id',)


class FlavorAction(workflows.Action):
    flavor_id = forms.ThemableChoiceField(label=_('Flavor'), widget=ThemableSelect(),
                                          error_messages={'required': _('Choose a flavor.')})

    class Meta:
        name = _('Flavor')
        slug = 'flavor'
        help_text = _("A flavor's RAM becomes the container's memory limit and its vCPUs its CPU shares "
                      "(a relative weight, not a reservation).")

    def populate_flavor_id_choices(self, request, context):
        try:
            flavors = api.nova.flavor_list(request)
        except Exception:
            flavors = []
            exceptions.handle(request, _('Unable to retrieve flavors.'))
        self.flavors = {flavor.id: flavor for flavor in flavors}
        ordered = sorted(flavors, key=lambda f: (int(f.ram), int(f.vcpus), f.name))
        placeholder = _('Select a flavor') if ordered else _('No flavors available')
        return [('', placeholder)] + [(flavor.id, flavor_label(flavor)) for flavor in ordered]

    def summary_rows(self, data):
        flavor = self.flavors[data['flavor_id']]
        return [(_('Flavor'), [flavor.name]),
                (_('Memory limit'), [_('%d MB') % int(flavor.ram)]),
                (_('CPU shares'), [cpu_shares(flavor.vcpus)])]


class FlavorStep(workflows.Step):
    action_class = FlavorAction
    contributes = ('flavor_id',)


class CommandAction(workflows.Action):
    command = forms.CharField(
        label=_('Command'), required=False,
        help_text=_("Overrides the image's command; empty runs the image's own. The line is split into "
                    "arguments as a POSIX shell splits words (quotes group words, a backslash escapes) and "
                    "runs without a shell: no pipes, redirections or $VARIABLES unless you run "
                    "sh -c '...'. Review shows the resulting arguments."))
    environment = forms.CharField(label=_('Environment'), required=False,
                                  widget=forms.Textarea(attrs={'rows': 6, 'placeholder': 'KEY=VALUE'}),
                                  help_text=_('One KEY=VALUE per line; blank lines and lines starting with # '
                                              'are ignored. The values are not secret: Review shows them.'))
    interactive = forms.BooleanField(
        label=_('Interactive (stdin and TTY)'), required=False,
        help_text=_('Keeps the main process\'s standard input open on a terminal, as docker run -it does, so '
                    'the Console tab attaches to it: for a shell or a REPL as the command. Without it the '
                    'Console tab opens a new shell beside the main process.'))

    class Meta:
        name = _('Command & Environment')
        slug = 'command'
        help_text = _('The command and environment travel to the container as server metadata: any member '
                      'of the project can read them. Do not put secrets here that others must not see.')

    def clean(self):
        data = super().clean()
        try:
            data['metadata'] = launch_metadata.build_server_metadata(
                data.get('command', ''), data.get('environment', ''), interactive=bool(data.get('interactive')))
        except launch_metadata.MetadataError as error:
            self.add_error(error.field, error.message)
        return data

    def summary_rows(self, data):
        argv = launch_metadata.command_from_metadata(data['metadata'])
        env = launch_metadata.env_from_metadata(data['metadata'])
        # The argument vector as nova_docker passes it to Docker, one JSON string per argument.
        interactive = launch_metadata.interactive_from_metadata(data['metadata'])
        return [(_('Command (argv)'), [json.dumps(argv, ensure_ascii=False)] if argv else [_("The image's own")]),
                (_('Environment'), ['%s=%s' % (name, value) for name, value in env.items()]),
                (_('Interactive'), [_('Yes: stdin and a TTY; the console attaches to the command') if interactive
                                    else _('No')])]


class CommandStep(workflows.Step):
    action_class = CommandAction
    contributes = ('command', 'environment', 'interactive', 'metadata')


def network_label(network):
    """e.g. "demo-net (10.211.0.0/24)": the name and its subnets' CIDRs."""
    cidrs = [subnet.cidr for subnet in getattr(network, 'subnets', None) or () if getattr(subnet, 'cidr', None)]
    return '%s (%s)' % (network.name_or_id, ', '.join(cidrs)) if cidrs else network.name_or_id


class NetworkAction(workflows.Action):
    network_ids = forms.MultipleChoiceField(
        label=_('Networks'), required=False, widget=forms.ThemableCheckboxSelectMultiple(),
        error_messages={'invalid_choice': _('This is not a network of your project; choose one from the list.')},
        help_text=_('The container gets one port on each chosen network, with an address from its subnet.'))

    class Meta:
        name = _('Network')
        slug = 'network'
        help_text = _('Containers on the same network and the same Docker host reach each other by these '
                      'addresses. No network chosen: the container has only its loopback interface.')

    def populate_network_ids_choices(self, request, context):
        networks = []
        if api.neutron.network_service_enabled(request):
            try:
                networks = api.neutron.network_list_for_tenant(request)
            except Exception:
                exceptions.handle(request, _('Unable to retrieve networks.'))
        self.networks = {network.id: network for network in networks}
        if len(networks) == 1:
            # The project's only network is the one it means (as Horizon's Launch Instance does).
            self.fields['network_ids'].initial = [networks[0].id]
        return sorted(((network.id, network_label(network)) for network in networks), key=lambda c: c[1])

    def summary_rows(self, data):
        chosen = [network_label(self.networks[network_id]) for network_id in data.get('network_ids') or ()]
        return [(_('Networks'), chosen or [_('No network')])]


class NetworkStep(workflows.Step):
    action_class = NetworkAction
    contributes = ('network_ids',)
