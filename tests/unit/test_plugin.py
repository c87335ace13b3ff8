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

"""The plugin registers its panel group and panels, and each panel is shown
to the right user and refused to the wrong one, checked with the real
policy check function (openstack_auth.policy.check on Nova's policy)."""
from django.test.utils import override_settings
from django.urls import reverse

import horizon
from openstack_dashboard.test import helpers as test

from burst_dashboard.api import instances as instances_api
from tests.unit import test_capacity

CAPACITY_URL = 'horizon:admin:burst_capacity:index'
INSTANCES_URL = 'horizon:admin:burst_instances:index'
PROJECT_URL = 'horizon:project:burst_instances:index'
PROJECT_MOCKS = {instances_api: ['project_inventory']}
REAL_POLICY = override_settings(
    POLICY_CHECK_FUNCTION='openstack_auth.policy.check')


class RegistrationTests(test.TestCase):

    def setUp(self):
        super().setUp()
        reverse(CAPACITY_URL)  # loads Horizon's URLconf: registers panels

    def test_admin_panel_group(self):
        admin = horizon.get_dashboard('admin')
        group = admin.get_panel_group('cloud_bursting')
        self.assertEqual('Cloud Bursting', str(group.name))
        self.assertEqual(['burst_capacity', 'burst_thresholds',
                          'burst_instances', 'burst_spend'],
                         list(group.panels))
        panel = admin.get_panel('burst_capacity')
        self.assertEqual('Capacity', str(panel.name))
        panel = admin.get_panel('burst_instances')
        self.assertEqual('Instances', str(panel.name))
        panel = admin.get_panel('burst_spend')
        self.assertEqual('Spend', str(panel.name))

    def test_project_panel_in_compute_group(self):
        project = horizon.get_dashboard('project')
        group = project.get_panel_group('compute')
        self.assertIn('burst_instances', group.panels)
        panel = project.get_panel('burst_instances')
        self.assertEqual('Burst Instances', str(panel.name))

    def test_urls(self):
        self.assertEqual('/admin/burst_capacity/', reverse(CAPACITY_URL))
        self.assertEqual('/admin/burst_instances/', reverse(INSTANCES_URL))
        self.assertEqual('/project/burst_instances/', reverse(PROJECT_URL))
        self.assertEqual('/admin/burst_spend/',
                         reverse('horizon:admin:burst_spend:index'))
        self.assertEqual('/project/burst_instances/spend/',
                         reverse('horizon:project:burst_instances:spend'))
        self.assertEqual('/admin/burst_instances/u-1/decision/', reverse(
            'horizon:admin:burst_instances:decision', args=('u-1',)))


@REAL_POLICY
class AdminAccessTests(test.BaseAdminViewTests):
    """The Capacity page's backends are mocked as in test_capacity."""

    def _mock(self):
        test_capacity.IndexViewTests._mock(self)

    @test.create_mocks(test_capacity.MOCKS)
    def test_admin_sees_capacity(self):
        self._mock()
        res = self.client.get(reverse(CAPACITY_URL))
        self.assertTemplateUsed(res, 'burst_dashboard/capacity/index.html')
        self.assertContains(res, 'Cloud Bursting')
        self.assertContains(res, 'side by side')

    @test.create_mocks(test_capacity.MOCKS)
    def test_admin_sees_group_in_navigation(self):
        self._mock()
        res = self.client.get(reverse(CAPACITY_URL))
        self.assertContains(res, reverse(CAPACITY_URL))


@REAL_POLICY
class MemberAccessTests(test.TestCase):
    """The default test user is a plain member of its project."""

    def test_member_refused_capacity(self):
        res = self.client.get(reverse(CAPACITY_URL))
        self.assertEqual(403, res.status_code)

    @test.create_mocks(PROJECT_MOCKS)
    def test_member_sees_burst_instances(self):
        self.mock_project_inventory.return_value = instances_api.Inventory(
            rows=[], region='us-east-1')
        res = self.client.get(reverse(PROJECT_URL))
        self.assertTemplateUsed(
            res, 'burst_dashboard/burst_instances/index.html')
        self.assertNotContains(res, reverse(CAPACITY_URL))
        self.assertNotContains(res, reverse(INSTANCES_URL))
        self.mock_project_inventory.assert_called_once_with(
            test.IsHttpRequest(), 21, ('created', 'desc'),
            instead=21)  # a page + 1

    def test_member_refused_instances(self):
        res = self.client.get(reverse(INSTANCES_URL))
        self.assertEqual(403, res.status_code)

    def test_member_refused_when_policy_denies(self):
        def deny_servers_index(rules, request, *args, **kwargs):
            from openstack_auth import policy
            if ('compute', 'os_compute_api:servers:index') in rules:
                return False
            return policy.check(rules, request, *args, **kwargs)
        with override_settings(POLICY_CHECK_FUNCTION=deny_servers_index):
            res = self.client.get(reverse(PROJECT_URL))
        self.assertEqual(403, res.status_code)

    def test_refused_without_compute_service(self):
        catalog = [s for s in self.service_catalog
                   if s['type'] != 'compute']
        self.setActiveUser(id=self.user.id, token=self.token,
                           username=self.user.name,
                           tenant_id=self.tenant.id,
                           service_catalog=catalog,
                           authorized_tenants=self.tenants.list())
        res = self.client.get(reverse(PROJECT_URL))
        self.assertEqual(403, res.status_code)
