from django.utils.translation import gettext_lazy as _

from horizon import tables

from docker_dashboard import api
from docker_dashboard.content.hosts import tables as hosts_tables


class IndexView(tables.DataTableView):
    table_class = hosts_tables.DockerHostsTable
    template_name = 'docker_dashboard/hosts/index.html'
    page_title = _('Docker Hosts')

    def get_data(self):
        # Unreachable hosts are rows that say so, not errors: health is what this page shows.
        return api.engine.hosts_health()
