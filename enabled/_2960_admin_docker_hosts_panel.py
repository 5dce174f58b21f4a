# Admin > Compute > Docker Hosts (admin policy only).
PANEL = 'docker_hosts'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'compute'

ADD_PANEL = 'docker_dashboard.content.hosts.panel.DockerHosts'
