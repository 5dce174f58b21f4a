"""The security suite against the real local stack: tenant isolation, injection (HTTP and Chromium), CSRF,
secrets, load. Every test here needs the stack (marked `stack`); the Chromium ones are also `browser`.

One hostile container (booted once, as demo) and one hostile Glance image serve every test: names, env,
log lines and image names full of markup, ANSI/OSC escapes, CRLF, invalid UTF-8 and a huge line.
"""
from __future__ import annotations

import os
import uuid

import pytest

from tests.browser.conftest import chrome  # noqa: F401  (the session's one Chromium)
from tests.stack.horizon import Horizon
from tests.stack.nova_helpers import boot
from tests.stack.nova_helpers import delete_image
from tests.stack.nova_helpers import delete_servers
from tests.stack.nova_helpers import image_id
from tests.stack.nova_helpers import shell
from tests.stack.nova_helpers import wait_active
from tests.stack.nova_helpers import wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = 'sec'
# Sets window.__pwned (read back by the browser tests) if any of it ever runs as markup.
XSS = {
    'name': '<img src=x onerror="window.__pwned=1">',
    'env': '<script>window.__pwned=2</script>',
    'log': '<img src=x onerror="window.__pwned=3"><svg onload="window.__pwned=3">',
    'image': '<img src=x onerror="window.__pwned=4">',
}
LOG_MARK = 'SECLOGMARK'
HUGE_LINE_BYTES = 40000
# Hostile output: markup, an ANSI colour around markup, an OSC 8 hyperlink to javascript:, a CR/LF pair,
# invalid UTF-8 bytes, then a line far above logs.max_line_bytes. The escapes travel in an env value (printf
# format) because Nova bounds a metadata value to 255 characters.
ANSI_FORMAT = ('\\033[31m<b>ansi</b>\\033[0m \\033]8;;javascript:window.__pwned=5\\033\\\\osc'
               '\\033]8;;\\033\\\\ crlf\\r\\nbad \\377\\376 utf8\\n')
HOSTILE_SCRIPT = (
    f'printf "%s %s\\n" {LOG_MARK} "$EVIL_LOG"; printf "$EVIL_ANSI"; '
    f'head -c {HUGE_LINE_BYTES} /dev/zero | tr "\\0" A; echo; echo {LOG_MARK}-END; '
    "trap 'exit 0' TERM INT; sleep 2147483647 & wait")

def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.stack)
            if 'chrome' in getattr(item, 'fixturenames', ()):
                item.add_marker(pytest.mark.browser)


def horizon_as(openstack, user: str) -> Horizon:
    c = openstack.credentials[user]
    return Horizon(openstack.env['HORIZON_URL'], c['username'], c['password'])


@pytest.fixture(scope='session')
def demo_horizon(openstack):
    return horizon_as(openstack, 'demo')


@pytest.fixture(scope='session')
def demo2_horizon(openstack):
    return horizon_as(openstack, 'demo2')


@pytest.fixture(scope='session')
def hostile_server(openstack):
    """demo's running container whose name, env and output are hostile; its log is complete when returned."""
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    name = f'{PREFIX}-{uuid.uuid4().hex[:6]}-{XSS["name"]}'
    server = boot(nova, image_id(glance, 'busybox:latest'), name=name,
                  meta={'docker_command': shell(HOSTILE_SCRIPT), 'docker_env_EVIL_LOG': XSS['log'],
                        'docker_env_EVIL_ENV': XSS['env'], 'docker_env_EVIL_ANSI': ANSI_FORMAT})
    try:
        server = wait_active(nova, server.id)
        wait_for(lambda: f'{LOG_MARK}-END' in nova.servers.get_console_output(server.id), 60,
                 message='the hostile container wrote its output')
        yield server
    finally:
        delete_servers(nova, [server.id])


@pytest.fixture(scope='session')
def hostile_image(openstack):
    """demo's private Glance Docker image record whose name is markup (no data: a queued image)."""
    glance = openstack.glance('demo')
    image = glance.images.create(name=f'{PREFIX}{uuid.uuid4().hex[:6]}/{XSS["image"]}:latest',
                                 container_format='docker', disk_format='raw', visibility='private')
    try:
        yield image
    finally:
        delete_image(glance, image.id)
