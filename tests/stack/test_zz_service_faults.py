"""The plugin's pages while Nova, Glance or Keystone is down or answers 503, on the real stack.

Each test stops one API process of the shared stack (nova-api, glance or keystone), visits every page and
endpoint of the plugin as a logged-in user (and the admin Docker Hosts panel as admin) while the port
refuses connections, then again while a tiny HTTP server on that port answers 503 to everything, and
starts the service again (stack/run.sh) in a finally block. No answer may be a server error, a refusal or
the login page; every page that needs the missing service says so in words. With Keystone down Horizon's
own frame (navigation, project list) fails on every full page, its own panels' as well: those pages are
counted, not failed, while the control pages fail the same way; the XHR endpoints must still answer, and
the login form must show Horizon's message. Named test_zz_* so it runs after the other stack tests.
"""
from __future__ import annotations

import pytest

from tests.stack import nova_helpers as h
from tests.stack import service_faults as f
from tests.stack.horizon import Horizon

pytestmark = pytest.mark.stack

C = '/project/docker_containers/'
I = '/project/docker_images/'  # noqa: E741
HOSTS = '/admin/docker_hosts/'
CONTAINER_TABS = ('overview', 'logs', 'processes', 'changes', 'stats', 'audit')
IMAGE_TABS = ('overview', 'layers', 'config', 'containers')


def plugin_pages(server_id: str, image_id: str) -> list[tuple[str, str, str]]:
    """(user, path, kind) of every plugin page and endpoint a user meets."""
    s, i = f'{C}{server_id}/', f'{I}{image_id}/'
    return ([('demo', C, 'page'), ('demo', s, 'page')]
            + [('demo', f'{s}?tab=container_details__{tab}', 'tab') for tab in CONTAINER_TABS]
            + [('demo', s + 'logs/', 'page'), ('demo', s + 'logs/stream', 'stream'),
               ('demo', s + 'logs/search?q=started', 'json'), ('demo', s + 'logs/download', 'text'),
               ('demo', s + 'stats', 'json'),
               ('demo', I, 'page'), ('demo', i, 'page')]
            + [('demo', f'{i}?tab=docker_image_details__{tab}', 'tab') for tab in IMAGE_TABS]
            + [('demo', I + 'import/', 'page'), ('demo', i + 'update/', 'page'),
               ('admin', HOSTS, 'page'), ('admin', HOSTS + 'docker-host-1/', 'page'),
               ('admin', HOSTS + 'docker-host-1/?tab=docker_host_details__images', 'tab')])


@pytest.fixture(scope='module')
def demo_objects(openstack):
    """demo's running container (it wrote "started") and the busybox Docker image."""
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    image = h.image_id(glance, 'busybox:latest')
    server = h.boot(nova, image, meta={'docker_command': h.shell('echo started; ' + h.SLEEP_FOREVER)})
    try:
        h.wait_active(nova, server.id)
        yield server.id, image
    finally:
        h.delete_servers(nova, [server.id])


def login(openstack, horizon_url: str) -> dict:
    return {user: Horizon(horizon_url, openstack.credentials[user]['username'],
                          openstack.credentials[user]['password']) for user in ('demo', 'admin')}


def visit_all(clients: dict, pages: list) -> list:
    return [f.visit(clients[user], path, kind) for user, path, kind in pages]


# Horizon's own pages, the control: with Keystone down every full Horizon page is a 500 whatever its panel
# (the navigation asks Keystone for the identity API version, the header for the user's projects).
CONTROL = [('demo', '/project/instances/', 'page'), ('admin', '/admin/hypervisors/', 'page')]


def judge(baseline: list, faulted: list, horizon_broken: bool) -> tuple[list[str], list[str]]:
    """(problems, upstream): what the user must never get (a server error, a refusal: 403 or the login
    page, a slow answer, a page that changed without saying why), and the full pages that failed only
    because Horizon's own frame fails (``horizon_broken``: the control pages are 500s too)."""
    problems, upstream = [], []
    for before, after in zip(baseline, faulted):
        if after.status >= 500 or after.final >= 500:
            # a tab's XHR that answered and sent the browser to a full page is judged as that page
            if horizon_broken and (after.kind == 'page' or after.status < 500):
                upstream.append(after.path)
            else:
                problems.append(f'server error: {after.describe()}')
        elif after.final in (401, 403) or '/auth/login/' in after.url:
            problems.append(f'refused or logged out: {after.describe()}')
        elif after.seconds > 30:
            problems.append(f'slow: {after.describe()}')
        elif not after.errors and (after.final != before.final or after.body != before.body and after.path.endswith(
                'logs/stream')):
            problems.append(f'changed without a message: {after.describe()}')
    return problems, upstream


# Pages that need the service: each must say so in words (a fragment of the message).
MUST_SAY = {
    'nova-api': {C: 'Unable to retrieve containers', I + 'import/': 'Unable to retrieve your containers',
                 HOSTS: 'Unable to retrieve the Nova compute services'},
    'glance': {I: 'Unable to retrieve Docker images', C: 'image names are not shown'},
    'keystone': {},
}


@pytest.mark.parametrize('service', ['nova-api', 'glance', 'keystone'])
def test_pages_answer_with_messages_while_a_service_is_down_or_failing(openstack, horizon_url, demo_objects,
                                                                         service):
    server_id, image_id = demo_objects
    pages = plugin_pages(server_id, image_id)
    clients = login(openstack, horizon_url)
    baseline = visit_all(clients, pages)
    assert [a.path for a in baseline if a.final != 200 or a.errors] == [], [a.describe() for a in baseline]
    results, controls, logins = {}, {}, {}
    demo = openstack.credentials['demo']
    with f.service_stopped(openstack, service):
        results['refused'] = visit_all(clients, pages)
        controls['refused'] = visit_all(clients, CONTROL)
        if service == 'keystone':
            logins['refused'] = f.login_attempt(horizon_url, demo['username'], demo['password'])
        with f.answering_503(f.PORTS[service]):
            results['503'] = visit_all(clients, pages)
            controls['503'] = visit_all(clients, CONTROL)
            if service == 'keystone':
                logins['503'] = f.login_attempt(horizon_url, demo['username'], demo['password'])
    for mode, answers in results.items():
        print(f'--- {service} {mode}')
        for answer in answers:
            print(answer.describe())
        print(f'    {len(answers)} answers, {sum(1 for a in answers if a.errors)} with a message, worst '
              f'{max(a.seconds for a in answers):.1f} s')
    problems = []
    for mode, answers in results.items():
        horizon_broken = all(a.final >= 500 for a in controls[mode])
        found, upstream = judge(baseline, answers, horizon_broken)
        problems += [f'{mode}: {problem}' for problem in found]
        print(f'    {service} {mode}: Horizon\'s own pages {[a.final for a in controls[mode]]}; '
              f'{len(upstream)} plugin pages fail in Horizon\'s frame: {upstream}')
        if service != 'keystone':
            assert not upstream and not horizon_broken, [a.describe() for a in controls[mode]]
    for mode, answers in results.items():
        by_path = {a.path: a for a in answers}
        for path, fragment in MUST_SAY[service].items():
            if not any(fragment in text for text in by_path[path].errors):
                problems.append(f'{mode}: {path} does not say "{fragment}": {by_path[path].describe()}')
    for mode, answer in logins.items():
        print(f'--- login, {service} {mode}: {answer.describe()}')
        # Horizon's own form error, e.g. "Unable to establish connection to keystone endpoint."
        told = [text for text in answer.errors if 'keystone' in text or 'authenticating' in text]
        if answer.final != 200 or '/auth/login/' not in answer.url or not told:
            problems.append(f'login {mode}: {answer.describe()}')
    assert not problems, '\n'.join(problems)
