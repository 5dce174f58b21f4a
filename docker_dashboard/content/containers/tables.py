from django.utils.translation import gettext_lazy as _

from horizon import tables


class ContainersTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Name'))
    status = tables.Column('status', verbose_name=_('Status'))
    created = tables.Column('created', verbose_name=_('Created'))

    class Meta:
        name = 'containers'
        verbose_name = _('Containers')
