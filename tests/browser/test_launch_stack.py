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

"""In Chromium: the demo member launches heat-templates/multi-tier.yaml
from Horizon's own Project → Orchestration → Stacks → Launch Stack, sees it
complete, and Project → Compute → Burst Instances lists the stack's
servers with their places (local, or EC2), filtered by the stack."""
import os
import time
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from localcloud import paths
from localcloud import seed

pytestmark = pytest.mark.browser

TEMPLATE = os.path.abspath(os.path.join(
    os.path.dirname(__file__), '..', '..', 'heat-templates',
    'multi-tier.yaml'))


def test_member_launches_the_multi_tier_stack(
        login, local_cloud, demo_conn, admin_conn, artifacts_dir):
    name = 'shop-%s' % uuid.uuid4().hex[:6]
    browser = login('demo', paths.secrets_()['demo'])
    browser.get(local_cloud.url('horizon', '/project/stacks/'))
    WebDriverWait(browser, 30).until(ec.element_to_be_clickable(
        (By.ID, 'stacks__action_launch'))).click()
    WebDriverWait(browser, 30).until(ec.presence_of_element_located(
        (By.ID, 'id_template_upload'))).send_keys(TEMPLATE)
    browser.find_element(
        By.CSS_SELECTOR, '.modal-footer [type=submit]').click()
    WebDriverWait(browser, 60).until(ec.visibility_of_element_located(
        (By.ID, 'id_stack_name'))).send_keys(name)
    browser.find_element(By.ID, 'id_password').send_keys(
        paths.secrets_()['demo'])
    # The template's defaults, as Horizon fills them in.
    for param, value in (('image', seed.IMAGE_NAME),
                         ('network', seed.DEMO_NET),
                         ('db_flavor', 'private.medium'),
                         ('web_flavor', 'm1.large'), ('web_count', '6')):
        assert browser.find_element(
            By.ID, 'id___param_' + param).get_attribute('value') == value
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'launch-stack-parameters.png'))
    browser.find_element(
        By.CSS_SELECTOR, '.modal-footer [type=submit]').click()
    stack = None
    try:
        deadline = time.monotonic() + 300
        while True:
            stack = demo_conn.orchestration.find_stack(name)
            if stack is not None and stack.status != 'CREATE_IN_PROGRESS':
                break
            assert time.monotonic() < deadline, 'stack still in progress'
            time.sleep(3)
        assert stack.status == 'CREATE_COMPLETE', stack.status_reason
        browser.get(local_cloud.url('horizon', '/project/stacks/'))
        row = WebDriverWait(browser, 30).until(ec.presence_of_element_located(
            (By.XPATH, "//tr[td//a[normalize-space(.)='%s']]" % name)))
        assert 'Create Complete' in row.text

        servers = [s for s in admin_conn.compute.servers(
            all_projects=True) if s.name.startswith(name + '-')]
        assert len(servers) == 7      # the database and six web servers
        browser.get(local_cloud.url(
            'horizon', '/project/burst_instances/?stack=' + name))
        rows = WebDriverWait(browser, 30).until(
            ec.presence_of_all_elements_located(
                (By.CSS_SELECTOR, '#burst_project_instances tbody tr'
                                  '[data-where]')))
        browser.save_screenshot(os.path.join(artifacts_dir,
                                             'burst-instances-stack.png'))
        shown = {}
        for r in rows:
            cells = r.find_elements(By.TAG_NAME, 'td')
            shown[cells[0].text] = (cells[1].text, cells[2].text)
        expected = {s.name: (name, 'EC2: %s' % paths.EC2_REGION
                             if s.compute_host == paths.EC2_HOST
                             else 'Local') for s in servers}
        assert shown == expected
        assert shown[name + '-db'][1] == 'Local'
    finally:
        stack = stack or demo_conn.orchestration.find_stack(name)
        if stack is not None:
            demo_conn.orchestration.delete_stack(stack)
            deadline = time.monotonic() + 300
            while demo_conn.orchestration.find_stack(name) is not None and \
                    time.monotonic() < deadline:
                time.sleep(3)
