"""Commit to Image: Nova createImage, which nova_docker turns into docker commit + docker save."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import messages

from docker_dashboard import api


class CommitToImageForm(forms.SelfHandlingForm):
    server_id = forms.CharField(widget=forms.HiddenInput())
    name = forms.CharField(max_length=255, label=_('Image name (repo:tag)'),
                           help_text=_('The new Glance image holds the container\'s filesystem as it is '
                                       'now, as a Docker image.'))

    def handle(self, request, data):
        try:
            image_id = api.nova.server_snapshot(request, data['server_id'], data['name'])
        except Exception:
            redirect = reverse('horizon:project:docker_containers:index')
            exceptions.handle(request, _('Unable to commit the container to image "%s".') % data['name'],
                              redirect=redirect)
            return False
        messages.info(request, _('Committing the container to image "%s". The image appears in Docker '
                                 'Images when it is ready.') % data['name'])
        return image_id
