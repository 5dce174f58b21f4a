"""Project > Docker > Containers table: Nova servers joined with what their Docker hosts say."""
from django.template.defaultfilters import title
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from horizon import exceptions
from horizon import tables
from horizon.utils import filters

from openstack_dashboard.dashboards.project.instances import tables as instance_tables

from docker_dashboard import api
from docker_dashboard.content.containers import action_results
from docker_dashboard.content.containers import actions
from docker_dashboard.content.containers import console
from docker_dashboard.content.containers import edit
from docker_dashboard.content.containers import rebuild
from docker_dashboard.content.containers import resize
from docker_dashboard.content.containers import usage as container_usage
from docker_dashboard.content.containers.workflows.launch import LaunchLink

HOST_UNREACHABLE = pgettext_lazy('Docker state of a container', 'host unreachable')
NO_CONTAINER = pgettext_lazy('Docker state of a container', 'no container')


def annotate(request, server, index):
    """Attach the Docker facts of `server` from a ContainerIndex (in memory: no Docker call)."""
    server_id = str(server.id)
    host = index.hosts.get(server_id)
    summary = index.containers.get(server_id)
    server.docker_host = host
    server.host_label = _host_label(request, server, host)
    if host is None:
        server.docker_state, server.docker_status = '', ''
    elif host in index.unreachable:
        server.docker_state, server.docker_status = HOST_UNREACHABLE, ''
    elif summary is None:
        server.docker_state, server.docker_status = NO_CONTAINER, ''
    else:
        server.docker_state, server.docker_status = summary.state, summary.status
    # The Usage column is filled in by the browser after the page renders (content/containers/usage.py).
    server.usage = container_usage.usage_cell(request, server_id, None if host in index.unreachable else host,
                                    server.host_label, summary)
    return server


def _host_label(request, server, host):
    """Admins see the compute host; members a neutral label derived from the hostId they already see."""
    if host is None:
        return ''
    if request.user.is_superuser:
        return host
    host_id = api.containers.server_attr(server, 'hostId') or ''
    return _('host %s') % host_id[:8] if host_id else _('Docker host')


class ContainerRow(tables.Row):
    """Rows of transitional servers refresh themselves (Horizon's status/ajax mechanism)."""

    ajax = True

    def get_data(self, request, server_id):
        server = api.nova.server_get(request, server_id)
        try:
            index = api.containers.containers_for_servers(request, [server])
        except Exception:
            exceptions.handle(request, ignore=True)
            index = api.containers.ContainerIndex(hosts={}, containers={}, unreachable=set())
        server.image_label = image_name_of(request, server)
        # The last refresh of a row whose action failed on the compute host says so.
        action_results.report(request, [server])
        return annotate(request, server, index)


def image_name_of(request, server) -> str:
    """The image's repo:tag for a refreshed row or the detail page (the index has it from its one image
    list); '' when Glance does not say (Horizon's own Server.image_name would raise when Glance is down)."""
    image = getattr(server, 'image', None)
    image_id = image.get('id') if isinstance(image, dict) else None
    if not image_id:
        return ''
    try:
        return api.glance.image_get(request, image_id).name or ''
    except Exception:
        exceptions.handle(request, ignore=True)
        return ''


CONTAINER_FILTER_CHOICES = (
    ('name', _('Name ='), True),
    ('status', _('Status ='), True),
    ('image', _('Image ID ='), True),
    ('image_name', _('Image (repo:tag) ='), True),
    ('host', _('Host ='), True, None, 'admin'),
)


class ContainersFilterAction(tables.FilterAction):
    filter_type = 'server'
    filter_choices = CONTAINER_FILTER_CHOICES

    def get_select_options(self):
        # The host filter is admin-only (Nova lets only admins filter servers by host).
        user = getattr(self.table.request, 'user', None)
        is_admin = user is not None and user.is_superuser
        return [choice[:4] for choice in self.filter_choices if len(choice) < 5 or is_admin]


def detail_link(server, request):
    return reverse('horizon:project:docker_containers:detail', args=[server.id])


def image_label(server):
    return getattr(server, 'image_label', '') or '-'


class ContainersTable(tables.DataTable):
    STATUS_CHOICES = instance_tables.InstancesTable.STATUS_CHOICES

    name = tables.WrappingColumn('name', link=detail_link, verbose_name=_('Name'))
    # Horizon's lock icon (locked: most actions are refused to all but admins).
    locked = tables.Column(instance_tables.render_locked, verbose_name='', sortable=False)
    image = tables.Column(image_label, verbose_name=_('Image'))
    status = tables.Column('status', filters=(title, filters.replace_underscores), verbose_name=_('Status'),
                           status=True, status_choices=STATUS_CHOICES,
                           display_choices=instance_tables.STATUS_DISPLAY_CHOICES)
    # Nova keeps the status ACTIVE while it stops, pauses or deletes: the task is what moves (as in
    # Horizon's Instances table), so a row refreshes itself until both are settled.
    task = tables.Column('OS-EXT-STS:task_state', verbose_name=_('Task'),
                         filters=(title, filters.replace_underscores), status=True,
                         status_choices=instance_tables.InstancesTable.TASK_STATUS_CHOICES,
                         display_choices=instance_tables.TASK_DISPLAY_CHOICES)
    power_state = tables.Column(instance_tables.get_power_state, filters=(title, filters.replace_underscores),
                                verbose_name=_('Power State'),
                                display_choices=instance_tables.POWER_DISPLAY_CHOICES)
    docker_state = tables.Column('docker_state', verbose_name=_('Docker State'))
    docker_status = tables.Column('docker_status', verbose_name=_('Uptime'))
    usage = tables.Column('usage', verbose_name=_('Usage'), cell_attributes_getter=container_usage.cell_attributes,
                          help_text=_('CPU and memory now, sampled after the page loads.'))
    host = tables.Column('host_label', verbose_name=_('Host'))
    ip = tables.Column(instance_tables.get_ips, verbose_name=_('IP Address'), attrs={'data-type': 'ip'})
    created = tables.Column('created', verbose_name=_('Age'),
                            filters=(filters.parse_isotime, filters.timesince_sortable),
                            attrs={'data-type': 'timesince'})

    class Meta:
        name = 'containers'
        verbose_name = _('Containers')
        status_columns = ['status', 'task']
        row_class = ContainerRow
        table_actions = (LaunchLink, actions.StartContainer, actions.StopContainer, actions.DeleteContainer,
                         ContainersFilterAction)
        row_actions = (resize.ConfirmResizeContainer, resize.RevertResizeContainer,
                       actions.StartContainer, actions.ViewLogs, console.OpenConsole, actions.CommitToImage,
                       actions.PauseContainer, actions.UnpauseContainer, actions.SoftRebootContainer,
                       actions.HardRebootContainer, edit.EditContainer, rebuild.RebuildContainer,
                       resize.ResizeContainer,
                       edit.DuplicateContainer, actions.LockContainer, actions.UnlockContainer, actions.StopContainer,
                       actions.DeleteContainer)
