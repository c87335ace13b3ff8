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

"""burst_dashboard.api.servers: the servers kept in the shared cache and
brought up to date with Nova's changes-since, against a fake Nova that
answers as Nova does (changes-since returns the deleted servers too)."""
from concurrent import futures
import datetime
import types
from unittest import mock

from django.core.cache import cache
from django.core import signals
from django.test.utils import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from novaclient import exceptions as nova_exceptions

from openstack_dashboard.test import helpers as test

from burst_core import inventory
from burst_dashboard.api import kept
from burst_dashboard.api import servers as servers_api
from tests.unit import factories

T0 = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.timezone.utc)


class FakeNova(object):
    """Servers with their update times; lists as Nova does. A server is
    created at its first ``put`` (unless it says when): Nova sorts by its
    creation time to the microsecond, then by the UUID ascending, after
    the servers it has not scheduled yet (BUILD on no host: its build
    requests), and pages after a marker it still has in its database,
    deleted or not; the API shows the whole second."""

    def __init__(self):
        self.servers = {}
        self.calls = []
        self.newest = []
        self.looked_up = []
        self.created = {}     # ID -> creation time

    def put(self, server, at):
        server = dict(server)
        if server['id'] not in self.created:
            self.created[server['id']] = at
            if server.get('created') == factories.CREATED:
                server['created'] = at.strftime('%Y-%m-%dT%H:%M:%SZ')
        self.servers[server['id']] = (server, at)

    def delete(self, uid, at):
        server, _at = self.servers[uid]
        self.servers[uid] = (dict(server, status='DELETED'), at)

    def archive(self, uid):
        """``nova-manage db archive_deleted_rows``: gone, even as a
        marker."""
        del self.servers[uid]

    def _by_creation(self, servers, descending):
        by_uuid = sorted(servers, key=lambda s: s['id'])
        return sorted(by_uuid, key=lambda s: self.created[s['id']],
                      reverse=descending)     # stable: UUID ascending

    def _sorted(self, servers, order):
        if order[0] == 'status':     # Nova's sort key: the UUID
            return sorted(servers, key=lambda s: s['id'],
                          reverse=order[1] == 'desc')
        return self._by_creation(servers, order[1] == 'desc')

    def list(self, request, search_opts, newest=None,
             order=servers_api.NEWEST, marker=None):
        self.calls.append(dict(search_opts, marker=marker) if marker
                          else dict(search_opts))
        if newest and order[0] == 'name':
            # A database's collation: upper case before lower case.
            self.newest.append((newest, order[1]))
            return [servers_api._trim(s) for s, at in sorted(
                self._live(), key=lambda v: v[0]['name'],
                reverse=order[1] == 'desc')][:newest]
        if newest:
            host = search_opts.get('host')
            if not marker:
                self.newest.append(newest if order == servers_api.NEWEST
                                   and not host else (newest, order, host)
                                   if host else (newest, order))
            every = [s for s, at in self.servers.values()
                     if (not host or s.get('OS-EXT-SRV-ATTR:host') == host)
                     and _nova_status_filter(s, search_opts.get('status'))]
            building = self._sorted(
                [s for s in every if servers_api._unscheduled(s)], order)
            placed = self._sorted(
                [s for s in every if not servers_api._unscheduled(s)],
                order)
            if marker in [s['id'] for s in building]:
                # After a build request: the next ones, then every other.
                at = [s['id'] for s in building].index(marker)
                found = building[at + 1:] + placed
            elif marker:
                ids = [s['id'] for s in placed]
                if marker not in ids:
                    raise nova_exceptions.BadRequest(
                        400, 'marker [%s] not found' % marker)
                found = placed[ids.index(marker) + 1:]
            else:
                found = building + placed
            return [servers_api._trim(s) for s in found
                    if s['status'] != 'DELETED'][:newest]
        since = search_opts.get('changes-since')
        since = since and datetime.datetime.fromisoformat(since)
        out = []
        for server, at in self.servers.values():
            if since is None and server['status'] == 'DELETED':
                continue
            if since is not None and at < since:
                continue
            project = search_opts.get('project_id')
            if project and server['tenant_id'] != project:
                continue
            host = search_opts.get('host')
            if host and server.get('OS-EXT-SRV-ATTR:host') != host:
                continue
            out.append(servers_api._trim(server))
        return out

    def _live(self):
        return [v for v in self.servers.values()
                if v[0]['status'] != 'DELETED']

    def names(self, request, search_opts):
        self.calls.append(dict(search_opts, plain=True))
        return [(s['id'], s['name']) for s, at in self._live()]

    def by_id(self, request, ids):
        self.looked_up.append(set(ids))
        if len(ids) > servers_api.LOOKUPS_MAX:
            return None
        return [servers_api._trim(self.servers[i][0]) for i in ids]


# Nova's vm_state of a status (nova/api/openstack/common.py), those not
# here being their own in lower case; and the statuses of a task state on
# a vm_state (here on ACTIVE's).
_VM_STATE = {'BUILD': 'building', 'SHUTOFF': 'stopped'}
_TASK_STATUSES = {'REBOOT': 'active', 'HARD_REBOOT': 'active',
                  'REBUILD': 'active'}


def _vm_state(status):
    return _TASK_STATUSES.get(status) or _VM_STATE.get(status,
                                                       status.lower())


def _nova_status_filter(server, status):
    """Whether Nova lists ``server`` for its ``status`` filter: every
    server of that status's vm_state, whatever its task state (an ACTIVE
    filter lists the rebooting ones too); a task's status: those alone."""
    if status is None:
        return True
    if status in _TASK_STATUSES:
        return server['status'] == status
    return _vm_state(server['status']) == _vm_state(status)


def _first_in_pages_order(servers, count, descending=True):
    """The first ``count`` IDs of ``servers`` as the pages order them by
    creation (burst_core.inventory.order)."""
    rows = [types.SimpleNamespace(
        id=s['id'], created=inventory.parse_time(s['created']))
        for s in servers]
    return [r.id for r in inventory.order(rows, 'created',
                                          descending)[:count]]


class ServersCacheTests(test.TestCase):

    def setUp(self):
        super().setUp()
        cache.clear()
        self.nova = FakeNova()
        self.now = T0
        factories.clock_and_patches(self, mock.patch.object(
            servers_api, 'list_servers', side_effect=self.nova.list))
        self.addCleanup(cache.clear)

    def _ids(self, result):
        return sorted(s['id'] for s in result.servers)

    def _tick(self, seconds):
        self.now += datetime.timedelta(seconds=seconds)

    def test_cold_then_only_what_changed(self):
        for i in range(3):
            self.nova.put(factories.server('s%d' % i),
                          T0 - datetime.timedelta(minutes=1))
        first = servers_api.server_list(self.request, True)
        self.assertTrue(first.full)
        self.assertEqual(['s0', 's1', 's2'], self._ids(first))
        self.assertNotIn('changes-since', self.nova.calls[-1])
        # a launch, a rename and a delete
        self._tick(30)
        self.nova.put(factories.server('s3'), self.now)
        self.nova.put(factories.server('s1', name='renamed'), self.now)
        self.nova.delete('s0', self.now)
        self._tick(10)
        second = servers_api.server_list(self.request, True)
        self.assertFalse(second.full)
        self.assertEqual(3, second.changed)
        self.assertEqual(['s1', 's2', 's3'], self._ids(second))
        self.assertEqual('renamed', next(
            s['name'] for s in second.servers if s['id'] == 's1'))
        self.assertEqual(T0, second.full_at)
        # asked from just before the previous read began
        self.assertEqual((T0 - servers_api.OVERLAP).isoformat(),
                         self.nova.calls[-1]['changes-since'])
        # nothing changed since (beyond the overlap): an empty read
        self._tick(10)
        third = servers_api.server_list(self.request, True)
        self.assertEqual(['s1', 's2', 's3'], self._ids(third))
        self.assertEqual(0, third.changed)

    @override_settings(BURST_DASHBOARD={'servers_max_age': 60})
    def test_too_old_to_trust_is_read_again_behind_the_page(self):
        self.nova.put(factories.server('s0'), T0)
        servers_api.server_list(self.request, True)
        self._tick(61)
        self.nova.put(factories.server('s1'), self.now)
        # The page: at once, from what is kept and the changes...
        again = servers_api.server_list(self.request, True)
        self.assertFalse(again.full)
        self.assertEqual(['s0', 's1'], self._ids(again))
        self.assertEqual(T0, again.full_at)
        # ... and every server read again behind it, kept for the next.
        kept.wait_for_background()
        self.assertNotIn('changes-since', self.nova.calls[-1])
        self.assertEqual(3, len(self.nova.calls))
        self._tick(1)
        third = servers_api.server_list(self.request, True)
        self.assertEqual(self.now - datetime.timedelta(seconds=1),
                         third.full_at)
        self.assertEqual(['s0', 's1'], self._ids(third))

    def test_a_page_does_not_put_back_an_older_read(self):
        self.nova.put(factories.server('s0'), T0)
        servers_api.server_list(self.request, True)
        self._tick(30)
        # A page read what was kept (full at T0) and Nova's changes; a
        # full read began and finished behind another page meanwhile.
        stale = servers_api._kept('all')
        self.nova.put(factories.server('s1'), self.now)
        self._tick(1)
        servers_api._full_read(self.request, 'all', {'all_tenants': True})
        newer = self.now
        self._tick(1)
        with mock.patch.object(servers_api, '_kept', return_value=stale):
            servers_api.server_list(self.request, True)
        # The full read stays: the page's older one is not put back.
        self.assertEqual(newer, servers_api._kept('all')[1])
        self.assertEqual(['s0', 's1'], self._ids(
            servers_api.server_list(self.request, True)))

    def test_cold_oldest_first_reads_nova_oldest_first(self):
        for i in range(5):
            self.nova.put(factories.server('s%d' % i),
                          T0 + datetime.timedelta(minutes=i))
        first = servers_api.server_list(self.request, True, newest=2,
                                        order=('created', 'asc'))
        self.assertTrue(first.partial)
        self.assertEqual('oldest', first.first)
        self.assertEqual(['s0', 's1'], [s['id'] for s in first.servers])
        # One more than asked: the second of the last ends there.
        self.assertEqual([(3, ('created', 'asc'))], self.nova.newest)
        newest = servers_api.Servers([], None, T0, partial=True)
        self.assertEqual('newest', newest.first)
        cache.clear()
        kept.forget_pending()
        # No order given (a view's other sorts): the newest.
        first = servers_api.server_list(self.request, True, newest=2,
                                        order=None)
        self.assertEqual(['s4', 's3'], [s['id'] for s in first.servers])
        self.assertEqual('newest', first.first)

    def test_cold_newest_now_and_everything_behind(self):
        for i in range(5):
            self.nova.put(factories.server('s%d' % i),
                          T0 + datetime.timedelta(seconds=i))
        first = servers_api.server_list(self.request, True, newest=2)
        self.assertTrue(first.partial)
        self.assertEqual(['s4', 's3'], [s['id'] for s in first.servers])
        self.assertEqual({'all_tenants': True}, self.nova.calls[0])
        self.assertEqual(3, self.nova.newest[0])
        # The full read waits for the page to be sent.
        self.assertEqual(1, len(kept._PENDING))
        signals.request_finished.send(sender=self.__class__)
        self.assertEqual([], kept._PENDING)
        kept.wait_for_background()
        self.assertEqual(2, len(self.nova.calls))    # and the full read
        self._tick(5)
        second = servers_api.server_list(self.request, True, newest=2)
        self.assertFalse(second.partial)
        self.assertEqual(['s0', 's1', 's2', 's3', 's4'], self._ids(second))
        self.assertIn('changes-since', self.nova.calls[-1])

    def _multi_create(self, uids, second, host='compute-1'):
        """Servers created in one second, in the order of ``uids`` (Nova's
        integer IDs, and microseconds), as a multi-create makes them."""
        for i, uid in enumerate(uids):
            self.nova.put(factories.server(uid, host=host), T0 +
                          datetime.timedelta(seconds=second,
                                             microseconds=1000 * i))

    def test_cold_first_page_holds_the_whole_second_at_its_edge(self):
        self.nova.put(factories.server('old'), T0)
        # Nova's newest first: b, m, z, a (microseconds); the pages': z, m,
        # b, a (the same second, then the UUID).
        self._multi_create(['a', 'z', 'm', 'b'], 1)
        first = servers_api.server_list(self.request, True, newest=2)
        # All four read; the first two in the pages' order kept.
        self.assertEqual(['z', 'm'], [s['id'] for s in first.servers])
        # Nova's first page of three, then the next by marker.
        self.assertEqual([{'all_tenants': True},
                          {'all_tenants': True, 'marker': 'z'}],
                         self.nova.calls[:2])
        cache.clear()
        kept.forget_pending()
        oldest = servers_api.server_list(self.request, True, newest=2,
                                         order=('created', 'asc'))
        # 'old', then the second's first in the pages' order: 'a'.
        self.assertEqual(['old', 'a'], [s['id'] for s in oldest.servers])

    def test_cold_first_page_no_more_than_its_edge_second(self):
        self._multi_create(['a', 'b'], 1)
        self._multi_create(['c', 'd'], 2)
        self._multi_create(['e', 'f'], 3)
        first = servers_api.server_list(self.request, True, newest=2)
        # One request: the third server was created in another second.
        self.assertEqual([{'all_tenants': True}], self.nova.calls)
        self.assertEqual(['f', 'e'], [s['id'] for s in first.servers])
        first = servers_api._first_created(self.request, {}, 3)
        self.assertEqual(['f', 'e', 'd'], [s['id'] for s in first])
        # A page as long as Nova's longest ([api] max_limit): every server.
        calls = len(self.nova.calls)
        self.assertIsNone(servers_api._first_created(
            self.request, {}, servers_api.NOVA_MAX_LIMIT))
        self.assertEqual(calls, len(self.nova.calls))

    def test_cold_edge_pages_past_the_first_are_long(self):
        self.nova.put(factories.server('old'), T0)
        self._multi_create(['m%02d' % i for i in range(40)], 1)
        limits = []
        read = self.nova.list

        def counting(request, opts, newest=None, order=None, marker=None):
            limits.append(newest)
            return read(request, opts, newest, order, marker)
        with mock.patch.object(servers_api, 'list_servers',
                               side_effect=counting):
            first = servers_api._first_created(self.request, {}, 2)
        # A page and one, then one of EDGE_PAGE: the second's 40 read.
        self.assertEqual([3, servers_api.EDGE_PAGE], limits)
        self.assertEqual(['m39', 'm38'], [s['id'] for s in first])

    def test_cold_edge_second_too_long_or_gone_reads_every_server(self):
        self.nova.put(factories.server('old'), T0)
        self._multi_create(['a', 'b', 'c', 'd', 'e', 'f', 'g'], 1)
        with mock.patch.object(servers_api, 'EDGE_PAGES', 1), \
                mock.patch.object(servers_api, 'EDGE_PAGE', 3):
            found = servers_api.server_list(self.request, True, newest=2)
        self.assertTrue(found.full)
        self.assertEqual(8, len(found.servers))
        # The server after which Nova's next page starts is deleted and
        # archived in between: Nova answers 400 (marker not found). Only
        # deleted, it is still found.
        cache.clear()
        kept.forget_pending()
        read = self.nova.list

        def archiving(request, opts, newest=None, order=None, marker=None):
            found = read(request, opts, newest, order or
                         servers_api.NEWEST, marker)
            if newest and not marker and archive:
                self.nova.delete(found[-1]['id'], T0)
                if archive == 'archive':
                    self.nova.archive(found[-1]['id'])
            return found
        # Deleted ('e', read before): found all the same; archived ('d').
        for archive, full, count in (('delete', False, 2),
                                     ('archive', True, 6)):
            cache.clear()
            kept.forget_pending()
            with mock.patch.object(servers_api, 'list_servers',
                                   side_effect=archiving):
                found = servers_api.server_list(self.request, True,
                                                newest=2)
            self.assertEqual(full, found.full, archive)
            self.assertEqual(count, len(found.servers), archive)

    def test_cold_oldest_page_past_servers_not_yet_scheduled(self):
        for i in range(4):
            self._multi_create(['s%d' % i], i)
        # Nova lists its build requests first, oldest first or not.
        for uid in ('b1', 'b2'):
            self.nova.put(factories.server(uid, host=None, status='BUILD'),
                          T0 + datetime.timedelta(seconds=9))
        oldest = servers_api.server_list(self.request, True, newest=2,
                                         order=('created', 'asc'))
        self.assertTrue(oldest.partial)
        self.assertEqual(['s0', 's1'], [s['id'] for s in oldest.servers])
        self.assertEqual(2, len(self.nova.calls))    # two pages of Nova's
        # Nova's first page all build requests: every server.
        cache.clear()
        kept.forget_pending()
        every = servers_api.server_list(self.request, True, newest=1,
                                        order=('created', 'asc'))
        self.assertTrue(every.full)
        self.assertEqual(6, len(every.servers))

    def test_cold_local_side_lists_a_server_moved_between_reads_once(self):
        self._created('mv', 1, 'compute-1')
        self._created('b2', 2, 'compute-2')
        read = self.nova.list

        def moving(request, opts, newest=None, order=None, marker=None):
            found = read(request, opts, newest, order, marker)
            if opts.get('host') == 'compute-1':
                server = dict(self.nova.servers['mv'][0],
                              **{'OS-EXT-SRV-ATTR:host': 'compute-2'})
                self.nova.servers['mv'] = (server, T0)
            return found
        with mock.patch.object(servers_api, 'list_servers',
                               side_effect=moving), \
                mock.patch.object(servers_api.burst_api_pkg,
                                  'bounded_executor',
                                  side_effect=lambda: futures.
                                  ThreadPoolExecutor(max_workers=1)):
            first = servers_api.server_list(
                self.request, True, newest=3,
                local_hosts=lambda: {'compute-1', 'compute-2'})
        self.assertEqual(['b2', 'mv'], [s['id'] for s in first.servers])

    def test_cold_local_side_holds_each_hosts_edge_second(self):
        self._multi_create(['c1', 'c9'], 5, host='compute-2')
        self._multi_create(['z', 'a', 'm'], 9)   # Nova's: m, a, z
        first = servers_api.server_list(
            self.request, True, newest=2,
            local_hosts=lambda: {'compute-1', 'compute-2'})
        self.assertTrue(first.local_side)
        self.assertEqual(['z', 'm'],
                         _first_in_pages_order(first.servers, 2))

    def test_cold_ec2_side_now_and_everything_behind(self):
        self.nova.put(factories.server('loc'), T0)
        self.nova.put(factories.server('e1', host='ec2-a'), T0)
        self.nova.put(factories.server('e2', host='ec2-b'), T0)
        asked = []

        def hosts():
            asked.append(1)
            return {'ec2-a', 'ec2-b'}
        first = servers_api.server_list(self.request, True, hosts=hosts)
        self.assertTrue(first.partial)
        self.assertTrue(first.ec2_side)
        self.assertEqual(['e1', 'e2'], self._ids(first))
        self.assertEqual([{'all_tenants': True, 'host': 'ec2-a'},
                          {'all_tenants': True, 'host': 'ec2-b'}],
                         sorted(self.nova.calls, key=lambda c: c['host']))
        kept.wait_for_background()
        self.assertEqual({'all_tenants': True}, self.nova.calls[-1])
        # Kept now: the hosts are not even asked for.
        self._tick(5)
        second = servers_api.server_list(self.request, True, hosts=hosts)
        self.assertFalse(second.partial or second.ec2_side)
        self.assertEqual(['e1', 'e2', 'loc'], self._ids(second))
        self.assertEqual(1, len(asked))

    def _created(self, uid, minute, host):
        at = T0 + datetime.timedelta(minutes=minute)
        self.nova.put(factories.server(uid, host=host, created=at.strftime(
            '%Y-%m-%dT%H:%M:%SZ')), at)

    def test_cold_local_first_page_of_each_local_host(self):
        for uid, minute, host in (('a1', 1, 'compute-1'),
                                  ('b2', 2, 'compute-2'),
                                  ('a3', 3, 'compute-1'),
                                  ('e4', 4, 'ec2-a'),
                                  ('e5', 5, 'ec2-a'),
                                  ('b6', 6, 'compute-2'),
                                  ('n7', 7, None)):
            self._created(uid, minute, host)
        hosts = {'compute-1', 'compute-2'}
        first = servers_api.server_list(self.request, True, newest=2,
                                        local_hosts=lambda: hosts)
        self.assertTrue(first.partial and first.local_side)
        self.assertFalse(first.ec2_side)
        # The newest local ones, past the newer EC2 and unplaced servers.
        self.assertEqual(['b6', 'a3'], [s['id'] for s in first.servers])
        self.assertEqual([(3, ('created', 'desc'), 'compute-1'),
                          (3, ('created', 'desc'), 'compute-2')],
                         sorted(self.nova.newest))
        kept.wait_for_background()
        self.assertEqual({'all_tenants': True}, self.nova.calls[-1])
        self._tick(5)
        second = servers_api.server_list(self.request, True, newest=2,
                                         local_hosts=lambda: hosts)
        self.assertFalse(second.partial or second.local_side)
        self.assertEqual(7, len(second.servers))
        cache.clear()
        kept.forget_pending()
        oldest = servers_api.server_list(self.request, True, newest=2,
                                         order=('created', 'asc'),
                                         local_hosts=lambda: hosts)
        self.assertEqual(['a1', 'b2'], [s['id'] for s in oldest.servers])
        self.assertEqual('oldest', oldest.first)

    def test_cold_local_unknown_too_many_hosts_or_by_name_read_all(self):
        for i in range(3):
            self._created('s%d' % i, i, 'compute-%d' % i)
        many = {'compute-%d' % i for i in range(servers_api.HOSTS_MAX + 1)}
        for kw in ({'local_hosts': lambda: None},
                   {'local_hosts': lambda: many},
                   {'local_hosts': lambda: {'compute-1'},
                    'order': ('name', 'asc')}):
            cache.clear()
            kept.forget_pending()
            found = servers_api.server_list(self.request, True, newest=2,
                                            **kw)
            self.assertTrue(found.full, kw)
            self.assertEqual(3, len(found.servers))
        self.assertEqual([], self.nova.newest)
        # A member (no hosts in Nova): every server of the project.
        cache.clear()
        self.request.user.project_id = 'p1'
        member = servers_api.server_list(self.request, False, newest=2,
                                         local_hosts=lambda: {'compute-1'})
        self.assertTrue(member.full)
        self.assertEqual([], self.nova.newest)

    def _slow_full_read(self, seconds):
        """Nova's full list takes ``seconds`` (the clock moves)."""
        listed = self.nova.list

        def slow(request, search_opts, newest=None, **kw):
            if not newest and 'changes-since' not in search_opts:
                self._tick(seconds)
            return listed(request, search_opts, newest, **kw)
        return mock.patch.object(servers_api, 'list_servers',
                                 side_effect=slow)

    def test_a_full_read_remembers_how_long_it_took(self):
        self.nova.put(factories.server('s0'), T0)
        # Not known (a cold cache, a memcached restart): the newest.
        self.assertEqual(21, servers_api.newest_instead(self.request, True,
                                                        21))
        self.assertIsNone(servers_api.newest_instead(self.request, True,
                                                     None))
        with self._slow_full_read(1.5):
            servers_api.server_list(self.request, True)
        self.assertIsNone(servers_api.newest_instead(self.request, True,
                                                     21))
        # Gone from the cache with the servers, still remembered.
        cache.delete(servers_api._key('all'))
        self.assertIsNone(servers_api.newest_instead(self.request, True,
                                                     21))
        # Too slow: the newest instead. Per scope: a member's own.
        cache.clear()
        with self._slow_full_read(2.5):
            servers_api.server_list(self.request, True)
        self.assertEqual(21, servers_api.newest_instead(self.request, True,
                                                        21))
        self.request.user.project_id = 'p1'
        self.assertEqual(21, servers_api.newest_instead(self.request, False,
                                                        21))
        with override_settings(BURST_DASHBOARD={'full_read_wait': 3}):
            self.assertIsNone(servers_api.newest_instead(self.request,
                                                         True, 21))

    def test_cold_every_server_list_reads_the_newest_instead(self):
        for i in range(5):
            self._created('s%d' % i, i, 'compute-1')
        many = {'compute-%d' % i for i in range(servers_api.HOSTS_MAX + 1)}
        for kw in ({}, {'newest': 2, 'order': ('name', 'asc')},
                   {'newest': 2, 'local_hosts': lambda: many},
                   {'local_hosts': lambda: {'compute-1'}},
                   {'hosts': lambda: None}):
            cache.clear()
            kept.forget_pending()
            del self.nova.calls[:]
            found = servers_api.server_list(self.request, True, instead=3,
                                            **kw)
            self.assertTrue(found.stand_in and found.partial, kw)
            self.assertFalse(found.full)
            self.assertEqual(('newest', ['s4', 's3', 's2']), (
                found.first, [s['id'] for s in found.servers]), kw)
            # Only Nova's newest page now; every server behind the page.
            self.assertEqual([{'all_tenants': True}], self.nova.calls)
            self.assertEqual(1, len(kept._PENDING))
        kept.wait_for_background()
        self.assertEqual(2, len(self.nova.calls))
        # Kept: the list asked for, whole; ``instead`` no longer matters.
        whole = servers_api.server_list(self.request, True, instead=3)
        self.assertFalse(whole.stand_in or whole.partial)
        self.assertEqual(5, len(whole.servers))

    def test_cold_no_stand_in_without_a_background_read(self):
        for i in range(3):
            self._created('s%d' % i, i, 'compute-1')
        # The cache cannot lock (away): every server now, as before.
        with mock.patch.object(kept, 'in_background', return_value=False):
            found = servers_api.server_list(self.request, True, instead=2)
        self.assertTrue(found.full and not found.stand_in)
        self.assertEqual(3, len(found.servers))
        # Nova's newest page ends inside a second it cannot show whole:
        # every server now too.
        cache.clear()
        kept.forget_pending()
        with mock.patch.object(servers_api, '_first_created',
                               return_value=None):
            found = servers_api.server_list(self.request, True, instead=2)
        self.assertTrue(found.full and not found.stand_in)

    def _by_name(self, direction):
        with mock.patch.object(servers_api, 'list_names',
                               side_effect=self.nova.names), \
                mock.patch.object(servers_api, 'servers_by_id',
                                  side_effect=self.nova.by_id):
            return servers_api.server_list(self.request, True, newest=2,
                                           order=('name', direction))

    def test_cold_by_name_the_first_in_the_pages_order(self):
        for uid, name in (('s1', 'beta'), ('s2', 'alpha'), ('s3', 'gamma'),
                          ('s4', 'Delta')):
            self.nova.put(factories.server(uid, name), T0)
        first = self._by_name('asc')
        self.assertTrue(first.partial)
        self.assertEqual(('name', 'asc'), first.order)
        self.assertEqual('by-name', first.first)
        # The pages' order (case aside), not the database's, which puts
        # Delta first: beta looked up, Delta left out.
        self.assertEqual(['alpha', 'beta'],
                         [s['name'] for s in first.servers])
        self.assertEqual([(2, 'asc')], self.nova.newest)
        self.assertEqual([{'s1'}], self.nova.looked_up)
        cache.clear()
        kept.forget_pending()
        last = self._by_name('desc')
        self.assertEqual(['gamma', 'Delta'],
                         [s['name'] for s in last.servers])
        self.assertEqual({'s4'}, self.nova.looked_up[-1])

    def test_cold_by_name_too_many_to_look_up_reads_everything(self):
        for i in range(servers_api.LOOKUPS_MAX + 2):
            self.nova.put(factories.server('a%02d' % i, 'a%02d' % i), T0)
            self.nova.put(factories.server('B%02d' % i, 'B%02d' % i), T0)
        with mock.patch.object(servers_api, 'list_names',
                               side_effect=self.nova.names), \
                mock.patch.object(servers_api, 'servers_by_id',
                                  side_effect=self.nova.by_id):
            first = servers_api.server_list(
                self.request, True, newest=servers_api.LOOKUPS_MAX + 2,
                order=('name', 'asc'))
        self.assertFalse(first.partial)
        self.assertEqual(2 * (servers_api.LOOKUPS_MAX + 2),
                         len(first.servers))
        calls = len(self.nova.calls)
        kept.wait_for_background()     # and not read again behind it
        self.assertEqual(calls, len(self.nova.calls))

    def _statuses(self, made):
        for uid, status in made:
            self.nova.put(factories.server(
                uid, status=status, host=None if uid.startswith('u')
                else 'compute-1'), T0)

    def test_cold_by_status_each_statuses_first_in_the_pages_order(self):
        self._statuses([('a3', 'ACTIVE'), ('a1', 'REBOOT'),
                        ('a2', 'ACTIVE'), ('b1', 'SHUTOFF'),
                        ('b2', 'BUILD'), ('u9', 'BUILD'),
                        ('c1', 'SHUTOFF'), ('d1', 'PAUSED')])
        first = servers_api.server_list(self.request, True, newest=4,
                                        order=('status', 'asc'))
        self.assertTrue(first.partial)
        self.assertEqual('by-status', first.first)
        # ACTIVE's list holds the rebooting a1 too (its vm_state): left
        # for REBOOT's place. The build request u9 (Nova lists it first)
        # in the order of the UUIDs.
        self.assertEqual(['a2', 'a3', 'b2', 'u9'],
                         [s['id'] for s in first.servers])
        # A page and one of ACTIVE's list alone, then of every vm_state's
        # own status at once; none of a task's (REBOOT's), not reached.
        self.assertEqual([(5, ('status', 'asc'))] *
                         len(servers_api.VM_STATE_STATUSES),
                         self.nova.newest)
        self.assertEqual('ACTIVE', self.nova.calls[0]['status'])
        self.assertEqual(set(servers_api.VM_STATE_STATUSES),
                         {c['status'] for c in self.nova.calls})
        cache.clear()
        kept.forget_pending()
        self.nova.calls.clear()
        last = servers_api.server_list(self.request, True, newest=3,
                                       order=('status', 'desc'))
        self.assertEqual(['c1', 'b1', 'a1'], [s['id'] for s in last.servers])
        # Most first: VERIFY_RESIZE's alone, then the vm_states' own, and
        # the tasks' reached, up to REBOOT's (a1, not in ACTIVE's place).
        self.assertEqual('VERIFY_RESIZE', self.nova.calls[0]['status'])
        self.assertEqual(set(servers_api.VM_STATE_STATUSES) | {
            'RESIZE', 'REVERT_RESIZE', 'REBUILD', 'REBOOT'},
            {c['status'] for c in self.nova.calls if 'status' in c})

    def test_cold_by_status_reads_a_statuses_list_on_by_marker(self):
        # ACTIVE's first page is of rebooting servers (their vm_state):
        # its ACTIVE ones are on the next page, after the last read.
        self._statuses([('a%d' % i, 'REBOOT') for i in range(4)] +
                       [('b1', 'ACTIVE'), ('b2', 'ACTIVE')])
        first = servers_api.server_list(self.request, True, newest=2,
                                        order=('status', 'asc'))
        self.assertTrue(first.partial)
        self.assertEqual(['b1', 'b2'], [s['id'] for s in first.servers])
        self.assertIn({'all_tenants': True, 'status': 'ACTIVE',
                       'marker': 'a2'}, self.nova.calls)
        # Beyond EDGE_PAGES more pages, or the marker archived: every
        # server, now.
        read = self.nova.list

        def archiving(request, opts, newest=None, order=None, marker=None):
            found = read(request, opts, newest, order, marker)
            if opts.get('status') == 'ACTIVE' and not marker:
                self.nova.archive(found[-1]['id'])   # deleted, archived
            return found
        for bound, reads in ((0, read), (4, archiving)):
            cache.clear()
            kept.forget_pending()
            with mock.patch.object(servers_api, 'EDGE_PAGES', bound), \
                    mock.patch.object(servers_api, 'list_servers',
                                      side_effect=reads):
                found = servers_api.server_list(
                    self.request, True, newest=2, order=('status', 'asc'))
            self.assertTrue(found.full)
            self.assertEqual(len(self.nova._live()), len(found.servers))

    def test_cold_by_status_lists_a_server_that_changed_between_once(self):
        self._statuses([('a1', 'ACTIVE'), ('a2', 'ACTIVE')])
        read = self.nova.list

        def rebooting(request, opts, newest=None, order=None, marker=None):
            found = read(request, opts, newest, order, marker)
            if opts.get('status') == 'ACTIVE':   # a2 reboots just after
                self.nova.put(dict(self.nova.servers['a2'][0],
                                   status='REBOOT'), T0)
            return found
        with mock.patch.object(servers_api, 'list_servers',
                               side_effect=rebooting):
            found = servers_api.server_list(self.request, True, newest=5,
                                            order=('status', 'asc'))
        self.assertTrue(found.partial)
        self.assertEqual(['a1', 'a2'], [s['id'] for s in found.servers])

    def test_cold_by_status_past_a_page_of_unscheduled_servers(self):
        self._statuses([('u%d' % i, 'BUILD') for i in range(4)] +
                       [('a1', 'ACTIVE'), ('b1', 'BUILD')])
        # BUILD's first page: build requests only. Read again from the
        # start, longer (no build request as a marker: scheduled in
        # between, Nova would go on after its instance).
        found = servers_api.server_list(self.request, True, newest=3,
                                        order=('status', 'asc'))
        self.assertTrue(found.partial)
        self.assertEqual(['a1', 'b1', 'u0'], [s['id'] for s in found.servers])
        self.assertEqual([(4, ('status', 'asc'))] *
                         len(servers_api.VM_STATE_STATUSES) +
                         [(servers_api.EDGE_PAGE, ('status', 'asc'))],
                         self.nova.newest)
        self.assertFalse([c for c in self.nova.calls if 'marker' in c])
        cache.clear()
        kept.forget_pending()
        self.nova.newest.clear()
        found = servers_api.server_list(
            self.request, True, newest=servers_api.NOVA_MAX_LIMIT,
            order=('status', 'asc'))
        self.assertTrue(found.full)
        self.assertEqual([], self.nova.newest)

    def test_read_in_full_by_the_page_not_again_behind_it(self):
        self.nova.put(factories.server('e1', host='ec2-a'), T0)
        servers_api.server_list(self.request, True, hosts=lambda: {'ec2-a'})
        # The page needs every server after all (too many EC2 names to
        # look up): read now, nothing kept yet.
        self._tick(1)
        every = servers_api.server_list(self.request, True)
        self.assertTrue(every.full)
        self.assertEqual(2, len(self.nova.calls))
        kept.wait_for_background()
        self.assertEqual(2, len(self.nova.calls))     # not a third time

    def test_cold_ec2_side_unknown_hosts_or_a_member_read_everything(self):
        self.nova.put(factories.server('loc'), T0)
        self.nova.put(factories.server('e1', host='ec2-a'), T0)
        unknown = servers_api.server_list(self.request, True,
                                          hosts=lambda: None)
        self.assertTrue(unknown.full)
        self.assertEqual(['e1', 'loc'], self._ids(unknown))
        self.request.user.project_id = 'p1'    # Nova: hosts are admins'
        member = servers_api.server_list(self.request, False,
                                         hosts=lambda: {'ec2-a'})
        self.assertTrue(member.full)
        self.assertNotIn('host', self.nova.calls[-1])

    def test_one_background_read_at_a_time_across_workers(self):
        self.nova.put(factories.server('s0'), T0)
        # Another worker (or replica) holds the lock: nothing started
        # here, the page is still the newest.
        cache.add(servers_api._key('all') + ':reading', 1)
        first = servers_api.server_list(self.request, True, newest=2)
        self.assertTrue(first.partial)
        kept.wait_for_background()
        self.assertEqual(1, len(self.nova.calls))

    def test_cold_newest_without_a_cache_reads_everything(self):
        self.nova.put(factories.server('s0'), T0)
        with mock.patch.object(cache, 'add', side_effect=OSError('down')):
            result = servers_api.server_list(self.request, True, newest=2)
        self.assertFalse(result.partial)
        self.assertTrue(result.full)

    def test_scopes_never_mix(self):
        self.nova.put(factories.server('mine', project='p1'), T0)
        self.nova.put(factories.server('theirs', project='p2'), T0)
        admin = servers_api.server_list(self.request, True)
        self.assertEqual(['mine', 'theirs'], self._ids(admin))
        self.request.user.project_id = 'p1'
        member = servers_api.server_list(self.request, False)
        self.assertTrue(member.full)         # its own key: cold
        self.assertEqual(['mine'], self._ids(member))
        self.assertEqual('p1', self.nova.calls[-1]['project_id'])

    def test_a_broken_cache_still_lists(self):
        self.nova.put(factories.server('s0'), T0)
        with mock.patch.object(cache, 'get', side_effect=OSError('down')), \
                mock.patch.object(cache, 'set', side_effect=ValueError(
                    'value too large')):
            result = servers_api.server_list(self.request, True)
        self.assertEqual(['s0'], self._ids(result))
        self.assertTrue(result.full)

    def test_only_the_fields_read_are_kept(self):
        server = factories.server('s0')
        server.update(metadata={'secret': 'x' * 1000},
                      image={'id': 'img', 'links': ['...']})
        kept = servers_api._trim(server)
        self.assertNotIn('metadata', kept)
        self.assertEqual({'id': 'img'}, kept['image'])
        self.assertEqual('', servers_api._trim(
            dict(server, image=''))['image'])

    def test_a_read_behind_the_page_releases_only_its_own_lock(self):
        self.assertTrue(kept.in_background('k', lambda: None))
        kept.wait_for_background()
        self.assertIsNone(cache.get('k:reading'))
        # Its lock expired while it ran and another worker took one.
        self.assertTrue(kept.in_background(
            'k', lambda: cache.set('k:reading', 'another worker')))
        kept.wait_for_background()
        self.assertEqual('another worker', cache.get('k:reading'))


class ServersByIdTests(test.TestCase):

    def test_known_ones_trimmed_unknown_ones_left_out_too_many_none(self):
        client = mock.Mock()

        def get(uid):
            if uid == 'gone':
                raise nova_exceptions.NotFound(404)
            return mock.Mock(_info=dict(factories.server(uid),
                                        metadata={'x': 'y'}))
        client.servers.get.side_effect = get
        with mock.patch.object(servers_api._nova, 'novaclient',
                               return_value=client) as novaclient:
            found = servers_api.servers_by_id(self.request, {'s1', 'gone'})
            self.assertEqual(['s1'], [s['id'] for s in found])
            self.assertNotIn('metadata', found[0])
            novaclient.assert_called_with(self.request,
                                          servers_api.NOVA_MICROVERSION)
            many = {'s%d' % i for i in range(servers_api.LOOKUPS_MAX + 1)}
            self.assertIsNone(servers_api.servers_by_id(self.request, many))
        self.assertEqual(2, client.servers.get.call_count)

    def test_nothing_to_look_up_no_client_no_pool(self):
        with mock.patch.object(servers_api._nova, 'novaclient') as nc, \
                mock.patch.object(servers_api.burst_api_pkg,
                                  'bounded_executor') as pool:
            self.assertEqual([], servers_api.servers_by_id(self.request,
                                                           set()))
        nc.assert_not_called()
        pool.assert_not_called()


class OneNovaClientTests(test.TestCase):
    """Every Nova read of a page asks Horizon for the novaclient of one
    microversion: Horizon keeps one client per version and request, and
    each authenticates itself with Keystone (two requests)."""

    def test_the_pages_reads_share_one_version(self):
        from burst_dashboard.api import burst as burst_api
        from burst_dashboard.api import decisions as decisions_api
        from django.core.cache import cache
        cache.clear()
        with mock.patch.object(servers_api._nova, 'novaclient') as nc:
            nc.return_value.servers.list.return_value = []
            nc.return_value.servers.get.return_value = mock.Mock(_info={})
            nc.return_value.instance_action.list.return_value = []
            servers_api.list_servers(self.request, {'all_tenants': True})
            servers_api.servers_by_id(self.request, {'s1'})
            burst_api.aggregate_list(self.request)
            decisions_api.summary(self.request, 's1')
            decisions_api.server(self.request, 's1')
        self.assertEqual(5, nc.call_count)
        self.assertEqual({(self.request, servers_api.NOVA_MICROVERSION)},
                         {c.args for c in nc.call_args_list})

    def test_names_through_openstacksdk_one_version(self):
        with mock.patch.object(servers_api._nova, 'computeclient') as cc:
            cc.return_value.servers.return_value = iter([
                mock.Mock(id='s1'), mock.Mock(id='s2')])
            found = servers_api.list_names(self.request,
                                           {'all_tenants': True})
        self.assertEqual(['s1', 's2'], [uid for uid, name in found])
        cc.assert_called_once_with(self.request,
                                   servers_api.NOVA_MICROVERSION)
        cc.return_value.servers.assert_called_once_with(details=False,
                                                        all_tenants=True)

    def test_names_nova_errors_as_novaclient_ones_not_unauthorized(self):
        from openstack import exceptions as sdk_exceptions
        from openstack_dashboard import exceptions as horizon_exceptions
        import requests

        def answer(code):
            response = requests.Response()
            response.status_code = code
            return sdk_exceptions.HttpException(response=response)
        for code, raised in ((503, nova_exceptions.ClientException),
                             (401, nova_exceptions.Unauthorized)):
            with mock.patch.object(servers_api._nova,
                                   'computeclient') as cc:
                cc.return_value.servers.side_effect = answer(code)
                with self.assertRaises(raised) as found:
                    servers_api.list_names(self.request,
                                           {'all_tenants': True})
            self.assertEqual(code == 401, isinstance(
                found.exception, nova_exceptions.Unauthorized))
        # Horizon: a Nova error is recoverable ("Unable to retrieve"),
        # openstacksdk's own would have been "not authorized" (a 403).
        self.assertIsInstance(answer(503), horizon_exceptions.UNAUTHORIZED)
        self.assertNotIsInstance(
            nova_exceptions.ClientException(503),
            horizon_exceptions.UNAUTHORIZED)


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 999),
                          st.text('0123456789abcdef', min_size=1,
                                  max_size=3),
                          st.integers(0, 4).map(lambda n: n == 0)),
                max_size=25, unique_by=lambda s: s[2]),
       st.integers(1, 6), st.booleans())
def test_cold_first_page_is_the_whole_lists_first_page(made, count,
                                                       descending):
    """Whatever the ties in the second (a multi-create) and whichever
    servers Nova has not scheduled yet (listed first), the first ``count``
    in the pages' order of what a cold page reads by creation are the
    whole list's; only a first page of Nova's of unscheduled servers alone
    leaves it to every server."""
    nova = FakeNova()
    for second, micro, uid, building in made:
        nova.put(factories.server(
            uid, host=None if building else 'compute-1',
            status='BUILD' if building else 'ACTIVE'),
            T0 + datetime.timedelta(seconds=second, microseconds=micro))
    order = ('created', 'desc' if descending else 'asc')
    with mock.patch.object(servers_api, 'list_servers',
                           side_effect=nova.list), \
            mock.patch.object(servers_api, 'EDGE_PAGES', 100):
        first = servers_api._first_created(mock.Mock(), {}, count, order)
    every = [s for s, at in nova._live()]
    unscheduled = sum(1 for s in every if servers_api._unscheduled(s))
    assert (first is None) == (unscheduled > count)
    if first is not None:
        assert _first_in_pages_order(every, count, descending) == \
            [s['id'] for s in first]


_SOME_STATUSES = ('ACTIVE', 'REBOOT', 'HARD_REBOOT', 'BUILD', 'SHUTOFF',
                  'ERROR', 'PAUSED')


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text('0123456789abcdef', min_size=1,
                                  max_size=3),
                          st.sampled_from(_SOME_STATUSES),
                          st.booleans()),
                max_size=25, unique_by=lambda s: s[0]),
       st.integers(1, 6), st.booleans())
def test_cold_first_page_by_status_is_the_whole_lists(made, count,
                                                      descending):
    """Whatever the statuses (a vm_state's filter lists its tasks' too)
    and whichever BUILD servers Nova has not scheduled yet (listed first),
    the first ``count`` a cold page reads by status are the whole list's
    in the pages' order."""
    nova = FakeNova()
    for uid, status, unscheduled in made:
        nova.put(factories.server(
            uid, status=status,
            host=None if status == 'BUILD' and unscheduled else 'c-1'), T0)
    order = ('status', 'desc' if descending else 'asc')
    with mock.patch.object(servers_api, 'list_servers',
                           side_effect=nova.list), \
            mock.patch.object(servers_api, 'EDGE_PAGES', 100):
        first = servers_api._first_by_status(mock.Mock(), {}, count, order)
    rows = [types.SimpleNamespace(id=s['id'], status=s['status'])
            for s, at in nova._live()]
    assert [s['id'] for s in first] == [
        r.id for r in inventory.order(rows, 'status', descending)[:count]]
