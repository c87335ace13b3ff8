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

"""The burst policy and the placement decision: pure Python, no I/O.

Both the Nova scheduler filter and the dashboard's preview call
:func:`decide`, so the preview can never disagree with real placement.

The policy lives in the metadata of one Nova host aggregate (default
``burst-ec2``, whose hosts are the EC2 pseudo-hypervisors), as string values
under keys prefixed ``burst:``::

    burst:enabled            true | false
    burst:enter_vcpu_pct     0-100   burst once private vCPU use would pass it
    burst:enter_ram_pct      0-100
    burst:enter_disk_pct     0-100
    burst:exit_pct           0-100, below every enter threshold (hysteresis)
    burst:max_instances      whole number 0-MAX_CAP, or empty for no cap
    burst:max_vcpus          whole number 0-MAX_CAP, or empty for no cap
    burst:max_cost_per_hour  USD 0-MAX_COST in steps of COST_UNIT, or empty
    burst:region             e.g. us-east-1
    burst:private_aggregates comma-separated aggregate names (optional scope)
    burst:private_zones      comma-separated availability zones (optional)
    burst:revision           counter bumped by every save, 0-MAX_REVISION

Reading is total: :func:`parse` and :func:`validate` return a BurstPolicy
or raise PolicyError, whatever they are given (the scheduler parses on every
build). Writing is checked: :func:`validate` and :func:`metadata_update`
refuse a policy whose metadata would not read back as the same policy.
"""
import collections.abc
import dataclasses
import decimal
import math

from burst_core.i18n import _
from burst_core.i18n import join
from burst_core.i18n import Message


PREFIX = 'burst:'
RESOURCES = ('VCPU', 'MEMORY_MB', 'DISK_GB')
RESOURCE_LABELS = {'VCPU': Message(_('vCPU')), 'MEMORY_MB': Message(_('RAM')),
                   'DISK_GB': Message(_('disk'))}
PLACEMENT_SPEC = 'burst:placement'
PLACEMENTS = ('auto', 'private', 'public')

# field name -> metadata key
FIELDS = {
    'enabled': 'burst:enabled',
    'enter_vcpu_pct': 'burst:enter_vcpu_pct',
    'enter_ram_pct': 'burst:enter_ram_pct',
    'enter_disk_pct': 'burst:enter_disk_pct',
    'exit_pct': 'burst:exit_pct',
    'max_instances': 'burst:max_instances',
    'max_vcpus': 'burst:max_vcpus',
    'max_cost_per_hour': 'burst:max_cost_per_hour',
    'region': 'burst:region',
    'private_aggregates': 'burst:private_aggregates',
    'private_zones': 'burst:private_zones',
}
REVISION_KEY = 'burst:revision'
ENTER_FIELDS = {'VCPU': 'enter_vcpu_pct', 'MEMORY_MB': 'enter_ram_pct',
                'DISK_GB': 'enter_disk_pct'}
MAX_VALUE_LEN = 255  # Nova's limit for aggregate metadata keys and values
# The caps are enforced as Placement inventory, whose totals go up to
# 2**31 - 1; the cost cap in whole COST_UNITs (USD per hour).
MAX_CAP = 2 ** 31 - 1
COST_UNIT = 0.0001
MAX_COST = MAX_CAP * COST_UNIT  # 214748.3647 USD per hour
MAX_REVISION = 2 ** 63 - 1

# every field and the revision -> metadata key, and back
_KEYS = dict(FIELDS, revision=REVISION_KEY)
_FIELD_OF = {key: field for field, key in _KEYS.items()}

# Exact decimal arithmetic on what was typed: no text of MAX_VALUE_LEN
# characters is rounded, and exponents beyond any reason raise.
_DECIMAL = decimal.Context(
    prec=2 * MAX_VALUE_LEN, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero,
           decimal.Overflow, decimal.Underflow])
_COST_UNIT = decimal.Decimal(repr(COST_UNIT))
_MAX_COST = _COST_UNIT * MAX_CAP
_NAN = decimal.Decimal('NaN')


class PolicyError(ValueError):
    """Invalid policy values: ``errors`` maps each field to its message."""

    def __init__(self, errors):
        self.errors = dict(errors)
        super().__init__('; '.join('%s: %s' % kv
                                   for kv in sorted(self.errors.items())))


@dataclasses.dataclass(frozen=True)
class BurstPolicy:
    enabled: bool = False
    enter_vcpu_pct: float = 80.0
    enter_ram_pct: float = 80.0
    enter_disk_pct: float = 80.0
    exit_pct: float = 60.0
    max_instances: int = None
    max_vcpus: int = None
    max_cost_per_hour: float = None
    region: str = 'us-east-1'
    private_aggregates: tuple = ()
    private_zones: tuple = ()
    revision: int = 0

    def enter(self, resource):
        return getattr(self, ENTER_FIELDS[resource])


DISABLED = BurstPolicy(enabled=False)


# ---------------------------------------------------------------- parsing
# Each parser takes a field value as typed (text, or the type it stands for)
# and returns the policy's value or raises ValueError with the message.
def _text(raw):
    """Text as typed, stripped; refused when Nova could not store it."""
    if len(raw) > MAX_VALUE_LEN:
        raise ValueError(Message(_('too long (%(max)d characters at most)'),
                                 max=MAX_VALUE_LEN))
    try:
        raw.encode('utf-8')
    except UnicodeEncodeError:
        raise ValueError(Message(_('must be valid Unicode text'))) from None
    return raw.strip()


def _empty(raw):
    return raw is None or isinstance(raw, str) and not _text(raw)


def _decimal(raw):
    """A number as text, int, float or Decimal -> its exact Decimal; NaN
    when its exponent is beyond any reason."""
    if isinstance(raw, bool) or not isinstance(
            raw, (str, int, float, decimal.Decimal)):
        raise ValueError(Message(_('must be a number')))
    if isinstance(raw, float):
        raw = repr(raw)  # the shortest text that reads back as this float
    elif isinstance(raw, str):
        raw = _text(raw)
    try:
        return _DECIMAL.create_decimal(raw)
    except decimal.InvalidOperation:
        raise ValueError(Message(_('must be a number'))) from None
    except ArithmeticError:  # Overflow, Underflow
        return _NAN


def _number(raw, low, high, message):
    value = _decimal(raw)
    if not value.is_finite() or not low <= value <= high:
        raise ValueError(message)
    return value


def _pct(raw):
    value = _number(raw, 0, 100,
                    Message(_('must be a percentage from 0 to 100')))
    return float(value) + 0.0  # no -0.0


_CAP_MESSAGE = Message(_('must be a whole number, 0 or more and at most '
                         '%(max)d (empty: no cap)'), max=MAX_CAP)


def _cap_int(raw):
    if _empty(raw):
        return None
    value = _number(raw, 0, MAX_CAP, _CAP_MESSAGE)
    if value != value.to_integral_value(context=_DECIMAL):
        raise ValueError(_CAP_MESSAGE)
    return int(value)


def _cost(raw):
    if _empty(raw):
        return None
    value = _number(raw, 0, _MAX_COST, Message(
        _('must be 0 or more and at most %(max)s USD per hour (empty: no '
          'cap)'), max=str(_MAX_COST)))
    if value != value.quantize(_COST_UNIT, context=_DECIMAL):
        raise ValueError(Message(
            _('must be in steps of %(unit)s USD per hour (at most '
              '%(places)d decimal places)'), unit=str(_COST_UNIT),
            places=-_COST_UNIT.as_tuple().exponent))
    return float(value) + 0.0


def cost_units(usd_per_hour):
    """USD per hour -> whole COST_UNITs, rounded up: the amount a claim
    against the cost cap takes. A float counts as its shortest repr, so
    0.0104 is 104 units (not 105 from binary rounding).

    :raises TypeError: not a number
    :raises ValueError: negative, not finite or above MAX_COST (no claim
        can be that large)
    """
    if isinstance(usd_per_hour, bool) or not isinstance(
            usd_per_hour, (int, float, decimal.Decimal)):
        raise TypeError('a cost per hour must be a number, not %r'
                        % type(usd_per_hour).__name__)
    value = _decimal(usd_per_hour)
    if not value.is_finite() or not 0 <= value <= _MAX_COST:
        raise ValueError('a cost per hour must be from 0 to %s USD, not %r'
                         % (_MAX_COST, usd_per_hour))
    return int((value / _COST_UNIT).to_integral_value(
        rounding=decimal.ROUND_CEILING, context=_DECIMAL))


_TRUE = ('true', '1', 'yes', 'on')
_FALSE = ('false', '0', 'no', 'off', '')


def _bool(raw):
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = _text(raw).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(Message(_('must be true or false')))


def _names(raw):
    if raw is None:
        return ()
    if isinstance(raw, (list, tuple)) and all(isinstance(i, str)
                                              for i in raw):
        raw = ','.join(raw)
    if not isinstance(raw, str):
        raise ValueError(Message(_('must be comma-separated names')))
    return tuple(sorted({n.strip() for n in _text(raw).split(',')} - {''}))


def _region(raw):
    text = _text(raw) if isinstance(raw, str) else ''
    if not text or len(text) > 64 or not text.isascii() or not all(
            c.isalnum() or c == '-' for c in text):
        raise ValueError(Message(
            _('must be an AWS region name such as us-east-1')))
    return text


_REVISION_MESSAGE = Message(_('must be a whole number from 0 to %(max)d'),
                            max=MAX_REVISION)


def _revision(raw):
    # int(), as every other reader of burst:revision does
    if isinstance(raw, str):
        try:
            raw = int(_text(raw))
        except ValueError:
            raise ValueError(_REVISION_MESSAGE) from None
    if isinstance(raw, bool) or not isinstance(raw, int) or \
            not 0 <= raw <= MAX_REVISION:
        raise ValueError(_REVISION_MESSAGE)
    return int(raw)


_PARSERS = {
    'enabled': _bool, 'enter_vcpu_pct': _pct, 'enter_ram_pct': _pct,
    'enter_disk_pct': _pct, 'exit_pct': _pct, 'max_instances': _cap_int,
    'max_vcpus': _cap_int, 'max_cost_per_hour': _cost,
    'region': _region, 'private_aggregates': _names,
    'private_zones': _names,
}


def _reason(error):
    """The message of a parser's ValueError (a Message, kept whole)."""
    return error.args[0] if error.args else str(error)


def _validate(values, revision):
    """:func:`validate` without the read-back check (which parses)."""
    if not isinstance(values, collections.abc.Mapping):
        raise PolicyError({'unknown': Message(
            _('field values must be a mapping'))})
    errors = {}
    parsed = {}
    unknown = sorted(k if isinstance(k, str) else repr(k)
                     for k in values if k not in FIELDS)
    if unknown:
        errors['unknown'] = Message(_('unknown field(s): %(fields)s'),
                                    fields=', '.join(unknown))
    for field, parse in _PARSERS.items():
        if field not in values:
            continue
        try:
            parsed[field] = parse(values[field])
        except (TypeError, ValueError) as e:
            errors[field] = _reason(e)
    try:
        revision = _revision(revision)
    except ValueError as e:
        errors['revision'] = _reason(e)
        revision = 0
    policy = dataclasses.replace(BurstPolicy(), revision=revision,
                                 **parsed)
    for field in ENTER_FIELDS.values():
        if field in errors or 'exit_pct' in errors:
            continue
        if policy.exit_pct >= getattr(policy, field):
            errors.setdefault('exit_pct', 'must be below every enter '
                              'threshold (it reads as %s, %s is %s)' % (
                                  _fmt(policy.exit_pct), field,
                                  _fmt(getattr(policy, field))))
    if errors:
        raise PolicyError(errors)
    return policy


def _check_read_back(policy):
    """PolicyError naming each field whose metadata would be too long for
    Nova or would not parse back as the same value."""
    meta = to_metadata(policy)
    errors = {field: 'too long for Nova metadata (%d characters)'
              % MAX_VALUE_LEN for field, key in _KEYS.items()
              if len(meta[key]) > MAX_VALUE_LEN}
    if not errors:
        try:
            back = parse(meta)
        except PolicyError as e:
            errors = {_FIELD_OF.get(key, key): 'would not read back from '
                      'Nova metadata (%s)' % message
                      for key, message in e.errors.items()}
        else:
            errors = {field: 'would not read back the same from Nova '
                      'metadata (%r would read as %r)' % (
                          getattr(policy, field), getattr(back, field))
                      for field in _KEYS
                      if getattr(back, field) != getattr(policy, field)}
    if errors:
        raise PolicyError(errors)


def validate(values, revision=0):
    """Field values (strings or typed) -> BurstPolicy, or PolicyError with a
    message per field. Fields left out take their defaults.

    A policy is only returned when its metadata fits Nova and parses back
    as the same policy (revision included), so what is saved is what the
    scheduler reads.
    """
    policy = _validate(values, revision)
    _check_read_back(policy)
    return policy


def parse(metadata):
    """Aggregate metadata -> BurstPolicy. No ``burst:`` key at all means
    not configured (disabled); bad or unknown keys raise PolicyError, with
    a message per metadata key. Never raises anything else."""
    metadata = metadata or {}
    if not isinstance(metadata, collections.abc.Mapping):
        raise PolicyError({'metadata': Message(_('must be a mapping'))})
    mine = {k: v for k, v in metadata.items()
            if isinstance(k, str) and k.startswith(PREFIX)}
    if not mine:
        return DISABLED
    values, errors = {}, {}
    revision = 0
    for key, value in mine.items():
        field = _FIELD_OF.get(key)
        if field is None:
            errors[key] = Message(_('unknown key'))
        elif not isinstance(value, str):
            errors[key] = Message(_('must be a string'))
        elif field == 'revision':
            revision = value
        else:
            values[field] = value
    try:
        policy = _validate(values, revision)
    except PolicyError as e:
        errors.update({_KEYS.get(f, f): m for f, m in e.errors.items()})
    if errors:
        raise PolicyError(errors)
    return policy


def _fmt(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, tuple):
        return ','.join(value)
    if isinstance(value, float):
        # The shortest text that reads back as this float (24 characters
        # at most), '80' rather than '80.0'.
        text = repr(value)
        return text[:-2] if text.endswith('.0') else text
    return str(value)


def to_metadata(policy):
    """BurstPolicy -> aggregate metadata (every value a string)."""
    return {key: _fmt(getattr(policy, field))
            for field, key in _KEYS.items()}


def form_values(policy):
    """BurstPolicy -> {field: string} for an edit form."""
    return {field: _fmt(getattr(policy, field)) for field in FIELDS}


def metadata_update(old_metadata, new_policy):
    """Metadata to send to Nova for a save: the new values with the revision
    bumped, ``None`` (delete) for stale ``burst:`` keys.

    :raises PolicyError: the new metadata would not parse back as
        ``new_policy`` with the revision bumped (nothing must be written)
    """
    new = dataclasses.replace(new_policy, revision=new_policy.revision + 1)
    _check_read_back(new)
    meta = to_metadata(new)
    for key in old_metadata or {}:
        if isinstance(key, str) and key.startswith(PREFIX) and \
                key not in meta:
            meta[key] = None
    return meta


# ---------------------------------------------------------------- pools
@dataclasses.dataclass
class Host:
    name: str
    capacity: dict   # resource class -> (total - reserved) * ratio
    used: dict       # resource class -> used
    max_unit: dict = dataclasses.field(default_factory=dict)

    def fits(self, request):
        for rc, amount in request.resources().items():
            if not amount:
                continue
            if self.used.get(rc, 0) + amount > self.capacity.get(rc, 0):
                return False
            if rc in self.max_unit and amount > self.max_unit[rc]:
                return False
        return True


@dataclasses.dataclass
class PrivatePool:
    hosts: list

    def capacity(self, rc):
        return sum(h.capacity.get(rc, 0) for h in self.hosts)

    def used(self, rc):
        return sum(h.used.get(rc, 0) for h in self.hosts)

    def utilisation(self, rc, extra=0):
        cap = self.capacity(rc)
        if cap <= 0:
            return math.inf if self.used(rc) + extra > 0 else 0.0
        return 100.0 * (self.used(rc) + extra) / cap


@dataclasses.dataclass
class PublicPool:
    instances: int = 0
    vcpus: int = 0
    cost_per_hour: float = 0.0


@dataclasses.dataclass(frozen=True)
class Request:
    vcpus: int
    memory_mb: int
    disk_gb: int
    placement: str = 'auto'
    hourly_price: float = None    # USD/h of the EC2 type it would get
    instance_type: str = None

    def resources(self):
        return {'VCPU': self.vcpus, 'MEMORY_MB': self.memory_mb,
                'DISK_GB': self.disk_gb}


@dataclasses.dataclass(frozen=True)
class Decision:
    target: str            # 'local', 'ec2' or 'none'
    reasons: tuple         # why, with the figures (logs, admins)
    utilisation: dict      # resource -> % private utilisation after local
    summary: str = ''      # why, in words: no figure of the cloud

    def reason(self):
        return join(self.reasons)


def capacity_of(inventory):
    """Placement's capacity: (total - reserved) * allocation_ratio."""
    return (inventory.get('total', 0) - inventory.get('reserved', 0)) * \
        inventory.get('allocation_ratio', 1.0)


def host_from_placement(name, inventories, usages):
    return Host(name=name,
                capacity={rc: capacity_of(inventories[rc])
                          for rc in RESOURCES if rc in inventories},
                used={rc: usages.get(rc, 0) for rc in RESOURCES},
                max_unit={rc: inventories[rc].get('max_unit')
                          for rc in RESOURCES if rc in inventories
                          and inventories[rc].get('max_unit')})


def hosts_from_placement(providers, data, host_of=None):
    """policy.Host for every compute node in Placement's answers: the root
    providers with a VCPU inventory. ``providers`` as ``GET
    /resource_providers`` lists them, ``data`` {uuid: (inventories,
    usages)}, ``host_of`` {uuid: Nova host} where the provider's name is
    not the host's (the nodes of one host); without an entry a provider
    is named by itself."""
    host_of = host_of or {}
    hosts = []
    for rp in providers:
        uuid = rp['uuid']
        if rp.get('parent_provider_uuid') or \
                rp.get('root_provider_uuid', uuid) != uuid or \
                uuid not in data:
            continue
        inventories, usages = data[uuid]
        if 'VCPU' in inventories:
            hosts.append(host_from_placement(
                host_of.get(uuid) or rp['name'], inventories, usages))
    return hosts


def private_hosts(hosts, burst_hosts, policy, aggregates=None, zones=None):
    """The private pool: every compute host not in the burst aggregate,
    narrowed to the policy's aggregates/zones when it names any.

    :param aggregates: {aggregate name: set of host names}
    :param zones: {host name: availability zone}
    """
    chosen = [h for h in hosts if h.name not in burst_hosts]
    if policy.private_aggregates:
        allowed = set()
        for name in policy.private_aggregates:
            allowed |= set((aggregates or {}).get(name, ()))
        chosen = [h for h in chosen if h.name in allowed]
    if policy.private_zones:
        chosen = [h for h in chosen
                  if (zones or {}).get(h.name) in policy.private_zones]
    return PrivatePool(hosts=chosen)


def request_placement(extra_specs):
    """A flavor's ``burst:placement`` (auto when unset), or PolicyError;
    never raises anything else."""
    extra_specs = extra_specs or {}
    if not isinstance(extra_specs, collections.abc.Mapping):
        raise PolicyError({PLACEMENT_SPEC: Message(
            _('flavor extra specs must be a mapping'))})
    value = extra_specs.get(PLACEMENT_SPEC)
    if value is None or value == '':
        return 'auto'
    value = value.strip().lower() if isinstance(value, str) else None
    if value not in PLACEMENTS:
        raise PolicyError({PLACEMENT_SPEC: Message(
            _('must be one of %(choices)s'), choices=', '.join(PLACEMENTS))})
    return value


# ---------------------------------------------------------------- decision
def _caps_refusal(public, request, policy):
    """(reason with the figures, the same without them), or None."""
    if policy.max_instances is not None and \
            public.instances + 1 > policy.max_instances:
        return (Message(_('EC2 instance cap reached (%(used)d of %(cap)d)'),
                        used=public.instances, cap=policy.max_instances),
                Message(_('EC2 instance cap reached')))
    if policy.max_vcpus is not None and \
            public.vcpus + request.vcpus > policy.max_vcpus:
        return (Message(_('EC2 vCPU cap reached (%(used)d + %(more)d > '
                          '%(cap)d)'), used=public.vcpus,
                        more=request.vcpus, cap=policy.max_vcpus),
                Message(_('EC2 vCPU cap reached')))
    if policy.max_cost_per_hour is not None:
        if request.hourly_price is None:
            if request.instance_type:
                why = Message(_('EC2 cost cap set but the price of %(type)s '
                                'is unknown'), type=request.instance_type)
            else:
                why = Message(_('EC2 cost cap set but the price of the '
                                'instance type is unknown'))
            return (why, Message(_('EC2 cost cap set but the price of the '
                                   'instance type is unknown')))
        if public.cost_per_hour + request.hourly_price > \
                policy.max_cost_per_hour + 1e-9:
            return (Message(_('EC2 cost cap reached ($%(used).4f/h + '
                              '$%(more).4f/h > $%(cap).4f/h)'),
                            used=public.cost_per_hour,
                            more=request.hourly_price,
                            cap=policy.max_cost_per_hour),
                    Message(_('EC2 cost cap reached')))
    return None


def decide(private, public, request, policy):
    """Where the next instance goes: 'local', 'ec2' or 'none', and why.

    It stays local while placing it keeps every resource's private
    utilisation at or under its enter threshold and a local host can take
    it; otherwise it goes to EC2 if bursting is enabled and the caps allow;
    otherwise nowhere, with the reason.
    """
    policy = policy or DISABLED
    extra = request.resources()
    util = {rc: private.utilisation(rc, extra[rc]) for rc in RESOURCES}
    if isinstance(private, _Tally):
        host_fits = private.fitting_host(request) is not None
    else:
        host_fits = any(h.fits(request) for h in private.hosts)
    over = [rc for rc in RESOURCES
            if extra[rc] and util[rc] > policy.enter(rc) + 1e-9]

    def local(why, summary):
        return Decision('local', (why,), util, summary)

    def to_ec2(why, summary):
        if not policy.enabled:
            disabled = Message(_('bursting is disabled'))
            return Decision('none', (why, disabled), util, disabled)
        refusal = _caps_refusal(public, request, policy)
        if refusal:
            return Decision('none', (why, refusal[0]), util, refusal[1])
        return Decision('ec2', (why,), util, summary)

    if request.placement == 'private':
        if host_fits:
            return local(Message(_('flavor pinned to private')),
                         Message(_('its flavor stays in the private cloud')))
        why = Message(_('flavor pinned to private and no local host can '
                        'take it'))
        return Decision('none', (why,), util, why)
    if request.placement == 'public':
        return to_ec2(Message(_('flavor pinned to public')),
                      Message(_('its flavor runs on EC2')))
    if not policy.enabled:
        if host_fits:
            return local(Message(_('bursting disabled: local')),
                         Message(_('bursting is off')))
        why = Message(_('no local host can take it and bursting is '
                        'disabled'))
        return Decision('none', (why,), util, why)
    if over:
        return to_ec2(Message(
            _('private %(resources)s would reach %(figures)s'),
            resources=join((RESOURCE_LABELS[rc] for rc in over), ', '),
            figures=join((Message(_('%(pct).1f%% > %(enter)g%%'),
                                  pct=util[rc], enter=policy.enter(rc))
                          for rc in over), ', ')),
            Message(_('the private cloud was at its burst threshold')))
    if not host_fits:
        return to_ec2(Message(_('no local host can take it')),
                      Message(_('no private host could take it')))
    return local(Message(_('private utilisation stays under the '
                           'thresholds')),
                 Message(_('the private cloud had room under its burst '
                           'threshold')))


class _Tally(PrivatePool):
    """A private pool copy for previews: totals kept as it fills, so a
    preview of n instances costs O(n), not O(n x hosts)."""

    def __init__(self, hosts):
        super().__init__(hosts=[dataclasses.replace(h, used=dict(h.used))
                                for h in hosts])
        self._capacity = {rc: PrivatePool.capacity(self, rc)
                          for rc in RESOURCES}
        self._used = {rc: PrivatePool.used(self, rc) for rc in RESOURCES}
        self._first_free = 0

    def capacity(self, rc):
        return self._capacity[rc]

    def used(self, rc):
        return self._used[rc]

    def fitting_host(self, request):
        # Hosts only fill up during a preview of one flavor: skip the
        # ones that no longer fit.
        while self._first_free < len(self.hosts):
            if self.hosts[self._first_free].fits(request):
                return self.hosts[self._first_free]
            self._first_free += 1
        return None


def place(private, public, request, decision):
    """Account a decided placement in the pools (for previews)."""
    if decision.target == 'local':
        host = (private.fitting_host(request) if isinstance(private, _Tally)
                else next(h for h in private.hosts if h.fits(request)))
        for rc, amount in request.resources().items():
            host.used[rc] = host.used.get(rc, 0) + amount
            if isinstance(private, _Tally):
                private._used[rc] += amount
    elif decision.target == 'ec2':
        public.instances += 1
        public.vcpus += request.vcpus
        public.cost_per_hour += request.hourly_price or 0.0


def preview(private, public, request, policy, limit=100):
    """What the next instances of one flavor do under a policy.

    Returns {'local': n that stay local before the first burst or refusal,
    'ec2': n that EC2 then takes within the caps (up to limit),
    'stop': the reason the sequence ends}. The pools are copied, not
    changed.
    """
    private = _Tally(private.hosts)
    public = dataclasses.replace(public)
    counts = {'local': 0, 'ec2': 0}
    stop = Message(_('limit of %(limit)d reached'), limit=limit)
    for _step in range(limit):
        d = decide(private, public, request, policy)
        if d.target == 'none' or (d.target == 'local' and counts['ec2']):
            stop = d.reason()
            break
        counts[d.target] += 1
        place(private, public, request, d)
    return dict(counts, stop=stop)


def repatriation_candidate(private, request, policy):
    """Would this burst instance fit back locally under the exit threshold?
    (:func:`repatriation_candidates` for one instance.)"""
    return bool(repatriation_candidates(private, [(0, request)], policy))


def repatriation_candidates(private, requests, policy):
    """Which burst instances could come back to the private pool together.

    ``requests`` is a sequence of (key, Request) in the order they should be
    considered (the dashboard passes the most expensive first). Each one is
    a candidate when it fits on a private host and every resource it uses
    stays at or under the exit threshold, counting the candidates before
    it as already back, so the set returned could really move together.
    Instances pinned ``public`` never are. Returns the candidates' keys.
    """
    if not policy.enabled:
        return set()
    pool = _Tally(private.hosts)
    chosen = set()
    for key, request in requests:
        if request.placement == 'public':
            continue
        extra = request.resources()
        if not all(pool.utilisation(rc, extra[rc]) <= policy.exit_pct + 1e-9
                   for rc in RESOURCES if extra[rc]):
            continue
        host = next((h for h in pool.hosts if h.fits(request)), None)
        if host is None:
            continue
        for rc, amount in extra.items():
            host.used[rc] = host.used.get(rc, 0) + amount
            pool._used[rc] += amount
        chosen.add(key)
    return chosen
