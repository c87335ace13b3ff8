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

"""The local cloud's fake computes (localcloud/novavirt/burst_fake.py)."""

import os
import sys
import types

from oslo_config import fixture as config_fixture
import pytest

from nova import conf as nova_conf
from nova.virt import node

from localcloud import config
from localcloud import paths

sys.path.append(os.path.join(paths.REPO, 'localcloud', 'novavirt'))
import burst_fake  # noqa: E402  (Nova loads it as nova.virt.burst_fake)


@pytest.fixture
def conf(tmp_path, monkeypatch):
    # Where Nova looks for the identity: the state path (and beside the
    # config files, none here).
    monkeypatch.setattr(node, 'CONF', types.SimpleNamespace(
        config_file=[], state_path=str(tmp_path)))
    fix = config_fixture.Config(nova_conf.CONF)
    fix.setUp()
    fix.config(nodes=3, group='fake_host')
    yield tmp_path
    fix.cleanUp()


def test_a_multi_node_compute_starts_again(conf):
    """Nova refuses to start a compute service it has seen before without
    a local node identity: the multi-node fake writes one for its host at
    its first start and keeps it, so a restart (a benchmark run with
    --keep after `localcloud down`) finds the same."""
    assert node.read_local_node_uuid() is None
    burst_fake.MultiNodeFakeDriver(None).init_host('bench')
    first = node.read_local_node_uuid()
    assert first == burst_fake.MultiNodeFakeDriver._uuid('bench')
    driver = burst_fake.MultiNodeFakeDriver(None)
    driver.init_host('bench')       # would raise on a second write
    assert node.read_local_node_uuid() == first
    assert driver.get_available_nodes() == [
        'bench-01', 'bench-02', 'bench-03']


@pytest.mark.parametrize('write', [
    lambda: config.compute({'service': 'x', 'rabbit': 'y'}, 'bench', 64,
                           262144, 500, nodes=3),
    lambda: config.ec2_compute({'service': 'x', 'rabbit': 'y',
                                'ec2_secret_key': 'z'})])
def test_the_audit_interval_is_nova_own_option(tmp_path, monkeypatch,
                                               write):
    monkeypatch.setattr(config, 'etc', lambda *p: str(tmp_path / p[-1]))
    monkeypatch.setenv('BURST_RESOURCES_INTERVAL', '600')
    text = open(write()).read()
    assert '\n[DEFAULT]\ncompute_driver = burst_' in text
    assert '\nupdate_resources_interval = 600\n' in text
