"""CSRF: every state-changing POST of the plugin is refused (Horizon's CSRF failure: a redirect to the login page) without the session's CSRF token, with a
wrong one, or from a foreign origin, and nothing changes in Nova or Glance. The same request with the token
does change state (so these refusals are the CSRF check, not a broken form)."""
from __future__ import annotations

import re

import pytest

from tests.security.conftest import PREFIX
from tests.stack.nova_helpers import wait_for

CONTAINERS = '/project/docker_containers/'
IMAGES = '/project/docker_images/'


def posts(server_id: str, image_id: str) -> list[tuple[str, dict]]:
    launch = {'name': f'{PREFIX}-csrf-launch', 'count': '1', 'image_id': '', 'flavor': '1', 'network': ''}
    return [
        *[(CONTAINERS, {'action': f'containers__{action}__{server_id}'})
          for action in ('stop', 'pause', 'soft_reboot', 'hard_reboot', 'delete')],
        (CONTAINERS, {'action': 'containers__delete', 'object_ids': server_id}),
        (CONTAINERS + 'launch', launch),
        (f'{CONTAINERS}{server_id}/snapshot/', {'server_id': server_id, 'name': f'{PREFIX}-csrf-snap'}),
        (IMAGES, {'action': f'docker_images__delete__{image_id}'}),
        (f'{IMAGES}{image_id}/update/', {'image_id': image_id, 'name': f'{PREFIX}-csrf-renamed',
                                          'visibility': 'public', 'min_ram': '0', 'os_command_line': ''}),
        (IMAGES + 'import/', {'source': 'registry', 'reference': '127.0.0.1:5001/busybox:latest',
                              'name': f'{PREFIX}-csrf-import:v1', 'visibility': 'private', 'min_ram': '0'}),
        ('/auth/switch/' + 'x' * 32 + '/', {}),
    ]


FORGERIES = {
    'no token': lambda token, base: ({}, {'Referer': base + '/'}),
    'wrong token': lambda token, base: ({'csrfmiddlewaretoken': 'x' * 64}, {'Referer': base + '/'}),
    'foreign origin': lambda token, base: ({'csrfmiddlewaretoken': token},
                                           {'Origin': 'http://evil.example.com', 'Referer': 'http://evil.example.com/'}),
}


def test_forged_posts_are_refused_and_change_nothing(openstack, demo_horizon, hostile_server, hostile_image):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    demo_horizon.get(CONTAINERS)  # the CSRF cookie
    token = demo_horizon.http.cookies.get('csrftoken')
    assert token
    failures, tried = [], 0
    for path, data in posts(hostile_server.id, hostile_image.id):
        for forgery, make in FORGERIES.items():
            extra, headers = make(token, demo_horizon.base_url)
            response = demo_horizon.http.post(demo_horizon.base_url + path, data=dict(data, **extra),
                                              headers=headers, allow_redirects=False, timeout=60)
            tried += 1
            # Horizon's CSRF failure view sends the browser to the login page with the reason
            if response.status_code != 302 or 'csrf_failure=' not in response.headers.get('Location', ''):
                failures.append(f'{forgery} POST {path}: {response.status_code} {response.headers.get("Location")}')
    print(f'csrf: {tried} forged posts, {len(failures)} accepted')
    assert not failures, '\n'.join(failures)
    server = nova.servers.get(hostile_server.id)
    assert (server.status, getattr(server, 'OS-EXT-STS:task_state')) == ('ACTIVE', None)
    image = glance.images.get(hostile_image.id)
    assert (image['name'], image['visibility']) == (hostile_image.name, 'private')
    names = [i['name'] for i in glance.images.list() if (i.get('name') or '').startswith(f'{PREFIX}-csrf')]
    assert names == []
    assert not [s for s in nova.servers.list() if s.name.startswith(f'{PREFIX}-csrf')]


def test_the_same_post_with_the_token_changes_state(openstack, demo_horizon, hostile_image):
    """Control: the Edit Image form with the session's token does rename the image (then it is renamed back)."""
    glance = openstack.glance('demo')
    path = f'{IMAGES}{hostile_image.id}/update/'
    form = demo_horizon.get(path)
    assert form.status_code == 200
    data = {'image_id': hostile_image.id, 'name': f'{PREFIX}-csrf-control:v1', 'visibility': 'private',
            'min_ram': '0', 'os_command_line': ''}
    try:
        response = demo_horizon.post(path, data, allow_redirects=False)
        assert response.status_code in (200, 302)
        assert 'csrf_failure' not in response.headers.get('Location', '')
        wait_for(lambda: glance.images.get(hostile_image.id)['name'] == data['name'], 10,
                 message='the image renamed by the form')
    finally:
        glance.images.update(hostile_image.id, name=hostile_image.name)
