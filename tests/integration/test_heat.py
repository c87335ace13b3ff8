"""Heat in the local cloud (the start of issue 12): a member's stack of
standard OS::Nova::Server resources is placed by the burst scheduler like
any other server -- local, or on EC2 for a flavor pinned public -- and a
stack delete leaves no EC2 instance running."""
import time
import types
import uuid

import boto3
from openstack import exceptions
import pytest

from localcloud import paths
from localcloud import services

pytestmark = pytest.mark.integration


def _template(flavor):
    """Standard Heat: nothing in it names EC2."""
    return {'heat_template_version': '2021-04-16',
            'resources': {'web': {'type': 'OS::Nova::Server', 'properties': {
                'image': services.IMAGE_NAME, 'flavor': flavor,
                'networks': [{'allocate_network': 'none'}]}}},
            'outputs': {'server': {'value': {'get_resource': 'web'}}}}


def _wait(conn, stack_id, done, wait=180):
    deadline = time.monotonic() + wait
    while True:
        try:
            stack = conn.orchestration.get_stack(stack_id)
        except exceptions.NotFoundException:
            return None   # deleted
        if stack.status in done:
            return stack
        assert time.monotonic() < deadline, stack.status
        time.sleep(2)


@pytest.fixture
def stack(demo_conn):
    made = []

    def create(flavor):
        s = demo_conn.orchestration.create_stack(
            name='heat-it-%s' % uuid.uuid4().hex[:6],
            template=_template(flavor))
        made.append(s)
        return _wait(demo_conn, s.id, ('CREATE_COMPLETE', 'CREATE_FAILED'))
    yield create
    for s in made:
        demo_conn.orchestration.delete_stack(s.id, ignore_missing=True)
    for s in made:
        _wait(demo_conn, s.id, ('DELETE_COMPLETE', 'DELETE_FAILED'))


@pytest.mark.parametrize('flavor,on_ec2', [('m1.tiny', False),
                                           ('ec2.small', True)])
def test_stack_servers_are_placed_by_the_burst_scheduler(
        stack, demo_conn, admin_conn, flavor, on_ec2):
    created = stack(flavor)
    assert created.status == 'CREATE_COMPLETE', created.status_reason
    (server_id,) = [o['output_value'] for o in created.outputs
                    if o['output_key'] == 'server']
    server = admin_conn.compute.get_server(server_id)
    assert server.status == 'ACTIVE'
    if on_ec2:
        assert server.compute_host == paths.EC2_HOST
    else:
        assert server.compute_host in services.compute_hosts()


def test_stack_delete_leaves_no_ec2_instance(demo_conn, admin_conn):
    ec2 = boto3.client('ec2', endpoint_url=paths.EC2_URL,
                       region_name=paths.EC2_REGION,
                       aws_access_key_id='t', aws_secret_access_key='x')
    s = demo_conn.orchestration.create_stack(
        name='heat-it-%s' % uuid.uuid4().hex[:6],
        template=_template('ec2.small'))
    created = _wait(demo_conn, s.id, ('CREATE_COMPLETE', 'CREATE_FAILED'))
    assert created.status == 'CREATE_COMPLETE', created.status_reason
    (server_id,) = [o['output_value'] for o in created.outputs
                    if o['output_key'] == 'server']

    def live():
        found = ec2.describe_instances(Filters=[
            {'Name': 'tag:openstack:instance-id', 'Values': [server_id]},
            {'Name': 'instance-state-name',
             'Values': ['pending', 'running', 'stopping', 'stopped']}])
        return [i for r in found['Reservations'] for i in r['Instances']]
    assert len(live()) == 1
    demo_conn.orchestration.delete_stack(s.id)
    _wait(demo_conn, s.id, ('DELETE_COMPLETE', 'DELETE_FAILED'))
    services.wait_gone(demo_conn, types.SimpleNamespace(id=server_id),
                       wait=120)
    assert live() == []
