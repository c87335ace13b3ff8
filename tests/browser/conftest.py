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

import os
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'


@pytest.fixture
def browser(local_cloud):
    """Headless Debian Chromium driven through Debian's chromedriver."""
    profile = tempfile.mkdtemp(prefix='burst-chromium-')
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                '--disable-background-networking', '--disable-sync',
                '--disable-component-update', '--no-first-run',
                '--disable-dev-shm-usage', '--window-size=1400,1000',
                '--user-data-dir=' + profile):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def login(browser, local_cloud):
    """login(user, password): log into Horizon through its login form."""
    def _login(user, password):
        browser.get(local_cloud.url('horizon', '/auth/login/'))
        browser.find_element(By.ID, 'id_username').send_keys(user)
        browser.find_element(By.ID, 'id_password').send_keys(password)
        browser.find_element(By.ID, 'loginBtn').click()
        WebDriverWait(browser, 60).until(
            ec.presence_of_element_located(
                (By.CSS_SELECTOR, '#navbar-collapse')))
        return browser
    return _login


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep a screenshot of the page when a browser test fails."""
    outcome = yield
    report = outcome.get_result()
    driver = item.funcargs.get('browser')
    if report.when == 'call' and report.failed and driver is not None:
        from tests.conftest import ARTIFACTS
        os.makedirs(ARTIFACTS, exist_ok=True)
        driver.save_screenshot(os.path.join(
            ARTIFACTS, 'FAILED-%s.png' % item.name))
