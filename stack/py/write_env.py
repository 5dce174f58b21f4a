"""Write STACK_DIR/stack.env and stack.json (endpoints, docker hosts, TLS files, credentials file path)
and STACK_DIR/credentials.json (mode 600). With --banner, print the login block."""
import json
import os
import sys

from common import STACK_DIR, secrets

TLS = os.path.join(STACK_DIR, 'docker', 'docker-host-2', 'tls')


def running_driver():
    try:
        with open(os.path.join(STACK_DIR, 'run', 'nova-compute-1.driver')) as handle:
            return handle.read().strip()
    except OSError:
        return ''


def data():
    return {
        'STACK_DIR': STACK_DIR,
        'OS_AUTH_URL': 'http://127.0.0.1:5000/v3',
        'OS_REGION_NAME': 'RegionOne',
        'KEYSTONE_URL': 'http://127.0.0.1:5000/v3',
        'GLANCE_URL': 'http://127.0.0.1:9292',
        'PLACEMENT_URL': 'http://127.0.0.1:8778',
        'NOVA_URL': 'http://127.0.0.1:8774/v2.1',
        'NEUTRON_URL': 'http://127.0.0.1:9696',
        'HORIZON_URL': 'http://127.0.0.1:8000',
        'REGISTRY': '127.0.0.1:5001',
        'CREDENTIALS_FILE': os.path.join(STACK_DIR, 'credentials.json'),
        'SECRETS_FILE': os.path.join(STACK_DIR, 'secrets.env'),
        'NOVA_MICROVERSION': '2.87',
        'DOCKER_HOSTS': 'docker-host-1 docker-host-2',
        'DOCKER_HOST_1_URL': 'unix:///run/ddash/docker-host-1/docker.sock',
        'DOCKER_HOST_2_URL': 'tcp://127.0.0.2:2376',
        'DOCKER_HOST_2_UNIX_URL': 'unix:///run/ddash/docker-host-2/docker.sock',
        'DOCKER_HOST_2_TLS_CA': os.path.join(TLS, 'ca.pem'),
        'DOCKER_HOST_2_TLS_CERT': os.path.join(TLS, 'client-cert.pem'),
        'DOCKER_HOST_2_TLS_KEY': os.path.join(TLS, 'client-key.pem'),
        'DOCKER_API_VERSION': '1.41',
        'NOVA_CONF': os.path.join(STACK_DIR, 'etc', 'nova', 'nova.conf'),
        'LOG_DIR': os.path.join(STACK_DIR, 'logs'),
        'COMPUTE_DRIVER': running_driver(),
    }


def credentials():
    sec = secrets()
    user = lambda name, password, project: {  # noqa: E731
        'username': name, 'password': password, 'project_name': project,
        'user_domain_id': 'default', 'project_domain_id': 'default',
        'auth_url': 'http://127.0.0.1:5000/v3'}
    return {'admin': user('admin', sec['ADMIN_PASS'], 'admin'),
            'demo': user('demo', sec['DEMO_PASS'], 'demo'),
            'demo2': user('demo2', sec['DEMO2_PASS'], 'demo2')}


def write(path, text, mode=0o644):
    fd = os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'w') as handle:
        handle.write(text)
    os.chmod(path + '.tmp', mode)
    os.replace(path + '.tmp', path)


def main(argv):
    values = data()
    creds = credentials()
    if '--banner' in argv:
        print(f'''
==================================================================
 docker-dashboard local OpenStack is ready
 Horizon:   {values["HORIZON_URL"]}/   (domain: Default)
   demo  / {creds["demo"]["password"]}    (project demo, member)
   demo2 / {creds["demo2"]["password"]}    (project demo2, member)
   admin / {creds["admin"]["password"]}    (project admin, admin)
 Keystone:  {values["KEYSTONE_URL"]}
 Registry:  {values["REGISTRY"]}   Docker hosts: docker-host-1, docker-host-2
 Endpoints: {STACK_DIR}/stack.env   Credentials: {values["CREDENTIALS_FILE"]}
 Status:    bash stack/status.sh     Stop: bash stack/stop.sh
==================================================================''')
        return 0
    write(values['CREDENTIALS_FILE'], json.dumps(creds, indent=2) + '\n', 0o600)
    write(os.path.join(STACK_DIR, 'stack.json'), json.dumps(values, indent=2) + '\n')
    write(os.path.join(STACK_DIR, 'stack.env'),
          ''.join(f"{key}='{value}'\n" for key, value in values.items()))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
