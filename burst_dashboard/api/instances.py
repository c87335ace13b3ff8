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

"""Every instance, local or on EC2: Nova's servers and this cloud's EC2
instances, joined by :mod:`burst_core.inventory`.

What grows with the cloud is kept in the cache every Horizon worker and
replica shares, and brought up to date from what changed
(:mod:`burst_dashboard.api.servers`, :func:`described`,
:func:`private_pool`): per page the backend sees Nova's changes since the
last load, one EC2 describe of the instances of those changes, the
project list, the burst aggregate and the availability zones; the full
reads run behind the pages (:mod:`burst_dashboard.api.kept`). Never a
call per row.
"""
import dataclasses
import datetime
import logging
import threading

from botocore import exceptions as bexc
from django.utils.translation import gettext_lazy as _
from oslo_utils import timeutils

from openstack_dashboard.api import keystone
from openstack_dashboard.contrib.developer.profiler import api as profiler

from burst_core import inventory
from burst_core import policy
from burst_core import tags
from burst_core.tags import TAG_INSTANCE
from burst_core.tags import TAG_MANAGED_BY
from burst_core.tags import TAG_PROJECT
from burst_dashboard import api as burst_api_pkg
from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard.api import heat
from burst_dashboard.api import kept
from burst_dashboard.api import servers as servers_api

LOG = logging.getLogger(__name__)

NOVA_MICROVERSION = servers_api.NOVA_MICROVERSION
# EC2 keeps terminated instances listed for about an hour: leave them out,
# a Nova instance without a live EC2 instance is drift either way.
DESCRIBED_STATES = inventory.LIVE + ('shutting-down',)


def is_configured():
    """Bursting is configured for this dashboard: an EC2 region (or a burst
    aggregate) is set in ``BURST_DASHBOARD``."""
    conf = ec2_api._settings()
    return bool(conf.get('aggregate') or ec2_api.ec2_settings().get(
        'region_name'))


def region_name():
    return ec2_api.ec2_settings().get('region_name') or \
        policy.BurstPolicy().region


def ec2_hosts():
    """The Nova hosts of the EC2 pseudo-hypervisors, for project users, who
    cannot read the burst aggregate: BURST_DASHBOARD['ec2']['hosts'], else the
    driver's naming, ``ec2-<region>``."""
    return ec2_api.ec2_settings().get('hosts') or \
        ['ec2-' + region_name()]


def server_list(request, all_projects=False, newest=None, hosts=None,
                order=servers_api.NEWEST, local_hosts=None, instead=None):
    """The servers of the project, or of every project, as
    :func:`burst_dashboard.api.servers.server_list` keeps them."""
    return servers_api.server_list(request, all_projects, newest=newest,
                                   hosts=hosts, order=order,
                                   local_hosts=local_hosts, instead=instead)


def _instead(request, all_projects, newest, order, count, local_side=False):
    """How many of the newest servers a cold cache reads instead of
    every server (or every name: the first page by name; or, for the
    local list, every server when the local hosts are too many or not
    known) for the list asked for, or None: ``count`` (the page's need)
    when that read would be slow
    (:func:`burst_dashboard.api.servers.newest_instead`)."""
    if newest is not None and not local_side and \
            (order or servers_api.NEWEST)[0] != 'name':
        return None
    return servers_api.newest_instead(request, all_projects, count)


def _describe_instead(region, project_id, count):
    """``count`` when a list that needs this cloud's EC2 instances in full
    (the region's, or a project's: every list of EC2 instances, every
    list that needs every server) would wait for EC2 on a cold cache:
    none is kept, and describing them is not quick
    (:func:`burst_dashboard.api.servers.quick_to_read`: moto's
    tag-filtered describe of a few hundred instances takes seconds).
    The page then shows the newest instead, as for Nova's servers
    (:func:`_newest_kept`). For admins, the region the burst policy
    named last, when it is not the settings' (:data:`POLICY_REGION_KEY`),
    counts as well."""
    if not count:
        return None
    regions = [region]
    if project_id is None:
        named = kept.get(POLICY_REGION_KEY)
        if named and named != region:
            regions.append(named)
    for name in regions:
        key = _ec2_key(name, project_id)
        if kept.is_kept(key) or servers_api.quick_to_read(key):
            return None
    return count


def _newest_kept(servers, count):
    """For a list that shows the newest instead because EC2 would be slow
    (:func:`_describe_instead`): the newest ``count`` of Nova's servers
    when they were kept whole (so read no slower), as a stand-in, whose
    EC2 instances are described alone and the region behind the page."""
    if servers.partial:
        return servers
    return dataclasses.replace(
        servers, servers=inventory.first_servers(servers.servers, count),
        full=False, partial=True, stand_in=True)


# The region the burst policy named when it was not the settings' (a
# misconfiguration, logged): what is kept of EC2 is kept under it.
POLICY_REGION_KEY = 'burst-ec2:policy-region'


@profiler.trace
def ec2_describe(request, region, project_id=None, instance_uuids=None,
                 instance_ids=None, background=False):
    """This cloud's EC2 instances (tagged managed-by), not terminated; only
    those of one project when ``project_id`` is given, only those carrying
    one of ``instance_uuids`` (Nova instance IDs, in the tag the driver
    set) or with one of ``instance_ids`` (EC2 IDs) when given.
    ``background``: no page waits for it (a longer read timeout)."""
    filters = [{'Name': 'tag:' + TAG_MANAGED_BY,
                'Values': [ec2_api.managed_by()]},
               {'Name': 'instance-state-name',
                'Values': list(DESCRIBED_STATES)}]
    if project_id:
        filters.append({'Name': 'tag:' + TAG_PROJECT,
                        'Values': [project_id]})
    if instance_uuids is not None:
        filters.append({'Name': 'tag:' + TAG_INSTANCE,
                        'Values': list(instance_uuids)})
    paginator = ec2_api.ec2_client(request, region, background) \
        .get_paginator('describe_instances')
    if instance_ids is not None:
        # By ID EC2 looks them up rather than filtering the region; an ID
        # it no longer knows (terminated long ago) fails the whole call:
        # then the same as a filter, which ignores it.
        try:
            return tags.described_instances(*paginator.paginate(
                InstanceIds=list(instance_ids), Filters=filters))
        except bexc.ClientError as e:
            if e.response.get('Error', {}).get('Code') not in _UNKNOWN_IDS:
                raise
        filters.append({'Name': 'instance-id', 'Values': list(instance_ids)})
    return tags.described_instances(*paginator.paginate(Filters=filters))


_UNKNOWN_IDS = ('InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed')


# ------------------------------------------------------- EC2, kept
# What of a described instance the pages read (burst_core.inventory).
EC2_FIELDS = ('InstanceId', 'InstanceType', 'PrivateIpAddress',
              'PublicIpAddress', 'LaunchTime', 'StateTransitionReason',
              'Tags')
# A targeted describe names at most this many IDs per filter (EC2 takes
# 200 values a filter); more changes than EC2_TARGETED_MAX: a full one.
EC2_FILTER_VALUES = 200
EC2_TARGETED_MAX = 400
EC2_MAX_AGE = 60


def ec2_max_age():
    return float(ec2_api._settings().get('ec2_max_age', EC2_MAX_AGE))


def _trim_described(raw):
    kept = {k: raw[k] for k in EC2_FIELDS if raw.get(k) is not None}
    if 'LaunchTime' in kept:
        kept['LaunchTime'] = str(inventory.parse_time(kept['LaunchTime']))
    kept['State'] = {'Name': (raw.get('State') or {}).get('Name')}
    kept['Placement'] = {'AvailabilityZone': (
        raw.get('Placement') or {}).get('AvailabilityZone')}
    return kept


@dataclasses.dataclass
class Described:
    instances: list               # described items (EC2_FIELDS)
    full_at: datetime.datetime    # the last full describe began (None:
    #                               only the servers asked for were read)
    synced_at: datetime.datetime  # the last describe began
    targeted: int = 0             # instances the last targeted read named


def _ec2_key(region, project_id):
    return 'burst-ec2:%s:%s' % (region, project_id or 'all')


def _kept_described(key):
    found = kept.get_read(key)
    return Described(*found) if found else None


def _keep_described(key, found):
    kept.put_read(key, found.instances, found.full_at, found.synced_at,
                  servers_api.CACHE_SECONDS)


def _full_describe(request, region, project_id, background=False):
    began = _now()
    key = _ec2_key(region, project_id)
    found = Described([_trim_described(i) for i in ec2_describe(
        request, region, project_id, **(
            {'background': True} if background else {}))], began, began)
    _keep_described(key, found)
    kept.put_took(key, began, servers_api.TOOK_SECONDS)
    return found


def _targeted(request, region, project_id, uuids=(), ids=()):
    """Describe only the instances carrying one of ``uuids`` (by tag) or
    with one of ``ids`` (by ID), at most EC2_FILTER_VALUES a call."""
    out = []
    for name, values in (('instance_uuids', sorted(uuids)),
                         ('instance_ids', sorted(ids))):
        for i in range(0, len(values), EC2_FILTER_VALUES):
            out.extend(ec2_describe(request, region, project_id, **{
                name: values[i:i + EC2_FILTER_VALUES]}))
    return [_trim_described(i) for i in out]


def _uuid(described_item):
    return tags.tags_dict(described_item).get(TAG_INSTANCE)


def described(request, region, servers, project_id=None, on_ec2=None,
              found=None):
    """This cloud's EC2 instances (as :func:`ec2_describe`, trimmed to
    EC2_FIELDS) for a page listing ``servers`` (servers_api.Servers),
    from the shared cache brought up to date for what changed:

    - the instances of the servers Nova updated since the last describe
      (a launch, a delete, a move, a stop) and those the kept list holds
      for no listed server (an orphan, or one deleted since) are described
      again: by ID where the kept list knows it, else by the tag the
      driver set; only the servers that may be on EC2 (``on_ec2``, a
      predicate on a server: on an EC2 host, or on none) -- a local
      server's change needs no EC2 call;
    - the whole region is described again behind the page once the last
      full describe is older than ``ec2_max_age`` (60 s): what changed in
      EC2 with no change in Nova (an instance stopped in the AWS console,
      a stray instance of a local server) shows within that time, and the
      page says when EC2 was read in full;
    - nothing kept: all of them now, or, for a partial list of servers
      (a cold first page), only those servers' and the rest behind the
      page.

    ``found``: what is kept, when the caller has just read it.
    Raises what EC2 raises (the caller says why on the page)."""
    key = _ec2_key(region, project_id)
    began = _now()
    found = found or _kept_described(key)
    if found is None:
        if servers.partial and kept.in_background(
                key, lambda: _full_describe(request, region, project_id,
                                            background=True)):
            uuids = {s['id'] for s in servers.servers
                     if on_ec2 is None or on_ec2(s)}
            return Described(_targeted(request, region, project_id, uuids)
                             if uuids else [], None, began)
        return _full_describe(request, region, project_id)
    since = found.synced_at - servers_api.OVERLAP
    listed = {s['id'] for s in servers.servers}
    known = {}                # server ID -> the IDs of its kept instances
    for i in found.instances:
        known.setdefault(_uuid(i), set()).add(i['InstanceId'])
    # Changed: a server that may be on EC2 now, or had an instance kept
    # (it may have left EC2: shelved, evacuated).
    changed = {s['id'] for s in servers.servers
               if (on_ec2 is None or on_ec2(s) or s['id'] in known) and
               (inventory.parse_time(s.get('updated')) or began) >= since}
    ids = set().union(*(known[u] for u in changed if u in known))
    # A partial list (the newest servers) says nothing of the others'.
    if not servers.partial:
        ids |= {i['InstanceId'] for i in found.instances
                if _uuid(i) not in listed}
    uuids = {u for u in changed if u not in known}
    if len(uuids) + len(ids) > EC2_TARGETED_MAX:
        return _full_describe(request, region, project_id)
    fresh = _targeted(request, region, project_id, ids=ids) if ids else []
    # A changed server whose known instance is gone, or going (a rebuild
    # terminates it and launches another), may have another.
    alive = {_uuid(i) for i in fresh
             if i['State']['Name'] in inventory.LIVE}
    uuids |= {u for u in changed if u in known and u not in alive}
    if uuids:
        fresh += _targeted(request, region, project_id, uuids=uuids)
    fresh = list({i['InstanceId']: i for i in fresh}.values())
    kept_ones = [i for i in found.instances if i['InstanceId'] not in ids
                 and _uuid(i) not in uuids]
    # Synced as of Nova's read of the servers, not later: a server that
    # changed in between is described again on the next load.
    result = Described(kept_ones + fresh, found.full_at,
                       min(began, servers.synced_at or began),
                       targeted=len(ids | uuids))
    _keep_described(key, result)
    if (began - found.full_at).total_seconds() >= ec2_max_age():
        kept.in_background(key, lambda: _full_describe(
            request, region, project_id, background=True))
    return result


@dataclasses.dataclass
class _Early:
    """What a page learnt of EC2 beside Nova's servers
    (:func:`_describe_if_cold`): what is kept, or the region just
    described in full (``fresh``), or why that failed."""
    found: Described = None
    fresh: bool = False
    error: Exception = None


def _describe_if_cold(request, region, project_id, newest):
    """For a list that needs every server: what is kept, else the whole
    region described now, beside Nova's servers. Nothing for a page of
    ``newest`` servers (a first page, or the newest instead: their EC2
    instances are described alone, after Nova's)."""
    if newest is not None:
        return _Early()
    found = _kept_described(_ec2_key(region, project_id))
    if found is not None:
        return _Early(found)
    try:
        return _Early(_full_describe(request, region, project_id),
                      fresh=True)
    except Exception as e:   # for _ec2_or_error to say why
        return _Early(error=e)


def _ec2_or_error(request, region, servers, project_id=None, on_ec2=None,
                  early=None):
    """(Described, None, None), or (None, why, outage) when EC2 cannot be
    read: local rows still render. The reason never holds a credential;
    ``outage`` is the dashboard's back-off from EC2 (None when it did not
    fail for want of an answer). ``early``: what the page learnt of EC2
    already (_Early)."""
    early = early or _Early()
    try:
        if early.error is not None:
            raise early.error
        found = early.found if early.fresh else described(
            request, region, servers, project_id, on_ec2, found=early.found)
    except ec2_api.Unavailable as e:   # backing off: no call was made
        return None, ec2_api.describe_error(e), e.outage
    except Exception as e:   # botocore raises many unrelated types
        why = ec2_api.describe_error(e)
        LOG.warning('EC2 describe_instances in %s failed: %s', region, why)
        return None, why, ec2_api.outage(request, region)
    # Served from what is kept, maybe with no call at all: EC2 may be down
    # all the same (the full describe behind the pages failed). Then say
    # so, and flag nothing from what EC2 said last.
    down = ec2_api.outage(request, region)
    if down is not None:
        return found, ec2_api.outage_text(down), down
    return found, None, None


def _stacks_or_error(request, all_projects):
    """({server ID: Stack}, None), or ({}, why) when Heat cannot be read:
    the rows still render, without their stacks. ({}, None) for a cloud
    without Heat."""
    if not heat.is_enabled(request):
        return {}, None
    try:
        return heat.server_stacks(request, all_projects), None
    except heat.Forbidden:
        return {}, _("Heat's policy does not let administrators list every "
                     "project's stacks (stacks:global_index)")
    except Exception as e:
        LOG.warning('Could not read the stacks from Heat: %s', e)
        return {}, _("Heat could not be read")


def project_names(request):
    try:
        tenants, _more = keystone.tenant_list(request)
    except Exception as e:
        LOG.warning('Could not list projects: %s', e)
        return {}
    return {t.id: t.name for t in tenants}


def _policy_state(request):
    try:
        return burst_api.policy_get(request), None
    except burst_api.AggregateNotFound as e:
        return None, str(e)


def price_of(region, described):
    """instance type -> hourly USD for the described instances' types, from
    one book of burst_api's lookup (Pricing API where it answers, then the
    table, settings overrides first)."""
    return burst_api.price_lookup(region).book(
        [i.get('InstanceType') for i in described], wait=False).hourly


@dataclasses.dataclass
class Inventory:
    rows: list
    region: str
    ec2_error: str = None       # why EC2 could not be read
    ec2_outage: object = None   # ec2_api.Outage: backing off from EC2
    policy_error: str = None    # why there is no policy (no aggregate)
    repatriation_error: str = None
    stack_error: str = None     # why the stacks are not known
    servers: object = None      # servers_api.Servers: how fresh they are
    described: object = None    # Described: when EC2 was read
    pool_at: object = None      # when Placement's usages were read
    candidates_pending: bool = False   # they are read behind the page


def _now():
    return timeutils.utcnow(with_timezone=True)


# The private pool's usages (one Placement read per compute node) are kept
# this long for the repatriation candidates, and read again behind the
# page: the scheduler itself trusts them for [burst] usage_max_age.
POOL_MAX_AGE = 30
POOL_KEY = 'burst-pool'


def pool_max_age():
    return float(ec2_api._settings().get('pool_max_age', POOL_MAX_AGE))


def _read_pool(request):
    found = (burst_api.compute_hosts(request), _now())
    kept.put(POOL_KEY, found, servers_api.CACHE_SECONDS)
    return found


def private_pool(request, wait=True):
    """(policy.Host of every compute node, when Placement was read): kept
    for every worker, read again behind the page once older than
    ``pool_max_age`` (30 s). Nothing kept: read now, or with ``wait``
    False read behind the page and None returned."""
    found = kept.get(POOL_KEY)
    if found is None:
        if not wait and kept.in_background(
                POOL_KEY, lambda: _read_pool(request)):
            return None
        return _read_pool(request)
    if (_now() - found[1]).total_seconds() >= pool_max_age():
        kept.in_background(POOL_KEY, lambda: _read_pool(request))
    return found


POOL_PENDING = 'pending'


def _pool(request, wait):
    """(hosts, read at); (None, None) when Placement could not be read,
    (POOL_PENDING, None) while it is read behind the page."""
    try:
        return private_pool(request, wait) or (POOL_PENDING, None)
    except Exception as e:
        LOG.warning('Could not read the private pool: %s', e)
        return None, None


def _once(read):
    """``read()`` made at most once, by whichever thread asks first; the
    others wait for its answer (a read two parallel branches need)."""
    lock, done = threading.Lock(), []

    def get():
        with lock:
            if not done:
                done.append(read())
            return done[0]
    return get


def _hosts_of(state):
    """The burst aggregate's hosts, or None without the aggregate."""
    return frozenset(state.aggregate.hosts or ()) if state else None


def _compute_hosts(request):
    """The hosts of Nova's compute services, or None when Nova will not
    list them (a policy that lets this admin list every server but not
    the services) or cannot (no answer)."""
    try:
        return frozenset(burst_api.compute_services(request))
    except Exception as e:   # Nova's refusal, or no answer: not the page
        LOG.warning('Nova listed no compute services (%s): the cold local '
                    'list reads every server', type(e).__name__)
        return None


def _local_hosts(state, compute_hosts):
    """The compute hosts that are not the burst aggregate's, or None when
    unknown: without the aggregate (which hosts are EC2), or without the
    compute hosts (:func:`_compute_hosts`): the caller then reads every
    server, as before."""
    burst = _hosts_of(state)
    if burst is None or compute_hosts is None:
        return None
    return compute_hosts - burst


def _with_named_servers(request, servers, found, instead=None):
    """An EC2-side list of servers (``servers.ec2_side``) with those it
    lacks that a described instance names (a local server's stray
    instance, a launch that failed without a host), looked up: an
    instance naming none Nova knows is then an orphan. Every server
    read now when there are too many to look up (or, with ``instead``,
    the newest: :func:`admin_inventory`)."""
    listed = {s['id'] for s in servers.servers}
    named = {_uuid(i) for i in (found.instances if found else ())} - \
        listed - {None}
    more = servers_api.servers_by_id(request, named) if named else []
    if more is None:
        return servers_api.server_list(request, True, instead=instead)
    return dataclasses.replace(servers, servers=servers.servers + more)


@profiler.trace
def admin_inventory(request, newest=None, ec2_side=False, candidates=True,
                    order=servers_api.NEWEST, local_side=False, leads=None,
                    instead=None):
    """Every instance of every project, local and on EC2, with drift and
    repatriation candidates. ``newest``, ``order``: see
    :func:`server_list` (a partial list has no orphans and no
    repatriation candidates).
    ``ec2_side``: the page lists only EC2 instances (EC2, drift,
    repatriation candidates), so a cold cache reads only the servers on
    the EC2 hosts and those EC2's instances name, not every server, and
    the region at once when that is quick (else the newest instead:
    ``instead``).
    ``local_side``: the page lists only local instances, so a cold cache
    reads, for a first page by creation (``newest``), only Nova's first
    page of each local host (those on no host, or on one whose compute
    service Nova no longer lists, come on the next load).
    ``candidates``: the page lists the repatriation candidates, so waits
    for Placement's usages when none are kept; otherwise they are read
    behind it and the candidates marked from the next load
    (``candidates_pending``).
    ``leads``: (sort key of :data:`burst_core.inventory.EC2_FIRST`,
    count): the page is the first of every instance by that key, most
    first, which the EC2 side leads when ``count`` of it have one
    (:func:`burst_core.inventory.leads`): a cold cache reads that side as
    for ``ec2_side``, and every server when fewer do.
    ``instead``: how many servers the page needs (a page and one); a cold
    cache reads that many of the newest (``servers.stand_in``) instead of
    every server, or every name, when that would be slow
    (:func:`_instead`), or when the list needs the region described in
    full and that would be slow (:func:`_describe_instead`; a list of
    EC2 instances too)."""
    region = region_name()
    ec2_side = ec2_side or bool(leads)
    # A list that needs the region described in full, which would be slow
    # on this cold cache: the newest instead, whatever side it lists.
    ec2_instead = _describe_instead(region, None, instead) \
        if newest is None else None
    if ec2_instead:
        ec2_side, leads = False, None
    instead = _instead(request, True, newest, order, instead,
                       local_side) or ec2_instead
    # Read once: a cold EC2-side or local list asks it for the hosts too.
    policy_state = _once(lambda: _policy_state(request))
    # A cold local list by creation needs the compute hosts too: read
    # beside the aggregate, not after it (nor when the servers are kept).
    compute_hosts = _once(lambda: _compute_hosts(request))
    beside = [(compute_hosts, [])] if local_side and newest and \
        not servers_api.is_kept(request, True) else []
    (state, policy_error), servers, projects, (hosts, pool_at), zones, \
        (stacks, stack_error), early = \
        burst_api_pkg.call_functions_parallel(
            (policy_state, []),
            (server_list, [request, True, newest, (
                lambda: _hosts_of(policy_state()[0])) if ec2_side else
                None, order, (lambda: _local_hosts(
                    policy_state()[0], compute_hosts())) if local_side
                else None, instead]),
            (project_names, [request]),
            # A cold first page has no repatriation candidates: the pool
            # is read behind it (or after, when the servers were kept).
            (_pool, [request, newest is None and candidates]),
            (_or_none, [burst_api.availability_zones,
                        'the availability zones', request]),
            (_stacks_or_error, [request, True]),
            # The EC2 lists need the whole region whatever Nova's side.
            (_describe_if_cold, [request, region, None, newest or (
                None if ec2_side else instead)]), *beside)[:7]
    if ec2_instead:
        servers = _newest_kept(servers, ec2_instead)
    if state is not None and state.policy.region != region:
        # The policy names another region than the dashboard's settings.
        LOG.warning('BURST_DASHBOARD region %s is not the burst policy\'s '
                    'region %s', region, state.policy.region)
        region, early = state.policy.region, None
        kept.put(POLICY_REGION_KEY, region, servers_api.TOOK_SECONDS)
    # EC2 after Nova: which instances to describe again depends on which
    # servers changed, and on which host they are.
    found, ec2_error, outage = _ec2_or_error(
        request, region, servers, on_ec2=_on_burst_hosts(state),
        early=early)
    if servers.ec2_side:
        servers = _with_named_servers(request, servers, found, instead)
    # Without the burst aggregate the EC2 hosts are unknown: a server is
    # then on EC2 when an EC2 instance tagged at launch with its ID says so.
    burst_hosts = _hosts_of(state)
    instances = found.instances if found else []
    prices = price_of(region, instances)

    def joined(listed):
        rows = inventory.join(listed.servers, instances, region, prices,
                              _now(), burst_hosts=burst_hosts,
                              projects=projects, ec2_read=not ec2_error,
                              all_servers=listed.ec2_side or
                              not listed.partial)
        inventory.mark_stacks(rows, stacks)
        return rows
    rows = joined(servers)
    if leads and servers.ec2_side and not inventory.leads(rows, *leads):
        # Too few of the EC2 side priced (or billed) to know the page:
        # every server now (the read queued behind then finds it kept),
        # or the newest instead.
        servers = servers_api.server_list(request, True, instead=instead)
        rows = joined(servers)
    result = Inventory(rows=rows, region=region, ec2_error=ec2_error,
                       ec2_outage=outage, policy_error=policy_error,
                       stack_error=stack_error, servers=servers,
                       described=found, pool_at=pool_at)
    if state is None or (servers.partial and not servers.ec2_side):
        return result
    if hosts == POOL_PENDING and candidates:   # servers kept, pool not
        hosts, result.pool_at = _pool(request, True)
    if hosts == POOL_PENDING:     # read behind the page
        result.candidates_pending = True
        return result
    if hosts is None:
        result.repatriation_error = _(
            "Placement could not be read: no repatriation candidates.")
        return result
    if state.errors:
        result.repatriation_error = _(
            "The burst policy in the aggregate metadata is malformed: no "
            "repatriation candidates.")
        return result
    if zones is None and state.policy.private_zones:
        result.repatriation_error = _(
            "The availability zones could not be read: no repatriation "
            "candidates.")
        return result
    private = policy.private_hosts(
        hosts, burst_hosts, state.policy,
        aggregates={a.name: set(a.hosts or ()) for a in state.aggregates},
        zones=zones)
    inventory.mark_repatriation(rows, private, state.policy)
    return result


def _on_burst_hosts(state):
    """Whether a server (admin's view) may be on EC2: on one of the burst
    aggregate's hosts, or on none yet (a launch; a failed one may have
    left an EC2 instance). None (every server) without the aggregate."""
    if state is None:
        return None
    burst_hosts = _hosts_of(state)
    return lambda server: server.get('OS-EXT-SRV-ATTR:host') in \
        burst_hosts or not server.get('OS-EXT-SRV-ATTR:host')


def _or_none(read, what, request):
    """What ``read(request)`` returns, or None (logged) when it fails: the
    repatriation candidates need it, the rows do not."""
    try:
        return read(request)
    except Exception as e:
        LOG.warning('Could not read %s: %s', what, e)
        return None


@profiler.trace
def project_inventory(request, newest=None, order=servers_api.NEWEST,
                      instead=None):
    """The project's own instances, local and on EC2 (EC2 read only for
    instances tagged with this project). ``newest``, ``order``: see
    :func:`server_list`; ``instead``: see :func:`admin_inventory`."""
    region = region_name()
    project = request.user.project_id
    ec2_instead = _describe_instead(region, project, instead) \
        if newest is None else None
    instead = _instead(request, False, newest, order, instead) or \
        ec2_instead
    servers, (stacks, stack_error), early = \
        burst_api_pkg.call_functions_parallel(
            (server_list, [request, False, newest, None, order, None,
                           instead]),
            (_stacks_or_error, [request, False]),
            (_describe_if_cold, [request, region, project,
                                 newest or instead]))
    if ec2_instead:
        servers = _newest_kept(servers, ec2_instead)
    # Project users see no hosts, but the hostId Nova shows them for each
    # EC2 host (a hash they cannot write).
    ec2_host_ids = {inventory.host_id(project, host) for host in ec2_hosts()}
    found, ec2_error, outage = _ec2_or_error(
        request, region, servers, project,
        on_ec2=lambda server: server.get('hostId') in ec2_host_ids or
        not server.get('hostId'), early=early)
    # Nova scopes the servers and the describe is filtered by the project
    # tag; the panel checks every row's project once more before showing.
    instances = found.instances if found else []
    rows = inventory.join(servers.servers, instances, region,
                          price_of(region, instances), _now(),
                          burst_hosts=None, ec2_read=not ec2_error,
                          ec2_host_ids=ec2_host_ids,
                          all_servers=not servers.partial)
    inventory.mark_stacks(rows, stacks)
    return Inventory(rows=rows, region=region, ec2_error=ec2_error,
                     ec2_outage=outage, stack_error=stack_error,
                     servers=servers, described=found)
