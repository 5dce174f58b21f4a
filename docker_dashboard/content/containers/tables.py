"""Project > Docker > Containers table: Nova servers joined with what their Docker hosts say."""
from django.template.defaultfilters import title
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.utils.translation import pgettext_lazy

from horizon import exceptions
from horizon import tables
from horizon.utils import filters

from openstack_dashboard.dashboards.project.instances import tables as instance_tables
from openstack_dashboard import policy

from docker_dashboard import api
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


class StartContainer(policy.PolicyTargetMixin, tables.BatchAction):
    name = 'start'
    classes = ('btn-confirm',)
    policy_rules = (('compute', 'os_compute_api:servers:start'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Start Container', 'Start Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Started Container', 'Started Containers', count)

    def allowed(self, request, server=None):
        return server is None or server.status in ('SHUTDOWN', 'SHUTOFF', 'CRASHED')

    def action(self, request, obj_id):
        api.nova.server_start(request, obj_id)


class StopContainer(policy.PolicyTargetMixin, tables.BatchAction):
    name = 'stop'
    classes = ('btn-danger',)
    policy_rules = (('compute', 'os_compute_api:servers:stop'),)
    help_text = _('The container gets SIGTERM, then SIGKILL after a grace period.')
    action_type = 'danger'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Stop Container', 'Stop Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Stopped Container', 'Stopped Containers', count)

    def allowed(self, request, server=None):
        return server is None or (server.status in ('ACTIVE', 'PAUSED')
                                  and not instance_tables.is_deleting(server))

    def action(self, request, obj_id):
        api.nova.server_stop(request, obj_id)


class PauseContainer(policy.PolicyTargetMixin, tables.BatchAction):
    name = 'pause'
    policy_rules = (('compute', 'os_compute_api:os-pause-server:pause'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Pause Container', 'Pause Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Paused Container', 'Paused Containers', count)

    def allowed(self, request, server=None):
        return server is not None and server.status == 'ACTIVE' and not instance_tables.is_deleting(server)

    def action(self, request, obj_id):
        api.nova.server_pause(request, obj_id)


class UnpauseContainer(PauseContainer):
    name = 'unpause'
    policy_rules = (('compute', 'os_compute_api:os-pause-server:unpause'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Unpause Container', 'Unpause Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Unpaused Container', 'Unpaused Containers', count)

    def allowed(self, request, server=None):
        return server is not None and server.status == 'PAUSED'

    def action(self, request, obj_id):
        api.nova.server_unpause(request, obj_id)


class SoftRebootContainer(policy.PolicyTargetMixin, tables.BatchAction):
    name = 'soft_reboot'
    classes = ('btn-danger',)
    action_type = 'danger'
    policy_rules = (('compute', 'os_compute_api:servers:reboot'),)
    help_text = _('Restarts the container gracefully (docker restart).')
    soft = True

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Soft Reboot Container', 'Soft Reboot Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Soft Rebooted Container', 'Soft Rebooted Containers', count)

    def allowed(self, request, server=None):
        return server is None or (server.status in ('ACTIVE', 'SHUTOFF')
                                  and not instance_tables.is_deleting(server))

    def action(self, request, obj_id):
        api.nova.server_reboot(request, obj_id, soft=self.soft)


class HardRebootContainer(SoftRebootContainer):
    name = 'hard_reboot'
    help_text = _('Kills the container and starts it again.')
    soft = False

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Hard Reboot Container', 'Hard Reboot Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Hard Rebooted Container', 'Hard Rebooted Containers', count)


class DeleteContainer(policy.PolicyTargetMixin, tables.DeleteAction):
    policy_rules = (('compute', 'os_compute_api:servers:delete'),)
    help_text = _('Deleted containers are not recoverable; their logs and filesystem changes are lost.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Container', 'Delete Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Scheduled deletion of Container', 'Scheduled deletion of Containers', count)

    def allowed(self, request, server=None):
        return server is None or not instance_tables.is_deleting(server)

    def action(self, request, obj_id):
        api.nova.server_delete(request, obj_id)


class CommitToImage(policy.PolicyTargetMixin, tables.LinkAction):
    name = 'snapshot'
    verbose_name = _('Commit to Image')
    url = 'horizon:project:docker_containers:snapshot'
    classes = ('ajax-modal',)
    icon = 'camera'
    policy_rules = (('compute', 'os_compute_api:servers:create_image'),)

    def allowed(self, request, server=None):
        return server is not None and server.status in instance_tables.SNAPSHOT_READY_STATES \
            and not instance_tables.is_deleting(server)


class ViewLogs(policy.PolicyTargetMixin, tables.LinkAction):
    name = 'logs'
    verbose_name = _('View Logs')
    icon = 'list-alt'

    def get_link_url(self, datum):
        return reverse('horizon:project:docker_containers:logs', args=[datum.id])

    def allowed(self, request, server=None):
        return server is not None and bool(getattr(server, 'docker_host', None))


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
        table_actions = (LaunchLink, StartContainer, StopContainer, DeleteContainer, ContainersFilterAction)
        row_actions = (StartContainer, ViewLogs, CommitToImage, PauseContainer, UnpauseContainer,
                       SoftRebootContainer, HardRebootContainer, StopContainer, DeleteContainer)
