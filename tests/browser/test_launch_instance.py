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

"""In Chromium: the demo member launches an instance with Horizon's own
Launch Instance wizard as soon as the cloud is up, and it goes ACTIVE on a
fake hypervisor."""
import os
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from localcloud import apis
from localcloud import paths
from localcloud import seed
from tests import helpers

pytestmark = pytest.mark.browser


def _click(browser, xpath, timeout=30):
    el = WebDriverWait(browser, timeout).until(
        ec.element_to_be_clickable((By.XPATH, xpath)))
    browser.execute_script('arguments[0].scrollIntoView({block:"center"})',
                           el)
    el.click()
    return el


def _allocate(browser, text):
    """Move the row containing `text` to the allocated table."""
    _click(browser, "(//tr[td[contains(normalize-space(.), '%s')]]"
                    "//button)[last()]" % text)


def _step(browser, title):
    _click(browser, "//div[contains(@class, 'wizard-nav')]"
                    "//a[contains(normalize-space(.), '%s')]" % title)


def test_member_launches_instance(login, local_cloud, demo_conn,
                                  admin_conn, artifacts_dir):
    name = 'ui-%s' % uuid.uuid4().hex[:8]
    browser = login('demo', paths.secrets_()['demo'])
    browser.get(local_cloud.url('horizon', '/project/instances/'))
    _click(browser, "//*[@id='instances__action_launch-ng']")
    WebDriverWait(browser, 30).until(
        ec.visibility_of_element_located((By.NAME, 'name'))).send_keys(name)
    _step(browser, 'Source')
    _allocate(browser, seed.IMAGE_NAME)
    _step(browser, 'Flavor')
    _allocate(browser, 'm1.tiny')
    _step(browser, 'Networks')
    WebDriverWait(browser, 30).until(ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, '.modal-body'), seed.DEMO_NET))
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'launch-instance-networks.png'))
    _click(browser, "//button[contains(@class, 'finish')]")
    server = None
    try:
        WebDriverWait(browser, 60).until(
            lambda b: demo_conn.compute.find_server(name) is not None)
        server = demo_conn.compute.find_server(name)
        server = demo_conn.compute.wait_for_server(server, wait=120)
        assert server.status == 'ACTIVE'
        host = admin_conn.compute.get_server(server.id).compute_host
        assert host in apis.compute_hosts()
        browser.get(local_cloud.url('horizon', '/project/instances/'))
        row = WebDriverWait(browser, 30).until(
            ec.presence_of_element_located(
                (By.XPATH, "//tr[td//a[normalize-space(.)='%s']]" % name)))
        assert 'Active' in row.text
    finally:
        if server is None:
            server = demo_conn.compute.find_server(name)
        if server is not None:
            demo_conn.compute.delete_server(server)
            helpers.wait_gone(demo_conn, server, wait=120)
