"""The log download through a Horizon serving this checkout, over real Nova and a real Docker host: more
than the 8 MiB read bound comes back whole, a line above logs.max_line_bytes is cut and marked, bad input
is a 400, and the answer says nosniff."""
from __future__ import annotations

import pytest

from tests.stack import nova_helpers as h
from tests.stack.horizon import Horizon

pytestmark = pytest.mark.stack
LINES = 400000   # about 18 MB from dockerd with timestamps: over twice logs.max_bytes (8 MiB)
WRITER = h.shell(f"head -c 1000000 /dev/zero | tr '\\0' x; echo; seq 1 {LINES}; echo written; "
                 "trap 'exit 0' TERM; sleep 2147483647 & wait")


@pytest.fixture(scope='module')
def writer(openstack):
    nova, glance = openstack.nova('demo'), openstack.glance('demo')
    server = h.boot(nova, h.image_id(glance, 'busybox:latest'), name=h.unique('log-download'),
                    meta={'docker_command': WRITER})
    try:
        yield h.wait_active(nova, server.id)
    finally:
        h.delete_servers(nova, [server.id])


def test_the_download_has_everything_and_marks_the_cut_line(openstack, horizon_url, writer):
    c = openstack.credentials['demo']
    demo = Horizon(horizon_url, c['username'], c['password'])
    base = f'/project/docker_containers/{writer.id}/logs/'
    h.wait_for(lambda: 'written' in demo.get(base + 'search', params={'q': 'written'}).text, 120,
               message='the container to write its log')
    answer = demo.get(base + 'download', params={'timestamps': '0', 'marks': '0'}, timeout=300)
    assert answer.status_code == 200
    assert answer.headers['X-Content-Type-Options'] == 'nosniff'
    lines = answer.text.split('\n')
    assert lines[0] == 'x' * 16384 + ' [line cut at 16384 bytes]'
    assert lines[1:LINES + 1] == [str(n) for n in range(1, LINES + 1)]
    assert lines[LINES + 1:] == ['written', '']
    assert 'download stopped' not in answer.text

    too_many = demo.get(base + 'download', params={'tail': '10001'})
    assert too_many.status_code == 400 and 'At most 10000 lines' in too_many.text
    assert demo.get(base + 'search', params={'q': 'x', 'tail': '10001'}).status_code == 400
