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
from horizon import tables

from burst_core import economics
from burst_dashboard.api import economics as economics_api
from burst_dashboard.dashboards.admin.burst_spend import tables as \
    spend_tables
from burst_dashboard.dashboards import economics_base as base


class IndexView(base.HistoryMixin, tables.DataTableView):
    table_class = spend_tables.ShowbackTable
    template_name = 'burst_dashboard/spend/index.html'
    page_title = _("Burst Spend")

    def read_history(self, period):
        return economics_api.admin_history(self.request, period)

    def get_data(self):
        history = self.history()
        if history is None:
            return []
        return spend_tables.showback_rows(history)

    def _break_even(self, history):
        try:
            per_vcpu = economics_api.owning_usd_per_vcpu_month(
                history.host_vcpus)
        except economics_api.OwningCostNotSet:
            return None, None
        except (TypeError, ValueError) as e:
            messages.warning(self.request, _(
                "BURST_DASHBOARD['owning'] is not usable (%s): no "
                "break-even.") % e)
            return None, None
        return per_vcpu, economics.break_even(
            history.runs, history.start, history.end, history.end, per_vcpu)

    def get_context_data(self, **kwargs):
        context = self.history_context(
            super().get_context_data(**kwargs))
        if context['history'] is not None:
            context['per_vcpu_month'], context['break_even'] = \
                self._break_even(context['history'])
        return context
