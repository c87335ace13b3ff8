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

from concurrent import futures
import time

from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import messages
from horizon import tables
from horizon.utils import memoized

from burst_core import policy
from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard.dashboards.admin.burst_capacity import summary
from burst_dashboard.dashboards.admin.burst_capacity \
    import tables as capacity_tables

# The page waits at most this long for EC2 (its clients give up sooner:
# 2 s to connect, 5 s to read, 2 attempts but no retry of a read timeout),
# then shows the private side. After a failure the dashboard backs off
# from EC2 (burst_dashboard.api.ec2.Outage) and renders at once.
EC2_TIMEOUT = 15


class IndexView(tables.MultiTableView):
    table_classes = (capacity_tables.HeadroomTable,
                     capacity_tables.GroupsTable,
                     capacity_tables.HostsTable)
    template_name = 'burst_dashboard/capacity/index.html'
    page_title = _("Burst Capacity")

    def _region(self):
        if self._state is not None:
            return self._state.policy.region
        return ec2_api.ec2_settings().get('region_name') or \
            policy.BurstPolicy().region

    @memoized.memoized
    def _load(self):
        request = self.request
        self._state = self._not_found = self._pdata = self._services = None
        self._public = self._ec2_error = self._ec2_outage = None
        try:
            self._state = burst_api.policy_get(request)
        except burst_api.AggregateNotFound as e:
            self._not_found = str(e)
        except Exception:
            exceptions.handle(request,
                              _("Unable to retrieve the burst policy."))
        started = time.monotonic()
        # Private and public reads in parallel; the pool is not waited
        # for, so that a hung EC2 cannot hold the page.
        pool = futures.ThreadPoolExecutor(max_workers=3)
        try:
            data = (pool.submit(burst_api.preview_data, request, self._state)
                    if self._state is not None else None)
            services = pool.submit(burst_api.compute_services, request)
            public = pool.submit(ec2_api.public_capacity, request,
                                 self._region())
        finally:
            pool.shutdown(wait=False)
        if data is not None:
            try:
                self._pdata = data.result()
            except Exception:
                exceptions.handle(request,
                                  _("Unable to read the private cloud from "
                                    "Nova and Placement."))
        try:
            self._services = services.result()
        except Exception as e:
            messages.warning(request, _("Unable to retrieve the nova-compute "
                                        "services: %s") % e)
        try:
            self._public = public.result(timeout=max(
                0.1, EC2_TIMEOUT - (time.monotonic() - started)))
        except futures.TimeoutError:
            self._ec2_error = _("no answer within %d seconds") % EC2_TIMEOUT
        except Exception as e:
            self._ec2_error = ec2_api.describe_error(e)
        if self._ec2_error:
            # Backing off (this load's call failed, or an earlier one):
            # the dashboard's own words, not AWS's.
            self._ec2_outage = ec2_api.outage(request, self._region())
        if self._ec2_outage is not None:
            self._ec2_error = ec2_api.outage_text(self._ec2_outage)
            messages.warning(request, _(
                "EC2 (region %(region)s) %(outage)s. Only the private side "
                "is shown.") % {'region': self._region(),
                                'outage': self._ec2_error})
        elif self._ec2_error:
            messages.warning(request, _(
                "EC2 (region %(region)s) could not be reached: %(reason)s. "
                "Only the private side is shown.") % {
                    'region': self._region(), 'reason': self._ec2_error})

    @property
    def _policy(self):
        return self._state.policy if self._state else policy.BurstPolicy()

    @memoized.memoized
    def _pool(self):
        return self._pdata.private_pool(self._policy)

    def get_hosts_data(self):
        self._load()
        if self._pdata is None:
            return []
        return summary.host_rows(self._pool(), self._pdata.zones,
                                 self._pdata.aggregates, self._services,
                                 self._policy)

    def get_groups_data(self):
        self._load()
        if self._pdata is None:
            return []
        return summary.group_rows(self._pool(), self._pdata.zones,
                                  self._pdata.aggregates,
                                  burst_api.aggregate_name(), self._policy)

    def get_headroom_data(self):
        self._load()
        if self._pdata is None:
            return []
        quota_left = self._summary.quota_left if self._summary else None
        try:
            return burst_api.flavor_headroom(self._pdata, self._policy,
                                             quota_left)
        except Exception:
            exceptions.handle(self.request,
                              _("Unable to compute the headroom by flavor."))
            return []

    @property
    @memoized.memoized
    def _summary(self):
        if self._public is None:
            return None
        region = self._public.region
        book = burst_api.price_lookup(region).book(
            list(self._public.account_types), wait=False)
        return summary.public_summary(self._public, self._policy, book)

    def get_context_data(self, **kwargs):
        self._load()
        context = super().get_context_data(**kwargs)
        context.update(state=self._state, not_found=self._not_found,
                       burst_policy=self._policy,
                       aggregate_name=burst_api.aggregate_name(),
                       region=self._region(), ec2_error=self._ec2_error,
                       ec2_outage=self._ec2_outage,
                       public=self._summary,
                       managed_by=ec2_api.managed_by())
        if self._pdata is not None:
            pool = self._pool()
            hosts = summary.host_rows(pool, self._pdata.zones,
                                      self._pdata.aggregates, self._services,
                                      self._policy)
            context.update(
                private=summary.usages(pool.hosts, self._policy),
                host_count=len(pool.hosts),
                unavailable=[h.id for h in hosts if h.unavailable],
                services_known=self._services is not None)
        return context
