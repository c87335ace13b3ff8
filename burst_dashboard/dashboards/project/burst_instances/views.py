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

from horizon import views

from burst_dashboard.api import economics as economics_api
from burst_dashboard.api import instances as instances_api
from burst_dashboard.dashboards import economics_base
from burst_dashboard.dashboards import instances_base as base
from burst_dashboard.dashboards.project.burst_instances \
    import tables as project_tables

# No repatriation candidates for members: that is the admin's decision.
PROJECT_SHOW = ('all', 'local', 'ec2', 'drift')


class IndexView(base.InventoryView):
    table_class = project_tables.ProjectInventoryTable
    template_name = 'burst_dashboard/burst_instances/index.html'
    page_title = _("Burst Instances")
    show_choices = PROJECT_SHOW
    show_ec2_reason = False
    sort_choices = tuple(k for k in base.inventory.SORT_KEYS
                         if k != 'project')

    def load_inventory(self, newest=None, order=None):
        return instances_api.project_inventory(self.request, newest, order,
                                               instead=self._need())

    def visible_rows(self, inv):
        # project_inventory reads only this project; checked here again so
        # that nothing of another project (rows, figures) reaches the page.
        project_id = self.request.user.project_id
        return [r for r in inv.rows if r.project_id == project_id]


class SpendView(economics_base.HistoryMixin, views.HorizonTemplateView):
    """The project's own demand and EC2 spend: no figure of the cloud."""
    template_name = 'burst_dashboard/burst_instances/spend.html'
    page_title = _("Burst Spend")

    def read_history(self, period):
        return economics_api.project_history(self.request, period)

    def get_context_data(self, **kwargs):
        return self.history_context(super().get_context_data(**kwargs))
