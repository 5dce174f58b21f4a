"""Docker's times as Horizon shows times: in the user's timezone and locale, the exact value on hover.

Docker writes times three ways: Unix seconds (`docker history`, container lists), RFC 3339 with
nanoseconds and an offset (inspect's Created, StartedAt, `docker info` SystemTime, image configs), and
Go's zero time ("0001-01-01T00:00:00Z") for "never". `parse` reads all of them; `exact` is the
ISO 8601 UTC text with Docker's own precision; `local_text` renders as Django renders a datetime in
a template (the timezone Horizon activates from the user's setting, the language's DATETIME_FORMAT),
which is how Horizon's `parse_isotime` dates appear.
"""
from __future__ import annotations

import datetime
import re

from django.utils import formats
from django.utils import timezone
from django.utils.html import format_html

_ISO = re.compile(r'^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d{1,9}))?\s*(Z|[+-]\d\d:?\d\d)?$',
                  re.IGNORECASE)
_UTC = datetime.timezone.utc


def _parse_iso(text: str) -> tuple[datetime.datetime, str] | None:
    match = _ISO.match(text.strip())
    if match is None:
        return None
    day, clock, fraction, offset = match.groups()
    fraction = fraction or ''
    try:
        value = datetime.datetime.fromisoformat(f'{day}T{clock}')
    except ValueError:
        return None
    value = value.replace(microsecond=int((fraction + '000000')[:6]))
    if offset and offset.upper() != 'Z':
        sign = 1 if offset[0] == '+' else -1
        digits = offset[1:].replace(':', '')
        delta = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value = value.replace(tzinfo=datetime.timezone(sign * delta))
    else:
        value = value.replace(tzinfo=_UTC)  # Docker's own times are UTC; Nova's lack an offset and are too
    return value.astimezone(_UTC), fraction


def _parse(value: object) -> tuple[datetime.datetime, str] | None:
    if isinstance(value, datetime.datetime):
        aware = value if timezone.is_aware(value) else value.replace(tzinfo=_UTC)
        return aware.astimezone(_UTC), f'{aware.microsecond:06d}'.rstrip('0')
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        seconds = float(value)
        if seconds <= 0:
            return None
        try:
            return datetime.datetime.fromtimestamp(seconds, tz=_UTC), ''
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        parsed = _parse_iso(value)
        # Go's zero time (and anything before the epoch) is Docker's "never".
        if parsed is not None and parsed[0].year > 1970:
            return parsed
    return None


def parse(value: object) -> datetime.datetime | None:
    """A Docker time (Unix seconds, RFC 3339 text, datetime) as an aware UTC datetime; None for none."""
    parsed = _parse(value)
    return parsed[0] if parsed else None


def exact(value: object) -> str:
    """ISO 8601 in UTC with the precision Docker gave ('2026-12-02T15:30:47.123456789Z'); '' for none."""
    parsed = _parse(value)
    if parsed is None:
        return ''
    moment, fraction = parsed
    return moment.strftime('%Y-%m-%dT%H:%M:%S') + (f'.{fraction}' if fraction else '') + 'Z'


def local_text(value: object) -> str:
    """The time in the active (the user's) timezone, in the active language's date-time format."""
    moment = parse(value)
    if moment is None:
        return ''
    return formats.localize(timezone.template_localtime(moment))


def html(value: object, empty: str = '-') -> str:
    """`<time>` showing `local_text`, the exact UTC value as its datetime and title; `empty` when none."""
    moment = parse(value)
    if moment is None:
        return format_html('{}', empty)
    iso = exact(value)
    return format_html('<time datetime="{}" title="{}">{}</time>', iso, iso, local_text(moment))


def current_zone() -> str:
    """The active (the user's) timezone name, for a page whose script formats times itself."""
    return timezone.get_current_timezone_name()
