"""Resize from the Containers panel: Horizon's own Resize Instance workflow, then Confirm or Revert.

nova_docker resizes a container on its host without restarting it (docker update of the limits) and
moves it with its filesystem when Nova picks another host; the flavor choice, quota checks and the
request stay Horizon's and Nova's.
"""
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from openstack_dashboard.dashboards.project.instances import tables as instance_tables

from docker_dashboard import api
from docker_dashboard.content.containers import actions


class ResizeContainer(instance_tables.ResizeLink):
    """Opens Horizon's Resize Instance workflow and comes back to this table."""

    verbose_name = _('Resize Container')
    help_text = _('On the same host the container keeps running with the new limits; on another '
                  'host it restarts there with its files.')

    def allowed(self, request, server=None):
        return (server is not None and not actions.lock_applies(request, server)
                and actions.is_settled(server) and super().allowed(request, server))


class ConfirmResizeContainer(actions.LifecycleAction):
    name = 'confirm_resize'
    classes = ('btn-confirm', 'btn-action-required')
    policy_rules = (('compute', 'os_compute_api:servers:confirm_resize'),)
    nova_action = 'confirmResize'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Confirm Resize/Migrate', 'Confirm Resize/Migrate', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Requested confirmation of resize of Container',
                             'Requested confirmation of resize of Containers', count)

    def state_allows(self, server):
        return server.status == 'VERIFY_RESIZE'

    def call_nova(self, request, obj_id):
        api.nova.server_confirm_resize(request, obj_id)


class RevertResizeContainer(ConfirmResizeContainer):
    name = 'revert_resize'
    classes = ('btn-revert', 'btn-action-required')
    policy_rules = (('compute', 'os_compute_api:servers:revert_resize'),)
    nova_action = 'revertResize'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Revert Resize/Migrate', 'Revert Resize/Migrate', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Requested revert of resize of Container',
                             'Requested revert of resize of Containers', count)

    def call_nova(self, request, obj_id):
        api.nova.server_revert_resize(request, obj_id)
