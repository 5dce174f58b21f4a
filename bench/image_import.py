"""Image import registry -> Glance through our wizard vs `docker pull` + `docker save | openstack image create`,
same image, same import host, same run (needs `make run`).

Builds an image of --mb megabytes of random data in --layers layers on the import host (docker-host-1), pushes
it to the stack's registry and removes it from the host, so every run pulls it afresh. Then, alternately:
 ours:     the Docker Images import wizard of the stack's Horizon (registry source), from the form POST to
           the progress page saying done (pull, save, streamed upload with the user's token);
 baseline: `docker pull` + `docker save REF | openstack image create --container-format docker ...` on the
           same host, with the same user.
Reports MB/s of each (the Glance image size over the wall time), the ratio (target >= 0.9), and the peak
growth of the Horizon processes' resident memory during our import (target < 50 MB). Deletes the Glance
images, the host's copies and the registry tag.

    .venv/bin/python bench/image_import.py [--mb 500] [--layers 5] [--runs 3] [--json FILE]
"""
from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import common  # noqa: E402
from tests.stack.horizon import Horizon  # noqa: E402

HOST = 'docker-host-1'          # the stack's import host (stack/etc/horizon/_1920_docker_dashboard.py)
IMPORT = '/project/docker_images/import/'
AJAX = {'X-Requested-With': 'XMLHttpRequest'}
RUN = uuid.uuid4().hex[:8]


def build_and_push(env: dict, engine, mb: int, layers: int) -> str:
    """An image of `mb` MB random data in `layers` layers, only in the registry; returns its reference."""
    per_layer = max(1, mb * 1024 * 1024 // layers)
    steps = ''.join(f'RUN head -c {per_layer} /dev/urandom > /data{i}\n' for i in range(layers))
    dockerfile = f'FROM busybox:latest\n{steps}CMD ["sleep", "3600"]\n'
    repository = f'{env["REGISTRY"]}/bench-import-{RUN}'
    for event in engine.build(fileobj=io.BytesIO(dockerfile.encode()), tag=f'{repository}:v1', rm=True,
                              network_mode='none', decode=True):
        if 'error' in event:
            raise SystemExit(f'building the benchmark image failed: {event["error"]}')
    for event in engine.push(repository, tag='v1', stream=True, decode=True):
        if 'error' in event:
            raise SystemExit(f'pushing the benchmark image failed: {event["error"]}')
    engine.remove_image(f'{repository}:v1')
    return f'{repository}:v1'


def delete_from_registry(env: dict, reference: str) -> None:
    repository, tag = reference.split('/', 1)[1].rsplit(':', 1)
    url = f'http://{env["REGISTRY"]}/v2/{repository}/manifests/{tag}'
    head = urllib.request.Request(url, method='HEAD', headers={
        'Accept': 'application/vnd.docker.distribution.manifest.v2+json'})
    with urllib.request.urlopen(head, timeout=10) as response:
        digest = response.headers['Docker-Content-Digest']
    urllib.request.urlopen(urllib.request.Request(url.replace(f'/{tag}', '/' + digest), method='DELETE'),
                           timeout=10).close()


def forget_on_host(engine, *refs: str) -> None:
    """Remove the host's copies so the next run pulls every layer again."""
    for ref in refs:
        try:
            engine.remove_image(ref, force=True)
        except Exception:  # noqa: BLE001 - not there
            pass


def wizard_import(horizon: Horizon, reference: str, name: str) -> tuple:
    """(seconds from the form POST to done, Glance image id)."""
    data = {'source': 'registry', 'reference': reference, 'repo_tag': '', 'server_id': '', 'name': name,
            'visibility': 'private', 'os_command_line': '', 'min_ram': '0'}
    horizon.get(IMPORT)   # the form's CSRF cookie
    started = time.perf_counter()
    response = horizon.post(IMPORT, data, allow_redirects=False)
    if response.status_code != 302:
        raise SystemExit(f'the import wizard refused the import: HTTP {response.status_code}')
    progress = response.headers['Location'].replace(horizon.base_url, '')

    def finished():
        page = horizon.get(progress, headers=AJAX)
        phase = re.search(r'data-phase="([a-z]+)"', page.text).group(1)
        return page if phase in ('done', 'failed') else None
    page = common.wait_until(finished, 1800, 'the wizard import', 0.25)
    elapsed = time.perf_counter() - started
    found = re.search(r'/project/docker_images/([0-9a-f-]{36})/', page.text)
    if 'data-phase="done"' not in page.text or not found:
        raise SystemExit(f'the wizard import failed: {re.sub(r"<[^>]+>", " ", page.text)[:500]}')
    return elapsed, found.group(1)


def cli_import(env: dict, creds: dict, reference: str, name: str) -> float:
    c = creds['demo']
    osc = dict(common.docker_cli_env(env, HOST), OS_AUTH_URL=c['auth_url'], OS_USERNAME=c['username'],
               OS_PASSWORD=c['password'], OS_PROJECT_NAME=c['project_name'], OS_USER_DOMAIN_ID='default',
               OS_PROJECT_DOMAIN_ID='default', OS_IDENTITY_API_VERSION='3', OS_INTERFACE='public')
    openstack = os.path.join(common.REPO, '.venv', 'bin', 'openstack')
    script = (f'docker pull -q "$REF" >/dev/null && docker save "$REF" | {openstack} image create '
              f'--container-format docker --disk-format raw --private -f value -c id "$NAME"')
    started = time.perf_counter()
    subprocess.run(['bash', '-o', 'pipefail', '-c', script], env=dict(osc, REF=reference, NAME=name), check=True,
                   stdout=subprocess.DEVNULL, timeout=1800)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--mb', type=int, default=20 if common.quick() else 500)
    parser.add_argument('--layers', type=int, default=2 if common.quick() else 5)
    parser.add_argument('--runs', type=int, default=1 if common.quick() else 3)
    parser.add_argument('--json')
    args = parser.parse_args()
    env, creds = common.stack_env()
    _session, _nova, glance = common.clients(env, creds, 'demo')
    engine = common.docker_client(env, HOST, timeout=1800)
    horizon = Horizon(env['HORIZON_URL'], creds['demo']['username'], creds['demo']['password'])
    reference = build_and_push(env, engine, args.mb, args.layers)
    ours, cli, growth, sizes = [], [], [], []
    try:
        for run in range(args.runs):
            watch = common.RSSWatch(common.horizon_pids(env))
            seconds, image_id = wizard_import(horizon, reference, f'bench-import-{RUN}-ours-{run}:v1')
            growth.append(watch.stop() / common.MB)
            size = glance.images.get(image_id)['size']
            sizes.append(size)
            ours.append(size / common.MB / seconds)
            glance.images.delete(image_id)
            forget_on_host(engine, f'glance/{image_id}:latest', reference)

            name = f'bench-import-{RUN}-cli-{run}:v1'
            seconds = cli_import(env, creds, reference, name)
            cli.append(size / common.MB / seconds)
            forget_on_host(engine, reference)
    finally:
        for image in glance.images.list():
            if (image.get('name') or '').startswith(f'bench-import-{RUN}-'):
                glance.images.delete(image['id'])
        forget_on_host(engine, reference)
        delete_from_registry(env, reference)
    size_mb = sizes[0] / common.MB if sizes else args.mb
    rows = [
        common.figure('image_import_rate', f'image import registry -> Glance, {size_mb:.0f} MB in {args.layers} layers',
                      'MB/s', ours, cli, '`docker pull` + `docker save | openstack image create`', ('>=', 0.9),
                      'both sides pull every layer from the registry, then stream the docker-save tarball to Glance',
                      True),
        common.figure('image_import_memory', f'image import memory, Horizon peak RSS growth, {size_mb:.0f} MB image',
                      'MB', growth, 50.0, 'bound', ('<', 1.0)),
    ]
    common.write_figures(args.json, 'image_import', rows, mb=args.mb, layers=args.layers, size_bytes=sizes)
    return 0


if __name__ == '__main__':
    sys.exit(main())
