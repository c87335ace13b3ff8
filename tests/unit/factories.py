"""Nova and Placement shaped test data shared by the panels' unit tests."""
from novaclient.v2 import aggregates
from openstack.compute.v2 import flavor as sdk_flavor

from burst_dashboard.api import burst as burst_api
from burst_nova import policy


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


def preview_data(hosts, servers, flavors):
    """Two private hosts (compute-1 in aggregate rack-a and zone nova,
    compute-2 in zone az2) and the EC2 host in aggregate burst-ec2."""
    return burst_api.PreviewData(
        hosts=hosts, burst_hosts={'ec2-us-east-1'},
        aggregates={'burst-ec2': {'ec2-us-east-1'},
                    'rack-a': {'compute-1'}},
        zones={'compute-1': 'nova', 'compute-2': 'az2',
               'ec2-us-east-1': 'nova'},
        servers=servers, flavors=flavors)
