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

"""BurstFilter: what it decides from Placement and the policy, and that
nothing that breaks -- Placement, the aggregates, the policy -- fails a
build that could be placed locally."""
import json
import types
from unittest import mock
import uuid

from keystoneauth1 import exceptions as ks_exc
import pytest

from nova import context as nova_context
from nova import exception
from nova import objects

from burst_core import caps
from burst_core import policy
from burst_nova import placement
from burst_nova import scheduler

objects.register_all()

LOCAL = ['compute-1', 'compute-2']
EC2 = 'ec2-us-east-1'


HOST = {
    'inventories': {
        'VCPU': {'total': 16, 'reserved': 0, 'allocation_ratio': 1.0,
                 'max_unit': 16},
        'MEMORY_MB': {'total': 32768, 'reserved': 0,
                      'allocation_ratio': 1.0},
        'DISK_GB': {'total': 500, 'reserved': 0, 'allocation_ratio': 1.0}},
    'usages': {'VCPU': 8, 'MEMORY_MB': 0, 'DISK_GB': 0}}


class FakePlacement(object):
    """Two 16-vCPU local hosts (half used), the EC2 host and the caps
    provider, as Placement's JSON."""

    def __init__(self, caps_usages=None, fail=None):
        self.fail = fail
        self.rps = [{'uuid': str(uuid.uuid4()), 'name': n, 'generation': 1}
                    for n in LOCAL + [EC2, caps.provider_name('burst-ec2')]]
        for rp in self.rps:
            rp['root_provider_uuid'] = rp['uuid']
        self.caps_usages = caps_usages or {}
        self.local_usages = dict(HOST['usages'])

    def get(self, url, microversion=None, global_request_id=None):
        if self.fail:
            raise self.fail
        if url == '/resource_providers':
            body = {'resource_providers': self.rps}
        else:
            uid, what = url.split('/')[2:4]
            name = next(r['name'] for r in self.rps if r['uuid'] == uid)
            if name.startswith(caps.PROVIDER_PREFIX):
                body = {'inventories': {}, 'usages': self.caps_usages}
            elif what == 'usages':
                body = {what: dict(self.local_usages)}
            else:
                body = {what: HOST[what]}
        return mock.Mock(status_code=200, text=json.dumps(body),
                         json=lambda: body, __bool__=lambda s: True)


def hosts():
    return [types.SimpleNamespace(host=h, nodename=h, hypervisor_type=t)
            for h, t in [(LOCAL[0], 'fake'), (LOCAL[1], 'fake'),
                         (EC2, 'ec2')]]


def spec(vcpus=2, placement_spec=None):
    ctx = nova_context.get_admin_context()
    specs = {policy.PLACEMENT_SPEC: placement_spec} if placement_spec else {}
    return objects.RequestSpec(
        context=ctx, instance_uuid=str(uuid.uuid4()), num_instances=1,
        flavor=objects.Flavor(vcpus=vcpus, memory_mb=1024, root_gb=1,
                              ephemeral_gb=0, swap=0, extra_specs=specs),
        image=objects.ImageMeta.from_dict({'properties': {}}),
        scheduler_hints={}, is_bfv=False)


@pytest.fixture
def cloud():
    """The burst aggregate (its metadata is the policy) and Placement."""
    state = types.SimpleNamespace(
        metadata=policy.to_metadata(policy.BurstPolicy(
            enabled=True, enter_vcpu_pct=80, exit_pct=10)),
        placement=FakePlacement(), aggregates_fail=None, records=[])

    def aggregates(ctx):
        if state.aggregates_fail:
            raise state.aggregates_fail
        return [objects.Aggregate(id=1, name='burst-ec2', hosts=[EC2],
                                  metadata=state.metadata)]
    scheduler.BurstFilter._cache = scheduler._ProviderCache()
    scheduler.BurstFilter._logged_causes.clear()
    scheduler.BurstFilter._index.value = 0
    with mock.patch.object(objects.AggregateList, 'get_all',
                           side_effect=aggregates), \
            mock.patch.object(placement, 'adapter',
                              side_effect=lambda: state.placement), \
            mock.patch.object(scheduler.LOG, 'error') as log_error, \
            mock.patch.object(
                scheduler.decision_records.WRITER, 'submit',
                side_effect=lambda u, r: state.records.append((u, r))):
        state.log_error = log_error
        yield state


def names(result):
    return sorted(h.host for h in result)


def test_local_until_the_threshold_then_ec2(cloud):
    # 16 of 32 vCPUs used: 8 more stay under 80 %, 12 more do not.
    assert names(scheduler.BurstFilter().filter_all(
        hosts(), spec(vcpus=8))) == LOCAL
    assert names(scheduler.BurstFilter().filter_all(
        hosts(), spec(vcpus=12))) == [EC2]


def test_room_freed_by_deletes_is_seen_within_usage_max_age(cloud):
    scheduler.CONF.set_override('usage_max_age', 5.0, group='burst')
    clock = [1000.0]
    with mock.patch.object(scheduler.time, 'monotonic',
                           side_effect=lambda: clock[0]):
        # 28 of 32 vCPUs used: 2 more burst.
        cloud.placement.local_usages['VCPU'] = 14
        assert names(scheduler.BurstFilter().filter_all(
            hosts(), spec(vcpus=2))) == [EC2]
        # Instances deleted: Placement drops their allocations but leaves
        # the providers' generations alone. Within usage_max_age the
        # filter may still count them ...
        cloud.placement.local_usages['VCPU'] = 2
        clock[0] += 4.9
        assert names(scheduler.BurstFilter().filter_all(
            hosts(), spec(vcpus=2))) == [EC2]
        # ... not after it: the room is used again.
        clock[0] += 0.2
        assert names(scheduler.BurstFilter().filter_all(
            hosts(), spec(vcpus=2))) == LOCAL
        # A claim bumps the generation: seen at once, whatever the age.
        cloud.placement.local_usages['VCPU'] = 14
        for rp in cloud.placement.rps:
            rp['generation'] += 1
        assert names(scheduler.BurstFilter().filter_all(
            hosts(), spec(vcpus=2))) == [EC2]
    scheduler.CONF.clear_override('usage_max_age', group='burst')


@pytest.mark.parametrize('bad', ['-5e400', 'inf', '1e999', 'x' * 300])
def test_malformed_policy_keeps_local_scheduling(cloud, bad):
    cloud.metadata = dict(cloud.metadata, **{'burst:max_vcpus': bad})
    assert names(scheduler.BurstFilter().filter_all(
        hosts(), spec(vcpus=8))) == LOCAL
    with pytest.raises(exception.NoValidHost) as e:
        scheduler.BurstFilter().filter_all(hosts(), spec(vcpus=12))
    assert 'bursting is disabled' in str(e.value)


@pytest.mark.parametrize('broken', ['placement', 'aggregates'])
def test_a_broken_backend_never_fails_a_local_build(cloud, broken):
    error = ks_exc.ConnectTimeout('Placement timed out')
    if broken == 'placement':
        cloud.placement = FakePlacement(fail=error)
    else:
        cloud.aggregates_fail = error
    for _ in range(3):
        # Even a request that would have burst stays local: bursting off.
        assert names(scheduler.BurstFilter().filter_all(
            hosts(), spec(vcpus=12))) == LOCAL
    # Logged once per cause, not once per request.
    assert cloud.log_error.call_count == 1
    # A flavor pinned to EC2 is refused (it never runs locally).
    with pytest.raises(exception.NoValidHost) as e:
        scheduler.BurstFilter().filter_all(hosts(), spec(
            placement_spec='public'))
    assert 'bursting is unavailable' in str(e.value)


def test_public_pool_is_what_placement_holds_for_the_caps(cloud):
    cloud.metadata = policy.to_metadata(policy.BurstPolicy(
        enabled=True, max_instances=3))
    cloud.placement = FakePlacement({caps.INSTANCES: 2, caps.VCPUS: 2})
    assert names(scheduler.BurstFilter().filter_all(
        hosts(), spec(placement_spec='public'))) == [EC2]
    cloud.placement = FakePlacement({caps.INSTANCES: 3, caps.VCPUS: 3})
    with pytest.raises(exception.NoValidHost) as e:
        scheduler.BurstFilter().filter_all(hosts(), spec(
            placement_spec='public'))
    # Members read the fault's message: the cap by name, no figure; the
    # figures are in the cause (the fault's details, admins only).
    assert str(e.value) == ('No valid host was found. burst policy: '
                            'EC2 instance cap reached')
    assert '(3 of 3)' in str(e.value.__cause__)


def run(spec_obj, index=0, candidates=None):
    """As Nova's filter handler calls the filter for the index-th instance
    of a request."""
    f = scheduler.BurstFilter()
    assert f.run_filter_for_index(index)
    return f.filter_all(hosts() if candidates is None else candidates,
                        spec_obj)


def test_later_instance_of_a_multi_create_leaves_cleanup_to_nova(cloud):
    cloud.metadata = policy.to_metadata(policy.BurstPolicy(
        enabled=False, enter_vcpu_pct=80, exit_pct=10))
    # The first instances of the request fit locally (Nova claims them),
    # then a later one does not and bursting is off: no host instead of an
    # exception, so that Nova's scheduler gives back what the earlier ones
    # claimed (it does when a filter leaves no host, not when one raises).
    assert names(run(spec(vcpus=8), index=0)) == LOCAL
    assert run(spec(vcpus=12), index=1) == []
    # The first instance refused raises, with the reason.
    with pytest.raises(exception.NoValidHost) as e:
        run(spec(vcpus=12), index=0)
    assert 'bursting is disabled' in str(e.value)


def test_no_ec2_host_to_take_it_is_bursting_off(cloud):
    only_local = [h for h in hosts() if h.host != EC2]
    # Over the threshold, but the EC2 host is down or disabled (not a
    # candidate): placed locally as without bursting, logged once.
    for _ in range(2):
        assert names(run(spec(vcpus=12), candidates=only_local)) == LOCAL
    assert cloud.log_error.call_count == 1
    with pytest.raises(exception.NoValidHost) as e:
        run(spec(placement_spec='public'), candidates=only_local)
    assert 'bursting is unavailable' in str(e.value)


def test_every_decision_is_recorded_for_its_instance(cloud):
    cloud.metadata = policy.to_metadata(policy.BurstPolicy(
        enabled=True, enter_vcpu_pct=80, exit_pct=10, max_instances=1,
        revision=7))
    local, burst, refused = spec(vcpus=8), spec(vcpus=12), spec(vcpus=12)
    scheduler.BurstFilter().filter_all(hosts(), local)
    scheduler.BurstFilter().filter_all(hosts(), burst)
    cloud.placement = FakePlacement({caps.INSTANCES: 1, caps.VCPUS: 12})
    with pytest.raises(exception.NoValidHost):
        scheduler.BurstFilter().filter_all(hosts(), refused)
    by_uuid = dict(cloud.records)
    assert list(by_uuid) == [local.instance_uuid, burst.instance_uuid,
                             refused.instance_uuid]
    rec = by_uuid[local.instance_uuid]
    # 16 + 8 of 32 vCPUs: 75 % with it, under 80 %.
    assert (rec.target, rec.utilisation['VCPU'], rec.thresholds['VCPU'],
            rec.revision, rec.enabled) == ('local', 75.0, 80.0, 7, True)
    assert rec.summary == ('the private cloud had room under its burst '
                           'threshold')
    rec = by_uuid[burst.instance_uuid]
    assert (rec.target, rec.utilisation['VCPU']) == ('ec2', 87.5)
    assert rec.reason == 'private vCPU would reach 87.5% > 80%'
    assert rec.summary == 'the private cloud was at its burst threshold'
    rec = by_uuid[refused.instance_uuid]
    assert rec.target == 'none'
    assert rec.summary == 'EC2 instance cap reached'
    assert '(1 of 1)' in rec.reason


def test_a_broken_backend_is_recorded_as_such(cloud):
    cloud.placement = FakePlacement(fail=ks_exc.ConnectTimeout('timed out'))
    s = spec(vcpus=12)
    assert names(scheduler.BurstFilter().filter_all(hosts(), s)) == LOCAL
    ((uuid_, rec),) = cloud.records
    assert (uuid_, rec.target, rec.revision, rec.utilisation) == (
        s.instance_uuid, 'local', None, {})
    assert rec.summary == 'bursting is unavailable'
    assert rec.reason.startswith('burst policy could not be evaluated')
