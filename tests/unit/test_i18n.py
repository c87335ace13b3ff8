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
