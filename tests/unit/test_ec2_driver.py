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

"""EC2Driver against boto3's own Stubber: the calls it makes and what it
does with EC2's answers and errors."""
import base64
import subprocess
import sys
import time
import types
from unittest import mock

import boto3
from botocore import exceptions as bexc
from botocore.stub import Stubber
from oslo_config import fixture as config_fixture
import pytest

from nova.compute import power_state
from nova import exception
from nova import objects

from burst_core import caps
from burst_core import policy
from burst_core import prices
from burst_nova.ec2 import driver as ec2_driver
from burst_nova import placement

objects.register_all()


@pytest.fixture
def conf():
    fix = config_fixture.Config(ec2_driver.CONF)
    fix.setUp()
    fix.config(group='ec2', default_ami='ami-default', managed_by='cloud-a',
               spawn_timeout=2, poll_interval=1, power_timeout=2,
               vcpu_quota=32)
    yield fix
    fix.cleanUp()


@pytest.fixture
def drv(conf):
    d = ec2_driver.EC2Driver(mock.sentinel.virtapi)
    kw = dict(region_name='us-east-1', aws_access_key_id='AKIA',
              aws_secret_access_key='s3cr3t')
    ec2 = boto3.client('ec2', **kw)
    quotas = boto3.client('service-quotas', **kw)
    d._clients = (ec2, quotas)
    d._types = (time.monotonic(), {
        'c7a.medium': {'vcpus': 1, 'memory_mb': 2048, 'current': True,
                       'x86_64': True}})
    d.init_host('ec2-us-east-1')
    d.policy = policy.BurstPolicy(enabled=True)
    with Stubber(ec2) as s_ec2, Stubber(quotas) as s_q, \
            mock.patch.object(d, '_policy',
                              side_effect=lambda ctx: d.policy), \
            mock.patch.object(placement, 'adapter'), \
            mock.patch.object(placement, 'ensure_provider',
                              return_value=('caps-rp', 1)), \
            mock.patch.object(placement, 'find_provider',
                              return_value=('caps-rp', 1)), \
            mock.patch.object(placement, 'sync_inventories') as sync, \
            mock.patch.object(placement, 'claim_caps') as claim, \
            mock.patch.object(placement, 'release_caps') as release:
        d.stub, d.stub_q = s_ec2, s_q
        d.sync, d.claim, d.release = sync, claim, release
        yield d
        s_ec2.assert_no_pending_responses()
        s_q.assert_no_pending_responses()


def _instance(**kw):
    flavor = types.SimpleNamespace(vcpus=1, memory_mb=2048, extra_specs={})
    values = dict(uuid='11111111-2222-3333-4444-555555555555',
                  display_name='web-1', project_id='proj', user_id='user',
                  name='instance-00000001', flavor=flavor,
                  system_metadata={}, metadata={}, user_data=None,
                  image_ref='img-1', save=mock.Mock(), host='ec2-us-east-1')
    values.update(kw)
    return types.SimpleNamespace(**values)


def _desc(state, iid='i-1'):
    return {'Reservations': [{'Instances': [{
        'InstanceId': iid, 'InstanceType': 'c7a.medium',
        'State': {'Name': state, 'Code': 16},
        'Placement': {'AvailabilityZone': 'us-east-1a'},
        'PrivateIpAddress': '10.0.0.5', 'PublicIpAddress': '3.3.3.3',
        'Tags': [{'Key': 'openstack:instance-id',
                  'Value': '11111111-2222-3333-4444-555555555555'}]}]}]}


def _by_tag(uuid):
    return {'Filters': [
        {'Name': 'tag:openstack:managed-by', 'Values': ['cloud-a']},
        {'Name': 'instance-state-name',
         'Values': ['pending', 'running', 'stopping', 'stopped']},
        {'Name': 'tag:openstack:instance-id', 'Values': [uuid]}]}


def _by_token(token):
    return {'Filters': [{'Name': 'client-token', 'Values': [token]}]}


def test_spawn_tags_at_launch_and_records_where_it_runs(drv, conf):
    conf.config(group='ec2', allowed_amis=['ami-img'])
    inst = _instance(system_metadata={'image_ec2_ami_id': 'ami-img'},
                     user_data=base64.b64encode(b'#!/bin/sh\necho hi\n'))
    tags = [{'Key': 'Name', 'Value': 'web-1'},
            {'Key': 'openstack:instance-id', 'Value': inst.uuid},
            {'Key': 'openstack:project-id', 'Value': 'proj'},
            {'Key': 'openstack:user-id', 'Value': 'user'},
            {'Key': 'openstack:managed-by', 'Value': 'cloud-a'},
            {'Key': 'openstack:instance-name',
             'Value': 'instance-00000001'},
            {'Key': 'openstack:compute-host', 'Value': 'ec2-us-east-1'}]
    drv.stub.add_response('run_instances', {'Instances': [
        {'InstanceId': 'i-1'}]}, {
        'ImageId': 'ami-img', 'InstanceType': 'c7a.medium', 'MinCount': 1,
        'MaxCount': 1, 'ClientToken': inst.uuid + '-1',
        # Nova's base64 decoded: botocore encodes it (once) itself.
        'UserData': b'#!/bin/sh\necho hi\n',
        'TagSpecifications': [{'ResourceType': kind, 'Tags': tags}
                              for kind in ('instance', 'volume')]})
    drv.stub.add_response('describe_instances', _desc('running'),
                          {'InstanceIds': ['i-1']})
    drv.stub.add_response('describe_instances', _desc('running'),
                          {'InstanceIds': ['i-1']})
    drv.spawn(None, inst, None, [], None, {})
    # Where it runs goes to system metadata: members can write metadata.
    assert inst.metadata == {}
    assert inst.system_metadata == {
        'image_ec2_ami_id': 'ami-img',
        # The launch token, saved before the launch.
        'ec2:launch_attempt': '1', 'ec2:client_token': inst.uuid + '-1',
        'ec2:instance_id': 'i-1', 'ec2:instance_type': 'c7a.medium',
        'ec2:availability_zone': 'us-east-1a',
        'ec2:private_ip': '10.0.0.5', 'ec2:public_ip': '3.3.3.3'}
    # Its share of the caps was claimed before the launch: one instance,
    # its vCPU, c7a.medium's price in COST_UNITs.
    ((client_, consumer, project, user, rp, wanted), _) = \
        drv.claim.call_args
    assert (consumer, project, user, rp) == (inst.uuid, 'proj', 'user',
                                             'caps-rp')
    assert wanted[caps.INSTANCES] == 1 and wanted[caps.VCPUS] == 1
    assert wanted[caps.COST] > 0
    drv.sync.assert_called_once_with(client_, 'caps-rp',
                                     caps.inventories(drv.policy))


@pytest.mark.parametrize('classes,fault', [
    ([caps.INSTANCES], 'EC2 instance cap reached'),
    ([caps.VCPUS, caps.COST], 'EC2 vCPU cap and EC2 cost cap reached'),
])
def test_spawn_over_a_cap_launches_nothing(drv, classes, fault):
    drv.policy = policy.BurstPolicy(enabled=True, max_instances=3,
                                    max_vcpus=4, max_cost_per_hour=1)
    drv.claim.side_effect = placement.CapsExceeded(classes)
    with pytest.raises(exception.BuildAbortException) as e:
        drv.spawn(None, _instance(), None, [], None, {})
    # The fault names the cap, not the cloud's figures (members read it).
    assert str(e.value) == 'Build of instance %s aborted: %s' % (
        _instance().uuid, fault)


@pytest.mark.parametrize('problem,fault', [
    ('malformed', 'the burst policy could not be read'),
    ('placement', 'the EC2 caps could not be checked'),
    ('price', 'price of the instance type is unknown'),
])
def test_spawn_refuses_when_the_caps_cannot_be_held(drv, conf, problem,
                                                    fault):
    if problem == 'malformed':
        drv.policy = None
        drv._policy.side_effect = policy.PolicyError({'burst:x': 'bad'})
    elif problem == 'placement':
        drv.claim.side_effect = placement.PlacementError('HTTP 503')
    else:
        drv.policy = policy.BurstPolicy(enabled=True, max_cost_per_hour=1)
        conf.config(group='burst', price_overrides={})
        drv._types = (time.monotonic(), {
            'zz9.odd': {'vcpus': 1, 'memory_mb': 2048, 'current': True,
                        'x86_64': True}})
        inst = _instance()
        inst.flavor.extra_specs = {'burst:instance_type': 'zz9.odd'}
    with pytest.raises(exception.BuildAbortException) as e:
        drv.spawn(None, inst if problem == 'price' else _instance(), None,
                  [], None, {})
    assert fault in str(e.value)


def test_spawn_capacity_error_aborts_in_plain_words(drv, conf):
    conf.config(group='ec2', access_key_id='AKIAEXAMPLE1')
    inst = _instance()
    token = inst.uuid + '-1'
    drv.stub.add_client_error(
        'run_instances', service_error_code='InsufficientInstanceCapacity',
        service_message='arn:aws:iam::123456789012 AKIAEXAMPLE1 has no '
                        'capacity',
        http_status_code=400)
    # A refusal launched nothing: the clean-up still looks.
    drv.stub.add_response('describe_instances', {'Reservations': []},
                          _by_tag(inst.uuid))
    drv.stub.add_response('describe_instances', {'Reservations': []},
                          _by_token(token))
    with pytest.raises(exception.BuildAbortException) as e:
        drv.spawn(None, inst, None, [], None, {})
    # Members read the message: what happened, none of AWS's text.
    assert str(e.value).endswith(
        'aborted: EC2 refused the launch: no capacity for this instance '
        'type now')
    # Admins read the details (the cause): AWS's text, the key scrubbed.
    cause = str(e.value.__cause__)
    assert 'InsufficientInstanceCapacity' in cause
    assert 'arn:aws:iam::123456789012' in cause
    assert 'AKIAEXAMPLE1' not in cause
    # The failed launch gives its share of the caps back.
    drv.release.assert_called_once_with(mock.ANY, inst.uuid, 'caps-rp')


def test_launch_whose_answer_was_lost_is_found_by_its_token(drv):
    inst = _instance(system_metadata={'ec2:launch_attempt': '2'})
    token = inst.uuid + '-3'
    drv.stub.add_client_error('run_instances',
                              service_error_code='InternalError',
                              http_status_code=500)
    drv.stub.add_response('describe_instances', _desc('pending', 'i-7'),
                          _by_token(token))
    drv.stub.add_response('describe_instances', _desc('running', 'i-7'),
                          {'InstanceIds': ['i-7']})
    drv.stub.add_response('describe_instances', _desc('running', 'i-7'),
                          {'InstanceIds': ['i-7']})
    drv.spawn(None, inst, None, [], None, {})
    assert inst.system_metadata['ec2:instance_id'] == 'i-7'
    assert inst.system_metadata['ec2:client_token'] == token
    inst.save.assert_called_once_with()


class SlowEC2(object):
    """An EC2 that launches, then never says running, and answers each
    describe only after ``delay`` seconds."""

    def __init__(self, delay):
        self.delay, self.terminated = delay, []

    def run_instances(self, **kw):
        return {'Instances': [{'InstanceId': 'i-9'}]}

    def describe_instances(self, **kw):
        time.sleep(self.delay)
        return _desc('pending', 'i-9')

    def terminate_instances(self, InstanceIds):
        self.terminated.extend(InstanceIds)

    def get_paginator(self, name):
        return mock.Mock(paginate=lambda **kw: [_desc('pending', 'i-9')])


@pytest.mark.parametrize('delay', [0, 5])
def test_spawn_ends_by_its_deadline_and_terminates_the_launch(drv, delay):
    """spawn_timeout is 2 s: the build ends by then (plus the clean-up),
    whether EC2 answers at once or takes 5 s a call."""
    slow = SlowEC2(delay)
    drv._clients = (slow, drv._clients[1])
    started = time.monotonic()
    with pytest.raises(exception.BuildAbortException) as e:
        drv.spawn(None, _instance(), None, [], None, {})
    assert time.monotonic() - started < 2 + 0.5 + (delay and 5)
    assert str(e.value).endswith('EC2 instance not running within 2 s')
    assert slow.terminated == ['i-9']


def test_spawn_without_ami_aborts_before_calling_ec2(drv, conf):
    conf.config(group='ec2', default_ami=None)
    with pytest.raises(exception.BuildAbortException, match='default_ami'):
        drv.spawn(None, _instance(), None, [], None, {})


@pytest.mark.parametrize('mapped,allowed,expected', [
    ({}, [], None),                              # the property: refused
    ({}, ['ami-evil'], 'ami-evil'),              # the operator allows it
    ({'img-1': 'ami-ops'}, ['ami-evil'], 'ami-ops'),  # the map wins
])
def test_a_member_image_property_never_picks_the_ami_alone(
        drv, conf, mapped, allowed, expected):
    conf.config(group='ec2', image_ami_map=mapped, allowed_amis=allowed)
    inst = _instance(system_metadata={'image_ec2_ami_id': 'ami-evil'})
    if expected is None:
        with pytest.raises(exception.BuildAbortException,
                           match='operator has not allowed'):
            drv.spawn(None, inst, None, [], None, {})
        return
    drv.stub.add_client_error('run_instances', 'InvalidAMIID.NotFound',
                              expected_params={
                                  'ImageId': expected,
                                  'InstanceType': mock.ANY,
                                  'MinCount': 1, 'MaxCount': 1,
                                  'ClientToken': mock.ANY,
                                  'TagSpecifications': mock.ANY})
    for _ in range(2):
        drv.stub.add_response('describe_instances', {'Reservations': []})
    with pytest.raises(exception.BuildAbortException,
                       match='EC2 refused the image'):
        drv.spawn(None, inst, None, [], None, {})


def test_destroy_is_idempotent(drv):
    inst = _instance()
    drv.stub.add_response('describe_instances', {'Reservations': []},
                          _by_tag(inst.uuid))
    drv.destroy(None, inst, None)  # nothing there: no terminate call
    drv.stub.add_response('describe_instances', _desc('running'),
                          _by_tag(inst.uuid))
    drv.stub.add_response('terminate_instances', {}, {'InstanceIds': ['i-1']})
    drv.destroy(None, inst, None)


def test_get_info_maps_state_and_raises_when_gone(drv):
    drv.stub.add_response('describe_instances', _desc('stopped'), None)
    assert drv.get_info(_instance(), use_cache=False).state == \
        power_state.SHUTDOWN
    drv.stub.add_response('describe_instances', {'Reservations': []}, None)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(_instance(uuid='other'), use_cache=False)


def test_listing_when_ec2_is_away_is_nova_s_driver_not_ready(drv, caplog):
    """Nova's power-state sync and clean-up tasks skip a round with a
    warning for VirtDriverNotReady; any other error is an ERROR and a
    traceback in nova-compute's log every ten minutes of an outage."""
    drv.stub.add_response('describe_instances', _desc('running'), None)
    assert drv.get_num_instances() == 1
    drv.stub.add_client_error('describe_instances', 'RequestLimitExceeded',
                              'Request limit exceeded.', 503)
    with pytest.raises(exception.VirtDriverNotReady):
        drv.list_instance_uuids()
    closed = bexc.ConnectionClosedError(endpoint_url='http://ec2.test/')
    with mock.patch.object(drv, '_describe', side_effect=closed):
        with pytest.raises(exception.VirtDriverNotReady):
            drv.get_num_instances()
    assert 'RequestLimitExceeded' in caplog.text
    assert 's3cr3t' not in caplog.text


@pytest.mark.parametrize('quota,expected', [
    ({'Quota': {'Value': 128.0}}, 128), (None, 32)])
def test_provider_tree_vcpus_from_quota_else_configured(drv, quota,
                                                        expected):
    if quota:
        drv.stub_q.add_response('get_service_quota', quota, {
            'ServiceCode': 'ec2', 'QuotaCode': 'L-1216C47A'})
    else:
        drv.stub_q.add_client_error('get_service_quota',
                                    'NoSuchResourceException')
    tree = mock.Mock()
    drv.update_provider_tree(tree, 'ec2-us-east-1')
    inventory = tree.update_inventory.call_args[0][1]
    assert inventory['VCPU']['total'] == expected
    assert inventory['VCPU']['allocation_ratio'] == 1.0
    assert inventory['MEMORY_MB']['total'] >= 1024 * 1024
    tree.add_traits.assert_called_once_with('ec2-us-east-1',
                                            'CUSTOM_BURST_EC2')


def test_unsupported_operations_raise_nova_errors(drv):
    with pytest.raises(exception.ConsoleTypeUnavailable):
        drv.get_vnc_console(None, _instance())
    with pytest.raises(exception.MigrationPreCheckError):
        drv.check_can_live_migrate_destination(None, _instance(), {}, {})


def test_burst_nova_never_imports_django():
    code = ('import sys, burst_nova.ec2.driver, burst_nova.nova_shim; '
            'bad = [m for m in sys.modules if m.split(".")[0] == "django"]; '
            'sys.exit(1 if bad else 0)')
    assert subprocess.run([sys.executable, '-c', code]).returncode == 0


def test_get_info_of_one_instance_describes_only_it(drv):
    """A build asks for its instance's power state without the cache: one
    describe filtered by its tag, not the whole fleet (O(n) per build)."""
    inst = _instance()
    drv.stub.add_response('describe_instances', _desc('running'),
                          _by_tag(inst.uuid))
    info = drv.get_info(inst, use_cache=False)
    assert info.internal_id == 'i-1' and info.state == 1
    drv.stub.assert_no_pending_responses()
    # From the cache, an instance newer than it is looked up the same way.
    drv.stub.add_response('describe_instances', {'Reservations': []},
                          {'Filters': _by_tag(inst.uuid)['Filters'][:2]})
    drv.stub.add_response('describe_instances', _desc('stopped'),
                          _by_tag(inst.uuid))
    assert drv.get_info(inst).state == 4
    drv.stub.assert_no_pending_responses()


def test_start_claims_caps_for_instances_that_hold_none(drv):
    """After an upgrade (or a lost claim) every instance of the host with a
    live EC2 instance claims its share of the caps when nova-compute
    starts, whatever Nova's state; building ones claim in spawn."""
    def inst(uuid, state, itype=None):
        return _instance(uuid=uuid, vm_state=state, system_metadata=(
            {'ec2:instance_type': itype} if itype else {}))
    found = [inst('a', 'active', 't3.small'), inst('b', 'stopped'),
             inst('c', 'error'), inst('d', 'building'), inst('e', 'error')]
    live = {u: {'InstanceId': 'i-' + u} for u in 'abcd'}
    drv.claim.side_effect = [None, None,
                             placement.CapsExceeded([caps.INSTANCES])]
    with mock.patch.object(ec2_driver.objects.InstanceList, 'get_by_host',
                           return_value=found) as listed, \
            mock.patch.object(drv, '_managed_instances', return_value=live):
        drv.init_host('ec2-us-east-1')
    assert listed.call_args[0][1] == 'ec2-us-east-1'
    claimed = [c[0][1] for c in drv.claim.call_args_list]
    assert claimed == ['a', 'b', 'c']
    small = drv.claim.call_args_list[0][0][5]
    assert small[caps.COST] == caps.claim(1, prices.PriceBook(
        'us-east-1').hourly('t3.small'))[caps.COST]


def test_start_never_resets_the_caps_outside_the_burst_aggregate(drv):
    drv._policy.side_effect = policy.PolicyError({'aggregate': 'not in'})
    drv.init_host('ec2-us-east-1')
    drv.sync.assert_not_called()
    drv.claim.assert_not_called()


def test_start_terminates_ec2_instances_no_live_nova_instance_is_behind(
        drv):
    """nova-compute killed mid-spawn: Nova puts the instance in ERROR at
    start without calling destroy; the driver terminates its EC2 instance
    then, and those of failed builds and of instances Nova forgot -- never
    one Nova has on another host (a renamed host included)."""
    here = [_instance(uuid='a', vm_state='building', host='ec2-us-east-1'),
            _instance(uuid='b', vm_state='active', host='ec2-us-east-1')]

    def ec2(uuid):
        return {'InstanceId': 'i-' + uuid, 'State': {'Name': 'running'},
                'Tags': [{'Key': 'openstack:instance-id', 'Value': uuid}]}

    def elsewhere(ctx, uuid):
        if uuid == 'c':
            raise exception.InstanceNotFound(instance_id=uuid)
        if uuid == 'e':
            return _instance(uuid=uuid, vm_state='active', host='ec2-old')
        return _instance(uuid=uuid, vm_state='error', host=None)
    for iid in ('i-a', 'i-c', 'i-d'):
        drv.stub.add_response('terminate_instances', {},
                              {'InstanceIds': [iid]})
    with mock.patch.object(objects.Instance, 'get_by_uuid',
                           side_effect=elsewhere), \
            mock.patch.object(drv, '_describe', return_value=[
                ec2(u) for u in 'abcde']) as described:
        assert drv.process_instances_at_startup(None, here) is here
    # Only the EC2 instances this host launched (its tag) are looked at.
    assert {'Name': 'tag:openstack:compute-host',
            'Values': ['ec2-us-east-1']} in described.call_args[0][0]
