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

"""Property-based tests of the pure burst policy (issue 10).

Reading is total: parse, validate and request_placement return a value or
raise PolicyError, whatever they are given (the scheduler parses the
aggregate metadata on every build). Writing round-trips: whatever validate
accepts is stored as metadata that Nova can hold and that parses back as
the same policy.
"""
import dataclasses
import decimal
import math

import hypothesis
from hypothesis import strategies as st

from burst_core import policy

# No example database: it would write .hypothesis/ into the checkout.
FAST = hypothesis.settings(max_examples=300, deadline=None, database=None)
THOROUGH = hypothesis.settings(max_examples=600, deadline=None,
                               database=None)

KEYS = list(policy.FIELDS.values()) + [policy.REVISION_KEY]
NUMERIC_FIELDS = ('enter_vcpu_pct', 'enter_ram_pct', 'enter_disk_pct',
                  'exit_pct', 'max_instances', 'max_vcpus',
                  'max_cost_per_hour')

# ------------------------------------------------------------ strategies
NOTABLE = st.sampled_from([
    '', ' ', '0', '-0', '80', '79.9999999', '79.99999999999999999', '100',
    '100.0000000000000001', '2147483647', '2147483648', '214748.3647',
    '214748.3648', '0.0001', '0.00015', '1e300', '-5e400', '1e999', 'inf',
    '-inf', 'Infinity', 'nan', 'NaN', 'sNaN', '-sNaN', '1e-400',
    '1e99999999999999999999', '1e-99999999999999999999', '0x10', '1_000',
    '١٢', '１２', '\u00a0 12 \u2003', 'true', 'on', 'us-east-1', 'a,b, ,a',
    '\ud800', '\x00', '9' * 255, '9' * 256, ' ' * 300])
NUMBER_TEXT = st.one_of(
    st.floats().map(repr),
    st.integers().map(str),
    st.integers(min_value=-10 ** 300, max_value=10 ** 300).map(str),
    st.decimals().map(str),
    st.from_regex(r'\s{0,2}[+-]?\d{0,12}(\.\d{0,20})?([eE][+-]?\d{1,25})?'
                  r'\s{0,2}', fullmatch=True),
)
WEIRD_TEXT = st.one_of(
    st.text(),
    st.text(st.characters(categories=['Nd', 'Zs', 'Cc', 'Cs'])),
    st.text(min_size=250, max_size=300),
)
TEXT = st.one_of(NOTABLE, NUMBER_TEXT, WEIRD_TEXT)
# what a caller of validate may pass as a field value or a revision
ANY_VALUE = st.one_of(
    TEXT, st.none(), st.booleans(), st.floats(), st.integers(),
    st.integers(min_value=-10 ** 400, max_value=10 ** 400),
    st.decimals(), st.lists(st.text(max_size=5), max_size=3),
    st.tuples(st.integers()), st.binary(max_size=5),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))
# what may sit in aggregate metadata (Nova's are strings; be generous)
METADATA_VALUE = st.one_of(TEXT, TEXT, TEXT, st.none(), st.integers(),
                           st.floats(), st.booleans())


def _pct_input(value):
    """A percentage as a caller may give it: float, its repr, or the
    shortest decimal text."""
    return st.sampled_from([value, repr(value), policy._fmt(value)])


@st.composite
def good_values(draw):
    """Field values validate must accept (typed or text)."""
    enters = [draw(st.floats(min_value=0, max_value=100)) for _ in range(3)]
    hypothesis.assume(min(enters) > 0)
    exit_pct = draw(st.floats(min_value=0, max_value=min(enters),
                              exclude_max=True))
    values = {field: draw(_pct_input(value)) for field, value in zip(
        ('enter_vcpu_pct', 'enter_ram_pct', 'enter_disk_pct', 'exit_pct'),
        enters + [exit_pct])}
    caps = st.one_of(st.none(), st.just(''),
                     st.integers(min_value=0, max_value=policy.MAX_CAP))
    for field in ('max_instances', 'max_vcpus'):
        cap = draw(caps)
        values[field] = draw(st.sampled_from([cap, str(cap)])) \
            if cap is not None else cap
    units = draw(st.one_of(st.none(), st.integers(
        min_value=0, max_value=policy.MAX_CAP)))
    if units is not None:
        usd = decimal.Decimal(units).scaleb(-4)
        units = draw(st.sampled_from([usd, str(usd), float(usd),
                                      repr(float(usd))]))
    values['max_cost_per_hour'] = units
    values['enabled'] = draw(st.one_of(st.booleans(), st.sampled_from(
        ['true', 'False', ' on ', 'no', '', '1', '0'])))
    values['region'] = draw(st.from_regex(r'[a-z0-9-]{1,64}',
                                          fullmatch=True))
    name = st.text(st.characters(exclude_categories=['Cs'],
                                 exclude_characters=','), max_size=12)
    for field in ('private_aggregates', 'private_zones'):
        names = draw(st.lists(name, max_size=8))
        values[field] = draw(st.sampled_from([names, tuple(names),
                                              ','.join(names)]))
    # leave some out: they take their defaults
    keep = draw(st.sets(st.sampled_from(sorted(values))))
    return {k: v for k, v in values.items() if k in keep or k in (
        'enter_vcpu_pct', 'enter_ram_pct', 'enter_disk_pct', 'exit_pct')}


REVISIONS = st.one_of(
    st.integers(min_value=0, max_value=policy.MAX_REVISION),
    st.integers(min_value=0, max_value=policy.MAX_REVISION).map(str),
    st.just(policy.MAX_REVISION))


# ------------------------------------------------------------ checks
def _check_error(error, allowed_keys):
    assert isinstance(error, policy.PolicyError)
    assert error.errors
    assert set(error.errors) <= set(allowed_keys)
    assert all(isinstance(m, str) and m for m in error.errors.values())
    assert str(error)


def _check_writable(p):
    """Everything a policy validate accepted must round-trip."""
    meta = policy.to_metadata(p)
    assert set(meta) == set(KEYS)
    assert all(isinstance(v, str) and len(v) <= policy.MAX_VALUE_LEN
               for v in meta.values())
    assert policy.parse(meta) == p
    assert policy.validate(policy.form_values(p), p.revision) == p
    assert policy.validate(policy.form_values(p), str(p.revision)) == p
    if p.max_cost_per_hour is not None:
        units = policy.cost_units(p.max_cost_per_hour)
        assert 0 <= units <= policy.MAX_CAP
        assert decimal.Decimal(units) * decimal.Decimal('0.0001') == \
            decimal.Decimal(repr(p.max_cost_per_hour))
    for cap in (p.max_instances, p.max_vcpus):
        assert cap is None or 0 <= cap <= policy.MAX_CAP


# ------------------------------------------------------------ properties
@THOROUGH
@hypothesis.given(st.dictionaries(
    st.one_of(st.sampled_from(KEYS), st.text().map(policy.PREFIX.__add__),
              st.text(), st.integers()),
    METADATA_VALUE, max_size=14))
def test_parse_is_total(metadata):
    try:
        p = policy.parse(metadata)
    except policy.PolicyError as e:
        _check_error(e, KEYS + [k for k in metadata if isinstance(k, str)])
    else:
        assert isinstance(p, policy.BurstPolicy)


@THOROUGH
@hypothesis.given(good_values(), REVISIONS,
                  st.dictionaries(st.sampled_from(KEYS), METADATA_VALUE,
                                  min_size=1, max_size=4))
def test_parse_is_total_for_one_bad_key(values, revision, bad):
    # a good policy with some keys replaced: only those can be blamed
    meta = dict(policy.to_metadata(policy.validate(values, revision)), **bad)
    try:
        p = policy.parse(meta)
    except policy.PolicyError as e:
        # exit_pct is judged against the enter thresholds
        _check_error(e, list(bad) + ['burst:exit_pct'])
    else:
        assert isinstance(p, policy.BurstPolicy)
        _check_writable(p)


@THOROUGH
@hypothesis.given(
    st.dictionaries(st.one_of(st.sampled_from(sorted(policy.FIELDS)),
                              st.text(max_size=8)),
                    ANY_VALUE, max_size=12),
    st.one_of(REVISIONS, ANY_VALUE))
def test_validate_is_total(values, revision):
    try:
        p = policy.validate(values, revision)
    except policy.PolicyError as e:
        _check_error(e, list(policy.FIELDS) + ['unknown', 'revision'])
    else:
        assert isinstance(p, policy.BurstPolicy)
        _check_writable(p)


@FAST
@hypothesis.given(st.sampled_from(NUMERIC_FIELDS), st.one_of(
    st.floats(), st.floats(min_value=-1e-300, max_value=1e-300),
    st.integers(), st.integers(min_value=-10 ** 400, max_value=10 ** 400),
    st.decimals(), st.decimals(places=6, min_value=0, max_value=10 ** 9),
    st.decimals().map(str), NUMBER_TEXT, NOTABLE))
def test_validate_numbers_are_bounded_and_exact(field, value):
    try:
        p = policy.validate({field: value, 'exit_pct': 0}
                            if field != 'exit_pct' else {field: value})
    except policy.PolicyError as e:
        _check_error(e, [field, 'exit_pct'])
        return
    got = getattr(p, field)
    if field.endswith('_pct'):
        assert 0 <= got <= 100
    elif got is not None:
        assert got >= 0 and math.isfinite(got)
        if field == 'max_cost_per_hour':
            assert got <= policy.MAX_COST
        else:
            assert isinstance(got, int) and got <= policy.MAX_CAP
    _check_writable(p)


@THOROUGH
@hypothesis.given(good_values(), REVISIONS,
                  st.dictionaries(st.one_of(st.sampled_from(KEYS),
                                            st.text(max_size=10),
                                            st.text().map(
                                                policy.PREFIX.__add__)),
                                  st.text(max_size=10), max_size=6))
def test_accepted_policies_round_trip(values, revision, old_metadata):
    p = policy.validate(values, revision)   # always accepted
    _check_writable(p)
    assert policy.validate(values, p.revision) == p
    if p.revision == policy.MAX_REVISION:
        try:
            policy.metadata_update(old_metadata, p)
        except policy.PolicyError as e:
            assert set(e.errors) == {'revision'}
        else:
            raise AssertionError('revision %d + 1 was written' % p.revision)
        return
    update = policy.metadata_update(old_metadata, p)
    bumped = dataclasses.replace(p, revision=p.revision + 1)
    assert all(v is None or len(v) <= policy.MAX_VALUE_LEN
               for v in update.values())
    assert all(k.startswith(policy.PREFIX) for k in update)
    written = {k: v for k, v in update.items() if v is not None}
    assert policy.parse(written) == bumped
    # what Nova then holds: the old metadata, updated
    merged = {k: v for k, v in dict(old_metadata, **update).items()
              if v is not None}
    assert policy.parse(merged) == bumped


@FAST
@hypothesis.given(st.one_of(
    st.none(), st.dictionaries(st.one_of(st.just(policy.PLACEMENT_SPEC),
                                         st.text(max_size=8)),
                               ANY_VALUE, max_size=3),
    st.dictionaries(st.just(policy.PLACEMENT_SPEC), st.sampled_from(
        ['auto', 'Private', ' public ', 'PUBLIC\n', 'ec2', ''])),
    ANY_VALUE))
def test_request_placement_is_total(extra_specs):
    try:
        placement = policy.request_placement(extra_specs)
    except policy.PolicyError as e:
        _check_error(e, [policy.PLACEMENT_SPEC])
    else:
        assert placement in policy.PLACEMENTS


@FAST
@hypothesis.given(st.one_of(
    st.integers(min_value=0, max_value=policy.MAX_CAP).map(
        lambda u: float(decimal.Decimal(u).scaleb(-4))),
    st.floats(min_value=0, max_value=policy.MAX_COST)))
def test_cost_units_is_the_ceiling_in_cost_units(usd):
    units = policy.cost_units(usd)
    exact = decimal.Decimal(repr(usd))
    unit = decimal.Decimal('0.0001')
    assert 0 <= units <= policy.MAX_CAP
    assert (units - 1) * unit < exact <= units * unit
