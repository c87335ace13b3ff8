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

"""Decision records: what the filter writes reads back the same, a member
never reads a figure in one, and nothing found in Nova's records breaks
the reader (anything but a record is a ValueError)."""
import json
from unittest import mock

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from burst_core import decisions
from burst_core import policy
from burst_nova import decisions as writer

HOSTS = [policy.Host('h1', {'VCPU': 16, 'MEMORY_MB': 32768, 'DISK_GB': 500},
                     {'VCPU': 0, 'MEMORY_MB': 0, 'DISK_GB': 0})]


@st.composite
def situations(draw):
    used = draw(st.integers(0, 16))
    host = policy.Host('h1', dict(HOSTS[0].capacity),
                       {'VCPU': used, 'MEMORY_MB': 0, 'DISK_GB': 0})
    public = policy.PublicPool(instances=draw(st.integers(0, 5)),
                               vcpus=draw(st.integers(0, 20)),
                               cost_per_hour=draw(st.floats(0, 5)))
    request = policy.Request(
        vcpus=draw(st.integers(1, 16)), memory_mb=512, disk_gb=1,
        placement=draw(st.sampled_from(policy.PLACEMENTS)),
        hourly_price=draw(st.none() | st.floats(0, 2)),
        instance_type=draw(st.none() | st.just('t3.small')))
    pol = policy.BurstPolicy(
        enabled=draw(st.booleans()),
        enter_vcpu_pct=draw(st.floats(0, 100)),
        max_instances=draw(st.none() | st.integers(0, 5)),
        max_vcpus=draw(st.none() | st.integers(0, 20)),
        max_cost_per_hour=draw(st.none() | st.floats(0, 5)),
        revision=draw(st.integers(0, 10 ** 6)))
    return policy.PrivatePool(hosts=[host]), public, request, pol


@settings(max_examples=300, deadline=None, database=None)
@given(situations())
def test_a_record_reads_back_the_same_and_its_summary_has_no_figure(s):
    private, public, request, pol = s
    decision = policy.decide(private, public, request, pol)
    rec = decisions.record(decision, pol)
    back = decisions.loads(decisions.dumps(rec))
    assert back == rec
    assert back.reason.msgid and back.summary.msgid
    # What members read: words from a fixed set, never a parameter (no
    # utilisation, cap or price of the cloud).
    assert rec.summary and not rec.summary.params
    assert decisions.message(rec) == rec.summary.msgid


def test_a_record_of_an_unreadable_policy_reads_back():
    decision = policy.Decision('local', ('Placement timed out',), {},
                               'bursting is unavailable')
    rec = decisions.record(decision, None)
    assert decisions.loads(decisions.dumps(rec)) == rec


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(),
                                                          children),
    max_leaves=20)


@settings(max_examples=500, deadline=None, database=None)
@given(st.one_of(st.text(), JSON.map(json.dumps),
                 st.fixed_dictionaries({
                     'version': st.just(1),
                     'target': st.sampled_from(decisions.TARGETS),
                     'revision': JSON, 'enabled': JSON,
                     'reason': JSON, 'summary': JSON,
                     'utilisation': JSON, 'thresholds': JSON,
                 }).map(json.dumps)))
def test_anything_else_is_a_value_error(text):
    try:
        rec = decisions.loads(text)
    except ValueError:
        return
    assert rec.target in decisions.TARGETS


@pytest.mark.parametrize('bad', [
    '{"version": 1, "target": "ec2", "revision": 1, "enabled": true, '
    '"reason": {"msgid": "%(x)d", "params": {"x": "a"}}, "summary": "s", '
    '"utilisation": {}, "thresholds": {}}',
    '{"version": 1, "target": "mars", "revision": 1, "enabled": true}',
    '{"version": 2}', '[]', 'null', '',
])
def test_malformed_records(bad):
    with pytest.raises(ValueError):
        decisions.loads(bad)


def test_the_writer_waits_for_the_instance_then_gives_up():
    calls = []
    answers = iter([False, False, True])

    def write(ctx, uuid_, rec, host=None):
        calls.append(uuid_)
        return next(answers)
    clock = [0.0]
    with mock.patch.object(writer, 'write', side_effect=write), \
            mock.patch.object(writer.time, 'monotonic',
                              side_effect=lambda: clock[0]), \
            mock.patch.object(writer.LOG, 'warning') as warn:
        # not in a cell yet twice, then written
        assert not writer.Writer._try(None, 'u-1', 'rec', 10.0)
        assert not writer.Writer._try(None, 'u-1', 'rec', 10.0)
        assert writer.Writer._try(None, 'u-1', 'rec', 10.0)
        assert not warn.called
        # an instance that never shows up: given up after the deadline
        answers = iter([False, False])
        assert not writer.Writer._try(None, 'u-2', 'rec', 10.0)
        clock[0] = 11.0
        assert writer.Writer._try(None, 'u-2', 'rec', 10.0)
        assert warn.call_count == 1
    assert calls == ['u-1'] * 3 + ['u-2'] * 2


def test_a_failed_write_is_tried_again_later():
    failed = []
    with mock.patch.object(writer, 'write',
                           side_effect=RuntimeError('database away')), \
            mock.patch.object(writer.time, 'monotonic', return_value=0.0):
        assert not writer.Writer._try(None, 'u-1', 'rec', 10.0,
                                      failed=failed)
    assert [str(e) for e in failed] == ['database away']
