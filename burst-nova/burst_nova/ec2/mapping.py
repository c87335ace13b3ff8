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

"""Pure translations between Nova and EC2: no I/O, no Nova services."""
from nova.compute import power_state

from burst_core.tags import TAG_COMPUTE_HOST
from burst_core.tags import TAG_INSTANCE
from burst_core.tags import TAG_INSTANCE_NAME
from burst_core.tags import TAG_MANAGED_BY
from burst_core.tags import TAG_PROJECT
from burst_core.tags import TAG_USER

AMI_PROPERTY = 'ec2_ami_id'

# EC2 instance-state names -> Nova power states.
_POWER_STATES = {
    'pending': power_state.NOSTATE,
    'running': power_state.RUNNING,
    'stopping': power_state.RUNNING,
    'stopped': power_state.SHUTDOWN,
    'shutting-down': power_state.SHUTDOWN,
    'terminated': power_state.SHUTDOWN,
}
LIVE_STATES = ('pending', 'running', 'stopping', 'stopped')


class NoImage(ValueError):
    pass


def power_state_of(ec2_state):
    """Nova power state for an EC2 instance-state name."""
    return _POWER_STATES.get(ec2_state, power_state.NOSTATE)


def launch_tags(instance, managed_by):
    """Tags for TagSpecifications: the instance's Nova identity."""
    tags = {
        'Name': instance.display_name or instance.uuid,
        TAG_INSTANCE: instance.uuid,
        TAG_PROJECT: instance.project_id,
        TAG_USER: instance.user_id,
        TAG_MANAGED_BY: managed_by,
        TAG_INSTANCE_NAME: instance.name,
        # The nova-compute that launched it: only that one ever terminates
        # it as a leftover at its start.
        TAG_COMPUTE_HOST: getattr(instance, 'host', None),
    }
    return [{'Key': k, 'Value': str(v)[:255]} for k, v in tags.items()
            if v]


def tag_specifications(instance, managed_by):
    tags = launch_tags(instance, managed_by)
    return [{'ResourceType': 'instance', 'Tags': tags},
            {'ResourceType': 'volume', 'Tags': tags}]


def instance_types_from_describe(pages):
    """{name: {...}} from describe_instance_types pages."""
    types = {}
    for page in pages:
        for t in page.get('InstanceTypes', []):
            archs = t.get('ProcessorInfo', {}).get(
                'SupportedArchitectures', ['x86_64'])
            types[t['InstanceType']] = {
                'vcpus': t['VCpuInfo']['DefaultVCpus'],
                'memory_mb': t['MemoryInfo']['SizeInMiB'],
                'current': t.get('CurrentGeneration', True),
                'x86_64': 'x86_64' in archs,
            }
    return types


def choose_ami(image_id, image_properties, default_ami, image_ami_map=None,
               allowed_amis=()):
    """Image -> AMI, always the operator's choice: ``image_ami_map`` for
    this image, else the image's ec2_ami_id property if it names an AMI in
    ``allowed_amis`` (project members can write image properties), else
    ``default_ami``. A property naming any other AMI is refused."""
    mapped = (image_ami_map or {}).get(image_id or '')
    if mapped:
        return mapped
    wanted = (image_properties or {}).get(AMI_PROPERTY)
    if wanted:
        if wanted not in (allowed_amis or ()):
            raise NoImage('the image asks for an AMI (%s property) that '
                          'the operator has not allowed' % AMI_PROPERTY)
        return wanted
    if not default_ami:
        raise NoImage('no AMI for this image: it is not in [ec2] '
                      'image_ami_map and [ec2] default_ami is not set')
    return default_ami


SYSTEM_METADATA_TYPE = 'ec2:instance_type'
SYSTEM_METADATA_ATTEMPT = 'ec2:launch_attempt'
SYSTEM_METADATA_TOKEN = 'ec2:client_token'


def launch_token(instance_uuid, attempt):
    """The ClientToken of one launch attempt (AWS: 64 ASCII characters at
    most, kept at least a day, also after termination)."""
    return '%s-%d' % (instance_uuid, attempt)


def addresses(ec2_instance):
    """What the driver records about where the EC2 instance runs, in the
    instance's system metadata (members can write server metadata, not
    this)."""
    return {
        'ec2:instance_id': ec2_instance['InstanceId'],
        SYSTEM_METADATA_TYPE: ec2_instance.get('InstanceType', ''),
        'ec2:availability_zone': ec2_instance.get('Placement', {}).get(
            'AvailabilityZone', ''),
        'ec2:private_ip': ec2_instance.get('PrivateIpAddress', ''),
        'ec2:public_ip': ec2_instance.get('PublicIpAddress', ''),
    }
