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

"""Admin → Cloud Bursting → Capacity: the EC2 API module (botocore
Stubber), the capacity arithmetic (pure), the page (against a mocked
burst_dashboard.api), and who may see it (real policy check)."""
import types
from unittest import mock

from botocore import exceptions as bexc
from botocore import stub
from django.test.utils import override_settings
from django.urls import reverse

from openstack_dashboard import api
from openstack_dashboard.test import helpers as test

from burst_core import policy
from burst_core import prices
from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard.dashboards.admin.burst_capacity import summary
from burst_dashboard.dashboards.admin.burst_capacity import tables
from burst_dashboard.dashboards.admin.burst_capacity import views
from tests.unit import factories

INDEX_URL = reverse('horizon:admin:burst_capacity:index')
REAL_POLICY = override_settings(
    POLICY_CHECK_FUNCTION='openstack_auth.policy.check')
MOCKS = {burst_api: ['policy_get', 'preview_data', 'compute_services'],
         ec2_api: ['public_capacity']}
EC2_SETTINGS = {'use_pricing_api': False, 'managed_by': 'cloud-a',
                'ec2': {'region_name': 'us-east-1',
                        'endpoint_url': 'http://ec2.test',
                        'aws_access_key_id': 'AKIDTEST',
                        'aws_secret_access_key': 'sekrit-value',
                        'vcpu_quota': 48}}
GOOD = {'enabled': 'true', 'enter_vcpu_pct': '75', 'enter_ram_pct': '80',
        'enter_disk_pct': '90', 'exit_pct': '50', 'max_instances': '3',
        'max_vcpus': '', 'max_cost_per_hour': '', 'region': 'us-east-1',
        'private_aggregates': '', 'private_zones': ''}


def _inv(total, reserved=0, ratio=1.0, max_unit=None):
    return {'total': total, 'reserved': reserved,
            'allocation_ratio': ratio, 'max_unit': max_unit or total}


def _placement_host(name, used_vcpus=0, used_ram=0, used_disk=0):
    """A host as Placement reports it: 16 pCPUs at ratio 4.0, 32 GiB less
    512 MiB reserved at ratio 1.5, 500 GiB less 10 reserved at 1.0."""
    return policy.host_from_placement(
        name,
        {'VCPU': _inv(16, 0, 4.0, 16),
         'MEMORY_MB': _inv(32768, 512, 1.5, 32768),
         'DISK_GB': _inv(500, 10, 1.0, 500)},
        {'VCPU': used_vcpus, 'MEMORY_MB': used_ram, 'DISK_GB': used_disk})


def _state(values=None):
    burst = policy.validate(dict(GOOD, **(values or {})), 7)
    meta = policy.to_metadata(burst)
    return burst_api.PolicyState(
        factories.aggregate(meta),
        [factories.aggregate(meta),
         factories.aggregate({}, 'rack-a', 2, ('compute-1',))],
        burst, {}, 7)


def _data(used=(32, 16)):
    """Two private hosts (64 vCPUs each after the 4.0 ratio) with the given
    vCPUs used, the EC2 host, one m1.small already on EC2."""
    hosts = [_placement_host('compute-1', used[0], 8192, 100),
             _placement_host('compute-2', used[1], 4096, 50),
             policy.Host('ec2-us-east-1', {'VCPU': 64, 'MEMORY_MB': 1e6,
                                           'DISK_GB': 1e6},
                         {'VCPU': 2, 'MEMORY_MB': 2048, 'DISK_GB': 20})]
    return factories.preview_data(
        hosts, factories.caps_usages(1, 2, prices.PriceBook(
            'us-east-1').hourly('t3.small')),
        [factories.flavor('m1.large', 8, 8192, 80),
         factories.flavor('ec2.small', 2, 2048, 20, placement='public'),
         factories.flavor('db.local', 2, 2048, 20, placement='private')])


def _service(host, status='enabled', state='up', reason=None):
    return types.SimpleNamespace(host=host, status=status, state=state,
                                 disabled_reason=reason)


def _public(**kw):
    values = dict(region='us-east-1', quota=64,
                  quota_source='service-quotas', managed_instances=2,
                  managed_vcpus=4, account_instances=3, account_vcpus=12,
                  managed_types={'t3.small': 2},
                  account_types={'t3.small': 2, 'm5.2xlarge': 1})
    values.update(kw)
    return ec2_api.PublicCapacity(**values)


def _stubbed(service):
    import boto3
    client = boto3.session.Session(
        aws_access_key_id='a', aws_secret_access_key='b',
        region_name='us-east-1').client(service)
    return client, stub.Stubber(client)


def _instance(itype, managed_by=None, iid='i-1'):
    tags = [{'Key': 'Name', 'Value': iid}]
    if managed_by:
        tags.append({'Key': 'openstack:managed-by', 'Value': managed_by})
    return {'InstanceId': iid, 'InstanceType': itype, 'Tags': tags,
            'State': {'Name': 'running', 'Code': 16}}


def _itype(name, vcpus):
    return {'InstanceType': name, 'VCpuInfo': {'DefaultVCpus': vcpus}}


@override_settings(BURST_DASHBOARD=EC2_SETTINGS)
class Ec2ApiTests(test.TestCase):

    def setUp(self):
        super().setUp()
        ec2_api.clear_clients()

    def test_client_config_and_credentials_from_settings(self):
        client = ec2_api.ec2_client(self.request)
        config = client.meta.config
        self.assertEqual(2, config.connect_timeout)
        self.assertEqual(5, config.read_timeout)
        # Two attempts in all: one retry.
        self.assertEqual({'mode': 'standard', 'total_max_attempts': 2},
                         config.retries)
        self.assertEqual('http://ec2.test', client.meta.endpoint_url)
        self.assertEqual('us-east-1', client.meta.region_name)
        creds = client._request_signer._credentials
        self.assertEqual('AKIDTEST', creds.access_key)
        quotas = ec2_api.quotas_client(self.request, 'eu-west-1')
        self.assertEqual('eu-west-1', quotas.meta.region_name)

    def test_clients_made_once_and_anew_when_settings_change(self):
        first = ec2_api.ec2_client(self.request)
        self.assertIs(first, ec2_api.ec2_client(self.request))
        self.assertIsNot(first, ec2_api.ec2_client(self.request,
                                                   'eu-west-1'))
        self.assertIsNot(first, ec2_api.quotas_client(self.request))
        with override_settings(BURST_DASHBOARD=dict(EC2_SETTINGS, ec2=dict(
                EC2_SETTINGS['ec2'], aws_access_key_id='AKIDOTHER'))):
            other = ec2_api.ec2_client(self.request)
        self.assertIsNot(first, other)
        self.assertEqual('AKIDOTHER',
                         other._request_signer._credentials.access_key)

    @override_settings(BURST_DASHBOARD={'ec2': {'region_name': 'us-east-1'}})
    def test_default_chain_without_keys(self):
        with mock.patch.object(ec2_api.boto3.session, 'Session') as sess:
            ec2_api.ec2_client(self.request)
        sess.assert_called_once_with(region_name='us-east-1')
        self.assertEqual(64, ec2_api.configured_vcpu_quota())
        self.assertEqual('openstack-burst', ec2_api.managed_by())

    def test_quota_from_service_quotas(self):
        client, stubber = _stubbed('service-quotas')
        stubber.add_response(
            'get_service_quota', {'Quota': {'Value': 256.0}},
            {'ServiceCode': 'ec2', 'QuotaCode': 'L-1216C47A'})
        with stubber, mock.patch.object(ec2_api, 'quotas_client',
                                        return_value=client):
            self.assertEqual((256, 'service-quotas'),
                             ec2_api.vcpu_quota(self.request))
        stubber.assert_no_pending_responses()

    def test_quota_falls_back_to_settings(self):
        client, stubber = _stubbed('service-quotas')
        stubber.add_client_error('get_service_quota', 'AccessDenied',
                                 'not allowed')
        with stubber, mock.patch.object(ec2_api, 'quotas_client',
                                        return_value=client):
            self.assertEqual((48, 'configured'),
                             ec2_api.vcpu_quota(self.request))

    def test_public_capacity_managed_vs_account(self):
        ec2, ec2_stub = _stubbed('ec2')
        quotas, quotas_stub = _stubbed('service-quotas')
        quotas_stub.add_client_error('get_service_quota', 'NoSuchResource')
        ec2_stub.add_response('describe_instances', {'Reservations': [
            {'Instances': [_instance('t3.small', 'cloud-a', 'i-1'),
                           _instance('t3.small', 'cloud-a', 'i-2')]},
            {'Instances': [_instance('m5.2xlarge', 'cloud-b', 'i-3'),
                           _instance('t3.small', None, 'i-4')]}]},
            {'Filters': [{'Name': 'instance-state-name',
                          'Values': ['running']}]})
        # one call for every type in use
        ec2_stub.add_response('describe_instance_types', {'InstanceTypes': [
            _itype('m5.2xlarge', 8), _itype('t3.small', 2)]},
            {'InstanceTypes': ['m5.2xlarge', 't3.small']})
        with ec2_stub, quotas_stub, \
                mock.patch.object(ec2_api, 'ec2_client', return_value=ec2), \
                mock.patch.object(ec2_api, 'quotas_client',
                                  return_value=quotas):
            cap = ec2_api.public_capacity(self.request, 'us-east-1')
        ec2_stub.assert_no_pending_responses()
        self.assertEqual((48, 'configured'), (cap.quota, cap.quota_source))
        self.assertEqual((2, 4), (cap.managed_instances, cap.managed_vcpus))
        self.assertEqual((4, 14), (cap.account_instances, cap.account_vcpus))
        self.assertEqual({'t3.small': 2}, cap.managed_types)
        self.assertEqual({'t3.small': 3, 'm5.2xlarge': 1}, cap.account_types)

    def test_no_instances_no_type_call(self):
        self.assertEqual({}, ec2_api.instance_type_vcpus(self.request, []))

    def test_errors_never_show_credentials(self):
        err = bexc.ClientError({'Error': {
            'Code': 'AuthFailure',
            'Message': 'key sekrit-value / AKIDTEST refused'}}, 'Describe')
        text = ec2_api.describe_error(err)
        self.assertEqual('AuthFailure: key *** / *** refused', text)
        text = ec2_api.describe_error(bexc.EndpointConnectionError(
            endpoint_url='http://ec2.test'))
        self.assertIn('endpoint unreachable', text)
        self.assertIn('http://ec2.test', text)


class BurstApiCapacityTests(test.TestCase):

    @test.create_mocks({api.nova: ['service_list']})
    def test_compute_services_one_call(self):
        self.mock_service_list.return_value = [
            _service('compute-1'), _service('compute-2', 'disabled')]
        services = burst_api.compute_services(self.request)
        self.assertEqual({'compute-1', 'compute-2'}, set(services))
        self.assertEqual('disabled', services['compute-2'].status)
        self.mock_service_list.assert_called_once_with(
            self.request, binary='nova-compute')

    def test_flavor_headroom_numbers(self):
        # vCPU: 128 capacity, 48 used, 75 % = 96: six 8-vCPU m1.large stay
        # local; per host RAM and disk let 4 + 5 fit at all. EC2 has one
        # instance, the cap is 3: two more.
        rows = {r.flavor.name: r for r in burst_api.flavor_headroom(
            _data(), _state().policy, quota_vcpus=52)}
        self.assertEqual({'m1.large', 'ec2.small'}, set(rows))
        large = rows['m1.large']
        self.assertEqual((6, 9, 2), (large.local_before_threshold,
                                     large.local_at_all, large.public))
        self.assertEqual('flavor pinned to public; EC2 instance cap '
                         'reached (3 of 3)', large.public_stop)
        small = rows['ec2.small']
        self.assertEqual('public', small.placement)
        self.assertEqual((24, 37, 2), (small.local_before_threshold,
                                       small.local_at_all, small.public))
        # The data is not changed.
        self.assertEqual(32, _data().hosts[0].used['VCPU'])

    def test_flavor_headroom_limited_by_quota(self):
        burst = _state({'max_instances': ''}).policy
        rows = {r.flavor.name: r for r in burst_api.flavor_headroom(
            _data(), burst, quota_vcpus=10)}
        self.assertEqual(1, rows['m1.large'].public)
        self.assertEqual('EC2 vCPU quota: 10 vCPUs left',
                         rows['m1.large'].public_stop)
        self.assertEqual(5, rows['ec2.small'].public)
        # unknown quota: only the caps (none) and the limit
        rows = {r.flavor.name: r for r in burst_api.flavor_headroom(
            _data(), burst, limit=50)}
        self.assertEqual(50, rows['m1.large'].public)

    def test_flavor_headroom_disabled_policy(self):
        burst = _state({'enabled': 'false'}).policy
        large = burst_api.flavor_headroom(_data(), burst)[-1]
        self.assertEqual('m1.large', large.flavor.name)
        # The threshold count still uses the thresholds.
        self.assertEqual((6, 9, 0), (large.local_before_threshold,
                                     large.local_at_all, large.public))
        self.assertIn('bursting is disabled', large.public_stop)


class SummaryTests(test.TestCase):

    def test_private_arithmetic(self):
        pool = _data().private_pool(_state().policy)
        vcpu, ram, disk = summary.usages(pool.hosts, _state().policy)
        # (16 - 0) x 4.0 per host
        self.assertEqual((48, 128), (vcpu.used, vcpu.capacity))
        self.assertEqual(37.5, vcpu.pct)
        self.assertEqual((96, 48), (vcpu.at_threshold, vcpu.left))
        self.assertEqual('48 / 128 (37.5 %)', vcpu.display())
        # (32768 - 512) x 1.5 per host, shown in GiB
        self.assertEqual(2 * 48384, ram.capacity)
        self.assertEqual((12, 94.5), (ram.used_shown, ram.capacity_shown))
        self.assertEqual(80, ram.threshold)
        # (500 - 10) x 1.0
        self.assertEqual((150, 980), (disk.used, disk.capacity))
        self.assertEqual(15.3, round(disk.pct, 1))
        self.assertEqual(15, disk.chart_pct)
        self.assertFalse(vcpu.over)
        self.assertTrue(summary.Usage('VCPU', 100, 128, 75).over)
        self.assertEqual(0, summary.Usage('VCPU', 100, 128, 75).left)
        self.assertIsNone(summary.Usage('VCPU', 0, 0, 75).pct)

    def test_rounding(self):
        self.assertEqual(47.2, summary.amount('MEMORY_MB', 48384 - 100))
        self.assertEqual(1, summary.amount('MEMORY_MB', 1024))
        self.assertEqual(2.5, summary.amount('VCPU', 2.5))
        self.assertEqual(3, summary.amount('DISK_GB', 3.0))

    def test_groups_per_zone_and_aggregate(self):
        data = _data()
        burst = _state().policy
        rows = summary.group_rows(data.private_pool(burst), data.zones,
                                  data.aggregates, 'burst-ec2', burst)
        got = [(r.kind, r.name, r.hosts, r.usages[0].used,
                r.usages[0].capacity) for r in rows]
        self.assertEqual([
            ('Availability zone', 'az2', ['compute-2'], 16, 64),
            ('Availability zone', 'nova', ['compute-1'], 32, 64),
            ('Aggregate', 'rack-a', ['compute-1'], 32, 64)], got)
        self.assertEqual(50.0, rows[1].usages[0].pct)

    def test_usage_columns_come_last(self):
        self.assertEqual(['host', 'zone', 'aggregates', 'service', 'vcpu',
                          'ram', 'disk'], list(tables.HostsTable._columns))
        self.assertEqual(['kind', 'name', 'hosts', 'vcpu', 'ram', 'disk'],
                         list(tables.GroupsTable._columns))

    def test_hosts_marked(self):
        data = _data()
        burst = _state().policy
        services = {'compute-1': _service('compute-1', state='down'),
                    'compute-2': _service('compute-2')}
        rows = summary.host_rows(data.private_pool(burst), data.zones,
                                 data.aggregates, services, burst)
        self.assertEqual(['compute-1', 'compute-2'], [r.id for r in rows])
        self.assertEqual([True, False], [r.unavailable for r in rows])
        self.assertEqual(['rack-a'], rows[0].aggregates)
        rows = summary.host_rows(data.private_pool(burst), data.zones,
                                 data.aggregates, None, burst)
        self.assertEqual([False, False], [r.unavailable for r in rows])

    def test_public_headroom_and_burn_rate(self):
        book = prices.PriceBook('us-east-1')
        small, big = book.hourly('t3.small'), book.hourly('m5.2xlarge')
        burst = _state().policy   # max 3 instances, no vCPU cap
        pub = summary.public_summary(_public(), burst, book)
        self.assertEqual(52, pub.quota_left)
        self.assertEqual(52, pub.vcpu_headroom)
        self.assertEqual(64, pub.vcpu_limit)
        self.assertEqual(1, pub.instance_headroom)
        self.assertIsNone(pub.cost_headroom)
        self.assertAlmostEqual(2 * small, pub.managed_cost_per_hour)
        self.assertAlmostEqual(2 * small + big, pub.account_cost_per_hour)
        self.assertEqual(19, pub.account_pct)
        capped = summary.public_summary(_public(), _state(
            {'max_vcpus': '10', 'max_cost_per_hour': '1'}).policy, book)
        self.assertEqual(6, capped.vcpu_headroom)   # 10 - 4 < 64 - 12
        self.assertEqual(10, capped.vcpu_limit)
        self.assertEqual(16, capped.cap_pct)
        self.assertAlmostEqual(1 - 2 * small, capped.cost_headroom)
        full = summary.public_summary(_public(account_vcpus=70), burst, book)
        self.assertEqual(0, full.vcpu_headroom)
        odd = summary.public_summary(_public(
            account_types={'x9.huge': 1}), burst, book)
        self.assertEqual(['x9.huge'], odd.unpriced)


@override_settings(BURST_DASHBOARD=EC2_SETTINGS)
class IndexViewTests(test.BaseAdminViewTests):

    def _mock(self, public=None, services=None):
        self.mock_policy_get.return_value = _state()
        self.mock_preview_data.return_value = _data()
        self.mock_compute_services.return_value = services or {
            'compute-1': _service('compute-1'),
            'compute-2': _service('compute-2', 'disabled', 'up',
                                  'maintenance')}
        if isinstance(public, Exception) or callable(public):
            self.mock_public_capacity.side_effect = public
        else:
            self.mock_public_capacity.return_value = public or _public()

    @test.create_mocks(MOCKS)
    def test_index_both_sides(self):
        self._mock()
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(res, 'burst_dashboard/capacity/index.html')
        self.assertMessageCount(res, error=0, warning=0)
        # private totals, threshold on each chart
        self.assertContains(res, 'data-threshold="75"')
        self.assertContains(res, 'data-threshold="80"')
        self.assertContains(res, 'data-threshold="90"')
        self.assertContains(res, 'threshold 75 %')
        self.assertContains(res, '37.5 %')
        self.assertContains(res, '96 (75 %)')      # vCPUs at the threshold
        self.assertContains(res, '48 of 128 vCPUs')
        self.assertContains(res, '12 of 94.5 GiB RAM')
        self.assertContains(res, '2 compute hosts in the private pool')
        # zones, aggregate, hosts, the disabled one marked
        self.assertContains(res, 'az2')
        self.assertContains(res, 'rack-a')
        self.assertContains(res, '32 / 64 (50.0 %)')
        self.assertContains(res, 'Disabled or down: compute-2')
        self.assertContains(res, 'disabled, up (maintenance)')
        self.assertContains(res, 'burst-host-unavailable', count=1)
        self.assertContains(res, 'class="burst-threshold" style="left: 75.0%"')
        # public side
        self.assertContains(res, 'Public cloud: EC2 us-east-1')
        self.assertContains(res, '<strong class="burst-quota">64</strong>',
                            html=True)
        self.assertContains(res, 'from Service Quotas (L-1216C47A)')
        self.assertContains(res, '12 / 64')
        self.assertContains(res, '<td class="num burst-vcpu-headroom">52'
                                 '</td>', html=True)
        self.assertContains(res, '<td class="num burst-instance-headroom">'
                                 '1</td>', html=True)
        burn = 2 * prices.PriceBook('us-east-1').hourly('t3.small')
        self.assertContains(res, '$%.4f' % burn)
        self.assertContains(res, '<code>cloud-a</code>')
        # headroom by flavor
        self.assertContains(res, 'm1.large')
        self.assertContains(res, 'EC2 instance cap reached (3 of 3)')
        self.assertNotContains(res, 'db.local')
        headroom = {r.flavor.name: r for r in
                    res.context['headroom_table'].data}
        self.assertEqual((6, 9, 2), (
            headroom['m1.large'].local_before_threshold,
            headroom['m1.large'].local_at_all, headroom['m1.large'].public))
        # reads: the policy, then private and public
        self.mock_preview_data.assert_called_once_with(
            test.IsHttpRequest(), self.mock_policy_get.return_value)
        self.mock_public_capacity.assert_called_once_with(
            test.IsHttpRequest(), 'us-east-1')
        self.mock_compute_services.assert_called_once_with(
            test.IsHttpRequest())
        self.assertNotContains(res, 'sekrit')
        self.assertNotContains(res, 'AKIDTEST')

    @test.create_mocks(MOCKS)
    def test_quota_fallback_source_shown(self):
        self._mock(_public(quota=48, quota_source='configured'))
        res = self.client.get(INDEX_URL)
        self.assertContains(res, '<strong class="burst-quota">48</strong>',
                            html=True)
        self.assertContains(res, 'configured value (Service Quotas did not '
                                 'answer)')

    @test.create_mocks(MOCKS)
    def test_quota_limits_flavor_headroom(self):
        self._mock(_public(account_vcpus=58))   # 6 vCPUs left
        res = self.client.get(INDEX_URL)
        headroom = {r.flavor.name: r for r in
                    res.context['headroom_table'].data}
        self.assertEqual(0, headroom['m1.large'].public)
        self.assertEqual(2, headroom['ec2.small'].public)
        self.assertContains(res, 'EC2 vCPU quota: 6 vCPUs left')

    @test.create_mocks(MOCKS)
    def test_ec2_down_private_side_and_warning(self):
        self._mock(bexc.EndpointConnectionError(
            endpoint_url='http://ec2.test'))
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, warning=1, error=0)
        self.assertContains(res, 'could not be reached')
        self.assertContains(res, 'burst-ec2-unreachable')
        self.assertContains(res, 'http://ec2.test')
        self.assertContains(res, '48 of 128 vCPUs')
        self.assertContains(res, 'compute-2')
        self.assertNotContains(res, 'burst-vcpu-headroom')
        # without the quota, the flavor headroom uses the caps only
        self.assertContains(res, 'EC2 instance cap reached (3 of 3)')
        self.assertNotContains(res, 'sekrit')

    @test.create_mocks(MOCKS)
    def test_ec2_hanging_bounded_time(self):
        def hang(*args):
            import time
            time.sleep(3)
        self._mock(hang)
        import time
        started = time.monotonic()
        with mock.patch.object(views, 'EC2_TIMEOUT', 0.3):
            res = self.client.get(INDEX_URL)
        self.assertLess(time.monotonic() - started, 2.5)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'no answer within')
        self.assertContains(res, '48 of 128 vCPUs')

    @test.create_mocks(MOCKS)
    def test_placement_error_is_a_message(self):
        self._mock()
        self.mock_preview_data.side_effect = self.exceptions.nova
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertContains(res, 'burst-private-unavailable')
        self.assertContains(res, 'burst-vcpu-headroom')

    @test.create_mocks(MOCKS)
    def test_nova_error_is_a_message(self):
        self._mock()
        self.mock_policy_get.side_effect = self.exceptions.nova
        self.mock_compute_services.side_effect = RuntimeError('nova down')
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1, warning=1)
        self.mock_preview_data.assert_not_called()
        self.assertContains(res, 'Public cloud: EC2 us-east-1')

    @test.create_mocks(MOCKS)
    def test_missing_aggregate(self):
        self._mock()
        self.mock_policy_get.side_effect = burst_api.AggregateNotFound(
            'burst-ec2')
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'Aggregate burst-ec2 not found')

    @test.create_mocks(MOCKS)
    def test_services_unknown(self):
        self._mock()
        self.mock_compute_services.side_effect = RuntimeError('boom')
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'disabled or down hosts are not marked')
        self.assertNotContains(res, 'burst-host-unavailable')


@REAL_POLICY
@override_settings(BURST_DASHBOARD=EC2_SETTINGS)
class AccessTests(test.BaseAdminViewTests):

    @test.create_mocks(MOCKS)
    def test_admin_allowed(self):
        self.mock_policy_get.return_value = _state()
        self.mock_preview_data.return_value = _data()
        self.mock_compute_services.return_value = {}
        self.mock_public_capacity.return_value = _public()
        self.assertEqual(200, self.client.get(INDEX_URL).status_code)


@REAL_POLICY
class MemberAccessTests(test.TestCase):

    @test.create_mocks(MOCKS)
    def test_member_refused(self):
        self.assertEqual(403, self.client.get(INDEX_URL).status_code)
        self.mock_policy_get.assert_not_called()
        self.mock_public_capacity.assert_not_called()


class ProviderCacheTests(test.TestCase):
    """Inventories are read again only for providers whose Placement
    generation changed; usages on every read, because deleting
    allocations does not bump a provider's generation."""

    @test.create_mocks({api.placement: ['resource_providers',
                                        'resource_provider_inventories',
                                        'resource_provider_usages'],
                        api.nova: ['hypervisor_list']})
    def test_inventories_cached_by_generation_usages_always_read(self):
        burst_api._INVENTORIES.clear()
        self.addCleanup(burst_api._INVENTORIES.clear)
        providers = [{'uuid': 'c%d' % i, 'name': 'n%d' % i,
                      'generation': 1, 'parent_provider_uuid': None}
                     for i in range(3)]
        self.mock_resource_providers.return_value = providers
        self.mock_hypervisor_list.return_value = [
            types.SimpleNamespace(id='c%d' % i, name='n%d' % i,
                                  service_details={'host': 'h%d' % i})
            for i in range(3)]
        inv = {'VCPU': {'total': 4, 'reserved': 0, 'allocation_ratio': 1.0}}
        self.mock_resource_provider_inventories.return_value = inv
        self.mock_resource_provider_usages.return_value = {'VCPU': 1}
        burst_api.compute_hosts(self.request)
        self.assertEqual(3, self.mock_resource_provider_inventories.call_count)
        # Same generations, fewer allocations (instances deleted): the
        # usages are current, the inventories are not read again.
        self.mock_resource_provider_usages.return_value = {'VCPU': 0}
        hosts = burst_api.compute_hosts(self.request)
        self.assertEqual([0, 0, 0], [h.used['VCPU'] for h in hosts])
        self.assertEqual(3, self.mock_resource_provider_inventories.call_count)
        providers[1]['generation'] = 2
        burst_api.compute_hosts(self.request)
        self.assertEqual(4, self.mock_resource_provider_inventories.call_count)
        self.assertEqual(9, self.mock_resource_provider_usages.call_count)
        # Capacities only (the Spend page): no usage read at all.
        hosts = burst_api.compute_hosts(self.request, usages=False)
        self.assertEqual([4, 4, 4], [h.capacity['VCPU'] for h in hosts])
        self.assertEqual([0, 0, 0], [h.used['VCPU'] for h in hosts])
        self.assertEqual(9, self.mock_resource_provider_usages.call_count)
