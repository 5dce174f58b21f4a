from django.utils.translation import gettext_lazy as _

import horizon


class DockerImages(horizon.Panel):
    name = _('Docker Images')
    slug = 'docker_images'
    permissions = ('openstack.services.image',)
    policy_rules = (('image', 'get_images'),)
