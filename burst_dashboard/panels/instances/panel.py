from django.utils.translation import gettext_lazy as _

import horizon


class Instances(horizon.Panel):
    """Admin → Cloud Bursting → Instances: every instance of every project,
    local and on EC2, side by side, with drift and repatriation
    candidates."""
    name = _("Instances")
    slug = 'burst_instances'
    permissions = ('openstack.services.compute',)
    policy_rules = (("compute",
                     "os_compute_api:servers:detail:get_all_tenants"),)
