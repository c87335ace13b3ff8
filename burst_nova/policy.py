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
    burst:max_instances      >= 0, or empty for no cap
    burst:max_vcpus          >= 0, or empty for no cap
    burst:max_cost_per_hour  USD >= 0, or empty for no cap
    burst:region             e.g. us-east-1
    burst:private_aggregates comma-separated aggregate names (optional scope)
    burst:private_zones      comma-separated availability zones (optional)
    burst:revision           counter bumped by every save
"""
import dataclasses
import math

from burst_nova import prices

PREFIX = 'burst:'
RESOURCES = ('VCPU', 'MEMORY_MB', 'DISK_GB')
RESOURCE_LABELS = {'VCPU': 'vCPU', 'MEMORY_MB': 'RAM', 'DISK_GB': 'disk'}
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
def _pct(raw):
    value = float(raw)
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise ValueError('must be a percentage from 0 to 100')
    return value


def _cap_int(raw):
    if raw is None or str(raw).strip() == '':
        return None
    value = float(raw)
    if value != int(value) or value < 0:
        raise ValueError('must be a whole number, 0 or more (empty: no cap)')
    return int(value)


def _cap_float(raw):
    if raw is None or str(raw).strip() == '':
        return None
    value = float(raw)
    if not math.isfinite(value) or value < 0:
        raise ValueError('must be 0 or more (empty: no cap)')
    return value


def _bool(raw):
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ('true', '1', 'yes', 'on'):
        return True
    if text in ('false', '0', 'no', 'off', ''):
        return False
    raise ValueError('must be true or false')


def _names(raw):
    if raw is None:
        return ()
    if isinstance(raw, (list, tuple)):
        items = raw
    else:
        items = str(raw).split(',')
    return tuple(sorted({str(i).strip() for i in items if str(i).strip()}))


def _region(raw):
    text = str(raw or '').strip()
    if not text or len(text) > 64 or not all(
            c.isalnum() or c == '-' for c in text):
        raise ValueError('must be an AWS region name such as us-east-1')
    return text


_PARSERS = {
    'enabled': _bool, 'enter_vcpu_pct': _pct, 'enter_ram_pct': _pct,
    'enter_disk_pct': _pct, 'exit_pct': _pct, 'max_instances': _cap_int,
    'max_vcpus': _cap_int, 'max_cost_per_hour': _cap_float,
    'region': _region, 'private_aggregates': _names,
    'private_zones': _names,
}


def validate(values, revision=0):
    """Field values (strings or typed) -> BurstPolicy, or PolicyError with a
    message per field. Fields left out take their defaults."""
    errors = {}
    parsed = {}
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        errors['unknown'] = 'unknown field(s): %s' % ', '.join(unknown)
    for field, parse in _PARSERS.items():
        if field not in values:
            continue
        try:
            parsed[field] = parse(values[field])
        except (TypeError, ValueError) as e:
            msg = str(e)
            if 'could not convert' in msg or 'invalid literal' in msg:
                msg = 'must be a number'
            errors[field] = msg
    policy = dataclasses.replace(BurstPolicy(), revision=int(revision),
                                 **parsed)
    for field in ENTER_FIELDS.values():
        if field in errors or 'exit_pct' in errors:
            continue
        if policy.exit_pct >= getattr(policy, field):
            errors.setdefault('exit_pct', 'must be below every enter '
                              'threshold (%s is %g)' % (
                                  field, getattr(policy, field)))
    for field in ('private_aggregates', 'private_zones'):
        if len(','.join(getattr(policy, field))) > MAX_VALUE_LEN:
            errors[field] = 'too long for Nova metadata (255 characters)'
    if errors:
        raise PolicyError(errors)
    return policy


def parse(metadata):
    """Aggregate metadata -> BurstPolicy. No ``burst:`` key at all means
    not configured (disabled); bad or unknown keys raise PolicyError."""
    mine = {k: v for k, v in (metadata or {}).items()
            if k.startswith(PREFIX)}
    if not mine:
        return DISABLED
    by_key = {v: k for k, v in FIELDS.items()}
    values, errors = {}, {}
    for key, value in mine.items():
        if key == REVISION_KEY:
            continue
        if key not in by_key:
            errors[key] = 'unknown key'
        else:
            values[by_key[key]] = value
    try:
        revision = int(mine.get(REVISION_KEY, 0))
    except ValueError:
        errors[REVISION_KEY] = 'must be a whole number'
        revision = 0
    try:
        policy = validate(values, revision)
    except PolicyError as e:
        errors.update({FIELDS.get(f, f): m for f, m in e.errors.items()})
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
        return ('%f' % value).rstrip('0').rstrip('.')
    return str(value)


def to_metadata(policy):
    """BurstPolicy -> aggregate metadata (every value a string)."""
    meta = {key: _fmt(getattr(policy, field))
            for field, key in FIELDS.items()}
    meta[REVISION_KEY] = str(policy.revision)
    return meta


def form_values(policy):
    """BurstPolicy -> {field: string} for an edit form."""
    return {field: _fmt(getattr(policy, field)) for field in FIELDS}


def metadata_update(old_metadata, new_policy):
    """Metadata to send to Nova for a save: the new values with the revision
    bumped, ``None`` (delete) for stale ``burst:`` keys."""
    meta = to_metadata(dataclasses.replace(
        new_policy, revision=new_policy.revision + 1))
    for key in old_metadata or {}:
        if key.startswith(PREFIX) and key not in meta:
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


def public_pool_of(instances, region, overrides=None, lookup=None):
    """PublicPool of the instances on the EC2 hosts.

    Each instance needs ``vcpus``, ``memory_mb``, ``extra_specs`` (of its
    flavor) and ``instance_type`` (the ``ec2:instance_type`` the driver
    recorded, or None while unknown). Its hourly price is that type's, else
    the estimate for its flavor. The scheduler and the dashboard both count
    the public side with this function.

    :param lookup: a prices.PriceLookup (Pricing API, then table), or None
        for the table and ``overrides`` only
    """
    instances = list(instances)
    book = (lookup.book([i.instance_type for i in instances]) if lookup
            else prices.PriceBook(region, overrides))
    pool = PublicPool()
    for inst in instances:
        price = book.hourly(inst.instance_type) if inst.instance_type \
            else None
        if price is None:
            price = prices.estimate(region, inst.vcpus, inst.memory_mb,
                                    inst.extra_specs, overrides, lookup)[1]
        pool.instances += 1
        pool.vcpus += inst.vcpus
        pool.cost_per_hour += price or 0.0
    return pool


@dataclasses.dataclass(frozen=True)
class PublicInstance:
    vcpus: int
    memory_mb: int
    extra_specs: dict
    instance_type: str = None


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
    reasons: tuple
    utilisation: dict      # resource -> % private utilisation after local

    def reason(self):
        return '; '.join(self.reasons)


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
    value = (extra_specs or {}).get(PLACEMENT_SPEC, 'auto') or 'auto'
    value = value.strip().lower()
    if value not in PLACEMENTS:
        raise PolicyError({PLACEMENT_SPEC: 'must be one of %s' %
                           ', '.join(PLACEMENTS)})
    return value


# ---------------------------------------------------------------- decision
def _caps_refusal(public, request, policy):
    if policy.max_instances is not None and \
            public.instances + 1 > policy.max_instances:
        return 'EC2 instance cap reached (%d of %d)' % (
            public.instances, policy.max_instances)
    if policy.max_vcpus is not None and \
            public.vcpus + request.vcpus > policy.max_vcpus:
        return 'EC2 vCPU cap reached (%d + %d > %d)' % (
            public.vcpus, request.vcpus, policy.max_vcpus)
    if policy.max_cost_per_hour is not None:
        if request.hourly_price is None:
            return 'EC2 cost cap set but the price of %s is unknown' % (
                request.instance_type or 'the instance type')
        if public.cost_per_hour + request.hourly_price > \
                policy.max_cost_per_hour + 1e-9:
            return 'EC2 cost cap reached ($%.4f/h + $%.4f/h > $%.4f/h)' % (
                public.cost_per_hour, request.hourly_price,
                policy.max_cost_per_hour)
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

    def local(why):
        return Decision('local', (why,), util)

    def to_ec2(why):
        if not policy.enabled:
            return Decision('none', (why, 'bursting is disabled'), util)
        refusal = _caps_refusal(public, request, policy)
        if refusal:
            return Decision('none', (why, refusal), util)
        return Decision('ec2', (why,), util)

    if request.placement == 'private':
        if host_fits:
            return local('flavor pinned to private')
        return Decision('none', ('flavor pinned to private and no local '
                                 'host can take it',), util)
    if request.placement == 'public':
        return to_ec2('flavor pinned to public')
    if not policy.enabled:
        if host_fits:
            return local('bursting disabled: local')
        return Decision('none', ('no local host can take it and bursting '
                                 'is disabled',), util)
    if over:
        return to_ec2('private %s would reach %s' % (
            ', '.join(RESOURCE_LABELS[rc] for rc in over),
            ', '.join('%.1f%% > %g%%' % (util[rc], policy.enter(rc))
                      for rc in over)))
    if not host_fits:
        return to_ec2('no local host can take it')
    return local('private utilisation stays under the thresholds')


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
    stop = 'limit of %d reached' % limit
    for _ in range(limit):
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
