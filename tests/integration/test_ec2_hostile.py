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

"""Issue 11 on the local cloud: the EC2 driver against a member with bad
intent and a bad day, faults injected for real (the fault proxy, which
also plays AWS's ClientToken idempotency; killing nova-compute by its
PID)."""
import base64
import signal
import time
import uuid

import pytest

from localcloud import ec2proxy

from tests import helpers

from localcloud import seed

from tests.integration.conftest import ec2_of
from tests.integration.conftest import restart_ec2_compute

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def no_faults(local_cloud):
    ec2proxy.ec2_faults(mode='pass')
    yield
    ec2proxy.ec2_faults(mode='pass')


@pytest.fixture
def made(demo_conn):
    """Servers and images the test makes as the member, deleted after."""
    things = {'servers': [], 'images': []}
    yield things
    for s in things['servers']:
        demo_conn.compute.delete_server(s, ignore_missing=True)
    for s in things['servers']:
        helpers.wait_gone(demo_conn, s, wait=120)
    for image in things['images']:
        demo_conn.image.delete_image(image, ignore_missing=True)


def _boot(demo_conn, made, flavor='ec2.small', image=None, status='ACTIVE',
          **kw):
    image = image or demo_conn.image.find_image(seed.IMAGE_NAME)
    fl = demo_conn.compute.find_flavor(flavor, ignore_missing=False)
    server = demo_conn.compute.create_server(
        name='ec2-hostile-%s' % uuid.uuid4().hex[:6], image_id=image.id,
        flavor_id=fl.id, networks='none', **kw)
    made['servers'].append(server)
    if status is None:
        return server
    return demo_conn.compute.wait_for_server(
        server, status=status, failures=['ERROR', 'ACTIVE'] if
        status == 'ERROR' else ['ERROR'], wait=120)


def test_member_image_cannot_pick_the_ami(demo_conn, made, ec2):
    """The member uploads an image naming an AMI of their choice: the
    build is refused, in words, and nothing runs in EC2."""
    image = demo_conn.image.create_image(
        name='evil-%s' % uuid.uuid4().hex[:6], data=b'\0' * 1024,
        disk_format='raw', container_format='bare',
        ec2_ami_id='ami-03cf127a')
    made['images'].append(image)
    server = _boot(demo_conn, made, image=image, status='ERROR')
    fault = demo_conn.compute.get_server(server.id).fault
    assert fault['message'].endswith(
        'the image asks for an AMI (ec2_ami_id property) that the operator '
        'has not allowed'), fault
    assert ec2_of(ec2, [server.id]) == []


def test_user_data_arrives_intact(demo_conn, made, ec2):
    script = b'#cloud-config\nruncmd:\n  - [echo, "\xc3\xa9t\xc3\xa9 \x00"]\n'
    server = _boot(demo_conn, made,
                   user_data=base64.b64encode(script).decode())
    (inst,) = ec2_of(ec2, [server.id])
    got = ec2.describe_instance_attribute(
        InstanceId=inst['InstanceId'], Attribute='userData')
    assert base64.b64decode(got['UserData']['Value']) == script


def test_rebuild_gets_a_new_ec2_instance_and_ends_the_old(
        demo_conn, admin_conn, made, ec2):
    """A rebuild launches again: with AWS's ClientToken idempotency (the
    fault proxy plays it) the same token would answer the old, terminated
    instance; a token per attempt gets a new one."""
    server = _boot(demo_conn, made)
    (old,) = ec2_of(ec2, [server.id])
    image = demo_conn.image.find_image(seed.IMAGE_NAME)
    demo_conn.compute.rebuild_server(server, image=image.id)
    deadline = time.monotonic() + 120
    while True:
        s = demo_conn.compute.get_server(server.id)
        if s.status == 'ACTIVE' and not s.task_state:
            break
        assert s.status != 'ERROR', s.fault
        assert time.monotonic() < deadline, s.status
        time.sleep(1)
    (new,) = ec2_of(ec2, [server.id])
    assert new['InstanceId'] != old['InstanceId']
    assert new['State']['Name'] == 'running'
    assert ec2_of(ec2, [server.id], ('terminated',))[0]['InstanceId'] == \
        old['InstanceId']


def test_compute_killed_mid_spawn_leaves_no_ec2_instance_running(
        demo_conn, admin_conn, made, ec2):
    # EC2 launches but never says running: the spawn waits.
    ec2proxy.ec2_faults(mode='pending')
    server = _boot(demo_conn, made, status=None)
    deadline = time.monotonic() + 60
    while not ec2_of(ec2, [server.id]):
        assert time.monotonic() < deadline, 'no EC2 launch'
        time.sleep(0.5)
    # nova-compute dies mid-spawn; EC2 comes back; it starts again.
    ec2proxy.ec2_faults(mode='pass')
    restart_ec2_compute(admin_conn, sig=signal.SIGKILL,
                        until=lambda: not ec2_of(ec2, [server.id]))
    assert ec2_of(ec2, [server.id], ('shutting-down', 'terminated'))
    # Nova put its instance right: ERROR, not BUILD forever.
    assert demo_conn.compute.get_server(server.id).status == 'ERROR'


def test_launch_whose_reply_is_lost_is_found_not_repeated(demo_conn, made,
                                                          ec2):
    """EC2 launches, but no reply reaches nova-compute (every attempt of
    botocore's retries): the driver finds the launch by its client token
    and goes on with it; one EC2 instance, not two, not a stray."""
    ec2proxy.ec2_faults(mode='lose', action='RunInstances')
    server = _boot(demo_conn, made)
    ec2proxy.ec2_faults(mode='pass')
    (inst,) = ec2_of(ec2, [server.id])
    assert inst['State']['Name'] == 'running'
    assert len(ec2_of(ec2, [server.id], states=None)) == 1
