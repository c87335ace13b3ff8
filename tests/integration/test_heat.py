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

"""Heat workloads that burst (issue 12), on the local cloud: the stacks of
the templates this project ships (heat-templates/) are placed by the burst
scheduler like any other servers -- local until the threshold, then EC2 --
the auto-scaling group scales out onto EC2 and back in releasing its EC2
members first, the dashboard shows each instance's stack, and a stack
delete leaves no EC2 instance running."""
import os
import time
import types
import uuid

from heatclient.common import template_format
from openstack import exceptions
import pytest

from burst_core import policy
from burst_core import prices
from burst_core.tags import TAG_INSTANCE
from burst_core.tags import TAG_PROJECT
from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard.api import instances as instances_api
from burst_dashboard.dashboards.admin.burst_capacity import summary
from localcloud import alarm
from localcloud import apis
from localcloud import paths
from localcloud import seed
from tests import helpers

from tests.integration.conftest import ec2_of
from tests.integration.conftest import pools
from tests.integration.conftest import save_policy

pytestmark = pytest.mark.integration

TEMPLATES = os.path.join(os.path.dirname(__file__), '..', '..',
                         'heat-templates')
MEDIUM_MIB = 4096    # m1.medium and private.medium


def _template(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return template_format.parse(f.read())


def _wait(conn, stack_id, done, wait=300):
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


def _outputs(stack):
    return {o['output_key']: o['output_value'] for o in stack.outputs}


@pytest.fixture
def stack(demo_conn):
    """Create stacks as the demo member; deleted at the end."""
    made = []

    def create(template, **parameters):
        s = demo_conn.orchestration.create_stack(
            name='heat-it-%s' % uuid.uuid4().hex[:6],
            template=template if isinstance(template, dict)
            else _template(template), parameters=parameters)
        made.append(s)
        return _wait(demo_conn, s.id, ('CREATE_COMPLETE', 'CREATE_FAILED'))
    yield create
    for s in made:
        demo_conn.orchestration.delete_stack(s.id, ignore_missing=True)
    for s in made:
        _wait(demo_conn, s.id, ('DELETE_COMPLETE', 'DELETE_FAILED'))


def _room_for(horizon_request, admin_conn, mib):
    """A RAM threshold that leaves ``mib`` more MiB in the private cloud
    (vCPU and disk out of the way)."""
    private, _ = pools(admin_conn, policy.BurstPolicy(enabled=True))
    threshold = 100.0 * (private.used('MEMORY_MB') + mib) / \
        private.capacity('MEMORY_MB')
    save_policy(horizon_request, enter_ram_pct='%.3f' % threshold,
                enter_vcpu_pct=100, enter_disk_pct=100, exit_pct=5)


def _host(admin_conn, server_id):
    return admin_conn.compute.get_server(server_id).compute_host


@pytest.mark.parametrize('flavor,on_ec2', [('m1.tiny', False),
                                           ('ec2.small', True)])
def test_a_plain_server_resource_is_placed_by_the_burst_scheduler(
        stack, admin_conn, ec2, flavor, on_ec2):
    """Standard Heat: nothing in the template names EC2."""
    created = stack({
        'heat_template_version': '2021-04-16',
        'resources': {'web': {'type': 'OS::Nova::Server', 'properties': {
            'image': seed.IMAGE_NAME, 'flavor': flavor,
            'networks': [{'allocate_network': 'none'}]}}},
        'outputs': {'server': {'value': {'get_resource': 'web'}}}})
    assert created.status == 'CREATE_COMPLETE', created.status_reason
    server_id = _outputs(created)['server']
    host = _host(admin_conn, server_id)
    assert (host == paths.EC2_HOST) if on_ec2 else \
        (host in apis.compute_hosts())
    assert len(ec2_of(ec2, [server_id], ('running',))) == int(on_ec2)


def test_multi_tier_database_home_web_tier_split_at_the_threshold(
        stack, admin_conn, horizon_request, restore_policy, ec2):
    # Room for the database and two and a half web servers.
    _room_for(horizon_request, admin_conn, MEDIUM_MIB * 3.5)
    created = stack('multi-tier.yaml', web_flavor='m1.medium', web_count=4)
    assert created.status == 'CREATE_COMPLETE', created.status_reason
    out = _outputs(created)
    assert _host(admin_conn, out['db_server']) in apis.compute_hosts()
    assert out['db_zone'] == 'nova'
    hosts = {s: _host(admin_conn, s) for s in out['web_servers']}
    on_ec2 = sorted(s for s, h in hosts.items() if h == paths.EC2_HOST)
    local = [s for s, h in hosts.items() if h in apis.compute_hosts()]
    assert (len(local), len(on_ec2)) == (2, 2), hosts
    # The stack's own output says where each server runs (zones members
    # can see), in agreement with the hosts only admins see.
    zones = sorted(out['placement'].values())
    assert zones == sorted(['nova'] * 3 + [paths.EC2_ZONE] * 2)
    running = ec2_of(ec2, on_ec2, ('running',))
    assert sorted(dict((t['Key'], t['Value']) for t in i['Tags'])[
        TAG_INSTANCE] for i in running) == on_ec2


def test_autoscaling_out_onto_ec2_and_in_releasing_ec2_first(
        stack, demo_conn, admin_conn, horizon_request, member_request,
        restore_policy, ec2):
    # Room for two members in the private cloud.
    _room_for(horizon_request, admin_conn, MEDIUM_MIB * 2.5)
    created = stack('autoscaling.yaml', flavor='m1.medium')
    assert created.status == 'CREATE_COMPLETE', created.status_reason
    for _ in range(3):
        assert alarm.scale_out(demo_conn, created.id)
    members = alarm.members(demo_conn, created.id)
    assert len(members) == 4
    by_zone = sorted(m.zone for m in members)
    assert by_zone == sorted(['nova'] * 2 + [paths.EC2_ZONE] * 2)
    for m in members:
        host = _host(admin_conn, m.server_id)
        assert (host == paths.EC2_HOST) == (m.zone == paths.EC2_ZONE)
    burst = [m.server_id for m in members if m.zone == paths.EC2_ZONE]
    running = ec2_of(ec2, burst, ('running',))
    project = demo_conn.current_project_id
    assert sorted((tags[TAG_INSTANCE], tags[TAG_PROJECT])
                  for tags in (dict((t['Key'], t['Value'])
                                    for t in i['Tags']) for i in running)
                  ) == sorted((s, project) for s in burst)

    # The dashboard: every member with its stack and its place, for the
    # member and for the admin.
    for inv in (instances_api.project_inventory(member_request),
                instances_api.admin_inventory(horizon_request)):
        assert inv.stack_error is None
        rows = {r.id: r for r in inv.rows}
        for m in members:
            assert rows[m.server_id].stack == created.name
            assert rows[m.server_id].where == (
                'ec2' if m.server_id in burst else 'local')
    # Capacity: the stack's EC2 members count like any other instance.
    cap = ec2_api.public_capacity(horizon_request, paths.EC2_REGION)
    managed = [i for i in ec2.describe_instances(Filters=[
        {'Name': 'tag:openstack:managed-by',
         'Values': [paths.EC2_MANAGED_BY]},
        {'Name': 'instance-state-name', 'Values': ['running']}])[
            'Reservations'] for i in i['Instances']]
    assert cap.managed_instances == len(managed) >= 2
    assert {i['InstanceId'] for i in running} <= \
        {i['InstanceId'] for i in managed}
    # The burn rate the page shows: the shipped table's price of every
    # running instance of this cloud, the stack's members included.
    table = prices.region_types(paths.EC2_REGION)
    burn = summary.public_summary(
        cap, policy.BurstPolicy(), burst_api.price_lookup(
            paths.EC2_REGION).book(list(cap.account_types), wait=True))
    assert burn.managed_cost_per_hour == pytest.approx(sum(
        table[i['InstanceType']]['usd_per_hour'] for i in managed))
    assert burn.managed_cost_per_hour >= sum(
        table[i['InstanceType']]['usd_per_hour'] for i in running) > 0

    # Scale in: the newest EC2 member goes first, nothing local is touched.
    newest = max((m for m in members if m.server_id in burst),
                 key=lambda m: (m.created, m.name))
    assert alarm.scale_in(demo_conn, created.id)
    after = alarm.members(demo_conn, created.id)
    assert {m.server_id for m in after} == \
        {m.server_id for m in members} - {newest.server_id}
    helpers.wait_gone(demo_conn, types.SimpleNamespace(
        id=newest.server_id), wait=120)
    assert ec2_of(ec2, [newest.server_id]) == []
    assert alarm.scale_in(demo_conn, created.id)
    assert sorted(m.zone for m in alarm.members(demo_conn, created.id)) == \
        ['nova'] * 2
    # Heat's own scale-in policy (no EC2 member left): the oldest goes.
    assert alarm.scale_in(demo_conn, created.id)
    assert len(alarm.members(demo_conn, created.id)) == 1

    # Stack delete: no EC2 instance of any member left running.
    demo_conn.orchestration.delete_stack(created.id)
    assert _wait(demo_conn, created.id,
                 ('DELETE_COMPLETE', 'DELETE_FAILED')) is None
    for m in members:
        helpers.wait_gone(demo_conn, types.SimpleNamespace(id=m.server_id),
                          wait=120)
    assert ec2_of(ec2, burst) == []
