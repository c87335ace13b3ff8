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

"""Backing off from EC2 while it does not answer: the rule
(burst_dashboard.api.ec2, on the real boto3 clients the dashboard makes,
with botocore's HTTP send replaced) and the banner of the Capacity,
Instances and Burst Instances pages, which render at once without calling
EC2 while the dashboard backs off."""
import datetime
import types
from unittest import mock

from botocore import awsrequest
from botocore import endpoint as bendpoint
from botocore import exceptions as bexc
from django.core.cache import cache
from django.test.utils import override_settings
from django.urls import reverse
from openstack_auth import utils as auth_utils

from openstack_dashboard.api import keystone
from openstack_dashboard.test import helpers as test

from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import decisions as decisions_api
from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard.api import instances as instances_api
from burst_dashboard.api import kept
from tests.unit import factories
from tests.unit.test_capacity import _data
from tests.unit.test_capacity import _service
from tests.unit.test_capacity import _state

CAPACITY_URL = reverse('horizon:admin:burst_capacity:index')
ADMIN_URL = reverse('horizon:admin:burst_instances:index')
PROJECT_URL = reverse('horizon:project:burst_instances:index')
SETTINGS = {'use_pricing_api': False, 'managed_by': 'cloud-a',
            'aggregate': 'burst-ec2',
            'ec2': {'region_name': 'us-east-1',
                    'endpoint_url': 'http://ec2.test',
                    'aws_access_key_id': 'AKIDTEST',
                    'aws_secret_access_key': 'sekrit-value',
                    'backoff': 60, 'max_backoff': 240}}
T0 = datetime.datetime(2026, 11, 12, 10, 0, 0,
                       tzinfo=datetime.timezone.utc).timestamp()
# What AWS (or botocore) says, which no banner may repeat.
AWS_TEXT = ('Read timeout', 'ec2.test', 'sekrit', 'AKIDTEST', 'Slow down')
NO_INSTANCES = (b'<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com'
                b'/doc/2016-11-15/"><requestId>r-1</requestId>'
                b'<reservationSet/></DescribeInstancesResponse>')


def _error(code, message='Slow down, account 123456789012'):
    return ('<Response><Errors><Error><Code>%s</Code><Message>%s</Message>'
            '</Error></Errors><RequestID>r-1</RequestID></Response>'
            % (code, message)).encode()


class FakeAWS(object):
    """Stands for the network under botocore (``Endpoint._send``): each
    attempt is recorded; ``mode`` says what happens to it."""

    def __init__(self):
        self.mode = 'ok'
        self.sent = []

    def actions(self):
        return [a for a, _ in self.sent]

    def __call__(self, endpoint, request):
        body = request.body or b''
        body = body if isinstance(body, bytes) else body.encode()
        action = request.headers.get('X-Amz-Target')
        if isinstance(action, bytes):
            action = action.decode()
        if not action:
            fields = dict(p.split('=', 1) for p in body.decode().split('&')
                          if '=' in p)
            action = fields.get('Action')
        self.sent.append((action, self.mode))
        if self.mode == 'timeout':
            raise bexc.ReadTimeoutError(endpoint_url=request.url,
                                        error='Read timeout on endpoint')
        if self.mode == 'refused':
            raise bexc.EndpointConnectionError(endpoint_url=request.url)
        if self.mode == 'throttled':
            return self._reply(503, _error('RequestLimitExceeded'))
        if self.mode == 'bad-parameter':
            return self._reply(400, _error('InvalidParameterValue'))
        if 'ServiceQuotas' in (action or ''):
            return self._reply(400, b'{"__type": "NoSuchResourceException",'
                               b' "message": "no quota"}',
                               'application/x-amz-json-1.1')
        return self._reply(200, NO_INSTANCES)

    @staticmethod
    def _reply(status, body, ctype='text/xml'):
        raw = types.SimpleNamespace(stream=lambda: iter([body]))
        return awsrequest.AWSResponse('http://ec2.test/', status,
                                      {'Content-Type': ctype}, raw)


class BackoffMixin(object):
    """A fake network and a clock under the dashboard's real clients."""

    def setUp(self):
        super().setUp()
        cache.clear()
        ec2_api.clear_clients()
        self.aws = FakeAWS()
        self.now = T0
        for patcher in (
                mock.patch.object(bendpoint.Endpoint, '_send',
                                  autospec=True, side_effect=self.aws),
                # botocore's delay between attempts
                mock.patch.object(bendpoint, 'time'),
                mock.patch.object(ec2_api, '_clock',
                                  side_effect=lambda: self.now)):
            patcher.start()
            self.addCleanup(patcher.stop)
        self.addCleanup(cache.clear)
        self.addCleanup(ec2_api.clear_clients)

    def describe(self):
        return ec2_api.ec2_client(None, 'us-east-1').describe_instances()

    def outage(self):
        return ec2_api.outage(None, 'us-east-1')


@override_settings(BURST_DASHBOARD=SETTINGS)
class BackoffRuleTests(BackoffMixin, test.TestCase):

    def test_first_failure_records_the_outage(self):
        self.aws.mode = 'timeout'
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        # A read timeout is not retried: one attempt, about 5 s at most.
        self.assertEqual(['DescribeInstances'], self.aws.actions())
        outage = self.outage()
        self.assertEqual(('ec2', 'us-east-1', T0, T0, T0 + 60, 1, 'timeout'),
                         (outage.service, outage.region, outage.since,
                          outage.last_tried, outage.retry_at,
                          outage.failures, outage.kind))
        self.assertTrue(outage.backing_off)

    def test_calls_skipped_while_backing_off(self):
        self.aws.mode = 'timeout'
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        self.aws.mode = 'ok'
        for later in (1, 30, 59.9):
            self.now = T0 + later
            with self.assertRaises(ec2_api.Unavailable) as e:
                self.describe()
            self.assertEqual(T0, e.exception.outage.since)
        self.assertEqual(1, len(self.aws.sent))
        # Paginated reads too, and whatever the page is.
        with self.assertRaises(ec2_api.Unavailable):
            ec2_api.running_instances(None, 'us-east-1')
        self.assertEqual(1, len(self.aws.sent))

    def test_shared_by_every_worker_through_the_cache(self):
        self.aws.mode = 'timeout'
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        ec2_api.clear_clients()   # another worker: its own clients
        with self.assertRaises(ec2_api.Unavailable):
            self.describe()
        self.assertEqual(1, len(self.aws.sent))
        self.assertIn('burst-dashboard:aws-outage:',
                      ec2_api._key('ec2', 'us-east-1', 'http://ec2.test'))

    def test_other_endpoints_are_still_asked(self):
        self.aws.mode = 'timeout'
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        self.aws.mode = 'ok'
        # another region: its own endpoint, its own state
        ec2_api.ec2_client(None, 'eu-west-1').describe_instances()
        self.assertEqual((64, 'configured'),
                         ec2_api.vcpu_quota(None, 'us-east-1'))
        self.assertEqual(3, len(self.aws.sent))

    def test_after_the_backoff_one_request_tries_again(self):
        self.aws.mode = 'timeout'
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        self.now = T0 + 61
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()   # tried, still down
        self.assertEqual(2, len(self.aws.sent))
        outage = self.outage()
        # doubled; still unreachable since the first failure
        self.assertEqual((T0, T0 + 61, T0 + 61 + 120, 2),
                         (outage.since, outage.last_tried, outage.retry_at,
                          outage.failures))
        self.now = T0 + 61 + 121
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        self.assertEqual(240, self.outage().retry_at - self.now)
        self.now += 241
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        self.assertEqual(240, self.outage().retry_at - self.now)  # the most
        self.assertEqual(4, self.outage().failures)

    def test_only_one_request_retries_at_a_time(self):
        self.aws.mode = 'timeout'
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        self.now = T0 + 61
        # another request (any worker) is retrying right now
        key = ec2_api._key('ec2', 'us-east-1', 'http://ec2.test')
        self.assertTrue(cache.add(key + ':probe', self.now, 30))
        with self.assertRaises(ec2_api.Unavailable) as e:
            self.describe()
        self.assertEqual(1, len(self.aws.sent))
        self.assertIn('being tried again now',
                      ec2_api.describe_error(e.exception))

    def test_success_clears_the_outage(self):
        self.aws.mode = 'timeout'
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        self.now = T0 + 61
        self.aws.mode = 'ok'
        self.assertEqual([], self.describe()['Reservations'])
        self.assertIsNone(self.outage())
        self.now += 1
        self.describe()
        self.assertEqual(3, len(self.aws.sent))
        # a later failure starts again from the first back-off
        self.aws.mode = 'timeout'
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        self.assertEqual((self.now, 1, self.now + 60), (
            self.outage().since, self.outage().failures,
            self.outage().retry_at))

    def test_no_connection_retried_once_then_backs_off(self):
        self.aws.mode = 'refused'
        with self.assertRaises(bexc.EndpointConnectionError):
            self.describe()
        self.assertEqual(2, len(self.aws.sent))   # MAX_ATTEMPTS
        self.assertEqual('connection', self.outage().kind)

    def test_throttling_backs_off(self):
        self.aws.mode = 'throttled'
        with self.assertRaises(bexc.ClientError):
            self.describe()
        self.assertEqual('throttled', self.outage().kind)
        with self.assertRaises(ec2_api.Unavailable):
            self.describe()

    def test_an_answer_refusing_a_request_is_not_an_outage(self):
        self.aws.mode = 'bad-parameter'
        with self.assertRaises(bexc.ClientError):
            self.describe()
        self.assertIsNone(self.outage())
        with self.assertRaises(bexc.ClientError):
            self.describe()
        self.assertEqual(2, len(self.aws.sent))

    @override_settings(BURST_DASHBOARD=dict(SETTINGS, ec2=dict(
        SETTINGS['ec2'], backoff=0)))
    def test_backoff_zero_turns_it_off(self):
        self.aws.mode = 'timeout'
        for _ in range(2):
            with self.assertRaises(bexc.ReadTimeoutError):
                self.describe()
        self.assertEqual(2, len(self.aws.sent))
        self.assertIsNone(self.outage())

    def test_a_cache_failure_never_stops_a_call(self):
        with mock.patch.object(ec2_api, 'cache') as broken:
            broken.get.side_effect = ConnectionRefusedError()
            self.assertEqual([], self.describe()['Reservations'])

    def test_banner_words(self):
        self.aws.mode = 'timeout'
        with self.assertRaises(bexc.ReadTimeoutError):
            self.describe()
        self.now = T0 + 30
        with self.assertRaises(ec2_api.Unavailable) as e:
            self.describe()
        text = ec2_api.describe_error(e.exception)
        self.assertEqual(
            'unreachable since 2026-11-12 10:00:00 UTC, last tried '
            '2026-11-12 10:00:00 UTC (no answer in time); not asked again '
            'before 2026-11-12 10:01:00 UTC', text)
        self.assertEqual(text, str(ec2_api.outage_text(self.outage())))
        for words in AWS_TEXT:
            self.assertNotIn(words, text)
        ec2_api.forget_outages()
        self.assertIsNone(self.outage())


@override_settings(BURST_DASHBOARD=SETTINGS)
class CapacityPageTests(BackoffMixin, test.BaseAdminViewTests):
    """The page's real EC2 reads (public_capacity) under the back-off."""

    @test.create_mocks({burst_api: ['policy_get', 'preview_data',
                                    'compute_services']})
    def test_renders_at_once_with_the_banner_then_recovers(self):
        self.mock_policy_get.return_value = _state()
        self.mock_preview_data.return_value = _data()
        self.mock_compute_services.return_value = {
            'compute-1': _service('compute-1'),
            'compute-2': _service('compute-2')}
        self.aws.mode = 'timeout'
        res = self.client.get(CAPACITY_URL)
        self.assertEqual(200, res.status_code)
        # describe_instances and the Service Quotas call, each once
        self.assertEqual(2, len(self.aws.sent))
        banner = ('EC2 (region us-east-1) unreachable since 2026-11-12 '
                  '10:00:00 UTC, last tried 2026-11-12 10:00:00 UTC (no '
                  'answer in time); not asked again before 2026-11-12 '
                  '10:01:00 UTC. Only the private side is shown.')
        self.assertMessageCount(res, warning=1, error=0)
        self.assertContains(res, banner)
        self.assertContains(res, 'burst-ec2-backoff')
        self.assertContains(res, '48 of 128 vCPUs')   # the private side
        for words in AWS_TEXT:
            self.assertNotContains(res, words)
        # While backing off: no EC2 call at all, the same banner.
        self.now = T0 + 20
        res = self.client.get(CAPACITY_URL)
        self.assertEqual(2, len(self.aws.sent))
        self.assertContains(res, banner)
        self.assertContains(res, '48 of 128 vCPUs')
        # After it: tried again, EC2 answers, the public side is back.
        self.now = T0 + 61
        self.aws.mode = 'ok'
        res = self.client.get(CAPACITY_URL)
        self.assertGreater(len(self.aws.sent), 2)
        self.assertMessageCount(res, warning=0, error=0)
        self.assertNotContains(res, 'burst-ec2-unreachable')
        self.assertContains(res, 'Public cloud: EC2 us-east-1')
        self.assertIsNone(self.outage())


ADMIN_MOCKS = {decisions_api: ['summary'], instances_api: ['server_list'],
               burst_api: ['policy_get', 'compute_hosts',
                           'availability_zones'],
               keystone: ['tenant_list']}


@override_settings(BURST_DASHBOARD=SETTINGS, API_RESULT_PAGE_SIZE=20)
class AdminInstancesPageTests(BackoffMixin, test.BaseAdminViewTests):
    """The page's real describe (admin_inventory) under the back-off."""

    @test.create_mocks(ADMIN_MOCKS)
    def test_renders_at_once_with_the_banner(self):
        self.mock_server_list.return_value = factories.listed([
            factories.server('loc', name='db-local', host='compute-1')])
        self.mock_summary.return_value = None
        self.mock_policy_get.return_value = _state()
        self.mock_compute_hosts.return_value = []
        self.mock_availability_zones.return_value = {}
        self.mock_tenant_list.return_value = ([], False)
        self.aws.mode = 'refused'
        res = self.client.get(ADMIN_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual(2, len(self.aws.sent))   # one retry, then no more
        banner = ('EC2 (region us-east-1) unreachable since 2026-11-12 '
                  '10:00:00 UTC, last tried 2026-11-12 10:00:00 UTC (no '
                  'connection); not asked again before 2026-11-12 '
                  '10:01:00 UTC. Local instances are listed; EC2 details '
                  'are missing.')
        self.assertMessageCount(res, warning=1, error=0)
        self.assertContains(res, banner)
        self.assertContains(res, 'db-local')
        for words in AWS_TEXT:
            self.assertNotContains(res, words)
        self.now = T0 + 45
        res = self.client.get(ADMIN_URL)
        self.assertEqual(2, len(self.aws.sent))
        self.assertContains(res, banner)
        self.assertContains(res, 'db-local')


@override_settings(BURST_DASHBOARD=SETTINGS, API_RESULT_PAGE_SIZE=20)
class ProjectInstancesPageTests(BackoffMixin, test.TestCase):

    @test.create_mocks({decisions_api: ['summary'],
                        instances_api: ['server_list']})
    def test_kept_ec2_while_its_full_describe_fails_has_the_banner(self):
        self.mock_summary.return_value = None
        member = auth_utils.get_user(self.request)
        # updated long ago: nothing to describe again
        self.mock_server_list.return_value = factories.listed([dict(
            factories.server('mine', name='my-local', host=None,
                             project=member.project_id),
            updated='2026-11-01T10:00:00Z')])
        with override_settings(BURST_DASHBOARD=dict(SETTINGS,
                                                    ec2_max_age=0)):
            res = self.client.get(PROJECT_URL)     # EC2 read and kept
            self.assertMessageCount(res, warning=0, error=0)
            self.aws.mode = 'refused'
            # From what is kept (no change, no call); the full describe
            # behind the page is refused.
            self.client.get(PROJECT_URL)
            kept.wait_for_background()
            sent = len(self.aws.sent)
            self.assertIsNotNone(self.outage())
            res = self.client.get(PROJECT_URL)     # no change: no call
        self.assertEqual(sent, len(self.aws.sent))
        self.assertMessageCount(res, warning=1, error=0)
        self.assertContains(res, 'EC2 details are as EC2 last gave them, '
                                 'in full at ')
        self.assertContains(res, 'my-local')
        for words in AWS_TEXT:
            self.assertNotContains(res, words)

    @test.create_mocks({decisions_api: ['summary'],
                        instances_api: ['server_list']})
    def test_renders_at_once_with_the_banner(self):
        self.mock_summary.return_value = None
        member = auth_utils.get_user(self.request)
        self.mock_server_list.return_value = factories.listed([
            factories.server('mine', name='my-local', host=None,
                             project=member.project_id)])
        self.aws.mode = 'throttled'
        res = self.client.get(PROJECT_URL)
        self.assertEqual(200, res.status_code)
        sent = len(self.aws.sent)
        banner = ('EC2 (region us-east-1) unreachable since 2026-11-12 '
                  '10:00:00 UTC, last tried 2026-11-12 10:00:00 UTC '
                  '(requests throttled); not asked again before 2026-11-12 '
                  '10:01:00 UTC. Local instances are listed; EC2 details '
                  'are missing. If this lasts, tell your cloud '
                  'administrator.')
        self.assertMessageCount(res, warning=1, error=0)
        self.assertContains(res, banner)
        self.assertContains(res, 'my-local')
        for words in AWS_TEXT + ('RequestLimitExceeded', '123456789012'):
            self.assertNotContains(res, words)
        self.now = T0 + 10
        res = self.client.get(PROJECT_URL)
        self.assertEqual(sent, len(self.aws.sent))
        self.assertContains(res, banner)
