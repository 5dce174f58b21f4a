"""Admin > Docker Hosts table: one row per configured Docker host, Nova's view beside Docker's."""
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from horizon import tables

DOCKER_STATES = (
    ('up', pgettext_lazy('Docker host state', 'Reachable')),
    ('unreachable', pgettext_lazy('Docker host state', 'Unreachable')),
    ('error', pgettext_lazy('Docker host state', 'Error')),
)
NOT_KNOWN = pgettext_lazy('A figure the host did not give', '-')


def compute_service(row):
    if row.service is None:
        return pgettext_lazy('Nova compute service', 'not in Nova')
    return '%s, %s' % (row.service.state, row.service.status)


def docker_state(row):
    report = row.report
    if report.up:
        return _('Reachable (%(ms)s ms)') % {'ms': report.latency_ms}
    return dict(DOCKER_STATES)[report.state]


def containers_by_state(row):
    info = row.report.info
    if not info:
        return NOT_KNOWN
    return _('%(running)s running, %(paused)s paused, %(stopped)s stopped') % {
        'running': info.get('ContainersRunning', 0), 'paused': info.get('ContainersPaused', 0),
        'stopped': info.get('ContainersStopped', 0)}


def _info(key):
    def value(row):
        return row.report.info.get(key, NOT_KNOWN) if row.report.info else NOT_KNOWN
    return value


def _version(key):
    def value(row):
        return row.report.version.get(key, NOT_KNOWN) if row.report.version else NOT_KNOWN
    return value


def images(row):
    # Same count as the Images tab (`docker system df`); info's count adds untagged intermediate images.
    if row.report.images is not None:
        return len(row.report.images)
    return _info('Images')(row)


def memory(row):
    total = row.report.info.get('MemTotal') if row.report.info else None
    return filesizeformat(total) if total else NOT_KNOWN


def disk(row):
    """Bytes Docker uses in its data root, and the free space of that file system (from Nova)."""
    used = filesizeformat(row.report.disk.total) if row.report.disk else NOT_KNOWN
    free = row.disk_free_gb
    free_text = _('%s GB free') % free if free is not None else _('free unknown')
    return _('%(used)s used, %(free)s') % {'used': used, 'free': free_text}


def _count(attr):
    def value(row):
        items = getattr(row, attr)
        return NOT_KNOWN if items is None else len(items)
    return value


def tls(row):
    return _('Yes') if row.report.tls else _('No')


def detail_url(row):
    return reverse('horizon:admin:docker_hosts:detail', args=[row.name])


class DockerHostsTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Host'), link=detail_url)
    service = tables.Column(compute_service, verbose_name=_('Compute service'))
    state = tables.Column(docker_state, verbose_name=_('Docker'))
    version = tables.Column(_version('Version'), verbose_name=_('Engine'))
    api_version = tables.Column(_version('ApiVersion'), verbose_name=_('API'))
    containers = tables.Column(containers_by_state, verbose_name=_('Containers'))
    images = tables.Column(images, verbose_name=_('Images'),
                           help_text=_('Images as the host\'s Images tab lists them: one per image, whatever '
                                       'its tags (repo:tag and the glance/<id> copies Nova caches); '
                                       'intermediate images are not counted'))
    cpus = tables.Column(_info('NCPU'), verbose_name=_('CPUs'))
    memory = tables.Column(memory, verbose_name=_('Memory'))
    storage_driver = tables.Column(_info('Driver'), verbose_name=_('Storage driver'))
    disk = tables.Column(disk, verbose_name=_('Data root disk'))
    orphans = tables.Column(_count('orphans'), verbose_name=_('Orphan containers'),
                            help_text=_('Containers Docker runs that Nova does not know on this host'))
    missing = tables.Column(_count('missing'), verbose_name=_('Missing containers'),
                            help_text=_('Nova servers on this host whose container Docker does not have'))
    tls = tables.Column(tls, verbose_name=_('TLS'))

    class Meta:
        name = 'docker_hosts'
        verbose_name = _('Docker Hosts')

    def get_object_id(self, datum):
        return datum.name
