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

"""Decision records on the local cloud: nova-scheduler's BurstFilter
writes one per instance it places, as the instance's action in Nova; it
says where the instance really went, admins read it whole and members
only its words, nothing a member can write changes it, and it outlives
the scheduler."""
import datetime
import re
import time

import pytest

from burst_core import decisions
from burst_dashboard.api import decisions as decisions_api
from localcloud import apis
from localcloud import paths
from localcloud import procs
from localcloud import services

from tests.integration.conftest import aggregate as _aggregate

pytestmark = pytest.mark.integration


def _record(horizon_request, server_id, wait=60):
    """The record as an admin reads it, once the scheduler has written
    it (it does when Nova has created the instance)."""
    deadline = time.monotonic() + wait
    while True:
        summary, rec = decisions_api.record(horizon_request, server_id)
        if rec is not None or time.monotonic() > deadline:
            return summary, rec
        time.sleep(1)


def _revision(admin_conn):
    return int(_aggregate(admin_conn).metadata.get('burst:revision', 0))


def test_each_placed_instance_has_a_true_record(
        admin_conn, demo_conn, horizon_request, member_request, servers):
    revision = _revision(admin_conn)
    local = servers('m1.tiny')
    burst = servers('ec2.small')
    assert local.compute_host in apis.compute_hosts()
    assert burst.compute_host == paths.EC2_HOST

    summary, rec = _record(horizon_request, local.id)
    assert rec is not None, 'no decision record for %s' % local.id
    assert rec.target == 'local'
    assert rec.revision == revision
    assert set(rec.utilisation) == {'VCPU', 'MEMORY_MB', 'DISK_GB'}
    assert all(0 <= pct <= 100 for pct in rec.utilisation.values())
    assert rec.utilisation['VCPU'] <= rec.thresholds['VCPU']
    summary, rec = _record(horizon_request, burst.id)
    assert (rec.target, rec.reason) == ('ec2', 'flavor pinned to public')
    assert summary.message == 'its flavor runs on EC2'
    # Nova keeps it as the instance's action, next to Nova's own.
    actions = [a.action for a in admin_conn.compute.server_actions(burst)]
    assert decisions.ACTION in actions and 'create' in actions

    # The member reads the words, not the figures (Nova keeps events'
    # details for admins).
    seen = decisions_api.summary(member_request, local.id)
    assert seen.message == ('the private cloud had room under its burst '
                            'threshold')
    assert not re.search(r'\d', seen.message)
    with pytest.raises(ValueError):
        decisions_api.record(member_request, local.id)


def test_nothing_a_member_writes_changes_a_record(
        admin_conn, demo_conn, horizon_request, member_request, servers):
    s = servers('m1.tiny')
    _summary, before = _record(horizon_request, s.id)
    assert before.target == 'local'
    # Everything a member can write on their server, claiming EC2.
    demo_conn.compute.set_server_metadata(s, **{
        decisions.ACTION: 'ec2', 'burst:decision': '{"target": "ec2"}'})
    demo_conn.compute.update_server(s, name=decisions.ACTION)
    demo_conn.compute.add_tag_to_server(s, decisions.EVENT)
    from django.core.cache import cache
    cache.clear()
    _summary, after = _record(horizon_request, s.id)
    assert after == before
    assert decisions_api.summary(member_request, s.id).message == \
        'the private cloud had room under its burst threshold'


def test_records_outlive_the_scheduler_and_follow_its_restart(
        admin_conn, horizon_request, servers):
    before = servers('m1.tiny')
    _summary, kept = _record(horizon_request, before.id)
    assert kept is not None
    stopped = time.time()
    procs.stop('nova-scheduler')
    services.up()

    def scheduler_up():
        return any(
            svc.state == 'up' and svc.updated_at and
            datetime.datetime.fromisoformat(svc.updated_at).replace(
                tzinfo=datetime.timezone.utc).timestamp() > stopped
            for svc in admin_conn.compute.services(binary='nova-scheduler'))
    procs.wait_for('nova-scheduler', scheduler_up, 120, interval=2)
    from django.core.cache import cache
    cache.clear()
    assert _record(horizon_request, before.id)[1] == kept
    after = servers('ec2.small')
    _summary, rec = _record(horizon_request, after.id)
    assert rec is not None and rec.target == 'ec2'


def test_malformed_metadata_is_recorded_as_bursting_off(
        admin_conn, horizon_request, member_request, restore_policy,
        servers):
    """burst: metadata broken with the CLI: the instance is placed locally
    and its record says bursting was off, in words for the member."""
    admin_conn.compute.set_aggregate_metadata(
        _aggregate(admin_conn), {'burst:enter_vcpu_pct': 'lots'})
    s = servers('m1.tiny')
    assert s.compute_host in apis.compute_hosts()
    _summary, rec = _record(horizon_request, s.id)
    assert (rec.target, rec.enabled) == ('local', False)
    assert decisions_api.summary(member_request, s.id).message == \
        'bursting is off'
