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

"""The core's messages reach the dashboard translatable: a policy's
errors and drift keep their template and parameters, and the dashboard
looks the template up in its catalogue."""
import pickle
from unittest import mock

import pytest

from burst_core import i18n as core_i18n
from burst_core import inventory
from burst_core import policy
from burst_dashboard import i18n
from tests.unit import factories


def _translate(msgid):
    return {'too long (%(max)d characters at most)':
            'zu lang (höchstens %(max)d Zeichen)',
            'must be a number': 'muss eine Zahl sein',
            'no EC2 instance carries its ID':
            'keine EC2-Instanz trägt ihre ID'}.get(msgid, msgid)


@pytest.fixture
def german():
    with mock.patch.object(i18n, 'gettext', side_effect=_translate) as g:
        yield g


def test_policy_errors_are_translated_by_template(german):
    with pytest.raises(policy.PolicyError) as e:
        policy.validate({'enter_vcpu_pct': 'x' * 300, 'exit_pct': 'lots'})
    errors = e.value.errors
    # English where nothing translates (Nova's logs and faults) ...
    assert errors['enter_vcpu_pct'] == 'too long (255 characters at most)'
    # ... and the user's language in the dashboard, parameters kept.
    assert i18n.translated(errors['enter_vcpu_pct']) == \
        'zu lang (höchstens 255 Zeichen)'
    assert i18n.translated(errors['exit_pct']) == 'muss eine Zahl sein'
    assert i18n.translated('plain text') == 'plain text'


def test_drift_messages_are_translated(german):
    rows = inventory.join([factories.server('a', host='ec2-us-east-1')], [],
                          'us-east-1', {}.get, None,
                          burst_hosts=frozenset({'ec2-us-east-1'}))
    (drift,) = rows[0].drift
    assert i18n.translated(drift.message) == 'keine EC2-Instanz trägt ihre ID'


def test_a_message_survives_the_cache():
    m = core_i18n.Message('Nova has no instance %(id)s', id='u-1')
    back = pickle.loads(pickle.dumps(m))
    assert (back, back.msgid, back.params) == (
        'Nova has no instance u-1', 'Nova has no instance %(id)s',
        {'id': 'u-1'})


def _pools(used_vcpus, capacity_vcpus=10):
    host = policy.Host('h1', {'VCPU': capacity_vcpus, 'MEMORY_MB': 8192,
                              'DISK_GB': 100},
                       {'VCPU': used_vcpus, 'MEMORY_MB': 0, 'DISK_GB': 0})
    return policy.PrivatePool(hosts=[host]), policy.PublicPool()


def test_decision_reasons_and_preview_stops_are_translated():
    german = {'private %(resources)s would reach %(figures)s':
              'privat würde %(resources)s %(figures)s erreichen',
              'vCPU': 'vCPU (de)',
              'EC2 instance cap reached (%(used)d of %(cap)d)':
              'EC2-Instanzgrenze erreicht (%(used)d von %(cap)d)',
              'EC2 instance cap reached': 'EC2-Instanzgrenze erreicht'}
    private, public = _pools(used_vcpus=7)
    request = policy.Request(vcpus=2, memory_mb=0, disk_gb=0)
    burst = policy.parse({'burst:enabled': 'true', 'burst:enter_vcpu_pct':
                          '80', 'burst:max_instances': '1'})
    public.instances = 1
    decision = policy.decide(private, public, request, burst)
    # English as it is for Nova's logs and faults ...
    assert decision.target == 'none'
    assert decision.reason() == ('private vCPU would reach 90.0% > 80%; '
                                 'EC2 instance cap reached (1 of 1)')
    assert decision.summary == 'EC2 instance cap reached'
    # ... and each part by its own template in the dashboard.
    with mock.patch.object(i18n, 'gettext',
                           side_effect=lambda m: german.get(m, m)):
        assert i18n.translated(decision.reason()) == (
            'privat würde vCPU (de) 90.0% > 80% erreichen; '
            'EC2-Instanzgrenze erreicht (1 von 1)')
        assert i18n.translated(decision.summary) == \
            'EC2-Instanzgrenze erreicht'
        stop = policy.preview(private, public, request, burst)['stop']
        assert i18n.translated(stop) == i18n.translated(decision.reason())
    # a joined message survives the cache like any other
    back = pickle.loads(pickle.dumps(decision.reason()))
    assert back == decision.reason() and back.params
