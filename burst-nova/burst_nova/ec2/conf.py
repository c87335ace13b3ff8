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

"""The ``[ec2]`` options of nova.conf for the EC2 virt driver."""
from oslo_config import cfg

ec2_group = cfg.OptGroup(
    'ec2', title='EC2 burst driver',
    help='AWS EC2 as a Nova pseudo-hypervisor: one nova-compute per region.')

ec2_opts = [
    cfg.StrOpt('region_name', default='us-east-1',
               help='EC2 region this nova-compute stands for.'),
    cfg.URIOpt('endpoint_url',
               help='EC2 endpoint; unset for AWS itself (set it for an '
                    'EC2-compatible endpoint such as moto).'),
    cfg.StrOpt('service_quotas_endpoint_url',
               help='Service Quotas endpoint; unset for AWS itself.'),
    cfg.StrOpt('access_key_id', secret=True,
               help='Access key; unset to use boto3\'s default chain '
                    '(instance profile, environment, shared files).'),
    cfg.StrOpt('secret_access_key', secret=True,
               help='Secret key matching access_key_id.'),
    cfg.StrOpt('session_token', secret=True,
               help='Session token for temporary credentials.'),
    cfg.StrOpt('profile_name',
               help='Named profile of the shared AWS config files.'),
    cfg.StrOpt('default_ami',
               help='AMI used for a Glance image that image_ami_map does '
                    'not name and whose ec2_ami_id property is unset.'),
    cfg.DictOpt('image_ami_map', default={},
                help='Glance image ID -> AMI (image:ami,...): the '
                     'operator\'s choice of AMI per image; it wins over '
                     'any image property.'),
    cfg.ListOpt('allowed_amis', default=[],
                help='AMIs an image\'s ec2_ami_id property may name. Image '
                     'properties can be written by project members, so a '
                     'property naming any other AMI (any at all when this '
                     'is empty) refuses the build.'),
    cfg.StrOpt('subnet_id', help='VPC subnet for launched instances.'),
    cfg.ListOpt('security_group_ids', default=[],
                help='Security groups for launched instances.'),
    cfg.StrOpt('key_name', help='EC2 key pair for launched instances.'),
    cfg.StrOpt('managed_by', default='openstack-burst',
               help='Value of the openstack:managed-by tag. Use one value '
                    'per cloud, the same on all its EC2 computes, so that '
                    'clouds sharing an AWS account never claim each '
                    'other\'s instances.'),
    cfg.IntOpt('vcpu_quota', default=64, min=0,
               help='vCPUs reported when Service Quotas (L-1216C47A) does '
                    'not answer.'),
    cfg.IntOpt('memory_mb', default=64 * 1024 * 1024, min=1,
               help='MEMORY_MB inventory reported (EC2 is limited by '
                    'vCPUs, so this is large).'),
    cfg.IntOpt('disk_gb', default=1024 * 1024, min=1,
               help='DISK_GB inventory reported (large: EBS).'),
    cfg.StrOpt('node_trait', default='CUSTOM_BURST_EC2',
               help='Trait set on the node so it can be told from local '
                    'hypervisors.'),
    cfg.FloatOpt('connect_timeout', default=5, min=0.1,
                 help='Seconds to connect to an AWS endpoint.'),
    cfg.FloatOpt('read_timeout', default=30, min=0.1,
                 help='Seconds to wait for an AWS response.'),
    cfg.IntOpt('max_attempts', default=3, min=1,
               help='Attempts per AWS call (botocore standard retry mode).'),
    cfg.IntOpt('spawn_timeout', default=300, min=1,
               help='Seconds to wait for a new instance to be running.'),
    cfg.IntOpt('power_timeout', default=300, min=1,
               help='Seconds to wait for a stop or start to finish.'),
    cfg.IntOpt('poll_interval', default=5, min=1,
               help='Seconds between state polls while waiting.'),
    cfg.IntOpt('quota_cache_seconds', default=600, min=0,
               help='How long a vCPU quota read from Service Quotas is '
                    'reused.'),
]


def register_opts(conf):
    conf.register_group(ec2_group)
    conf.register_opts(ec2_opts, group=ec2_group)


def list_opts():
    return {ec2_group: ec2_opts}
