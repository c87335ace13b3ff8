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

"""Pure Nova <-> EC2 translations of the EC2 driver."""
import types

from botocore import exceptions as bexc
import pytest

from nova.compute import power_state

from burst_core import prices
from burst_nova.ec2 import client
from burst_nova.ec2 import mapping

OFFERED = {
    't3.micro': {'vcpus': 2, 'memory_mb': 1024, 'current': True,
                 'x86_64': True},
    't3.small': {'vcpus': 2, 'memory_mb': 2048, 'current': True,
                 'x86_64': True},
    'c7a.medium': {'vcpus': 1, 'memory_mb': 2048, 'current': True,
                   'x86_64': True},
    'm1.small': {'vcpus': 1, 'memory_mb': 1740, 'current': False,
                 'x86_64': True},
    'a1.medium': {'vcpus': 1, 'memory_mb': 2048, 'current': True,
                  'x86_64': False},
    'm5.large': {'vcpus': 2, 'memory_mb': 8192, 'current': True,
                 'x86_64': True},
}


@pytest.mark.parametrize('state,expected', [
    ('pending', power_state.NOSTATE),
    ('running', power_state.RUNNING),
    ('stopping', power_state.RUNNING),
    ('stopped', power_state.SHUTDOWN),
    ('shutting-down', power_state.SHUTDOWN),
    ('terminated', power_state.SHUTDOWN),
    ('something-new', power_state.NOSTATE),
])
def test_power_state_of(state, expected):
    assert mapping.power_state_of(state) == expected


@pytest.mark.parametrize('vcpus,ram,specs,expected', [
    (1, 2048, {}, 'c7a.medium'),          # fewest vCPUs that cover
    (1, 512, {}, 'c7a.medium'),           # arm and old generation skipped
    (2, 1024, {}, 't3.micro'),            # then least memory
    (2, 4096, {}, 'm5.large'),
    (1, 512, {'burst:instance_type': 'm5.large'}, 'm5.large'),  # pinned
])
def test_choose_instance_type(vcpus, ram, specs, expected):
    assert prices.choose_instance_type(vcpus, ram, specs, OFFERED) == \
        expected


def test_cheapest_covering_type_wins_when_prices_known():
    book = prices.PriceBook('us-east-1', overrides={'m5.large': 0.001})
    assert prices.choose_instance_type(1, 512, {}, OFFERED, book) == \
        'm5.large'
    # Without an override the shipped table prices t3.micro below c7a.
    book = prices.PriceBook('us-east-1')
    assert prices.choose_instance_type(1, 512, {}, OFFERED, book) == \
        't3.micro'


def test_pinned_type_not_offered_is_refused():
    with pytest.raises(prices.NoInstanceType, match='p5.48xlarge'):
        prices.choose_instance_type(
            1, 512, {'burst:instance_type': 'p5.48xlarge'}, OFFERED)


def test_no_type_covers_flavor():
    with pytest.raises(prices.NoInstanceType, match='64 vCPUs'):
        prices.choose_instance_type(64, 1024, {}, OFFERED)


def test_instance_types_from_describe():
    pages = [{'InstanceTypes': [
        {'InstanceType': 'x1', 'VCpuInfo': {'DefaultVCpus': 4},
         'MemoryInfo': {'SizeInMiB': 100}, 'CurrentGeneration': False,
         'ProcessorInfo': {'SupportedArchitectures': ['arm64']}}]}]
    assert mapping.instance_types_from_describe(pages) == {
        'x1': {'vcpus': 4, 'memory_mb': 100, 'current': False,
               'x86_64': False}}


def test_choose_ami_is_the_operators_choice():
    prop = {'ec2_ami_id': 'ami-1'}
    # The operator's map wins; a property only names an allowed AMI.
    assert mapping.choose_ami('img', prop, 'ami-d', {'img': 'ami-m'},
                              ['ami-1']) == 'ami-m'
    assert mapping.choose_ami('img', prop, 'ami-d', {}, ['ami-1']) == 'ami-1'
    with pytest.raises(mapping.NoImage, match='not allowed'):
        mapping.choose_ami('img', prop, 'ami-d', {}, [])
    assert mapping.choose_ami('img', {}, 'ami-d') == 'ami-d'
    with pytest.raises(mapping.NoImage, match='default_ami'):
        mapping.choose_ami('img', {}, None)


def test_plain_reason_names_no_aws_text():
    from botocore import exceptions as bexc

    from burst_nova.ec2 import client

    def error(code):
        return bexc.ClientError({'Error': {
            'Code': code, 'Message': 'arn:aws:iam::123456789012:role/x'}},
            'RunInstances')
    assert client.plain_reason(error('VcpuLimitExceeded')) == \
        'EC2 refused the launch: the account limit is reached'
    assert client.plain_reason(error('InvalidAMIID.Malformed')) == \
        'EC2 refused the image (AMI)'
    assert client.plain_reason(error('Weird')) == \
        'EC2 refused the request (Weird)'
    assert client.plain_reason(bexc.EndpointConnectionError(
        endpoint_url='https://ec2.secret.example')) == 'EC2 not reachable'


def test_launch_tags_carry_nova_identity():
    inst = types.SimpleNamespace(uuid='u-1', display_name='web' * 100,
                                 project_id='p-1', user_id='us-1',
                                 name='instance-00000001')
    specs = mapping.tag_specifications(inst, 'cloud-a')
    assert [s['ResourceType'] for s in specs] == ['instance', 'volume']
    tags = {t['Key']: t['Value'] for t in specs[0]['Tags']}
    assert tags['openstack:instance-id'] == 'u-1'
    assert tags['openstack:project-id'] == 'p-1'
    assert tags['openstack:user-id'] == 'us-1'
    assert tags['openstack:managed-by'] == 'cloud-a'
    assert len(tags['Name']) == 255


def test_describe_error_never_shows_secrets():
    err = bexc.ClientError({'Error': {
        'Code': 'AuthFailure', 'Message': 'bad key s3cr3t'}}, 'RunInstances')
    assert client.describe_error(err, secrets=('s3cr3t', None)) == \
        'AuthFailure: bad key ***'
    unreachable = bexc.EndpointConnectionError(endpoint_url='http://x')
    assert client.describe_error(unreachable).startswith(
        'EC2 endpoint unreachable')
    assert 'credentials' in client.describe_error(bexc.NoCredentialsError())


def test_described_instances_flattens_every_page():
    from burst_core import tags
    pages = [{'Reservations': [{'Instances': [{'InstanceId': 'i-1'},
                                              {'InstanceId': 'i-2'}]},
                               {'Instances': []}, {}]},
             {},    # a page with no reservation
             {'Reservations': [{'Instances': [{'InstanceId': 'i-3'}]}]}]
    assert [i['InstanceId'] for i in tags.described_instances(*pages)] == \
        ['i-1', 'i-2', 'i-3']
    assert tags.described_instances() == []
