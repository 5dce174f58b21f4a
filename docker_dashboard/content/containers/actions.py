"""Row and table actions of the Containers table, offered only when Nova's state allows them.

Each `allowed` mirrors the check Nova's compute API makes (vm state, task state, lock), so the
menu never offers what Nova would refuse; Nova still decides. Actions Nova accepts run later on
the compute host: `action_past` says the request was made, and action_results reports a failure.
"""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from horizon import tables

from openstack_dashboard.dashboards.project.instances import tables as instance_tables
from openstack_dashboard import policy

from docker_dashboard import api
from docker_dashboard.content.containers import action_results

UNLOCK_OVERRIDE = (('compute', 'os_compute_api:os-lock-server:unlock:unlock_override'),)
POWER_RUNNING = 1
# Docker states in which the container has no running process to pause or restart gracefully.
DOCKER_STOPPED = ('exited', 'dead', 'created')
# Nova's task_states.ALLOW_REBOOT: the tasks a hard reboot may interrupt.
HARD_REBOOT_TASKS = (None, 'rebooting', 'reboot_pending', 'reboot_started', 'rebooting_hard', 'resuming',
                     'unpausing', 'pausing', 'suspending')


def task_state(server):
    return getattr(server, 'OS-EXT-STS:task_state', None)


def is_settled(server):
    """No task under way: Nova refuses start, stop, pause and soft reboot while one is."""
    return not task_state(server)


def is_running(server):
    """Nova says ACTIVE and running, and Docker (when it answered) does not say the process is gone."""
    return (server.status == 'ACTIVE' and getattr(server, 'OS-EXT-STS:power_state', None) == POWER_RUNNING
            and getattr(server, 'docker_state', '') not in DOCKER_STOPPED)


def lock_applies(request, server):
    """A locked server refuses lifecycle actions to everyone but those who may override the lock
    (Nova's check_instance_lock lets only admins through; the override policy says who they are)."""
    if not getattr(server, 'locked', False):
        return False
    return not policy.check(UNLOCK_OVERRIDE, request, target={'project_id': getattr(server, 'tenant_id', None)})


class LifecycleAction(policy.PolicyTargetMixin, tables.BatchAction):
    """A Nova server action that the compute host carries out after Nova answered 202."""

    nova_action = ''

    def allowed(self, request, server=None):
        return server is None or (not lock_applies(request, server) and self.state_allows(server))

    def state_allows(self, server):
        return True

    def action(self, request, obj_id):
        self.call_nova(request, obj_id)
        action_results.remember(request, obj_id, self.nova_action)

    def call_nova(self, request, obj_id):
        raise NotImplementedError


class StartContainer(LifecycleAction):
    name = 'start'
    classes = ('btn-confirm',)
    policy_rules = (('compute', 'os_compute_api:servers:start'),)
    nova_action = 'start'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Start Container', 'Start Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Requested start of Container', 'Requested start of Containers', count)

    def state_allows(self, server):
        return server.status == 'SHUTOFF' and is_settled(server)

    def call_nova(self, request, obj_id):
        api.nova.server_start(request, obj_id)


class StopContainer(LifecycleAction):
    name = 'stop'
    classes = ('btn-danger',)
    policy_rules = (('compute', 'os_compute_api:servers:stop'),)
    help_text = _('The container gets SIGTERM, then SIGKILL after a grace period.')
    action_type = 'danger'
    nova_action = 'stop'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Stop Container', 'Stop Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Requested stop of Container', 'Requested stop of Containers', count)

    def state_allows(self, server):
        # Nova stops ACTIVE (or ERROR) servers with no task; a paused one is unpaused first.
        return server.status == 'ACTIVE' and is_settled(server)

    def call_nova(self, request, obj_id):
        api.nova.server_stop(request, obj_id)


class PauseContainer(LifecycleAction):
    name = 'pause'
    policy_rules = (('compute', 'os_compute_api:os-pause-server:pause'),)
    nova_action = 'pause'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Pause Container', 'Pause Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Requested pause of Container', 'Requested pause of Containers', count)

    def allowed(self, request, server=None):
        return server is not None and super().allowed(request, server)

    def state_allows(self, server):
        return is_running(server) and is_settled(server)

    def call_nova(self, request, obj_id):
        api.nova.server_pause(request, obj_id)


class UnpauseContainer(PauseContainer):
    name = 'unpause'
    policy_rules = (('compute', 'os_compute_api:os-pause-server:unpause'),)
    nova_action = 'unpause'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Unpause Container', 'Unpause Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Requested unpause of Container', 'Requested unpause of Containers', count)

    def state_allows(self, server):
        return server.status == 'PAUSED' and is_settled(server)

    def call_nova(self, request, obj_id):
        api.nova.server_unpause(request, obj_id)


class SoftRebootContainer(LifecycleAction):
    name = 'soft_reboot'
    classes = ('btn-danger',)
    action_type = 'danger'
    policy_rules = (('compute', 'os_compute_api:servers:reboot'),)
    help_text = _('Restarts the container gracefully (docker restart).')
    nova_action = 'reboot'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Soft Reboot Container', 'Soft Reboot Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Requested soft reboot of Container', 'Requested soft reboot of Containers', count)

    def state_allows(self, server):
        # Nova soft-reboots only an ACTIVE server with no task; a stopped process has nothing to restart.
        return is_running(server) and is_settled(server)

    def call_nova(self, request, obj_id):
        api.nova.server_reboot(request, obj_id, soft=True)


class HardRebootContainer(SoftRebootContainer):
    name = 'hard_reboot'
    help_text = _('Kills the container and starts it again.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Hard Reboot Container', 'Hard Reboot Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Requested hard reboot of Container', 'Requested hard reboot of Containers', count)

    def state_allows(self, server):
        # Nova's ALLOW_HARD_REBOOT states less STOPPED: a stopped container is offered Start, which does the same.
        return server.status in ('ACTIVE', 'PAUSED', 'ERROR') and task_state(server) in HARD_REBOOT_TASKS

    def call_nova(self, request, obj_id):
        api.nova.server_reboot(request, obj_id, soft=False)


class DeleteContainer(LifecycleAction, tables.DeleteAction):
    policy_rules = (('compute', 'os_compute_api:servers:delete'),)
    help_text = _('Deleted containers are not recoverable; their logs and filesystem changes are lost.')
    nova_action = 'delete'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Container', 'Delete Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Scheduled deletion of Container', 'Scheduled deletion of Containers', count)

    def state_allows(self, server):
        return server.status == 'ERROR' or not instance_tables.is_deleting(server)

    def delete(self, request, obj_id):
        self.action(request, obj_id)

    def call_nova(self, request, obj_id):
        api.nova.server_delete(request, obj_id)


class LockContainer(policy.PolicyTargetMixin, tables.BatchAction):
    name = 'lock'
    policy_rules = (('compute', 'os_compute_api:os-lock-server:lock'),)
    help_text = _('A locked container refuses start, stop, pause, reboot and delete to all but admins.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Lock Container', 'Lock Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Locked Container', 'Locked Containers', count)

    def allowed(self, request, server=None):
        return server is not None and not getattr(server, 'locked', True) \
            and not instance_tables.is_deleting(server)

    def action(self, request, obj_id):
        api.nova.server_lock(request, obj_id)


class UnlockContainer(policy.PolicyTargetMixin, tables.BatchAction):
    name = 'unlock'
    policy_rules = (('compute', 'os_compute_api:os-lock-server:unlock'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Unlock Container', 'Unlock Containers', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Unlocked Container', 'Unlocked Containers', count)

    def allowed(self, request, server=None):
        return server is not None and bool(getattr(server, 'locked', False))

    def action(self, request, obj_id):
        api.nova.server_unlock(request, obj_id)


class CommitToImage(policy.PolicyTargetMixin, tables.LinkAction):
    name = 'snapshot'
    verbose_name = _('Commit to Image')
    url = 'horizon:project:docker_containers:snapshot'
    classes = ('ajax-modal',)
    icon = 'camera'
    policy_rules = (('compute', 'os_compute_api:servers:create_image'),)

    def allowed(self, request, server=None):
        # Nova does not check the lock for snapshots (a lock guards against change and deletion).
        return server is not None and server.status in instance_tables.SNAPSHOT_READY_STATES \
            and is_settled(server)


class ViewLogs(policy.PolicyTargetMixin, tables.LinkAction):
    name = 'logs'
    verbose_name = _('View Logs')
    icon = 'list-alt'

    def get_link_url(self, datum):
        return reverse('horizon:project:docker_containers:logs', args=[datum.id])

    def allowed(self, request, server=None):
        return server is not None and bool(getattr(server, 'docker_host', None))
