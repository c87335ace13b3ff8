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

"""Admin → Cloud Bursting → Instances and Project → Compute → Burst
Instances: the pages against a mocked burst_dashboard.api.instances, with
rows built by the real join (burst_core.inventory.join) from Nova
server JSON and EC2 describe_instances items; who may see them (real
policy check)."""
import datetime
import html
import re
from unittest import mock
from urllib import parse

from django.core.cache import cache
from django.test.utils import override_settings
from django.urls import reverse
import pytest

import horizon
from openstack_dashboard.test import helpers as test

from burst_core import decisions
from burst_core import inventory
from burst_core import policy
from burst_core.tags import TAG_INSTANCE
from burst_core.tags import TAG_PROJECT
from burst_dashboard.api import decisions as decisions_api
from burst_dashboard.api import instances as instances_api
from burst_dashboard.api import servers as servers_api

ADMIN_URL = reverse('horizon:admin:burst_instances:index')
PROJECT_URL = reverse('horizon:project:burst_instances:index')
REAL_POLICY = override_settings(
    POLICY_CHECK_FUNCTION='openstack_auth.policy.check')
ADMIN_MOCKS = {instances_api: ['admin_inventory']}
PROJECT_MOCKS = {instances_api: ['project_inventory']}

UTC = datetime.timezone.utc
NOW = datetime.datetime.now(UTC).replace(microsecond=0)
PRICES = {'t3.small': 0.0208, 't3.medium': 0.0416, 'm5.large': 0.096}
REGION = 'us-east-1'
EC2_HOST = 'ec2-us-east-1'
PROJECTS = {'p-demo': 'demo', 'p-other': 'other'}

L1 = '11111111-0000-0000-0000-000000000001'
E1 = '22222222-0000-0000-0000-000000000001'
E2 = '22222222-0000-0000-0000-000000000002'
GONE = '99999999-0000-0000-0000-000000000009'
ORPHAN = 'i-0orphan'


def _server(uuid, name, project='p-demo', host='compute-1',
            status='ACTIVE', power=1, flavor='m1.small', hours_ago=10):
    created = NOW - datetime.timedelta(hours=hours_ago)
    return {
        'id': uuid, 'name': name, 'tenant_id': project, 'status': status,
        'OS-EXT-STS:power_state': power, 'OS-EXT-STS:task_state': None,
        'OS-EXT-SRV-ATTR:host': host,
        'flavor': {'original_name': flavor, 'vcpus': 1, 'ram': 2048,
                   'disk': 20, 'extra_specs': {}},
        'created': created.isoformat(), 'metadata': {}}


def _ec2(instance_id, uuid=None, project='p-demo', name=None,
         state='running', itype='t3.small', hours_ago=2.0,
         private_ip='10.0.0.5', public_ip=None, zone='us-east-1a'):
    tags = [{'Key': TAG_PROJECT, 'Value': project}]
    if uuid:
        tags.append({'Key': TAG_INSTANCE, 'Value': uuid})
    if name:
        tags.append({'Key': 'Name', 'Value': name})
    item = {'InstanceId': instance_id, 'InstanceType': itype,
            'Placement': {'AvailabilityZone': zone},
            'PrivateIpAddress': private_ip, 'State': {'Name': state},
            'LaunchTime': NOW - datetime.timedelta(hours=hours_ago),
            'Tags': tags}
    if public_ip:
        item['PublicIpAddress'] = public_ip
    return item


@pytest.fixture(autouse=True)
def _no_snapshot_between_tests():
    """The pager's snapshot lives in Django's cache, keyed by token; the
    test data's token is the same in every test."""
    cache.clear()
    yield
    cache.clear()


# The decision records of the rows shown (burst_dashboard.api.decisions):
# none unless a test says otherwise.
SUMMARIES = mock.Mock()


@pytest.fixture(autouse=True)
def _decision_summaries():
    with mock.patch.object(decisions_api, 'summaries', SUMMARIES):
        SUMMARIES.reset_mock(return_value=True, side_effect=True)
        SUMMARIES.return_value = ({}, False)
        yield


def _summary(message, request_id='req-1'):
    return decisions_api.Summary(request_id, message, '2026-12-02T10:00:00')


def _join(servers, described, burst_hosts=(EC2_HOST,), projects=PROJECTS,
          ec2_read=True):
    return inventory.join(servers, described, REGION, PRICES.get, NOW,
                          burst_hosts=frozenset(burst_hosts)
                          if burst_hosts is not None else None,
                          projects=projects, ec2_read=ec2_read)


def _inventory(rows, **kw):
    return instances_api.Inventory(rows=rows, region=REGION, **kw)


def _cloud():
    """A local instance, two on EC2 (one whose states differ) and an EC2
    instance Nova does not know."""
    servers = [
        _server(L1, 'db-local', hours_ago=30),
        _server(E1, 'web-burst', host=EC2_HOST, hours_ago=3),
        _server(E2, 'api-burst', project='p-other', host=EC2_HOST,
                status='SHUTOFF', power=4, hours_ago=6),
    ]
    described = [
        _ec2('i-0e1', E1, public_ip='54.1.2.3', hours_ago=2),
        _ec2('i-0e2', E2, project='p-other', itype='t3.medium',
             private_ip='10.0.0.6', zone='us-east-1b', hours_ago=5),
        _ec2(ORPHAN, GONE, name='leaked-1', itype='m5.large',
             private_ip='10.0.0.7', hours_ago=30),
    ]
    return _join(servers, described)


def _ids(res):
    return [r.id for r in res.context['table'].data]


@override_settings(API_RESULT_PAGE_SIZE=20)
class AdminIndexTests(test.BaseAdminViewTests):

    def _get(self, query='', rows=None, **kw):
        self.mock_admin_inventory.return_value = _inventory(
            _cloud() if rows is None else rows, **kw)
        return self.client.get(ADMIN_URL + query)

    @test.create_mocks(ADMIN_MOCKS)
    def test_local_ec2_and_orphan_side_by_side(self):
        res = self._get()
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(res, 'burst_dashboard/instances/index.html')
        self.assertMessageCount(res, error=0, warning=0)
        self.mock_admin_inventory.assert_called_once_with(
            test.IsHttpRequest(), 21, ec2_side=False,
            order=('created', 'desc'), candidates=False,
            local_side=False, leads=None, instead=21)   # newest page
        # newest first by default: web-burst, api-burst, then the two
        # 30 hours old
        self.assertEqual(E1, _ids(res)[0])
        self.assertEqual({L1, E1, E2, ORPHAN}, set(_ids(res)))
        # where, project, status
        self.assertContains(res, 'Local: compute-1')
        self.assertContains(res, 'EC2: us-east-1', count=2)
        self.assertContains(res, 'EC2 orphan')
        self.assertContains(res, '<td class="normal_column">other</td>',
                            html=True)
        self.assertContains(res, 'Active, Running')
        self.assertContains(res, 'Shutoff, Shut Down')
        # EC2 columns
        for text in ('i-0e1', 't3.small', 'us-east-1a', '10.0.0.5',
                     '54.1.2.3', 'i-0e2', 't3.medium', 'us-east-1b',
                     'm5.large', '10.0.0.7', 'running'):
            self.assertContains(res, text)
        self.assertContains(res, '0.0208')               # t3.small $/h
        self.assertContains(res, '%.4f' % (0.0208 * 2))  # 2 h so far
        self.assertContains(res, '%.4f' % (0.096 * 30))
        self.assertContains(res, '(1\xa0day, 6\xa0hours ago)')  # orphan's age
        # links to Horizon's instance page for Nova rows only
        self.assertContains(res, 'href="%s"' % reverse(
            'horizon:admin:instances:detail', args=[E1]))
        self.assertContains(res, 'href="%s"' % reverse(
            'horizon:admin:instances:detail', args=[L1]))
        self.assertNotContains(res, '/admin/instances/%s/' % ORPHAN)
        # drift: the power mismatch and the orphan, rows marked
        self.assertContains(res, 'Nova says SHUTOFF, EC2 says running')
        self.assertContains(res, 'Nova has no instance %s' % GONE)
        self.assertContains(res, '<tr class="warning burst-drift"', count=2)
        self.assertContains(res, '<strong>State differs</strong>: Nova says')
        self.assertContains(res, '<strong>Unknown to Nova</strong>: Nova has')
        # filter pills with the counts, sorting headers
        self.assertContains(res, 'All (4)')
        self.assertContains(res, 'Local (1)')
        self.assertContains(res, 'EC2 (3)')
        self.assertContains(res, 'Drift (2)')
        self.assertContains(res, 'Repatriation candidates (0)')
        self.assertContains(res, 'href="?show=all&amp;sort=cost&amp;'
                                 'dir=desc">Cost so far (USD)</a>')
        # the whole cloud's EC2 figures
        self.assertContains(res, "This cloud's EC2 instances: "
                                 "<strong>3</strong> (3 billed now)")
        self.assertContains(res, '$%.4f/h' % (0.0208 + 0.0416 + 0.096))

    @test.create_mocks(ADMIN_MOCKS)
    def test_show_drift_only_drift_rows(self):
        res = self._get('?show=drift')
        self.assertEqual([E2, ORPHAN], sorted(_ids(res)))
        self.assertNotContains(res, 'db-local')
        self.assertNotContains(res, 'web-burst')

    @test.create_mocks(ADMIN_MOCKS)
    def test_show_ec2_includes_orphans(self):
        res = self._get('?show=ec2')
        self.assertEqual({E1, E2, ORPHAN}, set(_ids(res)))
        res = self._get('?show=local')
        self.assertEqual([L1], _ids(res))

    @test.create_mocks(ADMIN_MOCKS)
    def test_show_repatriation_candidates(self):
        rows = _cloud()
        for r in rows:
            r.repatriate = r.id == E1
        res = self._get('?show=repatriate', rows=rows)
        self.assertEqual([E1], _ids(res))
        self.assertContains(res, 'Repatriation candidates (1)')
        self.assertContains(res, 'burst-repatriate')
        self.assertContains(res, '<td class="normal_column">Yes</td>',
                            html=True)

    @test.create_mocks(ADMIN_MOCKS)
    def test_project_and_name_filters(self):
        res = self._get('?project=other')
        self.assertEqual([E2], _ids(res))
        res = self._get('?project=p-demo')
        self.assertEqual({L1, E1, ORPHAN}, set(_ids(res)))
        self.assertContains(res, 'All (3)')     # counts follow the filter
        res = self._get('?name=BURST')
        self.assertEqual({E1, E2}, set(_ids(res)))
        res = self._get('?show=ec2&project=demo&name=burst')
        self.assertEqual([E1], _ids(res))
        # kept by the sorting headers and the pills
        self.assertContains(res, 'href="?show=ec2&amp;sort=name&amp;'
                                 'dir=asc&amp;project=demo&amp;name=burst"')
        self.assertContains(res, 'href="?show=drift&amp;sort=created&amp;'
                                 'dir=desc&amp;project=demo&amp;name=burst"')

    @test.create_mocks(ADMIN_MOCKS)
    def test_stack_column_filter_and_sort(self):
        rows = _cloud()
        web = instances_api.heat.Stack('s-1', 'shop-<b>web</b>', 'p-demo')
        api = instances_api.heat.Stack('s-2', 'api', 'p-other')
        inventory.mark_stacks(rows, {E1: web, E2: api, L1: web})
        res = self._get('?stack=WEB', rows=rows)
        self.assertEqual({E1, L1}, set(_ids(res)))
        self.assertContains(res, 'shop-&lt;b&gt;web&lt;/b&gt;', count=2)
        self.assertContains(res, 'href="?show=all&amp;sort=stack&amp;'
                                 'dir=asc&amp;stack=WEB"')
        res = self._get('?stack=s-2', rows=rows)       # by ID
        self.assertEqual([E2], _ids(res))
        res = self._get('?sort=stack&dir=asc', rows=rows)
        self.assertEqual([ORPHAN, E2, L1, E1], _ids(res))
        param = 'burst_admin_instances__filter_burst_admin_instances__q'
        self.client.post(ADMIN_URL, {param: 'api', param + '_field': 'stack'})
        self.assertEqual([E2], _ids(self.client.get(ADMIN_URL)))

    @test.create_mocks(ADMIN_MOCKS)
    def test_stack_error_warns_and_lists(self):
        res = self._get(stack_error='Heat could not be read')
        self.assertEqual(4, len(_ids(res)))
        self.assertContains(res, 'Heat could not be read: the Stack column '
                                 'is empty.')

    @test.create_mocks(ADMIN_MOCKS)
    def test_filter_box_is_server_side(self):
        self.mock_admin_inventory.return_value = _inventory(_cloud())
        param = 'burst_admin_instances__filter_burst_admin_instances__q'
        res = self.client.post(ADMIN_URL + '?show=ec2&sort=name&dir=asc',
                               {param: 'other', param + '_field': 'project'})
        # a changed filter goes back to the first page, list kept
        self.assertRedirectsNoFollow(
            res, ADMIN_URL + '?show=ec2&sort=name&dir=asc')
        res = self.client.get(ADMIN_URL + '?show=ec2&sort=name&dir=asc')
        self.assertEqual([E2], _ids(res))
        res = self.client.post(ADMIN_URL, {param: 'leaked',
                                           param + '_field': 'name'})
        res = self.client.get(ADMIN_URL)
        self.assertEqual([ORPHAN], _ids(res))

    @test.create_mocks(ADMIN_MOCKS)
    def test_sort_by_cost_descending(self):
        res = self._get('?sort=cost&dir=desc')
        self.assertEqual([ORPHAN, E2, E1, L1], _ids(res))
        res = self._get('?sort=cost&dir=asc')
        self.assertEqual([L1, E1, E2, ORPHAN], _ids(res))
        res = self._get('?sort=name')      # names: a to z by default
        self.assertEqual(['api-burst', 'db-local', 'leaked-1', 'web-burst'],
                         [r.name for r in res.context['table'].data])

    @test.create_mocks(ADMIN_MOCKS)
    def test_column_headers_sort_the_whole_list(self):
        res = self._get('?show=ec2&sort=name')
        self.assertNotContains(res, 'burst-sort-key')      # no Sort form
        headers = {c.name: str(c) for c in res.context['table'].columns
                   .values()}
        # the sorted column: a link to the other direction, marked
        self.assertIn('href="?show=ec2&amp;sort=name&amp;dir=desc"',
                      headers['name'])
        self.assertIn('fa-sort-asc', headers['name'])
        self.assertContains(res, 'aria-sort="ascending"', count=1)
        # the others: their own first direction (money and age: largest
        # or newest first), first page (no marker)
        for column, query in (('cost', 'sort=cost&amp;dir=desc'),
                              ('price', 'sort=price&amp;dir=desc'),
                              ('age', 'sort=created&amp;dir=desc'),
                              ('project', 'sort=project&amp;dir=asc'),
                              ('stack', 'sort=stack&amp;dir=asc'),
                              ('ec2_type', 'sort=type&amp;dir=asc')):
            self.assertIn('href="?show=ec2&amp;%s"' % query,
                          headers[column])
        # what does not sort stays plain text
        for column in ('flavor', 'ec2_id', 'drift', 'zone'):
            self.assertNotIn('<a', headers[column])
        # following the Cost header gives the list sorted by cost
        res = self._get('?show=all&sort=cost&dir=desc')
        self.assertEqual([ORPHAN, E2, E1, L1], _ids(res))
        self.assertContains(res, 'aria-sort="descending"', count=1)
        self.assertContains(res, 'href="?show=all&amp;sort=cost&amp;'
                                 'dir=asc"')

    @override_settings(API_RESULT_PAGE_SIZE=2)
    @test.create_mocks(ADMIN_MOCKS)
    def test_paging_keeps_the_list_parameters(self):
        uuids = ['33333333-0000-0000-0000-00000000000%d' % i
                 for i in range(5)]
        servers = [_server(u, 'n%d' % i, host=EC2_HOST)
                   for i, u in enumerate(uuids)]
        servers.append(_server(L1, 'a-local'))    # not on show=ec2
        described = [_ec2('i-%d' % i, u) for i, u in enumerate(uuids)]
        rows = _join(servers, described)
        query = '?show=ec2&sort=name&dir=asc'

        res = self._get(query, rows=rows)
        self.assertEqual(uuids[0:2], _ids(res))
        self.assertContains(res, 'Next&nbsp;&raquo;')
        self.assertContains(res, 'href="?show=ec2&amp;sort=name&amp;dir=asc'
                                 '&amp;marker=%s"' % uuids[1])
        self.assertNotContains(res, 'prev_marker=')

        res = self._get(query + '&marker=' + uuids[1], rows=rows)
        self.assertEqual(uuids[2:4], _ids(res))
        self.assertContains(res, 'href="?show=ec2&amp;sort=name&amp;dir=asc'
                                 '&amp;marker=%s"' % uuids[3])
        self.assertContains(res, 'href="?show=ec2&amp;sort=name&amp;dir=asc'
                                 '&amp;prev_marker=%s"' % uuids[2])

        res = self._get(query + '&marker=' + uuids[3], rows=rows)
        self.assertEqual(uuids[4:], _ids(res))
        self.assertNotContains(res, 'Next&nbsp;&raquo;')
        self.assertContains(res, '&laquo;&nbsp;Prev')

        res = self._get(query + '&prev_marker=' + uuids[4], rows=rows)
        self.assertEqual(uuids[2:4], _ids(res))
        self.assertMessageCount(res, warning=0, error=0)
        # the pills start a list over on its first page
        self.assertContains(res, 'href="?show=drift&amp;sort=name&amp;'
                                 'dir=asc"')

    @override_settings(API_RESULT_PAGE_SIZE=2)
    @test.create_mocks(ADMIN_MOCKS)
    def test_pager_walks_the_first_pages_snapshot(self):
        uuids = ['44444444-0000-0000-0000-00000000000%d' % i
                 for i in range(5)]
        rows = _join([_server(u, 'n%d' % i) for i, u in enumerate(uuids)],
                     [])
        res = self._get('?sort=name&dir=asc', rows=rows)
        self.assertEqual(uuids[0:2], _ids(res))
        self.assertContains(res, 'Read from Nova and EC2 at')
        # Nova changes (n1 deleted) between the first and the second page:
        # the pager still walks the list the first page was cut from,
        # without reading Nova or EC2 again.
        res = self._get('?sort=name&dir=asc&marker=' + uuids[1],
                        rows=rows[:1] + rows[2:])
        self.assertEqual(uuids[2:4], _ids(res))
        self.assertEqual(1, self.mock_admin_inventory.call_count)
        # A plain load reads afresh.
        res = self._get('?sort=name&dir=asc', rows=rows[:1] + rows[2:])
        self.assertEqual([uuids[0], uuids[2]], _ids(res))
        self.assertEqual(2, self.mock_admin_inventory.call_count)
        # With the snapshot gone (expired), the pager reads afresh too.
        cache.clear()
        res = self._get('?sort=name&dir=asc&marker=' + uuids[2],
                        rows=rows[:1] + rows[2:])
        self.assertEqual(uuids[3:5], _ids(res))
        self.assertEqual(3, self.mock_admin_inventory.call_count)

    @test.create_mocks(ADMIN_MOCKS)
    def test_only_the_plain_first_page_may_read_the_newest(self):
        for query in ('?show=ec2', '?sort=cost', '?name=web',
                      '?project=other', '?stack=shop', '?marker=' + E1):
            self.mock_admin_inventory.reset_mock()
            cache.clear()
            self._get(query)
            # every server, or on EC2 for the lists of EC2 instances and
            # the one by cost, which they lead
            self.mock_admin_inventory.assert_called_once_with(
                test.IsHttpRequest(), None, ec2_side=query == '?show=ec2',
                candidates=False,
                order=None if query == '?sort=cost' else ('created', 'desc'),
                local_side=False,
                leads=('cost', 21) if query == '?sort=cost' else None,
                instead=21)

    @test.create_mocks(ADMIN_MOCKS)
    def test_a_first_page_by_name_status_or_oldest_reads_its_servers(
            self):
        for query, newest, order, ec2_side in (
                ('?sort=name', 21, ('name', 'asc'), False),
                ('?sort=name&dir=desc', 21, ('name', 'desc'), False),
                ('?sort=status', 21, ('status', 'asc'), False),
                ('?sort=status&dir=desc', 21, ('status', 'desc'), False),
                ('?sort=status&show=local', None, ('status', 'asc'), False),
                ('?sort=status&name=web', None, ('status', 'asc'), False),
                ('?sort=created&dir=asc', 21, ('created', 'asc'), False),
                ('?show=local', 21, ('created', 'desc'), False),
                ('?show=local&dir=asc', 21, ('created', 'asc'), False),
                ('?show=local&sort=name', None, ('name', 'asc'), False),
                ('?show=local&name=web', None, ('created', 'desc'), False),
                ('?sort=name&show=ec2', None, ('name', 'asc'), True),
                ('?sort=name&name=web', None, ('name', 'asc'), False),
                ('?sort=created&dir=asc&project=other', None,
                 ('created', 'asc'), False),
                ('?sort=name&marker=' + E1, None, ('name', 'asc'), False)):
            self.mock_admin_inventory.reset_mock()
            cache.clear()
            self._get(query)
            self.mock_admin_inventory.assert_called_once_with(
                test.IsHttpRequest(), newest, ec2_side=ec2_side,
                candidates=False, order=order,
                local_side='show=local' in query, leads=None, instead=21)
        for query, order, local, css, text in (
                ('?sort=name', ('name', 'asc'), False,
                 'burst-servers-by-name', 'The first instances by name only'),
                ('?sort=status', ('status', 'asc'), False,
                 'burst-servers-by-status',
                 'The first instances by status only'),
                ('?sort=created&dir=asc', ('created', 'asc'), False,
                 'burst-servers-oldest', 'The oldest instances only'),
                ('?show=local', ('created', 'desc'), True,
                 'burst-servers-local-side',
                 'The first local instances only')):
            partial = servers_api.Servers([], None, NOW, full=False,
                                          partial=True, order=order,
                                          local_side=local)
            res = self._get(query, servers=partial)
            self.assertContains(res, css)
            self.assertContains(res, text)
            self.assertNotContains(res, 'The newest instances only')

    @test.create_mocks(ADMIN_MOCKS)
    def test_candidates_read_behind_the_page_says_so(self):
        res = self._get('?show=ec2', candidates_pending=True)
        self.assertEqual({E1, E2, ORPHAN}, set(_ids(res)))
        self.assertMessageCount(res, info=1, warning=0, error=0)
        self.assertContains(res, "Placement&#x27;s usages are being read")

    @test.create_mocks(ADMIN_MOCKS)
    def test_the_ec2_lists_may_read_only_the_ec2_side(self):
        for show in ('ec2', 'drift', 'repatriate', 'local', 'all'):
            self.mock_admin_inventory.reset_mock()
            self._get('?show=%s&sort=cost' % show)
            # All by cost, most first: the EC2 side may lead it.
            self.mock_admin_inventory.assert_called_once_with(
                test.IsHttpRequest(), None,
                ec2_side=show in ('ec2', 'drift', 'repatriate'),
                candidates=show == 'repatriate', order=None,
                local_side=show == 'local',
                leads=('cost', 21) if show == 'all' else None,
                instead=21)
        # Read so, the page says what it lacks, and keeps no snapshot.
        ec2_side = servers_api.Servers([], None, NOW, full=False,
                                       partial=True, ec2_side=True)
        res = self._get('?show=ec2&sort=cost', servers=ec2_side)
        self.assertEqual({E1, E2, ORPHAN}, set(_ids(res)))
        self.assertContains(res, 'burst-servers-ec2-side')
        self.assertContains(res, 'Only the instances on EC2')
        self.assertNotContains(res, 'The newest instances only')

    @test.create_mocks(ADMIN_MOCKS)
    def test_cold_list_by_cost_may_read_the_ec2_side(self):
        ec2_side = servers_api.Servers([], None, NOW, full=False,
                                       partial=True, ec2_side=True)
        rows = _cloud()
        billed = [r.id for r in inventory.order(rows, 'cost')
                  if r.cost_so_far()]
        self.assertEqual(3, len(billed))   # E1, E2 and the orphan
        # The first page of all by cost or price, most first: the EC2
        # side may lead it (a page and one, for the "next" link).
        for query, key in (('?sort=cost', 'cost'), ('?sort=price', 'price')):
            self.mock_admin_inventory.reset_mock()
            with override_settings(API_RESULT_PAGE_SIZE=2):
                res = self._get(query, servers=ec2_side)
            self.mock_admin_inventory.assert_called_once_with(
                test.IsHttpRequest(), None, ec2_side=False,
                candidates=False, order=None, local_side=False,
                leads=(key, 3), instead=3)
        self.assertEqual(billed[:2], _ids(res))
        self.assertContains(res, 'burst-servers-ec2-first')
        self.assertContains(res, 'which come first in this order')
        self.assertNotContains(res, 'burst-servers-ec2-side')
        # Least first, filtered, a later page, another list or order:
        # instances without an EC2 one may come first.
        for query in ('?sort=cost&dir=asc', '?sort=cost&name=web',
                      '?sort=cost&marker=' + E1, '?sort=created',
                      '?sort=cost&show=local'):
            self.mock_admin_inventory.reset_mock()
            cache.clear()      # no pager snapshot: the page is read
            self._get(query)
            self.assertIsNone(
                self.mock_admin_inventory.call_args.kwargs['leads'], query)

    @test.create_mocks(ADMIN_MOCKS)
    def test_partial_first_page_says_so_and_is_no_pager_snapshot(self):
        uuids = ['55555555-0000-0000-0000-00000000000%d' % i
                 for i in range(3)]
        rows = _join([_server(u, 'n%d' % i, hours_ago=i)
                      for i, u in enumerate(uuids)], [])
        partial = servers_api.Servers([], None, NOW, full=False,
                                      partial=True)
        with override_settings(API_RESULT_PAGE_SIZE=2):
            res = self._get(rows=rows, servers=partial)
            self.mock_admin_inventory.assert_called_once_with(
                test.IsHttpRequest(), 3, ec2_side=False, candidates=False,
                order=('created', 'desc'), local_side=False, leads=None,
                instead=3)
            self.assertEqual(uuids[:2], _ids(res))
            self.assertContains(res, 'burst-servers-partial')
            self.assertContains(res, "The newest instances only")
            # The next page reads again (the whole list by then), not
            # from a snapshot of the partial one.
            res = self._get('?marker=' + uuids[1], rows=rows)
            self.assertEqual(2, self.mock_admin_inventory.call_count)
            self.assertEqual(uuids[2:], _ids(res))
            self.assertNotContains(res, 'burst-servers-partial')

    @test.create_mocks(ADMIN_MOCKS)
    def test_newest_instead_of_a_slow_list_says_so_and_links_to_it(self):
        uuids = ['66666666-0000-0000-0000-00000000000%d' % i
                 for i in range(3)]
        rows = _join([_server(u, 'n%d' % i, hours_ago=i)
                      for i, u in enumerate(uuids)], [])
        rows[0].name = 'z-other'
        instead = servers_api.Servers([], None, NOW, full=False,
                                      partial=True, stand_in=True)
        asked = '?show=local&sort=project&dir=asc&name=%3Cb%3En'
        with override_settings(API_RESULT_PAGE_SIZE=2):
            res = self._get(asked + '&marker=' + uuids[1], rows=rows,
                            servers=instead)
        # The first page of every instance by creation, unfiltered (n0
        # is not in "n"'s list), with no word of the marker.
        self.assertEqual(uuids[:2], _ids(res))
        self.assertMessageCount(res, warning=0, error=0)
        self.assertContains(res, 'burst-servers-stand-in')
        self.assertContains(res, 'the list asked for needs every instance')
        self.assertNotContains(res, 'The newest instances only, while')
        # The link to the list asked for, first page, its name as text.
        link = re.search(r'class="burst-asked-list" href="([^"]*)"',
                         res.content.decode()).group(1)
        self.assertEqual(
            [('show', 'local'), ('sort', 'project'), ('dir', 'asc'),
             ('name', '<b>n')],
            parse.parse_qsl(html.unescape(link)[1:]))
        self.assertNotContains(res, '<b>n')
        # The headers are those of the list shown; no pager (a filter
        # kept in the session would apply to its next page, not these).
        headers = {c.name: str(c) for c in res.context['table'].columns
                   .values()}
        self.assertIn('fa-sort-desc', headers['age'])
        self.assertIn('href="?show=all&amp;sort=project&amp;dir=asc"',
                      headers['project'])
        pager = 'href="?show=all&amp;sort=created&amp;dir=desc&amp;marker='
        self.assertNotContains(res, pager)
        self.assertContains(res, 'class="active"><a class="burst-show-all"')
        # Without the stand-in, the same rows have a next page.
        with override_settings(API_RESULT_PAGE_SIZE=2):
            res = self._get('?sort=created', rows=rows)
        self.assertContains(res, pager + uuids[1])

    @test.create_mocks(ADMIN_MOCKS)
    def test_bad_parameters_fall_back_with_messages(self):
        res = self._get('?show=nope&sort=bogus&dir=up&marker=gone')
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, warning=4, error=0)
        self.assertContains(res, 'Unknown list &quot;nope&quot;')
        self.assertContains(res, 'Cannot sort by &quot;bogus&quot;')
        self.assertContains(res, 'Unknown sort direction &quot;up&quot;')
        self.assertContains(res, 'no longer in this list')
        # defaults: everything, newest first
        self.assertEqual(4, len(_ids(res)))
        self.assertEqual(E1, _ids(res)[0])

    @test.create_mocks(ADMIN_MOCKS)
    def test_ec2_error_warns_and_lists_local(self):
        servers = [_server(L1, 'db-local'),
                   _server(E1, 'web-burst', host=EC2_HOST)]
        rows = _join(servers, [], ec2_read=False)
        res = self._get(rows=rows, ec2_error='EndpointConnectionError: '
                        'Could not connect to http://ec2.test')
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, warning=1, error=0)
        self.assertContains(res, 'EC2 (region us-east-1) could not be read: '
                                 'EndpointConnectionError: Could not connect'
                                 ' to http://ec2.test. Local instances are '
                                 'listed; EC2 details are missing.')
        self.assertContains(res, 'db-local')
        self.assertContains(res, 'Local: compute-1')
        self.assertEqual({L1, E1}, set(_ids(res)))
        # EC2 not read is not "EC2 instance gone": no drift claimed
        self.assertEqual([], [r.drift for r in rows if r.drift])
        self.assertNotContains(res, 'no EC2 instance carries its ID')
        # no EC2 figures claimed when EC2 was not read
        self.assertContains(res, 'their price and their cost are not known')
        self.assertNotContains(res, "This cloud's EC2 instances")

    @test.create_mocks(ADMIN_MOCKS)
    def test_policy_and_repatriation_errors_warn(self):
        res = self._get(policy_error='Aggregate burst-ec2 not found',
                        repatriation_error='Placement could not be read: '
                        'no repatriation candidates.')
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, warning=2, error=0)
        self.assertContains(res, 'The burst policy could not be read: '
                                 'Aggregate burst-ec2 not found.')
        self.assertContains(res, 'Placement could not be read')

    @test.create_mocks(ADMIN_MOCKS)
    def test_nova_error_is_a_message(self):
        self.mock_admin_inventory.side_effect = self.exceptions.nova
        res = self.client.get(ADMIN_URL + '?show=drift')
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertContains(res, 'Unable to retrieve instances.')
        self.assertEqual([], _ids(res))
        self.assertContains(res, 'All (0)')
        self.assertNotContains(res, "This cloud's EC2 instances")

    @test.create_mocks(ADMIN_MOCKS)
    def test_names_tags_drift_and_parameters_escaped(self):
        script = '<script>alert(%d)</script>'
        servers = [_server(E1, script % 1, host=EC2_HOST)]
        described = [_ec2('i-0e1', E1),
                     _ec2(ORPHAN, name=script % 2, itype='m5.large')]
        rows = _join(servers, described)
        rows[0].drift.append(inventory.Drift('power', script % 3))
        res = self._get('?sort=%3Cscript%3Ealert(5)%3C/script%3E',
                        rows=rows)
        self.assertEqual(200, res.status_code)
        self.assertNotContains(res, '<script>alert(')
        for i in (1, 2, 3, 5):
            self.assertContains(res, '&lt;script&gt;alert(%d)&lt;/script&gt;'
                                % i)
        res = self._get('?name=%3Cscript%3Ealert(4)%3C/script%3E',
                        rows=rows)
        self.assertNotContains(res, '<script>alert(')
        self.assertContains(res, '&lt;script&gt;alert(4)&lt;/script&gt;')

    @test.create_mocks(ADMIN_MOCKS)
    def test_in_the_navigation(self):
        res = self._get()
        self.assertContains(res, 'href="%s"' % ADMIN_URL)
        self.assertContains(res, 'Cloud Bursting')

    @test.create_mocks(ADMIN_MOCKS)
    def test_why_here_column_from_the_decision_records(self):
        SUMMARIES.return_value = ({
            E1: _summary('the private cloud was at its burst threshold'),
            L1: _summary('the private cloud had room under its burst '
                         'threshold'),
            E2: None}, False)
        res = self._get()
        # asked for the Nova instances shown, never for the orphan
        (args, _kw), = SUMMARIES.call_args_list
        self.assertEqual({L1, E1, E2}, set(args[1]))
        self.assertContains(res, 'the private cloud was at its burst '
                                 'threshold</a>')
        detail = reverse('horizon:admin:burst_instances:decision',
                         args=(E1,))
        self.assertContains(res, 'href="%s"' % detail)
        # no record, no link
        self.assertNotContains(res, reverse(
            'horizon:admin:burst_instances:decision', args=(E2,)))
        self.assertMessageCount(res, warning=0)

    @test.create_mocks(ADMIN_MOCKS)
    def test_unreadable_decision_records_are_a_warning(self):
        SUMMARIES.return_value = ({}, True)
        res = self._get()
        self.assertEqual(4, len(_ids(res)))
        self.assertMessageCount(res, warning=1)
        self.assertContains(res, 'decision records could not be read')


DECISION_MOCKS = {decisions_api: ['server', 'record']}


def _record(target='ec2'):
    decision = policy.decide(
        policy.PrivatePool(hosts=[policy.Host(
            'h', {'VCPU': 10, 'MEMORY_MB': 1000, 'DISK_GB': 100},
            {'VCPU': 8, 'MEMORY_MB': 0, 'DISK_GB': 0})]),
        policy.PublicPool(), policy.Request(2, 0, 0),
        policy.BurstPolicy(enabled=True, revision=41))
    assert decision.target == target
    return decisions.record(decision, policy.BurstPolicy(enabled=True,
                                                         revision=41))


class DecisionViewTests(test.BaseAdminViewTests):

    def _url(self, instance_id=E1):
        return reverse('horizon:admin:burst_instances:decision',
                       args=(instance_id,))

    @test.create_mocks(DECISION_MOCKS)
    def test_the_whole_record_beside_where_it_is(self):
        self.mock_server.return_value = {
            'id': E1, 'name': '<b>web</b>',
            'OS-EXT-SRV-ATTR:host': EC2_HOST}
        self.mock_record.return_value = (_summary('x'), _record())
        res = self.client.get(self._url())
        self.assertEqual(200, res.status_code)
        self.assertContains(res, '&lt;b&gt;web&lt;/b&gt;')
        self.assertContains(res, '<dd class="burst-decision-target">EC2</dd>',
                            html=True)
        self.assertContains(res, 'private vCPU would reach 100.0% &gt; 80%')
        self.assertContains(res, '41 (bursting enabled)')
        self.assertContains(res, EC2_HOST)
        self.assertContains(res, '100.0 %')

    @test.create_mocks(DECISION_MOCKS)
    def test_no_record_says_so(self):
        self.mock_server.return_value = {'id': E1, 'name': 'web'}
        self.mock_record.return_value = (None, None)
        res = self.client.get(self._url())
        self.assertContains(res, 'has no decision record')

    @test.create_mocks(DECISION_MOCKS)
    def test_a_malformed_record_is_an_error_not_a_500(self):
        self.mock_server.return_value = {'id': E1, 'name': 'web'}
        self.mock_record.side_effect = ValueError('not JSON')
        res = self.client.get(self._url())
        self.assertRedirectsNoFollow(res, ADMIN_URL)


@REAL_POLICY
class AdminAccessTests(test.BaseAdminViewTests):

    @test.create_mocks(ADMIN_MOCKS)
    def test_admin_allowed(self):
        self.mock_admin_inventory.return_value = _inventory(_cloud())
        res = self.client.get(ADMIN_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual(4, len(_ids(res)))


@REAL_POLICY
class MemberRefusedAdminTests(test.TestCase):

    @test.create_mocks(ADMIN_MOCKS)
    def test_member_refused(self):
        self.assertEqual(403, self.client.get(ADMIN_URL).status_code)
        self.mock_admin_inventory.assert_not_called()


@REAL_POLICY
class ProjectIndexTests(test.TestCase):
    """The default test user is a plain member of self.tenant."""

    def _rows(self):
        me = self.tenant.id
        servers = [
            _server(L1, 'db-local', project=me, host=None, hours_ago=30),
            # members see no host: on EC2 by its EC2 instance
            _server(E1, 'web-burst', project=me, host=None, hours_ago=3),
            _server(E2, 'halted', project=me, host=None, status='SHUTOFF',
                    power=4, hours_ago=6),
        ]
        described = [
            _ec2('i-0e1', E1, project=me, public_ip='54.1.2.3',
                 hours_ago=2),
            _ec2('i-0e2', E2, project=me, itype='t3.medium',
                 state='stopped', hours_ago=5),
        ]
        rows = _join(servers, described, burst_hosts=None, projects={})
        # Another project's instance: must never reach the page.
        rows += _join([], [_ec2('i-0theirs', GONE, project='p-other',
                                name='theirs', itype='m5.large')],
                      burst_hosts=None, projects={})
        return rows

    def _get(self, query='', **kw):
        self.mock_project_inventory.return_value = _inventory(
            self._rows(), **kw)
        return self.client.get(PROJECT_URL + query)

    @test.create_mocks(PROJECT_MOCKS)
    def test_own_rows_with_ec2_details_and_summary(self):
        res = self._get()
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(
            res, 'burst_dashboard/burst_instances/index.html')
        self.assertMessageCount(res, warning=0, error=0)
        self.mock_project_inventory.assert_called_once_with(
            test.IsHttpRequest(), 21, ('created', 'desc'),
            instead=21)  # a page + 1
        self.assertEqual([E1, E2, L1], _ids(res))
        for text in ('db-local', 'web-burst', 'i-0e1', 't3.small',
                     'us-east-1a', '54.1.2.3', 'running', 'i-0e2',
                     'stopped', '0.0208', '%.4f' % (0.0208 * 2)):
            self.assertContains(res, text)
        self.assertContains(res, 'EC2: us-east-1', count=2)
        self.assertContains(res, '<td class="normal_column">Local</td>',
                            html=True)
        self.assertContains(res, 'href="%s"' % reverse(
            'horizon:project:instances:detail', args=[E1]))
        self.assertNotContains(res, '/admin/instances/')
        # nothing of the other project, in the rows or the figures
        self.assertNotContains(res, 'i-0theirs')
        self.assertNotContains(res, 'theirs')
        self.assertNotContains(res, 'm5.large')
        # this project's EC2: two instances, one billed now ($/h), the
        # stopped one's cost up to its stop time unknown (no stop time)
        self.assertContains(res, "This project's EC2 instances: "
                                 "<strong>2</strong> (1 billed now), "
                                 "<strong>$0.0208/h</strong>, "
                                 "<strong>$%.4f</strong> so far."
                            % (0.0208 * 2))
        # members' lists: no repatriation candidates, no project column
        self.assertContains(res, 'All (3)')
        self.assertContains(res, 'EC2 (2)')
        self.assertNotContains(res, 'Repatriation candidates')
        self.assertNotContains(res, '<option value="project">')
        self.assertNotContains(res, 'Repatriate')

    @test.create_mocks(PROJECT_MOCKS)
    def test_stack_members_with_their_places(self):
        rows = self._rows()
        inventory.mark_stacks(rows, {
            r.id: instances_api.heat.Stack('s-1', 'shop', r.project_id)
            for r in rows if r.id in (E1, L1)})
        self.mock_project_inventory.return_value = _inventory(rows)
        res = self.client.get(PROJECT_URL + '?stack=shop')
        self.assertEqual({E1, L1}, set(_ids(res)))
        self.assertContains(res, '<td class="normal_column">shop</td>',
                            html=True, count=2)
        self.assertContains(res, 'EC2: us-east-1', count=1)

    @test.create_mocks(PROJECT_MOCKS)
    def test_show_and_paging(self):
        with override_settings(API_RESULT_PAGE_SIZE=1):
            res = self._get('?show=ec2&sort=name&dir=asc')
        self.assertEqual([E2], _ids(res))   # halted, then web-burst
        self.assertContains(res, 'href="?show=ec2&amp;sort=name&amp;dir=asc'
                                 '&amp;marker=%s"' % E2)
        with override_settings(API_RESULT_PAGE_SIZE=1):
            res = self._get('?show=ec2&sort=name&dir=asc&marker=' + E2)
        self.assertEqual([E1], _ids(res))
        self.mock_project_inventory.reset_mock()
        cache.clear()
        res = self._get('?show=local')
        self.assertEqual([L1], _ids(res))
        # Members see no hosts: their local list needs every server.
        self.mock_project_inventory.assert_called_once_with(
            test.IsHttpRequest(), None, ('created', 'desc'), instead=21)

    @test.create_mocks(PROJECT_MOCKS)
    def test_repatriate_is_not_a_member_list(self):
        res = self._get('?show=repatriate')
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, warning=1)
        self.assertContains(res, 'Unknown list &quot;repatriate&quot;')
        self.assertEqual(3, len(_ids(res)))

    @test.create_mocks(PROJECT_MOCKS)
    def test_member_reads_why_without_figures_or_links(self):
        SUMMARIES.return_value = ({E1: _summary(
            'the private cloud was at its burst threshold')}, False)
        res = self._get()
        (args, _kw), = SUMMARIES.call_args_list
        # only this project's Nova instances are asked for
        self.assertNotIn('i-0theirs', args[1])
        self.assertTrue(set(args[1]) <= {r.id for r in self._rows()})
        self.assertContains(res, 'the private cloud was at its burst '
                                 'threshold')
        self.assertNotContains(res, '/decision/')

    @test.create_mocks(PROJECT_MOCKS)
    def test_member_sorts_by_headers_but_not_by_project(self):
        res = self._get('?sort=project')
        self.assertContains(res, 'Cannot sort by &quot;project&quot;')
        self.assertNotContains(res, '&amp;sort=project')
        self.assertContains(res, 'href="?show=all&amp;sort=name&amp;'
                                 'dir=asc"')
        self.assertContains(res, 'aria-sort="descending"', count=1)

    @test.create_mocks(PROJECT_MOCKS)
    def test_ec2_error_warns_without_the_reason(self):
        res = self._get(ec2_error='UnauthorizedOperation: '
                        'arn:aws:iam::123456789012:role/burst')
        self.assertMessageCount(res, warning=1)
        self.assertContains(res, 'EC2 (region us-east-1) could not be read. '
                                 'Local instances are listed')
        self.assertNotContains(res, '123456789012')
        self.assertContains(res, 'db-local')

    @test.create_mocks(PROJECT_MOCKS)
    def test_nova_error_is_a_message(self):
        self.mock_project_inventory.side_effect = self.exceptions.nova
        res = self.client.get(PROJECT_URL)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertContains(res, 'Unable to retrieve instances.')
        self.assertEqual([], _ids(res))

    @test.create_mocks(PROJECT_MOCKS)
    def test_in_the_navigation_when_configured(self):
        res = self._get()
        self.assertContains(res, 'href="%s"' % PROJECT_URL)


NOT_CONFIGURED = override_settings(BURST_DASHBOARD={'use_pricing_api':
                                                    False})


@REAL_POLICY
class NotConfiguredTests(test.TestCase):

    @NOT_CONFIGURED
    @test.create_mocks(PROJECT_MOCKS)
    def test_project_panel_hidden_and_refused(self):
        self.assertFalse(instances_api.is_configured())
        panel = horizon.get_dashboard('project').get_panel('burst_instances')
        self.assertFalse(panel.can_access({'request': self.request}))
        res = self.client.get(PROJECT_URL)
        self.assertEqual(403, res.status_code)
        self.mock_project_inventory.assert_not_called()

    def test_project_panel_shown_when_configured(self):
        self.assertTrue(instances_api.is_configured())
        panel = horizon.get_dashboard('project').get_panel('burst_instances')
        self.assertTrue(panel.can_access({'request': self.request}))


@REAL_POLICY
class NotConfiguredNavigationTests(test.BaseAdminViewTests):
    """The admin also sees the Project dashboard's navigation: the panel
    is listed there only while bursting is configured."""

    @test.create_mocks(ADMIN_MOCKS)
    def test_navigation(self):
        self.mock_admin_inventory.return_value = _inventory([])
        res = self.client.get(ADMIN_URL)
        self.assertContains(res, 'href="%s"' % PROJECT_URL)
        with NOT_CONFIGURED:
            res = self.client.get(ADMIN_URL)
        self.assertEqual(200, res.status_code)
        self.assertNotContains(res, 'href="%s"' % PROJECT_URL)
