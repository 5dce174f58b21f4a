"""The Launch Container step that chooses Docker's restart policy (docker_dashboard.restart_policy)."""
from django.utils.translation import gettext_lazy as _

from horizon import forms
from horizon import workflows

from docker_dashboard import restart_policy as policies
from docker_dashboard.content.widgets import ThemableSelect


class RestartPolicyAction(workflows.Action):
    restart_policy = forms.ThemableChoiceField(
        label=_('Restart policy'), choices=policies.CHOICES, initial='no', required=False, widget=ThemableSelect(),
        help_text=_('Docker restarts the command by itself when it ends; the container stays Active in the '
                    'meantime. A Stop through the dashboard is never undone.'))
    restart_retries = forms.IntegerField(
        label=_('Maximum restarts'), required=False, min_value=0, max_value=policies.MAX_RETRIES,
        help_text=_('For "When the command fails": at most this many restarts (empty or 0: no limit).'))

    class Meta:
        name = _('Restart Policy')
        slug = 'restart'
        help_text = _('Like docker run --restart. The policy travels to the container as server metadata '
                      '(docker_restart_policy).')

    def clean(self):
        data = super().clean()
        name = data.get('restart_policy') or 'no'
        if data.get('restart_retries') and name != 'on-failure':
            self.add_error('restart_retries', _('Only "When the command fails" takes a maximum of restarts.'))
        data['restart_metadata'] = policies.to_metadata(name, data.get('restart_retries'))
        return data

    def summary_rows(self, data):
        return [(_('Restart policy'), [policies.describe(data.get('restart_policy') or 'no',
                                                               data.get('restart_retries'))])]


class RestartPolicyStep(workflows.Step):
    action_class = RestartPolicyAction
    contributes = ('restart_policy', 'restart_retries', 'restart_metadata')
