"""docker-dashboard: Docker containers and images in OpenStack Horizon."""
