"""The tarball upload page: the browser's file streams through Django's multipart parser into Glance.

UploadToGlance is the only upload handler of that request: it creates the Glance image when the file
part begins, hands each chunk to a bounded queue that a thread uploads to Glance through a
TarballReader (docker_dashboard.api.image_upload.QueueUpload), and stores nothing: no temporary file,
no whole image in memory. A full queue blocks the parser, so the browser is slowed to Glance's pace.

CSRF: Django's middleware would read request.POST (parse the whole upload with the default handlers)
before this view runs, so the view is csrf_exempt; the one-time ticket in its URL, random and stored
in the user's session by the import wizard, is what a cross-site request cannot know.
"""
from django.core.files.uploadhandler import FileUploadHandler
from django.core.files.uploadhandler import SkipFile
from django.core.files.uploadhandler import StopFutureHandlers
from django.core.files.uploadhandler import StopUpload
from django import http
from django import shortcuts
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.csrf import csrf_exempt

from horizon import messages

from docker_dashboard import api
from docker_dashboard import conf
from docker_dashboard.api import image_import
from docker_dashboard.api import image_upload
from docker_dashboard.content.images.workflows import import_image

FIELD = 'tarball'
MULTIPART_OVERHEAD = 1024 * 1024   # boundaries and part headers around the file
INDEX_URL = 'horizon:project:docker_images:index'
# Set by the page's XHR upload. Not X-Requested-With: Horizon would move the messages into a response
# header of the XHR, and the page the browser loads next would not show them.
XHR_HEADER = 'X-Docker-Dashboard-Upload'


class UploadToGlance(FileUploadHandler):
    """Streams the `tarball` file part into a new Glance image (see module doc)."""

    def __init__(self, request, details, *, repo_tag, max_bytes):
        super().__init__(request)
        self.details = details
        self.repo_tag = repo_tag or None
        self.max_bytes = max_bytes
        self.upload = None
        self.image_id = None
        self.facts = None
        self.error = None

    def new_file(self, field_name, file_name, *args, **kwargs):
        if field_name != FIELD or self.upload is not None:
            raise SkipFile()
        super().new_file(field_name, file_name, *args, **kwargs)
        name = self.details.name or _('(uploading) %s') % (file_name or '')[:200]
        try:
            image = api.glance.docker_image_create(
                self.request, name=name, visibility=self.details.visibility, protected=False,
                min_ram=self.details.min_ram, os_command_line=self.details.os_command_line)
        except Exception as error:  # noqa: BLE001 - reported to the user, logged by _glance_error
            self.error = image_import._glance_error(error)
            raise StopUpload(connection_reset=False)
        self.image_id = image.id
        self.upload = image_upload.QueueUpload(self.request, image.id, max_bytes=self.max_bytes,
                                               repo_tag=self.repo_tag)
        self.upload.start()
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        try:
            self.upload.put(raw_data)
        except image_import.ImportFailed as error:
            self.error = error
            raise StopUpload(connection_reset=False)
        return None

    def file_complete(self, file_size):
        if self.upload is not None and self.facts is None and self.error is None:
            try:
                self.facts = self.upload.finish()
            except image_import.ImportFailed as error:
                self.error = error
        return None

    def upload_interrupted(self):
        if self.upload is not None:
            self.upload.abort()
        self.error = self.error or image_import.ImportFailed(_('The upload was interrupted.'))

    def upload_complete(self):
        if self.upload is not None and self.facts is None and self.error is None:
            self.file_complete(0)
        if self.upload is None and self.error is None:
            self.error = image_import.ImportFailed(_('No tarball was sent.'))
        return None


def import_uploaded(request, handler, details):
    """After the parser: name, layer count and protection, or delete the half-made image. Returns the
    error message or None."""
    if handler.error is not None or handler.facts is None:
        image_import.discard_image(request, handler.image_id)
        return str(handler.error or _('The upload did not complete.'))
    facts = handler.facts
    try:
        rename = None
        if not details.name:
            rename = facts.repo_tag
            others = [image for image in api.glance.images_named(request, rename) if image.id != handler.image_id]
            if others:
                raise image_import.DuplicateName(
                    _('An image named "%s" already exists. Choose another name.') % rename)
        image_import.finish_image(request, handler.image_id, facts, rename_to=rename)
        if details.protected:
            api.glance.image_update_details(request, handler.image_id, protected=True)
    except image_import.ImportFailed as error:
        image_import.discard_image(request, handler.image_id)
        return str(error)
    except Exception as error:  # noqa: BLE001 - reported to the user, logged by _glance_error
        image_import.discard_image(request, handler.image_id)
        return str(image_import._glance_error(error))
    return None


@method_decorator(csrf_exempt, name='dispatch')
class UploadView(generic.TemplateView):
    template_name = 'docker_dashboard/images/upload.html'

    def get(self, request, ticket):
        data = import_image.peek_ticket(request, ticket)
        if data is None:
            messages.error(request, _('This upload link expired or was already used; start the import again.'))
            return shortcuts.redirect(reverse(INDEX_URL))
        limit = conf.get_settings().upload_max_bytes
        return self.render_to_response({
            'page_title': _('Upload a Docker Image'), 'ticket': ticket, 'details': data['details'],
            'repo_tag': data.get('repo_tag'), 'limit': limit, 'field': FIELD,
            'submit_url': reverse('horizon:project:docker_images:upload', args=[ticket])})

    @staticmethod
    def finished(request):
        """Back to the images: a redirect, or (for the page's XHR upload) where to go, as JSON, so the
        messages stay for the page the browser then loads."""
        if request.headers.get(XHR_HEADER):
            return http.JsonResponse({'location': reverse(INDEX_URL)})
        return shortcuts.redirect(reverse(INDEX_URL))

    def post(self, request, ticket):
        data = import_image.take_ticket(request, ticket)
        if data is None:
            messages.error(request, _('This upload link expired or was already used; start the import again.'))
            return self.finished(request)
        details = image_import.ImageDetails(**data['details'])
        limit = conf.get_settings().upload_max_bytes
        try:
            length = int(request.META.get('CONTENT_LENGTH') or 0)
        except ValueError:
            length = 0
        if length > limit + MULTIPART_OVERHEAD:
            # Refused before a byte of the body is read and before anything exists in Glance.
            messages.error(request, _('The tarball is larger than the limit of %d MB.') % (limit // (1024 * 1024)))
            return self.finished(request)
        if not request.content_type.startswith('multipart/form-data'):
            return http.HttpResponseBadRequest(_('Send the tarball as multipart/form-data.'))
        handler = UploadToGlance(request, details, repo_tag=data.get('repo_tag'), max_bytes=limit)
        request.upload_handlers = [handler]
        try:
            request.POST  # noqa: B018 - parsing the body runs the upload
        except Exception as error:  # a broken multipart body
            handler.error = handler.error or image_import.ImportFailed(
                _('The upload could not be read: %s') % str(error)[:200])
            if handler.upload is not None:
                handler.upload.abort()
        error = import_uploaded(request, handler, details)
        if error:
            messages.error(request, _('Unable to import the uploaded image: %s') % error)
        else:
            name = details.name or handler.facts.repo_tag
            messages.success(request, _('Imported image "%s".') % name)
        return self.finished(request)
