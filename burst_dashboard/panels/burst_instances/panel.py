from django.utils.translation import gettext_lazy as _

import horizon


class BurstInstances(horizon.Panel):
    """Project → Compute → Burst Instances: the project's own instances,
    local and on EC2."""
    name = _("Burst Instances")
    slug = 'burst_instances'
    permissions = ('openstack.services.compute',)
    policy_rules = (("compute", "os_compute_api:servers:index"),)
