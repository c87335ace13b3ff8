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

import pytest

from localcloud import browser as cloud_browser


@pytest.fixture
def browser(local_cloud):
    """Headless Debian Chromium driven through Debian's chromedriver."""
    with cloud_browser.chromium() as driver:
        yield driver


@pytest.fixture
def login(browser, local_cloud):
    """login(user, password): log into Horizon through its login form."""
    def _login(user, password):
        return cloud_browser.login(browser, local_cloud.url('horizon'),
                                   user, password)
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
