"""Service users, roles, catalog, and the demo projects and users, in one keystoneclient session.

Idempotent: every object is looked up before it is created.
"""
import sys

from keystoneclient.v3 import client as ks_client

from common import log, secrets, session

SERVICES = [  # name, type, description, URL
    ('nova', 'compute', 'Nova Compute', 'http://127.0.0.1:8774/v2.1'),
    ('glance', 'image', 'Glance Image', 'http://127.0.0.1:9292'),
    ('placement', 'placement', 'Placement', 'http://127.0.0.1:8778'),
    ('neutron', 'network', 'Neutron Networking', 'http://127.0.0.1:9696'),
]
SERVICE_USERS = ('nova', 'glance', 'placement', 'neutron')


def main():
    sec = secrets()
    ks = ks_client.Client(session=session(), interface='public')
    default = ks.domains.get('default')

    def project(name, description):
        found = ks.projects.list(name=name, domain=default)
        return found[0] if found else ks.projects.create(name, default, description=description)

    def role(name):
        found = ks.roles.list(name=name)
        return found[0] if found else ks.roles.create(name)

    def user(name, password, proj):
        found = ks.users.list(name=name, domain=default)
        if found:
            return found[0]
        return ks.users.create(name, domain=default, password=password, default_project=proj)

    def grant(role_, user_, proj):
        if not ks.role_assignments.list(user=user_, project=proj, role=role_):
            ks.roles.grant(role_, user=user_, project=proj)

    admin_role, member, service_role = role('admin'), role('member'), role('service')
    reader = role('reader')  # noqa: F841 (bootstrap creates it; make sure it exists)
    service = project('service', 'OpenStack services')
    for name in SERVICE_USERS:
        account = user(name, sec['SERVICE_PASS'], service)
        grant(admin_role, account, service)
        # nova-api's X-Service-Token must carry the service role (neutron/keystonemiddleware check it)
        grant(service_role, account, service)

    existing = {s.name: s for s in ks.services.list()}
    endpoints = ks.endpoints.list()
    for name, type_, description, url in SERVICES:
        svc = existing.get(name) or ks.services.create(name, type_, description=description)
        have = {e.interface for e in endpoints if e.service_id == svc.id}
        for interface in ('public', 'internal', 'admin'):
            if interface not in have:
                ks.endpoints.create(svc, url, interface=interface, region='RegionOne')

    admin_project = ks.projects.list(name='admin', domain=default)[0]
    admin = ks.users.list(name='admin', domain=default)[0]
    grant(admin_role, admin, admin_project)
    for name, password in (('demo', sec['DEMO_PASS']), ('demo2', sec['DEMO2_PASS'])):
        proj = project(name, f'{name} project')
        grant(member, user(name, password, proj), proj)
    log('keystone: service users, roles, catalog, projects demo/demo2, users demo/demo2 ready')
    return 0


if __name__ == '__main__':
    sys.exit(main())
