"""Detail tabs of a Docker host: Overview (engine and Nova), Disk usage, Images, Containers, Orphans.

The view fetches the host's report and Nova's records once; the tabs only arrange them (the Images
tab adds one Glance listing for the image names).
"""
from django.utils.translation import gettext_lazy as _

from horizon import tabs

from docker_dashboard.api import hosts_inventory
from docker_dashboard.content.hosts import hostdata


class HostTab(tabs.Tab):
    """A tab over the view's HostRow; a host that did not answer shows why."""

    @property
    def row(self):
        return self.tab_group.kwargs['host_row']

    def get_context_data(self, request):
        context = {'host': self.row, 'report': self.row.report}
        if self.row.report.up:
            context.update(self.get_host_data(request))
        return context

    def get_host_data(self, request):
        return {}


class OverviewTab(HostTab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'docker_dashboard/hosts/_detail_overview.html'

    def get_host_data(self, request):
        info = self.row.report.info
        listed = self.row.report.images
        return {'info': info, 'version': self.row.report.version,
                # The Images tab's count (`docker system df`); info's also counts intermediate images.
                'image_count': len(listed) if listed is not None else info.get('Images'),
                'all_image_count': info.get('Images'),
                'security_options': info.get('SecurityOptions') or [],
                'warnings': info.get('Warnings') or []}


class DiskTab(HostTab):
    name = _('Disk Usage')
    slug = 'disk'
    template_name = 'docker_dashboard/hosts/_detail_disk.html'

    def get_host_data(self, request):
        return {'disk': self.row.report.disk, 'disk_error': self.row.report.disk_error}


class ImagesTab(HostTab):
    name = _('Images')
    slug = 'images'
    template_name = 'docker_dashboard/hosts/_detail_images.html'
    preload = False

    def get_host_data(self, request):
        return {'images': hostdata.host_images(request, self.row)}


def _containers(row):
    """Classified containers when Nova's servers are known, else Docker's rows alone."""
    if row.inventory is not None:
        return row.inventory.containers
    return [hosts_inventory.HostedContainer(row=r) for r in row.report.containers or []]


class ContainersTab(HostTab):
    name = _('Containers')
    slug = 'containers'
    template_name = 'docker_dashboard/hosts/_detail_containers.html'

    def get_host_data(self, request):
        return {'containers': _containers(self.row), 'nova_known': self.row.inventory is not None}


class OrphansTab(HostTab):
    name = _('Orphans')
    slug = 'orphans'
    template_name = 'docker_dashboard/hosts/_detail_orphans.html'

    def get_host_data(self, request):
        return {'orphans': self.row.orphans, 'missing': self.row.missing,
                'nova_known': self.row.inventory is not None}


class HostDetailTabs(tabs.DetailTabsGroup):
    slug = 'docker_host_details'
    tabs = (OverviewTab, DiskTab, ImagesTab, ContainersTab, OrphansTab)
    sticky = True
