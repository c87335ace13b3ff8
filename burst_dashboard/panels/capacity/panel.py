from django.utils.translation import gettext_lazy as _

import horizon


class Capacity(horizon.Panel):
    """Admin → Cloud Bursting → Capacity: private and public side by side."""
    name = _("Capacity")
    slug = 'burst_capacity'
    permissions = ('openstack.services.compute',)
    policy_rules = (("compute", "os_compute_api:os-hypervisors:list-detail"),)
