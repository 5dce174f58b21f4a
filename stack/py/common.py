"""Helpers shared by the seeding scripts: secrets, endpoints, authenticated sessions."""
import os

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

KEYSTONE_URL = 'http://127.0.0.1:5000/v3'
STACK_DIR = os.environ['STACK_DIR']


def secrets():
    values = {}
    with open(os.path.join(STACK_DIR, 'secrets.env')) as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith('#'):
                key, value = line.split('=', 1)
                values[key] = value.strip("'")
    return values


def session(username='admin', password=None, project='admin'):
    password = password or secrets()['ADMIN_PASS']
    auth = v3.Password(auth_url=KEYSTONE_URL, username=username, password=password, project_name=project,
                       user_domain_id='default', project_domain_id='default')
    return ks_session.Session(auth=auth, timeout=60)


def log(message):
    print(f'[seed] {message}', flush=True)
