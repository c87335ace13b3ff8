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

"""burst_dashboard.api.instances: what admin_inventory and
project_inventory read, and how they pass what they could not read on to
the join (Nova, Keystone, Placement and EC2 mocked at their calls)."""
import dataclasses
import types
from unittest import mock

from django.core.cache import cache
from django.test.utils import override_settings
from openstack import exceptions as sdk_exceptions
from openstack_auth import utils as auth_utils

from openstack_dashboard.api import keystone
from openstack_dashboard.test import helpers as test

from burst_core import policy
from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import heat
from burst_dashboard.api import instances as instances_api
from burst_dashboard.api import kept
from tests.unit import factories

SETTINGS = {'use_pricing_api': False, 'aggregate': 'burst-ec2',
            'ec2': {'region_name': 'us-east-1'}}
ADMIN_MOCKS = {instances_api: ['server_list', 'ec2_describe'],
               burst_api: ['policy_get', 'compute_hosts',
                           'availability_zones', 'compute_services'],
               heat: ['server_stacks', 'is_enabled'],
               keystone: ['tenant_list']}
EC2_SIDE_MOCKS = {instances_api.servers_api: ['servers_by_id']}
GOOD = {'enabled': 'true', 'enter_vcpu_pct': '80', 'enter_ram_pct': '80',
        'enter_disk_pct': '80', 'exit_pct': '60', 'max_instances': '',
        'max_vcpus': '', 'max_cost_per_hour': '', 'region': 'us-east-1',
        'private_aggregates': '', 'private_zones': ''}


def _state(**values):
    burst = policy.validate(dict(GOOD, **values), 1)
    meta = policy.to_metadata(burst)
    agg = factories.aggregate(meta)
    return burst_api.PolicyState(agg, [agg], burst, {}, 1)


def _host(name):
    return policy.host_from_placement(name, {
        'VCPU': {'total': 16, 'allocation_ratio': 4.0},
        'MEMORY_MB': {'total': 32768, 'reserved': 512},
        'DISK_GB': {'total': 500}}, {})


def _reading_took(scope, seconds):
    """The scope's servers were last read in full in ``seconds``."""
    kept.put(kept._took_key(instances_api.servers_api._key(scope)),
             seconds, 60)


def _describing_took(seconds, project_id=None):
    """The region (or the project's instances) last described in full in
    ``seconds``."""
    kept.put(kept._took_key(instances_api._ec2_key('us-east-1',
                                                   project_id)),
             seconds, 60)


@override_settings(BURST_DASHBOARD=SETTINGS)
class AdminInventoryTests(test.BaseAdminViewTests):

    def _mock(self, state=None, described=None):
        self.mock_server_list.return_value = factories.listed([
            factories.server('loc', host='compute-1'),
            factories.server('burst', host='ec2-us-east-1')])
        if isinstance(described, Exception):
            self.mock_ec2_describe.side_effect = described
        else:
            self.mock_ec2_describe.return_value = described if \
                described is not None else [factories.ec2('i-b', uuid='burst')]
        if isinstance(state, Exception):
            self.mock_policy_get.side_effect = state
        else:
            self.mock_policy_get.return_value = state or _state()
        self.mock_compute_hosts.return_value = [_host('compute-1')]
        self.mock_compute_services.return_value = {'compute-1': None}
        self.mock_availability_zones.return_value = {'compute-1': 'az1'}
        self.mock_tenant_list.return_value = (
            [types.SimpleNamespace(id='p1', name='alpha')], False)
        self.mock_is_enabled.return_value = True
        self.mock_server_stacks.return_value = {
            'burst': heat.Stack('s1', 'shop', 'p1')}

    @test.create_mocks(ADMIN_MOCKS)
    def test_one_list_and_one_describe_joined(self):
        self._mock()
        inv = instances_api.admin_inventory(self.request)
        rows = {r.id: r for r in inv.rows}
        self.mock_server_list.assert_called_once_with(
            self.request, True, None, None, instances_api.servers_api.NEWEST,
            None, None)
        self.mock_ec2_describe.assert_called_once_with(
            self.request, 'us-east-1', None)
        self.assertEqual('local', rows['loc'].where)
        self.assertEqual('i-b', rows['burst'].ec2.instance_id)
        self.assertEqual('alpha', rows['loc'].project_name)
        self.assertTrue(rows['burst'].repatriate)
        self.assertIsNone(inv.ec2_error)
        self.mock_server_stacks.assert_called_once_with(self.request, True)
        self.assertEqual(('shop', 's1'), (rows['burst'].stack,
                                          rows['burst'].stack_id))
        self.assertIsNone(rows['loc'].stack)

    @test.create_mocks(ADMIN_MOCKS)
    def test_slow_every_server_lists_ask_for_the_newest_instead(self):
        self._mock()

        def instead_asked(*args, **kw):
            self.mock_server_list.reset_mock()
            self.mock_ec2_describe.reset_mock()
            kept.forget_pending()
            instances_api.admin_inventory(self.request, *args, **kw)
            return self.mock_server_list.call_args.args[6]
        # No full read known (a cold cache): every list that needs every
        # server, or every name, or every local host's.
        cache.clear()
        self.assertEqual(21, instead_asked(instead=21))
        self.assertEqual(21, instead_asked(21, order=('name', 'asc'),
                                           instead=21))
        self.assertEqual(21, instead_asked(21, local_side=True, instead=21))
        self.assertIsNone(instead_asked(21, order=('created', 'asc'),
                                        instead=21))
        self.assertIsNone(instead_asked(21, order=('status', 'asc'),
                                        instead=21))
        self.assertIsNone(instead_asked())
        # A full read of 0.5 s, and of the region: every server now.
        _reading_took('all', 0.5)
        _describing_took(0.5)
        self.assertIsNone(instead_asked(instead=21))
        cache.clear()
        _reading_took('all', 9.5)
        # The newest instead: EC2 is described for them alone, the region
        # behind the page, not in full beside Nova's servers.
        self.mock_server_list.return_value = dataclasses.replace(
            factories.listed([factories.server('burst',
                                               host='ec2-us-east-1')]),
            full_at=None, full=False, partial=True, stand_in=True)
        self.assertEqual(21, instead_asked(instead=21))
        self.mock_ec2_describe.assert_called_once_with(
            self.request, 'us-east-1', None, instance_uuids=['burst'])
        # A list of EC2 instances needs the whole region at once.
        self.mock_server_list.return_value = factories.listed([])
        cache.clear()
        _describing_took(0.5)
        instead_asked(ec2_side=True, instead=21)
        self.mock_ec2_describe.assert_called_once_with(
            self.request, 'us-east-1', None)
        kept.forget_pending()

    @test.create_mocks(ADMIN_MOCKS)
    def test_a_slow_describe_makes_cold_ec2_lists_the_newest_instead(self):
        self._mock()
        key = instances_api._ec2_key('us-east-1', None)
        stand_in = dataclasses.replace(
            factories.listed([factories.server('burst',
                                               host='ec2-us-east-1')]),
            full_at=None, full=False, partial=True, stand_in=True)

        def asked(**kw):
            """The servers asked for (hosts, instead) and the describe."""
            self.mock_server_list.reset_mock()
            self.mock_ec2_describe.reset_mock()
            kept.forget_pending()
            instances_api.admin_inventory(self.request, instead=21, **kw)
            args = self.mock_server_list.call_args.args
            return args[3], args[6], self.mock_ec2_describe.call_args
        whole = mock.call(self.request, 'us-east-1', None)
        # Describing the region took 0.5 s: the EC2 side's servers and
        # the region at once, the list asked for.
        for kw in ({'ec2_side': True}, {'leads': ('cost', 21)}):
            cache.clear()
            _describing_took(0.5)
            hosts, _, describe = asked(**kw)
            self.assertTrue(callable(hosts))
            self.assertEqual(whole, describe)
        # Remembered: that full describe took no time at all.
        self.assertLess(cache.get(kept._took_key(key)), 0.5)
        # Slow (9.5 s) or not known (a memcached restart): the newest
        # instead, EC2 described for them alone, the region behind.
        self.mock_server_list.return_value = stand_in
        for kw, took in (({'ec2_side': True}, 9.5),
                         ({'ec2_side': True}, None),
                         ({'leads': ('cost', 21)}, None), ({}, 9.5)):
            cache.clear()
            _reading_took('all', 0.5)      # Nova's side is quick
            if took:
                _describing_took(took)
            hosts, instead, describe = asked(**kw)
            self.assertEqual((None, 21), (hosts, instead), kw)
            self.assertEqual(mock.call(self.request, 'us-east-1', None,
                                       instance_uuids=['burst']), describe)
        # Nova's servers kept whole, the region not (a reload while it is
        # described behind the page): their newest, described alone.
        self.mock_server_list.return_value = factories.listed([
            factories.server('s%d' % i, host='ec2-us-east-1',
                             created='2026-12-07T10:00:%02dZ' % i)
            for i in range(30)])
        cache.clear()
        _reading_took('all', 0.5)
        self.mock_ec2_describe.reset_mock()
        inv = instances_api.admin_inventory(self.request, ec2_side=True,
                                            instead=21)
        self.assertTrue(inv.servers.stand_in and inv.servers.partial)
        newest = ['s%d' % i for i in range(29, 8, -1)]
        self.assertEqual(newest, [s['id'] for s in inv.servers.servers])
        self.mock_ec2_describe.assert_called_once_with(
            self.request, 'us-east-1', None, instance_uuids=sorted(newest))
        # The region kept: the list asked for, however slow it was.
        self.mock_server_list.return_value = factories.listed([])
        now = instances_api._now()
        kept.put_read(key, [], now, now, 60)
        hosts, instead, describe = asked(ec2_side=True)
        self.assertTrue(callable(hosts))
        self.assertIsNone(instead)
        kept.forget_pending()

    @test.create_mocks(ADMIN_MOCKS)
    def test_heat_unreadable_or_forbidden_is_a_reason(self):
        for error, reason in (
                (heat.Forbidden(), 'stacks:global_index'),
                (ConnectionError('heat down'), 'Heat could not be read')):
            self._mock()
            self.mock_server_stacks.side_effect = error
            inv = instances_api.admin_inventory(self.request)
            self.assertIn(reason, str(inv.stack_error))
            self.assertEqual(2, len(inv.rows))
            self.assertFalse(any(r.stack for r in inv.rows))

    @test.create_mocks(ADMIN_MOCKS)
    def test_ec2_unreadable_is_a_reason_not_drift(self):
        self._mock(described=ConnectionError('ec2.test unreachable'))
        inv = instances_api.admin_inventory(self.request)
        rows = {r.id: r for r in inv.rows}
        self.assertIn('unreachable', inv.ec2_error)
        self.assertEqual('ec2', rows['burst'].where)
        self.assertEqual([], rows['burst'].drift)

    @test.create_mocks(ADMIN_MOCKS)
    def test_without_the_aggregate_ec2_rows_known_by_their_tag(self):
        self._mock(state=burst_api.AggregateNotFound('burst-ec2'))
        inv = instances_api.admin_inventory(self.request)
        rows = {r.id: r for r in inv.rows}
        self.assertIn('burst-ec2', inv.policy_error)
        # Not a "stray" EC2 instance of a local one: on EC2, by its tag.
        self.assertEqual('ec2', rows['burst'].where)
        self.assertEqual([], rows['burst'].drift)
        self.assertEqual('local', rows['loc'].where)

    @test.create_mocks(ADMIN_MOCKS)
    def test_private_zones_narrow_the_pool_for_repatriation(self):
        self._mock(state=_state(private_zones='az1'))
        inv = instances_api.admin_inventory(self.request)
        self.assertTrue({r.id: r for r in inv.rows}['burst'].repatriate)
        self.mock_availability_zones.return_value = {'compute-1': 'az9'}
        inv = instances_api.admin_inventory(self.request)
        self.assertFalse({r.id: r for r in inv.rows}['burst'].repatriate)

    @test.create_mocks(ADMIN_MOCKS)
    def test_zones_unreadable_no_candidates_with_a_reason(self):
        self._mock(state=_state(private_zones='az1'))
        self.mock_availability_zones.side_effect = Exception('nova down')
        inv = instances_api.admin_inventory(self.request)
        self.assertIn('availability zones', str(inv.repatriation_error))
        self.assertFalse(any(r.repatriate for r in inv.rows))

    @test.create_mocks(ADMIN_MOCKS)
    def test_policy_region_wins_over_the_settings(self):
        self._mock(state=_state(region='eu-west-1'))
        inv = instances_api.admin_inventory(self.request)
        self.assertEqual('eu-west-1', inv.region)
        self.assertEqual('eu-west-1',
                         self.mock_ec2_describe.call_args.args[1])
        # What is kept of EC2 is the policy region's: a cold list that
        # needs the region in full finds it (no newest instead for ever).
        self.assertEqual('eu-west-1',
                         kept.get(instances_api.POLICY_REGION_KEY))
        self.assertIsNone(instances_api._describe_instead('us-east-1',
                                                          None, 21))
        cache.clear()
        kept.put(instances_api.POLICY_REGION_KEY, 'eu-west-1', 60)
        self.assertEqual(21, instances_api._describe_instead('us-east-1',
                                                             None, 21))
        kept.put(kept._took_key(instances_api._ec2_key('eu-west-1', None)),
                 0.5, 60)
        self.assertIsNone(instances_api._describe_instead('us-east-1',
                                                          None, 21))
        # A member's is the project's, in the settings' region.
        self.assertEqual(21, instances_api._describe_instead('us-east-1',
                                                             'p1', 21))

    @test.create_mocks(ADMIN_MOCKS)
    def test_without_candidates_placement_is_read_behind_the_page(self):
        self._mock()
        inv = instances_api.admin_inventory(self.request, candidates=False)
        # Nothing kept: not read for this page, the rows are whole.
        self.mock_compute_hosts.assert_not_called()
        self.assertTrue(inv.candidates_pending)
        self.assertEqual(2, len(inv.rows))
        self.assertFalse(any(r.repatriate for r in inv.rows))
        instances_api.kept.wait_for_background()
        self.assertEqual(1, self.mock_compute_hosts.call_count)
        # Kept by then: the next load marks them, with no Placement read.
        inv = instances_api.admin_inventory(self.request, candidates=False)
        self.assertFalse(inv.candidates_pending)
        self.assertTrue({r.id: r for r in inv.rows}['burst'].repatriate)
        self.assertEqual(1, self.mock_compute_hosts.call_count)

    @test.create_mocks({**ADMIN_MOCKS, **EC2_SIDE_MOCKS})
    def test_ec2_side_looks_up_the_servers_ec2_names(self):
        self._mock(described=[
            factories.ec2('i-b', uuid='burst'),
            factories.ec2('i-s', uuid='loc'),      # a stray, on compute-1
            factories.ec2('i-o', uuid='gone')])    # Nova knows no gone
        self.mock_server_list.return_value = dataclasses.replace(
            factories.listed([factories.server('burst',
                                               host='ec2-us-east-1')]),
            partial=True, ec2_side=True)
        self.mock_servers_by_id.return_value = [
            factories.server('loc', host='compute-1')]
        inv = instances_api.admin_inventory(self.request, ec2_side=True)
        # The hosts are the burst aggregate's, asked only when cold.
        hosts = self.mock_server_list.call_args.args[3]
        self.assertEqual(frozenset(['ec2-us-east-1']), hosts())
        # From the page's one read of the aggregate, not a second.
        self.mock_policy_get.assert_called_once_with(self.request)
        self.mock_servers_by_id.assert_called_once_with(
            self.request, {'loc', 'gone'})
        rows = {r.id or r.ec2.instance_id: r for r in inv.rows}
        self.assertEqual(['stray'], [d.code for d in rows['loc'].drift])
        self.assertTrue(rows['i-o'].is_orphan)
        self.assertEqual('ec2', rows['burst'].where)
        self.assertTrue(rows['burst'].repatriate)    # the list is whole

    @test.create_mocks({**ADMIN_MOCKS, **EC2_SIDE_MOCKS})
    def test_ec2_side_with_too_many_to_look_up_reads_every_server(self):
        self._mock(described=[factories.ec2('i-o', uuid='gone')])
        self.mock_server_list.return_value = dataclasses.replace(
            factories.listed([]), partial=True, ec2_side=True)
        self.mock_servers_by_id.return_value = None
        with mock.patch.object(
                instances_api.servers_api, 'server_list',
                return_value=factories.listed([factories.server('gone')])
        ) as everything:
            inv = instances_api.admin_inventory(self.request, ec2_side=True)
            everything.assert_called_once_with(self.request, True,
                                               instead=None)
            # Slow to read them all (nothing known): the newest instead.
            cache.clear()
            _describing_took(0.5)     # the EC2 side is quick to read
            everything.reset_mock()
            instances_api.admin_inventory(self.request, ec2_side=True,
                                          instead=21)
            everything.assert_called_once_with(self.request, True,
                                               instead=21)
            kept.forget_pending()
        self.assertEqual(['gone'], [r.id for r in inv.rows])
        self.assertFalse(inv.rows[0].is_orphan)

    @test.create_mocks(ADMIN_MOCKS)
    def test_local_side_asks_for_the_hosts_not_the_aggregates(self):
        self._mock()
        self.mock_server_list.return_value = dataclasses.replace(
            factories.listed([factories.server('loc', host='compute-1')]),
            partial=True, local_side=True)
        self.mock_compute_services.return_value = {
            'compute-1', 'compute-2', 'ec2-us-east-1'}
        inv = instances_api.admin_inventory(self.request, 21,
                                            local_side=True)
        # Read beside the aggregate, not by the hosts asked for.
        self.mock_compute_services.assert_called_once_with(self.request)
        local_hosts = self.mock_server_list.call_args.args[5]
        self.assertIsNone(self.mock_server_list.call_args.args[3])
        self.assertEqual(frozenset(['compute-1', 'compute-2']),
                         local_hosts())
        self.mock_policy_get.assert_called_once_with(self.request)
        # A local server needs no EC2 call; the region is described
        # behind the page.
        self.mock_ec2_describe.assert_not_called()
        self.assertEqual(['local'], [r.where for r in inv.rows])
        self.assertFalse(inv.rows[0].repatriate)
        # Without the aggregate, which hosts are local is unknown.
        self.mock_policy_get.side_effect = burst_api.AggregateNotFound('x')
        instances_api.admin_inventory(self.request, 21, local_side=True)
        self.assertIsNone(self.mock_server_list.call_args.args[5]())
        # Nova will not list its services (policy): unknown, every server.
        self.mock_policy_get.side_effect = None
        self.mock_compute_services.side_effect = \
            sdk_exceptions.ForbiddenException('Policy does not allow')
        with self.assertLogs(instances_api.LOG, 'WARNING') as logs:
            instances_api.admin_inventory(self.request, 21, local_side=True)
        self.assertIsNone(self.mock_server_list.call_args.args[5]())
        self.assertIn('ForbiddenException', logs.output[0])
        self.assertNotIn('Policy does not allow', logs.output[0])
        # Nova not answering: the same (the page does not fail).
        self.mock_compute_services.side_effect = ConnectionError('no')
        instances_api.admin_inventory(self.request, 21, local_side=True)
        self.assertIsNone(self.mock_server_list.call_args.args[5]())
        # Not read at all when the servers are kept (a load reads only
        # their changes).
        self.mock_compute_services.reset_mock()
        now = instances_api._now()
        kept.put_read(instances_api.servers_api._key('all'), [], now, now,
                      60)
        instances_api.admin_inventory(self.request, 21, local_side=True)
        self.mock_compute_services.assert_not_called()

    @test.create_mocks({**ADMIN_MOCKS, instances_api.servers_api: [
        'servers_by_id', ('server_list', 'every_server')]})
    def test_leads_reads_every_server_when_too_few_are_priced(self):
        self._mock(described=[factories.ec2('i-b', uuid='burst'),
                              factories.ec2('i-c', uuid='c2')])
        self.mock_server_list.return_value = dataclasses.replace(
            factories.listed([factories.server('burst', host='ec2-us-east-1'),
                              factories.server('c2', host='ec2-us-east-1')]),
            partial=True, ec2_side=True)
        self.mock_servers_by_id.return_value = []
        self.mock_every_server.return_value = factories.listed([
            factories.server('burst', host='ec2-us-east-1'),
            factories.server('c2', host='ec2-us-east-1'),
            factories.server('loc', host='compute-1')])
        # Two priced lead a page and one of two: the EC2 side is enough.
        inv = instances_api.admin_inventory(self.request,
                                            leads=('price', 2))
        self.assertIsNotNone(self.mock_server_list.call_args.args[3])
        self.mock_every_server.assert_not_called()
        self.assertTrue(inv.servers.ec2_side)
        self.assertEqual({'burst', 'c2'}, {r.id for r in inv.rows})
        # Three wanted: every server, in the same load, joined alike.
        inv = instances_api.admin_inventory(self.request,
                                            leads=('cost', 3))
        self.mock_every_server.assert_called_once_with(self.request, True,
                                                       instead=None)
        self.assertFalse(inv.servers.partial)
        rows = {r.id: r for r in inv.rows}
        self.assertEqual({'burst', 'c2', 'loc'}, set(rows))
        self.assertEqual('i-c', rows['c2'].ec2.instance_id)
        self.assertEqual('local', rows['loc'].where)
        # Without leads, a plain list asks for no EC2 hosts.
        instances_api.admin_inventory(self.request)
        self.assertIsNone(self.mock_server_list.call_args.args[3])

    @test.create_mocks({**ADMIN_MOCKS, instances_api.servers_api: [
        'servers_by_id', ('server_list', 'every_server')]})
    def test_leads_with_ec2_down_reads_every_server_and_says_why(self):
        self._mock(described=ConnectionError('ec2.test unreachable'))
        self.mock_server_list.return_value = dataclasses.replace(
            factories.listed([factories.server('burst',
                                               host='ec2-us-east-1')]),
            partial=True, ec2_side=True)
        self.mock_every_server.return_value = factories.listed([
            factories.server('burst', host='ec2-us-east-1'),
            factories.server('loc', host='compute-1')])
        inv = instances_api.admin_inventory(self.request,
                                            leads=('cost', 2))
        # Nothing priced without EC2: the EC2 side cannot lead the page,
        # so every server is read, and the page says why EC2 is missing.
        self.mock_every_server.assert_called_once_with(self.request, True,
                                                       instead=None)
        self.assertFalse(inv.servers.partial)
        self.assertEqual({'burst', 'loc'}, {r.id for r in inv.rows})
        self.assertIn('unreachable', inv.ec2_error)
        self.assertEqual([], [r.id for r in inv.rows if r.drift])


@override_settings(BURST_DASHBOARD=SETTINGS)
class ProjectInventoryTests(test.TestCase):

    @test.create_mocks({instances_api: ['server_list', 'ec2_describe'],
                        heat: ['server_stacks', 'is_enabled']})
    def test_own_project_only_and_ec2_filtered_by_it(self):
        self.request.user = auth_utils.get_user(self.request)  # the member
        project = self.request.user.project_id
        self.mock_server_list.return_value = factories.listed([
            factories.server('mine', host=None, project=project)])
        self.mock_ec2_describe.side_effect = ConnectionError('down')
        self.mock_is_enabled.return_value = True
        self.mock_server_stacks.return_value = {
            'mine': heat.Stack('s1', 'shop', project)}
        inv = instances_api.project_inventory(self.request)
        self.mock_server_stacks.assert_called_once_with(self.request, False)
        self.assertEqual('shop', inv.rows[0].stack)
        self.mock_server_list.assert_called_once_with(
            self.request, False, None, None, instances_api.servers_api.NEWEST,
            None, None)
        self.mock_ec2_describe.assert_called_once_with(
            self.request, 'us-east-1', project)
        self.assertEqual(['mine'], [r.id for r in inv.rows])
        self.assertEqual([], inv.rows[0].drift)
        self.assertIn('down', inv.ec2_error)

    @test.create_mocks({instances_api: ['server_list', 'ec2_describe'],
                        heat: ['server_stacks', 'is_enabled']})
    def test_slow_describe_of_the_project_the_newest_instead(self):
        self.request.user = auth_utils.get_user(self.request)  # the member
        project = self.request.user.project_id
        self.mock_server_list.return_value = dataclasses.replace(
            factories.listed([factories.server('mine', host=None,
                                               project=project)]),
            full_at=None, full=False, partial=True, stand_in=True)
        self.mock_ec2_describe.return_value = []
        self.mock_is_enabled.return_value = False
        # Nova's side quick, the project's instances slow to describe:
        # the newest, described alone (by the project's tag too).
        _reading_took('project:' + project, 0.5)
        _describing_took(9.5, project)
        instances_api.project_inventory(self.request, instead=21)
        self.assertEqual(21, self.mock_server_list.call_args.args[6])
        self.mock_ec2_describe.assert_called_once_with(
            self.request, 'us-east-1', project, instance_uuids=['mine'])
        # Quick to describe: the list asked for, the project's at once.
        self.mock_server_list.return_value = factories.listed([])
        self.mock_ec2_describe.reset_mock()
        cache.clear()
        _reading_took('project:' + project, 0.5)
        _describing_took(0.5, project)
        instances_api.project_inventory(self.request, instead=21)
        self.assertIsNone(self.mock_server_list.call_args.args[6])
        self.mock_ec2_describe.assert_called_once_with(
            self.request, 'us-east-1', project)
        kept.forget_pending()
