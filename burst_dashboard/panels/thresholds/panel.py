from django.utils.translation import gettext_lazy as _

import horizon

# Nova's rule for writing aggregate metadata, where the policy lives.
SET_METADATA_RULE = ("compute", "os_compute_api:os-aggregates:set_metadata")


class Thresholds(horizon.Panel):
    """Admin → Cloud Bursting → Thresholds: the burst policy, its preview
    and its edit form."""
    name = _("Thresholds")
    slug = 'burst_thresholds'
    permissions = ('openstack.services.compute',)
    policy_rules = (SET_METADATA_RULE,)
