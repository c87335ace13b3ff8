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

"""The economics of bursting, from what Nova already records.

Every instance that ran is a :class:`Run`: from Nova's ``launched_at`` to
its ``terminated_at`` (still running: now), where it ran (a local host or
EC2), its flavor's vCPUs and, on EC2, the hourly price of the type its
flavor gets (:func:`burst_core.prices.estimate`, the rule the scheduler
and the driver use). From the runs: demand over time split local/EC2,
the EC2 burn rate over time, spend per project in a period, the forecast
to the month's end, and the break-even against owning the capacity.

Nova records when an instance was launched and deleted, not when it was
stopped and started again: an instance stopped now counts as having run
until its last update, one stopped and started again as running
throughout. Pure: the dashboard reads Nova and the prices.
"""
import bisect
import dataclasses
import datetime

from burst_core import prices

HOURS_PER_MONTH = 730.0      # AWS's month: 365 * 24 / 12
UTC = datetime.timezone.utc
# Period key -> its length (None: from the start of the month).
PERIODS = {
    '24h': datetime.timedelta(hours=24),
    '7d': datetime.timedelta(days=7),
    '30d': datetime.timedelta(days=30),
    'mtd': None,
}
DEFAULT_PERIOD = '7d'
# Nova statuses in which an instance is not running now.
_STOPPED = ('SHUTOFF', 'SUSPENDED', 'SHELVED', 'SHELVED_OFFLOADED',
            'DELETED', 'SOFT_DELETED', 'ERROR')


@dataclasses.dataclass(frozen=True)
class Run:
    id: str
    name: str
    project_id: str
    vcpus: int
    on_ec2: bool
    start: datetime.datetime
    end: datetime.datetime        # None: running now
    hourly_price: float = None    # USD/h on EC2; None: local or unknown
    instance_type: str = None

    def overlap_hours(self, start, end, now):
        lo = max(self.start, start)
        hi = min(self.end or now, end)
        return max(0.0, (hi - lo).total_seconds() / 3600.0)

    def cost(self, start, end, now):
        if not self.on_ec2 or self.hourly_price is None:
            return 0.0
        return self.hourly_price * self.overlap_hours(start, end, now)


def parse_time(value):
    """Nova's times (ISO 8601, with or without zone; UTC) as aware
    datetimes, None when absent or not a time."""
    if not value or not isinstance(value, str):
        return None
    try:
        when = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _price(server, region, book):
    """(EC2 type, USD/h) the server's flavor gets, as the driver picks."""
    flavor = server.get('flavor') or {}
    return prices.estimate(region, flavor.get('vcpus') or 0,
                           flavor.get('ram') or 0,
                           flavor.get('extra_specs') or {}, book)


def runs(servers, is_ec2, region, book=None):
    """A Run for every server (Nova's JSON, microversion 2.47, deleted ones
    included) that was launched; ``is_ec2(server)`` says whether it ran on
    an EC2 host."""
    out = []
    for server in servers:
        start = parse_time(server.get('OS-SRV-USG:launched_at'))
        if start is None:
            continue
        end = parse_time(server.get('OS-SRV-USG:terminated_at'))
        if end is None and (server.get('status') or '').upper() in _STOPPED:
            end = parse_time(server.get('updated')) or start
        on_ec2 = bool(is_ec2(server))
        itype, price = _price(server, region, book) if on_ec2 else (None,
                                                                    None)
        out.append(Run(
            id=server.get('id') or '', name=server.get('name') or '',
            project_id=server.get('tenant_id') or '',
            vcpus=int((server.get('flavor') or {}).get('vcpus') or 0),
            on_ec2=on_ec2, start=start, end=max(end, start) if end else None,
            hourly_price=price, instance_type=itype))
    return out


def period_bounds(key, now):
    """(start, end) of a period ending now."""
    if key not in PERIODS:
        raise ValueError('period must be one of %s' % ', '.join(PERIODS))
    if PERIODS[key] is None:
        return month_start(now), now
    return now - PERIODS[key], now


def month_start(now):
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_end(now):
    start = month_start(now)
    return (start + datetime.timedelta(days=32)).replace(day=1)


@dataclasses.dataclass(frozen=True)
class Point:
    at: datetime.datetime
    local_vcpus: int
    ec2_vcpus: int
    burn_rate: float        # USD/h of the EC2 instances running then


def series(all_runs, start, end, now, steps=96):
    """Demand and burn rate at ``steps`` + 1 evenly spaced times from
    ``start`` to ``end``: the vCPUs of the instances running at each time,
    local and on EC2, and the USD/h of the EC2 ones."""
    times = [start + (end - start) * i / steps for i in range(steps + 1)]
    local = [0] * len(times)
    ec2 = [0] * len(times)
    rate = [0.0] * len(times)
    for run in all_runs:
        # the sample times in [run.start, run.end)
        lo = bisect.bisect_left(times, run.start)
        hi = bisect.bisect_left(times, run.end) if run.end else len(times)
        hi = min(hi, bisect.bisect_right(times, now))
        for i in range(lo, hi):
            if run.on_ec2:
                ec2[i] += run.vcpus
                rate[i] += run.hourly_price or 0.0
            else:
                local[i] += run.vcpus
    return [Point(t, lv, ev, r)
            for t, lv, ev, r in zip(times, local, ec2, rate)]


def burn_rate(all_runs, now):
    """USD/h of the EC2 instances running now."""
    return sum(r.hourly_price or 0.0 for r in all_runs
               if r.on_ec2 and r.start <= now and
               (r.end is None or r.end > now))


def spend(all_runs, start, end, now):
    """{project ID: EC2 USD} spent from ``start`` to ``end``."""
    out = {}
    for run in all_runs:
        cost = run.cost(start, end, now)
        if cost:
            out[run.project_id] = out.get(run.project_id, 0.0) + cost
    return out


def unpriced(all_runs, start, end, now):
    """The EC2 runs in the period whose price is not known (not counted)."""
    return [r for r in all_runs if r.on_ec2 and r.hourly_price is None and
            r.overlap_hours(start, end, now) > 0]


def forecast(all_runs, now):
    """(spent this month, USD/h now, spent by the month's end at it)."""
    spent = sum(spend(all_runs, month_start(now), now, now).values())
    rate = burn_rate(all_runs, now)
    hours_left = (month_end(now) - now).total_seconds() / 3600.0
    return spent, rate, spent + rate * hours_left


def peak_ec2_vcpus(all_runs, start, end, now):
    """The most vCPUs on EC2 at once in the period (exact, from the runs'
    own start and end times)."""
    events = []
    for run in all_runs:
        if not run.on_ec2 or run.overlap_hours(start, end, now) <= 0:
            continue
        events.append((max(run.start, start), 1, run.vcpus))
        events.append((min(run.end or now, end), 0, -run.vcpus))
    peak = level = 0
    for _at, _order, delta in sorted(events):    # ends before starts
        level += delta
        peak = max(peak, level)
    return peak


@dataclasses.dataclass(frozen=True)
class BreakEven:
    hours: float                 # length of the period
    burst_cost: float            # USD spent on EC2 in the period
    vcpu_hours: float            # EC2 vCPU-hours in the period
    peak_vcpus: int              # most EC2 vCPUs at once
    owning_cost: float           # owning peak_vcpus for the period
    usd_per_vcpu_hour: float     # what EC2 cost per vCPU-hour (None: none)
    break_even_hours: float      # burst hours a month beyond which owning
    #                              a vCPU is cheaper (None: no EC2 price)
    burst_hours_per_month: float  # hours a month each peak vCPU burst

    @property
    def cheaper(self):
        """'bursting', 'owning', or None when nothing burst."""
        if not self.peak_vcpus:
            return None
        return 'bursting' if self.burst_cost <= self.owning_cost \
            else 'owning'


def break_even(all_runs, start, end, now, usd_per_vcpu_month):
    """Bursting against owning enough private capacity to absorb the same
    peaks (the most vCPUs EC2 ran at once), over the period."""
    hours = max((min(end, now) - start).total_seconds() / 3600.0, 0.0)
    priced = [r for r in all_runs if r.on_ec2 and r.hourly_price is not None]
    burst_cost = sum(r.cost(start, end, now) for r in priced)
    vcpu_hours = sum(r.vcpus * r.overlap_hours(start, end, now)
                     for r in priced)
    peak = peak_ec2_vcpus(all_runs, start, end, now)
    owning = peak * usd_per_vcpu_month * hours / HOURS_PER_MONTH
    per_vcpu_hour = burst_cost / vcpu_hours if vcpu_hours else None
    return BreakEven(
        hours=hours, burst_cost=burst_cost, vcpu_hours=vcpu_hours,
        peak_vcpus=peak, owning_cost=owning,
        usd_per_vcpu_hour=per_vcpu_hour,
        break_even_hours=(usd_per_vcpu_month / per_vcpu_hour
                          if per_vcpu_hour else None),
        burst_hours_per_month=(vcpu_hours / peak * HOURS_PER_MONTH / hours
                               if peak and hours else 0.0))
