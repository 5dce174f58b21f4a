"""Project > Docker > Docker Images table: Glance images with container_format=docker."""
from django.contrib import messages
from django.template import defaultfilters
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.utils.translation import pgettext_lazy

from horizon import exceptions
from horizon import tables
from horizon.utils import filters

from openstack_dashboard import policy

from docker_dashboard import api

STATUS_CHOICES = (
    ('active', True),
    ('saving', None),
    ('queued', None),
    ('importing', None),
    ('uploading', None),
    ('pending_delete', None),
    ('killed', False),
    ('deleted', False),
    ('deactivated', False),
)
STATUS_DISPLAY_CHOICES = (
    ('active', pgettext_lazy('Current status of an Image', 'Active')),
    ('saving', pgettext_lazy('Current status of an Image', 'Saving')),
    ('queued', pgettext_lazy('Current status of an Image', 'Queued')),
    ('importing', pgettext_lazy('Current status of an Image', 'Importing')),
    ('uploading', pgettext_lazy('Current status of an Image', 'Uploading')),
    ('pending_delete', pgettext_lazy('Current status of an Image', 'Pending Delete')),
    ('killed', pgettext_lazy('Current status of an Image', 'Killed')),
    ('deleted', pgettext_lazy('Current status of an Image', 'Deleted')),
    ('deactivated', pgettext_lazy('Current status of an Image', 'Deactivated')),
)
VISIBILITY_DISPLAY_CHOICES = (
    ('public', pgettext_lazy('Image visibility', 'Public')),
    ('private', pgettext_lazy('Image visibility', 'Private')),
    ('shared', pgettext_lazy('Image visibility', 'Shared')),
    ('community', pgettext_lazy('Image visibility', 'Community')),
)


def is_owner(request, image):
    return request.user.is_superuser or getattr(image, 'owner', None) == request.user.tenant_id


class ImageRow(tables.Row):
    """Rows of images still queued/saving refresh themselves (Horizon's status/ajax mechanism)."""

    ajax = True

    def get_data(self, request, image_id):
        image = api.glance.image_get(request, image_id)
        if not api.glance.is_docker_image(image):
            raise exceptions.NotFound()
        return image


class ImportImageLink(tables.LinkAction):
    name = 'import'
    verbose_name = _('Import Image')
    url = 'horizon:project:docker_images:import'
    classes = ('ajax-modal',)
    icon = 'cloud-download'
    policy_rules = (('image', 'add_image'), ('image', 'upload_image'))


class LaunchContainerLink(tables.LinkAction):
    name = 'launch_container'
    verbose_name = _('Launch Container')
    icon = 'cloud-upload'
    classes = ('ajax-modal', 'btn-launch')
    policy_rules = (('compute', 'os_compute_api:servers:create'),)

    def get_link_url(self, datum):
        return reverse('horizon:project:docker_containers:launch') + '?' + urlencode({'image_id': datum.id})

    def allowed(self, request, image=None):
        return image is not None and image.status == 'active'


class EditImageLink(policy.PolicyTargetMixin, tables.LinkAction):
    name = 'edit'
    verbose_name = _('Edit Image')
    url = 'horizon:project:docker_images:update'
    classes = ('ajax-modal',)
    icon = 'pencil'
    policy_rules = (('image', 'modify_image'),)

    def allowed(self, request, image=None):
        return image is not None and image.status in ('active', 'queued', 'deactivated') \
            and is_owner(request, image)


class DeleteImage(policy.PolicyTargetMixin, tables.DeleteAction):
    policy_rules = (('image', 'delete_image'),)
    help_text = _('Deleted images are not recoverable. Containers already running from them keep running.')
    default_message_level = 'info'

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Docker Image', 'Delete Docker Images', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted Docker Image', 'Deleted Docker Images', count)

    def allowed(self, request, image=None):
        # Protected images stay selectable: deleting them is refused with a message that says why.
        return image is None or is_owner(request, image)

    def delete(self, request, obj_id):
        image = self.table.get_object_by_id(obj_id)
        if image is not None and getattr(image, 'protected', False):
            message = _('Image "%s" is protected: turn protection off (Edit Image) before deleting it.') % (
                image.name or image.id)
            messages.error(request, message)
            raise exceptions.HandledException((None, exceptions.NotAuthorized(message), None))
        api.glance.image_delete(request, obj_id)


DOCKER_FILTER_CHOICES = (
    ('name', _('Name (repo:tag) ='), True),
    ('status', _('Status ='), True),
    ('visibility', _('Visibility ='), True),
    ('owner', _('Owner (Project ID) ='), True, None, 'admin'),
)


class DockerImagesFilterAction(tables.FilterAction):
    filter_type = 'server'
    filter_choices = DOCKER_FILTER_CHOICES

    def get_select_options(self):
        user = getattr(self.table.request, 'user', None)
        is_admin = user is not None and user.is_superuser
        return [choice[:4] for choice in self.filter_choices if len(choice) < 5 or is_admin]


def detail_link(image, request=None):
    return reverse('horizon:project:docker_images:detail', args=[image.id])


def image_name(image):
    return image.name or image.id


def layer_count(image):
    value = (getattr(image, 'properties', None) or {}).get(api.glance.LAYERS_PROPERTY)
    return value if value not in (None, '') else '-'


def size_label(image):
    return filesizeformat(image.size) if image.size else '-'


class DockerImagesTable(tables.DataTable):
    name = tables.WrappingColumn(image_name, link=detail_link, verbose_name=_('Name (repo:tag)'))
    size = tables.Column(size_label, verbose_name=_('Size'), attrs={'data-type': 'size'})
    status = tables.Column('status', verbose_name=_('Status'), status=True, status_choices=STATUS_CHOICES,
                           display_choices=STATUS_DISPLAY_CHOICES)
    visibility = tables.Column('visibility', verbose_name=_('Visibility'),
                               display_choices=VISIBILITY_DISPLAY_CHOICES)
    protected = tables.Column('protected', verbose_name=_('Protected'), empty_value=False,
                              filters=(defaultfilters.yesno, defaultfilters.capfirst))
    owner = tables.Column('owner', verbose_name=_('Owner'))
    layers = tables.Column(layer_count, verbose_name=_('Layers'))
    created = tables.Column('created_at', verbose_name=_('Created'),
                            filters=(filters.parse_isotime, filters.timesince_sortable),
                            attrs={'data-type': 'timesince'})

    class Meta:
        name = 'docker_images'
        verbose_name = _('Docker Images')
        status_columns = ['status']
        row_class = ImageRow
        table_actions = (DockerImagesFilterAction, ImportImageLink, DeleteImage)
        row_actions = (LaunchContainerLink, EditImageLink, DeleteImage)

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # The owner column is for admins, who see other projects' images.
        if not (request and request.user.is_superuser):
            self.columns.pop('owner', None)
