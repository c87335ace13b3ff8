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

"""In Chromium: Admin → Cloud Bursting → Instances lists every project's
instances, local and on EC2, with EC2 details and drift (an orphan made in
moto behind Nova's back, its HTML name shown as text); Project → Compute →
Burst Instances shows a member their own project's instances only."""
import os
import time
import uuid

import boto3
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from localcloud import infra
from localcloud import paths
from localcloud import seed
from tests import helpers

pytestmark = pytest.mark.browser

EVIL = '<img src=x onerror="document.title=\'pwned\'">orphan'


def _boot(conn, flavor, name):
    image = conn.image.find_image(seed.IMAGE_NAME)
    fl = conn.compute.find_flavor(flavor, ignore_missing=False)
    return conn.compute.create_server(name=name, image_id=image.id,
                                      flavor_id=fl.id, networks='none')


@pytest.fixture(scope='module')
def fleet(admin_conn, demo_conn):
    """demo: one local and one EC2 instance; admin: one local instance;
    and an orphan of project demo made directly in moto."""
    tag = uuid.uuid4().hex[:6]
    made = [(demo_conn, _boot(demo_conn, 'm1.tiny', 'web-local-' + tag)),
            (demo_conn, _boot(demo_conn, 'ec2.small', 'web-ec2-' + tag)),
            (admin_conn, _boot(admin_conn, 'm1.tiny', 'admins-own-' + tag))]
    servers = [admin_conn.compute.get_server(   # as admin: with its host
        conn.compute.wait_for_server(s, wait=120).id) for conn, s in made]
    ec2 = boto3.client('ec2', endpoint_url=paths.EC2_URL,
                       region_name=paths.EC2_REGION,
                       aws_access_key_id='t', aws_secret_access_key='x')
    image = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    orphan = ec2.run_instances(
        ImageId=image, InstanceType='t3.micro', MinCount=1, MaxCount=1,
        TagSpecifications=[{'ResourceType': 'instance', 'Tags': [
            {'Key': k, 'Value': v} for k, v in {
                'openstack:managed-by': paths.EC2_MANAGED_BY,
                'openstack:instance-id': str(uuid.uuid4()),
                'openstack:project-id': demo_conn.current_project_id,
                'Name': EVIL}.items()]}])['Instances'][0]['InstanceId']
    ec2_id = ec2.describe_instances(Filters=[
        {'Name': 'tag:openstack:instance-id', 'Values': [servers[1].id]}])[
        'Reservations'][0]['Instances'][0]['InstanceId']
    # The orphan was made in EC2 alone, which Horizon's kept EC2 instances
    # show once described in full again (ec2_max_age): start cold.
    infra.flush_memcached()
    yield {'local': servers[0], 'ec2': servers[1], 'admins': servers[2],
           'orphan': orphan, 'ec2_id': ec2_id}
    ec2.terminate_instances(InstanceIds=[orphan])
    for (conn, _s), s in zip(made, servers):
        conn.compute.delete_server(s)
    for (conn, _s), s in zip(made, servers):
        helpers.wait_gone(conn, s, wait=120)


ADMIN, PROJECT = 'burst_admin_instances', 'burst_project_instances'


def _table(browser, url, name):
    browser.get(url)
    return WebDriverWait(browser, 60).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, 'table#' + name)))


def _whole_table(browser, url, name):
    """The table once it lists every instance: a cold first page lists
    the newest (or the first by name) only, and says so, while the rest
    is read behind it."""
    deadline = time.monotonic() + 60
    table = _table(browser, url, name)
    while browser.find_elements(By.CSS_SELECTOR, '.burst-servers-partial'):
        assert time.monotonic() < deadline, 'still partial after 60 s'
        time.sleep(1)
        table = _table(browser, url, name)
    return table


def _row(browser, name, row_id):
    return browser.find_element(By.ID, '%s__row__%s' % (name, row_id))


def test_admin_instances_page(login, local_cloud, fleet, artifacts_dir):
    browser = login('admin', paths.secrets_()['admin'])
    browser.set_window_size(1900, 1400)
    url = local_cloud.url('horizon', '/admin/burst_instances/?sort=name'
                                     '&dir=asc')
    _whole_table(browser, url, ADMIN)
    browser.save_screenshot(os.path.join(artifacts_dir, 'instances.png'))
    local = _row(browser, ADMIN, fleet['local'].id).text
    assert 'Local: %s' % fleet['local'].compute_host in local
    burst = _row(browser, ADMIN, fleet['ec2'].id).text
    assert 'EC2: us-east-1' in burst and fleet['ec2_id'] in burst
    assert 'running' in burst
    assert fleet['admins'].name in browser.find_element(By.ID, ADMIN).text
    # The orphan: listed as drift, its HTML name shown as text.
    orphan = _row(browser, ADMIN, fleet['orphan'])
    assert 'EC2 orphan' in orphan.text and 'Unknown to Nova' in orphan.text
    assert EVIL in orphan.text
    assert not orphan.find_elements(By.TAG_NAME, 'img')
    assert browser.title != 'pwned'
    # The instance links to Horizon's own detail page.
    link = _row(browser, ADMIN, fleet['ec2'].id).find_element(
        By.LINK_TEXT, fleet['ec2'].name)
    assert link.get_attribute('href').endswith(
        '/admin/instances/%s/detail' % fleet['ec2'].id)

    # The Name header sorts the whole list, server-side: the other way.
    def names():
        return [row.find_element(By.CSS_SELECTOR, 'td').text for row in
                browser.find_elements(By.CSS_SELECTOR,
                                      'table#%s tbody tr' % ADMIN)]
    ascending = names()
    assert ascending == sorted(ascending, key=str.lower)
    header = browser.find_element(
        By.CSS_SELECTOR, 'table#%s th[aria-sort="ascending"] a' % ADMIN)
    assert header.text.startswith('Name')
    header.click()
    WebDriverWait(browser, 60).until(lambda b: 'dir=desc' in b.current_url)
    assert 'sort=name' in browser.current_url
    descending = names()
    assert descending == sorted(descending, key=str.lower, reverse=True)
    assert descending[0].lower() >= ascending[-1].lower()

    # The Drift list: the orphan, not the healthy instances.
    browser.find_element(By.CSS_SELECTOR, 'a.burst-show-drift').click()
    table = WebDriverWait(browser, 60).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, 'table#' + ADMIN)))
    assert 'show=drift' in browser.current_url
    text = table.text
    assert fleet['orphan'] in text
    assert fleet['local'].name not in text and fleet['ec2'].name not in text


def test_cold_list_by_project_shows_the_newest_then_itself(
        login, local_cloud, fleet):
    """On an emptied cache (no full read known to be quick), the list by
    project, which needs every server, shows the newest instead, says so
    and links to it; followed once the read behind the page has run,
    the link gives the list asked for."""
    browser = login('admin', paths.secrets_()['admin'])
    infra.flush_memcached()
    _table(browser, local_cloud.url(
        'horizon', '/admin/burst_instances/?sort=project&dir=asc'), ADMIN)
    note = browser.find_element(By.CSS_SELECTOR, '.burst-servers-stand-in')
    assert 'the list asked for needs every instance' in note.text
    assert browser.find_element(
        By.CSS_SELECTOR, 'table#%s th[aria-sort="descending"] a' % ADMIN
    ).text.startswith('Age')
    deadline = time.monotonic() + 60
    while browser.find_elements(By.CSS_SELECTOR, 'a.burst-asked-list'):
        assert time.monotonic() < deadline, 'still the newest after 60 s'
        time.sleep(1)
        link = browser.find_element(By.CSS_SELECTOR, 'a.burst-asked-list')
        link.click()
        # The next page, not this one while it goes.
        WebDriverWait(browser, 60).until(ec.staleness_of(link))
        WebDriverWait(browser, 60).until(ec.presence_of_element_located(
            (By.CSS_SELECTOR, 'table#' + ADMIN)))
    assert 'sort=project' in browser.current_url
    assert browser.find_element(
        By.CSS_SELECTOR, 'table#%s th[aria-sort="ascending"] a' % ADMIN
    ).text.startswith('Project')
    assert fleet['orphan'] in browser.find_element(By.ID, ADMIN).text


def test_member_sees_only_their_project(login, local_cloud, fleet,
                                        artifacts_dir):
    browser = login('demo', paths.secrets_()['demo'])
    browser.set_window_size(1900, 1200)
    table = _whole_table(browser, local_cloud.url(
        'horizon', '/project/burst_instances/'), PROJECT)
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'burst_instances.png'))
    text = table.text
    assert fleet['local'].name in text and fleet['ec2'].name in text
    assert fleet['admins'].name not in text
    burst = _row(browser, PROJECT, fleet['ec2'].id).text
    assert fleet['ec2_id'] in burst and 'EC2: us-east-1' in burst
    # Hosts are an admin's business.
    assert fleet['local'].compute_host not in text
    assert EVIL in _row(browser, PROJECT, fleet['orphan']).text
    # The admin panel is not theirs.
    browser.get(local_cloud.url('horizon', '/admin/burst_instances/'))
    tables = browser.find_elements(By.CSS_SELECTOR, 'table#' + ADMIN)
    assert not tables
