"""The pure burst policy: validation, (de)serialisation and the decision,
table-driven."""
import dataclasses

import pytest

from burst_nova import policy

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


def test_bad_placement_spec():
    with pytest.raises(policy.PolicyError):
        policy.request_placement({'burst:placement': 'cloud'})
    assert policy.request_placement({}) == 'auto'


# ------------------------------------------------------------ prices
def test_pricing_api_answer_parsed_and_preferred():
    import boto3
    from botocore.stub import Stubber
    from burst_nova import prices
    client = boto3.client('pricing', region_name='us-east-1',
                          aws_access_key_id='a', aws_secret_access_key='b')
    product = ('{"terms": {"OnDemand": {"X": {"priceDimensions": {"Y": '
               '{"pricePerUnit": {"USD": "0.0123"}}}}}}}')
    with Stubber(client) as stub:
        stub.add_response('get_products', {'PriceList': [product]})
        lookup = prices.PriceLookup('us-east-1', client_factory=lambda:
                                    client)
        book = lookup.book(['t3.micro'])
    assert book.price('t3.micro') == (0.0123, 'pricing-api')
    assert book.price('m5.large')[1].startswith('table ')
    assert prices.PriceBook('us-east-1', {'m5.large': 9}).price(
        'm5.large') == (9.0, 'settings')


def test_pricing_api_down_falls_back_to_table_and_backs_off():
    from burst_nova import prices
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError('500')
    lookup = prices.PriceLookup('us-east-1', client_factory=broken)
    assert lookup.book(['t3.micro']).price('t3.micro') == (
        0.0104, 'table %s' % prices.table_date())
    lookup.book(['t3.small'])
    assert len(calls) == 1 and not lookup.available()
