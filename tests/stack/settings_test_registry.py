"""Horizon settings for the interrupted registry import: the stack's own settings, plus one more allowed
registry, the test's fake one (its address in $DDASH_TEST_REGISTRY), for this private Horizon only."""
import copy
import os

from openstack_dashboard.settings import *  # noqa: F401,F403 - the stack's settings, as they are
from openstack_dashboard.settings import DOCKER_DASHBOARD

DOCKER_DASHBOARD = copy.deepcopy(DOCKER_DASHBOARD)
DOCKER_DASHBOARD['registry_allowlist'] = list(DOCKER_DASHBOARD['registry_allowlist']) + [
    os.environ['DDASH_TEST_REGISTRY']]
# The stack compressed its static files for its own settings; this Horizon compresses what it needs itself.
COMPRESS_OFFLINE = False
