"""Detail tabs of a Docker image: Overview, Layers, Config, Containers.

Layers and Config come from a Docker host that has the image loaded under the driver's cache tag
glance/<image id>:latest (any configured host, the import host first); if none has it, from the
image's tarball in Glance, streamed and bounded. Either way the source is named in the tab.
"""
import logging

from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import tabs

from docker_dashboard import api
from docker_dashboard import exceptions as dd_exceptions
from docker_dashboard.api import image_import
from docker_dashboard.api import image_upload

LOG = logging.getLogger(__name__)
CONFIG_KEYS = ('Entrypoint', 'Cmd', 'Env', 'ExposedPorts', 'WorkingDir', 'User', 'Labels')


class ImageFacts:
    """Where the image's Docker facts came from, and what they are (or why there are none)."""

    def __init__(self, *, source='', host=None, layers=None, config=None, error=None):
        self.source = source
        self.host = host
        self.layers = layers or []
        self.config = config or {}
        self.error = error


def docker_facts(request, image):
    """History and config of `image`: from a host that has it loaded, else from Glance's tarball."""
    try:
        loaded = api.images.image_locate(image.id)
    except dd_exceptions.DockerDashboardError:
        loaded = None
    if loaded is not None:
        try:
            history = api.images.image_history(loaded.host, loaded.ref)
            return ImageFacts(source='host', host=loaded.host, layers=api.images.layers_from_history(history),
                              config=api.images.image_config_of(loaded.attrs))
        except dd_exceptions.DockerDashboardError as error:
            return ImageFacts(error=str(error))
    try:
        facts = image_upload.tarball_facts(request, image)
    except image_import.ImportFailed as error:
        return ImageFacts(error=_('No Docker host has this image loaded, and its tarball in Glance could not '
                                  'be read: %s') % error)
    except Exception:  # noqa: BLE001 - the tab says so; details for operators in the log
        LOG.warning('Reading the tarball of image %s from Glance failed', image.id, exc_info=True)
        return ImageFacts(error=_('No Docker host has this image loaded, and Glance did not provide its data.'))
    return ImageFacts(source='tarball', layers=api.images.layers_from_config(facts.config, facts.layers),
                      config=api.images.image_config_of(facts.config))


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'docker_dashboard/images/_detail_overview.html'

    def get_context_data(self, request):
        image = self.tab_group.kwargs['image']
        return {'image': image, 'properties': sorted((image.properties or {}).items())}


class DockerFactsTab(tabs.Tab):
    preload = False

    def facts(self, request):
        return self.tab_group.facts(request)

    def source_context(self, request, facts):
        return {'facts': facts, 'show_host': request.user.is_superuser}


class LayersTab(DockerFactsTab):
    name = _('Layers')
    slug = 'layers'
    template_name = 'docker_dashboard/images/_detail_layers.html'

    def get_context_data(self, request):
        facts = self.facts(request)
        context = self.source_context(request, facts)
        context['layers'] = facts.layers
        context['empty_count'] = sum(1 for layer in facts.layers if layer.empty)
        return context


class ConfigTab(DockerFactsTab):
    name = _('Config')
    slug = 'config'
    template_name = 'docker_dashboard/images/_detail_config.html'

    def get_context_data(self, request):
        facts = self.facts(request)
        config = facts.config
        context = self.source_context(request, facts)
        context.update({
            'entrypoint': config.get('Entrypoint'), 'cmd': config.get('Cmd'),
            'env': [item.partition('=')[::2] for item in config.get('Env') or ()],
            'ports': sorted(config.get('ExposedPorts') or {}),
            'working_dir': config.get('WorkingDir'), 'user': config.get('User'),
            'labels': sorted((config.get('Labels') or {}).items()),
        })
        return context


class ContainersTab(tabs.Tab):
    name = _('Containers')
    slug = 'containers'
    template_name = 'docker_dashboard/images/_detail_containers.html'
    preload = False

    def get_context_data(self, request):
        image = self.tab_group.kwargs['image']
        try:
            servers, _more = api.nova.server_list(request, search_opts={'image': image.id})
        except Exception:
            servers = []
            exceptions.handle(request, _('Unable to retrieve the containers of this image.'))
        return {'servers': sorted(servers, key=lambda server: server.name or '')}


class DockerImageDetailTabs(tabs.DetailTabsGroup):
    slug = 'docker_image_details'
    tabs = (OverviewTab, LayersTab, ConfigTab, ContainersTab)
    sticky = True

    _facts = None

    def facts(self, request):
        if self._facts is None:
            self._facts = docker_facts(request, self.kwargs['image'])
        return self._facts
