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

"""The demo's story on the local cloud (localcloud.demo): seeding twice
gives the same cloud; it shows what it promises (bursts, drift, an
orphan, a repatriation candidate, the stack); the spend figures equal a
computation from Nova's and moto's records; every instance placed has a
decision record that says where it went; and the screenshots command
makes a PNG of every page. The story is taken down afterwards."""
import datetime
import os
import struct

import pytest

from burst_core import inventory
from burst_core import prices
from burst_core import tags
from burst_dashboard.api import decisions as decisions_api
from burst_dashboard.api import economics as economics_api
from burst_dashboard.api import instances as instances_api
from localcloud import base
from localcloud import browser
from localcloud import demo
from localcloud import paths
from localcloud import screenshots
from localcloud import seed
from tests import helpers

from tests.integration.conftest import aggregate as _aggregate

pytestmark = pytest.mark.integration
UTC = datetime.timezone.utc


def _servers(admin_conn, project_ids):
    return [s for s in admin_conn.compute.servers(all_projects=True)
            if s.project_id in project_ids]


def _snapshot(admin_conn, ec2, project_ids):
    """What the story is made of, by name: servers (flavor, status, where,
    EC2 instance), stacks, the orphan, the policy."""
    described = {}
    for r in ec2.describe_instances(Filters=[
            {'Name': 'tag:' + tags.TAG_MANAGED_BY,
             'Values': [paths.EC2_MANAGED_BY]}])['Reservations']:
        for i in r['Instances']:
            t = {x['Key']: x['Value'] for x in i.get('Tags', [])}
            if i['State']['Name'] != 'terminated':
                described[t.get(tags.TAG_INSTANCE)] = (
                    i['InstanceId'], i['InstanceType'], i['State']['Name'])
    servers = sorted(
        (s.project_id, s.name, s.flavor['original_name'], s.status,
         s.compute_host == paths.EC2_HOST, described.get(s.id))
        for s in _servers(admin_conn, project_ids))
    return {'servers': servers,
            'stacks': sorted(
                s.name for s in seed.admin_conn(
                    'demo').orchestration.stacks()),
            'orphan': described.get(demo.ORPHAN_UUID),
            'policy': {k: v for k, v in _aggregate(admin_conn).metadata.items()
                       if k.startswith('burst:') and k != 'burst:revision'}}


@pytest.fixture(scope='module')
def story(admin_conn, ec2, restore_module_policy):
    demo.seed_demo()
    first_ids = {p.id for p in (admin_conn.identity.find_project(n)
                                for n in demo.PROJECTS)}
    first = _snapshot(admin_conn, ec2, first_ids)
    demo.seed_demo()
    yield first, _snapshot(admin_conn, ec2, first_ids), first_ids
    _take_down(admin_conn, ec2, first_ids)


@pytest.fixture(scope='module')
def restore_module_policy(admin_conn):
    before = dict(_aggregate(admin_conn).metadata or {})
    yield
    agg = _aggregate(admin_conn)
    now = agg.metadata or {}
    update = {k: before.get(k) for k in now if k.startswith('burst:')}
    update.update({k: v for k, v in before.items() if k.startswith('burst:')})
    update['burst:revision'] = str(int(now.get('burst:revision', 0)) + 1)
    admin_conn.compute.set_aggregate_metadata(agg, update)


def _take_down(admin_conn, ec2, project_ids):
    for name in demo.PROJECTS:
        conn = seed.admin_conn(name)
        stack = conn.orchestration.find_stack(demo.STACK)
        if stack:
            conn.orchestration.delete_stack(stack)
            conn.orchestration.wait_for_delete(stack, wait=300)
    servers = _servers(admin_conn, project_ids)
    for s in servers:
        admin_conn.compute.delete_server(s, ignore_missing=True)
    for s in servers:
        helpers.wait_gone(admin_conn, s, wait=300)
    orphan = demo._ec2_instance_of(ec2, demo.ORPHAN_UUID)
    if orphan:
        ec2.terminate_instances(InstanceIds=[orphan['InstanceId']])
    if base.done('demo-peak'):
        os.remove(base.marker('demo-peak'))


def test_seeding_twice_gives_the_same_cloud(story):
    first, second, _ids = story
    assert first == second
    assert len(first['servers']) >= 12


def test_the_story_is_there(story, horizon_request):
    first, _second, project_ids = story
    servers = first['servers']
    on_ec2 = [s for s in servers if s[4]]
    local = [s for s in servers if not s[4]]
    assert len(on_ec2) >= 6 and len(local) >= 5
    web = [s for s in servers if s[1].startswith('storefront-')]
    assert sum(1 for s in web if s[4]) == demo.WEB_BURSTS
    assert first['stacks'] == [demo.STACK]
    assert first['orphan'] is not None
    inv = instances_api.admin_inventory(horizon_request)
    rows = [r for r in inv.rows if r.project_id in project_ids]
    codes = {d.code for r in rows for d in r.drift}
    assert inventory.DRIFT_POWER in codes       # batch-3 stopped in EC2
    assert inventory.DRIFT_ORPHAN in codes      # batch-leaked
    assert any(r.repatriate for r in rows), 'no repatriation candidate'


def test_every_placed_instance_has_a_true_decision_record(
        story, admin_conn, horizon_request):
    _first, _second, project_ids = story
    for s in _servers(admin_conn, project_ids):
        _summary, rec = decisions_api.record(horizon_request, s.id)
        assert rec is not None, 'no decision record for %s' % s.name
        assert rec.target == ('ec2' if s.compute_host == paths.EC2_HOST
                              else 'local'), (s.name, rec)


def _moto_type(ec2, server_id):
    """The type of the EC2 instance moto has for a server, whatever its
    state (terminated ones stay listed)."""
    for r in ec2.describe_instances(Filters=[
            {'Name': 'tag:' + tags.TAG_INSTANCE,
             'Values': [server_id]}])['Reservations']:
        for i in r['Instances']:
            return i['InstanceType']
    return None


def _time(value):
    return datetime.datetime.fromisoformat(value).replace(tzinfo=UTC) \
        if value else None


def test_spend_equals_nova_and_moto_records(story, admin_conn, ec2,
                                            horizon_request):
    _first, _second, project_ids = story
    history = economics_api.admin_history(horizon_request, '24h')
    start, now = history.start, history.end
    # Independent: every server Nova had on the EC2 host in the period
    # (deleted ones too: an earlier seeding's), at the price of the type
    # moto says its EC2 instance was, from Nova's launch to its deletion.
    book = prices.PriceBook(paths.EC2_REGION)
    servers = {s.id: s for s in admin_conn.compute.servers(
        all_projects=True, changes_since=start.isoformat())}
    servers.update((s.id, s) for s in admin_conn.compute.servers(
        all_projects=True))
    expected = {}
    for s in servers.values():
        if s.project_id not in project_ids or \
                s.compute_host != paths.EC2_HOST or not s.launched_at:
            continue
        itype = _moto_type(ec2, s.id)
        assert itype, s.name
        hi = min(_time(s.terminated_at) or now, now)
        hours = max(0.0, (hi - max(_time(s.launched_at), start))
                    .total_seconds() / 3600.0)
        expected[s.project_id] = expected.get(s.project_id, 0.0) + \
            book.hourly(itype) * hours
    got = {p: v for p, v in history.period_spend.items() if p in project_ids}
    assert set(got) == {p for p, v in expected.items() if v}
    for project, usd in expected.items():
        assert got.get(project, 0.0) == pytest.approx(usd, rel=1e-6,
                                                      abs=1e-9)
    # the demand chart's last point: the vCPUs of what Nova runs now,
    # local and on EC2 (the whole cloud)
    running = [s for s in admin_conn.compute.servers(all_projects=True)
               if s.status == 'ACTIVE']
    last = history.points[-1]
    assert (last.local_vcpus, last.ec2_vcpus) == (
        sum(s.flavor['vcpus'] for s in running
            if s.compute_host != paths.EC2_HOST),
        sum(s.flavor['vcpus'] for s in running
            if s.compute_host == paths.EC2_HOST))


def _png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    assert head[:8] == b'\x89PNG\r\n\x1a\n', path
    return struct.unpack('>II', head[16:24])


@pytest.mark.browser
def test_screenshots_of_every_page(story, artifacts_dir):
    out = os.path.join(artifacts_dir, 'screenshots')
    made = screenshots.take(out, 1920, 1080)
    names = {os.path.basename(p)[:-4] for p in made}
    assert names == {n for n, _ in screenshots.ADMIN_PAGES +
                     screenshots.MEMBER_PAGES} | {screenshots.DECISION}
    for path in made:
        assert _png_size(path) == (1920, 1080)
        assert os.path.getsize(path) > 20000, path
    # the charts are there: drawn by Horizon's line chart, with a legend
    with browser.chromium() as driver:
        browser.login(driver, paths.url('horizon'), 'admin',
                      paths.secrets_()['admin'])
        driver.get(paths.url('horizon', '/admin/burst_spend/?period=24h'))
        browser.wait_drawn(driver)
        charts = driver.find_elements(
            'css selector', 'div[data-chart-type="line_chart"] svg path')
        legend = driver.find_element('css selector',
                                     '#burst-demand-legend').text
    assert len(charts) >= 5            # 4 demand lines, 1 burn rate
    assert 'EC2 vCPUs' in legend and 'Enter threshold' in legend
