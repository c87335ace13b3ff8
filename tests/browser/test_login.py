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

"""In Chromium: an admin logs into Horizon and sees the Cloud Bursting group;
a member does not, and is refused its pages."""
import os

import pytest
from selenium.webdriver.common.by import By

from localcloud import paths

pytestmark = pytest.mark.browser


def _nav_text(browser):
    return browser.find_element(By.ID, 'sidebar').get_attribute('textContent')


def test_admin_sees_cloud_bursting(login, local_cloud, artifacts_dir):
    browser = login('admin', paths.secrets_()['admin'])
    browser.get(local_cloud.url('horizon', '/admin/burst_capacity/'))
    assert 'Cloud Bursting' in _nav_text(browser)
    assert 'Burst Capacity' in browser.find_element(
        By.CSS_SELECTOR, '.page-header').text
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'admin-burst-capacity.png'))


def test_member_does_not_see_cloud_bursting(login, local_cloud):
    browser = login('demo', paths.secrets_()['demo'])
    browser.get(local_cloud.url('horizon', '/project/burst_instances/'))
    assert 'Burst Instances' in browser.find_element(
        By.CSS_SELECTOR, '.page-header').text
    nav = _nav_text(browser)
    assert 'Burst Instances' in nav
    assert 'Cloud Bursting' not in nav
    browser.get(local_cloud.url('horizon', '/admin/burst_capacity/'))
    assert 'Burst Capacity' not in browser.page_source
