"""Burst scheduler filter: local hypervisors until the admin's threshold,
then the EC2 pseudo-hypervisors, within the admin's caps.

nova.conf of nova-scheduler::

    [filter_scheduler]
    available_filters = nova.scheduler.filters.all_filters
    available_filters = burst_nova.scheduler.BurstFilter
    enabled_filters = ComputeFilter,...,BurstFilter
    [burst]
    aggregate_name = burst-ec2

The decision is :func:`burst_nova.policy.decide`, the function the
dashboard's preview calls. Private utilisation is computed over the whole
private pool from Placement (full hosts included), not only over the
candidates Placement returned for this request; provider data is cached by
Placement's resource provider generation, so each request costs one
provider listing plus a refetch of the few providers that changed.
"""
from concurrent import futures
import math
import threading

from oslo_config import cfg
from oslo_log import log as logging

from nova import context as nova_context
from nova import exception
from nova import objects
from nova.scheduler.client import report
from nova.scheduler import filters
from nova.scheduler import utils as scheduler_utils

from burst_nova import policy
from burst_nova import prices

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

burst_group = cfg.OptGroup('burst', title='Cloud bursting to EC2')
burst_opts = [
    cfg.StrOpt('aggregate_name', default='burst-ec2',
               help='Host aggregate holding the EC2 pseudo-hypervisors; '
                    'its burst:* metadata is the burst policy.'),
    cfg.DictOpt('price_overrides', default={},
                help='Hourly USD price per EC2 instance type '
                     '(type:price,...) for the cost cap.'),
    cfg.BoolOpt('use_pricing_api', default=True,
                help='Ask the AWS Pricing API for prices (boto3 default '
                     'credential chain), else use the shipped table.'),
    cfg.StrOpt('pricing_endpoint_url',
               help='Pricing API endpoint; unset for AWS itself.'),
]
CONF.register_group(burst_group)
CONF.register_opts(burst_opts, group=burst_group)

_PLACEMENT_VERSION = '1.17'


def list_opts():
    return {burst_group: burst_opts}


class _ProviderCache(object):
    """Inventories and usages of resource providers, refetched only when a
    provider's generation changes."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_uuid = {}   # uuid -> (generation, name, data)

    def providers(self, client, global_id):
        resp = client.get('/resource_providers', version=_PLACEMENT_VERSION,
                          global_request_id=global_id)
        if not resp:
            raise exception.NovaException(
                'Placement provider listing failed: %s' % resp.status_code)
        listed = resp.json()['resource_providers']
        with self._lock:
            known = dict(self._by_uuid)
        stale = [rp for rp in listed
                 if known.get(rp['uuid'], (None,))[0] != rp['generation']]

        def fetch(rp):
            return self._fetch(client, global_id, rp['uuid'])
        if len(stale) > 2:
            # After a restart every provider is stale: read in parallel.
            with futures.ThreadPoolExecutor(max_workers=8) as pool:
                fetched = list(pool.map(fetch, stale))
        else:
            fetched = [fetch(rp) for rp in stale]
        for rp, data in zip(stale, fetched):
            known[rp['uuid']] = (rp['generation'], rp['name'], data)
        result = {rp['uuid']: (rp['name'],
                               rp.get('root_provider_uuid', rp['uuid']),
                               known[rp['uuid']][2]) for rp in listed}
        with self._lock:
            self._by_uuid = {uuid: known[uuid] for uuid in result}
        return result

    @staticmethod
    def _fetch(client, global_id, uuid):
        data = {}
        for what in ('inventories', 'usages'):
            resp = client.get('/resource_providers/%s/%s' % (uuid, what),
                              version=_PLACEMENT_VERSION,
                              global_request_id=global_id)
            if not resp:
                raise exception.NovaException(
                    'Placement %s of %s failed: %s' % (
                        what, uuid, resp.status_code))
            body = resp.json()
            data[what] = body.get(what, {})
        return data


_LOOKUPS = {}


def _pricing_client():
    import boto3

    from burst_nova.ec2 import client
    return boto3.session.Session().client(
        'pricing', region_name='us-east-1',
        endpoint_url=CONF.burst.pricing_endpoint_url or None,
        config=client.client_config(3, 5, 2, 'burst-scheduler'))


def price_lookup(region):
    """One PriceLookup per region for this scheduler process."""
    if region not in _LOOKUPS:
        _LOOKUPS[region] = prices.PriceLookup(
            region, CONF.burst.price_overrides,
            _pricing_client if CONF.burst.use_pricing_api else None)
    return _LOOKUPS[region]


def flavor_request(spec_obj, region, overrides):
    """policy.Request for the flavor of a RequestSpec."""
    flavor = spec_obj.flavor
    extra = flavor.extra_specs or {}
    is_bfv = 'is_bfv' in spec_obj and spec_obj.is_bfv
    disk = (0 if is_bfv else flavor.root_gb) + flavor.ephemeral_gb + \
        int(math.ceil(flavor.swap / 1024.0))
    itype, price = prices.estimate(region, flavor.vcpus, flavor.memory_mb,
                                   extra, overrides, price_lookup(region))
    return policy.Request(vcpus=flavor.vcpus, memory_mb=flavor.memory_mb,
                          disk_gb=disk,
                          placement=policy.request_placement(extra),
                          hourly_price=price, instance_type=itype)


def burst_instances(ctx, burst_hosts):
    """policy.PublicInstance for every instance on the EC2 hosts, read from
    every cell at once (Nova's scatter-gather)."""
    if not burst_hosts:
        return []
    results = nova_context.scatter_gather_all_cells(
        ctx, objects.InstanceList.get_by_filters,
        {'host': sorted(burst_hosts), 'deleted': False},
        expected_attrs=['flavor', 'metadata'])
    found = []
    for cell_uuid, result in results.items():
        if nova_context.is_cell_failure_sentinel(result):
            raise exception.NovaException(
                'cell %s did not answer: %s' % (cell_uuid, result))
        for inst in result:
            found.append(policy.PublicInstance(
                vcpus=inst.flavor.vcpus, memory_mb=inst.flavor.memory_mb,
                extra_specs=dict(inst.flavor.extra_specs or {}),
                instance_type=(inst.metadata or {}).get(
                    'ec2:instance_type')))
    return found


class BurstFilter(filters.BaseHostFilter):
    """Keeps instances local until the burst thresholds, then sends them to
    the EC2 pseudo-hypervisors within the caps; refuses with the reason."""

    RUN_ON_REBUILD = False

    _cache = _ProviderCache()
    _logged_bad_policy = None

    def host_passes(self, host_state, spec_obj):
        raise NotImplementedError('BurstFilter decides in filter_all')

    def filter_all(self, filter_obj_list, spec_obj):
        hosts = list(filter_obj_list)
        if scheduler_utils.request_is_rebuild(spec_obj):
            return hosts
        ctx = spec_obj._context
        aggs = objects.AggregateList.get_all(ctx)
        burst_agg = next((a for a in aggs
                          if a.name == CONF.burst.aggregate_name), None)
        burst_hosts = set(burst_agg.hosts or []) if burst_agg else set()
        local_candidates = [h for h in hosts if h.host not in burst_hosts]
        ec2_candidates = [h for h in hosts if h.host in burst_hosts]
        pol = self._policy(burst_agg)
        overrides = CONF.burst.price_overrides
        try:
            req = flavor_request(spec_obj, pol.region, overrides)
        except policy.PolicyError as e:
            raise exception.NoValidHost(reason=str(e))
        private, public = self._pools(ctx, aggs, burst_hosts, pol)
        decision = policy.decide(private, public, req, pol)
        if decision.target == 'local' and not local_candidates:
            # Placement found no local host with room (the pool may still
            # count disabled hosts): the same rules then say EC2 or none.
            private_full = policy.PrivatePool(hosts=[
                policy.Host(h.name, h.capacity, dict(h.capacity))
                for h in private.hosts])
            decision = policy.decide(private_full, public, req, pol)
        self._log(spec_obj, req, pol, decision)
        if decision.target == 'local':
            return local_candidates
        if decision.target == 'ec2':
            if not ec2_candidates:
                raise exception.NoValidHost(
                    reason='burst to EC2 decided (%s) but no EC2 host can '
                           'take it' % decision.reason())
            return ec2_candidates
        raise exception.NoValidHost(reason='burst policy: %s' %
                                    decision.reason())

    def _policy(self, burst_agg):
        if burst_agg is None:
            return policy.DISABLED
        try:
            pol = policy.parse(burst_agg.metadata)
        except policy.PolicyError as e:
            signature = sorted((burst_agg.metadata or {}).items())
            if BurstFilter._logged_bad_policy != signature:
                BurstFilter._logged_bad_policy = signature
                LOG.error('Burst policy in aggregate %s is malformed, '
                          'bursting is disabled until it is fixed: %s',
                          burst_agg.name, e)
            return policy.DISABLED
        BurstFilter._logged_bad_policy = None
        return pol

    def _pools(self, ctx, aggs, burst_hosts, pol):
        client = report.report_client_singleton()
        providers = self._cache.providers(client, ctx.global_id)
        hosts = []
        for uuid, (name, root, data) in providers.items():
            if uuid != root or 'VCPU' not in data['inventories'] or \
                    name in burst_hosts:
                continue
            usages = data['usages']
            hosts.append(policy.host_from_placement(
                name, data['inventories'], usages))
        members = {a.name: set(a.hosts or []) for a in aggs}
        # Hosts in no zone aggregate are in Nova's default zone.
        zones = {h.name: CONF.default_availability_zone for h in hosts}
        for a in aggs:
            az = (a.metadata or {}).get('availability_zone')
            if az:
                for h in a.hosts or []:
                    zones[h] = az
        private = policy.private_hosts(hosts, burst_hosts, pol, members,
                                       zones)
        public = policy.public_pool_of(
            burst_instances(ctx, burst_hosts), pol.region,
            CONF.burst.price_overrides, price_lookup(pol.region))
        return private, public

    @staticmethod
    def _log(spec_obj, req, pol, decision):
        util = ', '.join('%s %.1f%%/%g%%' % (
            policy.RESOURCE_LABELS[rc], decision.utilisation[rc],
            pol.enter(rc)) for rc in policy.RESOURCES)
        LOG.info('Burst decision for instance %(uuid)s: target=%(target)s; '
                 'private utilisation with it: %(util)s; policy revision '
                 '%(rev)s (%(state)s); reason: %(reason)s',
                 {'uuid': spec_obj.instance_uuid, 'target': decision.target,
                  'util': util, 'rev': pol.revision,
                  'state': 'enabled' if pol.enabled else 'disabled',
                  'reason': decision.reason()})
