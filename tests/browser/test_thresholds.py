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

"""In Chromium, as the admin: Admin → Cloud Bursting → Thresholds shows the
burst policy; the Edit Thresholds modal refuses bad input with a message per
field and writes nothing, previews and saves good input to the burst-ec2
aggregate's metadata, and refuses a save over someone else's newer one."""
import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from localcloud import paths

pytestmark = pytest.mark.browser

AGGREGATE = 'burst-ec2'
MODAL = '#update_thresholds_modal'
REVISION = 'burst:revision'


def _aggregate(conn):
    return next(a for a in conn.compute.aggregates() if a.name == AGGREGATE)


def _burst(metadata):
    return {k: v for k, v in (metadata or {}).items()
            if k.startswith('burst:')}


@pytest.fixture
def burst_aggregate(admin_conn):
    """The burst aggregate; its burst: keys are put back afterwards (keys
    that were absent are deleted). The revision only ever goes up, so that
    no form opened before sees its old revision again."""
    agg = _aggregate(admin_conn)
    original = _burst(agg.metadata)
    yield agg
    current = _burst(_aggregate(admin_conn).metadata)
    if current == original:
        return
    restore = dict({k: None for k in current}, **original)
    if original:
        restore[REVISION] = str(int(current.get(REVISION, 0)) + 1)
    admin_conn.compute.set_aggregate_metadata(agg, restore)
    restored = _burst(_aggregate(admin_conn).metadata)
    restored.pop(REVISION, None)
    original.pop(REVISION, None)
    assert restored == original


@pytest.fixture
def admin_browser(login):
    return login('admin', paths.secrets_()['admin'])


def _index(browser, local_cloud):
    browser.get(local_cloud.url('horizon', '/admin/burst_thresholds/'))
    return WebDriverWait(browser, 60).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, '.burst-thresholds')))


def _open_modal(browser, local_cloud):
    _index(browser, local_cloud)
    WebDriverWait(browser, 30).until(ec.element_to_be_clickable(
        (By.ID, 'policy__action_edit'))).click()
    return WebDriverWait(browser, 60).until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, MODAL + ' #id_enter_vcpu_pct')))


def _fill(browser, **fields):
    for name, value in fields.items():
        el = browser.find_element(By.CSS_SELECTOR, '%s #id_%s' % (MODAL, name))
        if name == 'enabled':
            if el.is_selected() != value:
                browser.execute_script('arguments[0].click()', el)
            continue
        el.clear()
        el.send_keys(value)


def _submit(browser, css):
    """Click a modal button and wait for the modal it leads to (or the
    page, after a save)."""
    old = browser.find_element(By.CSS_SELECTOR, MODAL)
    browser.find_element(By.CSS_SELECTOR,
                         '%s .modal-footer %s' % (MODAL, css)).click()
    WebDriverWait(browser, 60).until(ec.staleness_of(old))


def _save(browser):
    """Click Save and wait for the page the save leads to: the modal goes
    stale as soon as Horizon sends the form, before the save is done, and
    loading another page then would race it."""
    _submit(browser, '.btn-primary')
    WebDriverWait(browser, 60).until(ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, '.alert-success'), 'Saved the burst thresholds'))


def _field_error(browser, name):
    group = browser.find_element(
        By.XPATH, "//div[@id='%s']//*[@id='id_%s']/ancestor::div"
                  "[contains(@class, 'form-group')][1]"
                  % (MODAL[1:], name))
    return group.text


def _wait_modal(browser):
    return WebDriverWait(browser, 60).until(ec.visibility_of_element_located(
        (By.CSS_SELECTOR, MODAL + ' .modal-body')))


def test_bad_input_refused(admin_browser, local_cloud, admin_conn,
                           burst_aggregate, artifacts_dir):
    browser = admin_browser
    before = _aggregate(admin_conn).metadata
    _open_modal(browser, local_cloud)
    _fill(browser, enter_vcpu_pct='80', exit_pct='90', enter_ram_pct='abc',
          max_instances='-2')
    _submit(browser, '.btn-primary')
    _wait_modal(browser)
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'thresholds-bad-input.png'))
    assert 'must be a number' in _field_error(browser, 'enter_ram_pct')
    assert 'whole number' in _field_error(browser, 'max_instances')
    # exit is checked against the enter thresholds that are valid
    assert 'must be below every enter threshold' in \
        _field_error(browser, 'exit_pct')
    assert _aggregate(admin_conn).metadata == before


def test_preview_and_save(admin_browser, local_cloud, admin_conn,
                          burst_aggregate, artifacts_dir):
    browser = admin_browser
    before = _aggregate(admin_conn).metadata
    revision = int(before.get('burst:revision', 0))
    page = _index(browser, local_cloud)
    assert AGGREGATE in page.text
    assert 'os_compute_api:os-aggregates:set_metadata' in page.text
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'thresholds-index.png'))
    _open_modal(browser, local_cloud)
    _fill(browser, enabled=True, enter_vcpu_pct='70', enter_ram_pct='85',
          enter_disk_pct='90', exit_pct='50', max_instances='5',
          max_vcpus='', max_cost_per_hour='2.5', region='us-east-1')

    _submit(browser, '.burst-preview-button')
    modal = _wait_modal(browser)
    assert 'With these values the next' in modal.text
    assert 'm1.large' in modal.text
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'thresholds-preview.png'))
    assert _aggregate(admin_conn).metadata == before
    assert browser.find_element(
        By.CSS_SELECTOR, MODAL + ' #id_enter_vcpu_pct').get_attribute(
            'value') == '70'

    _save(browser)
    page = _index(browser, local_cloud)
    meta = _aggregate(admin_conn).metadata
    assert meta['burst:enabled'] == 'true'
    assert meta['burst:enter_vcpu_pct'] == '70'
    assert meta['burst:enter_ram_pct'] == '85'
    assert meta['burst:exit_pct'] == '50'
    assert meta['burst:max_instances'] == '5'
    assert meta['burst:max_cost_per_hour'] == '2.5'
    assert meta['burst:revision'] == str(revision + 1)
    assert {k: v for k, v in meta.items() if not k.startswith('burst:')} \
        == {k: v for k, v in before.items() if not k.startswith('burst:')}
    assert browser.find_element(
        By.CSS_SELECTOR, '.burst-revision').text == str(revision + 1)
    assert '70 %' in page.text
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'thresholds-saved.png'))


def test_stale_save_refused(admin_browser, local_cloud, admin_conn,
                            burst_aggregate, artifacts_dir):
    browser = admin_browser
    agg = _aggregate(admin_conn)
    revision = int(agg.metadata.get('burst:revision', 0))
    _open_modal(browser, local_cloud)
    _fill(browser, enter_vcpu_pct='65', exit_pct='40')
    # Someone else saves in between.
    admin_conn.compute.set_aggregate_metadata(
        agg, {'burst:revision': str(revision + 1),
              'burst:enter_vcpu_pct': '77', 'burst:exit_pct': '55'})
    changed = _aggregate(admin_conn).metadata
    _submit(browser, '.btn-primary')
    modal = _wait_modal(browser)
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'thresholds-stale.png'))
    assert ('The thresholds were changed by someone else since you opened '
            'this form (revision %d, now %d). Reload and try again.'
            % (revision, revision + 1)) in modal.text
    assert _aggregate(admin_conn).metadata == changed


def test_broken_policy_shown_and_repaired(admin_browser, local_cloud,
                                          admin_conn, burst_aggregate,
                                          artifacts_dir):
    """Malformed values written with the CLI: both pages load, name each
    bad key (as text), and a save from the modal repairs the policy."""
    browser = admin_browser
    admin_conn.compute.set_aggregate_metadata(_aggregate(admin_conn), {
        'burst:max_vcpus': '-5e400', 'burst:max_instances': 'inf',
        'burst:colour': '<i>red</i>', 'burst:region': '<b>x</b>'})
    _index(browser, local_cloud)
    warning = browser.find_element(By.CSS_SELECTOR, '.burst-malformed')
    for text in ('burst:max_vcpus', 'burst:max_instances', 'burst:colour',
                 'burst:region'):
        assert text in warning.text
    # Metadata is text wherever it shows, never markup.
    assert not browser.find_elements(By.XPATH, "//i[text()='red']")
    assert not browser.find_elements(By.XPATH, "//b[text()='x']")
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'thresholds-malformed.png'))
    _open_modal(browser, local_cloud)
    _fill(browser, max_vcpus='12', max_instances='4', region='us-east-1')
    _save(browser)
    _index(browser, local_cloud)
    assert not browser.find_elements(By.CSS_SELECTOR, '.burst-malformed')
    meta = _aggregate(admin_conn).metadata
    assert (meta['burst:max_vcpus'], meta['burst:max_instances']) == \
        ('12', '4')
    assert 'burst:colour' not in meta


def test_cli_change_detected_not_reverted(admin_browser, local_cloud,
                                          admin_conn, burst_aggregate,
                                          artifacts_dir):
    browser = admin_browser
    agg = _aggregate(admin_conn)
    _open_modal(browser, local_cloud)
    _fill(browser, enter_vcpu_pct='66')
    # Another admin, with the CLI: the revision stays as it was.
    admin_conn.compute.set_aggregate_metadata(
        agg, {'burst:enter_vcpu_pct': '71'})
    changed = _aggregate(admin_conn).metadata
    _submit(browser, '.btn-primary')
    modal = _wait_modal(browser)
    browser.save_screenshot(os.path.join(artifacts_dir,
                                         'thresholds-cli-change.png'))
    assert 'changed outside this form' in modal.text
    assert _aggregate(admin_conn).metadata == changed
