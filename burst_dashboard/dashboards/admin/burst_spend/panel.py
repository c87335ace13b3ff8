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


class Spend(horizon.Panel):
    """Admin → Cloud Bursting → Spend: demand and EC2 spend over time,
    showback per project, the month's forecast, and bursting against
    owning the capacity."""
    name = _("Spend")
    slug = 'burst_spend'
    permissions = ('openstack.services.compute',)
    policy_rules = (("compute", "os_compute_api:os-hypervisors:list-detail"),)
