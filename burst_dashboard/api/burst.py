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

"""The burst policy in Nova aggregate metadata, and the private and public
pools its preview needs (Placement, Nova).

The policy's rules (parse, validate, serialise, decide, preview) are
:mod:`burst_core.policy`'s; this module only reads and writes Nova and
Placement for them.
"""
import dataclasses
import hashlib
import json
import logging
import threading
import urllib.parse

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from keystoneauth1 import exceptions as ks_exceptions

from openstack_dashboard.api import _nova
from openstack_dashboard.api import base
from openstack_dashboard.api import nova
from openstack_dashboard.api import placement
from openstack_dashboard.contrib.developer.profiler import api as profiler

from burst_core import caps
from burst_core import flavors
from burst_core import policy
from burst_core import prices
from burst_dashboard import api as burst_api_pkg
from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard import i18n
from burst_nova import pricing

LOG = logging.getLogger(__name__)


class AggregateNotFound(Exception):
    def __init__(self, name):
        self.name = name
        super().__init__(
            _("Aggregate %s not found: bursting is not configured") % name)


class StaleRevision(Exception):
    """The policy changed since the form was read: nothing was written.

    This class itself: saved by someone else (a new revision). Its
    subclasses say how else it changed.
    """

    def __init__(self, revision, current, message=None):
        self.revision = revision
        self.current = current
        super().__init__(message or (
            _("The thresholds were changed by someone else since you opened "
              "this form (revision %(revision)s, now %(current)s). Reload "
              "and try again.") % {'revision': revision, 'current': current}))


class ChangedOutside(StaleRevision):
    """A ``burst:`` key changed without a new ``burst:revision`` (set
    directly in Nova, e.g. with the CLI): not reverted, nothing written."""

    def __init__(self, revision):
        super().__init__(revision, revision, _(
            "The burst policy was changed outside this form since you "
            "opened it (a burst: key of aggregate %(name)s was set directly, "
            "e.g. with the CLI, revision %(revision)s unchanged). Nothing "
            "was written. Reload to see it and try again.") % {
                'name': aggregate_name(), 'revision': revision})


class ConcurrentSave(StaleRevision):
    """Another save from the same state won the compare-and-swap."""

    def __init__(self, revision):
        super().__init__(revision, None, _(
            "Someone else saved the thresholds at the same time, from the "
            "same revision %(revision)s, and theirs was kept. Nothing was "
            "written. Reload and try again.") % {'revision': revision})


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
        _LOOKUPS[region] = pricing.PriceLookup(
            region, None, _pricing_client if use_api else None)
    _LOOKUPS[region].overrides = price_overrides()
    return _LOOKUPS[region]


# ---------------------------------------------------------------- policy
@profiler.trace
def aggregate_list(request):
    """Every host aggregate, with its hosts and metadata (one call)."""
    return _nova.novaclient(
        request, burst_api_pkg.NOVA_MICROVERSION).aggregates.list()


def revision_of(metadata):
    """The ``burst:revision`` of aggregate metadata, 0 when missing, not a
    number or out of range (a save then starts the counter again: a bad
    revision never blocks a save)."""
    try:
        revision = int((metadata or {}).get(policy.REVISION_KEY, 0))
    except (TypeError, ValueError):
        return 0
    return revision if 0 <= revision < policy.MAX_REVISION else 0


def metadata_fingerprint(metadata):
    """sha256 hex of the ``burst:`` items of aggregate metadata, sorted.

    It changes with any ``burst:`` key, also one set directly in Nova (the
    CLI leaves ``burst:revision`` alone), so a save can tell that what its
    form was based on is still what Nova holds.
    """
    items = sorted((k, v) for k, v in (metadata or {}).items()
                   if isinstance(k, str) and k.startswith(policy.PREFIX)
                   and v is not None)
    text = json.dumps(items, separators=(',', ':'), default=str)
    return hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()


@dataclasses.dataclass(frozen=True)
class PolicyLock:
    """The burst aggregate's lock in Placement (see :func:`policy_save`).

    ``uuid`` is None until the first save creates the provider; its
    generation is then 0, as a new provider's is. ``saved`` is the first
    32 hex digits of the :func:`metadata_fingerprint` of the metadata the last
    dashboard save wrote, None when unknown.
    """
    uuid: str
    generation: int
    saved: str = None
    traits: tuple = ()


@dataclasses.dataclass
class PolicyState:
    aggregate: object   # the burst aggregate (novaclient Aggregate)
    aggregates: list    # every aggregate, as read with it
    policy: object      # BurstPolicy; the defaults when the metadata is bad
    errors: dict        # metadata key -> problem, when the metadata is bad
    revision: int
    lock: PolicyLock = None   # read by policy_get(request, lock=True)

    @property
    def metadata(self):
        """The aggregate's ``burst:`` keys."""
        return {k: v for k, v in (self.aggregate.metadata or {}).items()
                if isinstance(k, str) and k.startswith(policy.PREFIX)}

    @property
    def fingerprint(self):
        return metadata_fingerprint(self.aggregate.metadata)

    @property
    def changed_outside(self):
        """Whether the ``burst:`` keys differ from what the dashboard last
        saved (changed with the CLI, or a save is being written now).
        False when unknown (lock not read, or never saved from here)."""
        return bool(self.lock and self.lock.saved and
                    self.lock.saved != self.fingerprint[:32])


def _aggregate(aggregates):
    """The burst aggregate among ``aggregates``.

    :raises AggregateNotFound: no aggregate with the configured name
    """
    name = aggregate_name()
    aggregate = next((a for a in aggregates if a.name == name), None)
    if aggregate is None:
        raise AggregateNotFound(name)
    return aggregate


@profiler.trace
def policy_get(request, lock=False):
    """The burst aggregate and the policy in its metadata.

    :param lock: also read the aggregate's lock in Placement (before the
        metadata): ``state.lock.generation`` and ``state.fingerprint`` are
        then what an edit form passes back to :func:`policy_save`
    :raises AggregateNotFound: no aggregate with the configured name
    """
    lock_state = policy_lock(request) if lock else None
    aggregates = aggregate_list(request)
    aggregate = _aggregate(aggregates)
    revision = revision_of(aggregate.metadata)
    try:
        current, errors = policy.parse(aggregate.metadata), {}
    except policy.PolicyError as e:
        current = policy.BurstPolicy(revision=revision)
        errors = e.errors
    return PolicyState(aggregate, aggregates, current, errors, revision,
                       lock_state)


# The lock: one Placement resource provider per burst aggregate, with no
# inventory, whose generation orders the saves. Placement checks and bumps
# a generation in one conditional UPDATE when inventories are PUT (409 when
# it is stale), whatever the inventories; a PUT of traits does not when the
# trait set is unchanged, so the traits are not the atomic step.
LOCK_PREFIX = 'burst-policy:'
LOCK_TRAIT_PREFIX = 'CUSTOM_BURST_POLICY_'
_MAX_PROVIDER_NAME = 200   # Placement's limit


def lock_name(aggregate=None):
    """The lock provider's name, ``burst-policy:<aggregate name>``."""
    name = LOCK_PREFIX + (aggregate or aggregate_name())
    if len(name) > _MAX_PROVIDER_NAME:
        name = LOCK_PREFIX + hashlib.sha256(
            (aggregate or aggregate_name()).encode('utf-8')).hexdigest()
    return name


def lock_trait(metadata_fingerprint):
    return LOCK_TRAIT_PREFIX + metadata_fingerprint[:32].upper()


def placement_timeout():
    """Seconds every Placement call of the policy may take."""
    return _settings().get('placement_timeout', 10)


def _placement(request, method, path, body=None):
    """One Placement call through Horizon's adapter, which sends
    ``OpenStack-API-Version: placement 1.14`` on every request (all used
    here need 1.6 at most), bounded by :func:`placement_timeout`. Returns
    the JSON body (None when empty). An error status raises keystoneauth's
    HttpError for it (409: ``keystoneauth1.exceptions.Conflict``)."""
    adapter = placement.make_adapter(request)
    url = base.url_for(request, 'placement').rstrip('/') + path
    kwargs = {'timeout': placement_timeout()}
    if body is not None:
        kwargs['body'] = body
    _resp, data = adapter.request(url, method, **kwargs)
    return data


def _find_provider(request, name):
    found = _placement(request, 'GET', '/resource_providers?name=%s' %
                       urllib.parse.quote(name, safe=''))
    providers = (found or {}).get('resource_providers') or []
    return providers[0]['uuid'] if providers else None


def _lock_of(request, uuid):
    data = _placement(request, 'GET', '/resource_providers/%s/traits' % uuid)
    traits = tuple(data.get('traits') or ())
    saved = next((t[len(LOCK_TRAIT_PREFIX):].lower() for t in traits
                  if t.startswith(LOCK_TRAIT_PREFIX)), None)
    return PolicyLock(uuid, data['resource_provider_generation'], saved,
                      traits)


@profiler.trace
def policy_lock(request, create=False):
    """The burst aggregate's lock: PolicyLock(uuid, generation, saved).

    :param create: create the provider when missing (POST; a 409 means
        someone else just created it: it is read by name)
    """
    name = lock_name()
    uuid = _find_provider(request, name)
    if uuid is None and create:
        try:
            _placement(request, 'POST', '/resource_providers',
                       {'name': name})
        except ks_exceptions.Conflict:
            pass   # created by someone else meanwhile
        uuid = _find_provider(request, name)
        if uuid is None:
            raise ks_exceptions.NotFound(
                message='Placement resource provider %s not found after '
                        'creating it' % name)
    if uuid is None:
        return PolicyLock(None, 0)
    return _lock_of(request, uuid)


def _swap(request, lock, generation, revision):
    """The atomic step: PUT the lock's (empty) inventories with the
    generation the form read. Returns the new generation.

    :raises ConcurrentSave: 409, the generation moved: another save won
    """
    if lock.generation != generation:
        raise ConcurrentSave(revision)
    try:
        data = _placement(
            request, 'PUT', '/resource_providers/%s/inventories' % lock.uuid,
            {'resource_provider_generation': generation, 'inventories': {}})
    except ks_exceptions.Conflict:
        raise ConcurrentSave(revision)
    return data['resource_provider_generation']


def _mark_saved(request, lock, generation, saved_fingerprint):
    """Record on the lock which metadata this save wrote (a trait named by
    its fingerprint), with the generation the swap left. This also bumps
    the generation once more, so that a form read while the save was
    being written is refused. Best effort: the save is done."""
    trait = lock_trait(saved_fingerprint)
    try:
        _placement(request, 'PUT', '/traits/%s' % trait)
        _placement(request, 'PUT', '/resource_providers/%s/traits' %
                   lock.uuid, {'resource_provider_generation': generation,
                               'traits': [trait]})
    except Exception as e:
        LOG.warning('Burst policy saved, but not marked on its Placement '
                    'lock %s: %s', lock.uuid, e)
        return
    for old in lock.traits:
        if old.startswith(LOCK_TRAIT_PREFIX) and old != trait:
            try:
                _placement(request, 'DELETE', '/traits/%s' % old)
            except Exception as e:
                LOG.info('Left trait %s in Placement: %s', old, e)


@profiler.trace
def policy_save(request, values, revision, generation=None,
                fingerprint=None):
    """Validate ``values`` (form fields) and write them to the burst
    aggregate, if its policy is still what the form was based on: a
    compare-and-swap, of several saves from one state exactly one wins.

    The form passes what :func:`policy_get` (``lock=True``) read:
    ``revision`` (state.revision), ``generation`` (state.lock.generation)
    and ``fingerprint`` (state.fingerprint). The save then

    1. validates ``values`` (PolicyError: nothing read or written);
    2. reads the lock (creating it on first need) and the aggregate;
       refuses when the ``burst:`` metadata is no longer the one the form
       was based on (StaleRevision: a new revision; ChangedOutside: a key
       set directly, e.g. with the CLI -- detected, never reverted);
    3. PUTs the lock's inventories with ``generation``: Placement's atomic
       compare-and-swap; 409 (ConcurrentSave) means another save won;
    4. only then writes the metadata: only ``burst:`` keys, stale ones
       deleted, the others left alone, ``burst:revision`` bumped from
       what Nova holds (a bad revision counts as 0);
    5. records the written metadata's fingerprint on the lock (a trait).

    Without ``generation`` and ``fingerprint`` (scripts) it checks
    ``revision`` against Nova's and swaps with the generation it reads
    then: not a compare-and-swap against what the caller saw.

    Returns the saved BurstPolicy (its new revision).

    :raises PolicyError: bad values; nothing is written
    :raises StaleRevision: changed since (or one of its subclasses
        ChangedOutside, ConcurrentSave); nothing is written
    :raises AggregateNotFound: no burst aggregate
    """
    token = generation is not None or fingerprint is not None
    if not token:
        try:
            revision = int(revision)
        except (TypeError, ValueError):
            raise policy.PolicyError({'revision': 'must be a whole number'})
    new = policy.validate(values)
    if token and (generation is None or fingerprint is None):
        raise TypeError('policy_save needs both generation and fingerprint')
    lock = policy_lock(request, create=True)   # read before the metadata
    state = policy_get(request)
    if not token:
        if state.revision != revision:
            raise StaleRevision(revision, state.revision)
        generation = lock.generation
    elif state.fingerprint != fingerprint:
        if str(state.revision) != str(revision):
            raise StaleRevision(revision, state.revision)
        raise ChangedOutside(revision)
    new = dataclasses.replace(new, revision=state.revision)
    update = policy.metadata_update(state.aggregate.metadata, new)
    written = {k: v for k, v in {**state.metadata, **update}.items()
               if v is not None}   # what Nova will hold: it merges
    generation = _swap(request, lock, int(generation), revision)
    # A key set with the CLI since the read above is still not reverted:
    # the window left is this one Nova read to the write below.
    if metadata_fingerprint(
            _aggregate(aggregate_list(request)).metadata) != \
            state.fingerprint:
        raise ChangedOutside(revision)
    nova.aggregate_set_metadata(request, state.aggregate.id, update)
    _mark_saved(request, lock, generation, metadata_fingerprint(written))
    return dataclasses.replace(new, revision=state.revision + 1)


# ---------------------------------------------------------------- pools
@dataclasses.dataclass
class PreviewData:
    """What a preview needs from the clouds, read once; pools for a given
    policy are then built without I/O."""
    hosts: list          # policy.Host per compute node, named by its host
    burst_hosts: set     # the burst aggregate's hosts
    aggregates: dict     # aggregate name -> set of hosts
    zones: dict          # host -> availability zone
    caps_usages: dict    # usages of the caps provider in Placement
    flavors: list        # flavors with their extra specs
    book: prices.PriceBook = None   # prices of the policy's region

    def private_pool(self, burst_policy):
        return policy.private_hosts(
            self.hosts, self.burst_hosts, burst_policy,
            aggregates=self.aggregates, zones=self.zones)

    def public_pool(self, burst_policy):
        """What the EC2 instances hold of the caps in Placement, counted by
        the function the scheduler uses: claimed by the EC2 driver from
        flavors and prices, nothing a project member can write."""
        return caps.public_pool(self.caps_usages)


@profiler.trace
def compute_hosts(request, usages=True):
    """policy.Host for every compute node in Placement, named by its Nova
    host (as aggregates name hosts). Per-provider reads run in parallel;
    ``usages=False``: capacities only (every host's usage counted 0), no
    usage read."""
    providers, hypervisors = burst_api_pkg.call_functions_parallel(
        (placement.resource_providers, [request]),
        (nova.hypervisor_list, [request]))
    host_of = {}
    for h in hypervisors:
        host = (getattr(h, 'service_details', None) or {}).get('host')
        host_of[h.id] = host_of[h.name] = host or h.name
    nodes = {p['uuid']: host_of.get(p['uuid']) or host_of.get(p['name'])
             for p in providers if p.get('parent_provider_uuid') is None}
    nodes = {uuid: host for uuid, host in nodes.items() if host}
    generation = {p['uuid']: p.get('generation') for p in providers}
    data = _provider_data(request, {uuid: generation[uuid]
                                    for uuid in nodes}, usages)
    return policy.hosts_from_placement(providers, data, nodes)


_INVENTORIES = {}   # uuid -> (generation, inventories)
_INVENTORIES_LOCK = threading.Lock()


def _provider_data(request, generations, usages=True):
    """{uuid: (inventories, usages)}, read in parallel. Inventories are read
    again only when the provider's generation changed (every inventory
    change bumps it); usages on every call, since Placement does not bump
    a generation when allocations are deleted (an instance deleted)."""
    with _INVENTORIES_LOCK:
        known = dict(_INVENTORIES)
    stale = [uuid for uuid, gen in generations.items()
             if gen is None or known.get(uuid, (None,))[0] != gen]
    uuids = list(generations) if usages else []
    reads = [(placement.resource_provider_usages, uuid) for uuid in uuids] + \
        [(placement.resource_provider_inventories, uuid) for uuid in stale]
    with burst_api_pkg.bounded_executor() as pool:
        results = list(pool.map(lambda read: read[0](request, read[1]),
                                reads))
    read = dict(zip(uuids, results[:len(uuids)]))
    for uuid, inventories in zip(stale, results[len(uuids):]):
        known[uuid] = (generations[uuid], inventories)
    with _INVENTORIES_LOCK:
        for uuid in stale:
            if generations[uuid] is not None:
                _INVENTORIES[uuid] = known[uuid]
        for gone in set(_INVENTORIES) - set(generations):
            del _INVENTORIES[gone]
    return {uuid: (known[uuid][1], read.get(uuid, {}))
            for uuid in generations}


@profiler.trace
def availability_zones(request):
    """{host: availability zone}."""
    return {host: zone.name
            for zone in nova.availability_zone_list(request, detailed=True)
            for host in (zone.hosts or {})}


@profiler.trace
def caps_usages(request):
    """Usages of the burst aggregate's caps provider in Placement ({} when
    nothing was ever claimed)."""
    name = caps.provider_name(aggregate_name())
    found = next((p for p in placement.resource_providers(request)
                  if p.get('name') == name), None)
    if found is None:
        return {}
    return placement.resource_provider_usages(request, found['uuid'])


@profiler.trace
def flavor_list(request):
    """Every flavor (public and private) with its extra specs."""
    return nova.flavor_list(request, is_public=None, get_extras=True)


@profiler.trace
def preview_data(request, state):
    """Read everything a preview of ``state``'s aggregate needs, in
    parallel."""
    hosts, zones, usages, flavor_objs = \
        burst_api_pkg.call_functions_parallel(
            (compute_hosts, [request]), (availability_zones, [request]),
            (caps_usages, [request]), (flavor_list, [request]))
    return PreviewData(
        hosts=hosts, burst_hosts=set(state.aggregate.hosts or ()),
        aggregates={a.name: set(a.hosts or ()) for a in state.aggregates},
        zones=zones, caps_usages=usages, flavors=list(flavor_objs),
        book=price_lookup(state.policy.region).region_book())


def flavor_request(flavor, region, book=None, is_bfv=False):
    """policy.Request for one instance of a flavor, booted from an image
    unless ``is_bfv`` (raises PolicyError for a bad ``burst:placement``)."""
    return flavors.request(
        flavor.vcpus, flavor.ram, flavor.disk,
        getattr(flavor, 'ephemeral', 0), getattr(flavor, 'swap', 0),
        getattr(flavor, 'extra_specs', None), region,
        book or price_lookup(region).region_book(), is_bfv)


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
            request = flavor_request(flavor, burst_policy.region, data.book)
        except policy.PolicyError as e:
            rows.append(PreviewRow(
                flavor, specs.get(policy.PLACEMENT_SPEC), None, None, 0, 0,
                '%s %s' % (policy.PLACEMENT_SPEC, i18n.translated(
                    e.errors[policy.PLACEMENT_SPEC]))))
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
@profiler.trace
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

    Every count replays :func:`burst_core.policy.preview` (the scheduler's
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
            request = flavor_request(flavor, burst_policy.region, data.book)
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
