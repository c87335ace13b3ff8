from django.utils.translation import gettext_lazy as _

import horizon

from burst_dashboard.api import instances as instances_api


class BurstInstances(horizon.Panel):
    """Project → Compute → Burst Instances: the project's own instances,
    local and on EC2. Hidden (and refused) while bursting is not
    configured for this dashboard."""
    name = _("Burst Instances")
    slug = 'burst_instances'
    permissions = ('openstack.services.compute',)
    policy_rules = (("compute", "os_compute_api:servers:index"),)

    def allowed(self, context):
        if not instances_api.is_configured():
            return False
        return super().allowed(context)
