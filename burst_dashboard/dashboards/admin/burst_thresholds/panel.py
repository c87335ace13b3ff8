# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

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
