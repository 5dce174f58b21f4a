"""Edit Image: what a Docker image's Glance record may change (name, visibility, protected, command, RAM)."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import messages

from openstack_dashboard import policy

from docker_dashboard import api
from docker_dashboard.api import image_import
from docker_dashboard.content.widgets import ThemableSelect

NAME_MAX = 255
COMMAND_MAX = 255


def visibility_choices(request):
    """Private and shared for everyone; public and community only where Glance policy allows it."""
    choices = [('private', _('Private')), ('shared', _('Shared'))]
    if policy.check((('image', 'publicize_image'),), request):
        choices.insert(0, ('public', _('Public')))
    if policy.check((('image', 'communitize_image'),), request):
        choices.append(('community', _('Community')))
    return choices


class ImageDetailsFields(forms.SelfHandlingForm):
    """The Glance fields shared by Edit and the import wizard's Details step."""

    name = forms.CharField(max_length=NAME_MAX, label=_('Name (repo:tag)'))
    visibility = forms.ThemableChoiceField(label=_('Visibility'), widget=ThemableSelect())
    protected = forms.BooleanField(label=_('Protected'), required=False,
                                   help_text=_('A protected image cannot be deleted.'))
    os_command_line = forms.CharField(max_length=COMMAND_MAX, required=False, label=_('Command override'),
                                      help_text=_("Replaces the image's CMD when a container starts "
                                                  "(Glance property os_command_line); empty keeps the image's own."))
    min_ram = forms.IntegerField(min_value=0, initial=0, required=False, label=_('Minimum RAM (MB)'))


class UpdateImageForm(ImageDetailsFields):
    image_id = forms.CharField(widget=forms.HiddenInput())

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields['visibility'].choices = visibility_choices(request)
        current = self.initial.get('visibility')
        if current and current not in dict(self.fields['visibility'].choices):
            # Keep the image's current visibility selectable even if the user could not set it.
            self.fields['visibility'].choices.append((current, current.title()))

    def clean_name(self):
        name = self.cleaned_data['name'].strip()
        if name and name != self.initial.get('name'):
            try:
                image_import.check_name_free(self.request, name)
            except image_import.DuplicateName as error:
                raise forms.ValidationError(str(error))
            except Exception:
                exceptions.handle(self.request, ignore=True)
        return name

    def handle(self, request, data):
        try:
            api.glance.image_update_details(
                request, data['image_id'], name=data['name'], visibility=data['visibility'],
                protected=data['protected'], min_ram=data.get('min_ram') or 0,
                os_command_line=data.get('os_command_line') or '')
        except Exception:
            exceptions.handle(request, _('Unable to update image "%s".') % data['name'],
                              redirect=reverse('horizon:project:docker_images:index'))
            return False
        messages.success(request, _('Image "%s" was updated.') % data['name'])
        return True
