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

"""Burst thresholds really steer placement: the policy set through the
plugin's API layer is what nova-scheduler's BurstFilter obeys."""
import dataclasses
import time
import uuid

import boto3
import pytest

from burst_core import policy
from burst_core import prices
from burst_dashboard.api import burst as burst_api
from localcloud import apis
from localcloud import config
from localcloud import paths
from localcloud import procs
from tests import helpers

from tests.integration.conftest import aggregate as _aggregate
from tests.integration.conftest import pools as _pools
from tests.integration.conftest import save_policy as _save

pytestmark = pytest.mark.integration


def test_threshold_keeps_instances_local_then_bursts(
        admin_conn, horizon_request, restore_policy, servers):
    ec2 = boto3.client('ec2', endpoint_url=paths.EC2_URL,
                       region_name=paths.EC2_REGION,
                       aws_access_key_id='t', aws_secret_access_key='x')
    probe = policy.BurstPolicy(enabled=True)
    private, _ = _pools(admin_conn, probe)
    cap = private.capacity('MEMORY_MB')
    # RAM threshold halfway between 3 and 4 more m1.large (8192 MiB).
    threshold = 100.0 * (private.used('MEMORY_MB') + 3.5 * 8192) / cap
    saved = _save(horizon_request, enter_ram_pct='%.3f' % threshold,
                  enter_vcpu_pct=100, enter_disk_pct=100, exit_pct=5)
    assert saved.enter_ram_pct == pytest.approx(threshold, abs=0.001)
    # The dashboard's preview (same decide(), pools read through the
    # plugin's API layer) predicts exactly what the scheduler then does.
    state = burst_api.policy_get(horizon_request)
    rows = burst_api.preview(burst_api.preview_data(horizon_request, state),
                             state.policy)
    (large,) = [r for r in rows if r.flavor.name == 'm1.large']
    assert large.local == 3
    itype, price = prices.estimate(paths.EC2_REGION, 4, 8192, {})
    req = policy.Request(4, 8192, 80, hourly_price=price,
                         instance_type=itype)
    private, public = _pools(admin_conn, saved)
    assert policy.preview(private, public, req, saved)['local'] == 3
    hosts = [servers('m1.large').compute_host for _ in range(4)]
    assert all(h in apis.compute_hosts() for h in hosts[:3]), hosts
    assert hosts[3] == paths.EC2_HOST
    burst = admin_conn.compute.get_server(
        [s for s in admin_conn.compute.servers(all_projects=True)
         if s.compute_host == paths.EC2_HOST][-1].id)
    live = ec2.describe_instances(Filters=[
        {'Name': 'tag:openstack:instance-id', 'Values': [burst.id]},
        {'Name': 'instance-state-name', 'Values': ['running']}])
    assert len(live['Reservations']) == 1


def test_room_freed_by_a_delete_is_used_again(
        admin_conn, demo_conn, horizon_request, restore_policy, servers):
    """Placement does not bump a provider's generation when allocations
    are deleted: a scheduler that cached usages by generation kept
    bursting after instances were deleted."""
    private, _ = _pools(admin_conn, policy.BurstPolicy(enabled=True))
    cap = private.capacity('MEMORY_MB')
    # Room for exactly one more m1.large (8192 MiB) under the threshold.
    threshold = 100.0 * (private.used('MEMORY_MB') + 1.5 * 8192) / cap
    _save(horizon_request, enter_ram_pct='%.3f' % threshold,
          enter_vcpu_pct=100, enter_disk_pct=100, exit_pct=5)
    first = servers('m1.large')
    assert first.compute_host in apis.compute_hosts()
    assert servers('m1.large').compute_host == paths.EC2_HOST
    demo_conn.compute.delete_server(first)
    helpers.wait_gone(demo_conn, first, wait=120)
    # The scheduler counts on usages up to [burst] usage_max_age old.
    time.sleep(config.USAGE_MAX_AGE + 0.5)
    assert servers('m1.large').compute_host in apis.compute_hosts()


def test_cap_refuses_burst_with_reason(admin_conn, horizon_request,
                                       restore_policy, servers):
    _, public = _pools(admin_conn, policy.BurstPolicy())
    _save(horizon_request, max_instances=public.instances)
    failed = servers('ec2.small', status='ERROR')
    assert 'No valid host' in failed.fault['message']
    assert 'EC2 instance cap reached' in failed.fault['message']
    _save(horizon_request, max_instances=public.instances + 1)
    ok = servers('ec2.small')
    assert ok.compute_host == paths.EC2_HOST


def test_malformed_policy_keeps_scheduling_local(admin_conn, restore_policy,
                                                 servers):
    agg = _aggregate(admin_conn)
    admin_conn.compute.set_aggregate_metadata(agg, {
        'burst:enter_vcpu_pct': 'lots', 'burst:colour': 'red'})
    local = servers('m1.small')
    assert local.compute_host in apis.compute_hosts()
    refused = servers('ec2.small', status='ERROR')
    assert 'bursting is disabled' in refused.fault['message']
    with open(procs.log_path('nova-scheduler')) as f:
        log = f.read()
    assert 'is malformed, bursting is disabled' in log
    assert 'burst:colour' in log


def test_every_decision_is_logged(admin_conn, servers):
    s = servers('m1.tiny')
    with open(procs.log_path('nova-scheduler')) as f:
        lines = [line for line in f if 'Burst decision for instance %s'
                 % s.id in line]
    assert len(lines) == 1
    assert 'target=local' in lines[0] and 'vCPU' in lines[0]
    assert 'reason:' in lines[0]


def test_api_refuses_bad_values_and_writes_nothing(admin_conn,
                                                   horizon_request):
    before = _aggregate(admin_conn).metadata
    with pytest.raises(policy.PolicyError) as e:
        _save(horizon_request, enter_vcpu_pct=150, exit_pct=90)
    assert 'enter_vcpu_pct' in e.value.errors
    assert _aggregate(admin_conn).metadata == before


def test_api_refuses_stale_revision(admin_conn, horizon_request,
                                    restore_policy):
    state = burst_api.policy_get(horizon_request)
    fields = policy.form_values(dataclasses.replace(state.policy,
                                                    enabled=True))
    burst_api.policy_save(horizon_request, fields, state.revision)
    before = _aggregate(admin_conn).metadata
    with pytest.raises(burst_api.StaleRevision):
        burst_api.policy_save(horizon_request, dict(
            fields, enter_vcpu_pct='75'), state.revision)
    assert _aggregate(admin_conn).metadata == before


def test_nova_api_refuses_bad_burst_extra_specs(admin_conn):
    """From microversion 2.86 nova-api validates extra specs, ours too."""
    fl = admin_conn.compute.create_flavor(
        name='burst-bad-%s' % uuid.uuid4().hex[:6], vcpus=1, ram=512, disk=1)

    def put(value):
        return admin_conn.compute.post(
            '/flavors/%s/os-extra_specs' % fl.id, microversion='2.86',
            json={'extra_specs': {'burst:placement': value}})
    try:
        bad = put('cloud')
        assert bad.status_code == 400
        assert 'auto, private, public' in bad.text
        assert put('private').status_code == 200
        assert admin_conn.compute.fetch_flavor_extra_specs(
            fl).extra_specs == {'burst:placement': 'private'}
    finally:
        admin_conn.compute.delete_flavor(fl)
