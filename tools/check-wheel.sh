#!/usr/bin/env bash
# Builds the wheel, installs it into a clean venv beside Horizon 27, and proves that the installed
# package carries enabled/, static/ and templates/ and that Horizon registers the three panels.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/ddash-wheel.XXXXXX)
# setuptools builds in the checkout: a leftover build/ would put deleted modules into the wheel, and a
# leftover *.egg-info (the checkout is on sys.path in tests) would shadow the installed entry points
clean_tree() { rm -rf "$repo/build" "$repo"/*.egg-info; }
trap 'rm -rf "$work"; clean_tree' EXIT
clean_tree
"$repo/.venv/bin/pip" wheel -q --no-deps --no-build-isolation -w "$work/dist" "$repo"
wheel=$(ls "$work"/dist/docker_dashboard-*.whl)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check -c "$repo/constraints.txt" pip setuptools wheel
"$work/venv/bin/pip" install -q --disable-pip-version-check -c "$repo/constraints.txt" "$wheel"
cp "$repo/tools/wheel_check_settings.py" "$work/"
cd "$work"   # nothing from the checkout on sys.path
"$work/venv/bin/python" -c "import docker_dashboard.enabled" 
PYTHONPATH="$work" DJANGO_SETTINGS_MODULE=wheel_check_settings "$work/venv/bin/python" - <<'PY'
import os
import django
django.setup()
import horizon
import docker_dashboard
from django.contrib.staticfiles import finders
from django.template import loader

package = os.path.dirname(docker_dashboard.__file__)
assert 'site-packages' in package, package
for name in ('enabled/_1961_project_docker_containers_panel.py', 'templates/docker_dashboard/containers/index.html',
             'static/docker_dashboard/docker_dashboard.css', 'local_settings.d/_1960_docker_dashboard.py.example'):
    assert os.path.isfile(os.path.join(package, name)), f'{name} missing from the wheel'
assert loader.get_template('docker_dashboard/containers/index.html')
assert finders.find('docker_dashboard/docker_dashboard.css'), 'static file not found by Django finders'
horizon.base.Horizon._urls()  # registers dashboards and panels as Horizon does at start-up
project, admin = horizon.get_dashboard('project'), horizon.get_dashboard('admin')
panels = [('project', project.get_panel('docker_containers')), ('project', project.get_panel('docker_images')),
          ('admin', admin.get_panel('docker_hosts'))]
print('wheel check: installed at', package)
print('wheel check: panels', ', '.join(f'{dash}/{panel.slug}' for dash, panel in panels))
PY
echo "wheel check: OK ($(basename "$wheel"))"
