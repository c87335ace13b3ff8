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

"""burst_dashboard.api.instances.described: this cloud's EC2 instances
kept in the shared cache and described again only for the servers that
changed, against a fake EC2 that filters as EC2 does."""
import datetime
from unittest import mock

from django.test.utils import override_settings

from openstack_dashboard.test import helpers as test

from burst_dashboard.api import instances as instances_api
from burst_dashboard.api import kept
from burst_dashboard.api import servers as servers_api
from tests.unit import factories

T0 = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=datetime.timezone.utc)
REGION = 'us-east-1'


class FakeEC2(object):
    """describe_instances with the filters the dashboard sends."""

    def __init__(self):
        self.instances = {}
        self.calls = []
        self.background = []

    def put(self, iid, uuid=None, state='running', project='p1'):
        self.instances[iid] = factories.ec2(iid, uuid, state=state,
                                            project=project)

    def describe(self, request, region, project_id=None,
                 instance_uuids=None, instance_ids=None, background=False):
        self.calls.append((project_id, instance_uuids, instance_ids))
        self.background.append(background)
        out = []
        for i in self.instances.values():
            tag = {t['Key']: t['Value'] for t in i['Tags']}
            if i['State']['Name'] not in instances_api.DESCRIBED_STATES:
                continue
            if project_id and tag.get('openstack:project-id') != project_id:
                continue
            if instance_uuids is not None and \
                    tag.get('openstack:instance-id') not in instance_uuids:
                continue
            if instance_ids is not None and \
                    i['InstanceId'] not in instance_ids:
                continue
            out.append(i)
        return out


def _server(uid, updated, **kw):
    return dict(factories.server(uid, host='ec2-us-east-1', **kw),
                updated=updated.isoformat())


class DescribedTests(test.TestCase):

    def setUp(self):
        super().setUp()
        self.ec2 = FakeEC2()
        self.now = T0
        factories.clock_and_patches(self, mock.patch.object(
            instances_api, 'ec2_describe', side_effect=self.ec2.describe))
        self.servers = {}

    def _tick(self, seconds):
        self.now += datetime.timedelta(seconds=seconds)

    def _put(self, uid, iid, state='running', new=False):
        """A server on EC2 and its instance; updated in Nova a minute ago,
        or just now when ``new``."""
        self.servers[uid] = _server(uid, self.now if new else
                                    self.now - datetime.timedelta(minutes=1))
        self.ec2.put(iid, uid, state=state)

    def _listed(self, partial=False):
        return servers_api.Servers(list(self.servers.values()), self.now,
                                   self.now, partial=partial,
                                   full=not partial)

    def _described(self, project_id=None, partial=False):
        return instances_api.described(self.request, REGION,
                                       self._listed(partial), project_id)

    def _states(self, found):
        return {i['InstanceId']: i['State']['Name']
                for i in found.instances}

    def test_cold_then_only_the_changed_servers_instances(self):
        self._put('s1', 'i-1')
        self._put('s2', 'i-2')
        first = self._described()
        self.assertEqual((None, None, None), self.ec2.calls[-1])
        self.assertEqual({'i-1': 'running', 'i-2': 'running'},
                         self._states(first))
        self.assertEqual(T0, first.full_at)
        # Nothing changed: no call at all.
        self._tick(20)
        again = self._described()
        self.assertEqual(1, len(self.ec2.calls))
        self.assertEqual(self._states(first), self._states(again))
        # s1 stopped through Nova: only its instance is described again.
        self._tick(10)
        self.servers['s1'] = _server('s1', self.now, status='SHUTOFF')
        self.ec2.put('i-1', 's1', state='stopped')
        third = self._described()
        # by the ID the kept list knows: a lookup, not a filter
        self.assertEqual((None, None, ['i-1']), self.ec2.calls[-1])
        self.assertEqual({'i-1': 'stopped', 'i-2': 'running'},
                         self._states(third))
        self.assertEqual(1, third.targeted)
        self.assertEqual(T0, third.full_at)

    def test_a_deleted_servers_instance_is_not_called_an_orphan(self):
        self._put('s1', 'i-1')
        self._put('s2', 'i-2')
        self._described()
        self._tick(20)
        del self.servers['s2']               # deleted in Nova ...
        self.ec2.put('i-2', 's2', state='terminated')   # ... and EC2
        found = self._described()
        self.assertEqual((None, None, ['i-2']), self.ec2.calls[-1])
        self.assertEqual({'i-1': 'running'}, self._states(found))
        # A real orphan stays, described again by its ID each load.
        self.ec2.put('i-9', 'nobody')
        self._tick(20)
        self.servers['s1'] = _server('s1', self.now)
        found = self._described()
        self.assertEqual({'i-1': 'running'}, self._states(found))
        self._tick(70)    # the full describe behind the page finds it
        self._described()
        kept.wait_for_background()
        self._tick(1)
        found = self._described()
        self.assertEqual({'i-1': 'running', 'i-9': 'running'},
                         self._states(found))
        self.assertEqual((None, None, ['i-9']), self.ec2.calls[-1])

    @override_settings(BURST_DASHBOARD={'ec2_max_age': 60})
    def test_too_old_is_described_in_full_behind_the_page(self):
        self._put('s1', 'i-1')
        self._described()
        self._tick(61)
        # Stopped in the AWS console: Nova knows nothing of it.
        self.ec2.put('i-1', 's1', state='stopped')
        stale = self._described()
        self.assertEqual({'i-1': 'running'}, self._states(stale))
        kept.wait_for_background()
        self.assertEqual((None, None, None), self.ec2.calls[-1])
        # No page waits for it: EC2's longer read timeout.
        self.assertEqual([False, True], self.ec2.background)
        self._tick(1)
        fresh = self._described()
        self.assertEqual({'i-1': 'stopped'}, self._states(fresh))
        self.assertEqual(T0 + datetime.timedelta(seconds=61),
                         fresh.full_at)

    def test_many_changes_are_one_full_describe(self):
        self._put('s0', 'i-0')
        self._described()
        self._tick(20)
        for n in range(instances_api.EC2_TARGETED_MAX + 1):
            self._put('n%d' % n, 'i-n%d' % n, new=True)
        found = self._described()
        self.assertEqual((None, None, None), self.ec2.calls[-1])
        self.assertEqual(2, len(self.ec2.calls))
        self.assertEqual(instances_api.EC2_TARGETED_MAX + 2,
                         len(found.instances))

    def test_a_targeted_describe_names_at_most_200_ids_a_call(self):
        self._described()
        self._tick(20)
        for n in range(250):
            self._put('n%03d' % n, 'i-n%d' % n, new=True)
        found = self._described()
        self.assertEqual([200, 50], [len(c[1]) for c in self.ec2.calls[1:]])
        self.assertEqual(250, len(found.instances))

    def test_cold_partial_page_its_servers_now_the_region_behind(self):
        self._put('s1', 'i-1')
        self._put('s2', 'i-2')
        self.servers.pop('s2')        # not among the newest
        found = self._described(partial=True)
        self.assertEqual((None, ['s1'], None), self.ec2.calls[0])
        self.assertEqual({'i-1': 'running'}, self._states(found))
        self.assertIsNone(found.full_at)
        kept.wait_for_background()
        self.assertEqual((None, None, None), self.ec2.calls[-1])

    def test_scopes_never_mix(self):
        self._put('s1', 'i-1')
        self.ec2.put('i-x', 'sx', project='p2')
        admin = self._described()
        self.assertEqual({'i-1', 'i-x'}, set(self._states(admin)))
        member = self._described(project_id='p1')
        self.assertEqual({'i-1'}, set(self._states(member)))
        self.assertEqual(('p1', None, None), self.ec2.calls[-1])
        self._tick(20)
        self.servers['s1'] = _server('s1', self.now)
        self._described(project_id='p1')
        self.assertEqual(('p1', None, ['i-1']), self.ec2.calls[-1])

    def test_only_the_fields_read_are_kept(self):
        self.servers['s1'] = _server('s1', self.now)
        raw = factories.ec2('i-1', 's1')
        raw.update(UserData='secret', NetworkInterfaces=[{'x': 1}],
                   State={'Name': 'running', 'Code': 16})
        self.ec2.instances['i-1'] = raw
        found = self._described()
        item = found.instances[0]
        self.assertNotIn('UserData', item)
        self.assertNotIn('NetworkInterfaces', item)
        self.assertEqual({'Name': 'running'}, item['State'])

    def test_a_new_instance_of_a_changed_server_is_found_by_its_tag(self):
        self._put('s1', 'i-1')
        self._described()
        self._tick(20)
        # Its instance replaced (terminated, another launched for it).
        self.servers['s1'] = _server('s1', self.now)
        self.ec2.put('i-1', 's1', state='terminated')
        self.ec2.put('i-1b', 's1')
        found = self._described()
        self.assertEqual([(None, None, ['i-1']), (None, ['s1'], None)],
                         self.ec2.calls[-2:])
        self.assertEqual({'i-1b': 'running'}, self._states(found))

    def test_a_rebuild_terminating_the_old_instance_finds_the_new(self):
        self._put('s1', 'i-1')
        self._described()
        self._tick(20)
        self.servers['s1'] = _server('s1', self.now)
        self.ec2.put('i-1', 's1', state='shutting-down')
        self.ec2.put('i-1b', 's1')
        found = self._described()
        self.assertEqual((None, ['s1'], None), self.ec2.calls[-1])
        self.assertEqual({'i-1': 'shutting-down', 'i-1b': 'running'},
                         self._states(found))
        self.assertEqual(2, len(found.instances))    # each once

    def test_synced_as_of_novas_read_not_later(self):
        self._put('s1', 'i-1')
        self._described()
        self._tick(20)
        listed = self._listed()
        listed.synced_at = self.now - datetime.timedelta(seconds=7)
        found = instances_api.described(self.request, REGION, listed)
        self.assertEqual(listed.synced_at, found.synced_at)

    def test_a_server_that_left_ec2_is_described_again(self):
        self._put('s1', 'i-1')
        self._described()
        self._tick(20)
        # Shelved and unshelved onto a local host: its instance is gone.
        self.servers['s1'] = dict(_server('s1', self.now),
                                  **{'OS-EXT-SRV-ATTR:host': 'compute-1'})
        self.ec2.put('i-1', 's1', state='terminated')
        found = instances_api.described(
            self.request, REGION, self._listed(),
            on_ec2=lambda s: s['OS-EXT-SRV-ATTR:host'] != 'compute-1')
        self.assertEqual((None, ['s1'], None), self.ec2.calls[-1])
        self.assertEqual({}, self._states(found))

    def test_only_servers_that_may_be_on_ec2_are_described(self):
        self._put('s1', 'i-1')
        self._described()
        self._tick(20)
        self.servers['local'] = dict(_server('local', self.now),
                                     **{'OS-EXT-SRV-ATTR:host': 'compute-1'})
        self.servers['new'] = _server('new', self.now)
        self.ec2.put('i-new', 'new')

        def on_ec2(server):
            return server['OS-EXT-SRV-ATTR:host'] != 'compute-1'
        found = instances_api.described(self.request, REGION, self._listed(),
                                        on_ec2=on_ec2)
        self.assertEqual((None, ['new'], None), self.ec2.calls[-1])
        self.assertEqual({'i-1', 'i-new'}, set(self._states(found)))

    def test_kept_while_ec2_is_down_says_so_and_flags_nothing(self):
        self._put('s1', 'i-1')
        self._described()
        self._tick(20)
        with mock.patch.object(instances_api.ec2_api, 'outage',
                               return_value='the outage'), \
                mock.patch.object(instances_api.ec2_api, 'outage_text',
                                  return_value='unreachable since 10:00'):
            found, why, outage = instances_api._ec2_or_error(
                self.request, REGION, self._listed())
        self.assertEqual(1, len(self.ec2.calls))    # none: nothing changed
        self.assertEqual({'i-1': 'running'}, self._states(found))
        self.assertEqual(('unreachable since 10:00', 'the outage'),
                         (why, outage))
        found, why, outage = instances_api._ec2_or_error(
            self.request, REGION, self._listed())
        self.assertEqual((None, None), (why, outage))

    def test_a_partial_list_with_ec2_kept_asks_for_its_servers_only(self):
        self._put('s1', 'i-1')
        self._put('s2', 'i-2')
        self._described()
        self._tick(20)
        self.servers.pop('s2')
        self.servers['s1'] = _server('s1', self.now)
        found = self._described(partial=True)
        self.assertEqual((None, None, ['i-1']), self.ec2.calls[-1])
        self.assertEqual({'i-1', 'i-2'}, set(self._states(found)))

    def test_a_list_needing_every_server_reads_what_is_kept_once(self):
        self._put('s1', 'i-1')
        # Cold: the region is described beside Nova's list, and used.
        cold = instances_api._describe_if_cold(self.request, REGION, None,
                                               None)
        self.assertTrue(cold.fresh)
        found, why, _outage = instances_api._ec2_or_error(
            self.request, REGION, self._listed(), early=cold)
        self.assertIs(cold.found, found)
        self.assertEqual(1, len(self.ec2.calls))
        # Warm: what is kept is read once and handed on, no describe.
        self._tick(20)
        with mock.patch.object(instances_api.kept, 'get_read',
                               wraps=instances_api.kept.get_read) as got:
            warm = instances_api._describe_if_cold(self.request, REGION,
                                                   None, None)
            found, why, _outage = instances_api._ec2_or_error(
                self.request, REGION, self._listed(), early=warm)
        self.assertEqual(1, got.call_count)
        self.assertEqual(1, len(self.ec2.calls))
        self.assertEqual({'i-1': 'running'}, self._states(found))
        self.assertIsNone(why)
        # The plain first page (newest) leaves it all to described().
        self.assertEqual(instances_api._Early(),
                         instances_api._describe_if_cold(
                             self.request, REGION, None, 21))


class PrivatePoolTests(test.TestCase):
    """The private pool (a Placement read per compute node) for the
    repatriation candidates: kept, read again behind the page."""

    def setUp(self):
        super().setUp()
        self.now = T0
        self.reads = 0

        def compute_hosts(request):
            self.reads += 1
            return ['hosts read %d' % self.reads]
        factories.clock_and_patches(self, mock.patch.object(
            instances_api.burst_api, 'compute_hosts',
            side_effect=compute_hosts))

    def test_kept_then_read_again_behind_the_page(self):
        self.assertEqual((['hosts read 1'], T0),
                         instances_api.private_pool(self.request))
        self.now = T0 + datetime.timedelta(seconds=29)
        self.assertEqual((['hosts read 1'], T0),
                         instances_api.private_pool(self.request))
        self.assertEqual(1, self.reads)
        self.now = T0 + datetime.timedelta(seconds=30)
        self.assertEqual((['hosts read 1'], T0),
                         instances_api.private_pool(self.request))
        kept.wait_for_background()
        self.assertEqual(2, self.reads)
        self.assertEqual((['hosts read 2'], self.now),
                         instances_api.private_pool(self.request))

    def test_a_cold_first_page_reads_it_behind(self):
        self.assertIsNone(instances_api.private_pool(self.request,
                                                     wait=False))
        kept.wait_for_background()
        self.assertEqual(1, self.reads)
        self.assertEqual((['hosts read 1'], T0),
                         instances_api.private_pool(self.request,
                                                    wait=False))


class DescribeByIdTests(test.TestCase):

    def test_an_id_ec2_no_longer_knows_falls_back_to_the_filter(self):
        from botocore import exceptions as bexc
        paginator = mock.Mock()
        answer = {'Reservations': [{'Instances': [factories.ec2('i-1')]}]}
        paginator.paginate.side_effect = [
            bexc.ClientError({'Error': {
                'Code': 'InvalidInstanceID.NotFound',
                'Message': "The instance ID 'i-0' does not exist"}},
                'DescribeInstances'),
            [answer]]
        client = mock.Mock(**{'get_paginator.return_value': paginator})
        with mock.patch.object(instances_api.ec2_api, 'ec2_client',
                               return_value=client):
            found = instances_api.ec2_describe(
                self.request, REGION, instance_ids=['i-0', 'i-1'])
        self.assertEqual(['i-1'], [i['InstanceId'] for i in found])
        first, second = paginator.paginate.call_args_list
        self.assertEqual(['i-0', 'i-1'], first.kwargs['InstanceIds'])
        self.assertNotIn('InstanceIds', second.kwargs)
        self.assertEqual({'Name': 'instance-id', 'Values': ['i-0', 'i-1']},
                         second.kwargs['Filters'][-1])

    def test_other_errors_are_raised(self):
        from botocore import exceptions as bexc
        paginator = mock.Mock()
        paginator.paginate.side_effect = bexc.ClientError(
            {'Error': {'Code': 'UnauthorizedOperation'}}, 'DescribeInstances')
        client = mock.Mock(**{'get_paginator.return_value': paginator})
        with mock.patch.object(instances_api.ec2_api, 'ec2_client',
                               return_value=client):
            self.assertRaises(bexc.ClientError, instances_api.ec2_describe,
                              self.request, REGION, instance_ids=['i-0'])
