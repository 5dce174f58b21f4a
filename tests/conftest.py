"""Shared pytest setup: the repository's tools/ is importable (the dockerd harness lives there), and the
stack fixtures are registered once for the whole run (one `openstack` instance, one stack lock)."""
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(REPO, 'tools')
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

pytest_plugins = ['tests.stackfixtures']
