"""Log search: substring/regex, case, invert, context with gaps, bad and slow patterns."""
import pytest

from docker_dashboard.api.logs import LogLine
from docker_dashboard.content.containers.logsearch import Query, SearchError, search_lines

LINES = [LogLine('stdout', text) for text in
         ['boot', 'GET /a 200', 'GET /b 500', 'idle', 'idle', 'idle', 'POST /c 500', 'bye']]


def texts(hits):
    return [(hit.line.text, hit.is_match, hit.gap_before) for hit in hits]


def test_substring_is_case_insensitive_by_default():
    assert [h.line.text for h in search_lines(LINES, Query('get'))] == ['GET /a 200', 'GET /b 500']
    assert list(search_lines(LINES, Query('get', case_sensitive=True))) == []


def test_regex_and_invert():
    assert [h.line.text for h in search_lines(LINES, Query(r'\s5\d\d$', is_regex=True))] == ['GET /b 500', 'POST /c 500']
    inverted = [h.line.text for h in search_lines(LINES, Query('idle', invert=True))]
    assert 'idle' not in inverted and len(inverted) == 5


def test_context_lines_and_gaps():
    hits = texts(search_lines(LINES, Query('500', context=1)))
    assert hits == [('GET /a 200', False, False), ('GET /b 500', True, False), ('idle', False, False),
                    ('idle', False, True), ('POST /c 500', True, False), ('bye', False, False)]


def test_invalid_regex_says_so():
    with pytest.raises(SearchError, match='Invalid regular expression'):
        list(search_lines(LINES, Query('(unclosed', is_regex=True)))


def test_catastrophic_regex_is_stopped():
    evil = [LogLine('stdout', 'a' * 5000 + '!')]
    with pytest.raises(SearchError, match='too slow'):
        list(search_lines(evil, Query(r'^(a+)+$', is_regex=True)))


def test_limits():
    with pytest.raises(SearchError):
        list(search_lines(LINES, Query('')))
    with pytest.raises(SearchError):
        list(search_lines(LINES, Query('x' * 501)))
    with pytest.raises(SearchError):
        list(search_lines(LINES, Query('x', context=21)))
    assert len(list(search_lines(LINES * 100, Query('idle'), max_hits=7))) == 7
