"""docker_dashboard.api against a real dockerd: finding containers, top, changes, images, engine, errors."""
import time
import types

import pytest

import dockerd as harness  # tools/, on sys.path via tests/conftest.py
from docker_dashboard import api
from docker_dashboard import exceptions

pytestmark = pytest.mark.docker


def member_request(project_id='project-a'):
    return types.SimpleNamespace(user=types.SimpleNamespace(project_id=project_id))


def test_container_found_by_label(server_containers):
    server, container_id = server_containers.create(['sleep', '30'], name='renamed-by-someone')
    found = api.containers.container_for_server(member_request(), server)
    assert found.id == container_id
    assert found.host == 'test-host'
    assert found.name == 'renamed-by-someone'
    assert found.state['Running'] is True
    assert found.short_id == container_id[:12]


def test_container_found_by_name_when_unlabelled(server_containers):
    server, container_id = server_containers.create(['sleep', '30'], labelled=False)
    assert api.containers.container_for_server(member_request(), server).id == container_id


def test_name_fallback_refuses_another_instances_container(server_containers, engine):
    other, other_id = server_containers.create(['sleep', '30'])
    # A container named after server X but labelled for server Y is not X's container.
    server = {'id': 'aaaaaaaa-0000-0000-0000-000000000000', 'OS-EXT-SRV-ATTR:host': 'test-host'}
    engine.rename(other_id, 'nova-' + server['id'])
    with pytest.raises(exceptions.ContainerNotFound):
        api.containers.container_for_server(member_request(), server)


def test_missing_container_is_not_found(docker_settings):
    server = {'id': 'bbbbbbbb-0000-0000-0000-000000000000', 'OS-EXT-SRV-ATTR:host': 'test-host'}
    with pytest.raises(exceptions.ContainerNotFound):
        api.containers.container_for_server(member_request(), server)


def test_host_resolved_from_host_id_without_admin_attribute(server_containers):
    server, container_id = server_containers.create(['sleep', '30'], project_id='p-123')
    del server['OS-EXT-SRV-ATTR:host']
    server['hostId'] = api.containers.host_id_for('p-123', 'test-host')
    found = api.containers.container_for_server(member_request('p-123'), server)
    assert (found.host, found.id) == ('test-host', container_id)


def test_top_lists_processes_with_docker_titles(server_containers):
    server, _ = server_containers.create(['sh', '-c', 'sleep 123 & sleep 456'])
    found = api.containers.container_for_server(member_request(), server)
    deadline = time.monotonic() + 10
    while True:
        top = api.containers.container_top(found)
        commands = [' '.join(row) for row in top['Processes']]
        if any('sleep 123' in c for c in commands) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert 'PID' in top['Titles']
    assert any('sleep 123' in c for c in commands)
    assert any('sleep 456' in c for c in commands)


def test_top_of_stopped_container_says_not_running_without_url(server_containers):
    server, container_id = server_containers.create(['true'])
    server_containers.wait(container_id)
    found = api.containers.container_for_server(member_request(), server)
    with pytest.raises(exceptions.DockerHostError) as caught:
        api.containers.container_top(found)
    message = str(caught.value)
    assert 'not running' in message
    assert '://' not in message and '/run/ddash' not in message


def test_changes_report_added_changed_and_deleted_paths(server_containers):
    server, container_id = server_containers.create(
        ['sh', '-c', 'mkdir /data && touch /data/new.txt && rm /etc/group && echo x >> /etc/passwd'])
    server_containers.wait(container_id)
    found = api.containers.container_for_server(member_request(), server)
    changes = {c['Path']: c['Kind'] for c in api.containers.container_changes(found)}
    assert changes['/data/new.txt'] == 1
    assert changes['/etc/group'] == 2
    assert changes['/etc/passwd'] == 0


def test_calls_on_a_removed_container_raise_not_found(server_containers, engine):
    server, container_id = server_containers.create(['sleep', '30'])
    found = api.containers.container_for_server(member_request(), server)
    engine.remove_container(container_id, force=True)
    for call in (api.containers.container_top, api.containers.container_changes,
                 lambda c: api.logs.container_logs(c, tail=5)):
        with pytest.raises(exceptions.ContainerNotFound):
            call(found)


def test_containers_on_host_is_one_call_with_labels(server_containers):
    first, _ = server_containers.create(['sleep', '30'])
    second, _ = server_containers.create(['true'])
    listed = api.containers.containers_on_host('test-host')
    uuids = {c['Labels'].get('org.openstack.nova.instance_uuid') for c in listed}
    assert {first['id'], second['id']} <= uuids


def test_image_history_and_inspect(docker_settings, engine, server_containers):
    server, container_id = server_containers.create(['sh', '-c', 'echo layer > /layer.txt'])
    server_containers.wait(container_id)
    engine.commit(container_id, repository='committed', tag='v1', message='second layer')
    try:
        history = api.images.image_history('test-host', 'committed:v1')
        assert len(history) == 2
        assert 'echo layer' in history[0]['CreatedBy']
        assert api.images.image_inspect('test-host', 'committed:v1')['RepoTags'] == ['committed:v1']
        with pytest.raises(exceptions.DockerImageNotFound):
            api.images.image_history('test-host', 'no-such-image:latest')
    finally:
        engine.remove_image('committed:v1', force=True)


def test_engine_info_and_version(docker_settings):
    assert api.engine.engine_version('test-host')['ApiVersion'] >= '1.41'
    info = api.engine.engine_info('test-host')
    assert info['NCPU'] >= 1 and info['MemTotal'] > 0


def test_tls_host_answers_with_the_plugins_client_certificate(docker_settings, monkeypatch):
    # requests lets REQUESTS_CA_BUNDLE override the configured CA unless the client ignores the
    # environment: with the system bundle set, TLS to our private CA must still verify.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/certs/ca-certificates.crt')
    monkeypatch.setenv('DOCKER_HOST', 'tcp://127.0.0.1:1')
    api.client._clients.clear()
    assert api.engine.engine_version('tls-host')['ApiVersion'] >= '1.41'


def test_tls_host_with_wrong_ca_is_unreachable(docker_settings, settings, tmp_path, dockerd):
    wrong = tmp_path / 'tls'
    wrong.mkdir()
    files = harness.TLSFiles(*(str(wrong / n) for n in ('ca', 'sc', 'sk', 'cc', 'ck')))
    harness.write_tls_files(files, '127.0.0.3')
    config = dict(settings.DOCKER_DASHBOARD)
    config['hosts'] = dict(config['hosts'], **{'tls-host': {'url': dockerd.tcp_url, 'tls': {
        'ca_cert': files.ca_cert, 'client_cert': files.client_cert, 'client_key': files.client_key}}})
    settings.DOCKER_DASHBOARD = config
    with pytest.raises(exceptions.DockerHostUnreachable) as caught:
        api.engine.engine_version('tls-host')
    assert '127.0.0.3' not in str(caught.value)


@pytest.mark.parametrize('host', ['closed-host', 'silent-host'])
def test_unreachable_host_fails_within_timeout(docker_settings, host):
    started = time.monotonic()
    with pytest.raises(exceptions.DockerHostUnreachable) as caught:
        api.engine.engine_info(host)
    elapsed = time.monotonic() - started
    assert elapsed < docker_settings['timeout'] + 1
    assert caught.value.host == host
    assert '127.0.0.1' not in str(caught.value) and 'tcp://' not in str(caught.value)


def test_unreachable_host_when_finding_a_container(docker_settings):
    server = {'id': 'cccccccc-0000-0000-0000-000000000000', 'OS-EXT-SRV-ATTR:host': 'silent-host'}
    started = time.monotonic()
    with pytest.raises(exceptions.DockerHostUnreachable):
        api.containers.container_for_server(member_request(), server)
    assert time.monotonic() - started < docker_settings['timeout'] + 1


def test_hosts_health_queries_all_hosts_in_parallel(docker_settings):
    started = time.monotonic()
    health = {h.name: h for h in api.engine.hosts_health()}
    elapsed = time.monotonic() - started
    assert health['test-host'].state == 'up' and health['test-host'].version
    assert health['tls-host'].state == 'up' and health['tls-host'].tls is True
    assert health['closed-host'].state == 'unreachable'
    assert health['silent-host'].state == 'unreachable'
    # Sequential calls would take two timeouts; parallel ones take one.
    assert elapsed < docker_settings['timeout'] + 1



def test_index_join_makes_one_list_call_per_host_and_survives_a_dead_host(server_containers, monkeypatch):
    running, running_id = server_containers.create(['sleep', '30'])
    stopped, stopped_id = server_containers.create(['true'])
    server_containers.wait(stopped_id)
    unlabelled, unlabelled_id = server_containers.create(['sleep', '30'], labelled=False)
    on_dead_host = {'id': 'dddddddd-0000-0000-0000-000000000000', 'OS-EXT-SRV-ATTR:host': 'silent-host'}
    not_docker = {'id': 'eeeeeeee-0000-0000-0000-000000000000', 'OS-EXT-SRV-ATTR:host': 'kvm-host-9'}
    calls = []
    real_client = api.client.docker_client

    def counting_client(host):
        client = real_client(host)
        original = client.containers

        def containers(*args, **kwargs):
            calls.append(host)
            return original(*args, **kwargs)
        monkeypatch.setattr(client, 'containers', containers)
        return client
    monkeypatch.setattr(api.containers, 'docker_client', counting_client)
    started = time.monotonic()
    index = api.containers.containers_for_servers(
        member_request(), [running, stopped, unlabelled, on_dead_host, not_docker])
    assert time.monotonic() - started < 2 + 1
    assert sorted(calls) == ['silent-host', 'test-host']
    assert index.unreachable == {'silent-host'}
    assert index.containers[running['id']].state == 'running'
    assert index.containers[running['id']].status.startswith('Up')
    assert index.containers[stopped['id']].state == 'exited'
    assert index.containers[unlabelled['id']].id == unlabelled_id
    assert on_dead_host['id'] not in index.containers and index.hosts[on_dead_host['id']] == 'silent-host'
    assert not_docker['id'] not in index.hosts
