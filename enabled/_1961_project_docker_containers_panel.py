# Project > Docker > Containers. The slug is docker_containers: Horizon's own
# Object Store panel is already called "containers".
PANEL = 'docker_containers'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'docker'

ADD_PANEL = 'docker_dashboard.content.containers.panel.Containers'
