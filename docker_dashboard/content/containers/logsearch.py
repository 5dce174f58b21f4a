"""Server-side log search: substring or regular expression, case, invert, context lines.

Patterns come from users and run on untrusted text, so regular expressions use the `regex` module
with a per-line time limit: a catastrophic pattern fails with a message instead of pinning a CPU.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import regex
from django.utils.translation import gettext as _

MAX_PATTERN = 500
MAX_CONTEXT = 20
PER_LINE_SECONDS = 0.05


class SearchError(ValueError):
    """The query cannot be run; the message is for the user."""


@dataclass(frozen=True)
class Query:
    text: str
    is_regex: bool = False
    case_sensitive: bool = False
    invert: bool = False
    context: int = 0

    def matcher(self) -> Callable[[str], bool]:
        if not self.text:
            raise SearchError(_('Enter something to search for.'))
        if len(self.text) > MAX_PATTERN:
            raise SearchError(_('The search is limited to %d characters.') % MAX_PATTERN)
        if not 0 <= self.context <= MAX_CONTEXT:
            raise SearchError(_('Context is limited to %d lines.') % MAX_CONTEXT)
        if not self.is_regex:
            needle = self.text if self.case_sensitive else self.text.casefold()
            if self.case_sensitive:
                return lambda line: needle in line
            return lambda line: needle in line.casefold()
        flags = 0 if self.case_sensitive else regex.IGNORECASE
        try:
            pattern = regex.compile(self.text, flags)
        except regex.error as error:
            raise SearchError(_('Invalid regular expression: %s.') % error) from None

        def search(line: str) -> bool:
            try:
                return pattern.search(line, timeout=PER_LINE_SECONDS) is not None
            except TimeoutError:
                raise SearchError(_('The regular expression is too slow on this log; simplify it.')) from None
        return search


@dataclass(frozen=True)
class Hit:
    line: object          # a LogLine
    is_match: bool        # False for context lines
    gap_before: bool      # lines were skipped between the previous hit and this one


def search_lines(lines: Iterable, query: Query, *, max_hits: int = 5000) -> Iterator[Hit]:
    """Matching lines (or non-matching with invert) with `context` lines around each, in order."""
    matches = query.matcher()
    before: collections.deque = collections.deque(maxlen=query.context)
    after_left = 0
    emitted = 0
    last_emitted = -1
    for number, line in enumerate(lines):
        is_match = matches(line.text) != query.invert
        if is_match:
            for offset, previous in enumerate(before):
                previous_number = number - len(before) + offset
                yield Hit(previous, False, last_emitted >= 0 and previous_number > last_emitted + 1)
                last_emitted = previous_number
            before.clear()
            yield Hit(line, True, last_emitted >= 0 and number > last_emitted + 1)
            last_emitted = number
            emitted += 1
            after_left = query.context
            if emitted >= max_hits:
                return
        elif after_left:
            yield Hit(line, False, False)
            last_emitted = number
            after_left -= 1
        else:
            before.append(line)
