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

import logging

from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import messages
from horizon import tables
from horizon.utils import memoized
from openstack_dashboard import policy as horizon_policy

from burst_core import policy
from burst_core import prices
from burst_dashboard.api import burst as burst_api
from burst_dashboard.dashboards.admin.burst_thresholds \
    import forms as thresholds_forms
from burst_dashboard.dashboards.admin.burst_thresholds import panel
from burst_dashboard.dashboards.admin.burst_thresholds \
    import tables as thresholds_tables
from burst_dashboard import i18n

INDEX_URL = 'horizon:admin:burst_thresholds:index'
LOG = logging.getLogger(__name__)


def _private_utilisation(data, burst_policy):
    pool = data.private_pool(burst_policy)
    return {'hosts': len(pool.hosts),
            'resources': [(i18n.translated(policy.RESOURCE_LABELS[rc]),
                           pool.utilisation(rc),
                           burst_policy.enter(rc))
                          for rc in policy.RESOURCES]}


class IndexView(tables.MultiTableView):
    table_classes = (thresholds_tables.PolicyTable,
                     thresholds_tables.PreviewTable)
    template_name = 'burst_dashboard/thresholds/index.html'
    page_title = _("Burst Thresholds")

    @memoized.memoized
    def _load(self):
        self._policy_state, self._not_found, self._pools = None, None, None
        try:
            self._policy_state = burst_api.policy_get(self.request)
        except burst_api.AggregateNotFound as e:
            self._not_found = str(e)
            return
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to retrieve the burst policy."))
            return
        try:
            # Only for "changed outside the dashboard": the page does
            # without it.
            self._policy_state.lock = burst_api.policy_lock(self.request)
        except Exception as e:
            LOG.warning('Could not read the burst policy lock: %s', e)
        try:
            self._pools = burst_api.preview_data(self.request,
                                                 self._policy_state)
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to compute the preview from Nova "
                                "and Placement."))

    def get_policy_data(self):
        self._load()
        if self._policy_state is None:
            return []
        return thresholds_tables.policy_rows(self._policy_state)

    def get_preview_data(self):
        self._load()
        if self._pools is None:
            return []
        return burst_api.preview(self._pools, self._policy_state.policy)

    def get_context_data(self, **kwargs):
        self._load()
        context = super().get_context_data(**kwargs)
        context.update(
            state=self._policy_state, not_found=self._not_found,
            aggregate_name=burst_api.aggregate_name(),
            rule=panel.SET_METADATA_RULE[1],
            prices_date=prices.table_date())
        if self._pools is not None:
            context['utilisation'] = _private_utilisation(
                self._pools, self._policy_state.policy)
        return context


class UpdateView(forms.ModalFormView):
    form_class = thresholds_forms.ThresholdsForm
    template_name = 'burst_dashboard/thresholds/update.html'
    modal_id = 'update_thresholds_modal'
    form_id = 'update_thresholds_form'
    modal_header = _("Edit Thresholds")
    page_title = _("Edit Thresholds")
    submit_label = _("Save")
    submit_url = reverse_lazy('horizon:admin:burst_thresholds:update')
    success_url = reverse_lazy(INDEX_URL)

    def dispatch(self, request, *args, **kwargs):
        # The panel checks the rule too; writing the policy must never
        # depend on how the view is reached.
        if not horizon_policy.check((panel.SET_METADATA_RULE,), request):
            raise exceptions.NotAuthorized(
                _("You are not authorized to change the burst thresholds."))
        return super().dispatch(request, *args, **kwargs)

    @memoized.memoized
    def _state(self):
        try:
            # The lock and the metadata a form is based on; after a
            # POST only what the page shows besides the bound form.
            return burst_api.policy_get(
                self.request, lock=self.request.method != 'POST')
        except burst_api.AggregateNotFound as e:
            messages.error(self.request, str(e))
            raise exceptions.Http302(reverse(INDEX_URL))
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to retrieve the burst policy."),
                              redirect=reverse(INDEX_URL))

    def get_initial(self):
        if self.request.method == 'POST':
            return {}   # a bound form: the policy is read when saving
        return thresholds_forms.initial(self._state())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['state'] = self._state()
        context['aggregate_name'] = burst_api.aggregate_name()
        return context

    def _preview(self, new_policy):
        """[(PreviewRow with the typed values, PreviewRow now)]."""
        state = self._state()
        try:
            data = burst_api.preview_data(self.request, state)
            now = {r.flavor.id: r
                   for r in burst_api.preview(data, state.policy)}
            return [(r, now.get(r.flavor.id))
                    for r in burst_api.preview(data, new_policy)]
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to compute the preview from Nova "
                                "and Placement."))
            return []

    def form_valid(self, form):
        if self.request.POST.get('preview'):
            rows = self._preview(form.cleaned_data['policy'])
            return self.render_to_response(self.get_context_data(
                form=form, previewed=True, preview=[
                    (thresholds_tables.describe(new, now=False),
                     now and thresholds_tables.describe(now))
                    for new, now in rows]))
        return super().form_valid(form)
