from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import tables

from docker_dashboard import api
from docker_dashboard.content.containers import tables as containers_tables


class IndexView(tables.DataTableView):
    table_class = containers_tables.ContainersTable
    template_name = 'docker_dashboard/containers/index.html'
    page_title = _('Containers')

    def get_data(self):
        try:
            servers, self._more = api.nova.server_list(self.request)
        except Exception:
            self._more = False
            servers = []
            exceptions.handle(self.request, _('Unable to retrieve containers.'))
        return servers
