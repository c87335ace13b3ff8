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

"""The join of Nova servers and EC2 instances: where each instance runs,
drift, repatriation, filters, sorting and paging (pure, no clouds)."""
import datetime
import hashlib
import types

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from burst_core import inventory
from burst_core import policy
from tests.unit import factories

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
PRICES = {'t3.small': 0.0208, 't3.medium': 0.0416}.get
ENABLED = policy.BurstPolicy(enabled=True, exit_pct=60)
FAST = settings(max_examples=300, deadline=None, database=None)


server = factories.server
ec2 = factories.ec2


def join(servers, described, burst_hosts=frozenset({'ec2-us-east-1'}),
         projects=None, ec2_read=True, ec2_host_ids=()):
    return {r.id: r for r in inventory.join(
        servers, described, 'us-east-1', PRICES, NOW,
        burst_hosts=burst_hosts, projects=projects or {'p1': 'alpha'},
        ec2_read=ec2_read, ec2_host_ids=ec2_host_ids)}


def codes(row):
    return [d.code for d in row.drift]


def test_join_on_the_instance_id_tag():
    rows = join([server('a', host='compute-1'),
                 server('b', host='ec2-us-east-1')],
                [ec2('i-b', uuid='b')])
    assert rows['a'].where == 'local' and rows['a'].ec2 is None
    b = rows['b']
    assert (b.where, b.region, b.ec2.instance_id) == ('ec2', 'us-east-1',
                                                      'i-b')
    assert (b.ec2.zone, b.ec2.private_ip, b.ec2.public_ip) == (
        'us-east-1a', '10.0.0.1', '3.3.3.3')
    assert b.project_name == 'alpha' and b.flavor == 'f1' and not b.drift
    # 2 hours of t3.small at $0.0208/h.
    assert b.ec2.hourly_price == 0.0208
    assert b.ec2.cost_so_far == pytest.approx(0.0416)


def test_some_servers_only_make_no_orphans():
    """A partial list (the newest servers, a cold first page): an EC2
    instance of a server not in it is left out, not called an orphan; the
    listed servers are joined as always."""
    servers = [server('b', host='ec2-us-east-1')]
    described = [ec2('i-b', uuid='b'), ec2('i-old', uuid='older'),
                 ec2('i-n', uuid=None)]
    rows = {r.id: r for r in inventory.join(
        servers, described, 'us-east-1', PRICES, NOW,
        burst_hosts=frozenset({'ec2-us-east-1'}), all_servers=False)}
    assert list(rows) == ['b'] and rows['b'].ec2.instance_id == 'i-b'
    assert set(join(servers, described)) == {'b', 'i-old', 'i-n'}


def test_nova_instance_whose_ec2_instance_is_gone():
    rows = join([server('b', host='ec2-us-east-1'),
                 server('c', host='ec2-us-east-1', status='SHUTOFF',
                        power=4),
                 server('d', host='ec2-us-east-1', status='ERROR'),
                 server('e', host='ec2-us-east-1', status='BUILD')],
                [ec2('i-c', uuid='c', state='shutting-down')])
    assert codes(rows['b']) == ['ec2-gone']
    assert 'no EC2 instance' in rows['b'].drift[0].message
    assert codes(rows['c']) == ['ec2-gone']
    assert 'i-c is shutting-down' in rows['c'].drift[0].message
    # An ERROR launch was cleaned up and a BUILD has none yet: no drift.
    assert rows['d'].drift == [] and rows['e'].drift == []


def test_orphan_listed_with_age_and_cost():
    rows = join([server('a')], [
        ec2('i-x', uuid='deleted-uuid', launched='2026-11-24T06:00:00Z',
            name='web'),
        ec2('i-y', uuid=None, kind='t3.medium',
            launched='2026-11-24T11:00:00Z')])
    x, y = rows['i-x'], rows['i-y']
    assert (x.where, x.name, x.created) == (
        'orphan', 'web', datetime.datetime(2026, 11, 24, 6, tzinfo=UTC))
    assert codes(x) == ['orphan'] and 'deleted-uuid' in x.drift[0].message
    assert x.ec2.cost_so_far == pytest.approx(6 * 0.0208)
    assert y.ec2.cost_so_far == pytest.approx(0.0416)
    assert 'no Nova instance ID' in y.drift[0].message
    # Stopped orphans are still drift; terminated ones are not listed.
    rows = join([], [ec2('i-s', uuid='z', state='stopped'),
                     ec2('i-t', uuid='w', state='terminated')])
    assert list(rows) == ['i-s']


def test_power_states_that_disagree():
    rows = join([
        server('a', host='ec2-us-east-1', status='ACTIVE'),
        server('b', host='ec2-us-east-1', status='SHUTOFF', power=4),
        server('c', host='ec2-us-east-1', status='ACTIVE',
               task='powering-off'),
        server('d', host='ec2-us-east-1', status='ACTIVE'),
        server('e', host='ec2-us-east-1', status='SHUTOFF', power=4)],
        [ec2('i-a', uuid='a', state='stopped'),
         ec2('i-b', uuid='b', state='running'),
         ec2('i-c', uuid='c', state='stopped'),
         ec2('i-d', uuid='d', state='stopping'),
         ec2('i-e', uuid='e', state='stopped')])
    assert codes(rows['a']) == ['power']
    assert rows['a'].drift[0].message == 'Nova says ACTIVE, EC2 says stopped'
    assert codes(rows['b']) == ['power']
    # In transition on either side: not (yet) drift.
    assert rows['c'].drift == [] and rows['d'].drift == []
    assert rows['e'].drift == []


def test_live_ec2_instance_behind_a_nova_error_is_drift():
    # A failed launch whose terminate failed too: Nova says ERROR, the EC2
    # instance runs (billed). Gone ones, and builds, are not drift.
    # Nova leaves a failed launch without a host.
    rows = join([server('a', host=None, status='ERROR', power=0),
                 server('b', host=None, status='ERROR', power=0),
                 server('c', host=None, status='ERROR', power=0),
                 server('d', host='ec2-us-east-1', status='BUILD', power=0,
                        task='spawning')],
                [ec2('i-a', uuid='a', state='running'),
                 ec2('i-b', uuid='b', state='shutting-down'),
                 ec2('i-d', uuid='d', state='pending')])
    assert rows['a'].where == 'ec2' and codes(rows['a']) == ['power']
    assert rows['a'].drift[0].message == 'Nova says ERROR, EC2 says running'
    assert rows['b'].drift == [] and rows['c'].drift == []
    assert rows['c'].where == 'local' and rows['c'].ec2 is None
    assert rows['d'].drift == []


def test_ec2_not_read_flags_nothing():
    # EC2 could not be read: its silence is not "the instance is gone".
    rows = join([server('a', host='ec2-us-east-1')], [], ec2_read=False)
    assert rows['a'].where == 'ec2' and rows['a'].drift == []
    assert rows['a'].ec2 is None
    # Read, the same silence is drift.
    assert codes(join([server('a', host='ec2-us-east-1')], [])['a']) == \
        ['ec2-gone']


def test_stray_and_duplicate_ec2_instances():
    rows = join([server('a', host='compute-1'),
                 server('b', host='ec2-us-east-1')],
                [ec2('i-a', uuid='a'),
                 ec2('i-b1', uuid='b', launched='2026-11-24T09:00:00Z'),
                 ec2('i-b2', uuid='b', launched='2026-11-24T11:00:00Z')])
    assert codes(rows['a']) == ['stray'] and 'compute-1' in \
        rows['a'].drift[0].message
    # The latest launched stands for the Nova instance, the other is an
    # extra EC2 instance (listed, and the Nova row says so).
    assert rows['b'].ec2.instance_id == 'i-b2'
    assert codes(rows['b']) == ['duplicate']
    assert rows['i-b1'].where == 'orphan'


def test_project_users_see_where_without_hosts():
    on_ec2 = inventory.host_id('p1', 'ec2-us-east-1')
    assert on_ec2 == hashlib.sha224(b'p1ec2-us-east-1').hexdigest()
    c = server('c', host=None)
    c['hostId'] = on_ec2
    local = server('e', host=None)
    local['hostId'] = inventory.host_id('p1', 'compute-1')
    rows = join([server('a', host=None),
                 server('b', host=None), c, local,
                 # A member wrote the driver's old metadata keys on a local
                 # server, naming another instance: ignored.
                 server('d', host=None,
                        metadata={'ec2:instance_id': 'i-b',
                                  'ec2:instance_type': 't3.nano'})],
                [ec2('i-b', uuid='b'),
                 ec2('i-c', uuid='c', state='terminated')],
                burst_hosts=None, ec2_host_ids={on_ec2})
    assert rows['a'].where == 'local'
    assert rows['b'].where == 'ec2' and rows['b'].ec2.instance_id == 'i-b'
    # On the EC2 host (Nova's hostId says so) and its EC2 instance was
    # terminated behind Nova's back.
    assert rows['c'].where == 'ec2' and codes(rows['c']) == ['ec2-gone']
    assert rows['d'].where == 'local' and rows['d'].ec2 is None
    assert codes(rows['d']) == []
    assert rows['e'].where == 'local'


def test_cost_so_far_rules():
    launched = NOW - datetime.timedelta(hours=3)
    stopped = NOW - datetime.timedelta(hours=1)
    assert inventory.cost_so_far(1.0, 'running', launched, None, NOW) == \
        pytest.approx(3.0)
    assert inventory.cost_so_far(1.0, 'stopped', launched, stopped, NOW) \
        == pytest.approx(2.0)
    assert inventory.cost_so_far(1.0, 'stopped', launched, None, NOW) is None
    assert inventory.cost_so_far(None, 'running', launched, None, NOW) is None
    # Per second with a one-minute minimum.
    assert inventory.cost_so_far(3600.0, 'running', NOW, None, NOW) == 60.0
    # Pending has not begun billing since this launch; stopping ended it
    # (taken as now); only running is billed now.
    assert inventory.cost_so_far(1.0, 'pending', launched, None, NOW) == 0.0
    assert inventory.cost_so_far(1.0, 'stopping', launched, None, NOW) == \
        pytest.approx(3.0)
    assert inventory.BILLED == ('running',)
    raw = ec2('i-a', state='stopped',
              reason='User initiated (2026-11-24 11:00:00 GMT)')
    assert inventory.stopped_at(raw) == datetime.datetime(
        2026, 11, 24, 11, tzinfo=UTC)
    assert inventory.ec2_instance(raw, PRICES, NOW).cost_so_far == \
        pytest.approx(0.0208)


def _pool(used_ram=0):
    inv = {'VCPU': {'total': 16, 'allocation_ratio': 4.0},
           'MEMORY_MB': {'total': 32768, 'reserved': 512},
           'DISK_GB': {'total': 500}}
    host = policy.host_from_placement('compute-1', inv, {})
    host.used = {'MEMORY_MB': used_ram}
    return policy.PrivatePool([host])


def test_repatriation_most_expensive_first_and_only_eligible():
    # One host, 32256 MiB; exit at 60 % = 19353 MiB: two 8 GiB fit back.
    servers = [server('cheap', host='ec2-us-east-1', ram=8192),
               server('dear1', host='ec2-us-east-1', ram=8192),
               server('dear2', host='ec2-us-east-1', ram=8192),
               server('pinned', host='ec2-us-east-1', ram=1024,
                      placement='public'),
               server('off', host='ec2-us-east-1', ram=1024,
                      status='SHUTOFF', power=4),
               server('loc', host='compute-1', ram=1024)]
    described = [ec2('i-c', uuid='cheap', kind='t3.small'),
                 ec2('i-d1', uuid='dear1', kind='t3.medium'),
                 ec2('i-d2', uuid='dear2', kind='t3.medium'),
                 ec2('i-p', uuid='pinned'),
                 ec2('i-o', uuid='off', state='stopped')]
    rows = inventory.join(servers, described, 'us-east-1', PRICES, NOW,
                          burst_hosts={'ec2-us-east-1'})
    assert inventory.mark_repatriation(rows, _pool(), ENABLED) == 2
    assert {r.id for r in rows if r.repatriate} == {'dear1', 'dear2'}
    assert inventory.mark_repatriation(rows, _pool(used_ram=19000),
                                       ENABLED) == 0
    assert not any(r.repatriate for r in rows)


def test_select_order_and_counts():
    rows = inventory.join(
        [server('a', name='Web-1', host='compute-1', project='p1'),
         server('b', name='db', host='ec2-us-east-1', project='p2'),
         server('c', name='web-2', host='ec2-us-east-1', project='p1')],
        [ec2('i-b', uuid='b', kind='t3.medium'), ec2('i-x', uuid='gone')],
        'us-east-1', PRICES, NOW, burst_hosts={'ec2-us-east-1'},
        projects={'p1': 'alpha', 'p2': 'beta'})
    assert inventory.counts(rows) == {'all': 4, 'local': 1, 'ec2': 3,
                                      'drift': 2, 'repatriate': 0}
    ids = [r.id for r in inventory.select(rows, 'ec2')]
    assert sorted(ids) == ['b', 'c', 'i-x']
    assert [r.id for r in inventory.select(rows, 'drift')] == ['c', 'i-x']
    assert [r.id for r in inventory.select(rows, 'all', project='ALP',
                                           name='web')] == ['a', 'c']
    assert [r.id for r in inventory.select(rows, project='p2')] == ['b']
    assert [r.id for r in inventory.order(rows, 'name', False)] == [
        'b', 'i-x', 'a', 'c']
    by_price = inventory.order(rows, 'price')
    assert by_price[0].id == 'b'
    with pytest.raises(ValueError):
        inventory.select(rows, 'everything')
    with pytest.raises(ValueError):
        inventory.order(rows, 'colour')


@st.composite
def clouds(draw):
    """Servers (local, on EC2, an EC2 one whose instance is gone) and the
    region's instances (of those, strays of local servers, orphans), of
    priced and unpriced types, in any state, launched any time."""
    servers, described = [], []
    for i in range(draw(st.integers(0, 30))):
        uid = 's%02d' % i
        kind = draw(st.sampled_from(('local', 'ec2', 'gone', 'stray')))
        servers.append(server(uid, host='ec2-us-east-1' if kind in (
            'ec2', 'gone') else 'compute-1'))
        if kind in ('ec2', 'stray'):
            described.append(ec2('i-%s' % uid, uuid=uid, **draw(_instance)))
    for i in range(draw(st.integers(0, 5))):
        described.append(ec2('i-o%d' % i, uuid='o%d' % i, **draw(_instance)))
    return servers, described


_instance = st.fixed_dictionaries({
    'state': st.sampled_from(inventory.LIVE),
    'kind': st.sampled_from(('t3.small', 't3.medium', 'x9.unpriced')),
    'launched': st.sampled_from((
        '2026-11-24T10:00:00+00:00', '2026-11-24T11:59:59+00:00',
        NOW.isoformat(), '2026-11-25T00:00:00+00:00'))})


@FAST
@given(clouds(), st.sampled_from(inventory.EC2_FIRST), st.integers(1, 12))
def test_leads_ec2_side_first_page_is_the_whole_lists(cloud, key, count):
    """When the instances that are or may be on EC2 lead by price or cost
    (inventory.leads), the first page of the whole list, most first, is
    theirs: the cold list by cost reads only them (the admin panel)."""
    servers, described = cloud
    everything = inventory.join(servers, described, 'us-east-1', PRICES,
                                NOW, burst_hosts={'ec2-us-east-1'})
    # What a cold EC2-side read holds: the EC2 host's servers, the
    # servers instances name, the orphans.
    side = [r for r in everything if r.where != 'local' or r.ec2]
    if inventory.leads(side, key, count):
        assert [r.id for r in inventory.order(everything, key)][:count] \
            == [r.id for r in inventory.order(side, key)][:count]


def test_leads_needs_that_many_priced_or_billed():
    rows = join([server('a', host='compute-1'),
                 server('b', host='ec2-us-east-1'),
                 server('c', host='ec2-us-east-1'),
                 server('d', host='ec2-us-east-1')],
                [ec2('i-b', uuid='b'), ec2('i-c', uuid='c', state='stopped'),
                 ec2('i-d', uuid='d', kind='x9.unpriced')])
    side = [rows[k] for k in 'bcd']
    # b and c are priced (and have cost, c until it stopped); d is not.
    assert inventory.leads(side, 'price', 2)
    assert not inventory.leads(side, 'price', 3)
    assert inventory.leads(side, 'cost', 1)
    with pytest.raises(ValueError):
        inventory.leads(side, 'name', 1)


def test_marker_paging():
    rows = [inventory.Row(
        id='r%02d' % i, name='n', project_id=None, project_name=None,
        where='local', host=None, region=None, status='ACTIVE',
        power_state=1, task_state=None, flavor=None, vcpus=0, memory_mb=0,
        disk_gb=0, placement='auto', created=None) for i in range(25)]
    first, prev, more = inventory.page(rows, 10)
    assert first[0].id == 'r00' and (prev, more) == (False, True)
    second, prev, more = inventory.page(rows, 10, marker='r09')
    assert second[0].id == 'r10' and (prev, more) == (True, True)
    last, prev, more = inventory.page(rows, 10, marker='r19')
    assert len(last) == 5 and (prev, more) == (True, False)
    back, prev, more = inventory.page(rows, 10, prev_marker='r10')
    assert [r.id for r in back] == [r.id for r in first] and not prev
    # A marker that went away starts over.
    assert inventory.page(rows, 10, marker='gone')[0] == first


def test_join_of_1000_servers_and_400_ec2_instances():
    servers = [server('s%d' % i, host='ec2-us-east-1' if i % 5 < 2 else
                      'compute-1') for i in range(1000)]
    described = [ec2('i-%d' % i, uuid='s%d' % i) for i in range(1000)
                 if i % 5 < 2]
    rows = inventory.join(servers, described, 'us-east-1', PRICES, NOW,
                          burst_hosts={'ec2-us-east-1'})
    c = inventory.counts(rows)
    assert (c['local'], c['ec2'], c['drift']) == (600, 400, 0)


def test_stacks_marked_only_within_the_servers_project():
    stack = types.SimpleNamespace(id='s1', name='web', project_id='p1')
    by_id = join([server('a', project='p1'), server('b', project='p2')], [])
    rows = list(by_id.values())
    inventory.mark_stacks(rows, {'a': stack, 'b': stack})
    assert (by_id['a'].stack, by_id['a'].stack_id) == ('web', 's1')
    # a stack of p1 cannot have made p2's server: ignored
    assert by_id['b'].stack is None
    assert [r.id for r in inventory.select(rows, stack='WE')] == ['a']
    assert [r.id for r in inventory.select(rows, stack='s1')] == ['a']
    assert inventory.select(rows, stack='db') == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text('0123456789abcdef', min_size=1,
                                  max_size=4),
                          st.integers(0, 5), st.sampled_from(
                              ['compute-1', 'ec2-us-east-1', None]),
                          st.sampled_from(['ACTIVE', 'BUILD', 'SHUTOFF',
                                           'ERROR'])),
                max_size=15, unique_by=lambda s: s[0]),
       st.integers(1, 8), st.booleans(), st.sampled_from(['created',
                                                         'status']))
def test_first_servers_are_the_first_rows_in_their_order(made, count,
                                                         descending, key):
    """A page read from Nova alone (first_servers) keeps the servers whose
    rows come first by creation, or by status, once joined, wherever they
    run."""
    servers = [factories.server(uid, host=host, status=status,
                                created='2026-11-24T10:00:0%dZ' % second)
               for uid, second, host, status in made]
    rows = inventory.join(servers, [], 'us-east-1', PRICES, NOW,
                          burst_hosts=frozenset({'ec2-us-east-1'}),
                          projects={'p1': 'alpha'})
    assert [s['id'] for s in inventory.first_servers(
        servers, count, descending, key)] == [
        r.id for r in inventory.order(rows, key, descending)[:count]]
