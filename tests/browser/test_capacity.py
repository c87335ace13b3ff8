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

"""In Chromium, as the admin: Admin → Cloud Bursting → Capacity shows the
private side (Placement, per resource, zone, aggregate and host, with the
enter thresholds drawn) beside the public side (the EC2 region's vCPU quota
with its source, vCPUs in use, caps, headroom, burn rate), and the headroom
by flavor."""
import os
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from localcloud import paths

pytestmark = pytest.mark.browser


def _capacity(browser, local_cloud):
    browser.get(local_cloud.url('horizon', '/admin/burst_capacity/'))
    page = WebDriverWait(browser, 60).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, '.burst-capacity')))
    # Let horizon.d3piechart finish its animation.
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(
        By.CSS_SELECTOR, '.burst-capacity .pie-chart-usage svg'))
    time.sleep(1)
    return page


def _cell(browser, css):
    return browser.find_element(By.CSS_SELECTOR, css).text.strip()


def test_capacity_page(login, local_cloud, admin_conn, artifacts_dir):
    browser = login('admin', paths.secrets_()['admin'])
    browser.set_window_size(1600, 1900)
    page = _capacity(browser, local_cloud)
    browser.save_screenshot(os.path.join(artifacts_dir, 'capacity.png'))
    text = page.text
    # The plugin's SCSS (ADD_SCSS_FILES) is compiled into Horizon's CSS.
    side = browser.find_element(By.CSS_SELECTOR, '.burst-capacity .burst-side')
    assert side.value_of_css_property('border-top-style') == 'solid'

    # Private side: every fake compute host, figures from Placement.
    hosts = sorted(h.host for h in admin_conn.compute.services(
        binary='nova-compute') if h.host.startswith('compute-'))
    assert hosts
    table = browser.find_element(By.ID, 'hosts').text
    for host in hosts:
        assert host in table
    assert 'ec2-us-east-1' not in table
    assert 'Private cloud' in text
    # the pool's vCPU capacity is Placement's (total - reserved) x ratio
    capacity = 0
    for rp in admin_conn.placement.resource_providers():
        if rp.name.split('.')[0] in hosts:
            for inv in admin_conn.placement.resource_provider_inventories(rp):
                if inv.resource_class == 'VCPU':
                    capacity += (inv.total - inv.reserved) * \
                        inv.allocation_ratio
    assert capacity > 0
    figures = _cell(browser, '.burst-private-figures .burst-row-VCPU')
    assert '%g' % capacity in figures.split()
    assert 'threshold 80 %' in text or 'threshold ' in text
    # three private charts, each with its threshold line
    assert len(browser.find_elements(
        By.CSS_SELECTOR, '.burst-private line.burst-pie-threshold')) == 3

    # Public side: the region, the quota and its source, use, headroom.
    assert 'Public cloud: EC2 us-east-1' in text
    assert browser.find_elements(By.CSS_SELECTOR, '.burst-quota-source')
    assert int(_cell(browser, '.burst-quota')) > 0
    assert _cell(browser, '.burst-vcpu-headroom').isdigit()
    assert _cell(browser, '.burst-managed-cost').startswith('$')
    assert not browser.find_elements(By.CSS_SELECTOR,
                                     '.burst-ec2-unreachable')

    # Headroom by flavor: the local and the EC2-pinned flavors.
    headroom = browser.find_element(By.ID, 'headroom').text
    assert 'm1.large' in headroom
    assert 'ec2.small' in headroom
