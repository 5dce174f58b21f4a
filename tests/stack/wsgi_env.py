"""Horizon's WSGI application under the settings module that DJANGO_SETTINGS_MODULE names
(openstack_dashboard.wsgi always forces openstack_dashboard.settings): for private test Horizons."""
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
