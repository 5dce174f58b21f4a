"""Horizon settings for the Docker host failure journey: the stack's own settings, except that the plugin
reaches docker-host-2's Docker Engine at a closed port, so that host looks down to this Horizon only
(the shared stack's dockerd, nova-compute and Horizon keep running for everyone else)."""
import copy

from openstack_dashboard.settings import *  # noqa: F401,F403 - the stack's settings, as they are
from openstack_dashboard.settings import DOCKER_DASHBOARD

DOWN_HOST = 'docker-host-2'
DOCKER_DASHBOARD = copy.deepcopy(DOCKER_DASHBOARD)
DOCKER_DASHBOARD['hosts'][DOWN_HOST]['url'] = 'tcp://127.0.0.2:9'   # discard port: nothing listens
# The stack compressed its static files for its own settings; this Horizon compresses what it needs itself.
COMPRESS_OFFLINE = False
