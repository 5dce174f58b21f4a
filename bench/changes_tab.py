"""Changes tab with 50,000 changed paths: time to the first rendered page (target < 2 s).

Starts a private dockerd (tools/dockerd.py), runs a container that creates --paths files in 500
directories, then times, in this process, what the tab does: `docker diff` through the plugin's api,
grouping and paging (content/containers/changes.py) and rendering the tab's template. Prints medians
(min/max) of --runs runs. No stack needed.

    .venv/bin/python bench/changes_tab.py [--paths 50000] [--runs 5] [--json FILE]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import types

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, 'tools')]
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.settings')

from bench import common  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--paths', type=int, default=2000 if common.quick() else 50000)
    parser.add_argument('--runs', type=int, default=2 if common.quick() else 5)
    parser.add_argument('--json', help='also write the figure to this file')
    args = parser.parse_args()

    import django
    django.setup()
    from django.conf import settings
    from django.template.loader import render_to_string

    import dockerd as harness
    from docker_dashboard import api
    from docker_dashboard.content.containers import changes as changes_tree

    daemon = harness.DockerDaemon(f'bench-{os.getpid()}', tempfile.mkdtemp(prefix='ddash-bench-'))
    daemon.start()
    try:
        daemon.build_base_image('busybox:latest')
        engine = daemon.client(timeout=600)
        per_dir = max(1, args.paths // 500)
        script = (f'for d in $(seq 1 500); do mkdir -p /data/d$d; cd /data/d$d; '
                  f'seq 1 {per_dir} | xargs touch; done')
        container = engine.create_container('busybox:latest', command=['sh', '-c', script],
                                            labels={'org.openstack.nova.instance_uuid': 'bench'},
                                            host_config=engine.create_host_config(network_mode='none'))
        engine.start(container)
        engine.wait(container, timeout=600)
        settings.DOCKER_DASHBOARD = {'hosts': {'bench': {'url': daemon.unix_url}}, 'timeout': 60}
        server = {'id': 'bench', 'OS-EXT-SRV-ATTR:host': 'bench'}
        request = types.SimpleNamespace(user=types.SimpleNamespace(project_id='p'))
        found = api.containers.container_for_server(request, server)
        timings, diff_times, total = [], [], 0
        for _ in range(args.runs):
            started = time.perf_counter()
            diff = api.containers.container_changes(found)
            diff_times.append(time.perf_counter() - started)
            page = changes_tree.changes_page(diff, 1)
            html = render_to_string('docker_dashboard/containers/_detail_changes.html',
                                    {'container': found, 'changes': page})
            timings.append(time.perf_counter() - started)
            total = len(diff)
        note = (f'{page.total_directories} directories, first page {len(html) // 1024} KB; of which docker diff '
                f'through the api: median {statistics.median(diff_times):.3f} s')
        common.write_figures(args.json, 'changes_tab', [
            common.figure('changes_tab', f'changes tab, {total} changed paths, first page render', 's', timings,
                          2.0, 'bound', ('<', 1.0), note)], paths=total, diff_s=diff_times)
    finally:
        daemon.destroy()
    return 0


if __name__ == '__main__':
    sys.exit(main())
