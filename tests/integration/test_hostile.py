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

"""Issue 10 on the local cloud, driven as the people who would hurt it act:
an operator writing malformed policy with the API the CLI uses, a project
member editing their own servers' metadata with their own token, a
multi-create racing the caps, and what members read in a refused build's
fault."""
from concurrent import futures
import dataclasses
import re
import threading
import time
import uuid

import pytest

from burst_core import caps
from burst_core import policy
from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import instances as instances_api
from localcloud import apis
from localcloud import paths
from localcloud import seed
from tests import helpers

from tests.integration.conftest import aggregate as _aggregate
from tests.integration.conftest import caps_provider
from tests.integration.conftest import caps_usages
from tests.integration.conftest import ec2_of
from tests.integration.conftest import restart_ec2_compute
from tests.integration.conftest import save_policy as _save

pytestmark = pytest.mark.integration


@pytest.fixture
def multi_boot(admin_conn, demo_conn):
    """multi_boot(flavor, count) -> every server of one --min-count request,
    once none is building; deletes them afterwards."""
    booted = []

    def boot(flavor, count):
        image = demo_conn.image.find_image(seed.IMAGE_NAME)
        fl = demo_conn.compute.find_flavor(flavor, ignore_missing=False)
        name = 'burst-multi-%s' % uuid.uuid4().hex[:6]
        demo_conn.compute.create_server(
            name=name, image_id=image.id, flavor_id=fl.id, networks='none',
            min_count=count, max_count=count)
        deadline = time.monotonic() + 180
        while True:
            found = list(demo_conn.compute.servers(name='^%s' % name))
            booted.extend(s for s in found
                          if s.id not in {b.id for b in booted})
            if len(found) == count and all(
                    s.status in ('ACTIVE', 'ERROR') for s in found):
                return [admin_conn.compute.get_server(s.id) for s in found]
            assert time.monotonic() < deadline, [
                (s.name, s.status) for s in found]
            time.sleep(1)
    yield boot
    for s in booted:
        demo_conn.compute.delete_server(s, ignore_missing=True)
    for s in booted:
        helpers.wait_gone(demo_conn, s, wait=120)


@pytest.mark.parametrize('flavor,cap', [('ec2.small', 'max_instances'),
                                        ('ec2.medium', 'max_vcpus')])
def test_one_multi_create_cannot_pass_a_cap(
        admin_conn, horizon_request, restore_policy, multi_boot, ec2,
        flavor, cap):
    n = 2
    held = caps.public_pool(caps_usages(admin_conn))
    per = admin_conn.compute.find_flavor(flavor).vcpus
    room = {'max_instances': held.instances + n,
            'max_vcpus': held.vcpus + n * per}[cap]
    _save(horizon_request, **{cap: room})
    made = multi_boot(flavor, 2 * n)
    active = [s for s in made if s.status == 'ACTIVE']
    refused = [s for s in made if s.status == 'ERROR']
    assert len(active) == n and len(refused) == n, [
        (s.name, s.status, s.fault) for s in made]
    assert {s.compute_host for s in active} == {paths.EC2_HOST}
    name = {'max_instances': 'EC2 instance cap reached',
            'max_vcpus': 'EC2 vCPU cap reached'}[cap]
    for s in refused:
        assert s.fault['message'].endswith(name), s.fault
    # One EC2 instance per admitted server, none for the refused ones.
    assert sorted(i['Tags'] and next(
        t['Value'] for t in i['Tags'] if t['Key'] == 'openstack:instance-id')
        for i in ec2_of(ec2, [s.id for s in made])) == \
        sorted(s.id for s in active)
    now = caps.public_pool(caps_usages(admin_conn))
    assert (now.instances, now.vcpus) == (held.instances + n,
                                          held.vcpus + n * per)


def test_member_metadata_decides_no_price_cap_or_row(
        admin_conn, demo_conn, horizon_request, restore_policy, servers,
        ec2):
    first = servers('ec2.small')
    held = caps_usages(admin_conn)
    one = caps.claim(1, burst_api.flavor_request(
        admin_conn.compute.find_flavor('ec2.small'),
        paths.EC2_REGION).hourly_price)[caps.COST]
    # Room for half an ec2.small more.
    _save(horizon_request, max_cost_per_hour='%.4f' % (
        (held[caps.COST] + one / 2) * policy.COST_UNIT))
    (real,) = ec2_of(ec2, [first.id])
    # The member relabels their burst server: the cheapest type, another
    # EC2 instance's id, made-up addresses.
    demo_conn.compute.set_server_metadata(first, **{
        'ec2:instance_type': 't3.nano', 'ec2:instance_id': 'i-0123456789',
        'ec2:private_ip': '10.9.9.9', 'ec2:public_ip': '1.2.3.4'})
    refused = servers('ec2.small', status='ERROR')
    assert 'EC2 cost cap reached' in refused.fault['message']
    assert caps_usages(admin_conn) == held
    # The preview counts the same pool (Placement), not the metadata.
    state = burst_api.policy_get(horizon_request)
    data = burst_api.preview_data(horizon_request, state)
    assert data.public_pool(state.policy) == caps.public_pool(held)
    # The Instances page joins on the launch tag and shows EC2's facts.
    rows = {r.id: r for r in instances_api.admin_inventory(
        horizon_request).rows}
    row = rows[first.id]
    assert row.ec2.instance_id == real['InstanceId']
    assert row.ec2.instance_type == real['InstanceType'] != 't3.nano'
    assert row.ec2.private_ip == real.get('PrivateIpAddress')


@pytest.mark.parametrize('bad', ['-5e400', 'inf', '1e999'])
def test_malformed_number_keeps_local_builds_and_shows_why(
        admin_conn, horizon_request, restore_policy, servers, bad):
    agg = _aggregate(admin_conn)
    admin_conn.compute.set_aggregate_metadata(agg, {'burst:max_vcpus': bad})
    local = servers('m1.tiny')
    assert local.compute_host in apis.compute_hosts()
    state = burst_api.policy_get(horizon_request)
    assert 'burst:max_vcpus' in state.errors
    # A good policy saved over it repairs it.
    _save(horizon_request, max_vcpus=10)
    assert burst_api.policy_get(horizon_request).errors == {}


def test_refused_build_fault_shows_members_no_figure(
        admin_conn, demo_conn, horizon_request, restore_policy, servers):
    held = caps.public_pool(caps_usages(admin_conn))
    _save(horizon_request, max_instances=held.instances,
          max_cost_per_hour='123.4567')
    refused = servers('ec2.small', status='ERROR')
    mine = demo_conn.compute.get_server(refused.id)
    assert mine.fault['message'] == ('No valid host was found. burst '
                                     'policy: EC2 instance cap reached')
    assert not mine.fault.get('details')
    # Admins see the figures in the fault's details.
    details = admin_conn.compute.get_server(refused.id).fault['details']
    assert re.search(r'EC2 instance cap reached \(\d+ of %d\)' %
                     held.instances, details), details


def _race(horizon_request, k):
    """k saves at the same instant from one read of the policy: each
    asks for its own enter_vcpu_pct. Returns (results, state read)."""
    state = burst_api.policy_get(horizon_request, lock=True)
    base = policy.form_values(policy.BurstPolicy(
        enabled=True, region=paths.EC2_REGION))
    barrier = threading.Barrier(k)

    def save(i):
        values = dict(base, enter_vcpu_pct=str(70 + i))
        barrier.wait()
        try:
            return burst_api.policy_save(
                horizon_request, values, state.revision,
                generation=state.lock.generation,
                fingerprint=state.fingerprint)
        except burst_api.StaleRevision as e:
            return e
    with futures.ThreadPoolExecutor(k) as pool:
        return list(pool.map(save, range(k))), state


@pytest.mark.parametrize('k', [2, 4])
def test_simultaneous_saves_exactly_one_wins(
        admin_conn, horizon_request, restore_policy, k):
    for _trial in range(10):
        results, state = _race(horizon_request, k)
        won = [r for r in results if isinstance(r, policy.BurstPolicy)]
        assert len(won) == 1, results
        assert all(isinstance(r, burst_api.StaleRevision)
                   for r in results if r not in won)
        # What Nova holds is the winner's, at the next revision.
        now = policy.parse(_aggregate(admin_conn).metadata)
        assert now.enter_vcpu_pct == won[0].enter_vcpu_pct
        assert now.revision == state.revision + 1 == won[0].revision
        assert not burst_api.policy_get(horizon_request,
                                        lock=True).changed_outside


def test_change_made_with_the_cli_is_detected_not_reverted(
        admin_conn, horizon_request, restore_policy):
    _save(horizon_request, enter_vcpu_pct=75)
    state = burst_api.policy_get(horizon_request, lock=True)
    assert not state.changed_outside
    # Another admin uses the CLI (the revision stays as it is).
    admin_conn.compute.set_aggregate_metadata(
        _aggregate(admin_conn), {'burst:enter_vcpu_pct': '65'})
    assert burst_api.policy_get(horizon_request, lock=True).changed_outside
    values = policy.form_values(dataclasses.replace(state.policy,
                                                    max_instances=3))
    with pytest.raises(burst_api.ChangedOutside):
        burst_api.policy_save(horizon_request, values, state.revision,
                              generation=state.lock.generation,
                              fingerprint=state.fingerprint)
    held = policy.parse(_aggregate(admin_conn).metadata)
    assert (held.enter_vcpu_pct, held.max_instances) == (65, None)


def test_ec2_compute_start_claims_caps_of_instances_holding_none(
        admin_conn, servers):
    """An EC2 instance that holds no share of the caps (launched before
    they were held in Placement) claims it when nova-compute starts."""
    server = servers('ec2.small')
    rp = caps_provider(admin_conn)
    url = '/allocations/%s' % server.id
    held = admin_conn.placement.get(url, microversion='1.28').json()
    assert rp in held['allocations']
    before = caps_usages(admin_conn)
    admin_conn.placement.put(url, microversion='1.28', json={
        'allocations': {k: {'resources': v['resources']}
                        for k, v in held['allocations'].items() if k != rp},
        'consumer_generation': held['consumer_generation'],
        'project_id': held['project_id'], 'user_id': held['user_id']})
    assert caps_usages(admin_conn)[caps.INSTANCES] == \
        before[caps.INSTANCES] - 1
    restart_ec2_compute(admin_conn, until=lambda: rp in (
        admin_conn.placement.get(url, microversion='1.28').json()[
            'allocations']))
    assert caps_usages(admin_conn) == before


def test_ec2_host_disabled_builds_stay_local(admin_conn, horizon_request,
                                             restore_policy, servers):
    """Over the threshold with the EC2 host disabled (or down): bursting
    is unavailable, the build is placed as without it, not refused."""
    _save(horizon_request, enter_vcpu_pct=0.01, enter_ram_pct=0.01,
          enter_disk_pct=0.01, exit_pct=0)
    (svc,) = admin_conn.compute.services(binary='nova-compute',
                                         host=paths.EC2_HOST)
    admin_conn.compute.disable_service(svc, paths.EC2_HOST, 'nova-compute',
                                       disabled_reason='issue 10 test')
    try:
        local = servers('m1.tiny')
        assert local.compute_host in apis.compute_hosts()
        refused = servers('ec2.small', status='ERROR')
        assert refused.fault['message'] == (
            'No valid host was found. burst policy: bursting is '
            'unavailable')
    finally:
        admin_conn.compute.enable_service(svc, paths.EC2_HOST,
                                          'nova-compute')
