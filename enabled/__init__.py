"""Horizon enabled files of docker-dashboard (installed as docker_dashboard.enabled).

Copy the numbered files into openstack_dashboard/local/enabled/ to turn the plugin on.
"""
