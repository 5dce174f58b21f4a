"""Untrusted container text leaving the plugin: download file names (a header), SSE events and JSON (read
by the browser), cursors coming back from the browser. Hostile inputs of every kind stay inert."""
from types import SimpleNamespace

import pytest

from docker_dashboard.api import log_lines
from docker_dashboard.api.log_follow import Cursor
from docker_dashboard.api.logs import LogLine
from docker_dashboard.content.containers import logviews
from docker_dashboard import exceptions as dd_exceptions

HOSTILE_TEXT = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '"; filename="evil.sh',
    'name\r\nSet-Cookie: sessionid=stolen',
    'name\nLocation: http://evil.example.com',
    '../../etc/passwd',
    '\x1b]8;;javascript:alert(1)\x1b\\click\x1b]8;;\x1b\\',  # OSC 8 hyperlink escape
    '\x1b[31m<b>red</b>\x1b[0m',
    '\u2028\u2029</script><script>alert(1)</script>',
    '$(rm -rf /)`id`;|&',
    'naïve ünïcödé 名前 \U0001f600',
    '\udcff\ud800',  # lone surrogates (what invalid UTF-8 can become)
    'x' * 5000,
    '',
]
CONTAINER = SimpleNamespace(short_id='0123456789ab')


@pytest.mark.parametrize('name', HOSTILE_TEXT)
def test_download_name_is_safe_in_a_header_and_a_shell(name):
    filename = logviews.download_name(SimpleNamespace(name=name), CONTAINER)
    assert filename.endswith('-0123456789ab.log')
    assert all(c.isascii() and (c.isalnum() or c in '._-') for c in filename), filename
    assert not filename.startswith(('.', '-'))
    assert len(filename) <= 60 + len('-0123456789ab.log')


@pytest.mark.parametrize('text', HOSTILE_TEXT)
def test_sse_event_carries_hostile_text_as_one_inert_data_line(text):
    line = LogLine('stdout', text, '2026-11-23T10:00:00.000000001Z', False)
    event = logviews.LogStreamView.sse('lines', logviews.block_json(log_lines.pack([line] * 3)),
                                       '2026-11-23T10:00:00.000000001Z~1')
    body = event.decode('utf-8')
    # exactly the three SSE fields and the blank line that ends the event: no injected field or event
    assert body.count('\n') == 4 and body.endswith('\n\n'), body
    assert body.startswith('id: 2026-11-23T10:00:00.000000001Z~1\nevent: lines\ndata: ')
    for dangerous in ('<', '>', '\r', '\u2028', '\u2029'):
        assert dangerous not in body


@pytest.mark.parametrize('text', HOSTILE_TEXT)
def test_json_text_round_trips_without_markup_characters(text):
    import json
    encoded = logviews.json_text({'t': text})
    assert not any(c in encoded for c in '<>&\n\r\u2028\u2029')
    assert json.loads(encoded) == {'t': text}


@pytest.mark.parametrize('value', [
    'x\r\nevent: lines\r\ndata: ["o","","<script>",false]',
    '2026-11-23T10:00:00Z~1\nid: forged',
    '../../../etc/passwd',
    '2026-11-23T10:00:00Z~-1',
    '2026-11-23T10:00:00Z~1e9',
    '<script>~1',
    '2026-13-45T99:99:99Z~1' + 'x' * 10000,
])
def test_a_forged_cursor_is_refused(value):
    with pytest.raises(dd_exceptions.LogLimitExceeded):
        Cursor.parse(value)


def test_a_real_cursor_is_accepted():
    cursor = Cursor.parse('2026-11-23T10:00:00.123456789Z~3')
    assert (cursor.timestamp, cursor.seen) == ('2026-11-23T10:00:00.123456789Z', 3)


@pytest.mark.parametrize('text', HOSTILE_TEXT)
def test_search_answers_are_json_without_markup_characters(text):
    import json
    response = logviews.json_response({'hits': [['o', '', text, False]]}, status=200)
    body = response.content.decode()
    assert response['Content-Type'] == 'application/json'
    assert not any(c in body for c in '<>&\u2028\u2029')
    assert json.loads(body)['hits'][0][2] == text
