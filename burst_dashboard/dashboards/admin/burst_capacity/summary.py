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

"""Private and public capacity put into rows for the page: no I/O.

Capacity is always :func:`burst_core.policy.capacity_of` (Placement's
``(total - reserved) * allocation_ratio``), summed by
:class:`burst_core.policy.PrivatePool`; this module only groups and labels.
"""
import dataclasses

from django.utils.translation import gettext_lazy as _

from burst_core import policy

UNITS = {'VCPU': _("vCPUs"), 'MEMORY_MB': _("GiB RAM"),
         'DISK_GB': _("GiB disk")}
LABELS = {'VCPU': _("vCPU"), 'MEMORY_MB': _("RAM"), 'DISK_GB': _("Disk")}


def amount(rc, value):
    """A resource amount in display units: vCPUs, GiB (RAM is in MiB)."""
    if value is None:
        return None
    if rc == 'MEMORY_MB':
        value = value / 1024.0
    value = round(value, 1)
    return int(value) if value == int(value) else value


@dataclasses.dataclass
class Usage:
    rc: str
    used: float
    capacity: float
    threshold: float = None   # enter threshold, %

    @property
    def label(self):
        return LABELS[self.rc]

    @property
    def unit(self):
        return UNITS[self.rc]

    @property
    def pct(self):
        if self.capacity <= 0:
            return None
        return 100.0 * self.used / self.capacity

    @property
    def chart_pct(self):
        """Whole percent for the pie chart (0-100)."""
        return min(100, int(round(self.pct or 0)))

    @property
    def over(self):
        pct = self.pct
        return (pct is not None and self.threshold is not None and
                pct > self.threshold + 1e-9)

    @property
    def at_threshold(self):
        """How much of the resource is usable before the threshold."""
        if self.threshold is None:
            return None
        return self.capacity * self.threshold / 100.0

    @property
    def left(self):
        """Left before the threshold (never below 0)."""
        if self.threshold is None:
            return None
        return max(0.0, self.at_threshold - self.used)

    def display(self):
        pct = self.pct
        text = '%s / %s' % (amount(self.rc, self.used),
                            amount(self.rc, self.capacity))
        if pct is not None:
            text += ' (%.1f %%)' % pct
        return text

    @property
    def used_shown(self):
        return amount(self.rc, self.used)

    @property
    def capacity_shown(self):
        return amount(self.rc, self.capacity)

    @property
    def at_threshold_shown(self):
        return amount(self.rc, self.at_threshold)

    @property
    def left_shown(self):
        return amount(self.rc, self.left)


def usages(hosts, burst_policy=None):
    pool = policy.PrivatePool(hosts=list(hosts))
    return [Usage(rc, pool.used(rc), pool.capacity(rc),
                  burst_policy.enter(rc) if burst_policy else None)
            for rc in policy.RESOURCES]


@dataclasses.dataclass
class HostRow:
    id: str
    zone: str
    aggregates: list
    service: object     # nova-compute service, or None when unknown
    usages: list

    @property
    def status(self):
        if self.service is None:
            return None
        return getattr(self.service, 'status', None)

    @property
    def state(self):
        if self.service is None:
            return None
        return getattr(self.service, 'state', None)

    @property
    def unavailable(self):
        return self.status == 'disabled' or self.state == 'down'


def host_rows(pool, zones, aggregates, services, burst_policy):
    """A HostRow per host of the private pool."""
    rows = []
    for host in sorted(pool.hosts, key=lambda h: h.name):
        rows.append(HostRow(
            id=host.name, zone=(zones or {}).get(host.name),
            aggregates=sorted(name for name, members in
                              (aggregates or {}).items()
                              if host.name in members),
            service=(services or {}).get(host.name) if services is not None
            else None,
            usages=usages([host], burst_policy)))
    return rows


@dataclasses.dataclass
class GroupRow:
    id: str
    kind: str
    name: str
    hosts: list
    usages: list


def group_rows(pool, zones, aggregates, burst_aggregate, burst_policy):
    """Totals of the private pool per availability zone and per aggregate
    (the burst aggregate left out)."""
    rows = []
    by_zone = {}
    for host in pool.hosts:
        by_zone.setdefault((zones or {}).get(host.name) or '-',
                           []).append(host)
    for zone in sorted(by_zone):
        hosts = by_zone[zone]
        rows.append(GroupRow('zone-%s' % zone, _("Availability zone"), zone,
                             sorted(h.name for h in hosts),
                             usages(hosts, burst_policy)))
    for name in sorted(aggregates or {}):
        if name == burst_aggregate:
            continue
        hosts = [h for h in pool.hosts if h.name in aggregates[name]]
        if hosts:
            rows.append(GroupRow('aggregate-%s' % name, _("Aggregate"),
                                 name, sorted(h.name for h in hosts),
                                 usages(hosts, burst_policy)))
    return rows


@dataclasses.dataclass
class PublicSummary:
    region: str
    quota: int
    quota_source: str
    managed_instances: int
    managed_vcpus: int
    account_instances: int
    account_vcpus: int
    max_instances: int
    max_vcpus: int
    max_cost_per_hour: float
    managed_cost_per_hour: float
    account_cost_per_hour: float
    unpriced: list          # instance types without a price

    @property
    def quota_left(self):
        """vCPUs left in the account's quota (every running instance of
        the account counts against it)."""
        return self.quota - self.account_vcpus

    @property
    def vcpu_limit(self):
        """min(quota, vCPU cap) for this cloud's instances."""
        if self.max_vcpus is None:
            return self.quota
        return min(self.quota, self.max_vcpus)

    @property
    def vcpu_headroom(self):
        """vCPUs this cloud can still start on EC2: the quota left (the
        whole account's use counts) and the vCPU cap left (this cloud's)."""
        left = [self.quota_left]
        if self.max_vcpus is not None:
            left.append(self.max_vcpus - self.managed_vcpus)
        return max(0, min(left))

    @property
    def instance_headroom(self):
        if self.max_instances is None:
            return None
        return max(0, self.max_instances - self.managed_instances)

    @property
    def cost_headroom(self):
        if self.max_cost_per_hour is None:
            return None
        return max(0.0, self.max_cost_per_hour - self.managed_cost_per_hour)

    @property
    def account_pct(self):
        return _pct(self.account_vcpus, self.quota)

    @property
    def managed_pct(self):
        return _pct(self.managed_vcpus, self.vcpu_limit)

    @property
    def cap_pct(self):
        """Where the vCPU cap sits on the quota chart, or None."""
        if self.max_vcpus is None or self.max_vcpus >= self.quota:
            return None
        return _pct(self.max_vcpus, self.quota)

    @property
    def cost_pct(self):
        if not self.max_cost_per_hour:
            return None
        return _pct(self.managed_cost_per_hour, self.max_cost_per_hour)


def _pct(used, limit):
    if not limit or limit <= 0:
        return 100 if used else 0
    return min(100, int(round(100.0 * used / limit)))


def public_summary(capacity, burst_policy, book):
    """PublicSummary of an ec2.PublicCapacity under a policy's caps, priced
    by ``book`` (a prices.PriceBook)."""
    unpriced = set()

    def cost(types):
        total = 0.0
        for itype, count in types.items():
            price = book.hourly(itype)
            if price is None:
                unpriced.add(itype)
            else:
                total += price * count
        return total

    return PublicSummary(
        region=capacity.region, quota=capacity.quota,
        quota_source=capacity.quota_source,
        managed_instances=capacity.managed_instances,
        managed_vcpus=capacity.managed_vcpus,
        account_instances=capacity.account_instances,
        account_vcpus=capacity.account_vcpus,
        max_instances=burst_policy.max_instances,
        max_vcpus=burst_policy.max_vcpus,
        max_cost_per_hour=burst_policy.max_cost_per_hour,
        managed_cost_per_hour=cost(capacity.managed_types),
        account_cost_per_hour=cost(capacity.account_types),
        unpriced=sorted(t for t in unpriced if t))
