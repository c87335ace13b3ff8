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

"""The Capacity panel's figures, computed by the plugin's API layer, equal
what Placement and moto report after instances boot (local and on EC2),
and an instance launched in EC2 behind Nova's back counts for the account
but not for this cloud."""
import time
import uuid

import boto3
from django.test import override_settings
import pytest

from burst_core import policy
from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import ec2 as ec2_api
from localcloud import ec2proxy
from localcloud import paths
from localcloud import seed
from tests import helpers

from tests.integration.conftest import ec2_through_proxy

pytestmark = pytest.mark.integration


@pytest.fixture
def booted(demo_conn):
    servers = []
    image = demo_conn.image.find_image(seed.IMAGE_NAME)
    for flavor in ('m1.large', 'm1.small', 'ec2.medium'):
        fl = demo_conn.compute.find_flavor(flavor, ignore_missing=False)
        servers.append(demo_conn.compute.create_server(
            name='cap-it-%s' % uuid.uuid4().hex[:6], image_id=image.id,
            flavor_id=fl.id, networks='none'))
    servers = [demo_conn.compute.wait_for_server(s, wait=120)
               for s in servers]
    yield servers
    for s in servers:
        demo_conn.compute.delete_server(s)
    for s in servers:
        helpers.wait_gone(demo_conn, s, wait=120)


@pytest.fixture
def ec2():
    return boto3.client('ec2', endpoint_url=paths.EC2_URL,
                        region_name=paths.EC2_REGION,
                        aws_access_key_id='t', aws_secret_access_key='x')


def test_private_figures_equal_placement(horizon_request, admin_conn,
                                         booted):
    state = burst_api.policy_get(horizon_request)
    pool = burst_api.preview_data(horizon_request, state).private_pool(
        state.policy)
    burst_hosts = set(state.aggregate.hosts)
    want_cap = {rc: 0.0 for rc in policy.RESOURCES}
    want_used = {rc: 0 for rc in policy.RESOURCES}
    for rp in admin_conn.placement.resource_providers():
        if rp.name in burst_hosts:
            continue
        invs = {i.resource_class: i for i in
                admin_conn.placement.resource_provider_inventories(rp)}
        if 'VCPU' not in invs:
            continue
        usages = admin_conn.placement.get(
            '/resource_providers/%s/usages' % rp.id).json()['usages']
        for rc in policy.RESOURCES:
            inv = invs[rc]
            want_cap[rc] += (inv.total - inv.reserved) * inv.allocation_ratio
            want_used[rc] += usages.get(rc, 0)
    for rc in policy.RESOURCES:
        assert pool.capacity(rc) == pytest.approx(want_cap[rc])
        assert pool.used(rc) == want_used[rc]
    # the local servers booted above are in there
    assert pool.used('VCPU') >= 4 + 1 and pool.used('MEMORY_MB') >= 8192


def test_public_figures_equal_moto(horizon_request, booted, ec2):
    rogue = ec2.run_instances(ImageId='ami-785db401', InstanceType='m5.large',
                              MinCount=1, MaxCount=1)['Instances'][0]
    try:
        cap = ec2_api.public_capacity(horizon_request, paths.EC2_REGION)
        running = [i for r in ec2.describe_instances(Filters=[
            {'Name': 'instance-state-name', 'Values': ['running']}])[
                'Reservations'] for i in r['Instances']]
        vcpus = {t['InstanceType']: t['VCpuInfo']['DefaultVCpus'] for t in
                 ec2.describe_instance_types(InstanceTypes=sorted(
                     {i['InstanceType'] for i in running}))['InstanceTypes']}

        def managed(i):
            return {'Key': 'openstack:managed-by',
                    'Value': paths.EC2_MANAGED_BY} in i.get('Tags', [])
        mine = [i for i in running if managed(i)]
        assert cap.account_instances == len(running)
        assert cap.account_vcpus == sum(vcpus[i['InstanceType']]
                                        for i in running)
        assert cap.managed_instances == len(mine) >= 1
        assert cap.managed_vcpus == sum(vcpus[i['InstanceType']]
                                        for i in mine)
        assert cap.account_vcpus - cap.managed_vcpus >= 2  # the rogue m5
        assert (cap.quota, cap.quota_source) == (64, 'configured')
    finally:
        ec2.terminate_instances(InstanceIds=[rogue['InstanceId']])


def test_ec2_down_fails_fast_with_a_clear_reason(horizon_request):
    """EC2 unreachable for real (the fault proxy drops connections): the
    public side fails within the client's bounded timeouts and says why;
    the private side is still read."""
    ec2proxy.ec2_faults(mode='down')
    try:
        with override_settings(BURST_DASHBOARD=ec2_through_proxy()):
            t0 = time.monotonic()
            with pytest.raises(Exception) as e:
                ec2_api.public_capacity(horizon_request, paths.EC2_REGION)
            elapsed = time.monotonic() - t0
            reason = ec2_api.describe_error(e.value)
            state = burst_api.policy_get(horizon_request)
            pool = burst_api.preview_data(
                horizon_request, state).private_pool(state.policy)
    finally:
        ec2proxy.ec2_faults(mode='pass')
    assert elapsed < 15
    assert 'not-shown-anywhere' not in reason
    assert reason
    assert pool.capacity('VCPU') > 0
