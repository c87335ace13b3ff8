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

"""``python -m localcloud screenshots``: a PNG of every page of the
plugin, as the admin and as the member, through headless Chromium at a
fixed window size, each taken once the page's charts have drawn."""
import os

from localcloud import browser
from localcloud import paths

# (file, path): the admin's pages, then the member's.
ADMIN_PAGES = [
    ('admin-capacity', '/admin/burst_capacity/'),
    ('admin-thresholds', '/admin/burst_thresholds/'),
    ('admin-instances', '/admin/burst_instances/'),
    ('admin-spend', '/admin/burst_spend/?period=24h'),
]
MEMBER_PAGES = [
    ('member-burst-instances', '/project/burst_instances/'),
    ('member-spend', '/project/burst_instances/spend/?period=24h'),
]
DECISION = 'admin-decision'
# The decision of one instance on EC2, if the instances page links one.
DECISION_LINK = ('table#burst_admin_instances tr[data-where="ec2"] '
                 'a[href*="/decision/"]')


class PageError(Exception):
    pass


def _shoot(driver, url, path):
    driver.get(url)
    browser.wait_drawn(driver)
    if driver.find_elements('css selector', '.alert-danger'):
        raise PageError('%s shows an error' % url)
    driver.save_screenshot(path)
    return path


def take(out, width=1920, height=1080):
    """Screenshots of every page into ``out``; their paths."""
    os.makedirs(out, exist_ok=True)
    horizon = paths.url('horizon')
    secrets = paths.secrets_()
    made = []
    with browser.chromium(width, height) as driver:
        browser.login(driver, horizon, 'admin', secrets['admin'])
        for name, page in ADMIN_PAGES:
            made.append(_shoot(driver, horizon + page,
                               os.path.join(out, name + '.png')))
        driver.get(horizon + '/admin/burst_instances/?show=ec2')
        links = driver.find_elements('css selector', DECISION_LINK)
        if links:
            made.append(_shoot(driver, links[0].get_attribute('href'),
                               os.path.join(out, DECISION + '.png')))
    with browser.chromium(width, height) as driver:
        browser.login(driver, horizon, 'demo', secrets['demo'])
        for name, page in MEMBER_PAGES:
            made.append(_shoot(driver, horizon + page,
                               os.path.join(out, name + '.png')))
    return made
