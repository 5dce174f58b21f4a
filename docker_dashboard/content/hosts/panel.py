from django.utils.translation import gettext_lazy as _

import horizon


class DockerHosts(horizon.Panel):
    name = _('Docker Hosts')
    slug = 'docker_hosts'
    permissions = ('openstack.roles.admin',)
    policy_rules = (('compute', 'context_is_admin'),)
