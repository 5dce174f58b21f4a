from django.utils.translation import gettext_lazy as _

from horizon import tables


class DockerHostsTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Host'))
    state = tables.Column('state', verbose_name=_('Docker'))
    version = tables.Column('version', verbose_name=_('Engine version'))
    api_version = tables.Column('api_version', verbose_name=_('API version'))
    tls = tables.Column('tls', verbose_name=_('TLS'))

    class Meta:
        name = 'docker_hosts'
        verbose_name = _('Docker Hosts')

    def get_object_id(self, datum):
        return datum.name
