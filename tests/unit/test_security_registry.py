"""Registry allowlist bypass attempts: every reference that is not exactly an allowed registry is refused
before any pull, with a message that says which registry was refused (or that the text is no reference)."""
import pytest
from django.test import override_settings

from docker_dashboard.api import image_import

ALLOWED = '127.0.0.1:5001'
SETTINGS = {'hosts': {'docker-host-1': {'url': 'unix:///nonexistent.sock'}}, 'import_host': 'docker-host-1',
            'registry_allowlist': [ALLOWED, 'Registry.Example.com']}

# Each would reach a registry other than the two allowed ones if the check were loose.
BYPASSES = [
    'evil.example.com/127.0.0.1:5001/busybox:latest',  # allowed host as a path
    'user@127.0.0.1:5001/busybox:latest',              # userinfo
    '127.0.0.1:5001@evil.example.com/busybox:latest',  # userinfo the other way round
    '127.0.0.1:5002/busybox:latest',                   # another port
    '127.0.0.1/busybox:latest',                        # default port
    '127.0.0.1:05001/busybox:latest',                  # same port, other spelling
    'localhost:5001/busybox:latest',                   # an alias of the allowed address
    '127.1:5001/busybox:latest',                       # short IPv4 form
    '2130706433:5001/busybox:latest',                  # decimal IPv4 form
    '[::1]:5001/busybox:latest',                       # IPv6 loopback
    '127.0.0.1.:5001/busybox:latest',                  # trailing dot
    'registry.example.com./busybox:latest',            # trailing dot on an allowed name
    'registry.example.com:443/busybox:latest',         # explicit port of an allowed name
    'registry.example.com.evil.org/busybox:latest',    # allowed name as a prefix
    'evil-registry.example.com/busybox:latest',        # allowed name as a suffix
    'rеgistry.example.com/busybox:latest',             # Cyrillic "е" (IDN homograph)
    'xn--rgistry-9fg.example.com/busybox:latest',      # its punycode form
    'http://127.0.0.1:5001/busybox:latest',            # scheme
    'https://registry.example.com/busybox:latest',
    '//127.0.0.1:5001/busybox:latest',                 # scheme-relative
    '127.0.0.1:5001\\@evil.example.com/busybox',      # backslash tricks
    '127.0.0.1:5001/busybox@sha256:' + 'a' * 64,       # digest (not supported: cannot be checked by tag)
    '127.0.0.1:5001/../evil/busybox:latest',           # path traversal in the repository
    '127.0.0.1:5001/busybox:latest\nevil.example.com/x',  # a second line
    '127.0.0.1:5001/busybox:latest evil.example.com/x',   # a second word
    '127.0.0.1:5001%2Fevil.example.com/busybox',       # encoded slash
    'busybox:latest',                                  # Docker Hub (not in the allowlist)
    'docker.io/library/busybox:latest',
    'index.docker.io/library/busybox:latest',
    '１２７.0.0.1:5001/busybox:latest',                   # full-width digits
    '127.0.0.1:5001/busybox:latest\u200b',             # zero-width space
    '',
]

ACCEPTED = [
    ('127.0.0.1:5001/busybox:latest', ALLOWED),
    ('127.0.0.1:5001/team/app:1.0', ALLOWED),
    ('registry.example.com/busybox', 'registry.example.com'),
    ('REGISTRY.example.COM/busybox:v2', 'registry.example.com'),  # host names are case-insensitive
]


@override_settings(DOCKER_DASHBOARD=SETTINGS)
@pytest.mark.parametrize('text', BYPASSES)
def test_bypass_attempt_is_refused_with_a_clear_message(text):
    with pytest.raises(image_import.ImportFailed) as refused:
        image_import.check_allowed(image_import.parse_reference(text))
    message = str(refused.value)
    assert 'not allowed' in message or 'is not an image reference' in message, message


@override_settings(DOCKER_DASHBOARD=SETTINGS)
@pytest.mark.parametrize('text,registry', ACCEPTED)
def test_exactly_allowed_registries_pass(text, registry):
    reference = image_import.parse_reference(text)
    image_import.check_allowed(reference)
    assert reference.registry == registry
    assert reference.repository.startswith(registry + '/')


@override_settings(DOCKER_DASHBOARD=SETTINGS)
def test_refusal_names_the_refused_and_the_allowed_registries():
    with pytest.raises(image_import.RegistryNotAllowed) as refused:
        image_import.check_allowed(image_import.parse_reference('evil.example.com/busybox:latest'))
    assert 'evil.example.com' in str(refused.value)
    assert ALLOWED in str(refused.value)
