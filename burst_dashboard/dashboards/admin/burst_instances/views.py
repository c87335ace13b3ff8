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

from horizon import messages

from burst_dashboard.api import instances as instances_api
from burst_dashboard.dashboards.admin.burst_instances \
    import tables as inventory_tables
from burst_dashboard.dashboards import instances_base as base


class IndexView(base.InventoryView):
    table_class = inventory_tables.AdminInventoryTable
    template_name = 'burst_dashboard/instances/index.html'
    page_title = _("Burst Instances")
    filter_fields = (base.NAME, base.PROJECT, base.STACK)

    def load_inventory(self):
        return instances_api.admin_inventory(self.request)

    def _warn(self, inv):
        super()._warn(inv)
        if inv.policy_error:
            messages.warning(self.request, _(
                "The burst policy could not be read: %s. No Nova host is "
                "known to be an EC2 region: every Nova instance is listed "
                "as local and no repatriation candidates are marked.")
                % inv.policy_error)
        if inv.repatriation_error:
            messages.warning(self.request, inv.repatriation_error)
