"""`{% load docker_format %}`: Docker's values shown the way users read and reuse them.

`{{ value|docker_time }}`: a Docker time as Horizon shows times (the user's timezone and format), the
exact ISO 8601 UTC value on hover. `{{ argv|shell_line }}`: a command's argument list quoted as a
POSIX shell needs it, so the text can be copied and run as it is.
"""
import shlex

from django import template

from docker_dashboard import timefmt

register = template.Library()


@register.filter(name='docker_time')
def docker_time(value, empty='-'):
    """The time in the user's timezone and format, the exact ISO 8601 UTC value on hover."""
    return timefmt.html(value, empty)


@register.filter(name='shell_line')
def shell_line(argv):
    """["sh", "-c", "a; b"] -> "sh -c 'a; b'" (a string is Docker's shell form: shown as it is)."""
    if isinstance(argv, str):
        return argv
    return shlex.join(str(arg) for arg in argv or ())
