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

"""The pure burst policy: validation, (de)serialisation and the decision,
table-driven."""
import dataclasses
import decimal

import pytest

from burst_core import policy

ENABLED = policy.BurstPolicy(enabled=True, enter_vcpu_pct=80,
                             enter_ram_pct=80, enter_disk_pct=80,
                             exit_pct=60)


def pool(used_vcpu=0, used_ram=0, used_disk=0, hosts=2):
    """hosts x (16 vCPU x 4.0, 32 GiB - 512 reserved, 500 GiB)."""
    inv = {'VCPU': {'total': 16, 'reserved': 0, 'allocation_ratio': 4.0},
           'MEMORY_MB': {'total': 32768, 'reserved': 512,
                         'allocation_ratio': 1.0},
           'DISK_GB': {'total': 500, 'reserved': 0, 'allocation_ratio': 1.0}}
    hs = [policy.host_from_placement('h%d' % i, inv, {}) for i in
          range(hosts)]
    hs[0].used = {'VCPU': used_vcpu, 'MEMORY_MB': used_ram,
                  'DISK_GB': used_disk}
    return policy.PrivatePool(hs)


def fragmented():
    """Two hosts, each 31500 of 32256 MiB used: room in the pool, on no
    single host."""
    p = pool()
    for h in p.hosts:
        h.used = {'MEMORY_MB': 31500}
    return p


SMALL = policy.Request(1, 2048, 20, hourly_price=0.02)
LARGE = policy.Request(4, 8192, 80, hourly_price=0.08)


# ------------------------------------------------------------ validation
@pytest.mark.parametrize('values,field,fragment', [
    ({'enter_vcpu_pct': '120'}, 'enter_vcpu_pct', 'percentage'),
    ({'enter_ram_pct': 'abc'}, 'enter_ram_pct', 'number'),
    ({'enter_disk_pct': '-1'}, 'enter_disk_pct', 'percentage'),
    ({'exit_pct': '85'}, 'exit_pct', 'below every enter'),
    ({'exit_pct': '80'}, 'exit_pct', 'below every enter'),
    ({'max_instances': '-3'}, 'max_instances', '0 or more'),
    ({'max_instances': '2.5'}, 'max_instances', 'whole number'),
    ({'max_vcpus': 'many'}, 'max_vcpus', 'number'),
    ({'max_cost_per_hour': '-0.1'}, 'max_cost_per_hour', '0 or more'),
    ({'max_cost_per_hour': 'nan'}, 'max_cost_per_hour', '0 or more'),
    ({'enabled': 'maybe'}, 'enabled', 'true or false'),
    ({'region': 'us east 1'}, 'region', 'region'),
    ({'colour': 'red'}, 'unknown', 'colour'),
    ({1: 'red'}, 'unknown', '1'),
    # issue 10: bounded, finite, no more precise than what is stored
    ({'max_vcpus': '2147483648'}, 'max_vcpus', 'at most 2147483647'),
    ({'max_vcpus': '1e300'}, 'max_vcpus', 'at most 2147483647'),
    ({'max_vcpus': '-5e400'}, 'max_vcpus', '0 or more'),
    ({'max_instances': 'inf'}, 'max_instances', 'whole number'),
    ({'max_instances': 10 ** 400}, 'max_instances', 'at most'),
    ({'max_instances': True}, 'max_instances', 'number'),
    ({'max_instances': [3]}, 'max_instances', 'number'),
    ({'max_cost_per_hour': '1e300'}, 'max_cost_per_hour',
     'at most 214748.3647'),
    ({'max_cost_per_hour': 1e300}, 'max_cost_per_hour', 'at most'),
    ({'max_cost_per_hour': '214748.3648'}, 'max_cost_per_hour', 'at most'),
    ({'max_cost_per_hour': '0.00015'}, 'max_cost_per_hour',
     'steps of 0.0001'),
    ({'max_cost_per_hour': decimal.Decimal('sNaN')}, 'max_cost_per_hour',
     '0 or more'),
    ({'enter_vcpu_pct': float('inf')}, 'enter_vcpu_pct', 'percentage'),
    ({'enter_vcpu_pct': '1e999'}, 'enter_vcpu_pct', 'percentage'),
    ({'enter_vcpu_pct': '9' * 256}, 'enter_vcpu_pct', 'too long'),
    ({'enter_vcpu_pct': None}, 'enter_vcpu_pct', 'number'),
    ({'exit_pct': '79.99999999999999999'}, 'exit_pct', 'reads as 80'),
    ({'enabled': None}, 'enabled', 'true or false'),
    ({'region': 'üs-east-1'}, 'region', 'region'),
    ({'private_zones': 'az1,\ud800'}, 'private_zones', 'Unicode'),
    ({'private_zones': ' ,' * 128}, 'private_zones', 'too long'),
    ({'private_zones': [1, 2]}, 'private_zones', 'names'),
])
def test_validate_gives_a_message_per_field(values, field, fragment):
    with pytest.raises(policy.PolicyError) as e:
        policy.validate(values)
    assert fragment in e.value.errors[field]


def test_validate_reports_every_bad_field_at_once():
    with pytest.raises(policy.PolicyError) as e:
        policy.validate({'enter_vcpu_pct': '200', 'max_vcpus': '-1',
                         'region': ''})
    assert set(e.value.errors) == {'enter_vcpu_pct', 'max_vcpus', 'region'}


@pytest.mark.parametrize('revision', [
    None, -1, 2 ** 63, '1.5', 'x', '9' * 300, True, 7.0, [7]])
def test_validate_refuses_a_bad_revision(revision):
    with pytest.raises(policy.PolicyError) as e:
        policy.validate({}, revision)
    assert set(e.value.errors) == {'revision'}


def test_validate_good_values():
    p = policy.validate({'enabled': 'on', 'enter_vcpu_pct': '70',
                         'enter_ram_pct': 75, 'enter_disk_pct': '90.5',
                         'exit_pct': '50', 'max_instances': '',
                         'max_vcpus': '32', 'max_cost_per_hour': '1.5',
                         'region': 'eu-west-1',
                         'private_aggregates': 'b, a,,a',
                         'private_zones': 'nova'}, revision=4)
    assert p == policy.BurstPolicy(
        enabled=True, enter_vcpu_pct=70, enter_ram_pct=75,
        enter_disk_pct=90.5, exit_pct=50, max_instances=None, max_vcpus=32,
        max_cost_per_hour=1.5, region='eu-west-1',
        private_aggregates=('a', 'b'), private_zones=('nova',), revision=4)


def test_metadata_round_trip():
    p = dataclasses.replace(ENABLED, max_vcpus=8, max_cost_per_hour=0.25,
                            private_zones=('az1', 'az2'), revision=7)
    meta = policy.to_metadata(p)
    assert all(isinstance(v, str) and len(v) <= 255 for v in meta.values())
    assert meta['burst:enter_vcpu_pct'] == '80'
    assert meta['burst:max_instances'] == ''
    assert policy.parse(meta) == p


def test_parse_without_burst_keys_is_disabled():
    assert policy.parse({'availability_zone': 'nova'}) == policy.DISABLED
    assert policy.parse({1: 'x', None: 'burst:'}) == policy.DISABLED
    assert policy.parse(None) == policy.DISABLED


NUMERIC_KEYS = [policy.FIELDS[f] for f in (
    'enter_vcpu_pct', 'enter_ram_pct', 'enter_disk_pct', 'exit_pct',
    'max_instances', 'max_vcpus', 'max_cost_per_hour')]


# issue 10: these crashed the scheduler (OverflowError from int(inf)) or
# were read as something else than what was written.
@pytest.mark.parametrize('key', NUMERIC_KEYS + [policy.REVISION_KEY])
@pytest.mark.parametrize('text', [
    '-5e400', 'inf', '-inf', '1e999', 'nan', 'Infinity', 'sNaN', '1e300',
    '1e99999999999999999999', '1e-99999999999999999999', 'x' * 256,
    '1' * 256, '0x10', '\ud800', '\x00', '1e', '--1'])
def test_parse_refuses_non_finite_huge_and_malformed_numbers(key, text):
    with pytest.raises(policy.PolicyError) as e:
        policy.parse(dict(policy.to_metadata(ENABLED), **{key: text}))
    assert set(e.value.errors) == {key}


@pytest.mark.parametrize('value', [None, 5, 5.0, True, b'5', ['5']])
def test_parse_refuses_values_that_are_not_strings(value):
    meta = dict(policy.to_metadata(ENABLED))
    meta.update({'burst:max_vcpus': value, 'burst:revision': value})
    with pytest.raises(policy.PolicyError) as e:
        policy.parse(meta)
    assert e.value.errors == {'burst:max_vcpus': 'must be a string',
                              'burst:revision': 'must be a string'}


@pytest.mark.parametrize('metadata', [['burst:enabled'], 'burst:', 5])
def test_parse_refuses_what_is_not_a_mapping(metadata):
    with pytest.raises(policy.PolicyError):
        policy.parse(metadata)


@pytest.mark.parametrize('values,stored', [
    # was '%f': stored as '80', then refused (exit not below enter)
    ({'exit_pct': '79.9999999'}, {'burst:exit_pct': '79.9999999'}),
    ({'exit_pct': 79.99999999999999},
     {'burst:exit_pct': '79.99999999999999'}),
    ({'enter_disk_pct': '1e-300', 'exit_pct': '0'},
     {'burst:enter_disk_pct': '1e-300', 'burst:exit_pct': '0'}),
    ({'enter_disk_pct': 5e-324, 'exit_pct': '-0'},
     {'burst:enter_disk_pct': '5e-324', 'burst:exit_pct': '0'}),
    ({'enter_ram_pct': '١٠٠'}, {'burst:enter_ram_pct': '100'}),
    ({'max_vcpus': '2147483647'}, {'burst:max_vcpus': '2147483647'}),
    ({'max_vcpus': ' 7e0 ', 'max_instances': 3.0},
     {'burst:max_vcpus': '7', 'burst:max_instances': '3'}),
    ({'max_cost_per_hour': '214748.3647'},
     {'burst:max_cost_per_hour': '214748.3647'}),
    ({'max_cost_per_hour': '1.50000'}, {'burst:max_cost_per_hour': '1.5'}),
    ({'max_cost_per_hour': '1e-4'}, {'burst:max_cost_per_hour': '0.0001'}),
    ({'max_cost_per_hour': 0.1}, {'burst:max_cost_per_hour': '0.1'}),
    ({'max_cost_per_hour': decimal.Decimal('0.0104')},
     {'burst:max_cost_per_hour': '0.0104'}),
    ({'max_cost_per_hour': 7}, {'burst:max_cost_per_hour': '7'}),
])
def test_saved_values_read_back_exactly(values, stored):
    p = policy.validate(values, 3)
    meta = policy.to_metadata(p)
    assert {k: meta[k] for k in stored} == stored
    assert policy.parse(meta) == p
    assert policy.validate(policy.form_values(p), 3) == p


@pytest.mark.parametrize('value', [
    1e300, -1e300, 1e-300, 5e-324, 1.7976931348623157e308, 79.9999999,
    79.99999999999999, 0.1, 214748.3647, 1e16, 100.0, -0.0])
def test_fmt_is_short_and_reads_back_exactly(value):
    text = policy._fmt(value)
    assert len(text) <= 24
    assert float(text) == value


def test_validate_refuses_what_would_not_read_back(monkeypatch):
    # The guard behind the serialisation: with the old '%f' formatting
    # 79.9999999 was written as 80, which parse refuses.
    fmt = policy._fmt
    monkeypatch.setattr(policy, '_fmt', lambda v: (
        ('%f' % v).rstrip('0').rstrip('.') if isinstance(v, float)
        else fmt(v)))
    with pytest.raises(policy.PolicyError) as e:
        policy.validate({'exit_pct': '79.9999999'})
    assert set(e.value.errors) == {'exit_pct'}
    assert 'would not read back' in e.value.errors['exit_pct']
    # ... and 90.0000001 as 90, which parses, as another value.
    with pytest.raises(policy.PolicyError) as e:
        policy.validate({'enter_disk_pct': '90.0000001'})
    assert set(e.value.errors) == {'enter_disk_pct'}
    assert 'would not read back the same' in e.value.errors[
        'enter_disk_pct']


def test_validate_refuses_what_nova_could_not_store(monkeypatch):
    fmt = policy._fmt
    monkeypatch.setattr(policy, '_fmt', lambda v: (
        'a' * 256 if isinstance(v, tuple) else fmt(v)))
    with pytest.raises(policy.PolicyError) as e:
        policy.validate({})
    assert e.value.errors == dict.fromkeys(
        ['private_aggregates', 'private_zones'],
        'too long for Nova metadata (255 characters)')


def test_constants():
    assert policy.MAX_CAP == 2 ** 31 - 1
    assert policy.COST_UNIT == 0.0001
    assert policy.MAX_COST == 214748.3647
    assert policy.cost_units(policy.MAX_COST) == policy.MAX_CAP


@pytest.mark.parametrize('usd,units', [
    (0, 0), (0.0, 0), (0.0104, 104), (0.0001, 1), (0.00011, 2), (1, 10000),
    (1e-300, 1), (decimal.Decimal('0.00005'), 1), (0.1 + 0.2, 3001),
    (policy.MAX_COST, policy.MAX_CAP)])
def test_cost_units_rounds_up_to_cost_unit(usd, units):
    assert policy.cost_units(usd) == units


@pytest.mark.parametrize('usd,error', [
    (-0.0001, ValueError), (float('nan'), ValueError),
    (float('inf'), ValueError), (1e300, ValueError),
    (policy.MAX_COST + 0.0001, ValueError),
    (decimal.Decimal('sNaN'), ValueError), ('1', TypeError),
    (None, TypeError), (True, TypeError)])
def test_cost_units_refuses(usd, error):
    with pytest.raises(error):
        policy.cost_units(usd)


def test_parse_names_unknown_and_malformed_keys():
    meta = dict(policy.to_metadata(ENABLED), **{
        'burst:enter_vcpu_pct': 'lots', 'burst:colour': 'red',
        'trait:X': 'required'})
    with pytest.raises(policy.PolicyError) as e:
        policy.parse(meta)
    assert set(e.value.errors) == {'burst:enter_vcpu_pct', 'burst:colour'}


def test_metadata_update_bumps_revision_and_deletes_stale_keys():
    old = {'burst:revision': '3', 'burst:old_key': 'x',
           'availability_zone': 'nova'}
    update = policy.metadata_update(old, dataclasses.replace(ENABLED,
                                                             revision=3))
    assert update['burst:revision'] == '4'
    assert update['burst:old_key'] is None
    assert 'availability_zone' not in update
    assert policy.parse({k: v for k, v in update.items() if v is not None}
                        ) == dataclasses.replace(ENABLED, revision=4)


def test_metadata_update_refuses_what_would_not_read_back():
    with pytest.raises(policy.PolicyError) as e:
        policy.metadata_update({}, dataclasses.replace(
            ENABLED, revision=policy.MAX_REVISION))
    assert set(e.value.errors) == {'revision'}
    with pytest.raises(policy.PolicyError) as e:
        policy.metadata_update({}, dataclasses.replace(
            ENABLED, max_cost_per_hour=1e300, exit_pct=float('nan')))
    assert set(e.value.errors) == {'max_cost_per_hour', 'exit_pct'}


# ------------------------------------------------------------ decision
# capacity: 128 vCPU, 64512 MiB, 1000 GiB
@pytest.mark.parametrize('name,private,request_,pol,target,fragment', [
    ('empty pool: local', pool(), SMALL, ENABLED, 'local', 'under'),
    ('vCPU over threshold', pool(used_vcpu=102), SMALL, ENABLED, 'ec2',
     'vCPU'),
    ('vCPU exactly at threshold stays local', pool(used_vcpu=101.4),
     policy.Request(1, 0, 0), dataclasses.replace(
         ENABLED, enter_vcpu_pct=80), 'local', 'under'),
    ('RAM over threshold', pool(used_ram=50000), SMALL, ENABLED, 'ec2',
     'RAM'),
    ('disk over threshold', pool(used_disk=790), SMALL, ENABLED, 'ec2',
     'disk'),
    ('disabled: stays local', pool(used_vcpu=127), SMALL,
     policy.DISABLED, 'local', 'disabled'),
    ('disabled and full: none', pool(used_vcpu=128, hosts=1), SMALL,
     policy.DISABLED, 'none', 'disabled'),
    ('pinned public', pool(), dataclasses.replace(SMALL, placement='public'),
     ENABLED, 'ec2', 'pinned to public'),
    ('pinned public but disabled', pool(),
     dataclasses.replace(SMALL, placement='public'), policy.DISABLED,
     'none', 'disabled'),
    ('pinned private over threshold', pool(used_vcpu=120),
     dataclasses.replace(SMALL, placement='private'), ENABLED, 'local',
     'pinned to private'),
    ('no local host fits (fragmented)', fragmented(),
     policy.Request(1, 1024, 1), dataclasses.replace(ENABLED,
                                                     enter_ram_pct=100,
                                                     exit_pct=10),
     'ec2', 'no local host'),
])
def test_decide(name, private, request_, pol, target, fragment):
    d = policy.decide(private, policy.PublicPool(), request_, pol)
    assert d.target == target, name
    assert fragment in d.reason(), name


@pytest.mark.parametrize('public,cap,fragment', [
    (policy.PublicPool(instances=3), {'max_instances': 3}, 'instance cap'),
    (policy.PublicPool(vcpus=7), {'max_vcpus': 7}, 'vCPU cap'),
    (policy.PublicPool(cost_per_hour=0.99), {'max_cost_per_hour': 1.0},
     'cost cap'),
])
def test_caps_stop_a_burst(public, cap, fragment):
    pol = dataclasses.replace(ENABLED, **cap)
    d = policy.decide(pool(used_vcpu=120), public, SMALL, pol)
    assert d.target == 'none'
    assert fragment in d.reason()


def test_cost_cap_with_unknown_price_refuses():
    pol = dataclasses.replace(ENABLED, max_cost_per_hour=5)
    req = dataclasses.replace(SMALL, placement='public', hourly_price=None,
                              instance_type='x9.huge')
    d = policy.decide(pool(), policy.PublicPool(), req, pol)
    assert d.target == 'none' and 'x9.huge' in d.reason()


def test_scope_narrows_the_pool():
    private = pool(used_vcpu=100)   # h0 busy, h1 idle
    scoped = policy.private_hosts(private.hosts, set(), dataclasses.replace(
        ENABLED, private_aggregates=('fast',)), aggregates={'fast': {'h0'}})
    assert [h.name for h in scoped.hosts] == ['h0']
    assert policy.decide(scoped, policy.PublicPool(), SMALL,
                         ENABLED).target == 'ec2'   # 101/64 > 80 %
    by_zone = policy.private_hosts(private.hosts, {'h1'}, dataclasses.replace(
        ENABLED, private_zones=('az1',)), zones={'h0': 'az1', 'h1': 'az1'})
    assert [h.name for h in by_zone.hosts] == ['h0']


def test_preview_counts_local_then_ec2_within_caps():
    pol = dataclasses.replace(ENABLED, max_instances=2)
    # 64512 MiB capacity: 80 % = 51609.6 MiB; 6 x 8192 = 49152 fit, 7 not.
    result = policy.preview(pool(), policy.PublicPool(), LARGE, pol)
    assert (result['local'], result['ec2']) == (6, 2)
    assert 'instance cap' in result['stop']


def test_preview_does_not_change_the_pools():
    private, public = pool(), policy.PublicPool()
    policy.preview(private, public, LARGE, ENABLED)
    assert private.used('MEMORY_MB') == 0 and public.instances == 0


def test_repatriation_candidate_under_exit_threshold():
    assert policy.repatriation_candidate(pool(used_vcpu=10), SMALL, ENABLED)
    assert not policy.repatriation_candidate(pool(used_vcpu=90), SMALL,
                                             ENABLED)
    assert not policy.repatriation_candidate(pool(), SMALL, policy.DISABLED)


def test_repatriation_candidates_counted_together():
    # 64512 MiB private RAM, exit at 60 % = 38707 MiB: four LARGE (8192)
    # fit back together, a fifth would cross the exit threshold.
    requests = [('i%d' % i, LARGE) for i in range(6)]
    assert policy.repatriation_candidates(pool(), requests, ENABLED) == {
        'i0', 'i1', 'i2', 'i3'}
    # Each alone would pass: the set is not just the single answers.
    assert all(policy.repatriation_candidate(pool(), LARGE, ENABLED)
               for _ in requests)
    # A small one still fits after a big one is refused.
    mixed = [('big', dataclasses.replace(LARGE, memory_mb=40000)),
             ('small', SMALL)]
    assert policy.repatriation_candidates(pool(), mixed, ENABLED) == {
        'small'}
    pinned = [('p', dataclasses.replace(SMALL, placement='public'))]
    assert policy.repatriation_candidates(pool(), pinned, ENABLED) == set()
    assert policy.repatriation_candidates(pool(), requests,
                                          policy.DISABLED) == set()
    assert policy.repatriation_candidates(pool(used_ram=38000), requests,
                                          ENABLED) == set()


@pytest.mark.parametrize('extra_specs,placement', [
    ({}, 'auto'), (None, 'auto'), ({'burst:placement': None}, 'auto'),
    ({'burst:placement': ''}, 'auto'), ({'burst:placement': ' Public '},
                                        'public'),
    ({'burst:placement': 'private', 'hw:cpu_policy': 5}, 'private'),
])
def test_placement_spec(extra_specs, placement):
    assert policy.request_placement(extra_specs) == placement


@pytest.mark.parametrize('extra_specs', [
    {'burst:placement': 'cloud'}, {'burst:placement': ' '},
    {'burst:placement': 5}, {'burst:placement': ['public']},
    {'burst:placement': b'public'}, {'burst:placement': '\ud800'},
    ['burst:placement'], 'public', 5])
def test_bad_placement_spec(extra_specs):
    with pytest.raises(policy.PolicyError) as e:
        policy.request_placement(extra_specs)
    assert set(e.value.errors) == {policy.PLACEMENT_SPEC}


# ------------------------------------------------------------ prices
def test_pricing_api_answer_parsed_and_preferred():
    import boto3
    from botocore.stub import Stubber
    from burst_core import prices
    from burst_nova import pricing
    client = boto3.client('pricing', region_name='us-east-1',
                          aws_access_key_id='a', aws_secret_access_key='b')
    product = ('{"terms": {"OnDemand": {"X": {"priceDimensions": {"Y": '
               '{"pricePerUnit": {"USD": "0.0123"}}}}}}}')
    with Stubber(client) as stub:
        stub.add_response('get_products', {'PriceList': [product]})
        lookup = pricing.PriceLookup('us-east-1', client_factory=lambda:
                                     client)
        book = lookup.book(['t3.micro'])
    assert book.price('t3.micro') == (0.0123, 'pricing-api')
    assert book.price('m5.large')[1].startswith('table ')
    assert prices.PriceBook('us-east-1', {'m5.large': 9}).price(
        'm5.large') == (9.0, 'settings')


def test_pricing_api_down_falls_back_to_table_and_backs_off():
    from burst_core import prices
    from burst_nova import pricing
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError('500')
    lookup = pricing.PriceLookup('us-east-1', client_factory=broken)
    assert lookup.book(['t3.micro']).price('t3.micro') == (
        0.0104, 'table %s' % prices.table_date())
    lookup.book(['t3.small'])
    assert len(calls) == 1 and not lookup.available()


def test_pricing_api_never_waited_for_by_a_request():
    import threading

    from burst_core import prices
    from burst_nova import pricing
    answer, asked = threading.Event(), threading.Event()

    class Slow(object):
        def get_products(self, **kw):
            asked.set()
            answer.wait(10)
            return {'PriceList': [
                '{"terms": {"OnDemand": {"X": {"priceDimensions": {"Y": '
                '{"pricePerUnit": {"USD": "0.5"}}}}}}}']}
    lookup = pricing.PriceLookup('us-east-1', client_factory=Slow)
    # The book comes at once, from the table, while the API is asked in
    # the background.
    book = lookup.book(['t3.micro'], wait=False)
    assert book.price('t3.micro')[1] == 'table %s' % prices.table_date()
    assert asked.wait(5)
    answer.set()
    for _ in range(100):
        if lookup.book(['t3.micro'], wait=False).price('t3.micro')[1] == \
                'pricing-api':
            break
        threading.Event().wait(0.05)
    assert lookup.book(['t3.micro'], wait=False).price('t3.micro') == (
        0.5, 'pricing-api')
