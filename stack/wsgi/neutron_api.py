"""neutron API WSGI entry point for uwsgi (module neutron_api:application).

neutron.wsgi.api builds the app; a fresh worker then answers its first GET /v2.0/ports with HTTP 500
("type object 'Port' has no attribute 'port_forwardings'") until the SQLAlchemy mappers are configured,
so configure them right away.
"""
import sqlalchemy.orm

from neutron.wsgi.api import application  # noqa: F401

sqlalchemy.orm.configure_mappers()
