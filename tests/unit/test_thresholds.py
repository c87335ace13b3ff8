"""Admin → Cloud Bursting → Thresholds: the API layer (against mocked Nova
and Placement), the page and its edit form (against a mocked
burst_dashboard.api.burst), and who may use them (real policy check)."""
import threading
import types
from unittest import mock

from django.test.utils import override_settings
from django.urls import reverse
from novaclient import exceptions as nova_exceptions
from openstack.compute.v2 import flavor as sdk_flavor

from openstack_dashboard import api
from openstack_dashboard.test import helpers as test

from burst_dashboard.api import burst as burst_api
from burst_nova import policy
from burst_nova import prices
from tests.unit import factories

INDEX_URL = reverse('horizon:admin:burst_thresholds:index')
UPDATE_URL = reverse('horizon:admin:burst_thresholds:update')
REAL_POLICY = override_settings(
    POLICY_CHECK_FUNCTION='openstack_auth.policy.check')

POLICY_GET = burst_api.policy_get   # the real one, while tests mock it
INDEX_MOCKS = {burst_api: ['policy_get', 'preview_data']}
UPDATE_MOCKS = {burst_api: ['policy_get', 'policy_save', 'preview_data']}
GOOD = {'enabled': 'true', 'enter_vcpu_pct': '75', 'enter_ram_pct': '80',
        'enter_disk_pct': '90', 'exit_pct': '50', 'max_instances': '3',
        'max_vcpus': '', 'max_cost_per_hour': '', 'region': 'us-east-1',
        'private_aggregates': '', 'private_zones': ''}


def _meta(**fields):
    values = dict(GOOD, **fields)
    meta = policy.to_metadata(policy.validate(values, 7))
    meta.update({'availability_zone': 'nova',
                 'trait:CUSTOM_BURST_EC2': 'required'})
    return meta


def _host(name, vcpus, used_vcpus):
    return policy.Host(
        name=name,
        capacity={'VCPU': vcpus, 'MEMORY_MB': 65536, 'DISK_GB': 1000},
        used={'VCPU': used_vcpus, 'MEMORY_MB': 0, 'DISK_GB': 0})


def _state(metadata):
    """What burst_api.policy_get returns for this metadata."""
    agg = factories.aggregate(metadata)
    with mock.patch.object(burst_api, 'aggregate_list', return_value=[agg]):
        return POLICY_GET(None)


def _data(flavors=None, servers=None):
    """A small synthetic cloud: two 16-vCPU hosts at 8 vCPUs used each
    (50 %), the EC2 host, and one t3.medium already on EC2."""
    hosts = [_host('compute-1', 16, 8), _host('compute-2', 16, 8),
             _host('ec2-us-east-1', 1024, 2)]
    if servers is None:
        servers = [burst_api.BurstServer('b1', 't3.medium', 2, 4096, {})]
    if flavors is None:
        flavors = [
            factories.flavor('m1.large', 4, 1024, 10),
            factories.flavor('ec2.small', 1, 2048, 20, placement='public'),
            factories.flavor('db.local', 2, 2048, 20, placement='private')]
    return factories.preview_data(hosts, servers, flavors)


class BurstApiPolicyTests(test.TestCase):

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

    def test_aggregate_list_is_one_call(self):
        with mock.patch.object(burst_api._nova, 'novaclient') as client:
            client.return_value.aggregates.list.return_value = ['a']
            self.assertEqual(['a'], burst_api.aggregate_list(self.request))
        client.assert_called_once_with(self.request)

    @test.create_mocks({burst_api: ['aggregate_list'],
                        api.nova: ['aggregate_set_metadata']})
    def test_save_writes_only_burst_keys(self):
        meta = _meta()
        meta['burst:obsolete'] = 'x'   # a stale key of ours: deleted
        self.mock_aggregate_list.return_value = [factories.aggregate(meta)]
        values = dict(GOOD, enter_vcpu_pct='70', max_cost_per_hour='1.5')
        saved = burst_api.policy_save(self.request, values, 7)
        self.assertEqual(8, saved.revision)
        self.assertEqual(70.0, saved.enter_vcpu_pct)
        self.mock_aggregate_set_metadata.assert_called_once()
        args = self.mock_aggregate_set_metadata.call_args[0]
        self.assertEqual((self.request, 1), args[:2])
        written = args[2]
        self.assertEqual('70', written['burst:enter_vcpu_pct'])
        self.assertEqual('1.5', written['burst:max_cost_per_hour'])
        self.assertEqual('', written['burst:max_vcpus'])
        self.assertEqual('8', written['burst:revision'])
        self.assertIsNone(written['burst:obsolete'])
        # Nova merges: keys not sent stay as they are.
        self.assertNotIn('availability_zone', written)
        self.assertNotIn('trait:CUSTOM_BURST_EC2', written)
        self.assertTrue(all(k.startswith('burst:') for k in written))
        # What Nova then holds parses back to the saved policy.
        merged = dict(meta, **written)
        merged = {k: v for k, v in merged.items() if v is not None}
        self.assertEqual(saved, policy.parse(merged))
        self.assertEqual('required', merged['trait:CUSTOM_BURST_EC2'])

    @test.create_mocks({burst_api: ['aggregate_list'],
                        api.nova: ['aggregate_set_metadata']})
    def test_save_first_policy(self):
        self.mock_aggregate_list.return_value = [
            factories.aggregate({'trait:CUSTOM_BURST_EC2': 'required'})]
        saved = burst_api.policy_save(self.request, GOOD, 0)
        self.assertEqual(1, saved.revision)
        written = self.mock_aggregate_set_metadata.call_args[0][2]
        self.assertEqual('1', written['burst:revision'])
        self.assertEqual('true', written['burst:enabled'])

    @test.create_mocks({burst_api: ['aggregate_list'],
                        api.nova: ['aggregate_set_metadata']})
    def test_save_refuses_stale_revision(self):
        self.mock_aggregate_list.return_value = [factories.aggregate(_meta())]
        with self.assertRaises(burst_api.StaleRevision) as ctx:
            burst_api.policy_save(self.request, GOOD, 6)
        self.assertEqual(
            'The thresholds were changed by someone else since you opened '
            'this form (revision 6, now 7). Reload and try again.',
            str(ctx.exception))
        self.mock_aggregate_set_metadata.assert_not_called()

    @test.create_mocks({burst_api: ['aggregate_list'],
                        api.nova: ['aggregate_set_metadata']})
    def test_save_refuses_bad_input(self):
        values = dict(GOOD, exit_pct='90', enter_ram_pct='abc')
        with self.assertRaises(policy.PolicyError) as ctx:
            burst_api.policy_save(self.request, values, 7)
        self.assertEqual({'enter_ram_pct', 'exit_pct'},
                         set(ctx.exception.errors))
        with self.assertRaises(policy.PolicyError):
            burst_api.policy_save(self.request, GOOD, 'seven')
        self.mock_aggregate_list.assert_not_called()
        self.mock_aggregate_set_metadata.assert_not_called()

    @test.create_mocks({burst_api: ['aggregate_list'],
                        api.nova: ['aggregate_set_metadata']})
    def test_save_over_malformed_policy(self):
        meta = _meta()
        meta['burst:enter_vcpu_pct'] = 'lots'
        self.mock_aggregate_list.return_value = [factories.aggregate(meta)]
        saved = burst_api.policy_save(self.request, GOOD, 7)
        self.assertEqual(8, saved.revision)
        written = self.mock_aggregate_set_metadata.call_args[0][2]
        self.assertEqual('75', written['burst:enter_vcpu_pct'])


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

    @test.create_mocks({api.nova: ['server_list', 'flavor_list',
                                   'flavor_get', 'availability_zone_list'],
                        burst_api: ['compute_hosts']})
    def test_preview_data(self):
        self.mock_compute_hosts.return_value = _data().hosts
        self.mock_availability_zone_list.return_value = [
            types.SimpleNamespace(name='nova', hosts={'compute-1': {}}),
            types.SimpleNamespace(name='internal', hosts=None)]
        large = factories.flavor('m1.large', 4, 8192, 80)
        self.mock_flavor_list.return_value = [large]
        self.mock_flavor_get.return_value = factories.flavor(
            'old', 2, 4096, 20, fid='gone')
        self.mock_server_list.return_value = ([
            types.SimpleNamespace(name='a', flavor={'id': 'm1.large'},
                                  metadata={'ec2:instance_type': 'm5.xlarge'}),
            types.SimpleNamespace(name='b', flavor={'id': 'gone'},
                                  metadata={})], False)
        state = _state(_meta())
        state.aggregates.append(factories.aggregate(
            {}, name='rack-a', agg_id=3, hosts=['compute-1']))

        data = burst_api.preview_data(self.request, state)

        self.mock_server_list.assert_called_once_with(
            self.request, {'all_tenants': True, 'host': 'ec2-us-east-1'})
        self.mock_flavor_list.assert_called_once_with(
            self.request, is_public=None, get_extras=True)
        self.mock_flavor_get.assert_called_once_with(
            self.request, 'gone', get_extras=True)
        self.assertEqual({'ec2-us-east-1'}, data.burst_hosts)
        self.assertEqual({'compute-1'}, data.aggregates['rack-a'])
        self.assertEqual({'compute-1': 'nova'}, data.zones)
        self.assertEqual([('m5.xlarge', 4), (None, 2)],
                         [(s.instance_type, s.vcpus) for s in data.servers])
        public = data.public_pool(policy.BurstPolicy())
        book = prices.PriceBook('us-east-1')
        self.assertEqual((2, 6), (public.instances, public.vcpus))
        self.assertAlmostEqual(
            book.hourly('m5.xlarge') +
            prices.estimate('us-east-1', 2, 4096, {})[1],
            public.cost_per_hour)

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

    @test.create_mocks(INDEX_MOCKS)
    def test_index_without_policy(self):
        self.mock_policy_get.return_value = _state(
            {'trait:CUSTOM_BURST_EC2': 'required'})
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
        self.mock_preview_data.side_effect = self.exceptions.nova
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertContains(res, 'burst:enter_vcpu_pct')
        self.assertContains(res, UPDATE_URL)


class UpdateViewTests(test.BaseAdminViewTests):

    def _post(self, **fields):
        data = dict(GOOD, revision='7', **fields)
        if data['enabled'] != 'true':
            data.pop('enabled')
        return self.client.post(UPDATE_URL, data)

    @test.create_mocks(UPDATE_MOCKS)
    def test_get_shows_current_values(self):
        self.mock_policy_get.return_value = _state(_meta())
        res = self.client.get(UPDATE_URL)
        self.assertTemplateUsed(res, 'burst_dashboard/thresholds/update.html')
        form = res.context['form']
        self.assertEqual('75', form.initial['enter_vcpu_pct'])
        self.assertEqual(7, form.initial['revision'])
        self.assertIs(True, form.initial['enabled'])
        self.assertContains(res, 'Preview')

    @test.create_mocks(UPDATE_MOCKS)
    def test_get_malformed_starts_from_defaults(self):
        meta = _meta()
        meta['burst:enter_vcpu_pct'] = 'lots'
        self.mock_policy_get.return_value = _state(meta)
        res = self.client.get(UPDATE_URL)
        form = res.context['form']
        self.assertEqual('80', form.initial['enter_vcpu_pct'])
        self.assertIs(False, form.initial['enabled'])
        self.assertEqual(7, form.initial['revision'])
        self.assertContains(res, 'is malformed')

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
                                       max_cost_per_hour='2.5'), 7)
        self.assertMessageCount(success=1)
        self.mock_policy_get.assert_not_called()

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


@REAL_POLICY
class AccessTests(test.BaseAdminViewTests):

    @test.create_mocks({burst_api: ['policy_get', 'preview_data']})
    def test_admin_allowed(self):
        self.mock_policy_get.return_value = _state(_meta())
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
        from burst_dashboard.panels.thresholds import views
        request = self.factory.post(UPDATE_URL, dict(GOOD, revision='7'))
        request.user = self.request.user
        request.session = self.client.session
        with self.assertRaises(views.exceptions.NotAuthorized):
            views.UpdateView.as_view()(request)
        self.mock_policy_save.assert_not_called()
