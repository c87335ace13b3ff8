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

"""Admin → Cloud Bursting → Spend and the project's Spend page, against a
mocked burst_dashboard.api.economics whose History is computed by the
real burst_core.economics from runs."""
import datetime
import json

from django.test.utils import override_settings
from django.urls import reverse
import pytest

from openstack_dashboard.test import helpers as test

from burst_core import economics
from burst_dashboard.api import economics as economics_api

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 28, 12, tzinfo=UTC)
ADMIN_URL = reverse('horizon:admin:burst_spend:index')
PROJECT_URL = reverse('horizon:project:burst_instances:spend')
CONFIGURED = {'use_pricing_api': False, 'aggregate': 'burst-ec2',
              'owning': {'usd_per_vcpu_month': 20.0}}


def _runs():
    h = datetime.timedelta(hours=1)
    return [
        economics.Run('a', 'web', 'p-demo', 2, True, NOW - 10 * h, None,
                      hourly_price=0.5, instance_type='t3a.medium'),
        economics.Run('b', 'batch', 'p-other', 4, True, NOW - 30 * h,
                      NOW - 20 * h, hourly_price=1.0),
        economics.Run('c', 'db', 'p-demo', 8, False, NOW - 100 * h, None),
    ]


def _history(period='7d', admin=True):
    start, end = economics.period_bounds(period, NOW)
    history = economics_api.History(
        period=period, start=start, end=end, runs=[], points=[])
    if admin:
        history.capacity_vcpus, history.enter_vcpu_pct = 32.0, 80.0
        history.projects = {'p-demo': 'demo', 'p-other': '<b>other</b>'}
        history.host_vcpus = 16.0
    return economics_api._fill(history, _runs(), NOW, 24)


class SpendTests(test.BaseAdminViewTests):

    @override_settings(BURST_DASHBOARD=CONFIGURED)
    @test.create_mocks({economics_api: ['admin_history']})
    def test_figures_charts_showback_and_break_even(self):
        self.mock_admin_history.return_value = _history()
        res = self.client.get(ADMIN_URL)
        self.assertEqual(200, res.status_code)
        self.mock_admin_history.assert_called_once_with(
            test.IsHttpRequest(), '7d')
        # 10 h x 0.5 + 10 h x 1.0 in the period, 5 + 10 this month
        self.assertContains(res, '<strong class="burst-period-total">'
                                 '$15.00</strong>', html=True)
        self.assertContains(res, '<strong class="burst-burn-rate">'
                                 '$0.5000/h</strong>', html=True)
        # forecast: 15 + 0.5 $/h for the 60 h left of November
        self.assertContains(res, '$45.00')
        demand = json.loads(res.context['demand_chart'])
        names = [s['name'] for s in demand['series']]
        self.assertEqual(['Local vCPUs', 'EC2 vCPUs', 'Private capacity',
                          'Enter threshold'], names)
        self.assertEqual(25.6, demand['series'][3]['data'][0]['y'])
        self.assertContains(res, 'data-chart-type="line_chart"', count=2)
        # showback: the other project first (more this month), escaped
        rows = res.context['table'].data
        self.assertEqual(['p-other', 'p-demo'], [r.project_id for r in rows])
        self.assertContains(res, '&lt;b&gt;other&lt;/b&gt;')
        # break-even: peak 4 EC2 vCPUs at $20 a vCPU-month for 7 days
        be = res.context['break_even']
        self.assertEqual(4, be.peak_vcpus)
        self.assertAlmostEqual(4 * 20.0 * 168 / 730, be.owning_cost)
        self.assertAlmostEqual(15.0, be.burst_cost)
        self.assertContains(res, 'Bursting was cheaper')

    @override_settings(BURST_DASHBOARD={'use_pricing_api': False})
    @test.create_mocks({economics_api: ['admin_history']})
    def test_without_an_owning_cost_it_says_how_to_set_one(self):
        self.mock_admin_history.return_value = _history('mtd')
        res = self.client.get(ADMIN_URL + '?period=mtd')
        self.mock_admin_history.assert_called_once_with(
            test.IsHttpRequest(), 'mtd')
        self.assertIsNone(res.context['break_even'])
        self.assertContains(res, "State what private capacity costs")

    @override_settings(BURST_DASHBOARD={'use_pricing_api': False, 'owning': {
        'usd_per_vcpu_month': 'lots'}})
    @test.create_mocks({economics_api: ['admin_history']})
    def test_bad_input_is_a_message_not_a_500(self):
        self.mock_admin_history.return_value = _history()
        res = self.client.get(ADMIN_URL + '?period=%3Cb%3E')
        self.assertEqual(200, res.status_code)
        self.mock_admin_history.assert_called_once_with(
            test.IsHttpRequest(), '7d')
        self.assertMessageCount(res, warning=2)
        self.assertContains(res, 'Unknown period &quot;&lt;b&gt;&quot;')

    @test.create_mocks({economics_api: ['admin_history']})
    def test_nova_down_is_a_message(self):
        self.mock_admin_history.side_effect = self.exceptions.nova
        res = self.client.get(ADMIN_URL)
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)
        self.assertContains(res, 'Unable to read the instances&#x27; '
                                 'history')


class ProjectSpendTests(test.TestCase):

    @override_settings(BURST_DASHBOARD=CONFIGURED)
    @test.create_mocks({economics_api: ['project_history']})
    def test_the_projects_own_without_the_clouds_figures(self):
        self.mock_project_history.return_value = _history('30d', admin=False)
        res = self.client.get(PROJECT_URL + '?period=30d')
        self.assertEqual(200, res.status_code)
        demand = json.loads(res.context['demand_chart'])
        self.assertEqual(['Local vCPUs', 'EC2 vCPUs'],
                         [s['name'] for s in demand['series']])
        self.assertNotContains(res, 'Private capacity')
        self.assertNotContains(res, 'break-even')


@pytest.mark.parametrize('owning, host_vcpus, expected', [
    ({'usd_per_vcpu_month': 12.5}, None, 12.5),
    ({'usd_per_host_month': 640}, 32.0, 20.0),
    ({'usd_per_host_month': 640, 'vcpus_per_host': 64}, 32.0, 10.0),
])
def test_owning_cost_per_vcpu_month(owning, host_vcpus, expected):
    with override_settings(BURST_DASHBOARD={'owning': owning}):
        assert economics_api.owning_usd_per_vcpu_month(host_vcpus) == \
            expected


@pytest.mark.parametrize('owning', [{'usd_per_vcpu_month': -1},
                                    {'usd_per_vcpu_month': 'nan'},
                                    {'usd_per_host_month': 100}])
def test_unusable_owning_cost(owning):
    with override_settings(BURST_DASHBOARD={'owning': owning}):
        with pytest.raises(ValueError):
            economics_api.owning_usd_per_vcpu_month(None)
