from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from horizon import tables


class DockerImagesTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Name (repo:tag)'))
    size = tables.Column('size', verbose_name=_('Size'), filters=(filesizeformat,))
    status = tables.Column('status', verbose_name=_('Status'))
    visibility = tables.Column('visibility', verbose_name=_('Visibility'))

    class Meta:
        name = 'docker_images'
        verbose_name = _('Docker Images')
