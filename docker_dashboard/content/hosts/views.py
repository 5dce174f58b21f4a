"""Admin > Docker Hosts views: every configured host at a glance, and one host in detail."""
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import tables
from horizon import tabs
from horizon.utils import memoized

from docker_dashboard.content.hosts import hostdata
from docker_dashboard.content.hosts import tables as hosts_tables
from docker_dashboard.content.hosts import tabs as host_tabs

INDEX_URL = 'horizon:admin:docker_hosts:index'


class IndexView(tables.DataTableView):
    table_class = hosts_tables.DockerHostsTable
    template_name = 'docker_dashboard/hosts/index.html'
    page_title = _('Docker Hosts')

    def get_data(self):
        # Unreachable hosts are rows that say so, not errors: health is what this page shows.
        return hostdata.host_rows(self.request)


class DetailView(tabs.TabView):
    tab_group_class = host_tabs.HostDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ host.name }}'

    @memoized.memoized_method
    def get_data(self):
        name = self.kwargs['host']
        try:
            return hostdata.one_host(self.request, name)
        except Exception:
            exceptions.handle(self.request, _('Unable to retrieve the Docker host "%s".') % name,
                              redirect=reverse(INDEX_URL))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['host'] = self.get_data()
        context['url'] = reverse(INDEX_URL)
        return context

    def get_tabs(self, request, *args, **kwargs):
        if self._tab_group is None:
            self._tab_group = self.tab_group_class(request, host_row=self.get_data(), **kwargs)
        return self._tab_group
