"""Horizon's test settings with the docker_dashboard plugin enabled (DJANGO_SETTINGS_MODULE for pytest)."""
from openstack_dashboard.test.settings import *  # noqa: F401,F403

import docker_dashboard.enabled
import openstack_dashboard.enabled
from openstack_dashboard.utils import settings as settings_utils


# Redo what Horizon's test settings did with its own enabled files, with ours added, as an
# operator's local/enabled directory would: plugins and panel customisation built in one pass.
_horizon_plugins = set(HORIZON_CONFIG.get('plugins', ()))  # noqa: F405
INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in _horizon_plugins]  # noqa: F405
for _key in ('dashboards', 'default_dashboard', 'plugins', 'angular_modules', 'js_files', 'js_spec_files', 'scss_files',
             'xstatic_modules', 'external_templates'):
    HORIZON_CONFIG.pop(_key, None)  # noqa: F405
HORIZON_CONFIG['angular_modules'] = []  # noqa: F405
HORIZON_CONFIG['js_files'] = []  # noqa: F405
settings_utils.update_dashboards([openstack_dashboard.enabled, docker_dashboard.enabled],
                                 HORIZON_CONFIG, INSTALLED_APPS)  # noqa: F405
settings_utils.find_static_files(HORIZON_CONFIG, AVAILABLE_THEMES,  # noqa: F405
                                 THEME_COLLECTION_DIR, ROOT_PATH)  # noqa: F405

# Unit tests configure hosts they need with override_settings; none are reachable by default.
DOCKER_DASHBOARD = {
    'hosts': {
        'docker-host-1': {'url': 'unix:///nonexistent/docker-host-1.sock'},
        'docker-host-2': {'url': 'tcp://127.0.0.1:9'},
    },
    'timeout': 2,
}
