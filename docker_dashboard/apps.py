from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DockerDashboardConfig(AppConfig):
    name = 'docker_dashboard'
    verbose_name = _('Docker Dashboard')

    def ready(self) -> None:
        # Fail at start-up, naming the bad key, rather than on the first page that needs a host.
        from docker_dashboard import conf
        conf.get_settings()
