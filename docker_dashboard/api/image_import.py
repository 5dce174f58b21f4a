"""Bringing Docker images into Glance: registry pulls on the import host, and browser uploads.

Both paths stream end to end (security invariant 5):
- registry: `docker pull` on the import host, then `docker save` read in chunks through a
  TarballReader straight into the Glance upload (PUT /v2/images/{id}/file) made with the user's token;
- browser: Django's multipart parser hands chunks to UploadToGlance (content/images/upload.py), which
  passes them through a bounded queue to a thread that runs the Glance upload from a TarballReader
  (image_upload.QueueUpload).
At most QUEUE_CHUNKS chunks (about 1 MiB) wait in memory; nothing is written to the web server's disk.

Registry imports run in a background thread of the web process so the request that starts them
returns at once; at most MAX_IMPORTS run per process, each bounded by IMPORT_MAX_SECONDS. Progress
lives in Django's cache (shared by the web processes: memcached or the file cache), keyed by a
random job id bound to the user, so any worker can show it. A failure at any step deletes the
Glance image the import created (queued or saving; image_discard keeps trying while Glance is away) and
records a message the user understands.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import secrets
import threading
import time
from typing import Any, Iterator

import docker
from django.core.cache import cache
from django.utils.translation import gettext as _

from docker_dashboard import conf
from docker_dashboard import exceptions
from docker_dashboard.api import client as docker_client_module
from docker_dashboard.api import glance
from docker_dashboard.api import images
from docker_dashboard.api.image_discard import discard_image
from docker_dashboard.api.pull_progress import PullProgress
from docker_dashboard.api import tarball

LOG = logging.getLogger(__name__)

MAX_IMPORTS = 2                       # concurrent registry imports per web process
IMPORT_MAX_SECONDS = 3600             # wall-clock bound of one import
IMPORT_SOCKET_TIMEOUT = 120           # a stalled pull/save/upload socket fails after this
CHUNK = 64 * 1024
QUEUE_CHUNKS = 16                     # browser upload: chunks buffered between parser and Glance upload
JOB_TTL = 24 * 3600
_SLOTS = threading.BoundedSemaphore(MAX_IMPORTS)

# A reference with an explicit registry: host[:port]/path[:tag]. No digests, no userinfo, no scheme.
_COMPONENT = r'[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
_REFERENCE = re.compile(r'^(?:(?P<registry>(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+(?::[0-9]{1,5})?)/)?'
                        rf'(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)'
                        r'(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?$')
DOCKER_HUB = 'docker.io'


class ImportFailed(exceptions.DockerDashboardError):
    """An import could not be started or did not complete; the text tells the user why."""

    default_message = 'The image import failed.'


class RegistryNotAllowed(ImportFailed):
    pass


class DuplicateName(ImportFailed):
    pass


@dataclasses.dataclass(frozen=True)
class Reference:
    registry: str         # host[:port], or docker.io
    path: str             # e.g. library/busybox
    tag: str

    @property
    def repository(self) -> str:
        """What dockerd pulls: registry/path (Docker Hub images without the registry prefix)."""
        return self.path if self.registry == DOCKER_HUB else f'{self.registry}/{self.path}'

    def __str__(self) -> str:
        return f'{self.repository}:{self.tag}'


def parse_reference(text: str) -> Reference:
    """repo:tag as the user typed it -> Reference; raises ImportFailed for anything else."""
    text = (text or '').strip()
    match = _REFERENCE.match(text)
    if not match:
        raise ImportFailed(_('"%s" is not an image reference like registry.example.com:5000/repo:tag.')
                           % text[:200])
    registry, path = match.group('registry'), match.group('path')
    # Docker's rule: the first component is a registry only if it has a "." or ":" or is localhost.
    if registry and not ('.' in registry or ':' in registry or registry == 'localhost'):
        path, registry = f'{registry}/{path}', None
    if not registry:
        registry = DOCKER_HUB
        if '/' not in path:
            path = 'library/' + path
    return Reference(registry=registry.lower(), path=path, tag=match.group('tag') or 'latest')


def check_allowed(reference: Reference) -> None:
    """Only registries named in DOCKER_DASHBOARD['registry_allowlist'] (exactly: no aliases such as
    localhost for 127.0.0.1)."""
    allowed = {entry.lower() for entry in conf.get_settings().registry_allowlist}
    if reference.registry not in allowed:
        raise RegistryNotAllowed(
            _('Registry "%(registry)s" is not allowed here. Allowed registries: %(allowed)s.') % {
                'registry': reference.registry, 'allowed': ', '.join(sorted(allowed)) or _('none')})


def import_host() -> str:
    host = conf.get_settings().import_host
    if not host:
        raise ImportFailed(_('No import host is configured: registry imports are not available.'))
    return host


def check_name_free(request: Any, name: str) -> None:
    """Duplicate names are reported, not silently doubled."""
    if glance.images_named(request, name):
        raise DuplicateName(_('An image named "%s" already exists. Choose another name.') % name)


@dataclasses.dataclass(frozen=True)
class ImageDetails:
    """What the user chose for the Glance image."""

    name: str
    visibility: str = 'private'
    protected: bool = False
    min_ram: int = 0
    os_command_line: str = ''


# -- progress, shared by the web processes through Django's cache ---------------------------------------

def _job_key(job_id: str) -> str:
    return f'docker_dashboard.image_import.{job_id}'


def new_job(request: Any, *, source: str, name: str) -> str:
    job_id = secrets.token_urlsafe(18)
    cache.set(_job_key(job_id), {'user': request.user.id, 'source': source, 'name': name, 'phase': 'starting',
                                 'bytes': 0, 'image_id': None, 'error': None, 'cleanup': None,
                                 'started': time.time()}, JOB_TTL)
    return job_id


def update_job(job_id: str, **changes: Any) -> None:
    state = cache.get(_job_key(job_id)) or {}
    state.update(changes)
    cache.set(_job_key(job_id), state, JOB_TTL)


def job_status(request: Any, job_id: str) -> dict | None:
    """The job's state if it belongs to the requesting user, else None."""
    state = cache.get(_job_key(job_id))
    if not state or state.get('user') != request.user.id:
        return None
    return state


# -- shared helpers ------------------------------------------------------------------------------------

def _import_client(host: str) -> Any:
    """A client of the import host with a longer socket timeout than the panel's read-only calls."""
    settings = conf.get_settings()
    longer = dataclasses.replace(settings, timeout=max(settings.timeout, IMPORT_SOCKET_TIMEOUT))
    return docker_client_module._build_client(settings.hosts[host], longer)


def finish_image(request: Any, image_id: str, facts: tarball.TarballFacts, *, rename_to: str | None = None) -> None:
    """After a successful upload: record the layer count (and the final name for uploads)."""
    glance.image_update_details(request, image_id, name=rename_to,
                                properties={glance.LAYERS_PROPERTY: str(len(facts.layers))})


def _glance_error(error: Exception) -> ImportFailed:
    if isinstance(error, exceptions.DockerDashboardError):
        return error if isinstance(error, ImportFailed) else ImportFailed(str(error))
    LOG.warning('Glance upload failed: %s', error)
    detail = getattr(error, 'details', None) or getattr(error, 'message', None) or ''
    text = _('Glance refused or lost the upload.')
    if detail and '://' not in str(detail):
        text += ' ' + str(detail)[:300]
    return ImportFailed(text)


# -- registry imports ----------------------------------------------------------------------------------

def start_registry_import(request: Any, *, reference: str, details: ImageDetails) -> str:
    """Check, then pull + save + upload in a background thread. Returns the job id at once."""
    ref = parse_reference(reference)
    check_allowed(ref)
    host = import_host()
    check_name_free(request, details.name)
    if not _SLOTS.acquire(blocking=False):
        raise ImportFailed(_('Too many imports are running; try again in a few minutes.'))
    job_id = new_job(request, source='registry', name=details.name)
    thread = threading.Thread(target=_registry_import_thread, name=f'image-import-{job_id[:8]}', daemon=True,
                              args=(request, job_id, host, ref, details))
    try:
        thread.start()
    except Exception:
        _SLOTS.release()
        raise
    return job_id


def _registry_import_thread(request: Any, job_id: str, host: str, ref: Reference, details: ImageDetails) -> None:
    try:
        image_id = run_registry_import(request, host=host, ref=ref, details=details,
                                       progress=lambda **kw: update_job(job_id, **kw))
        update_job(job_id, phase='done', image_id=image_id)
    except exceptions.DockerDashboardError as error:
        update_job(job_id, phase='failed', error=str(error), image_id=None)
    except Exception:  # noqa: BLE001 - a thread has nobody else to tell
        LOG.exception('Image import %s failed', job_id)
        update_job(job_id, phase='failed', image_id=None, error=_('The import failed unexpectedly; the '
                                                                  'operator can find details in the log.'))
    finally:
        _SLOTS.release()


def _pull(client: Any, host: str, ref: Reference, deadline: float, progress: Any) -> None:
    with docker_client_module.docker_errors(host, exceptions.DockerImageNotFound):
        try:
            _pull_events(client, ref, deadline, progress)
        except docker.errors.APIError as error:
            if error.status_code == 404 and 'no such image' in str(error.explanation or '').lower():
                raise
            # The daemon's text names the registry URL, so docker_errors would drop it; it is only
            # classified here, never shown.
            raise ImportFailed(_pull_message(str(error.explanation or ''), ref)) from None


def _pull_events(client: Any, ref: Reference, deadline: float, progress: Any) -> None:
    """Read the pull's progress events; errors can arrive in-band, after an HTTP 200."""
    layers = PullProgress()
    for event in images.pull_events(client, ref.repository, ref.tag):
        if time.monotonic() > deadline:
            raise ImportFailed(_('The pull took longer than allowed and was stopped.'))
        error = event.get('error') or (event.get('errorDetail') or {}).get('message')
        if error:
            raise ImportFailed(_pull_message(str(error), ref))
        if layers.feed(event):
            progress(phase='pulling', **layers.report())
    progress(phase='pulling', **layers.report())


def _pull_message(error: str, ref: Reference) -> str:
    lowered = error.lower()
    LOG.info('Pull of %s failed: %s', ref, error)
    if 'not found' in lowered or 'manifest unknown' in lowered or 'name unknown' in lowered:
        return _('The registry has no image "%s".') % ref
    if any(word in lowered for word in ('unauthorized', 'authentication required', 'denied',
                                        'no basic auth credentials')):
        return _('The registry requires authentication for "%s"; only anonymous pulls are supported.') % ref
    if 'connection refused' in lowered or 'no such host' in lowered or 'timeout' in lowered:
        return _('The registry %s did not answer.') % ref.registry
    return _('The registry refused the pull of "%s".') % ref


def run_registry_import(request: Any, *, host: str, ref: Reference, details: ImageDetails,
                        progress: Any = lambda **kw: None) -> str:
    """The whole registry import, synchronously: returns the new Glance image id or raises ImportFailed.

    Any failure after the Glance image exists deletes it.
    """
    deadline = time.monotonic() + IMPORT_MAX_SECONDS
    client = _import_client(host)
    image_id = None
    try:
        progress(phase='pulling')
        try:
            existed = _exists(client, host, str(ref))
            _pull(client, host, ref, deadline, progress)
        except exceptions.DockerImageNotFound:
            raise ImportFailed(_('The registry has no image "%s".') % ref) from None
        except exceptions.DockerHostUnreachable:
            raise ImportFailed(_('The import host is unreachable.')) from None
        except exceptions.DockerHostError as error:
            raise ImportFailed(_pull_message(str(error), ref)) from None
        check_name_free(request, details.name)   # again: someone may have taken it during the pull
        image = glance.docker_image_create(request, name=details.name, visibility=details.visibility,
                                           protected=False, min_ram=details.min_ram,
                                           os_command_line=details.os_command_line)
        image_id = image.id
        progress(phase='uploading', image_id=image_id)
        facts = _save_to_glance(request, client, host, ref, image_id, deadline, progress)
        progress(phase='finishing')
        finish_image(request, image_id, facts)
        if details.protected:
            glance.image_update_details(request, image_id, protected=True)
        _keep_as_cache(client, host, ref, image_id, untag=not existed)
        return image_id
    except BaseException as error:
        _discard(request, image_id, progress)
        if isinstance(error, (ImportFailed, KeyboardInterrupt, SystemExit)):
            raise
        raise _glance_error(error) from None
    finally:
        client.close()


def _discard(request: Any, image_id: str | None, progress: Any) -> None:
    """Delete the import's Glance image; the job's `cleanup` says where that stands: 'deleting' until Glance
    confirms, then 'deleted', or 'left' if it never did (None: no image was made)."""
    if not image_id:
        return
    progress(cleanup='deleting')
    if discard_image(request, image_id,
                     on_settled=lambda gone: progress(cleanup='deleted' if gone else 'left')):
        progress(cleanup='deleted')


def _save_to_glance(request: Any, client: Any, host: str, ref: Reference, image_id: str, deadline: float,
                    progress: Any) -> tarball.TarballFacts:
    try:
        with docker_client_module.docker_errors(host, exceptions.DockerImageNotFound):
            response = images.image_save_response(client, str(ref))
    except exceptions.DockerDashboardError as error:
        raise ImportFailed(_('The import host could not save the pulled image: %s') % error) from None
    try:
        chunks = _counted(response.raw.stream(CHUNK, decode_content=False), progress)
        reader = tarball.TarballReader(chunks, max_bytes=conf.get_settings().upload_max_bytes,
                                       repo_tag=str(ref), deadline=deadline)
        try:
            glance.image_upload(request, image_id, reader)
        except tarball.TarballInvalid as error:
            raise ImportFailed(str(error)) from None
        # Anything else is Glance's (errors of the docker stream arrive as ImportFailed from _counted).
        if not reader.facts.done:
            raise ImportFailed(_('The image stream ended early; nothing was imported.'))
        return reader.facts
    finally:
        response.close()


def _counted(chunks: Iterator[bytes], progress: Any) -> Iterator[bytes]:
    """The `docker save` stream with progress reports; its own failures say so (not Glance's)."""
    done, reported = 0, 0
    try:
        for chunk in chunks:
            done += len(chunk)
            if done - reported >= 8 * 1024 * 1024:
                progress(bytes=done)
                reported = done
            yield chunk
    except docker_client_module.CONNECTION_ERRORS:
        LOG.warning('The import host stopped sending the image', exc_info=True)
        raise ImportFailed(_('The import host stopped sending the image.')) from None
    progress(bytes=done)


def _exists(client: Any, host: str, ref: str) -> bool:
    try:
        with docker_client_module.docker_errors(host, exceptions.DockerImageNotFound):
            client.inspect_image(ref)
        return True
    except exceptions.DockerImageNotFound:
        return False


def _keep_as_cache(client: Any, host: str, ref: Reference, image_id: str, *, untag: bool) -> None:
    """Tag the pulled image as the driver's cache of the new Glance image (so the Layers tab and the
    first boot on this host need no download), then drop the registry tag if the pull made it. Best effort."""
    repository, tag = images.cache_ref(image_id).rsplit(':', 1)
    try:
        with docker_client_module.docker_errors(host):
            images.image_tag(client, str(ref), repository, tag)
            if untag:
                images.image_untag(client, str(ref))
    except exceptions.DockerDashboardError as error:
        LOG.warning('Import of %s: could not retag on %s: %s', image_id, host, error)
