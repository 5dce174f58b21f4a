"""Import Image: a Docker image into Glance from a registry, a `docker save` upload, or a container.

Source -> Glance details -> Review. Finishing the workflow never waits for the transfer:
- registry: a background import starts (docker_dashboard.api.image_import) and the user lands on its
  progress page;
- upload: the checked details wait in the session under a one-time ticket and the user lands on the
  upload page, whose POST streams the file to Glance (content/images/upload.py);
- container: Nova createImage (nova_docker commits and saves the container), then the details are set.
"""
import secrets
import time

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import messages
from horizon import workflows

from docker_dashboard import api
from docker_dashboard import conf
from docker_dashboard.api import image_import
from docker_dashboard.content.images import forms as image_forms
from docker_dashboard.content.widgets import ThemableSelect

SOURCE_REGISTRY, SOURCE_UPLOAD, SOURCE_CONTAINER = 'registry', 'upload', 'container'
SESSION_KEY = 'docker_dashboard_upload_tickets'
TICKET_TTL = 3600
POLICY_RULES = (('image', 'add_image'), ('image', 'upload_image'))
# Header of the Review step's request for the summary of the form as it stands (nothing is imported).
REVIEW_HEADER = 'X-Docker-Dashboard-Import-Review'
SUMMARY_TEMPLATE = 'docker_dashboard/_review_summary.html'


class SourceAction(workflows.Action):
    source = forms.ThemableChoiceField(
        label=_('Source'), choices=[(SOURCE_REGISTRY, _('Pull from a registry')),
                                    (SOURCE_UPLOAD, _('Upload a "docker save" tarball')),
                                    (SOURCE_CONTAINER, _('Commit one of your running containers'))],
        widget=ThemableSelect(attrs={'class': 'switchable', 'data-slug': 'source'}))
    reference = forms.CharField(
        label=_('Image (registry/repo:tag)'), required=False, max_length=255,
        widget=forms.TextInput(attrs={'class': 'switched', 'data-switch-on': 'source',
                                      'data-source-registry': _('Image (registry/repo:tag)'),
                                      'placeholder': 'registry.example.com:5000/repo:tag'}))
    repo_tag = forms.CharField(
        label=_('repo:tag in the tarball'), required=False, max_length=255,
        help_text=_('Only needed when the tarball holds several repo:tags.'),
        widget=forms.TextInput(attrs={'class': 'switched', 'data-switch-on': 'source',
                                      'data-source-upload': _('repo:tag in the tarball')}))
    server_id = forms.ThemableChoiceField(
        label=_('Container'), required=False,
        widget=ThemableSelect(attrs={'class': 'switched', 'data-switch-on': 'source',
                                                 'data-source-container': _('Container')}))

    class Meta:
        name = _('Source')
        slug = 'source'

    def get_help_text(self, extra_context=None):
        settings = conf.get_settings()
        allowed = ', '.join(settings.registry_allowlist) or _('none configured')
        return _('Registries you may pull from: %(allowed)s. Uploaded tarballs may be up to %(limit)d MB and '
                 'must come from "docker save repo:tag". The transfer runs in the background; you can '
                 'follow it.') % {'allowed': allowed, 'limit': settings.upload_max_bytes // (1024 * 1024)}

    def populate_server_id_choices(self, request, context):
        try:
            servers, _more = api.nova.server_list(request)
        except Exception:
            servers = []
            exceptions.handle(request, _('Unable to retrieve your containers.'))
        self.servers = {server.id: server for server in servers if server.status == 'ACTIVE'}
        choices = sorted(((sid, server.name or sid) for sid, server in self.servers.items()), key=lambda c: c[1])
        return [('', _('Select a running container') if choices else _('No running containers'))] + choices

    def clean(self):
        data = super().clean()
        source = data.get('source')
        if source == SOURCE_REGISTRY:
            try:
                reference = image_import.parse_reference(data.get('reference', ''))
                image_import.check_allowed(reference)
                image_import.import_host()
            except image_import.ImportFailed as error:
                self.add_error('reference', str(error))
            else:
                data['reference'] = str(reference)
        elif source == SOURCE_CONTAINER and not data.get('server_id'):
            self.add_error('server_id', _('Choose the container to commit.'))
        return data

    def summary_rows(self, data):
        source = data['source']
        if source == SOURCE_REGISTRY:
            return [(_('Source'), [_('Registry pull')]), (_('Image'), [data['reference']])]
        if source == SOURCE_UPLOAD:
            return [(_('Source'), [_('Tarball upload (you choose the file next)')]),
                    (_('repo:tag'), [data.get('repo_tag') or _('the only one in the tarball')])]
        server = self.servers.get(data['server_id'])
        return [(_('Source'), [_('Commit of a running container')]),
                (_('Container'), [server.name if server else data['server_id']])]


class SourceStep(workflows.Step):
    action_class = SourceAction
    contributes = ('source', 'reference', 'repo_tag', 'server_id')


class DetailsAction(workflows.Action):
    name = forms.CharField(max_length=image_forms.NAME_MAX, required=False, label=_('Name (repo:tag)'),
                           help_text=_('Empty: the image reference (registry) or the tarball\'s repo:tag.'))
    visibility = forms.ThemableChoiceField(label=_('Visibility'), widget=ThemableSelect())
    protected = forms.BooleanField(label=_('Protected'), required=False,
                                   help_text=_('A protected image cannot be deleted.'))
    os_command_line = forms.CharField(max_length=image_forms.COMMAND_MAX, required=False,
                                      label=_('Command override'),
                                      help_text=_("Replaces the image's CMD when a container starts."))
    min_ram = forms.IntegerField(min_value=0, initial=0, required=False, label=_('Minimum RAM (MB)'))

    class Meta:
        name = _('Glance Details')
        slug = 'details'
        help_text = _('How the image appears in Glance. Names must be unique among the images you can see.')

    def populate_visibility_choices(self, request, context):
        return image_forms.visibility_choices(request)

    def summary_rows(self, data):
        visibility = dict(self.fields['visibility'].choices).get(data['visibility'], data['visibility'])
        return [(_('Name'), [data.get('name') or _('(from the source)')]),
                (_('Visibility'), [visibility]),
                (_('Protected'), [_('Yes') if data.get('protected') else _('No')]),
                (_('Command override'), [data['os_command_line']] if data.get('os_command_line') else []),
                (_('Minimum RAM (MB)'), [data.get('min_ram') or 0])]


class DetailsStep(workflows.Step):
    action_class = DetailsAction
    contributes = ('name', 'visibility', 'protected', 'os_command_line', 'min_ram')


class ReviewAction(workflows.Action):
    class Meta:
        name = _('Review')
        slug = 'review'


def render_summary(workflow):
    """The Review step's rows as HTML: every input of the steps that are valid so far. The wizard shows all
    steps from one page, so the step asks for this again (REVIEW_HEADER) each time it is shown."""
    rows = []
    for step in workflow.steps:
        describe = getattr(step.action, 'summary_rows', None)
        if describe and step.action.is_bound and step.action.is_valid():
            rows.extend(describe(step.action.cleaned_data))
    return render_to_string(SUMMARY_TEMPLATE, {
        'rows': rows, 'empty': _('Fill in the previous steps: what will be imported appears here.')},
        workflow.request)


class ReviewStep(workflows.Step):
    action_class = ReviewAction
    template_name = 'docker_dashboard/images/_import_review.html'

    def render(self):
        return render_to_string(self.template_name, {
            'step': self, 'form': self.action, 'summary': render_summary(self.workflow),
            'review_header': REVIEW_HEADER}, self.workflow.request)


def details_of(context, name=None):
    return image_import.ImageDetails(
        name=name if name is not None else context.get('name') or '', visibility=context['visibility'],
        protected=bool(context.get('protected')), min_ram=int(context.get('min_ram') or 0),
        os_command_line=context.get('os_command_line') or '')


def store_ticket(request, context):
    """Keep the checked details for the upload page; returns the one-time ticket."""
    ticket = secrets.token_urlsafe(24)
    tickets = {key: value for key, value in request.session.get(SESSION_KEY, {}).items()
               if value.get('created', 0) > time.time() - TICKET_TTL}
    tickets[ticket] = {'created': time.time(), 'repo_tag': context.get('repo_tag') or '',
                       'details': details_of(context).__dict__}
    request.session[SESSION_KEY] = tickets
    return ticket


def take_ticket(request, ticket):
    """The ticket's stored data, removed from the session (single use); None if unknown or expired."""
    tickets = dict(request.session.get(SESSION_KEY, {}))
    data = tickets.pop(ticket, None)
    request.session[SESSION_KEY] = tickets
    if not data or data.get('created', 0) < time.time() - TICKET_TTL:
        return None
    return data


def peek_ticket(request, ticket):
    data = request.session.get(SESSION_KEY, {}).get(ticket)
    if not data or data.get('created', 0) < time.time() - TICKET_TTL:
        return None
    return data


class ImportImage(workflows.Workflow):
    slug = 'import_docker_image'
    name = _('Import Docker Image')
    finalize_button_name = _('Import')
    success_message = _('Import of "%s" started.')
    failure_message = _('Unable to import image "%s".')
    success_url = 'horizon:project:docker_images:index'
    wizard = True
    policy_rules = POLICY_RULES
    default_steps = (SourceStep, DetailsStep, ReviewStep)
    failure_reason = None
    next_url = None

    def validate(self, context):
        """The name depends on the source; duplicates are reported on the Details step."""
        name = context.get('name') or ''
        if not name and context.get('source') == SOURCE_REGISTRY:
            name = context['reference']
        if not name and context.get('source') == SOURCE_CONTAINER:
            return self._error('name', _('Name the image of the committed container.'))
        if name:
            try:
                image_import.check_name_free(self.request, name)
            except image_import.DuplicateName as error:
                return self._error('name', str(error))
            except Exception:
                exceptions.handle(self.request, ignore=True)
        context['name'] = name
        return True

    def _error(self, field, message):
        details = self.get_step('details')
        details.action.add_error(field, message)
        details.has_errors = True
        return False

    def format_status_message(self, message):
        name = self.context.get('name') or _('(from the tarball)')
        if message is self.success_message and self.context.get('source') == SOURCE_UPLOAD:
            return _('Now choose the tarball to upload.')
        if message is self.failure_message and self.failure_reason:
            return message % name + exceptions.SEPARATOR + self.failure_reason
        return message % name

    def get_success_url(self):
        return self.next_url or super().get_success_url()

    def handle(self, request, context):
        source = context['source']
        try:
            if source == SOURCE_REGISTRY:
                job_id = image_import.start_registry_import(request, reference=context['reference'],
                                                            details=details_of(context))
                self.next_url = reverse('horizon:project:docker_images:import_progress', args=[job_id])
            elif source == SOURCE_UPLOAD:
                ticket = store_ticket(request, context)
                self.next_url = reverse('horizon:project:docker_images:upload', args=[ticket])
            else:
                self._commit(request, context)
        except image_import.ImportFailed as error:
            self.failure_reason = str(error)
            return False
        except Exception as error:
            exceptions.handle(request, ignore=True, force_log=True)
            self.failure_reason = force_str(error)
            return False
        # A start is progress, not success: the outcome is told once, where it happens (progress page,
        # upload, Nova). Horizon's green message then finds the same text queued and adds nothing.
        messages.info(request, self.format_status_message(self.success_message))
        return True

    @staticmethod
    def _commit(request, context):
        image_id = api.nova.server_snapshot(request, context['server_id'], context['name'])
        try:
            api.glance.image_update_details(
                request, image_id, visibility=context['visibility'], protected=bool(context.get('protected')),
                min_ram=int(context.get('min_ram') or 0), os_command_line=context.get('os_command_line') or None)
        except Exception:
            # No half-made image: the snapshot without the chosen details is removed again.
            image_import.discard_image(request, image_id)
            raise
