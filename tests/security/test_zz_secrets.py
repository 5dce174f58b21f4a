"""Secrets never reach pages, answers or logs: the plugin's Docker TLS client key, the logins' and services'
passwords, Keystone tokens; and members never see a Docker daemon address. Runs after the rest of the
security suite (file order), so the logs it greps hold what every earlier test made the stack do."""
from __future__ import annotations

import os
import re

from tests.security.conftest import LOG_MARK
from tests.security.conftest import horizon_as

CONTAINERS = '/project/docker_containers/'
IMAGES = '/project/docker_images/'
AJAX = {'X-Requested-With': 'XMLHttpRequest'}
FERNET_TOKEN = re.compile(r'gAAAAA[A-Za-z0-9_-]{40,}')
# the plugin's own process logs, and the driver's (nova-compute talks to the same daemons with the same keys)
LOGS = ('horizon.log', 'nova-compute-1.log', 'nova-compute-2.log')


def secret_values(openstack) -> dict:
    with open(openstack.env['DOCKER_HOST_2_TLS_KEY']) as handle:
        key_lines = [line.strip() for line in handle if line.strip() and not line.startswith('-----')]
    values = {f'TLS client key line {i}': line for i, line in enumerate(key_lines) if len(line) >= 40}
    for user, login in openstack.credentials.items():
        values[f'password of {user}'] = login['password']
    with open(openstack.env['SECRETS_FILE']) as handle:
        for line in handle:
            name, _sep, value = line.strip().partition('=')
            if value and not name.startswith('#') and len(value) >= 8:
                values[name] = value
    values['a token of demo'] = openstack.session('demo').get_token()
    return values


def member_pages(demo_horizon, server_id: str) -> dict:
    detail = f'{CONTAINERS}{server_id}/'
    paths = [CONTAINERS, detail, f'{detail}?tab=container_details__overview', f'{detail}?tab=container_details__logs',
             f'{detail}?tab=container_details__processes', f'{detail}?tab=container_details__changes',
             f'{detail}?tab=container_details__audit', f'{detail}logs/', f'{detail}logs/search?q={LOG_MARK}',
             f'{detail}logs/download', f'{detail}logs/search?q=(&regex=1', f'{detail}logs/stream?cursor=bad',
             f'{detail}logs/search?since=yesterday', f'{CONTAINERS}{"0" * 8}-0000-0000-0000-{"0" * 12}/logs/search',
             CONTAINERS + 'launch', IMAGES, IMAGES + 'import/', '/project/api_access/']
    return {path: demo_horizon.get(path, headers=AJAX if '?tab=' in path else {}) for path in paths}


def test_no_secret_in_pages_answers_or_logs(openstack, demo_horizon, hostile_server):
    secrets = secret_values(openstack)
    places = {}
    for path, response in member_pages(demo_horizon, hostile_server.id).items():
        places[f'demo GET {path}'] = response.text + str(dict(response.headers))
    admin = horizon_as(openstack, 'admin')
    for path in ('/admin/docker_hosts/', CONTAINERS, f'{CONTAINERS}{hostile_server.id}/'):
        response = admin.get(path)
        places[f'admin GET {path}'] = response.text + str(dict(response.headers))
    for name in LOGS:
        with open(os.path.join(openstack.env['LOG_DIR'], name), errors='replace') as handle:
            places[f'log {name}'] = handle.read()
    leaks = []
    for place, text in places.items():
        leaks += [f'{what} in {place}' for what, value in secrets.items() if value in text]
        if FERNET_TOKEN.search(text):
            leaks.append(f'a Keystone token in {place}')
        if place.startswith('demo') and re.search(r'/run/ddash|127\.0\.0\.2:2376|client-key\.pem|tcp://', text):
            leaks.append(f'a Docker daemon address in {place}')
    print(f'secrets: {len(secrets)} secret values and token/address patterns x {len(places)} pages and logs, '
          f'{len(leaks)} leaks')
    assert not leaks, '\n'.join(leaks)
    # the greps saw real material: the pages rendered and the logs exist
    assert any(LOG_MARK in text for place, text in places.items() if place.startswith('demo'))
