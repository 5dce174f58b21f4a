"""Launch Container: boots Nova servers from Docker images in Glance, with the user's token.

Flavor RAM becomes the container's memory limit and vCPUs its CPU shares (nova_docker); the
command and environment travel as server metadata (docker_dashboard.metadata). The steps live in
launch_steps; this module holds the workflow, its Review step and the table's link to it.
"""
from django.template.loader import render_to_string
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from horizon import exceptions
from horizon import tables
from horizon.utils import settings as horizon_settings
from horizon import workflows

from docker_dashboard import api
from docker_dashboard import metadata as launch_metadata
from docker_dashboard.content.containers.workflows import launch_restart
from docker_dashboard.content.containers.workflows import launch_steps

POLICY_RULES = (('compute', 'os_compute_api:servers:create'),)
URL = 'horizon:project:docker_containers:launch'
# Header of the Review step's request for a fresh summary of the form as it stands (nothing is launched).
REVIEW_HEADER = 'X-Docker-Dashboard-Launch-Review'
SUMMARY_TEMPLATE = 'docker_dashboard/containers/_launch_summary.html'


def launch_allowed(request):
    """Whether policy lets the user create servers (the same check Horizon makes for the link)."""
    policy_check = horizon_settings.import_setting('POLICY_CHECK_FUNCTION')
    return not policy_check or policy_check(POLICY_RULES, request)


def summary_rows(workflow):
    """(label, [values]) rows describing the launch as submitted; steps not yet valid are left out."""
    rows = []
    for step in workflow.steps:
        describe = getattr(step.action, 'summary_rows', None)
        if describe and step.action.is_bound and step.action.is_valid():
            rows.extend(describe(step.action.cleaned_data))
    return rows


def render_summary(workflow):
    """The Review step's summary as HTML, for the step itself and for its refresh request."""
    return render_to_string(SUMMARY_TEMPLATE, {'rows': summary_rows(workflow)}, workflow.request)


class ReviewAction(workflows.Action):
    class Meta:
        name = _('Review')
        slug = 'review'


class ReviewStep(workflows.Step):
    action_class = ReviewAction
    template_name = 'docker_dashboard/containers/_launch_review.html'

    def render(self):
        # A fresh form has nothing to summarise yet: the step asks for the summary when it is shown.
        summary = render_summary(self.workflow) if self.action.is_bound else None
        return render_to_string(self.template_name, {
            'step': self, 'form': self.action, 'summary': summary,
            'review_header': REVIEW_HEADER}, self.workflow.request)


class LaunchContainer(workflows.Workflow):
    slug = 'launch_container'
    name = _('Launch Container')
    finalize_button_name = _('Launch')
    success_message = _('Launched container "%s".')  # pluralised in format_status_message
    failure_message = _('Unable to launch container "%s".')
    failure_reason = None  # Nova's explanation, set by handle()
    success_url = 'horizon:project:docker_containers:index'
    wizard = True
    policy_rules = POLICY_RULES
    default_steps = (launch_steps.DetailsStep, launch_steps.ImageStep, launch_steps.FlavorStep,
                     launch_steps.CommandStep, launch_restart.RestartPolicyStep, launch_steps.NetworkStep,
                     ReviewStep)

    def __init__(self, request=None, context_seed=None, entry_point=None, *args, **kwargs):
        super().__init__(request, context_seed, entry_point, *args, **kwargs)
        if request is not None and request.method == 'GET':
            # A bad ?image_id= is reported on its step (marked in the step list) when the form opens.
            for step in self.steps:
                step.has_errors = bool(step.action.errors)

    def validate(self, context):
        """RAM and vCPU quota need count and flavor together: checked here, reported on the count; the
        restart policy counts among the metadata items."""
        if len(context.get('metadata') or {}) + len(context.get('restart_metadata') or {}) > \
                launch_metadata.NOVA_ITEMS_MAX:
            command = self.get_step('command')
            command.action.add_error('environment', _('At most %d metadata items are allowed (command, '
                                                      'variables and restart policy together).')
                                     % launch_metadata.NOVA_ITEMS_MAX)
            command.has_errors = True
            return False
        flavor = self.get_step('flavor').action.flavors.get(context.get('flavor_id'))
        try:
            limits = launch_steps.project_limits(self.request)
        except Exception:
            return True  # quota unknown (the Details step said so): Nova still enforces it
        error = launch_steps.quota_error(limits, context['count'], flavor)
        if error:
            details = self.get_step('details')
            details.action.add_error('count', error)
            details.has_errors = True
            return False
        return True

    def format_status_message(self, message):
        name = self.context.get('name') or ''
        count = self.context.get('count') or 1
        if message is self.success_message:
            return ngettext('Launched container "%(name)s".', 'Launched %(count)d containers named "%(name)s".',
                            count) % {'name': name, 'count': count}
        if message is self.failure_message and self.failure_reason:
            return message % name + exceptions.SEPARATOR + self.failure_reason
        return message % name

    @sensitive_variables('context')
    def handle(self, request, context):
        # In the list's order: the first network is the container's first interface.
        network_ids = context.get('network_ids') or []
        try:
            api.nova.server_create(
                request, name=context['name'], image_id=context['image_id'], flavor_id=context['flavor_id'],
                count=context['count'], availability_zone=context.get('availability_zone') or None,
                description=context.get('description') or None,
                metadata=dict(context['metadata'], **(context.get('restart_metadata') or {})),
                nics=[{'net-id': network_id} for network_id in network_ids] or 'none')
        except Exception as error:
            # Classified and logged as usual (an expired token logs out, a bug still raises), but shown
            # once: WorkflowView's failure message, with Nova's reason appended the way handle() does.
            exceptions.handle(request, ignore=True, force_log=True)
            self.failure_reason = force_str(error)
            return False
        return True


class LaunchLink(tables.LinkAction):
    """The Containers table's "Launch Container" button."""

    name = 'launch'
    verbose_name = _('Launch Container')
    url = URL
    classes = ('ajax-modal', 'btn-launch')
    icon = 'cloud-upload'
    policy_rules = POLICY_RULES
