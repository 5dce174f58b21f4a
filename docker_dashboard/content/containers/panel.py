from django.utils.translation import gettext_lazy as _

import horizon


class Containers(horizon.Panel):
    name = _('Containers')
    slug = 'docker_containers'
    permissions = ('openstack.services.compute',)
    policy_rules = (('compute', 'os_compute_api:servers:index'),)
