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

"""Nova, Placement and EC2 shaped test data shared by the unit tests."""
from novaclient.v2 import aggregates
from openstack.compute.v2 import flavor as sdk_flavor

from burst_core import caps
from burst_core import policy
from burst_dashboard.api import burst as burst_api


def aggregate(metadata, name='burst-ec2', agg_id=1,
              hosts=('ec2-us-east-1',)):
    return aggregates.Aggregate(aggregates.AggregateManager(None), {
        'id': agg_id, 'name': name, 'availability_zone': None,
        'hosts': list(hosts), 'metadata': dict(metadata)})


def flavor(name, vcpus, ram, disk, placement=None, fid=None):
    specs = {policy.PLACEMENT_SPEC: placement} if placement else {}
    return sdk_flavor.Flavor(id=fid or name, name=name, vcpus=vcpus,
                             ram=ram, disk=disk, swap=0, ephemeral=0,
                             extra_specs=specs, is_public=True)


def preview_data(hosts, caps_usages, flavors):
    """Two private hosts (compute-1 in aggregate rack-a and zone nova,
    compute-2 in zone az2) and the EC2 host in aggregate burst-ec2;
    ``caps_usages``: what the EC2 instances hold of the caps provider."""
    return burst_api.PreviewData(
        hosts=hosts, burst_hosts={'ec2-us-east-1'},
        aggregates={'burst-ec2': {'ec2-us-east-1'},
                    'rack-a': {'compute-1'}},
        zones={'compute-1': 'nova', 'compute-2': 'az2',
               'ec2-us-east-1': 'nova'},
        caps_usages=caps_usages, flavors=flavors)


def caps_usages(instances=0, vcpus=0, cost_per_hour=0.0):
    """Usages of the caps provider in Placement."""
    return {caps.INSTANCES: instances, caps.VCPUS: vcpus,
            caps.COST: policy.cost_units(cost_per_hour)}


CREATED = '2026-11-24T10:00:00Z'


def server(uid, name=None, host='compute-1', status='ACTIVE', power=1,
           task=None, project='p1', vcpus=1, ram=2048, disk=20,
           placement=None, metadata=None, created=CREATED):
    """A Nova server as the API's JSON (microversion 2.47, flavor
    embedded)."""
    specs = {'burst:placement': placement} if placement else {}
    return {'id': uid, 'name': name or uid, 'tenant_id': project,
            'status': status, 'OS-EXT-STS:power_state': power,
            'OS-EXT-STS:task_state': task, 'OS-EXT-SRV-ATTR:host': host,
            'created': created, 'metadata': metadata or {},
            'flavor': {'original_name': 'f%d' % vcpus, 'vcpus': vcpus,
                       'ram': ram, 'disk': disk, 'ephemeral': 0,
                       'swap': 0, 'extra_specs': specs}}


def ec2(iid, uuid=None, state='running', kind='t3.small', project='p1',
        launched='2026-11-24T10:00:00+00:00', reason='', name=None):
    """One describe_instances item tagged as the EC2 driver tags."""
    tags = [{'Key': 'openstack:managed-by', 'Value': 'cloud'}]
    if uuid:
        tags.append({'Key': 'openstack:instance-id', 'Value': uuid})
    if project:
        tags.append({'Key': 'openstack:project-id', 'Value': project})
    if name:
        tags.append({'Key': 'Name', 'Value': name})
    return {'InstanceId': iid, 'InstanceType': kind,
            'State': {'Name': state}, 'LaunchTime': launched,
            'Placement': {'AvailabilityZone': 'us-east-1a'},
            'PrivateIpAddress': '10.0.0.1', 'PublicIpAddress': '3.3.3.3',
            'StateTransitionReason': reason, 'Tags': tags}


def listed(servers):
    """Servers as burst_dashboard.api.servers.server_list returns them:
    read in full just now."""
    from oslo_utils import timeutils

    from burst_dashboard.api import servers as servers_api
    now = timeutils.utcnow(with_timezone=True)
    return servers_api.Servers(list(servers), now, now)


def clock_and_patches(test, *patches):
    """Start ``patches`` (undone after ``test``) and make oslo's
    ``timeutils.utcnow`` answer ``test.now``, which the test moves."""
    from unittest import mock

    from oslo_utils import timeutils
    patches += (mock.patch.object(
        timeutils, 'utcnow',
        side_effect=lambda with_timezone=False: test.now),)
    for p in patches:
        p.start()
        test.addCleanup(p.stop)
