"""DOCKER_DASHBOARD validation: good settings load, every bad key is named in the error."""
import os

import pytest

from docker_dashboard import conf
from docker_dashboard.exceptions import ConfigurationError


@pytest.fixture
def tls_files(tmp_path):
    paths = {}
    for name in ('ca_cert', 'client_cert', 'client_key'):
        path = tmp_path / f'{name}.pem'
        path.write_text('-----BEGIN X-----\n')
        paths[name] = str(path)
    return paths


def test_full_settings_load(tls_files):
    settings = conf.validate({
        'hosts': {'docker-host-1': {'url': 'unix:///run/docker.sock'},
                  'docker-host-2': {'url': 'tcp://127.0.0.2:2376', 'tls': tls_files}},
        'timeout': 3, 'api_version': '1.41', 'import_host': 'docker-host-1',
        'registry_allowlist': ['127.0.0.1:5001'], 'upload_max_bytes': 1024,
        'logs': {'max_tail': 20000},
    })
    assert set(settings.hosts) == {'docker-host-1', 'docker-host-2'}
    assert settings.hosts['docker-host-2'].tls.client_key == tls_files['client_key']
    assert settings.hosts['docker-host-1'].tls is None
    assert settings.timeout == 3.0
    assert settings.logs.max_tail == 20000
    assert settings.logs.default_tail == conf.DEFAULT_LOG_LIMITS['default_tail']
    assert settings.registry_allowlist == ('127.0.0.1:5001',)


def test_empty_settings_are_valid():
    settings = conf.validate(None)
    assert settings.hosts == {}
    assert settings.api_version == '1.41'


def test_host_given_as_plain_url():
    assert conf.validate({'hosts': {'h1': 'unix:///x.sock'}}).hosts['h1'].url == 'unix:///x.sock'


@pytest.mark.parametrize('raw, named_key', [
    ({'hosts': {'h1': {'url': 'ftp://x'}}}, "DOCKER_DASHBOARD['hosts']['h1']['url']"),
    ({'hosts': {'h1': {}}}, "DOCKER_DASHBOARD['hosts']['h1']['url']"),
    ({'hosts': {'h1': {'url': 'unix://'}}}, "DOCKER_DASHBOARD['hosts']['h1']['url']"),
    ({'hosts': {'h1': {'url': 'tcp://'}}}, "DOCKER_DASHBOARD['hosts']['h1']['url']"),
    ({'hosts': {'h1': {'url': 'unix:///s', 'port': 1}}}, "DOCKER_DASHBOARD['hosts']['h1']['port']"),
    ({'hosts': {'bad name!': 'unix:///s'}}, "DOCKER_DASHBOARD['hosts']['bad name!']"),
    ({'hosts': ['h1']}, "DOCKER_DASHBOARD['hosts']"),
    ({'timeout': 0}, "DOCKER_DASHBOARD['timeout']"),
    ({'timeout': 'fast'}, "DOCKER_DASHBOARD['timeout']"),
    ({'api_version': '2'}, "DOCKER_DASHBOARD['api_version']"),
    ({'import_host': 'nowhere'}, "DOCKER_DASHBOARD['import_host']"),
    ({'registry_allowlist': 'docker.io'}, "DOCKER_DASHBOARD['registry_allowlist']"),
    ({'registry_allowlist': ['ok:5000', 'http://bad']}, "DOCKER_DASHBOARD['registry_allowlist'][1]"),
    ({'upload_max_bytes': -1}, "DOCKER_DASHBOARD['upload_max_bytes']"),
    ({'upload_max_bytes': 1.5}, "DOCKER_DASHBOARD['upload_max_bytes']"),
    ({'logs': {'max_tail': 0}}, "DOCKER_DASHBOARD['logs']['max_tail']"),
    ({'logs': {'default_tail': 50, 'max_tail': 10}}, "DOCKER_DASHBOARD['logs']['default_tail']"),
    ({'logs': {'tail': 1}}, "DOCKER_DASHBOARD['logs']['tail']"),
    ({'hosst': {}}, "DOCKER_DASHBOARD['hosst']"),
])
def test_bad_settings_name_the_key(raw, named_key):
    with pytest.raises(ConfigurationError) as caught:
        conf.validate(raw)
    assert str(caught.value).startswith(named_key + ':'), str(caught.value)


def test_tls_files_must_exist(tls_files):
    tls = dict(tls_files, client_key='/nonexistent/key.pem')
    with pytest.raises(ConfigurationError) as caught:
        conf.validate({'hosts': {'h2': {'url': 'tcp://127.0.0.2:2376', 'tls': tls}}})
    assert str(caught.value) == "DOCKER_DASHBOARD['hosts']['h2']['tls']['client_key']: file not found"


def test_tls_needs_ca_when_verifying(tls_files):
    tls = {'client_cert': tls_files['client_cert'], 'client_key': tls_files['client_key']}
    with pytest.raises(ConfigurationError, match=r"\['tls'\]\['ca_cert'\]: missing"):
        conf.validate({'hosts': {'h2': {'url': 'tcp://127.0.0.2:2376', 'tls': tls}}})


def test_tls_on_unix_socket_is_refused(tls_files):
    with pytest.raises(ConfigurationError, match=r"\['h1'\]\['tls'\]: TLS does not apply"):
        conf.validate({'hosts': {'h1': {'url': 'unix:///s', 'tls': tls_files}}})


def test_startup_check_fails_on_bad_settings(settings):
    """AppConfig.ready() runs the validation: a bad dict stops Django with the key in the message."""
    from django.apps import apps
    settings.DOCKER_DASHBOARD = {'hosts': {'h1': {'url': 'gopher://x'}}}
    with pytest.raises(ConfigurationError, match=r"\['h1'\]\['url'\]"):
        apps.get_app_config('docker_dashboard').ready()


def test_settings_error_is_an_improperly_configured():
    from django.core.exceptions import ImproperlyConfigured
    assert issubclass(ConfigurationError, ImproperlyConfigured)


def test_sample_local_settings_file_is_valid(tmp_path):
    """The shipped local_settings.d sample loads and validates (with its TLS paths made real)."""
    sample_dir = os.path.join(os.path.dirname(conf.__file__), 'local_settings.d')
    samples = [name for name in os.listdir(sample_dir) if name.endswith('.py.example')]
    assert samples, 'no local_settings.d sample shipped'
    namespace = {}
    with open(os.path.join(sample_dir, samples[0])) as handle:
        exec(compile(handle.read(), samples[0], 'exec'), namespace)
    raw = namespace['DOCKER_DASHBOARD']
    for host in raw['hosts'].values():
        for key, path in (host.get('tls') or {}).items():
            if key != 'verify':
                real = tmp_path / os.path.basename(path)
                real.write_text('x')
                host['tls'][key] = str(real)
    settings = conf.validate(raw)
    assert settings.hosts
