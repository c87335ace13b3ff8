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

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import messages
from horizon.utils import functions as utils
from horizon import views

from burst_core import inventory
from burst_core import policy
from burst_dashboard.api import decisions as decisions_api
from burst_dashboard.api import instances as instances_api
from burst_dashboard.dashboards.admin.burst_instances \
    import tables as inventory_tables
from burst_dashboard.dashboards import instances_base as base
from burst_dashboard import i18n


class IndexView(base.InventoryView):
    table_class = inventory_tables.AdminInventoryTable
    template_name = 'burst_dashboard/instances/index.html'
    page_title = _("Burst Instances")
    filter_fields = (base.NAME, base.PROJECT, base.STACK)
    # Admins' local list by creation: Nova's first page of each local host.
    first_page_lists = dict(base.InventoryView.first_page_lists,
                            local=('created',))

    def load_inventory(self, newest=None, order=None):
        return instances_api.admin_inventory(
            self.request, newest, ec2_side=self.show in base.EC2_LISTS,
            candidates=self.show == 'repatriate', order=order,
            local_side=self.show == 'local', leads=self._ec2_leads(),
            instead=self._need())

    def _ec2_leads(self):
        """The first page of every instance by price or cost, most first,
        is that of the EC2 side (instances on EC2, and the servers EC2
        names: strays' local servers) when enough of it has one: every
        other instance has none. So a cold cache may read only that side
        for it (``api.instances.admin_inventory``'s ``leads``): (sort
        key, the rows the page needs: a page and one, Horizon's "next"
        link), else None."""
        if self.show != 'all' or self.sort not in inventory.EC2_FIRST or \
                self.direction != base.DESC or not self._first_unfiltered():
            return None
        return self.sort, utils.get_page_size(self.request) + 1

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
        if inv.candidates_pending:
            messages.info(self.request, _(
                "Placement's usages are being read for the repatriation "
                "candidates: they are marked when you reload in a moment."))


class DecisionView(views.HorizonTemplateView):
    """One instance's decision record, whole: where the burst filter sent
    it, why, the private utilisation with it against the thresholds, and
    the policy revision; beside where Nova has it now."""
    template_name = 'burst_dashboard/instances/decision.html'
    page_title = _("Placement decision")
    index_url = reverse_lazy('horizon:admin:burst_instances:index')

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        instance_id = self.kwargs['instance_id']
        try:
            server = decisions_api.server(self.request, instance_id)
            summary, rec = decisions_api.record(self.request, instance_id)
        except ValueError as e:
            exceptions.handle(self.request, _(
                "The decision record of this instance cannot be read: %s")
                % e, redirect=self.index_url)
        except Exception:
            exceptions.handle(self.request, _(
                "Unable to retrieve the decision record."),
                redirect=self.index_url)
        context['server'] = server
        context['summary'] = summary
        context['record'] = rec
        context['host'] = server.get('OS-EXT-SRV-ATTR:host')
        if rec is not None:
            context['target'] = base.TARGET_LABELS.get(rec.target,
                                                       rec.target)
            context['reason'] = i18n.translated(rec.reason)
            context['summary_text'] = i18n.translated(rec.summary)
            context['resources'] = [
                (i18n.translated(policy.RESOURCE_LABELS[rc]),
                 rec.utilisation.get(rc), rec.thresholds.get(rc))
                for rc in policy.RESOURCES if rc in rec.utilisation]
        return context
