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

"""The EC2 virt driver in the local cloud: instances booted through Nova onto
the EC2 host are real (moto) EC2 instances, Nova's power operations reach
EC2, and EC2 faults injected for real put the instance in ERROR with a clear
fault and leave no EC2 instance behind."""
import time
import uuid

import pytest
import requests

from burst_core import prices
from localcloud import ec2proxy
from localcloud import paths
from localcloud import procs
from localcloud import seed
from tests import helpers

from tests.integration.conftest import ec2_of

pytestmark = pytest.mark.integration

TAG_KEYS = {'Name', 'openstack:instance-id', 'openstack:project-id',
            'openstack:user-id', 'openstack:managed-by'}


@pytest.fixture(autouse=True)
def no_faults(local_cloud):
    ec2proxy.ec2_faults(mode='pass')
    yield
    ec2proxy.ec2_faults(mode='pass')
    requests.post(paths.EC2_URL + '/moto-api/reset-auth', data=b'inf',
                  timeout=5)


@pytest.fixture
def boot(demo_conn):
    """boot(flavor, image=None, wait_status='ACTIVE') -> server; deletes
    every server it booted afterwards."""
    booted = []

    def _boot(flavor, image=None, status='ACTIVE'):
        image = image or demo_conn.image.find_image(seed.IMAGE_NAME)
        fl = demo_conn.compute.find_flavor(flavor, ignore_missing=False)
        server = demo_conn.compute.create_server(
            name='ec2-it-%s' % uuid.uuid4().hex[:6], image_id=image.id,
            flavor_id=fl.id, networks='none')
        booted.append(server)
        return demo_conn.compute.wait_for_server(
            server, status=status, failures=['ERROR', 'ACTIVE'] if
            status == 'ERROR' else ['ERROR'], wait=120)
    yield _boot
    for server in booted:
        demo_conn.compute.delete_server(server, ignore_missing=True)
    for server in booted:
        helpers.wait_gone(demo_conn, server, wait=120)


def _wait_task_done(conn, server, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = conn.compute.get_server(server.id)
        if s.task_state is None and s.status == 'ACTIVE':
            return s
        time.sleep(0.3)
    raise AssertionError('server %s still busy: %s' % (server.id,
                                                       s.task_state))


def _state(ec2, instance_id):
    return ec2.describe_instances(InstanceIds=[instance_id])[
        'Reservations'][0]['Instances'][0]['State']['Name']


def test_boot_on_ec2_host_is_a_tagged_ec2_instance(boot, admin_conn,
                                                   demo_conn, ec2):
    server = boot('ec2.small')
    detail = admin_conn.compute.get_server(server.id)
    assert detail.compute_host == paths.EC2_HOST
    (inst,) = ec2_of(ec2, [server.id])
    tags = {t['Key']: t['Value'] for t in inst['Tags']}
    assert TAG_KEYS <= set(tags)
    assert tags['openstack:instance-id'] == server.id
    assert tags['openstack:project-id'] == demo_conn.current_project_id
    assert tags['openstack:user-id'] == demo_conn.current_user_id
    assert tags['openstack:managed-by'] == paths.EC2_MANAGED_BY
    assert tags['Name'] == server.name
    # The mapped type is the cheapest type of the price table that the
    # region offers and that covers the flavor (1 vCPU, 2048 MiB).
    offered = {o['InstanceType'] for o in ec2.describe_instance_type_offerings(
        LocationType='region')['InstanceTypeOfferings']}
    table = prices.region_types(paths.EC2_REGION)
    cheapest = min((t['usd_per_hour'], name) for name, t in table.items()
                   if name in offered and t['vcpus'] >= 1
                   and t['memory_mb'] >= 2048)[1]
    assert inst['InstanceType'] == cheapest
    # Where it runs is kept in system metadata, not in the server metadata
    # that the project's members can write.
    assert not [k for k in detail.metadata or {} if k.startswith('ec2:')]


def test_flavor_pins_instance_type_and_image_pins_ami(boot, admin_conn, ec2):
    name = 'ec2.pinned-%s' % uuid.uuid4().hex[:6]
    fl = admin_conn.compute.create_flavor(name=name, vcpus=1, ram=1024,
                                          disk=10, is_public=True)
    image = admin_conn.image.create_image(
        name='ami-pinned-%s' % uuid.uuid4().hex[:6], data=b'\0' * 1024,
        disk_format='raw', container_format='bare', visibility='public',
        ec2_ami_id='ami-1e749f67')
    try:
        admin_conn.compute.create_flavor_extra_specs(fl, {
            'burst:placement': 'public',
            'burst:instance_type': 't3.large'})
        server = boot(name, image=image)
        (inst,) = ec2_of(ec2, [server.id])
        assert inst['InstanceType'] == 't3.large'
        assert inst['ImageId'] == 'ami-1e749f67'
    finally:
        admin_conn.compute.delete_flavor(fl)
        admin_conn.image.delete_image(image)


def test_power_operations_reach_ec2(boot, demo_conn, ec2):
    server = boot('ec2.small')
    (inst,) = ec2_of(ec2, [server.id])
    iid = inst['InstanceId']
    demo_conn.compute.stop_server(server)
    demo_conn.compute.wait_for_server(server, status='SHUTOFF', wait=60)
    assert _state(ec2, iid) == 'stopped'
    demo_conn.compute.start_server(server)
    demo_conn.compute.wait_for_server(server, status='ACTIVE', wait=60)
    assert _state(ec2, iid) == 'running'
    demo_conn.compute.reboot_server(server, 'SOFT')
    _wait_task_done(demo_conn, server)
    assert _state(ec2, iid) == 'running'
    demo_conn.compute.delete_server(server)
    helpers.wait_gone(demo_conn, server, wait=60)
    assert _state(ec2, iid) == 'terminated'


def test_delete_tolerates_ec2_instance_already_gone(boot, demo_conn, ec2):
    server = boot('ec2.small')
    (inst,) = ec2_of(ec2, [server.id])
    ec2.terminate_instances(InstanceIds=[inst['InstanceId']])
    demo_conn.compute.delete_server(server)
    helpers.wait_gone(demo_conn, server, wait=60)
    assert demo_conn.compute.find_server(server.id) is None


def test_ordinary_flavors_stay_off_ec2_host(boot, admin_conn):
    servers = [boot('m1.small') for _ in range(3)]
    hosts = {admin_conn.compute.get_server(s.id).compute_host
             for s in servers}
    assert hosts and paths.EC2_HOST not in hosts


def _inject(fault):
    if fault == 'auth':
        requests.post(paths.EC2_URL + '/moto-api/reset-auth', data=b'0',
                      timeout=5).raise_for_status()
    else:
        ec2proxy.ec2_faults(**fault)


@pytest.mark.parametrize('fault,plain,detail', [
    ({'mode': 'down'}, 'EC2 not reachable', 'EC2 endpoint unreachable'),
    ('auth', 'EC2 refused the credentials of this cloud', 'AuthFailure'),
    ({'mode': 'error', 'action': 'RunInstances', 'status': 500,
      'code': 'InsufficientInstanceCapacity',
      'message': 'We currently do not have sufficient capacity for account '
                 'arn:aws:iam::123456789012:root'},
     'EC2 refused the launch: no capacity for this instance type now',
     'arn:aws:iam::123456789012:root'),
    ({'mode': 'error', 'action': 'RunInstances', 'status': 400,
      'code': 'VcpuLimitExceeded',
      'message': 'You have requested more vCPU capacity than your current '
                 'vCPU limit of 64 allows'},
     'EC2 refused the launch: the account limit is reached',
     'VcpuLimitExceeded: You have requested more vCPU capacity'),
    ({'mode': 'pending'}, 'EC2 instance not running within 15 s',
     'not running within 15 s'),
], ids=['unreachable', 'auth-failure', 'insufficient-capacity',
        'vcpu-limit', 'spawn-timeout'])
def test_fault_gives_error_with_reason_and_no_leak(
        fault, plain, detail, boot, admin_conn, demo_conn, ec2):
    _inject(fault)
    server = boot('ec2.small', status='ERROR')
    ec2proxy.ec2_faults(mode='pass')
    requests.post(paths.EC2_URL + '/moto-api/reset-auth', data=b'inf',
                  timeout=5)
    # The member reads what happened in words, none of AWS's own text.
    mine = demo_conn.compute.get_server(server.id)
    assert mine.status == 'ERROR'
    assert mine.fault['message'].endswith(plain), mine.fault
    assert not mine.fault.get('details')
    # Admins read EC2's answer in the fault's details, without secrets.
    admin_fault = admin_conn.compute.get_server(server.id).fault
    assert detail in admin_fault['details'], admin_fault
    for secret in (paths.secrets_()['ec2_secret_key'], paths.EC2_ACCESS_KEY):
        assert secret not in str(admin_fault) and secret not in str(mine)
    assert ec2_of(ec2, [server.id]) == []


def _ec2_compute_log():
    """The EC2 nova-compute's log since it last started."""
    with open(procs.log_path('nova-compute-' + paths.EC2_HOST)) as f:
        return f.read().rsplit('==== ', 1)[-1]


def test_credentials_never_logged(local_cloud):
    secret = paths.secrets_()['ec2_secret_key']
    log = _ec2_compute_log()
    assert 'EC2 driver for region' in log
    assert secret not in log


def _scheduler_away(line):
    """Nova's own report that nova-scheduler was away (a test restarts it):
    its fanout exchange is gone while it has no worker, and the periodic
    task that tells it about instances fails, traceback and all."""
    return "'scheduler_fanout'" in line or \
        '_sync_scheduler_instance_info' in line or \
        ' ERROR oslo_service.periodic_task ' in line and \
        ' req-' not in line


def test_compute_runs_without_errors(local_cloud):
    """Start-up and periodic tasks log no ERROR; the only ones allowed are
    those of builds the fault tests made fail on purpose and those of the
    scheduler's restart."""
    errors = [line for line in _ec2_compute_log().splitlines()
              if ' ERROR ' in line and '[instance: ' not in line and
              not _scheduler_away(line)]
    assert errors == []
