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

"""What the economics of bursting are computed from
(:mod:`burst_core.economics`): Nova's records of the instances that ran
in a period -- those there now and those deleted since its start, which
Nova's ``changes-since`` returns -- the prices, and for admins the
private capacity and the policy.

How far back: as far as Nova keeps deleted instances. ``nova-manage db
archive_deleted_rows`` moves them out of Nova's tables (and ``purge``
drops them); an instance archived before the period's start is not
counted.
"""
import dataclasses
import datetime
import logging

from django.conf import settings
from oslo_utils import timeutils

from openstack_dashboard.contrib.developer.profiler import api as profiler

from burst_core import economics
from burst_core import inventory
from burst_core import policy
from burst_dashboard import api as burst_api_pkg
from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import instances as instances_api
from burst_dashboard.api import servers as servers_api

LOG = logging.getLogger(__name__)


class OwningCostNotSet(Exception):
    """BURST_DASHBOARD['owning'] states no cost of private capacity."""


def owning_usd_per_vcpu_month(host_vcpus=None):
    """What a private vCPU costs a month, from BURST_DASHBOARD['owning']:
    ``usd_per_vcpu_month``, or ``usd_per_host_month`` divided by
    ``vcpus_per_host`` (default: the private hosts' average, ``host_vcpus``).
    OwningCostNotSet when neither is set; ValueError when not a positive
    number."""
    owning = (getattr(settings, 'BURST_DASHBOARD', None) or {}).get(
        'owning') or {}
    per_vcpu = owning.get('usd_per_vcpu_month')
    per_host = owning.get('usd_per_host_month')
    if per_vcpu is not None:
        value = float(per_vcpu)
    elif per_host is not None:
        vcpus = float(owning.get('vcpus_per_host') or host_vcpus or 0)
        if vcpus <= 0:
            raise ValueError('vcpus_per_host is not known')
        value = float(per_host) / vcpus
    else:
        raise OwningCostNotSet()
    if not value > 0 or value == float('inf'):
        raise ValueError('must be a positive number')
    return value


def _servers(request, since, all_projects):
    """Nova's records of every server of the cloud (or of the project) that
    may have run since ``since``: those there now and those changed since
    (deleted ones included), in parallel, each once."""
    opts = {'all_tenants': True} if all_projects else {
        'project_id': request.user.project_id}
    changed_opts = dict(opts, **{'changes-since': since.isoformat()})
    now, changed = burst_api_pkg.call_functions_parallel(
        (servers_api.list_servers, [request, opts]),
        (servers_api.list_servers, [request, changed_opts]))
    by_id = {s['id']: s for s in now}
    by_id.update((s['id'], s) for s in changed)
    return list(by_id.values())


@dataclasses.dataclass
class History:
    period: str
    start: datetime.datetime
    end: datetime.datetime
    runs: list
    points: list
    capacity_vcpus: float = None     # private pool now (admins)
    enter_vcpu_pct: float = None     # the policy's enter threshold (admins)
    month_spend: dict = None         # {project ID: USD} this month
    period_spend: dict = None        # {project ID: USD} in the period
    burn_rate: float = 0.0           # USD/h now
    forecast: float = 0.0            # USD by the month's end at it
    unpriced: int = 0                # EC2 runs whose price is not known
    projects: dict = None            # {project ID: name} (admins)
    host_vcpus: float = None         # average private host (admins)


def _fill(history, runs, now, steps):
    start, end = history.start, history.end
    history.runs = runs
    history.points = economics.series(runs, start, end, now, steps)
    history.period_spend = economics.spend(runs, start, end, now)
    history.month_spend = economics.spend(runs, economics.month_start(now),
                                          now, now)
    _spent, history.burn_rate, history.forecast = economics.forecast(
        runs, now)
    history.unpriced = len(economics.unpriced(runs, start, end, now))
    return history


def _since(period, now):
    """From when the page needs Nova's records: the period's start, or the
    month's if earlier (the month's spend and forecast are always shown)."""
    start, _end = economics.period_bounds(period, now)
    return start, min(start, economics.month_start(now))


@profiler.trace
def admin_history(request, period, steps=96):
    """The whole cloud's History for ``period`` (burst_core.economics
    .PERIODS)."""
    now = timeutils.utcnow(with_timezone=True)
    start, since = _since(period, now)
    state, servers, hosts, projects = burst_api_pkg.call_functions_parallel(
        (burst_api.policy_get, [request]),
        (_servers, [request, since, True]),
        (burst_api.compute_hosts, [request], {'usages': False}),
        (instances_api.project_names, [request]))
    pol = state.policy
    burst_hosts = frozenset(state.aggregate.hosts or ())
    book = burst_api.price_lookup(pol.region).region_book()
    runs = economics.runs(
        servers, lambda s: s.get('OS-EXT-SRV-ATTR:host') in burst_hosts,
        pol.region, book)
    private = policy.private_hosts(
        hosts, burst_hosts, pol,
        aggregates={a.name: set(a.hosts or ()) for a in state.aggregates}
    ).hosts
    history = History(
        period=period, start=start, end=now, runs=[], points=[],
        capacity_vcpus=sum(h.capacity.get('VCPU', 0) for h in private),
        enter_vcpu_pct=pol.enter_vcpu_pct, projects=projects)
    if private:
        history.host_vcpus = history.capacity_vcpus / len(private)
    return _fill(history, runs, now, steps)


@profiler.trace
def project_history(request, period='mtd', steps=96):
    """The project's own History (no figure of the cloud: no capacity, no
    threshold)."""
    now = timeutils.utcnow(with_timezone=True)
    start, since = _since(period, now)
    project = request.user.project_id
    servers = _servers(request, since, False)
    region = instances_api.region_name()
    ec2_ids = {inventory.host_id(project, host)
               for host in instances_api.ec2_hosts()}
    book = burst_api.price_lookup(region).region_book()
    runs = economics.runs(
        [s for s in servers if s.get('tenant_id') == project],
        lambda s: s.get('hostId') in ec2_ids, region, book)
    history = History(period=period, start=start, end=now, runs=[],
                      points=[])
    return _fill(history, runs, now, steps)
