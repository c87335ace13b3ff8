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

"""Debian's headless Chromium through Debian's chromedriver, logged into
the local cloud's Horizon: for the screenshots command and the browser
tests alike."""
import contextlib
import shutil
import tempfile

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMEDRIVER = shutil.which('chromedriver') or '/usr/bin/chromedriver'
TIMEOUT = 60


@contextlib.contextmanager
def chromium(width=1400, height=1000):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    profile = tempfile.mkdtemp(prefix='burst-chromium-')
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                '--disable-background-networking', '--disable-sync',
                '--disable-component-update', '--no-first-run',
                '--disable-dev-shm-usage', '--hide-scrollbars',
                '--window-size=%d,%d' % (width, height),
                '--user-data-dir=' + profile):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    # The page's viewport exactly width x height (the window's frame would
    # take some): screenshots of a fixed size.
    driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', {
        'width': width, 'height': height, 'deviceScaleFactor': 1,
        'mobile': False})
    driver.set_page_load_timeout(TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def login(driver, horizon_url, user, password):
    """Log into Horizon through its login form."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get(horizon_url + '/auth/login/')
    driver.find_element(By.ID, 'id_username').send_keys(user)
    driver.find_element(By.ID, 'id_password').send_keys(password)
    driver.find_element(By.ID, 'loginBtn').click()
    WebDriverWait(driver, TIMEOUT).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, '#navbar-collapse')))
    return driver


# True once the page has loaded, jQuery has no request running, and every
# chart (Horizon's line charts, the Capacity page's d3 charts) has drawn
# its SVG or said it has no data.
CHARTS_DRAWN = '''
return document.readyState === 'complete' &&
  (!window.jQuery || jQuery.active === 0) &&
  Array.prototype.every.call(
    document.querySelectorAll('[data-chart-type]'),
    function (el) { return el.querySelector('svg') ||
                           /No data/.test(el.textContent); });
'''


def wait_drawn(driver, timeout=TIMEOUT):
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script(CHARTS_DRAWN))
