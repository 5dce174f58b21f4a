"""api.hosts and api.hosts_inventory against the harness' real dockerd (Unix socket and TLS), a closed
port and a host that accepts connections but never answers."""
import time
import uuid

import pytest

from docker_dashboard import api
from docker_dashboard import exceptions
from docker_dashboard.api import hosts_inventory

MIB = 1024 * 1024


def test_every_host_is_reported_in_parallel_and_unreachable_ones_say_so(docker_settings):
    started = time.monotonic()
    reports = api.hosts.host_reports()
    elapsed = time.monotonic() - started
    assert [r.name for r in reports] == ['closed-host', 'silent-host', 'test-host', 'tls-host']
    by_name = {r.name: r for r in reports}
    for name in ('test-host', 'tls-host'):
        report = by_name[name]
        assert report.state == 'up', report.error
        assert report.version['ApiVersion'] >= '1.41' and report.version['Version']
        assert report.info['NCPU'] >= 1 and report.info['MemTotal'] > 0 and report.info['Driver']
        assert report.latency_ms is not None and 0 < report.latency_ms < docker_settings['timeout'] * 1000
        assert report.disk is not None and report.disk.images > 0      # the harness' busybox image
    assert by_name['tls-host'].tls is True and by_name['test-host'].tls is False
    for name in ('closed-host', 'silent-host'):
        report = by_name[name]
        assert report.state == 'unreachable' and report.disk is None and report.containers is None
        assert report.error and '127.0.0.1' not in report.error and 'tcp://' not in report.error
    # Sequential calls would take a timeout per dead host; parallel ones take one in all.
    assert elapsed < docker_settings['timeout'] + 1.5


def test_unknown_host_name_is_refused(docker_settings):
    with pytest.raises(exceptions.HostNotResolved):
        api.hosts.host_report('no-such-host')


def test_disk_usage_and_inventory_from_a_real_host(server_containers, engine):
    """A container writing 2 MiB shows in df; Nova's view decides known, orphan and missing."""
    known, known_id = server_containers.create(['sh', '-c', f'dd if=/dev/zero of=/big bs={MIB} count=2'])
    server_containers.wait(known_id)
    _deleted, deleted_id = server_containers.create(['sleep', '30'])        # Nova no longer has it
    elsewhere, elsewhere_id = server_containers.create(['true'], start=False)
    stray_name = f'stray-{uuid.uuid4().hex[:8]}'
    _stray, stray_id = server_containers.create(['true'], labelled=False, name=stray_name, start=False)

    report = api.hosts.host_report('test-host')
    assert report.state == 'up'
    rows = {row['Id']: row for row in report.containers}
    assert {known_id, deleted_id, elsewhere_id, stray_id} <= set(rows)
    assert rows[known_id]['SizeRw'] >= 2 * MIB
    assert report.disk.containers >= 2 * MIB and report.disk.containers_count >= 4
    assert report.disk.total >= report.disk.images + 2 * MIB
    assert report.info['ContainersRunning'] >= 1 and report.info['ContainersStopped'] >= 3

    missing_id = str(uuid.uuid4())
    nova = hosts_inventory.servers_by_id([
        dict(known, status='SHUTOFF'),
        dict(elsewhere, status='ACTIVE', **{'OS-EXT-SRV-ATTR:host': 'tls-host'}),
        {'id': missing_id, 'status': 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'test-host'},
        {'id': str(uuid.uuid4()), 'status': 'BUILD', 'OS-EXT-SRV-ATTR:host': 'test-host'}])
    inventory = hosts_inventory.host_inventory('test-host', report.containers, nova)
    reasons = {c.id: c.orphan_reason for c in inventory.containers}
    assert reasons[known_id] == ''
    assert reasons[deleted_id] == hosts_inventory.ORPHAN_UNKNOWN
    assert reasons[elsewhere_id] == hosts_inventory.ORPHAN_ELSEWHERE
    assert reasons[stray_id] == hosts_inventory.ORPHAN_NOT_NOVA
    assert {c.id for c in inventory.orphans} >= {deleted_id, elsewhere_id, stray_id}
    assert known_id not in {c.id for c in inventory.orphans}
    assert [s['id'] for s in inventory.missing] == [missing_id]
    assert next(c for c in inventory.containers if c.id == stray_id).name == stray_name


def test_images_name_the_glance_image_they_were_loaded_from(docker_settings, engine):
    glance_id = str(uuid.uuid4())
    engine.tag('busybox:latest', f'glance/{glance_id}', 'latest')
    try:
        report = api.hosts.host_report('test-host')
        busybox = next(i for i in report.images if f'glance/{glance_id}:latest' in (i.get('RepoTags') or ()))
        assert hosts_inventory.glance_image_ids(busybox, []) == [glance_id]
        others = [i for i in report.images if i is not busybox]
        assert all(glance_id not in hosts_inventory.glance_image_ids(i, []) for i in others)
    finally:
        engine.remove_image(f'glance/{glance_id}:latest')
