"""The launcher: nova's threading set-up first, then compute_driver = docker.DockerDriver loads us."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = '''
import sys
import nova_docker.cmd.compute as launcher
from nova import monkey_patch
assert not monkey_patch.is_patched(), 'nova 34 defaults to native threads for nova-compute'
assert 'eventlet' not in sys.modules
launcher.register()
from nova.virt import driver
drv = driver.load_compute_driver(None, 'docker.DockerDriver')
print(type(drv).__module__, type(drv).__name__, 'eventlet' in sys.modules)
'''


def test_launcher_makes_nova_load_the_docker_driver() -> None:
    result = subprocess.run([sys.executable, '-c', SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ['nova_docker.driver', 'DockerDriver', 'False']
