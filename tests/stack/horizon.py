"""A logged-in browser-less Horizon session (requests) against the stack's real Horizon."""
from __future__ import annotations

import html
import re

import requests

_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>', re.I)
_ATTR = re.compile(r'(name|value)="([^"]*)"')


def hidden_fields(page: str) -> dict:
    fields = {}
    for tag in _HIDDEN.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if 'name' in attrs:
            fields[attrs['name']] = html.unescape(attrs.get('value', ''))
    return fields


class Horizon:
    """Logs in through /auth/login/ like a person, then GETs and POSTs pages with the session cookie."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip('/')
        self.http = requests.Session()
        self.http.trust_env = False
        login = self.get('/auth/login/')
        data = hidden_fields(login.text)
        data.update({'username': username, 'password': password})
        if 'name="domain"' in login.text:
            data['domain'] = 'Default'
        response = self.post('/auth/login/', data)
        if '/auth/login/' in response.url or response.status_code >= 400:
            raise AssertionError(f'Horizon login as {username} failed ({response.status_code})')

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault('timeout', 60)
        return self.http.get(self.base_url + path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        kwargs.setdefault('timeout', 60)
        headers = kwargs.pop('headers', {})
        headers.setdefault('Referer', self.base_url + path)
        data = dict(data)
        data.setdefault('csrfmiddlewaretoken', self.http.cookies.get('csrftoken', ''))
        return self.http.post(self.base_url + path, data=data, headers=headers, **kwargs)

    def tab(self, path: str, tab: str) -> requests.Response:
        """One lazily loaded detail tab, fetched the way Horizon's JavaScript does."""
        return self.get(f'{path}?tab={tab}', headers={'X-Requested-With': 'XMLHttpRequest'})
