from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import tables

from docker_dashboard import api
from docker_dashboard.content.images import tables as images_tables


class IndexView(tables.DataTableView):
    table_class = images_tables.DockerImagesTable
    template_name = 'docker_dashboard/images/index.html'
    page_title = _('Docker Images')

    def get_data(self):
        try:
            images, self._more, self._prev = api.glance.docker_image_list(self.request)
        except Exception:
            self._more = self._prev = False
            images = []
            exceptions.handle(self.request, _('Unable to retrieve Docker images.'))
        return images
