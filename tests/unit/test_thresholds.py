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

"""Admin → Cloud Bursting → Thresholds: the API layer (against mocked Nova
and a fake Placement), the page and its edit form (against a mocked
burst_dashboard.api.burst, and end to end against the fakes), and who may
use them (real policy check)."""
import re
import threading
import types
from unittest import mock
import urllib.parse
import uuid as uuidlib

from django.test.utils import override_settings
from django.urls import reverse
from keystoneauth1 import exceptions as ks_exceptions
from novaclient import exceptions as nova_exceptions
from openstack.compute.v2 import flavor as sdk_flavor

from openstack_dashboard import api
from openstack_dashboard.test import helpers as test

from burst_core import policy
from burst_core import prices
from burst_dashboard.api import burst as burst_api
from tests.unit import factories

INDEX_URL = reverse('horizon:admin:burst_thresholds:index')
UPDATE_URL = reverse('horizon:admin:burst_thresholds:update')
REAL_POLICY = override_settings(
    POLICY_CHECK_FUNCTION='openstack_auth.policy.check')

POLICY_GET = burst_api.policy_get   # the real one, while tests mock it
INDEX_MOCKS = {burst_api: ['policy_get', 'policy_lock', 'preview_data']}
UPDATE_MOCKS = {burst_api: ['policy_get', 'policy_save', 'preview_data']}
# Placement through a fake adapter, Nova through a fake aggregate.
FAKE_MOCKS = {burst_api: ['aggregate_list'],
              api.nova: ['aggregate_set_metadata'],
              api.placement: ['make_adapter'],
              api.base: ['url_for']}
GOOD = {'enabled': 'true', 'enter_vcpu_pct': '75', 'enter_ram_pct': '80',
        'enter_disk_pct': '90', 'exit_pct': '50', 'max_instances': '3',
        'max_vcpus': '', 'max_cost_per_hour': '', 'region': 'us-east-1',
        'private_aggregates': '', 'private_zones': ''}
LOCK = burst_api.PolicyLock('lock-uuid', 5)
FINGERPRINT = '0123456789abcdef' * 4
# A broken policy: each bad key and why it is bad.
BROKEN = {'burst:max_vcpus': '-5e400', 'burst:max_instances': 'inf',
          'burst:max_cost_per_hour': '1e999', 'burst:revision': 'abc',
          'burst:colour': 'red', 'burst:region': '<script>alert(1)</script>',
          'burst:x<b>y': 'z'}


def _meta(**fields):
    values = dict(GOOD, **fields)
    meta = policy.to_metadata(policy.validate(values, 7))
    meta.update({'availability_zone': 'nova',
                 'trait:CUSTOM_BURST_EC2': 'required'})
    return meta


def _broken():
    meta = _meta()
    meta.update(BROKEN)
    return meta


def _host(name, vcpus, used_vcpus):
    return policy.Host(
        name=name,
        capacity={'VCPU': vcpus, 'MEMORY_MB': 65536, 'DISK_GB': 1000},
        used={'VCPU': used_vcpus, 'MEMORY_MB': 0, 'DISK_GB': 0})


def _state(metadata, lock=None):
    """What burst_api.policy_get returns for this metadata (and lock)."""
    agg = factories.aggregate(metadata)
    with mock.patch.object(burst_api, 'aggregate_list', return_value=[agg]):
        state = POLICY_GET(None)
    state.lock = lock
    return state


def _data(flavors=None, caps_usages=None):
    """A small synthetic cloud: two 16-vCPU hosts at 8 vCPUs used each
    (50 %), the EC2 host, and one t3.medium already on EC2."""
    hosts = [_host('compute-1', 16, 8), _host('compute-2', 16, 8),
             _host('ec2-us-east-1', 1024, 2)]
    if caps_usages is None:
        caps_usages = factories.caps_usages(
            1, 2, prices.PriceBook('us-east-1').hourly('t3.medium'))
    if flavors is None:
        flavors = [
            factories.flavor('m1.large', 4, 1024, 10),
            factories.flavor('ec2.small', 1, 2048, 20, placement='public'),
            factories.flavor('db.local', 2, 2048, 20, placement='private')]
    return factories.preview_data(hosts, caps_usages, flavors)


class FakePlacement(object):
    """The part of Placement the policy lock uses, behind the adapter
    interface of openstack_dashboard.api.placement (request(url, method,
    **kwargs) -> (response, body); errors raise keystoneauth's).

    As the real one (openstack-placement 16): a PUT of inventories checks
    and bumps the generation in one step, whatever the inventories (409
    when stale). A PUT of traits checks the generation first (409), then
    changes the set and bumps the generation only when the set changes --
    a concurrent update found then is a 500.

    ``calls`` logs (method, path, body) in order, to ``log`` too when
    given; ``before`` may hook calls: before[(method, path regex)](fake)
    runs first.
    """
    URL = 'http://placement.example.org/placement'

    def __init__(self, log=None):
        self.providers = {}    # uuid -> dict(name, generation, traits)
        self.traits = set()
        self.calls = [] if log is None else log
        self.timeouts = []
        self.before = {}
        self.lock = threading.Lock()

    def provider(self, name):
        return next((p for p in self.providers.values()
                     if p['name'] == name), None)

    def add(self, name, generation=0, traits=()):
        uuid = str(uuidlib.uuid4())
        self.providers[uuid] = {'uuid': uuid, 'name': name,
                                'generation': generation,
                                'traits': set(traits)}
        self.traits |= set(traits)
        return self.providers[uuid]

    @staticmethod
    def _fail(cls, code):
        raise cls(http_status=code, message='fake placement %d' % code)

    def request(self, url, method, **kwargs):
        assert url.startswith(self.URL), url
        path = url[len(self.URL):]
        body = kwargs.get('body')
        self.timeouts.append(kwargs.get('timeout'))
        self.calls.append((method, path, body))
        for (m, pattern), hook in list(self.before.items()):
            if m == method and re.search(pattern, path):
                hook(self)
        if method == 'PUT' and re.match('^/resource_providers/[^/]+/traits$',
                                        path):
            # The handler's check, before (not with) the change.
            rp = self.providers.get(path.split('/')[2])
            if rp and body['resource_provider_generation'] != \
                    rp['generation']:
                self._fail(ks_exceptions.Conflict, 409)
        with self.lock:
            return types.SimpleNamespace(status_code=200), \
                self._answer(method, path, body)

    def _answer(self, method, path, body):
        parts = path.split('?')[0].strip('/').split('/')
        if method == 'GET' and path.startswith('/resource_providers?name='):
            name = urllib.parse.unquote(path.split('=', 1)[1])
            found = self.provider(name)
            return {'resource_providers': [
                {'uuid': found['uuid'], 'name': name,
                 'generation': found['generation']}] if found else []}
        if method == 'POST' and parts == ['resource_providers']:
            if self.provider(body['name']):
                self._fail(ks_exceptions.Conflict, 409)
            self.add(body['name'])
            return None
        if parts[0] == 'traits' and len(parts) == 2:
            name = parts[1]
            if method == 'PUT':
                self.traits.add(name)
                return None
            if method == 'DELETE':
                if name not in self.traits:
                    self._fail(ks_exceptions.NotFound, 404)
                if any(name in p['traits'] for p in self.providers.values()):
                    self._fail(ks_exceptions.Conflict, 409)
                self.traits.discard(name)
                return None
        if parts[0] == 'resource_providers' and len(parts) == 3:
            rp = self.providers.get(parts[1])
            if rp is None:
                self._fail(ks_exceptions.NotFound, 404)
            if method == 'GET' and parts[2] == 'traits':
                return {'traits': sorted(rp['traits']),
                        'resource_provider_generation': rp['generation']}
            if method == 'PUT' and parts[2] == 'inventories':
                if body['resource_provider_generation'] != rp['generation']:
                    self._fail(ks_exceptions.Conflict, 409)
                assert body['inventories'] == {}
                rp['generation'] += 1
                return {'inventories': {},
                        'resource_provider_generation': rp['generation']}
            if method == 'PUT' and parts[2] == 'traits':
                if set(body['traits']) - self.traits:
                    self._fail(ks_exceptions.BadRequest, 400)
                if set(body['traits']) != rp['traits']:
                    if body['resource_provider_generation'] != \
                            rp['generation']:
                        self._fail(ks_exceptions.InternalServerError, 500)
                    rp['traits'] = set(body['traits'])
                    rp['generation'] += 1
                return {'traits': sorted(rp['traits']),
                        'resource_provider_generation': rp['generation']}
        raise AssertionError('unexpected Placement call %s %s'
                             % (method, path))


class FakeNova(object):
    """The burst aggregate's metadata, as Nova merges updates into it
    (None deletes a key)."""

    def __init__(self, metadata, log=None):
        self.metadata = dict(metadata)
        self.log = log
        self.lock = threading.Lock()
        self.writes = []

    def aggregate_list(self, request):
        with self.lock:
            return [factories.aggregate(dict(self.metadata))]

    def set_metadata(self, request, agg_id, update):
        with self.lock:
            assert agg_id == 1
            self.writes.append(dict(update))
            if self.log is not None:
                self.log.append(('NOVA', 'set_metadata', None))
            for key, value in update.items():
                if value is None:
                    self.metadata.pop(key, None)
                else:
                    self.metadata[key] = value


class FakesMixin(object):
    """A fake Placement and a fake Nova behind the real burst_api, for
    tests decorated with FAKE_MOCKS."""

    def _fakes(self, metadata):
        self.log = []
        self.placement = FakePlacement(self.log)
        self.nova = FakeNova(metadata, self.log)
        self.mock_make_adapter.return_value = self.placement
        self.mock_url_for.return_value = FakePlacement.URL + '/'
        self.mock_aggregate_list.side_effect = self.nova.aggregate_list
        self.mock_aggregate_set_metadata.side_effect = self.nova.set_metadata

    def _lock(self):
        return self.placement.provider(burst_api.lock_name())

    def _token(self):
        """What an edit form carries: policy_get(lock=True)."""
        state = burst_api.policy_get(self.request, lock=True)
        return {'revision': state.revision,
                'generation': state.lock.generation,
                'fingerprint': state.fingerprint}

    def _placement_writes(self):
        return [(m, p) for m, p, _b in self.placement.calls if m != 'GET']


class BurstApiPolicyTests(FakesMixin, test.TestCase):

    @test.create_mocks({burst_api: ['aggregate_list']})
    def test_policy_get(self):
        self.mock_aggregate_list.return_value = [
            factories.aggregate({}, name='other', agg_id=2),
            factories.aggregate(_meta())]
        state = burst_api.policy_get(self.request)
        self.assertEqual(1, state.aggregate.id)
        self.assertEqual(7, state.revision)
        self.assertEqual({}, state.errors)
        self.assertEqual(75.0, state.policy.enter_vcpu_pct)
        self.assertTrue(state.policy.enabled)
        self.assertEqual(3, state.policy.max_instances)
        self.assertNotIn('availability_zone', state.metadata)
        self.assertIsNone(state.lock)
        self.assertFalse(state.changed_outside)
        self.mock_aggregate_list.assert_called_once_with(self.request)

    @test.create_mocks({burst_api: ['aggregate_list']})
    def test_policy_get_malformed(self):
        meta = _meta()
        meta.update({'burst:enter_vcpu_pct': 'lots', 'burst:colour': 'red'})
        self.mock_aggregate_list.return_value = [factories.aggregate(meta)]
        state = burst_api.policy_get(self.request)
        self.assertEqual({'burst:enter_vcpu_pct', 'burst:colour'},
                         set(state.errors))
        self.assertEqual(policy.BurstPolicy(revision=7), state.policy)
        self.assertFalse(state.policy.enabled)

    @test.create_mocks({burst_api: ['aggregate_list']})
    def test_policy_get_broken_values_and_revision(self):
        self.mock_aggregate_list.return_value = [
            factories.aggregate(_broken())]
        state = burst_api.policy_get(self.request)
        self.assertEqual(set(BROKEN), set(state.errors))
        self.assertEqual(0, state.revision)
        self.assertEqual(policy.BurstPolicy(), state.policy)

    @test.create_mocks({burst_api: ['aggregate_list']})
    def test_policy_get_missing_aggregate(self):
        self.mock_aggregate_list.return_value = [
            factories.aggregate({}, name='other')]
        with self.assertRaises(burst_api.AggregateNotFound) as ctx:
            burst_api.policy_get(self.request)
        self.assertEqual('Aggregate burst-ec2 not found: bursting is not '
                         'configured', str(ctx.exception))

    @override_settings(BURST_DASHBOARD={'aggregate': 'bursty'})
    @test.create_mocks({burst_api: ['aggregate_list']})
    def test_aggregate_name_from_settings(self):
        self.mock_aggregate_list.return_value = [
            factories.aggregate(_meta()),
            factories.aggregate({}, name='bursty', agg_id=9)]
        self.assertEqual(9, burst_api.policy_get(self.request).aggregate.id)
        self.assertEqual('burst-policy:bursty', burst_api.lock_name())

    def test_aggregate_list_is_one_call(self):
        with mock.patch.object(burst_api._nova, 'novaclient') as client:
            client.return_value.aggregates.list.return_value = ['a']
            self.assertEqual(['a'], burst_api.aggregate_list(self.request))
        client.assert_called_once_with(
            self.request, burst_api.burst_api_pkg.NOVA_MICROVERSION)

    def test_revision_of(self):
        for raw, expected in [('7', 7), ('0', 0), (None, 0), ('abc', 0),
                              ('-1', 0), ('1e3', 0), ('9' * 40, 0),
                              (str(policy.MAX_REVISION), 0)]:
            self.assertEqual(expected, burst_api.revision_of(
                {policy.REVISION_KEY: raw} if raw is not None else {}),
                raw)

    def test_metadata_fingerprint(self):
        meta = _meta()
        fp = burst_api.metadata_fingerprint(meta)
        self.assertRegex(fp, '^[0-9a-f]{64}$')
        # Only burst: keys, in any order.
        self.assertEqual(fp, burst_api.metadata_fingerprint(dict(
            reversed(list(meta.items())), availability_zone='other')))
        # Any burst: key changes it, the revision left alone (the CLI).
        for change in [{'burst:max_instances': '4'}, {'burst:new': ''},
                       {'burst:revision': '8'}]:
            self.assertNotEqual(fp, burst_api.metadata_fingerprint(
                dict(meta, **change)), change)
        self.assertNotEqual(fp, burst_api.metadata_fingerprint(
            {k: v for k, v in meta.items() if k != 'burst:region'}))
        self.assertEqual(burst_api.metadata_fingerprint({}),
                         burst_api.metadata_fingerprint({'x': 'y'}))

    def test_lock_name(self):
        self.assertEqual('burst-policy:burst-ec2', burst_api.lock_name())
        long_name = burst_api.lock_name('a' * 250)
        self.assertLessEqual(len(long_name), 200)
        self.assertTrue(long_name.startswith('burst-policy:'))

    def test_placement_call_has_timeout_and_adapter_microversion(self):
        adapter = mock.Mock()
        adapter.request.return_value = (mock.Mock(), {'x': 1})
        with mock.patch.object(api.placement, 'make_adapter',
                               return_value=adapter), \
                mock.patch.object(api.base, 'url_for',
                                  return_value='http://p/'):
            self.assertEqual({'x': 1}, burst_api._placement(
                self.request, 'PUT', '/traits/X', {'a': 1}))
        adapter.request.assert_called_once_with(
            'http://p/traits/X', 'PUT', timeout=10, body={'a': 1})
        # Horizon's adapter pins a microversion with traits (>= 1.6).
        request = mock.Mock()
        with mock.patch.object(api.base, 'url_for',
                               return_value='http://keystone/v3'):
            version = api.placement.make_adapter(request).api_version
        self.assertRegex(version, r'^placement 1\.\d+$')
        self.assertGreaterEqual(int(version.split('.')[1]), 6)

    @test.create_mocks(FAKE_MOCKS)
    def test_policy_get_with_lock_reads_lock_first(self):
        self._fakes(_meta())
        state = burst_api.policy_get(self.request, lock=True)
        # No lock yet: generation 0, as Placement gives a new provider.
        self.assertEqual(burst_api.PolicyLock(None, 0), state.lock)
        self.assertEqual([('GET', '/resource_providers?name=burst-policy'
                           '%3Aburst-ec2', None)], self.placement.calls)
        self.assertFalse(state.changed_outside)
        rp = self.placement.add('burst-policy:burst-ec2', generation=4,
                                traits=[burst_api.lock_trait('ab' * 32)])
        self.mock_aggregate_list.side_effect = lambda request: (
            self.log.append(('NOVA', 'aggregate_list', None)) or
            self.nova.aggregate_list(request))
        del self.log[:]
        state = burst_api.policy_get(self.request, lock=True)
        self.assertEqual((rp['uuid'], 4, 'ab' * 16),
                         (state.lock.uuid, state.lock.generation,
                          state.lock.saved))
        self.assertEqual(['GET', 'GET', 'NOVA'], [c[0] for c in self.log])
        self.assertTrue(state.changed_outside)
        self.assertEqual([10] * 3, self.placement.timeouts)

    @test.create_mocks(FAKE_MOCKS)
    def test_save_is_a_compare_and_swap(self):
        meta = _meta()
        meta['burst:obsolete'] = 'x'   # a stale key of ours: deleted
        self._fakes(meta)
        token = self._token()
        self.assertEqual({'revision': 7, 'generation': 0,
                          'fingerprint': burst_api.metadata_fingerprint(
                              meta)}, token)
        values = dict(GOOD, enter_vcpu_pct='70', max_cost_per_hour='1.5')
        saved = burst_api.policy_save(self.request, values, **token)
        self.assertEqual(8, saved.revision)
        self.assertEqual(70.0, saved.enter_vcpu_pct)
        # The lock is created, swapped with the form's generation, and
        # only then is the metadata written; then marked with it.
        rp = self._lock()
        trait = burst_api.lock_trait(burst_api.metadata_fingerprint(
            self.nova.metadata))
        self.assertEqual([
            ('POST', '/resource_providers'),
            ('PUT', '/resource_providers/%s/inventories' % rp['uuid']),
            ('NOVA', 'set_metadata'),
            ('PUT', '/traits/%s' % trait),
            ('PUT', '/resource_providers/%s/traits' % rp['uuid'])],
            [c[:2] for c in self.log if c[0] != 'GET'])
        swap = [c for c in self.log if c[1].endswith('/inventories')][0]
        self.assertEqual({'resource_provider_generation': 0,
                          'inventories': {}}, swap[2])
        mark = self.log[-1]
        self.assertEqual({'resource_provider_generation': 1,
                          'traits': [trait]}, mark[2])
        self.assertEqual(2, rp['generation'])
        self.assertEqual({trait}, rp['traits'])
        self.assertTrue(all(t == 10 for t in self.placement.timeouts))
        # Only burst: keys are written; Nova merges.
        (written,) = self.nova.writes
        self.assertEqual('70', written['burst:enter_vcpu_pct'])
        self.assertEqual('1.5', written['burst:max_cost_per_hour'])
        self.assertEqual('', written['burst:max_vcpus'])
        self.assertEqual('8', written['burst:revision'])
        self.assertIsNone(written['burst:obsolete'])
        self.assertTrue(all(k.startswith('burst:') for k in written))
        self.assertEqual('required',
                         self.nova.metadata['trait:CUSTOM_BURST_EC2'])
        self.assertNotIn('burst:obsolete', self.nova.metadata)
        # What Nova then holds parses back to the saved policy, and the
        # lock says the dashboard wrote it.
        self.assertEqual(saved, policy.parse(self.nova.metadata))
        state = burst_api.policy_get(self.request, lock=True)
        self.assertFalse(state.changed_outside)
        self.assertEqual(2, state.lock.generation)

        # The next save from that state swaps generation 2 and replaces
        # (and deletes) the previous mark.
        del self.log[:]
        token = self._token()
        saved = burst_api.policy_save(self.request, GOOD, **token)
        self.assertEqual(9, saved.revision)
        new_trait = burst_api.lock_trait(burst_api.metadata_fingerprint(
            self.nova.metadata))
        self.assertEqual({new_trait}, rp['traits'])
        self.assertEqual(('DELETE', '/traits/%s' % trait),
                         self.log[-1][:2])
        self.assertNotIn(trait, self.placement.traits)
        self.assertEqual(4, rp['generation'])

    @test.create_mocks(FAKE_MOCKS)
    def test_save_refuses_stale_generation(self):
        self._fakes(_meta())
        token = self._token()
        # Another save won (and was not written yet, or was written the
        # same): the lock's generation moved, the metadata did not.
        self.placement.add(burst_api.lock_name(), generation=1)
        with self.assertRaises(burst_api.ConcurrentSave) as ctx:
            burst_api.policy_save(self.request, GOOD, **token)
        self.assertEqual(
            'Someone else saved the thresholds at the same time, from the '
            'same revision 7, and theirs was kept. Nothing was written. '
            'Reload and try again.', str(ctx.exception))
        self.assertIsInstance(ctx.exception, burst_api.StaleRevision)
        self.assertEqual([], self.nova.writes)
        self.assertEqual([], self._placement_writes())

    @test.create_mocks(FAKE_MOCKS)
    def test_save_swap_answered_409(self):
        """The generation moves between the save's read of the lock and its
        PUT: Placement's 409 refuses it, nothing is written."""
        self._fakes(_meta())
        rp = self.placement.add(burst_api.lock_name(), generation=3)
        token = self._token()

        def other_save_wins(fake):
            rp['generation'] += 1
        self.placement.before[('PUT', '/inventories$')] = other_save_wins
        with self.assertRaises(burst_api.ConcurrentSave):
            burst_api.policy_save(self.request, GOOD, **token)
        self.assertEqual([], self.nova.writes)
        (swap,) = self._placement_writes()
        self.assertEqual(('PUT', '/resource_providers/%s/inventories'
                          % rp['uuid']), swap)
        self.assertEqual(set(), rp['traits'])

    @test.create_mocks(FAKE_MOCKS)
    def test_save_refuses_change_made_with_the_cli(self):
        self._fakes(_meta())
        token = self._token()
        # openstack aggregate set --property burst:max_instances=9: no new
        # revision, no Placement.
        self.nova.metadata['burst:max_instances'] = '9'
        with self.assertRaises(burst_api.ChangedOutside) as ctx:
            burst_api.policy_save(self.request, GOOD, **token)
        self.assertEqual(
            'The burst policy was changed outside this form since you '
            'opened it (a burst: key of aggregate burst-ec2 was set '
            'directly, e.g. with the CLI, revision 7 unchanged). Nothing '
            'was written. Reload to see it and try again.',
            str(ctx.exception))
        self.assertEqual([], self.nova.writes)
        self.assertEqual('9', self.nova.metadata['burst:max_instances'])
        self.assertNotIn('/inventories',
                         ' '.join(p for _m, p in self._placement_writes()))

    @test.create_mocks(FAKE_MOCKS)
    def test_save_refuses_cli_change_landing_during_the_swap(self):
        self._fakes(_meta())
        token = self._token()
        calls = {'n': 0}
        read = self.nova.aggregate_list

        def racing_read(request):
            # The CLI writes between the save's first read and the read it
            # makes after the compare-and-swap.
            calls['n'] += 1
            if calls['n'] == 2:
                self.nova.metadata['burst:max_vcpus'] = '3'
            return read(request)
        self.mock_aggregate_list.side_effect = racing_read
        with self.assertRaises(burst_api.ChangedOutside):
            burst_api.policy_save(self.request, GOOD, **token)
        self.assertEqual([], self.nova.writes)
        self.assertEqual('3', self.nova.metadata['burst:max_vcpus'])

    @test.create_mocks(FAKE_MOCKS)
    def test_save_refuses_new_revision(self):
        self._fakes(_meta())
        token = self._token()
        self.nova.metadata['burst:revision'] = '8'
        with self.assertRaises(burst_api.StaleRevision) as ctx:
            burst_api.policy_save(self.request, GOOD, **token)
        self.assertIs(burst_api.StaleRevision, type(ctx.exception))
        self.assertEqual(
            'The thresholds were changed by someone else since you opened '
            'this form (revision 7, now 8). Reload and try again.',
            str(ctx.exception))
        self.assertEqual([], self.nova.writes)

    def _race(self, k):
        """k saves from one form state, all past their checks before any
        swaps: exactly one wins."""
        self._fakes(_meta())
        self.placement.add(burst_api.lock_name(), generation=6)
        token = self._token()
        barrier = threading.Barrier(k, timeout=10)
        self.placement.before[('PUT', '/inventories$')] = \
            lambda fake: barrier.wait()
        results = [None] * k

        def save(i):
            values = dict(GOOD, max_instances=str(10 + i))
            try:
                results[i] = burst_api.policy_save(self.request, values,
                                                   **token)
            except Exception as e:
                results[i] = e
        threads = [threading.Thread(target=save, args=(i,))
                   for i in range(k)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        won = [r for r in results if isinstance(r, policy.BurstPolicy)]
        lost = [r for r in results if isinstance(r, burst_api.ConcurrentSave)]
        self.assertEqual((1, k - 1), (len(won), len(lost)), results)
        (written,) = self.nova.writes
        self.assertEqual(str(won[0].max_instances),
                         written['burst:max_instances'])
        self.assertEqual(won[0], policy.parse(self.nova.metadata))
        self.assertEqual(8, won[0].revision)

    @test.create_mocks(FAKE_MOCKS)
    def test_two_concurrent_saves_one_wins(self):
        self._race(2)

    @test.create_mocks(FAKE_MOCKS)
    def test_four_concurrent_saves_one_wins(self):
        self._race(4)

    @test.create_mocks(FAKE_MOCKS)
    def test_concurrent_saves_of_the_same_values_one_wins(self):
        """Identical saves: a trait set would not change, the inventory
        swap still orders them."""
        self._fakes(_meta())
        token = self._token()
        barrier = threading.Barrier(3, timeout=10)
        self.placement.before[('PUT', '/inventories$')] = \
            lambda fake: barrier.wait()
        results = []

        def save():
            try:
                results.append(burst_api.policy_save(self.request, GOOD,
                                                     **token))
            except burst_api.ConcurrentSave as e:
                results.append(e)
        threads = [threading.Thread(target=save) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        self.assertEqual(1, sum(isinstance(r, policy.BurstPolicy)
                                for r in results), results)
        self.assertEqual(1, len(self.nova.writes))

    @test.create_mocks(FAKE_MOCKS)
    def test_lock_created_by_someone_else_meanwhile(self):
        self._fakes(_meta())
        token = self._token()

        def created_meanwhile(fake):
            if not fake.provider(burst_api.lock_name()):
                fake.add(burst_api.lock_name())
        self.placement.before[('POST', '^/resource_providers$')] = \
            created_meanwhile
        saved = burst_api.policy_save(self.request, GOOD, **token)
        self.assertEqual(8, saved.revision)
        self.assertEqual(1, len(self.placement.providers))
        self.assertEqual(1, len(self.nova.writes))

    @test.create_mocks(FAKE_MOCKS)
    def test_mark_failure_still_saved(self):
        self._fakes(_meta())
        token = self._token()

        def placement_down(fake):
            raise ks_exceptions.ConnectFailure('down')
        self.placement.before[('PUT', '^/traits/')] = placement_down
        saved = burst_api.policy_save(self.request, GOOD, **token)
        self.assertEqual(8, saved.revision)
        self.assertEqual(1, len(self.nova.writes))
        self.assertEqual(1, self._lock()['generation'])

    @test.create_mocks(FAKE_MOCKS)
    def test_nova_failure_after_swap_writes_nothing(self):
        self._fakes(_meta())
        token = self._token()
        self.mock_aggregate_set_metadata.side_effect = \
            nova_exceptions.ClientException(500, 'nova is down')
        with self.assertRaises(nova_exceptions.ClientException):
            burst_api.policy_save(self.request, GOOD, **token)
        self.assertEqual(_meta(), self.nova.metadata)
        # Forms read before are refused from now on; the metadata still
        # matches the lock's mark.
        self.assertEqual(1, self._lock()['generation'])
        with self.assertRaises(burst_api.ConcurrentSave):
            burst_api.policy_save(self.request, GOOD, **token)

    @test.create_mocks(FAKE_MOCKS)
    def test_save_refuses_bad_input(self):
        self._fakes(_meta())
        values = dict(GOOD, exit_pct='90', enter_ram_pct='abc')
        with self.assertRaises(policy.PolicyError) as ctx:
            burst_api.policy_save(self.request, values, 7, generation=0,
                                  fingerprint='0' * 64)
        self.assertEqual({'enter_ram_pct', 'exit_pct'},
                         set(ctx.exception.errors))
        with self.assertRaises(policy.PolicyError):
            burst_api.policy_save(self.request, GOOD, 'seven')
        self.mock_aggregate_list.assert_not_called()
        self.mock_aggregate_set_metadata.assert_not_called()
        self.assertEqual([], self.placement.calls)

    @test.create_mocks(FAKE_MOCKS)
    def test_save_over_broken_policy(self):
        self._fakes(_broken())
        token = self._token()
        self.assertEqual(0, token['revision'])   # 'abc' counts as 0
        saved = burst_api.policy_save(self.request, GOOD, **token)
        self.assertEqual(1, saved.revision)
        (written,) = self.nova.writes
        self.assertEqual('1', written['burst:revision'])
        self.assertEqual('', written['burst:max_vcpus'])
        self.assertEqual('3', written['burst:max_instances'])
        self.assertIsNone(written['burst:colour'])
        self.assertIsNone(written['burst:x<b>y'])
        self.assertEqual(saved, policy.parse(self.nova.metadata))
        state = burst_api.policy_get(self.request, lock=True)
        self.assertEqual({}, state.errors)
        self.assertFalse(state.changed_outside)

    @test.create_mocks(FAKE_MOCKS)
    def test_save_without_form_state(self):
        """policy_save(request, values, revision): scripts; the revision
        is checked against Nova's, the swap uses the generation read."""
        self._fakes(_meta())
        saved = burst_api.policy_save(self.request, GOOD, 7)
        self.assertEqual(8, saved.revision)
        self.assertEqual(1, len(self.nova.writes))
        with self.assertRaises(burst_api.StaleRevision) as ctx:
            burst_api.policy_save(self.request, GOOD, 7)
        self.assertEqual(
            'The thresholds were changed by someone else since you opened '
            'this form (revision 7, now 8). Reload and try again.',
            str(ctx.exception))
        self.assertEqual(1, len(self.nova.writes))
        with self.assertRaises(TypeError):
            burst_api.policy_save(self.request, GOOD, 8, generation=2)


class BurstApiPoolTests(test.TestCase):

    @test.create_mocks({api.placement: ['resource_providers',
                                        'resource_provider_inventories',
                                        'resource_provider_usages'],
                        api.nova: ['hypervisor_list']})
    def test_compute_hosts_reads_providers_in_parallel(self):
        self.mock_resource_providers.return_value = [
            {'uuid': 'u1', 'name': 'node1.example.org',
             'parent_provider_uuid': None},
            {'uuid': 'u2', 'name': 'ec2-us-east-1',
             'parent_provider_uuid': None},
            {'uuid': 'u3', 'name': 'node1_pci_0',
             'parent_provider_uuid': 'u1'},
            {'uuid': 'u4', 'name': 'shared-storage',
             'parent_provider_uuid': None}]
        self.mock_hypervisor_list.return_value = [
            types.SimpleNamespace(id='u1', name='node1.example.org',
                                  service_details={'host': 'compute-1'}),
            types.SimpleNamespace(id='u2', name='ec2-us-east-1',
                                  service_details={'host': 'ec2-us-east-1'})]
        # Four reads (2 providers x inventories, usages) that all wait for
        # each other: done one by one, they would time out.
        barrier = threading.Barrier(4, timeout=10)
        inventories = {
            'u1': {'VCPU': {'total': 16, 'reserved': 0,
                            'allocation_ratio': 4.0, 'max_unit': 16},
                   'MEMORY_MB': {'total': 32768, 'reserved': 512,
                                 'allocation_ratio': 1.0},
                   'DISK_GB': {'total': 500, 'reserved': 0,
                               'allocation_ratio': 1.0}},
            'u2': {'VCPU': {'total': 64, 'reserved': 0,
                            'allocation_ratio': 1.0}}}
        usages = {'u1': {'VCPU': 6, 'MEMORY_MB': 2048, 'DISK_GB': 40},
                  'u2': {'VCPU': 2}}

        def reader(table):
            def read(request, uuid):
                barrier.wait()
                return table[uuid]
            return read
        self.mock_resource_provider_inventories.side_effect = reader(
            inventories)
        self.mock_resource_provider_usages.side_effect = reader(usages)

        hosts = burst_api.compute_hosts(self.request)

        self.assertEqual(['compute-1', 'ec2-us-east-1'],
                         [h.name for h in hosts])
        self.assertEqual({'VCPU': 64.0, 'MEMORY_MB': 32256.0,
                          'DISK_GB': 500.0}, hosts[0].capacity)
        self.assertEqual(6, hosts[0].used['VCPU'])
        self.assertEqual(4, self.mock_resource_provider_inventories.call_count
                         + self.mock_resource_provider_usages.call_count)

    @test.create_mocks({api.nova: ['flavor_list', 'availability_zone_list'],
                        burst_api: ['compute_hosts', 'caps_usages']})
    def test_preview_data(self):
        self.mock_compute_hosts.return_value = _data().hosts
        self.mock_availability_zone_list.return_value = [
            types.SimpleNamespace(name='nova', hosts={'compute-1': {}}),
            types.SimpleNamespace(name='internal', hosts=None)]
        large = factories.flavor('m1.large', 4, 8192, 80)
        self.mock_flavor_list.return_value = [large]
        self.mock_caps_usages.return_value = factories.caps_usages(2, 6, 0.5)
        state = _state(_meta())
        state.aggregates.append(factories.aggregate(
            {}, name='rack-a', agg_id=3, hosts=['compute-1']))

        data = burst_api.preview_data(self.request, state)

        self.mock_flavor_list.assert_called_once_with(
            self.request, is_public=None, get_extras=True)
        self.mock_caps_usages.assert_called_once_with(self.request)
        self.assertEqual({'ec2-us-east-1'}, data.burst_hosts)
        self.assertEqual({'compute-1'}, data.aggregates['rack-a'])
        self.assertEqual({'compute-1': 'nova'}, data.zones)
        self.assertEqual([large], data.flavors)
        public = data.public_pool(policy.BurstPolicy())
        self.assertEqual((2, 6), (public.instances, public.vcpus))
        self.assertAlmostEqual(0.5, public.cost_per_hour)

    def test_private_pool_leaves_out_burst_hosts_and_narrows(self):
        data = _data()
        pool = data.private_pool(policy.BurstPolicy())
        self.assertEqual(['compute-1', 'compute-2'],
                         [h.name for h in pool.hosts])
        self.assertEqual(50.0, pool.utilisation('VCPU'))
        narrowed = data.private_pool(policy.BurstPolicy(
            private_aggregates=('rack-a',)))
        self.assertEqual(['compute-1'], [h.name for h in narrowed.hosts])
        zoned = data.private_pool(policy.BurstPolicy(
            private_zones=('az2',)))
        self.assertEqual(['compute-2'], [h.name for h in zoned.hosts])

    def test_preview_numbers(self):
        # 32 vCPUs, 16 used; enter at 75 % = 24: two more 4-vCPU instances
        # stay local; EC2 already has one, the cap is 3: two more go there.
        burst = policy.validate(GOOD, 7)
        rows = {r.flavor.name: r for r in burst_api.preview(_data(), burst)}
        self.assertEqual({'m1.large', 'ec2.small'}, set(rows))
        large = rows['m1.large']
        self.assertEqual((2, 2), (large.local, large.ec2))
        self.assertEqual('auto', large.placement)
        self.assertEqual('private vCPU would reach 87.5% > 75%; '
                         'EC2 instance cap reached (3 of 3)', large.stop)
        self.assertEqual(prices.estimate('us-east-1', 4, 1024, {}),
                         (large.instance_type, large.hourly_price))
        small = rows['ec2.small']
        self.assertEqual((0, 2), (small.local, small.ec2))
        self.assertEqual('public', small.placement)
        # The data is not changed by a preview.
        self.assertEqual(8, _data().hosts[0].used['VCPU'])

    def test_preview_lower_threshold_and_disabled(self):
        data = _data()
        lower = policy.validate(dict(GOOD, enter_vcpu_pct='60'), 7)
        large = burst_api.preview(data, lower)[-1]
        self.assertEqual('m1.large', large.flavor.name)
        self.assertEqual((0, 2), (large.local, large.ec2))
        large = burst_api.preview(data, policy.DISABLED)[-1]
        self.assertEqual(4, large.local)
        self.assertEqual(0, large.ec2)
        self.assertIn('bursting is disabled', large.stop)

    def test_flavor_request_counts_ephemeral_and_swap(self):
        flavor = sdk_flavor.Flavor(
            id='f', name='f', vcpus=2, ram=4096, disk=20, ephemeral=10,
            swap=512, extra_specs={policy.PLACEMENT_SPEC: 'Public',
                                   prices.INSTANCE_TYPE_SPEC: 'm5.large'})
        req = burst_api.flavor_request(flavor, 'us-east-1')
        self.assertEqual((2, 4096, 31), (req.vcpus, req.memory_mb,
                                         req.disk_gb))
        self.assertEqual('public', req.placement)
        self.assertEqual('m5.large', req.instance_type)
        self.assertEqual(prices.PriceBook('us-east-1').hourly('m5.large'),
                         req.hourly_price)

    def test_preview_bad_flavor_placement(self):
        data = _data(flavors=[factories.flavor('odd', 1, 512, 1,
                                               placement='moon')])
        row = burst_api.preview(data, policy.validate(GOOD))[0]
        self.assertEqual((0, 0), (row.local, row.ec2))
        self.assertIn('burst:placement must be one of', row.stop)


class IndexViewTests(test.BaseAdminViewTests):

    @test.create_mocks(INDEX_MOCKS)
    def test_index_shows_policy_revision_and_preview(self):
        self.mock_policy_get.return_value = _state(_meta())
        self.mock_policy_lock.return_value = LOCK
        self.mock_preview_data.return_value = _data()
        res = self.client.get(INDEX_URL)
        self.assertTemplateUsed(res, 'burst_dashboard/thresholds/index.html')
        self.assertContains(res, 'burst-ec2')
        self.assertContains(res, '<strong class="burst-revision">7</strong>',
                            html=True)
        self.assertContains(res, 'os_compute_api:os-aggregates:set_metadata')
        self.assertContains(res, prices.table_date())
        self.assertContains(res, '75 %')
        self.assertContains(res, 'burst:enter_vcpu_pct')
        self.assertContains(res, 'Edit Thresholds')
        self.assertContains(res, UPDATE_URL)
        self.assertContains(
            res, 'With the current policy the next 2 instances of m1.large '
                 'stay local, then EC2 takes 2 (caps allow 2 more); stops '
                 'because: private vCPU would reach 87.5% &gt; 75%; EC2 '
                 'instance cap reached (3 of 3)')
        self.assertNotContains(res, 'db.local')
        self.assertContains(res, 'vCPU 50.0 % used')
        self.assertMessageCount(res, error=0)
        self.mock_preview_data.assert_called_once_with(
            test.IsHttpRequest(), self.mock_policy_get.return_value)

    @test.create_mocks(INDEX_MOCKS)
    def test_index_malformed_metadata(self):
        meta = _meta()
        meta.update({'burst:exit_pct': 'half', 'burst:colour': 'red'})
        self.mock_policy_get.return_value = _state(meta)
        self.mock_policy_lock.return_value = LOCK
        self.mock_preview_data.return_value = _data()
        res = self.client.get(INDEX_URL)
        self.assertContains(res, 'is malformed, so the scheduler treats '
                                 'bursting as disabled')
        self.assertContains(res, '<code>burst:colour</code>: unknown key',
                            html=True)
        self.assertContains(res, '<code>burst:exit_pct</code>: must be a '
                                 'number', html=True)
        self.assertContains(res, 'half')
        self.assertContains(res, 'Edit Thresholds')
        self.assertContains(res, UPDATE_URL)

    @test.create_mocks(INDEX_MOCKS)
    def test_index_broken_policy_each_key_escaped(self):
        state = _state(_broken())
        self.mock_policy_get.return_value = state
        self.mock_policy_lock.return_value = LOCK
        self.mock_preview_data.return_value = _data()
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'is malformed')
        for key, message in state.errors.items():
            self.assertContains(res, '<li><code>%s</code>: %s</li>' % (
                key.replace('<', '&lt;').replace('>', '&gt;'), message),
                html=True)
        self.assertContains(res, 'burst:revision</code>: must be a whole '
                                 'number')
        self.assertContains(res, 'burst:x&lt;b&gt;y')
        self.assertContains(res, '&lt;script&gt;alert(1)&lt;/script&gt;')
        self.assertNotContains(res, '<script>alert')
        self.assertNotContains(res, 'x<b>y')
        self.assertContains(res, '<strong class="burst-revision">0</strong>',
                            html=True)
        self.assertContains(res, UPDATE_URL)
        self.assertMessageCount(res, error=0)

    @test.create_mocks(INDEX_MOCKS)
    def test_index_policy_changed_outside_the_dashboard(self):
        state = _state(_meta())
        self.mock_policy_get.return_value = state
        self.mock_preview_data.return_value = _data()
        self.mock_policy_lock.return_value = burst_api.PolicyLock(
            'u', 3, state.fingerprint[:32])
        res = self.client.get(INDEX_URL)
        self.assertNotContains(res, 'burst-changed-outside')
        self.mock_policy_lock.return_value = burst_api.PolicyLock(
            'u', 3, 'f' * 32)
        res = self.client.get(INDEX_URL)
        self.assertContains(res, 'was changed outside the dashboard since '
                                 'its last save here')
        # Never saved from here, or Placement not answering: no claim.
        self.mock_policy_lock.return_value = burst_api.PolicyLock(None, 0)
        res = self.client.get(INDEX_URL)
        self.assertNotContains(res, 'burst-changed-outside')
        self.mock_policy_lock.side_effect = ks_exceptions.ConnectFailure(
            'placement is down')
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertNotContains(res, 'burst-changed-outside')
        self.assertContains(res, 'burst:enter_vcpu_pct')
        self.assertMessageCount(res, error=0)

    @test.create_mocks(INDEX_MOCKS)
    def test_index_without_policy(self):
        self.mock_policy_get.return_value = _state(
            {'trait:CUSTOM_BURST_EC2': 'required'})
        self.mock_policy_lock.return_value = burst_api.PolicyLock(None, 0)
        self.mock_preview_data.return_value = _data()
        res = self.client.get(INDEX_URL)
        self.assertContains(res, 'has no burst policy yet')
        self.assertContains(res, '<strong class="burst-revision">0</strong>',
                            html=True)
        self.assertContains(
            res, 'the next 4 instances of m1.large stay local, then EC2 '
                 'takes 0 (caps allow 0 more); stops because: no local host '
                 'can take it and bursting is disabled')

    @test.create_mocks(INDEX_MOCKS)
    def test_index_missing_aggregate(self):
        self.mock_policy_get.side_effect = burst_api.AggregateNotFound(
            'burst-ec2')
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'Aggregate burst-ec2 not found: bursting '
                                 'is not configured')
        self.assertNotContains(res, UPDATE_URL)
        self.mock_preview_data.assert_not_called()

    @test.create_mocks(INDEX_MOCKS)
    def test_index_nova_error(self):
        self.mock_policy_get.side_effect = nova_exceptions.ClientException(
            500, 'nova is down')
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertNotContains(res, UPDATE_URL)

    @test.create_mocks(INDEX_MOCKS)
    def test_index_placement_error_keeps_policy(self):
        self.mock_policy_get.return_value = _state(_meta())
        self.mock_policy_lock.return_value = LOCK
        self.mock_preview_data.side_effect = self.exceptions.nova
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertContains(res, 'burst:enter_vcpu_pct')
        self.assertContains(res, UPDATE_URL)


class UpdateViewTests(test.BaseAdminViewTests):

    def _post(self, **fields):
        data = dict(GOOD, revision='7', generation='5',
                    fingerprint=FINGERPRINT)
        data.update(fields)
        if data['enabled'] != 'true':
            data.pop('enabled')
        return self.client.post(UPDATE_URL, {k: v for k, v in data.items()
                                             if v is not None})

    def _hidden(self, res, name):
        match = re.search(r'<input type="hidden" name="%s" value="([^"]*)"'
                          % name, res.content.decode())
        return match and match.group(1)

    @test.create_mocks(UPDATE_MOCKS)
    def test_get_shows_current_values(self):
        state = _state(_meta(), LOCK)
        self.mock_policy_get.return_value = state
        res = self.client.get(UPDATE_URL)
        self.assertTemplateUsed(res, 'burst_dashboard/thresholds/update.html')
        self.mock_policy_get.assert_called_once_with(test.IsHttpRequest(),
                                                     lock=True)
        form = res.context['form']
        self.assertEqual('75', form.initial['enter_vcpu_pct'])
        self.assertEqual(7, form.initial['revision'])
        self.assertIs(True, form.initial['enabled'])
        self.assertContains(res, 'Preview')
        # What the save is based on travels in hidden fields.
        self.assertEqual('7', self._hidden(res, 'revision'))
        self.assertEqual('5', self._hidden(res, 'generation'))
        self.assertEqual(state.fingerprint, self._hidden(res, 'fingerprint'))

    @test.create_mocks(UPDATE_MOCKS)
    def test_get_malformed_starts_from_the_good_keys(self):
        meta = _meta()
        meta['burst:enter_vcpu_pct'] = 'lots'
        self.mock_policy_get.return_value = _state(meta, LOCK)
        res = self.client.get(UPDATE_URL)
        form = res.context['form']
        self.assertEqual('80', form.initial['enter_vcpu_pct'])   # default
        self.assertEqual('90', form.initial['enter_disk_pct'])   # kept
        self.assertEqual('3', form.initial['max_instances'])     # kept
        self.assertIs(True, form.initial['enabled'])
        self.assertEqual(7, form.initial['revision'])
        self.assertContains(res, 'is malformed')

    @test.create_mocks(UPDATE_MOCKS)
    def test_get_broken_policy(self):
        state = _state(_broken(), LOCK)
        self.mock_policy_get.return_value = state
        res = self.client.get(UPDATE_URL)
        self.assertEqual(200, res.status_code)
        for key, message in state.errors.items():
            self.assertContains(res, '<li><code>%s</code>: %s</li>' % (
                key.replace('<', '&lt;').replace('>', '&gt;'), message),
                html=True)
        self.assertNotContains(res, '<script>alert')
        self.assertNotContains(res, 'x<b>y')
        form = res.context['form']
        # The bad keys take their defaults, the good ones are kept.
        self.assertEqual('', form.initial['max_vcpus'])
        self.assertEqual('', form.initial['max_instances'])
        self.assertEqual('', form.initial['max_cost_per_hour'])
        self.assertEqual('us-east-1', form.initial['region'])
        self.assertEqual('75', form.initial['enter_vcpu_pct'])
        self.assertEqual('50', form.initial['exit_pct'])
        self.assertIs(True, form.initial['enabled'])
        # A bad revision counts as 0 and does not block the form.
        self.assertEqual('0', self._hidden(res, 'revision'))
        self.assertEqual(state.fingerprint, self._hidden(res, 'fingerprint'))

    def test_starting_policy_drops_what_fails_against_defaults(self):
        from burst_dashboard.dashboards.admin.burst_thresholds import forms
        meta = _meta(exit_pct='85', enter_vcpu_pct='90', enter_ram_pct='90',
                     enter_disk_pct='90')
        meta['burst:enter_ram_pct'] = 'lots'   # default 80 < exit 85
        start = forms.starting_policy(_state(meta))
        self.assertEqual((90.0, 80.0, 90.0, 60.0),
                         (start.enter_vcpu_pct, start.enter_ram_pct,
                          start.enter_disk_pct, start.exit_pct))
        self.assertEqual(7, start.revision)
        good = _state(_meta())
        self.assertIs(good.policy, forms.starting_policy(good))

    @test.create_mocks(UPDATE_MOCKS)
    def test_get_missing_aggregate_redirects(self):
        self.mock_policy_get.side_effect = burst_api.AggregateNotFound(
            'burst-ec2')
        res = self.client.get(UPDATE_URL)
        self.assertRedirectsNoFollow(res, INDEX_URL)

    @test.create_mocks(UPDATE_MOCKS)
    def test_bad_input_field_errors_and_no_save(self):
        self.mock_policy_get.return_value = _state(_meta())
        res = self._post(enter_vcpu_pct='abc', enter_disk_pct='101',
                         max_instances='-1', region='us east')
        errors = res.context['form'].errors
        self.assertEqual(['must be a number'], errors['enter_vcpu_pct'])
        self.assertEqual(['must be a percentage from 0 to 100'],
                         errors['enter_disk_pct'])
        self.assertIn('whole number', errors['max_instances'][0])
        self.assertIn('AWS region', errors['region'][0])
        self.mock_policy_save.assert_not_called()

    @test.create_mocks(UPDATE_MOCKS)
    def test_exit_not_below_enter(self):
        self.mock_policy_get.return_value = _state(_meta())
        res = self._post(exit_pct='90', enter_vcpu_pct='80')
        self.assertEqual(['exit_pct'], list(res.context['form'].errors))
        self.assertIn('must be below every enter threshold',
                      res.context['form'].errors['exit_pct'][0])
        self.mock_policy_save.assert_not_called()

    @test.create_mocks(UPDATE_MOCKS)
    def test_good_input_saved(self):
        self.mock_policy_save.return_value = policy.validate(GOOD, 8)
        res = self._post(max_cost_per_hour=' 2.5 ')
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_policy_save.assert_called_once_with(
            test.IsHttpRequest(), dict(GOOD, enabled=True,
                                       max_cost_per_hour='2.5'), 7,
            generation=5, fingerprint=FINGERPRINT)
        self.assertMessageCount(success=1)
        self.mock_policy_get.assert_not_called()

    @test.create_mocks(UPDATE_MOCKS)
    def test_form_state_missing_or_bad(self):
        self.mock_policy_get.return_value = _state(_meta())
        for bad in [{'generation': None}, {'fingerprint': None},
                    {'revision': None}, {'generation': '-1'},
                    {'fingerprint': 'x' * 64},
                    {'fingerprint': FINGERPRINT.upper()}]:
            res = self._post(**bad)
            self.assertEqual(200, res.status_code, bad)
            self.assertIn('This form lost track of the policy it was opened '
                          'from. Reload it and try again.',
                          res.context['form'].non_field_errors(), bad)
        self.mock_policy_save.assert_not_called()

    @test.create_mocks(UPDATE_MOCKS)
    def test_disabled_saved(self):
        self.mock_policy_save.return_value = policy.validate(GOOD, 8)
        self._post(enabled='')
        values = self.mock_policy_save.call_args[0][1]
        self.assertIs(False, values['enabled'])

    @test.create_mocks(UPDATE_MOCKS)
    def test_stale_revision_refused(self):
        self.mock_policy_get.return_value = _state(_meta())
        self.mock_policy_save.side_effect = burst_api.StaleRevision(7, 8)
        res = self._post()
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'The thresholds were changed by someone '
                                 'else since you opened this form '
                                 '(revision 7, now 8). Reload and try '
                                 'again.')

    @test.create_mocks(UPDATE_MOCKS)
    def test_changed_outside_and_concurrent_save_refused(self):
        self.mock_policy_get.return_value = _state(_meta())
        for error, text in [
                (burst_api.ChangedOutside(7),
                 'The burst policy was changed outside this form since you '
                 'opened it'),
                (burst_api.ConcurrentSave(7),
                 'Someone else saved the thresholds at the same time')]:
            self.mock_policy_save.side_effect = error
            res = self._post()
            self.assertEqual(200, res.status_code)
            self.assertContains(res, text)
            self.assertMessageCount(res, success=0)

    @test.create_mocks(UPDATE_MOCKS)
    def test_save_nova_error_is_a_message(self):
        self.mock_policy_get.return_value = _state(_meta())
        self.mock_policy_save.side_effect = self.exceptions.nova
        res = self._post()
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertEqual([], res.context['form'].errors.get('__all__', []))

    @test.create_mocks(UPDATE_MOCKS)
    def test_preview_without_saving(self):
        self.mock_policy_get.return_value = _state(_meta())
        self.mock_preview_data.return_value = _data()
        res = self._post(enter_vcpu_pct='60', preview='1')
        self.assertEqual(200, res.status_code)
        self.mock_policy_save.assert_not_called()
        self.assertContains(
            res, 'With these values the next 0 instances of m1.large stay '
                 'local, then EC2 takes 2')
        self.assertContains(
            res, 'With the current policy the next 2 instances of m1.large '
                 'stay local, then EC2 takes 2')
        # The typed values stay in the form.
        self.assertEqual('60', res.context['form'].data['enter_vcpu_pct'])

    @test.create_mocks(UPDATE_MOCKS)
    def test_preview_of_bad_input_shows_errors_only(self):
        self.mock_policy_get.return_value = _state(_meta())
        res = self._post(exit_pct='95', preview='1')
        self.assertIn('exit_pct', res.context['form'].errors)
        self.mock_preview_data.assert_not_called()
        self.mock_policy_save.assert_not_called()


class UpdateEndToEndTests(FakesMixin, test.BaseAdminViewTests):
    """The edit form through the real burst_api, against the fakes."""

    def _open(self):
        res = self.client.get(UPDATE_URL)
        self.assertEqual(200, res.status_code)
        return {name: re.search(
            r'<input type="hidden" name="%s" value="([^"]*)"' % name,
            res.content.decode()).group(1)
            for name in ('revision', 'generation', 'fingerprint')}, res

    @test.create_mocks(FAKE_MOCKS)
    def test_good_policy_saved_over_a_broken_one(self):
        self._fakes(_broken())
        hidden, res = self._open()
        self.assertContains(res, 'is malformed')
        self.assertEqual({'revision': '0', 'generation': '0',
                          'fingerprint': burst_api.metadata_fingerprint(
                              _broken())}, hidden)
        res = self.client.post(UPDATE_URL, dict(GOOD, **hidden))
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessageCount(success=1)
        saved = policy.parse(self.nova.metadata)
        self.assertEqual(policy.validate(GOOD, 1), saved)
        self.assertFalse([k for k in self.nova.metadata
                          if k in ('burst:colour', 'burst:x<b>y')])
        self.assertEqual('required',
                         self.nova.metadata['trait:CUSTOM_BURST_EC2'])
        # The same form again: refused, nothing more written.
        res = self.client.post(UPDATE_URL, dict(GOOD, max_instances='4',
                                                **hidden))
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'changed by someone else since you opened '
                                 'this form (revision 0, now 1)')
        self.assertEqual(1, len(self.nova.writes))
        # Reopened, it starts from what was saved, and saves.
        hidden, res = self._open()
        self.assertNotContains(res, 'is malformed')
        self.assertNotContains(res, 'burst-changed-outside')
        self.assertEqual({'revision': '1', 'generation': '2'},
                         {k: hidden[k] for k in ('revision', 'generation')})
        res = self.client.post(UPDATE_URL, dict(GOOD, max_instances='4',
                                                **hidden))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual('4', self.nova.metadata['burst:max_instances'])
        self.assertEqual('2', self.nova.metadata['burst:revision'])

    @test.create_mocks(FAKE_MOCKS)
    def test_change_made_with_the_cli_is_kept(self):
        self._fakes(_meta())
        hidden, _res = self._open()
        self.nova.metadata['burst:enter_ram_pct'] = '95'
        res = self.client.post(UPDATE_URL, dict(GOOD, **hidden))
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'The burst policy was changed outside this '
                                 'form since you opened it')
        self.assertEqual([], self.nova.writes)
        self.assertEqual('95', self.nova.metadata['burst:enter_ram_pct'])
        # Opened again, it shows it (the lock knows no dashboard save yet).
        _hidden, res = self._open()
        self.assertEqual('95', res.context['form'].initial['enter_ram_pct'])


@REAL_POLICY
class AccessTests(test.BaseAdminViewTests):

    @test.create_mocks(INDEX_MOCKS)
    def test_admin_allowed(self):
        self.mock_policy_get.return_value = _state(_meta(), LOCK)
        self.mock_policy_lock.return_value = LOCK
        self.mock_preview_data.return_value = _data()
        self.assertEqual(200, self.client.get(INDEX_URL).status_code)
        self.assertEqual(200, self.client.get(UPDATE_URL).status_code)


@REAL_POLICY
class MemberAccessTests(test.TestCase):
    """The default test user is a plain member of its project."""

    @test.create_mocks({burst_api: ['policy_get', 'policy_save']})
    def test_member_refused(self):
        self.assertEqual(403, self.client.get(INDEX_URL).status_code)
        self.assertEqual(403, self.client.get(UPDATE_URL).status_code)
        res = self.client.post(UPDATE_URL, dict(GOOD, revision='7'))
        self.assertEqual(403, res.status_code)
        self.mock_policy_get.assert_not_called()
        self.mock_policy_save.assert_not_called()

    @test.create_mocks({burst_api: ['policy_save']})
    def test_update_view_checks_the_rule_itself(self):
        from burst_dashboard.dashboards.admin.burst_thresholds import views
        request = self.factory.post(UPDATE_URL, dict(GOOD, revision='7'))
        request.user = self.request.user
        request.session = self.client.session
        with self.assertRaises(views.exceptions.NotAuthorized):
            views.UpdateView.as_view()(request)
        self.mock_policy_save.assert_not_called()
