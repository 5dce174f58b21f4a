# Project > Docker > Docker Images.
PANEL = 'docker_images'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'docker'

ADD_PANEL = 'docker_dashboard.content.images.panel.DockerImages'
