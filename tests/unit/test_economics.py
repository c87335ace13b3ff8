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

"""burst_core.economics against an independent computation: the same
runs sampled minute by minute (their times are whole minutes, so the
sampled integral is exact)."""
import datetime

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from burst_core import economics

UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 11, 20, tzinfo=UTC)
NOW = T0 + datetime.timedelta(minutes=600)
FAST = settings(max_examples=200, deadline=None, database=None)


def _at(minute):
    return T0 + datetime.timedelta(minutes=minute)


@st.composite
def run_lists(draw):
    out = []
    for i in range(draw(st.integers(0, 12))):
        start = draw(st.integers(-300, 599))
        length = draw(st.none() | st.integers(0, 900))
        out.append(economics.Run(
            id='r%d' % i, name='r%d' % i,
            project_id=draw(st.sampled_from(['p1', 'p2'])),
            vcpus=draw(st.integers(1, 8)), on_ec2=draw(st.booleans()),
            start=_at(start),
            end=None if length is None else _at(start + length),
            hourly_price=draw(st.none() | st.sampled_from([0.0104, 0.0416,
                                                           0.096]))))
    return out


def _running(run, minute):
    """Independent: whether the run runs during minute [m, m+1)."""
    t = _at(minute)
    end = run.end or NOW
    return run.start <= t and t < end and t < NOW


def _brute(runs, lo, hi):
    spend, peak = {}, 0
    for m in range(lo, hi):
        level = 0
        for r in runs:
            if r.on_ec2 and _running(r, m):
                level += r.vcpus
                if r.hourly_price is not None:
                    spend[r.project_id] = spend.get(r.project_id, 0.0) + \
                        r.hourly_price / 60.0
        peak = max(peak, level)
    return spend, peak


@FAST
@given(run_lists(), st.integers(0, 500))
def test_spend_and_peak_equal_a_minute_by_minute_count(runs, lo):
    spend, peak = _brute(runs, lo, 600)
    got = economics.spend(runs, _at(lo), NOW, NOW)
    assert set(got) == {p for p, v in spend.items() if v}
    for project, usd in spend.items():
        assert got.get(project, 0.0) == pytest.approx(usd, abs=1e-9)
    assert economics.peak_ec2_vcpus(runs, _at(lo), NOW, NOW) == peak


@FAST
@given(run_lists())
def test_series_counts_what_runs_at_each_sample(runs):
    def running_at(run, t):      # now included: what runs now counts
        return run.start <= t <= NOW and (run.end is None or t < run.end)
    points = economics.series(runs, T0, NOW, NOW, steps=60)
    assert len(points) == 61 and points[-1].at == NOW
    for p in points:
        assert p.local_vcpus == sum(r.vcpus for r in runs
                                    if not r.on_ec2 and running_at(r, p.at))
        assert p.ec2_vcpus == sum(r.vcpus for r in runs
                                  if r.on_ec2 and running_at(r, p.at))
        assert p.burn_rate == pytest.approx(sum(
            r.hourly_price or 0 for r in runs
            if r.on_ec2 and running_at(r, p.at)))


@FAST
@given(run_lists(), st.floats(1, 100))
def test_break_even(runs, per_vcpu_month):
    be = economics.break_even(runs, T0, NOW, NOW, per_vcpu_month)
    spend, peak = _brute(runs, 0, 600)
    assert be.burst_cost == pytest.approx(sum(spend.values()), abs=1e-9)
    assert be.owning_cost == pytest.approx(
        peak * per_vcpu_month * 10 / economics.HOURS_PER_MONTH)
    if be.usd_per_vcpu_hour:
        # owning a vCPU for a month costs the same as bursting it for
        # break_even_hours at the observed price
        assert be.break_even_hours * be.usd_per_vcpu_hour == \
            pytest.approx(per_vcpu_month)


def test_forecast_to_the_end_of_the_month():
    now = datetime.datetime(2026, 11, 30, 12, tzinfo=UTC)
    runs = [economics.Run('a', 'a', 'p1', 2, True,
                          datetime.datetime(2026, 11, 30, 0, tzinfo=UTC),
                          None, hourly_price=0.5),
            economics.Run('b', 'b', 'p1', 2, True,
                          datetime.datetime(2026, 10, 31, 0, tzinfo=UTC),
                          datetime.datetime(2026, 11, 1, 2, tzinfo=UTC),
                          hourly_price=1.0)]
    spent, rate, by_end = economics.forecast(runs, now)
    assert spent == pytest.approx(12 * 0.5 + 2 * 1.0)
    assert rate == 0.5
    assert by_end == pytest.approx(spent + 12 * 0.5)


def test_runs_from_nova_records():
    ec2_host = 'ec2-us-east-1'
    servers = [
        {'id': 'gone', 'name': 'g', 'tenant_id': 'p1', 'status': 'DELETED',
         'OS-EXT-SRV-ATTR:host': ec2_host, 'image': {'id': 'i'},
         'OS-SRV-USG:launched_at': '2026-11-20T01:00:00.000000',
         'OS-SRV-USG:terminated_at': '2026-11-20T03:00:00.000000',
         'flavor': {'vcpus': 2, 'ram': 4096, 'disk': 40, 'extra_specs': {
             'burst:placement': 'sideways'}}},
        {'id': 'off', 'name': 'o', 'tenant_id': 'p2', 'status': 'SHUTOFF',
         'OS-EXT-SRV-ATTR:host': 'compute-1', 'image': {'id': 'i'},
         'updated': '2026-11-20T05:00:00Z',
         'OS-SRV-USG:launched_at': '2026-11-20T04:00:00.000000',
         'flavor': {'vcpus': 1, 'ram': 512, 'disk': 1}},
        {'id': 'never', 'status': 'ERROR', 'flavor': {}},
    ]
    gone, off = economics.runs(
        servers, lambda s: s.get('OS-EXT-SRV-ATTR:host') == ec2_host,
        'us-east-1')
    assert (gone.on_ec2, gone.vcpus, gone.instance_type) == (
        True, 2, 't3a.medium')
    assert gone.hourly_price > 0
    assert gone.end - gone.start == datetime.timedelta(hours=2)
    assert (off.on_ec2, off.hourly_price, off.end) == (
        False, None, datetime.datetime(2026, 11, 20, 5, tzinfo=UTC))
