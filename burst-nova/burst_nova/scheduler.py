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

"""Burst scheduler filter: local hypervisors until the admin's threshold,
then the EC2 pseudo-hypervisors, within the admin's caps.

nova.conf of nova-scheduler::

    [filter_scheduler]
    available_filters = nova.scheduler.filters.all_filters
    available_filters = burst_nova.scheduler.BurstFilter
    enabled_filters = ComputeFilter,...,BurstFilter
    [burst]
    aggregate_name = burst-ec2

The decision is :func:`burst_core.policy.decide`, the function the
dashboard's preview calls. Private utilisation is computed over the whole
private pool from Placement (full hosts included), not only over the
candidates Placement returned for this request: each request costs one
provider listing and the reads of providers whose generation changed;
all usages are read again when older than ``[burst] usage_max_age``.
Prices come from a price book refreshed in the background: no request
waits for the AWS Pricing API.
"""
from concurrent import futures
import threading
import time

from oslo_config import cfg
from oslo_log import log as logging

from nova import exception
from nova import objects
from nova.scheduler import filters
from nova.scheduler import utils as scheduler_utils

from burst_core import caps
from burst_core import decisions
from burst_core import flavors
from burst_core.i18n import _
from burst_core.i18n import Message
from burst_core import policy
from burst_nova import conf as burst_conf
from burst_nova import decisions as decision_records
from burst_nova import placement as burst_placement
from burst_nova import pricing

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

burst_conf.register_opts(CONF)

_PLACEMENT_VERSION = '1.17'


class _ProviderCache(object):
    """Inventories and usages of resource providers. A provider whose
    generation changed (every inventory change and every allocation
    written bumps it) is read again at once. Placement does not bump a
    generation when allocations are deleted (DELETE
    /allocations/{consumer}: an instance deleted), so usages are also
    read again once they are older than ``[burst] usage_max_age``: room a
    delete frees is seen within that time, and a request costs one
    provider listing, not a read of every provider."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_uuid = {}   # uuid -> (generation, inventories, usages)
        self._usages_at = None   # monotonic time of the last full read

    def providers(self, client, global_id, usage_max_age=0.0):
        resp = client.get('/resource_providers',
                          microversion=_PLACEMENT_VERSION,
                          global_request_id=global_id)
        if not resp:
            raise exception.NovaException(
                'Placement provider listing failed: %s' % resp.status_code)
        listed = resp.json()['resource_providers']
        now = time.monotonic()
        with self._lock:
            known = dict(self._by_uuid)
            all_usages = self._usages_at is None or \
                now - self._usages_at >= usage_max_age
        stale = {rp['uuid'] for rp in listed
                 if known.get(rp['uuid'], (None,))[0] != rp['generation']}
        reads = [(rp['uuid'], 'inventories') for rp in listed
                 if rp['uuid'] in stale] + \
            [(rp['uuid'], 'usages') for rp in listed
             if all_usages or rp['uuid'] in stale]

        def fetch(read):
            return self._fetch(client, global_id, *read)
        if len(reads) > 2:
            with futures.ThreadPoolExecutor(max_workers=8) as pool:
                fetched = dict(zip(reads, pool.map(fetch, reads)))
        else:
            fetched = {read: fetch(read) for read in reads}
        for rp in listed:
            uuid = rp['uuid']
            old = known.get(uuid, (None, None, None))
            known[uuid] = (rp['generation'],
                           fetched.get((uuid, 'inventories'), old[1]),
                           fetched.get((uuid, 'usages'), old[2]))
        result = {rp['uuid']: (rp['name'],
                               rp.get('root_provider_uuid', rp['uuid']),
                               {'inventories': known[rp['uuid']][1],
                                'usages': known[rp['uuid']][2]})
                  for rp in listed}
        with self._lock:
            self._by_uuid = {uuid: known[uuid] for uuid in result}
            if all_usages:
                self._usages_at = now
        return result

    @staticmethod
    def _fetch(client, global_id, uuid, what):
        resp = client.get('/resource_providers/%s/%s' % (uuid, what),
                          microversion=_PLACEMENT_VERSION,
                          global_request_id=global_id)
        if not resp:
            raise exception.NovaException(
                'Placement %s of %s failed: %s' % (
                    what, uuid, resp.status_code))
        return resp.json().get(what, {})


def flavor_request(spec_obj, region, book):
    """policy.Request for the flavor of a RequestSpec."""
    flavor = spec_obj.flavor
    return flavors.request(
        flavor.vcpus, flavor.memory_mb, flavor.root_gb, flavor.ephemeral_gb,
        flavor.swap, flavor.extra_specs, region, book,
        is_bfv='is_bfv' in spec_obj and spec_obj.is_bfv)


class BurstRefusal(Exception):
    """Why the burst policy refused an instance, with the figures (the
    cause of the member-facing NoValidHost, kept in its details)."""


def _is_ec2(host_state, burst_hosts):
    """An EC2 pseudo-hypervisor: in the burst aggregate, or (when the
    aggregate could not be read) reporting the EC2 hypervisor type."""
    return host_state.host in burst_hosts or \
        getattr(host_state, 'hypervisor_type', None) == 'ec2'


class BurstFilter(filters.BaseHostFilter):
    """Keeps instances local until the burst thresholds, then sends them to
    the EC2 pseudo-hypervisors within the caps; refuses with the reason."""

    RUN_ON_REBUILD = False

    _cache = _ProviderCache()
    _logged_bad_policy = None
    _logged_causes = set()
    _burst_hosts = set()

    def host_passes(self, host_state, spec_obj):
        raise NotImplementedError('BurstFilter decides in filter_all')

    def filter_all(self, filter_obj_list, spec_obj):
        hosts = list(filter_obj_list)
        if scheduler_utils.request_is_rebuild(spec_obj):
            return hosts
        try:
            hosts = self._filter(hosts, spec_obj)
        except exception.NoValidHost:
            raise
        except Exception as e:
            # Never fail a build that could be placed locally: whatever
            # broke, bursting is off for this request (logged once per
            # cause) and the local hosts Placement found stay candidates.
            self._log_once(e)
            why = Message(_('burst policy could not be evaluated: '
                            '%(error)s'), error=str(e)[:200])
            unavailable = Message(_('bursting is unavailable'))
            extra = getattr(spec_obj.flavor, 'extra_specs', None) or {}
            if str(extra.get(policy.PLACEMENT_SPEC, '')).strip().lower() \
                    == 'public':
                self._record(spec_obj, policy.Decision(
                    'none', (why,), {}, unavailable), None)
                return self._refuse(spec_obj, unavailable, why)
            local = [h for h in hosts if not _is_ec2(h, self._burst_hosts)]
            self._record(spec_obj, policy.Decision(
                'local' if local else 'none', (why,), {}, unavailable), None)
            return local
        BurstFilter._logged_causes.clear()
        return hosts

    def _filter(self, hosts, spec_obj):
        ctx = spec_obj._context
        aggs = objects.AggregateList.get_all(ctx)
        burst_agg = next((a for a in aggs
                          if a.name == CONF.burst.aggregate_name), None)
        burst_hosts = set(burst_agg.hosts or []) if burst_agg else set()
        BurstFilter._burst_hosts = burst_hosts
        local_candidates = [h for h in hosts
                            if not _is_ec2(h, burst_hosts)]
        ec2_candidates = [h for h in hosts if h.host in burst_hosts]
        pol = self._policy(burst_agg)
        req = flavor_request(spec_obj, pol.region,
                             pricing.lookup(pol.region).region_book())
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
        if decision.target == 'ec2' and not ec2_candidates:
            # The EC2 host is down, disabled or full: bursting is
            # unavailable, and the build is placed as without it.
            raise exception.NovaException(
                'burst to EC2 decided but no EC2 host can take it')
        self._record(spec_obj, decision, pol)
        if decision.target == 'local':
            return local_candidates
        if decision.target == 'ec2':
            return ec2_candidates
        return self._refuse(spec_obj, decision.summary, decision.reason())

    @staticmethod
    def _record(spec_obj, decision, pol):
        """Keep the decision as the instance's record (written once Nova
        has created the instance)."""
        decision_records.WRITER.submit(spec_obj.instance_uuid,
                                       decisions.record(decision, pol))

    def _refuse(self, spec_obj, summary, detail):
        """No valid host: members read the fault's message, so it says why
        in words and no figure of the cloud; the figures (utilisation,
        caps, cost) stay in the scheduler's log and in the fault's details,
        which Nova shows to admins only."""
        if not self._first_of_request(spec_obj):
            # A later instance of a multi-create: let Nova's scheduler give
            # back what the earlier ones claimed (it does when a filter
            # leaves no host, not when one raises).
            return []
        try:
            raise BurstRefusal(detail)
        except BurstRefusal as e:
            raise exception.NoValidHost(
                reason='burst policy: %s' % summary) from e

    # Which instance of its request Nova is filtering, as Nova says through
    # run_filter_for_index just before filter_all, in the same thread.
    _index = threading.local()

    def run_filter_for_index(self, index):
        BurstFilter._index.value = index
        return super().run_filter_for_index(index)

    @classmethod
    def _first_of_request(cls, spec_obj):
        """Whether this is the first instance of its request (Nova runs the
        filters once per instance of a multi-create)."""
        return getattr(cls._index, 'value', 0) == 0

    @classmethod
    def _log_once(cls, error):
        cause = (type(error).__name__, str(error)[:200])
        if cause not in cls._logged_causes:
            cls._logged_causes.add(cause)
            LOG.error('Burst filter could not evaluate the burst policy, '
                      'bursting is off until it can (local placement goes '
                      'on): %s: %s', type(error).__name__, error)

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
        providers = self._cache.providers(burst_placement.adapter(),
                                          ctx.global_id,
                                          CONF.burst.usage_max_age)
        caps_name = caps.provider_name(CONF.burst.aggregate_name)
        caps_usages = next((data['usages'] for name, _root, data
                            in providers.values() if name == caps_name),
                           None)
        hosts = policy.hosts_from_placement(
            [{'uuid': uuid, 'name': name, 'root_provider_uuid': root}
             for uuid, (name, root, _data) in providers.items()],
            {uuid: (data['inventories'], data['usages'])
             for uuid, (_name, _root, data) in providers.items()})
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
        # The public pool is what the EC2 driver claimed in Placement for
        # the caps (from flavors and the price book), never anything a
        # project member can write.
        return private, caps.public_pool(caps_usages)

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
