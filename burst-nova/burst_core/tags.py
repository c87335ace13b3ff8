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

"""The tags every EC2 instance gets at launch: the EC2 driver sets them,
the dashboard joins Nova and EC2 on them."""
TAG_INSTANCE = 'openstack:instance-id'
TAG_PROJECT = 'openstack:project-id'
TAG_USER = 'openstack:user-id'
TAG_MANAGED_BY = 'openstack:managed-by'
TAG_INSTANCE_NAME = 'openstack:instance-name'
TAG_COMPUTE_HOST = 'openstack:compute-host'


def described_instances(*answers):
    """The instances of ``describe_instances`` answers (pages), flat."""
    return [i for answer in answers
            for r in answer.get('Reservations') or ()
            for i in r.get('Instances') or ()]


def tags_dict(ec2_instance):
    """{key: value} of a described instance's tags."""
    return {t.get('Key'): t.get('Value')
            for t in ec2_instance.get('Tags') or ()}
