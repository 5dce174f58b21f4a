# The "Docker" panel group of the Project dashboard.
from django.utils.translation import gettext_lazy as _

from docker_dashboard import exceptions

PANEL_GROUP = 'docker'
PANEL_GROUP_NAME = _('Docker')
PANEL_GROUP_DASHBOARD = 'project'

ADD_INSTALLED_APPS = ['docker_dashboard']
ADD_EXCEPTIONS = {
    'recoverable': exceptions.RECOVERABLE,
    'not_found': exceptions.NOT_FOUND,
}
