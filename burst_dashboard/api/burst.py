"""The burst policy in Nova aggregate metadata, and the private and public
pools its preview needs (Placement, Nova).

The policy's rules (parse, validate, serialise, decide, preview) are
:mod:`burst_nova.policy`'s; this module only reads and writes Nova and
Placement for them.
"""
import dataclasses
import math
import threading

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from openstack_dashboard.api import _nova
from openstack_dashboard.api import nova
from openstack_dashboard.api import placement

from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard.api import parallel
from burst_nova import policy
from burst_nova import prices


class AggregateNotFound(Exception):
    def __init__(self, name):
        self.name = name
        super().__init__(
            _("Aggregate %s not found: bursting is not configured") % name)


class StaleRevision(Exception):
    """The policy was saved by someone else since the form was rendered."""

    def __init__(self, revision, current):
        self.revision = revision
        self.current = current
        super().__init__(
            _("The thresholds were changed by someone else since you opened "
              "this form (revision %(revision)s, now %(current)s). Reload "
              "and try again.") % {'revision': revision, 'current': current})


def _settings():
    return getattr(settings, 'BURST_DASHBOARD', None) or {}


def aggregate_name():
    return _settings().get('aggregate', 'burst-ec2')


def price_overrides():
    return _settings().get('price_overrides') or {}


_LOOKUPS = {}


def _pricing_client():
    """boto3 client of the AWS Pricing API (it lives in us-east-1), with
    the credentials of BURST_DASHBOARD['ec2'] or boto3's default chain."""
    return ec2_api.client_for('pricing', 'us-east-1',
                              _settings().get('pricing_endpoint_url') or None)


def price_lookup(region):
    """Prices for a region: the Pricing API where it answers (cached), else
    the shipped table; BURST_DASHBOARD['price_overrides'] win. Same rules
    as nova-scheduler's burst filter."""
    if region not in _LOOKUPS:
        use_api = _settings().get('use_pricing_api', True)
        _LOOKUPS[region] = prices.PriceLookup(
            region, None, _pricing_client if use_api else None)
    _LOOKUPS[region].overrides = price_overrides()
    return _LOOKUPS[region]


# ---------------------------------------------------------------- policy
def aggregate_list(request):
    """Every host aggregate, with its hosts and metadata (one call)."""
    return _nova.novaclient(request).aggregates.list()


def revision_of(metadata):
    """The ``burst:revision`` of aggregate metadata, 0 when missing or not
    a number (a save then starts the counter again)."""
    try:
        return int((metadata or {}).get(policy.REVISION_KEY, 0))
    except (TypeError, ValueError):
        return 0


@dataclasses.dataclass
class PolicyState:
    aggregate: object   # the burst aggregate (novaclient Aggregate)
    aggregates: list    # every aggregate, as read with it
    policy: object      # BurstPolicy; the defaults when the metadata is bad
    errors: dict        # metadata key -> problem, when the metadata is bad
    revision: int

    @property
    def metadata(self):
        """The aggregate's ``burst:`` keys."""
        return {k: v for k, v in (self.aggregate.metadata or {}).items()
                if k.startswith(policy.PREFIX)}


def policy_get(request):
    """The burst aggregate and the policy in its metadata.

    :raises AggregateNotFound: no aggregate with the configured name
    """
    aggregates = aggregate_list(request)
    name = aggregate_name()
    aggregate = next((a for a in aggregates if a.name == name), None)
    if aggregate is None:
        raise AggregateNotFound(name)
    revision = revision_of(aggregate.metadata)
    try:
        current, errors = policy.parse(aggregate.metadata), {}
    except policy.PolicyError as e:
        current = policy.BurstPolicy(revision=revision)
        errors = e.errors
    return PolicyState(aggregate, aggregates, current, errors, revision)


def policy_save(request, values, revision):
    """Validate ``values`` (form fields) and write them to the burst
    aggregate, if its policy is still at ``revision``.

    Only ``burst:`` keys are written; stale ones are deleted, the others
    left alone. Returns the saved BurstPolicy (its new revision).

    :raises PolicyError: bad values; nothing is written
    :raises StaleRevision: saved by someone else since; nothing is written
    :raises AggregateNotFound: no burst aggregate
    """
    try:
        revision = int(revision)
    except (TypeError, ValueError):
        raise policy.PolicyError({'revision': 'must be a whole number'})
    new = policy.validate(values, revision)
    state = policy_get(request)
    if state.revision != revision:
        raise StaleRevision(revision, state.revision)
    nova.aggregate_set_metadata(
        request, state.aggregate.id,
        policy.metadata_update(state.aggregate.metadata, new))
    return dataclasses.replace(new, revision=revision + 1)


# ---------------------------------------------------------------- pools
@dataclasses.dataclass
class BurstServer:
    """An instance on a burst host, as the public pool counts it."""
    name: str
    instance_type: str
    vcpus: int
    memory_mb: int
    extra_specs: dict


@dataclasses.dataclass
class PreviewData:
    """What a preview needs from the clouds, read once; pools for a given
    policy are then built without I/O."""
    hosts: list          # policy.Host per compute node, named by its host
    burst_hosts: set     # the burst aggregate's hosts
    aggregates: dict     # aggregate name -> set of hosts
    zones: dict          # host -> availability zone
    servers: list        # BurstServer on the burst hosts
    flavors: list        # flavors with their extra specs

    def private_pool(self, burst_policy):
        return policy.private_hosts(
            self.hosts, self.burst_hosts, burst_policy,
            aggregates=self.aggregates, zones=self.zones)

    def public_pool(self, burst_policy):
        """Counted by the function the scheduler uses."""
        return policy.public_pool_of(self.servers, burst_policy.region,
                                     price_overrides(),
                                     price_lookup(burst_policy.region))


def compute_hosts(request):
    """policy.Host for every compute node in Placement, named by its Nova
    host (as aggregates name hosts). Per-provider reads run in parallel."""
    providers, hypervisors = parallel([
        (placement.resource_providers, request),
        (nova.hypervisor_list, request)])
    host_of = {}
    for h in hypervisors:
        host = (getattr(h, 'service_details', None) or {}).get('host')
        host_of[h.id] = host_of[h.name] = host or h.name
    nodes = [(p['uuid'], host_of.get(p['uuid']) or host_of.get(p['name']))
             for p in providers if p.get('parent_provider_uuid') is None]
    nodes = [(uuid, host) for uuid, host in nodes if host]
    generation = {p['uuid']: p.get('generation') for p in providers}
    data = _provider_data(request, {uuid: generation[uuid]
                                    for uuid, _host in nodes})
    return [policy.host_from_placement(host, *data[uuid])
            for uuid, host in nodes]


_PROVIDERS = {}   # uuid -> (generation, inventories, usages)
_PROVIDERS_LOCK = threading.Lock()


def _provider_data(request, generations):
    """{uuid: (inventories, usages)}; only providers whose Placement
    generation changed since the last page are read again (in parallel),
    so the figures are always current. A generation changes with every
    inventory or allocation change of its provider."""
    with _PROVIDERS_LOCK:
        known = dict(_PROVIDERS)
    stale = [uuid for uuid, gen in generations.items()
             if gen is None or known.get(uuid, (None,))[0] != gen]
    results = parallel(
        [(read, request, uuid) for uuid in stale
         for read in (placement.resource_provider_inventories,
                      placement.resource_provider_usages)])
    for i, uuid in enumerate(stale):
        known[uuid] = (generations[uuid], results[2 * i], results[2 * i + 1])
    with _PROVIDERS_LOCK:
        for uuid in stale:
            if generations[uuid] is not None:
                _PROVIDERS[uuid] = known[uuid]
        for gone in set(_PROVIDERS) - set(generations):
            del _PROVIDERS[gone]
    return {uuid: known[uuid][1:] for uuid in generations}


def availability_zones(request):
    """{host: availability zone}."""
    return {host: zone.name
            for zone in nova.availability_zone_list(request, detailed=True)
            for host in (zone.hosts or {})}


def burst_servers(request, hosts):
    """Every project's servers on the given (burst) hosts."""
    lists = parallel([
        (nova.server_list, request, {'all_tenants': True, 'host': host})
        for host in sorted(hosts)])
    return [s for servers, _more in lists for s in servers]


def flavor_list(request):
    """Every flavor (public and private) with its extra specs."""
    return nova.flavor_list(request, is_public=None, get_extras=True)


def _flavor_id(server):
    flavor = getattr(server, 'flavor', None) or {}
    return flavor.get('id') if isinstance(flavor, dict) else flavor


def _flavor_get(request, flavor_id):
    try:
        return nova.flavor_get(request, flavor_id, get_extras=True)
    except Exception:
        return None   # deleted or hidden: counted without its size


def preview_data(request, state):
    """Read everything a preview of ``state``'s aggregate needs, in
    parallel."""
    hosts, zones, servers, flavors = parallel([
        (compute_hosts, request),
        (availability_zones, request),
        (burst_servers, request, state.aggregate.hosts or ()),
        (flavor_list, request)])
    by_id = {f.id: f for f in flavors}
    missing = sorted({_flavor_id(s) for s in servers} - set(by_id) -
                     {None})
    by_id.update(zip(missing, parallel(
        [(_flavor_get, request, fid) for fid in missing])))
    burst = []
    for s in servers:
        flavor = by_id.get(_flavor_id(s))
        burst.append(BurstServer(
            name=s.name,
            instance_type=(s.metadata or {}).get('ec2:instance_type'),
            vcpus=getattr(flavor, 'vcpus', 0) or 0,
            memory_mb=getattr(flavor, 'ram', 0) or 0,
            extra_specs=dict(getattr(flavor, 'extra_specs', None) or {})))
    return PreviewData(
        hosts=hosts, burst_hosts=set(state.aggregate.hosts or ()),
        aggregates={a.name: set(a.hosts or ()) for a in state.aggregates},
        zones=zones, servers=burst, flavors=list(flavors))


def flavor_request(flavor, region):
    """policy.Request for one instance of a flavor (raises PolicyError for
    a bad ``burst:placement``)."""
    specs = dict(getattr(flavor, 'extra_specs', None) or {})
    swap_gb = math.ceil((int(getattr(flavor, 'swap', 0) or 0)) / 1024.0)
    vcpus, ram = flavor.vcpus, flavor.ram
    instance_type, price = prices.estimate(region, vcpus, ram, specs,
                                           price_overrides(),
                                           price_lookup(region))
    return policy.Request(
        vcpus=vcpus, memory_mb=ram,
        disk_gb=(flavor.disk or 0) + (
            getattr(flavor, 'ephemeral', 0) or 0) + swap_gb,
        placement=policy.request_placement(specs),
        hourly_price=price, instance_type=instance_type)


@dataclasses.dataclass
class PreviewRow:
    flavor: object
    placement: str
    instance_type: str
    hourly_price: float
    local: int
    ec2: int
    stop: str


def preview(data, burst_policy, placements=('public', 'auto')):
    """What the next instances of each flavor pinned to one of
    ``placements`` do under ``burst_policy``: a PreviewRow per flavor."""
    private = data.private_pool(burst_policy)
    public = data.public_pool(burst_policy)
    rows = []
    for flavor in sorted(data.flavors, key=lambda f: (f.vcpus, f.ram,
                                                      f.name)):
        specs = getattr(flavor, 'extra_specs', None) or {}
        try:
            request = flavor_request(flavor, burst_policy.region)
        except policy.PolicyError as e:
            rows.append(PreviewRow(
                flavor, specs.get(policy.PLACEMENT_SPEC), None, None, 0, 0,
                '%s %s' % (policy.PLACEMENT_SPEC,
                           e.errors[policy.PLACEMENT_SPEC])))
            continue
        if request.placement not in placements:
            continue
        result = policy.preview(private, public, request, burst_policy)
        rows.append(PreviewRow(flavor, request.placement,
                               request.instance_type, request.hourly_price,
                               result['local'], result['ec2'],
                               result['stop']))
    return rows


# ---------------------------------------------------------------- capacity
def compute_services(request):
    """{host: nova-compute service} (one call): its ``status`` (enabled /
    disabled), ``state`` (up / down) and ``disabled_reason``."""
    return {s.host: s for s in nova.service_list(request,
                                                 binary='nova-compute')}


@dataclasses.dataclass
class FlavorHeadroom:
    flavor: object
    placement: str
    instance_type: str
    hourly_price: float
    local_before_threshold: int   # stay local before bursting starts
    local_at_all: int             # fit on the private hosts at all
    public: int                   # EC2 can still take (caps, quota)
    public_stop: str              # why the public count ends
    limit: int                    # counts are capped at this


def flavor_headroom(data, burst_policy, quota_vcpus=None, limit=1000):
    """For each flavor pinned ``public`` or ``auto``: how many more
    instances stay local before the enter thresholds, how many fit locally
    at all (thresholds at 100 %), and how many EC2 can still take within the
    policy's caps and, when known, the vCPUs left in the EC2 quota.

    Every count replays :func:`burst_nova.policy.preview` (the scheduler's
    decision) on copies of the pools.
    """
    private = data.private_pool(burst_policy)
    public = data.public_pool(burst_policy)
    at_threshold = dataclasses.replace(burst_policy, enabled=True)
    full = dataclasses.replace(burst_policy, enabled=True,
                               enter_vcpu_pct=100.0, enter_ram_pct=100.0,
                               enter_disk_pct=100.0)
    rows = []
    for flavor in sorted(data.flavors, key=lambda f: (f.vcpus, f.ram,
                                                      f.name)):
        try:
            request = flavor_request(flavor, burst_policy.region)
        except policy.PolicyError:
            continue
        if request.placement not in ('public', 'auto'):
            continue
        auto = dataclasses.replace(request, placement='auto')
        local = policy.preview(private, public, auto, at_threshold,
                               limit)['local']
        at_all = policy.preview(private, public, auto, full,
                                limit)['local']
        ec2 = policy.preview(private, public, dataclasses.replace(
            request, placement='public'), burst_policy, limit)
        count, stop = ec2['ec2'], ec2['stop']
        if quota_vcpus is not None and request.vcpus:
            by_quota = max(0, quota_vcpus) // request.vcpus
            if by_quota < count:
                count = by_quota
                stop = _("EC2 vCPU quota: %(left)d vCPUs left") % {
                    'left': max(0, quota_vcpus)}
        rows.append(FlavorHeadroom(
            flavor, request.placement, request.instance_type,
            request.hourly_price, local, at_all, count, stop, limit))
    return rows
