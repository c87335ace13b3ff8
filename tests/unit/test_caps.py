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

"""The caps as a Placement inventory (pure) and the Placement edge that
claims them atomically, against a fake Placement that answers as the real
one does (generations, 409s)."""
import copy
from unittest import mock

import pytest

from burst_core import caps
from burst_core import policy
from burst_nova import placement


def test_inventories_stand_for_the_caps():
    inv = caps.inventories(policy.BurstPolicy(
        max_instances=5, max_vcpus=0, max_cost_per_hour=1.25))
    assert policy.capacity_of(inv[caps.INSTANCES]) == 5
    # 0: Placement wants total >= 1, so all of it is reserved.
    assert policy.capacity_of(inv[caps.VCPUS]) == 0
    assert inv[caps.VCPUS]['total'] == 1
    assert policy.capacity_of(inv[caps.COST]) == 12500
    # No cap: the largest inventory Placement takes.
    free = caps.inventories(policy.BurstPolicy())
    assert {rc: i['total'] for rc, i in free.items()} == {
        rc: policy.MAX_CAP for rc in caps.RESOURCE_CLASSES}
    assert caps.same_inventories(copy.deepcopy(free), free)
    assert not caps.same_inventories(inv, free)


def test_claim_and_pool_round_trip():
    wanted = caps.claim(4, 0.1664)
    assert wanted == {caps.INSTANCES: 1, caps.VCPUS: 4, caps.COST: 1664}
    # A price that is not a whole number of units is rounded up, never
    # down (the cap must hold), and an unknown price holds no cost.
    assert caps.claim(1, 0.00001)[caps.COST] == 1
    assert caps.COST not in caps.claim(1, None)
    pool = caps.public_pool({caps.INSTANCES: 3, caps.VCPUS: 6,
                             caps.COST: 2500})
    assert (pool.instances, pool.vcpus) == (3, 6)
    assert pool.cost_per_hour == pytest.approx(0.25)
    assert caps.public_pool(None) == policy.PublicPool()


def test_passed_and_refusal_name_the_caps_only():
    inv = caps.inventories(policy.BurstPolicy(max_instances=2, max_vcpus=8))
    used = {caps.INSTANCES: 2, caps.VCPUS: 6}
    assert caps.passed(inv, used, caps.claim(4, 0.1)) == [
        caps.INSTANCES, caps.VCPUS]
    assert caps.refusal([caps.INSTANCES, caps.VCPUS]) == \
        'EC2 instance cap and EC2 vCPU cap reached'
    assert caps.passed(inv, {}, caps.claim(4, 0.1)) == []


class FakePlacement(object):
    """Placement's allocation semantics for one caps provider: provider and
    consumer generations, capacity checked when a claim is written, and a
    409 ``placement.concurrent_update`` for a stale generation."""

    def __init__(self, inventories):
        self.inv = inventories
        self.gen = 0
        self.consumers = {}   # uuid -> (generation, allocations)
        self.race = 0         # answer this many PUTs with a conflict
        # Let this many PUTs pass the inventory, as Placement's retry
        # inside one transaction can.
        self.overadmit = 0

    def _resp(self, status, body=None, code=None):
        r = mock.Mock(status_code=status)
        if code:
            body = {'errors': [{'code': code}]}
        r.json.return_value = body
        return r

    def usages(self):
        used = {}
        for _gen, allocs in self.consumers.values():
            for res in allocs.get('rp', {}).get('resources', {}).items():
                used[res[0]] = used.get(res[0], 0) + res[1]
        return used

    def get(self, url, microversion=None):
        if url.startswith('/allocations/'):
            gen, allocs = self.consumers.get(url.rsplit('/', 1)[1],
                                             (None, {}))
            return self._resp(200, {'allocations': copy.deepcopy(allocs),
                                    'consumer_generation': gen,
                                    'project_id': 'p', 'user_id': 'u'})
        if url.endswith('/inventories'):
            return self._resp(200, {'inventories': self.inv,
                                    'resource_provider_generation':
                                        self.gen})
        return self._resp(200, {'usages': self.usages()})

    def put(self, url, json=None, microversion=None):
        consumer = url.rsplit('/', 1)[1]
        gen, _allocs = self.consumers.get(consumer, (None, {}))
        if self.race:
            self.race -= 1
            return self._resp(409, code='placement.concurrent_update')
        if json['consumer_generation'] != gen:
            return self._resp(409, code='placement.concurrent_update')
        wanted = json['allocations'].get('rp', {}).get('resources', {})
        mine = _allocs.get('rp', {}).get('resources', {})
        used = self.usages()
        for rc, amount in wanted.items():
            if used.get(rc, 0) - mine.get(rc, 0) + amount > \
                    policy.capacity_of(self.inv[rc]) and \
                    amount > mine.get(rc, 0):
                if self.overadmit:
                    self.overadmit -= 1
                    break
                return self._resp(409, code='placement.undefined_code')
        self.consumers[consumer] = ((gen or 0) + 1, json['allocations'])
        self.gen += 1
        return self._resp(204)


def test_claims_stop_exactly_at_the_cap():
    fake = FakePlacement(caps.inventories(policy.BurstPolicy(
        max_instances=3)))
    results = []
    for i in range(5):
        # The instance already holds its EC2 host: that stays.
        fake.consumers['i%d' % i] = (1, {'ec2-node': {'resources': {
            'VCPU': 1}}})
        try:
            placement.claim_caps(fake, 'i%d' % i, 'p', 'u', 'rp',
                                 caps.claim(1, 0.01))
            results.append('ok')
        except placement.CapsExceeded as e:
            results.append(str(e))
    assert results == ['ok'] * 3 + ['EC2 instance cap reached'] * 2
    assert fake.usages()[caps.INSTANCES] == 3
    assert set(fake.consumers['i0'][1]) == {'ec2-node', 'rp'}
    # Claiming again (a rebuild) changes nothing; a release gives it back
    # and keeps the instance's other allocations.
    placement.claim_caps(fake, 'i0', 'p', 'u', 'rp', caps.claim(1, 0.01))
    assert fake.usages()[caps.INSTANCES] == 3
    placement.release_caps(fake, 'i0', 'rp')
    assert set(fake.consumers['i0'][1]) == {'ec2-node'}
    placement.claim_caps(fake, 'i4', 'p', 'u', 'rp', caps.claim(1, 0.01))
    assert fake.usages()[caps.INSTANCES] == 3


def test_a_claim_placement_let_pass_over_a_cap_is_given_back():
    fake = FakePlacement(caps.inventories(policy.BurstPolicy(
        max_instances=1)))
    placement.claim_caps(fake, 'a', 'p', 'u', 'rp', caps.claim(1, 0.01))
    fake.overadmit = 1
    with pytest.raises(placement.CapsExceeded) as e:
        placement.claim_caps(fake, 'b', 'p', 'u', 'rp', caps.claim(1, 0.01))
    assert e.value.classes == [caps.INSTANCES]
    assert fake.usages()[caps.INSTANCES] == 1
    assert 'rp' not in fake.consumers['b'][1]


def test_claim_retries_a_concurrent_update_and_gives_up_in_time():
    fake = FakePlacement(caps.inventories(policy.BurstPolicy()))
    fake.race = 2
    placement.claim_caps(fake, 'a', 'p', 'u', 'rp', caps.claim(1, 0.01))
    assert fake.usages()[caps.INSTANCES] == 1
    fake.race = 100
    with pytest.raises(placement.PlacementError):
        placement.claim_caps(fake, 'b', 'p', 'u', 'rp', caps.claim(1, 0.01))


def test_sync_inventories_only_writes_a_change():
    wanted = caps.inventories(policy.BurstPolicy(max_instances=2))
    fake = FakePlacement(copy.deepcopy(wanted))
    fake.put = mock.Mock()
    placement.sync_inventories(fake, 'rp', wanted)
    fake.put.assert_not_called()
    fake.put.return_value = mock.Mock(status_code=200)
    placement.sync_inventories(fake, 'rp', caps.inventories(
        policy.BurstPolicy(max_instances=1)))
    body = fake.put.call_args[1]['json']
    assert body['resource_provider_generation'] == 0
    assert body['inventories'][caps.INSTANCES]['total'] == 1
