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

"""The Instances panels' data on the local cloud: local and burst instances
booted through Nova, an orphan created directly in moto, an EC2 instance
terminated and another stopped behind Nova's back; the rows and their
flags as the plugin's API layer computes them, for an admin and for a
project member."""
import time
import uuid

from django.test import override_settings
import pytest

from burst_core import inventory
from burst_dashboard.api import instances
from localcloud import ec2proxy
from localcloud import paths
from localcloud import seed
from tests import helpers

from tests.integration.conftest import ec2_through_proxy
from tests.integration.conftest import save_policy as _save

pytestmark = pytest.mark.integration


def _ec2_id(ec2, server_id):
    found = ec2.describe_instances(Filters=[
        {'Name': 'tag:openstack:instance-id', 'Values': [server_id]}])
    (inst,) = [i for r in found['Reservations'] for i in r['Instances']]
    return inst['InstanceId']


def _orphan(ec2, project_id, name, instance_id=None):
    image = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    tags = {'openstack:managed-by': paths.EC2_MANAGED_BY,
            'openstack:instance-id': instance_id or str(uuid.uuid4()),
            'openstack:project-id': project_id, 'Name': name}
    return ec2.run_instances(
        ImageId=image, InstanceType='t3.micro', MinCount=1, MaxCount=1,
        TagSpecifications=[{'ResourceType': 'instance', 'Tags': [
            {'Key': k, 'Value': v} for k, v in tags.items()]}],
    )['Instances'][0]['InstanceId']


@pytest.fixture
def orphans(ec2):
    made = []

    def make(project_id, name, instance_id=None):
        made.append(_orphan(ec2, project_id, name, instance_id))
        return made[-1]
    yield make
    if made:
        ec2.terminate_instances(InstanceIds=made)


def test_rows_and_drift_flags(horizon_request, member_request, admin_conn,
                              demo_conn, ec2, servers, orphans,
                              restore_policy):
    demo_project = demo_conn.current_project_id
    local = servers('m1.small')
    gone, stopped, fine = (servers('ec2.small') for _ in range(3))
    assert {gone.compute_host, stopped.compute_host, fine.compute_host} \
        == {paths.EC2_HOST}
    # An auto instance bursts while the thresholds are low; with them back
    # at 80 % (exit 60 %) it would fit back: a repatriation candidate.
    _save(horizon_request, enter_vcpu_pct=1, enter_ram_pct=1,
          enter_disk_pct=1, exit_pct=0.5)
    auto = servers('m1.tiny')
    assert auto.compute_host == paths.EC2_HOST
    _save(horizon_request)
    # An instance of the admin project, and orphans of both projects.
    admin_image = admin_conn.image.find_image(seed.IMAGE_NAME)
    other = admin_conn.compute.create_server(
        name='admin-only-%s' % uuid.uuid4().hex[:6], image_id=admin_image.id,
        flavor_id=admin_conn.compute.find_flavor('m1.tiny').id,
        networks='none')
    try:
        other = admin_conn.compute.wait_for_server(other, wait=120)
        orphan = orphans(demo_project, '<script>alert(1)</script>')
        other_orphan = orphans(admin_conn.current_project_id, 'not-yours')
        # Behind Nova's back.
        ec2.terminate_instances(InstanceIds=[_ec2_id(ec2, gone.id)])
        ec2.stop_instances(InstanceIds=[_ec2_id(ec2, stopped.id)])

        inv = instances.admin_inventory(horizon_request)
        rows = {r.id: r for r in inv.rows}
        assert inv.ec2_error is None and inv.policy_error is None
        assert inv.repatriation_error is None

        assert rows[local.id].where == 'local'
        assert rows[local.id].host == local.compute_host
        assert rows[local.id].ec2 is None and not rows[local.id].drift

        row = rows[fine.id]
        ec2_id = _ec2_id(ec2, fine.id)
        desc = ec2.describe_instances(InstanceIds=[ec2_id])[
            'Reservations'][0]['Instances'][0]
        assert (row.where, row.region, row.host) == (
            'ec2', paths.EC2_REGION, paths.EC2_HOST)
        assert (row.ec2.instance_id, row.ec2.instance_type, row.ec2.zone,
                row.ec2.private_ip, row.ec2.state) == (
            ec2_id, desc['InstanceType'],
            desc['Placement']['AvailabilityZone'],
            desc['PrivateIpAddress'], 'running')
        assert row.ec2.hourly_price > 0 and row.ec2.cost_so_far > 0
        assert row.project_name == 'demo' and row.flavor == 'ec2.small'
        assert not row.drift and not row.repatriate   # pinned public

        assert [d.code for d in rows[gone.id].drift] == ['ec2-gone']
        assert [d.code for d in rows[stopped.id].drift] == ['power']
        assert 'EC2 says stopped' in rows[stopped.id].drift[0].message

        assert rows[orphan].where == 'orphan'
        assert rows[orphan].name == '<script>alert(1)</script>'
        assert [d.code for d in rows[orphan].drift] == ['orphan']
        assert rows[orphan].ec2.cost_so_far > 0
        assert rows[orphan].project_name == 'demo'
        assert other_orphan in rows and other.id in rows

        assert rows[auto.id].repatriate and rows[auto.id].where == 'ec2'
        assert {r.id for r in inv.rows if r.repatriate} == {auto.id}
        assert {r.id for r in inv.rows if r.drift} >= {
            gone.id, stopped.id, orphan, other_orphan}

        # A member: their project only, never another project's instance
        # or orphan; where each one runs without hosts.
        mine = {r.id: r for r in
                instances.project_inventory(member_request).rows}
        assert other.id not in mine and other_orphan not in mine
        assert {local.id, gone.id, stopped.id, fine.id, auto.id,
                orphan} <= set(mine)
        assert all(r.project_id == demo_project for r in mine.values())
        assert mine[local.id].where == 'local'
        assert mine[local.id].host is None
        assert mine[fine.id].where == 'ec2'
        assert mine[fine.id].ec2.instance_id == ec2_id
        assert [d.code for d in mine[gone.id].drift] == ['ec2-gone']
        assert not any(r.repatriate for r in mine.values())
    finally:
        admin_conn.compute.delete_server(other)
        helpers.wait_gone(admin_conn, other, wait=120)


def test_live_ec2_instance_behind_a_failed_launch_is_drift(
        horizon_request, demo_conn, servers, orphans):
    """EC2 refuses the launch (an error reply through the fault proxy):
    Nova says ERROR on the EC2 host. An EC2 instance of it left running
    (as when the driver's terminate after a failed launch fails too) is
    flagged; with none, the failed instance is not drift."""
    ec2proxy.ec2_faults(mode='error', action='RunInstances',
                        code='InsufficientInstanceCapacity',
                        message='no capacity', status=500)
    try:
        failed = servers('ec2.small', status='ERROR')
        clean = servers('ec2.small', status='ERROR')
    finally:
        ec2proxy.ec2_faults(mode='pass')
    leaked = orphans(demo_conn.current_project_id, 'leaked', failed.id)
    rows = {r.id: r for r in instances.admin_inventory(horizon_request).rows}
    row = rows[failed.id]
    assert (row.where, row.status) == ('ec2', 'ERROR')
    assert row.ec2.instance_id == leaked
    assert [(d.code, d.message) for d in row.drift] == [
        ('power', 'Nova says ERROR, EC2 says running')]
    assert rows[clean.id].drift == [] and rows[clean.id].ec2 is None


@pytest.mark.parametrize('fault', [{'mode': 'down'},
                                   {'mode': 'slow', 'delay': 60}],
                         ids=['down', 'slow'])
def test_ec2_down_or_slow_local_rows_still_listed(horizon_request, servers,
                                                  fault):
    """EC2 unreachable (the fault proxy drops connections) or answering
    only after a minute, for real: the Nova rows are still listed, with a
    reason free of credentials, within the EC2 client's bounded timeouts
    (connect 2 s, read 5 s, 2 attempts) instead of hanging the page."""
    local = servers('m1.tiny')
    ec2proxy.ec2_faults(**fault)
    try:
        with override_settings(BURST_DASHBOARD=ec2_through_proxy()):
            started = time.monotonic()
            inv = instances.admin_inventory(horizon_request)
            took = time.monotonic() - started
    finally:
        ec2proxy.ec2_faults(mode='pass')
    assert took < 15, took
    assert inv.ec2_error and 'not-shown-anywhere' not in inv.ec2_error
    row = {r.id: r for r in inv.rows}[local.id]
    assert row.where == 'local' and row.host == local.compute_host


def test_what_changed_is_seen_on_the_next_load(horizon_request,
                                               member_request, admin_conn,
                                               demo_conn):
    """The servers are kept in the shared cache and brought up to date with
    Nova's changes-since: a launch, a rename and a delete by the member
    show on the next load of either page, and the member's page holds only
    the project's servers whatever the admin's cache holds."""
    from burst_dashboard.api import servers as servers_api
    cold = servers_api.server_list(horizon_request, True)
    member_cold = servers_api.server_list(member_request, False)
    image = demo_conn.image.find_image(seed.IMAGE_NAME)
    flavor = demo_conn.compute.find_flavor('m1.tiny', ignore_missing=False)
    s = demo_conn.compute.create_server(
        name='burst-fresh-%s' % uuid.uuid4().hex[:6], image_id=image.id,
        flavor_id=flavor.id, networks='none')
    try:
        s = demo_conn.compute.wait_for_server(s, wait=120)
        warm = servers_api.server_list(horizon_request, True)
        assert not warm.full and warm.full_at == cold.full_at
        assert s.id in {x['id'] for x in warm.servers}
        mine = servers_api.server_list(member_request, False)
        assert not mine.full and s.id in {x['id'] for x in mine.servers}
        assert {x['tenant_id'] for x in mine.servers} == {
            member_request.user.project_id}
        assert len(mine.servers) == len(member_cold.servers) + 1
        renamed = s.name + '-renamed'
        demo_conn.compute.update_server(s, name=renamed)
        rows = instances.admin_inventory(horizon_request).rows
        assert [r.name for r in rows if r.id == s.id] == [renamed]
    finally:
        demo_conn.compute.delete_server(s)
        helpers.wait_gone(demo_conn, s)
    gone = servers_api.server_list(horizon_request, True)
    assert s.id not in {x['id'] for x in gone.servers}
    assert s.id not in {r.id for r in
                        instances.project_inventory(member_request).rows}


def test_ec2_kept_and_described_again_for_what_changed(
        horizon_request, member_request, demo_conn, ec2, servers, orphans):
    """EC2 is described in full once, then each load describes only the
    instances of the servers Nova updated (a stop, a delete) and those the
    kept list holds for no listed server: the states and a delete show on
    the next load, with no orphan flagged for the deleted server. What
    changed in EC2 alone (an orphan made in moto) shows once the full
    describe behind the page has run (``ec2_max_age``)."""
    from burst_dashboard.api import kept
    burst = servers('ec2.small')
    gone = servers('ec2.small')
    first = instances.admin_inventory(horizon_request)
    full_at = first.described.full_at
    assert full_at is not None and first.described.targeted == 0
    assert {r.id: r.ec2.state for r in first.rows
            if r.id in (burst.id, gone.id)} == {burst.id: 'running',
                                                gone.id: 'running'}
    demo_conn.compute.stop_server(burst)
    demo_conn.compute.wait_for_server(burst, status='SHUTOFF', wait=120)
    demo_conn.compute.delete_server(gone)
    helpers.wait_gone(demo_conn, gone, wait=120)
    orphan = orphans(member_request.user.project_id, 'made-behind-nova')

    second = instances.admin_inventory(horizon_request)
    rows = {r.id: r for r in second.rows}
    assert second.described.full_at == full_at       # not read in full
    assert second.described.targeted >= 2
    assert rows[burst.id].ec2.state == 'stopped'
    assert rows[burst.id].drift == []
    assert gone.id not in rows
    assert not [r for r in second.rows
                if r.ec2 and r.ec2.tags.get('openstack:instance-id') ==
                gone.id], 'the deleted server\'s instance listed'
    assert orphan not in rows                        # EC2 alone: later
    mine = instances.project_inventory(member_request)
    assert {r.id: r.ec2.state for r in mine.rows if r.id == burst.id} == \
        {burst.id: 'stopped'}

    with override_settings(BURST_DASHBOARD=dict(
            settings_of(horizon_request), ec2_max_age=0)):
        instances.admin_inventory(horizon_request)    # starts it
        kept.wait_for_background()
        third = instances.admin_inventory(horizon_request)
    assert third.described.full_at > full_at
    assert orphan in {r.id for r in third.rows}


def settings_of(request):
    from django.conf import settings
    return dict(settings.BURST_DASHBOARD)


def test_cold_first_page_reads_the_newest_and_the_rest_behind(
        horizon_request, admin_conn, servers, orphans, member_request):
    """Nothing kept: the plain first page reads only Nova's newest servers
    (and the EC2 instances of those), flags no orphan from so partial a
    list, and the full reads run behind it: the next load has every
    server, and the orphan."""
    from burst_dashboard.api import kept
    older = servers('m1.tiny')
    newest = servers('ec2.small')
    orphan = orphans(member_request.user.project_id, 'partial-orphan')
    total = len(list(admin_conn.compute.servers(all_projects=True)))
    assert total >= 2
    cold = instances.admin_inventory(horizon_request, 1)
    assert cold.servers.partial
    rows = {r.id: r for r in cold.rows}
    assert list(rows) == [newest.id]
    assert rows[newest.id].ec2 and rows[newest.id].ec2.state == 'running'
    assert not [r for r in cold.rows if r.is_orphan]
    assert cold.described.full_at is None
    kept.wait_for_background()
    warm = instances.admin_inventory(horizon_request, 1)
    assert not warm.servers.partial
    ids = {r.id for r in warm.rows}
    assert {older.id, newest.id, orphan} <= ids
    assert len(warm.servers.servers) == total


def test_cold_first_page_holds_a_multi_create_at_its_edge(
        horizon_request, admin_conn):
    """The servers of one multi-create share their second of creation:
    Nova orders them by the microsecond and its own ID, the pages by the
    second and the UUID. Nothing kept, the first page by creation reads
    on past Nova's page to the end of the second at its edge, so its
    first rows are those of the whole list read behind it."""
    from burst_dashboard.api import kept
    from django.core.cache import cache
    image = admin_conn.image.find_image(seed.IMAGE_NAME)
    flavor = admin_conn.compute.find_flavor('m1.tiny', ignore_missing=False)
    name = 'burst-it-multi-%s' % uuid.uuid4().hex[:6]

    def made():
        return [s for s in admin_conn.compute.servers(all_projects=True,
                                                      name=name)]
    admin_conn.compute.create_server(
        name=name, image_id=image.id, flavor_id=flavor.id, networks='none',
        min_count=6, max_count=6)
    try:
        for s in made():
            admin_conn.compute.wait_for_server(s, wait=120)
        kept.forget_pending()
        kept.wait_for_background()
        cache.clear()

        def first(inv):
            return [r.id for r in inventory.order(
                [r for r in inv.rows if not r.is_orphan], 'created',
                True)[:2]]
        cold = instances.admin_inventory(horizon_request, 2)
        assert cold.servers.partial
        six = made()
        if len({s.created_at for s in six}) == 1 and max(
                s['created'] for s in cold.servers.servers) == \
                six[0].created_at:
            # One second, the newest: past Nova's page of three, the two
            # first by UUID, whatever Nova's order in that second.
            assert [s['id'] for s in cold.servers.servers] == sorted(
                (s.id for s in six), reverse=True)[:2]
        kept.wait_for_background()
        warm = instances.admin_inventory(horizon_request, 2)
        assert not warm.servers.partial
        assert first(cold) == first(warm)
    finally:
        for s in made():
            admin_conn.compute.delete_server(s, ignore_missing=True)
        for s in made():
            helpers.wait_gone(admin_conn, s, wait=120)


def _whole_next(horizon_request, order, everyone):
    """Once the read behind a cold page has run, the next load in
    ``order`` has every server."""
    from burst_dashboard.api import kept
    kept.wait_for_background()
    warm = instances.admin_inventory(horizon_request, 2, order=order)
    assert not warm.servers.partial
    assert len(warm.servers.servers) == len(everyone)


def test_cold_slow_list_reads_the_newest_instead(
        horizon_request, admin_conn, servers, member_request, demo_conn):
    """Nothing kept, and no full read known to be quick (a memcached
    restart): a list that needs every server (by project, say) reads
    only Nova's newest now (``stand_in``), with the EC2 instances of
    those, and every server behind it: the next load is whole. Once a
    full read is known to be quick, a cold list reads every server at
    once. A member's: their project's newest."""
    from burst_dashboard.api import kept
    from burst_dashboard.api import servers as servers_api
    from django.core.cache import cache
    servers('m1.tiny')
    burst = servers('ec2.small')
    kept.forget_pending()
    kept.wait_for_background()
    cache.clear()
    everyone = list(admin_conn.compute.servers(all_projects=True))
    cold = instances.admin_inventory(horizon_request, instead=2)
    assert cold.servers.stand_in and cold.servers.partial
    # Nova's newest two, and any created in the same second as the last.
    assert sorted((s['created'] for s in cold.servers.servers),
                  reverse=True)[:2] == sorted(
        (s.created_at for s in everyone), reverse=True)[:2]
    rows = {r.id: r for r in cold.rows}
    assert rows[burst.id].ec2 and rows[burst.id].ec2.state == 'running'
    assert not [r for r in cold.rows if r.is_orphan]
    kept.wait_for_background()
    warm = instances.admin_inventory(horizon_request, instead=2)
    assert not warm.servers.partial and not warm.servers.stand_in
    assert len(warm.servers.servers) == len(everyone)
    # The local cloud's few servers: read in far less than 2 s.
    assert servers_api.newest_instead(horizon_request, True, 2) is None
    cache.delete(servers_api._key('all'))
    cold = instances.admin_inventory(horizon_request, instead=2)
    assert not cold.servers.partial
    assert len(cold.servers.servers) == len(everyone)
    # A member's, nothing known: their own project's newest.
    cache.clear()
    cold = instances.project_inventory(member_request, instead=1)
    assert cold.servers.stand_in
    assert {s['tenant_id'] for s in cold.servers.servers} == {
        member_request.user.project_id}
    assert {r.id for r in cold.rows} <= {
        s.id for s in demo_conn.compute.servers()}
    kept.wait_for_background()


def test_cold_list_slow_to_describe_reads_the_newest_instead(
        horizon_request, admin_conn, servers, member_request, demo_conn):
    """Nothing kept, Nova's side quick to read, and no full describe of
    the region known to be quick (a memcached restart; moto's describe of
    a few hundred instances takes seconds): a list of EC2 instances shows
    Nova's newest instead, with their EC2 instances described alone, and
    the region is described behind it: the next load is the list asked
    for. Once the describe is known to be quick, a cold list of EC2
    instances reads the EC2 side and the region at once. A member's list
    of every instance: their project's newest."""
    from burst_dashboard.api import kept
    from burst_dashboard.api import servers as servers_api
    from django.core.cache import cache
    servers('m1.tiny')
    burst = servers('ec2.small')
    kept.forget_pending()
    kept.wait_for_background()
    cache.clear()
    # Nova's side read in full (quick here), then no longer kept.
    servers_api.server_list(horizon_request, True)
    cache.delete(servers_api._key('all'))
    region_key = instances._ec2_key(instances.region_name(), None)
    assert not servers_api.quick_to_read(region_key)
    cold = instances.admin_inventory(horizon_request, ec2_side=True,
                                     candidates=False, instead=2)
    assert cold.servers.stand_in and not cold.servers.ec2_side
    # Their EC2 instances described alone, not the region.
    assert cold.described.full_at is None
    rows = {r.id: r for r in cold.rows}
    assert rows[burst.id].ec2 and rows[burst.id].ec2.state == 'running'
    kept.wait_for_background()
    # Nova's servers kept, the region not (nor known to be quick): their
    # newest all the same.
    cache.delete_many([region_key, kept._full_at_key(region_key),
                       kept._took_key(region_key)])
    assert servers_api.is_kept(horizon_request, True)
    cold = instances.admin_inventory(horizon_request, ec2_side=True,
                                     candidates=False, instead=2)
    assert cold.servers.stand_in and cold.described.full_at is None
    assert len(cold.servers.servers) == 2
    kept.wait_for_background()
    # Described behind the page, in far less than 2 s here.
    assert servers_api.quick_to_read(region_key)
    warm = instances.admin_inventory(horizon_request, ec2_side=True,
                                     candidates=False, instead=2)
    assert not warm.servers.stand_in and not warm.servers.partial
    # Both known quick, nothing kept: the EC2 side, the region at once.
    took = {key: cache.get(kept._took_key(key)) for key in (
        servers_api._key('all'), region_key)}
    cache.clear()
    for key, seconds in took.items():
        kept.put(kept._took_key(key), seconds, 60)
    cold = instances.admin_inventory(horizon_request, ec2_side=True,
                                     candidates=False, instead=2)
    assert cold.servers.partial and cold.servers.ec2_side
    assert cold.described.full_at is not None
    kept.wait_for_background()
    # A member's: Nova's side quick, their instances' describe not known.
    cache.clear()
    servers_api.server_list(member_request, False)
    cache.delete(servers_api._key('project:' +
                                  member_request.user.project_id))
    cold = instances.project_inventory(member_request, instead=1)
    assert cold.servers.stand_in and cold.described.full_at is None
    assert {s['tenant_id'] for s in cold.servers.servers} == {
        member_request.user.project_id}
    assert {r.id for r in cold.rows} <= {
        s.id for s in demo_conn.compute.servers()}
    kept.wait_for_background()


def test_cold_oldest_first_page_reads_nova_oldest_first(
        horizon_request, admin_conn, servers, member_request, demo_conn):
    """Nothing kept and the first page of the list oldest first: only
    Nova's oldest servers are read now (Nova sorts by creation in both
    directions), the full read behind it; a member's, their project's
    oldest."""
    from burst_dashboard.api import kept
    from django.core.cache import cache
    first, second = servers('m1.tiny'), servers('ec2.small')
    kept.forget_pending()
    kept.wait_for_background()
    cache.clear()
    everyone = list(admin_conn.compute.servers(all_projects=True))
    cold = instances.admin_inventory(horizon_request, 2,
                                     order=('created', 'asc'))
    assert cold.servers.partial and cold.servers.first == 'oldest'
    # Nova's first two, and any created in the same second as the second.
    assert sorted(s['created'] for s in cold.servers.servers)[:2] == \
        sorted(s.created_at for s in everyone)[:2]
    if len(everyone) == 2:     # run alone: the two just booted, in order
        assert [r.id for r in cold.rows] == [first.id, second.id]
        assert cold.rows[1].ec2 and cold.rows[1].ec2.state == 'running'
    _whole_next(horizon_request, ('created', 'asc'), everyone)
    cache.clear()
    mine = list(demo_conn.compute.servers())
    cold = instances.project_inventory(member_request, 1,
                                       order=('created', 'asc'))
    assert cold.servers.partial
    assert {s['created'] for s in cold.servers.servers} == {
        min(s.created_at for s in mine)}
    assert {s['tenant_id'] for s in cold.servers.servers} == {
        member_request.user.project_id}
    kept.wait_for_background()


def test_cold_local_list_reads_the_local_hosts_first_pages(
        horizon_request, admin_conn, servers):
    """Nothing kept and an admin's list of local instances by creation:
    Nova is asked only for the first page of each local host (the compute
    services outside the burst aggregate), so the newer EC2 server is
    passed over; every server is read behind the page."""
    from burst_dashboard.api import kept
    from django.core.cache import cache
    local, burst = servers('m1.tiny'), servers('ec2.small')   # EC2 newer
    assert local.compute_host not in (None, paths.EC2_HOST)
    assert burst.compute_host == paths.EC2_HOST
    kept.forget_pending()
    kept.wait_for_background()
    cache.clear()
    everyone = list(admin_conn.compute.servers(all_projects=True))
    # Local: placed on a host, not the EC2 one (a benchmark's extra
    # compute included).
    on_local = sorted(s.created_at for s in everyone if s.compute_host
                      and s.compute_host != paths.EC2_HOST)
    cold = instances.admin_inventory(horizon_request, 2, local_side=True)
    assert cold.servers.partial and cold.servers.local_side
    ids = {s['id'] for s in cold.servers.servers}
    assert local.id in ids and burst.id not in ids
    assert sorted(s['created'] for s in cold.servers.servers)[-2:] == \
        on_local[-2:]
    assert {r.where for r in cold.rows} == {'local'}
    assert paths.EC2_HOST not in {
        s['OS-EXT-SRV-ATTR:host'] for s in cold.servers.servers}
    _whole_next(horizon_request, ('created', 'desc'), everyone)
    cache.clear()
    oldest = instances.admin_inventory(horizon_request, 2,
                                       order=('created', 'asc'),
                                       local_side=True)
    assert oldest.servers.local_side and oldest.servers.first == 'oldest'
    assert sorted(s['created'] for s in oldest.servers.servers)[:2] == \
        on_local[:2]
    kept.wait_for_background()


def test_cold_ec2_list_reads_the_ec2_side_and_the_rest_behind(
        horizon_request, admin_conn, servers, orphans, member_request):
    """Nothing kept and a list of EC2 instances (EC2, drift, repatriation
    candidates): Nova is asked only for the servers on the burst
    aggregate's hosts, and by ID for those EC2's instances name; the list
    is whole for EC2 (a real orphan is flagged, a stray instance of a
    local server is not called one) and every server is read behind, as
    are Placement's usages when the list does not show the repatriation
    candidates."""
    from burst_core import inventory
    from burst_dashboard.api import kept
    local = servers('m1.tiny')
    burst = servers('ec2.small')
    project = member_request.user.project_id
    orphan = orphans(project, 'ec2-side-orphan')
    stray = orphans(project, 'ec2-side-stray', instance_id=local.id)
    cold = instances.admin_inventory(horizon_request, ec2_side=True,
                                     candidates=False)
    assert cold.servers.partial and cold.servers.ec2_side
    assert cold.candidates_pending and cold.pool_at is None
    rows = {r.id: r for r in cold.rows}
    assert rows[burst.id].where == 'ec2'
    assert rows[burst.id].ec2.state == 'running'
    assert rows[orphan].is_orphan
    assert stray not in rows                     # not an orphan...
    assert [d.code for d in rows[local.id].drift] == ['stray']   # ...this
    assert all(r.where != 'local' or r.drift for r in cold.rows)
    assert all(s['OS-EXT-SRV-ATTR:host'] == paths.EC2_HOST or
               s['id'] == local.id for s in cold.servers.servers)
    kept.wait_for_background()
    warm = instances.admin_inventory(horizon_request, ec2_side=True,
                                     candidates=False)
    assert not warm.servers.partial and not warm.servers.ec2_side
    assert not warm.candidates_pending and warm.pool_at is not None
    assert len(warm.servers.servers) == len(list(
        admin_conn.compute.servers(all_projects=True)))
    # Every instance by price, most first, is led by the EC2 side (so the
    # admin page by price or cost reads only it on a cold cache when it
    # fills the page): its priced rows come first in the whole list too,
    # the stray's local server among them.
    priced = sum(1 for r in cold.rows if r.hourly_price())
    assert priced >= 2 and rows[local.id].hourly_price()
    assert [r.id for r in inventory.order(warm.rows, 'price')][:priced] \
        == [r.id for r in inventory.order(cold.rows, 'price')][:priced]


def test_cold_first_page_by_status_reads_each_statuses_first(
        horizon_request, admin_conn, servers, member_request, demo_conn):
    """Nothing kept and the first page of the list by status: Nova is
    asked for the first servers of each status (its status filter, by
    UUID) and the page holds the whole list's first by status, then ID,
    in both directions; a member's, their project's; every server read
    behind it."""
    from burst_dashboard.api import kept
    from django.core.cache import cache
    stopped, running = servers('m1.tiny'), servers('ec2.small')
    demo_conn.compute.stop_server(stopped)
    demo_conn.compute.wait_for_server(stopped, status='SHUTOFF', wait=120)

    def first(conn, count, descending, **query):
        return [s.id for s in sorted(
            conn.compute.servers(**query), key=lambda s: (s.status, s.id),
            reverse=descending)][:count]
    for direction in ('asc', 'desc'):
        kept.forget_pending()
        kept.wait_for_background()
        cache.clear()
        cold = instances.admin_inventory(horizon_request, 3,
                                         order=('status', direction))
        assert cold.servers.partial and cold.servers.first == 'by-status'
        assert [s['id'] for s in cold.servers.servers] == first(
            admin_conn, 3, direction == 'desc', all_projects=True)
        assert [r.id for r in inventory.order(
            cold.rows, 'status', direction == 'desc')][:3] == \
            [s['id'] for s in cold.servers.servers]
    # Most first: SHUTOFF before ACTIVE, whatever else runs.
    assert cold.servers.servers[0]['status'] >= 'SHUTOFF'
    rows = {r.id: r for r in cold.rows}
    if running.id in rows:
        assert rows[running.id].ec2.state == 'running'
    _whole_next(horizon_request, ('status', 'asc'),
                list(admin_conn.compute.servers(all_projects=True)))
    cache.clear()
    cold = instances.project_inventory(member_request, 2,
                                       order=('status', 'desc'))
    assert cold.servers.partial
    assert [s['id'] for s in cold.servers.servers] == first(
        demo_conn, 2, True)
    assert {s['tenant_id'] for s in cold.servers.servers} == {
        member_request.user.project_id}
    kept.wait_for_background()


def test_cold_first_page_by_name_in_the_pages_order(
        horizon_request, admin_conn, servers, member_request, demo_conn):
    """Nothing kept and the first page of the list sorted by name: only
    its servers are read now, and in the order of the pages after it (by
    name regardless of case), not in the database's collation (C here,
    which puts upper case first: Nova's own first page by name misses
    one, which is looked up); every server is read behind it."""
    from burst_core import inventory
    from burst_dashboard.api import kept
    tag = uuid.uuid4().hex[:6]
    lower, upper = servers('m1.tiny'), servers('ec2.small')
    admin_conn.compute.update_server(lower, name='0a-by-name-' + tag)
    admin_conn.compute.update_server(upper, name='0B-by-name-' + tag)
    everyone = list(admin_conn.compute.servers(all_projects=True))
    first = [s.id for s in sorted(everyone, key=lambda s: (
        inventory.name_order(s.name, s.id)))][:2]
    assert first == [lower.id, upper.id]
    cold = instances.admin_inventory(horizon_request, 2,
                                     order=('name', 'asc'))
    assert cold.servers.partial and cold.servers.first == 'by-name'
    assert [(s['id'], s['name']) for s in cold.servers.servers] == [
        (lower.id, '0a-by-name-' + tag), (upper.id, '0B-by-name-' + tag)]
    rows = {r.id: r for r in cold.rows}
    assert rows[upper.id].ec2 and rows[upper.id].ec2.state == 'running'
    assert rows[lower.id].where == 'local'
    last = [s.id for s in sorted(everyone, key=lambda s: (
        inventory.name_order(s.name, s.id)), reverse=True)][:2]
    kept.forget_pending()
    kept.wait_for_background()
    from django.core.cache import cache
    cache.clear()
    cold = instances.admin_inventory(horizon_request, 2,
                                     order=('name', 'desc'))
    assert [s['id'] for s in cold.servers.servers] == last
    _whole_next(horizon_request, ('name', 'asc'), everyone)
    # A member's: their own project's servers only (Nova's scoping).
    cache.clear()
    mine = sorted(demo_conn.compute.servers(), key=lambda s: (
        inventory.name_order(s.name, s.id)))
    cold = instances.project_inventory(member_request, 1,
                                       order=('name', 'asc'))
    assert cold.servers.partial
    assert [r.id for r in cold.rows] == [mine[0].id] == [lower.id]
    assert {s['tenant_id'] for s in cold.servers.servers} == {
        member_request.user.project_id}
