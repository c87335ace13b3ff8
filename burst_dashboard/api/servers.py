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

"""Nova's servers, kept up to date from what changed.

Reading every server of the cloud costs Nova time linear in the cloud
(about 5 ms a server here): the Instances pages keep the list in the
cache every Horizon worker and replica shares (memcached in production)
and, on each load, read only the servers Nova says changed since the last
read (``changes-since``, which also returns the deleted ones).

A full read happens behind the page (:mod:`burst_dashboard.api.kept`),
never in it, when the last full read is older than
``BURST_DASHBOARD['servers_max_age']`` (600 s): whatever a changes-since
read could miss (a cache entry lost half-way, a clock step) is then
corrected. When nothing is kept (a cold cache) the first page reads only
Nova's newest servers, one page of them, and the full read runs behind
it (so does the first page of an admin's list of local instances: Nova's
first page of each local host); a list that needs every server (a
filter, another sort) reads them all at once.

What is kept: the fields the burst pages read, compressed, under one key
per scope -- the whole cloud for admins, one project for its members.
Nova's own scoping decides what a scope holds; nothing of one scope is
ever served to another.
"""
import dataclasses
import datetime
import logging

from django.conf import settings
from novaclient import exceptions as nova_exceptions
from openstack import exceptions as sdk_exceptions
from oslo_utils import timeutils

from openstack_dashboard.api import _nova
from openstack_dashboard.contrib.developer.profiler import api as profiler

from burst_core import inventory
from burst_dashboard import api as burst_api_pkg
from burst_dashboard.api import kept

LOG = logging.getLogger(__name__)

# 2.47: servers embed their flavor (name, vCPUs, RAM, disk and, for those
# allowed to see them, extra specs), so no flavor call is needed.
NOVA_MICROVERSION = burst_api_pkg.NOVA_MICROVERSION
MAX_AGE = 600
# On a cold cache a list that needs every server (or every name) waits
# for them only when the scope's last full read took at most this long
# (seconds); else it shows the newest servers while every server is read
# behind the page (:func:`newest_instead`).
FULL_READ_WAIT = 2.0
# How long the time of a scope's last full read is remembered.
TOOK_SECONDS = 7 * 24 * 3600
# changes-since is asked from this long before the last read began: a
# server updated while that read was running is read again, not missed.
OVERLAP = datetime.timedelta(seconds=5)
# Kept for at most this long without being read (then a full read).
CACHE_SECONDS = 3600
# Nova's fields the burst pages read (burst_core.inventory, .economics).
FIELDS = ('id', 'name', 'status', 'tenant_id', 'user_id', 'hostId',
          'OS-EXT-SRV-ATTR:host', 'OS-EXT-STS:power_state',
          'OS-EXT-STS:task_state', 'OS-EXT-STS:vm_state',
          'OS-EXT-AZ:availability_zone', 'flavor', 'created', 'updated',
          'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at')
_DELETED = ('DELETED',)
# The list orders (sort key of burst_core.inventory, Nova's sort key)
# whose first page a cold cache reads alone: Nova sorts by them too; by
# status, each status's own list (Nova filters by status) by UUID.
NOVA_SORT = {'created': 'created_at', 'name': 'display_name',
             'status': 'uuid'}
NEWEST = ('created', 'desc')
# Nova's server statuses as its API shows them (nova/api/openstack/
# common.py), each a filter of its list: that list holds every server
# showing it and may hold others, left out. A vm_state's own status
# lists its servers whatever their task (ACTIVE's: those rebooting too);
# a task's status (REBOOT, say) lists those alone. Not here: DELETED
# (Nova lists the deleted servers for it; a live one shows it only while
# being deleted), SOFT_DELETED (Nova's lists of live servers leave them
# out) and UNKNOWN (no filter; at this microversion Nova lists no server
# of a cell it cannot reach).
VM_STATE_STATUSES = ('ACTIVE', 'BUILD', 'ERROR', 'PAUSED', 'RESCUE',
                     'SHELVED', 'SHELVED_OFFLOADED', 'SHUTOFF',
                     'SUSPENDED', 'VERIFY_RESIZE')
TASK_STATUSES = ('HARD_REBOOT', 'MIGRATING', 'PASSWORD', 'REBOOT',
                 'REBUILD', 'RESIZE', 'REVERT_RESIZE')
STATUSES = VM_STATE_STATUSES + TASK_STATUSES


@dataclasses.dataclass
class Servers:
    servers: list
    full_at: datetime.datetime     # the last full read began then (None:
    #                                not yet, see ``partial``)
    synced_at: datetime.datetime   # the last read (full or changes) began
    changed: int = 0               # servers the last changes read returned
    full: bool = True              # whether this load read them all
    partial: bool = False          # only some: nothing was kept yet
    # The partial list holds every server that is or may be on EC2 (those
    # on the EC2 hosts, and those an EC2 instance names, looked up), not
    # only the newest: complete for the lists of EC2 instances.
    ec2_side: bool = False
    # The order the partial list holds the first servers of: (sort key,
    # direction) of NOVA_SORT, ('created', 'desc') being the newest.
    order: tuple = NEWEST
    # The partial list holds the first servers in ``order`` of the local
    # hosts only (Nova's first page of each), not of the whole cloud.
    local_side: bool = False
    # The list asked for needs every server, or the region described in
    # full, too slow to read on this cold cache: these are the newest
    # instead (:func:`newest_instead`; api.instances._describe_instead).
    stand_in: bool = False

    @property
    def first(self):
        """What a partial list holds the first of: 'newest', 'oldest',
        'by-name' or 'by-status'."""
        if self.order[0] in ('name', 'status'):
            return 'by-' + self.order[0]
        return 'oldest' if self.order[1] == 'asc' else 'newest'


def max_age():
    return float((getattr(settings, 'BURST_DASHBOARD', None) or {}).get(
        'servers_max_age', MAX_AGE))


def full_read_wait():
    return float((getattr(settings, 'BURST_DASHBOARD', None) or {}).get(
        'full_read_wait', FULL_READ_WAIT))


def _trim(server):
    kept = {k: server[k] for k in FIELDS if k in server}
    # Booted from a volume when it has no image: only that is read.
    kept['image'] = {'id': server['image']['id']} \
        if isinstance(server.get('image'), dict) and \
        server['image'].get('id') else ''
    return kept


def _key(scope):
    return 'burst-servers:%s' % scope


@profiler.trace
def list_servers(request, search_opts, newest=None, order=NEWEST,
                 marker=None):
    """Every server Nova lists for ``search_opts`` (all of its pages), or
    only the first ``newest`` (one page) in Nova's ``order`` (sort key of
    :data:`NOVA_SORT`, direction; by default the most recently created),
    after the server ``marker`` if given, trimmed to :data:`FIELDS`."""
    client = _nova.novaclient(request, NOVA_MICROVERSION)
    if newest:
        found = client.servers.list(
            detailed=True, search_opts=search_opts, limit=newest,
            marker=marker, sort_keys=[NOVA_SORT[order[0]]],
            sort_dirs=[order[1]])
    else:
        found = client.servers.list(detailed=True, search_opts=search_opts,
                                    limit=-1)
    return [_trim(s._info) for s in found]


@profiler.trace
def list_names(request, search_opts):
    """(ID, name) of every server Nova lists for ``search_opts``: Nova's
    plain list, without the details (flavor, addresses, metadata), in a
    fraction of the detailed list's time. Through openstacksdk, which
    follows Nova's next links: one request up to Nova's page size, where
    novaclient asks for an empty page after the last."""
    compute = _nova.computeclient(request, NOVA_MICROVERSION)
    try:
        return [(s.id, s.name) for s in compute.servers(details=False,
                                                        **search_opts)]
    except sdk_exceptions.HttpException as e:
        # Horizon takes any openstacksdk HTTP error for "not authorized"
        # (a 403 page): Nova's answer raised as novaclient's, as the
        # page's other Nova reads raise it ("Unable to retrieve ...").
        if e.response is None:
            raise nova_exceptions.ClientException(500) from e
        raise nova_exceptions.from_response(e.response, None, e.url) from e


# Pages read past Nova's first, at most, to the end of the second its last
# server was created in (:func:`_first_created`), and their least length
# (a multi-create of 50 in one second: one more page).
EDGE_PAGES = 4
EDGE_PAGE = 50
# Nova's largest page ([api] max_limit): a longer one reads every server.
NOVA_MAX_LIMIT = 1000


def _unscheduled(server):
    """Whether ``server`` may be one Nova has not scheduled yet (a build
    request, which Nova lists before the others whatever the order): in
    BUILD on no host. Members see no hosts: any server in BUILD."""
    return server.get('status') == 'BUILD' and \
        not server.get('OS-EXT-SRV-ATTR:host')


def _take(page, seen, aside, listed):
    """Adds each server of Nova's ``page`` not in ``seen`` yet to
    ``aside`` when Nova may not have scheduled it (:func:`_unscheduled`),
    else to ``listed``."""
    for s in page:
        if s['id'] not in seen:
            seen.add(s['id'])
            (aside if _unscheduled(s) else listed).append(s)


def _first_created(request, opts, count, order=NEWEST):
    """The first ``count`` servers by creation in ``order``'s direction in
    the pages' order (:func:`burst_core.inventory.first_servers`), from
    Nova's first ``count``, every server created in the same second as the
    last of them, and any Nova has not scheduled yet; None when that
    second does not end within EDGE_PAGES more pages of Nova's, or Nova no
    longer finds the marker (archived between two pages), or ``count`` is
    not below NOVA_MAX_LIMIT: the caller reads every server.

    Nova breaks ties in creation time by the microsecond, then by the UUID
    ascending; the pages by the whole second the API shows, then by the
    UUID in the list's direction (:func:`burst_core.inventory.order`). So
    the first ``count`` in the pages' order are among these, even where
    the servers of one multi-create share the second at the edge of Nova's
    page. Nova's first page is one longer than ``count``: the second ends
    within it unless the server after the edge was created in it too;
    then the next pages, by marker (the last scheduled server read), at
    least EDGE_PAGE long.
    The servers Nova lists first because it has not scheduled them (and,
    for members, any in BUILD) are kept aside, outside that order."""
    if count >= NOVA_MAX_LIMIT:
        return None
    size = count + 1
    aside, found, seen = [], [], set()
    for more in range(EDGE_PAGES + 1):
        try:
            page = list_servers(request, opts, size, order,
                                marker=found[-1]['id'] if found else None)
        except nova_exceptions.BadRequest:     # "marker not found"
            return None
        _take(page, seen, aside, found)
        edge = found[count - 1].get('created') if len(found) >= count \
            else None
        if len(page) < size or (len(found) > count and
                                found[-1].get('created') != edge):
            return inventory.first_servers(aside + found, count,
                                           order[1] == 'desc')
        if not found:      # a page of Nova's unscheduled servers only
            return None
        size = min(max(count + 1, EDGE_PAGE), NOVA_MAX_LIMIT)
    return None


def _first_by_name(request, opts, count, order):
    """The first ``count`` servers in the order of a list sorted by name
    (:func:`burst_core.inventory.name_order`, which the pages after it
    follow), or None when more than LOOKUPS_MAX of them are not in Nova's
    own first page by name (its database's collation differs). Every
    name is read from Nova's plain list; Nova's first page by name
    usually holds the servers themselves, the others are looked up."""
    names, first = burst_api_pkg.call_functions_parallel(
        (list_names, [request, opts]),
        (list_servers, [request, opts, count, order]))
    wanted = [uid for uid, name in sorted(
        names, key=lambda n: inventory.name_order(n[1], n[0]),
        reverse=order[1] == 'desc')[:count]]
    have = {s['id']: s for s in first}
    more = servers_by_id(request, set(wanted) - set(have))
    if more is None:
        return None
    have.update((s['id'], s) for s in more)
    return [have[uid] for uid in wanted if uid in have]


def _first_by_status(request, opts, count, order):
    """The first ``count`` servers by status in ``order``'s direction
    (then by ID: the pages' order,
    :func:`burst_core.inventory.first_servers`), from the first page of
    each status's list the page reaches (:data:`STATUSES`, by UUID) and,
    for a status the page needs more of than its first page shows, its
    next pages after the last server read (at least EDGE_PAGE long, at
    most EDGE_PAGES); None when those do not suffice, Nova no longer finds
    that server (archived in between), or ``count`` is not below
    NOVA_MAX_LIMIT: the caller reads every server. The first status's
    list is read alone (ascending, ACTIVE's: it usually fills the page),
    past it every vm_state's own status left at once, a task's status
    when the page reaches it. The servers Nova has not scheduled (in
    BUILD on no host: it lists its build requests first) are kept aside,
    outside the UUIDs' order; while a status's pages hold only those,
    they are read again from the start, longer: after a build request
    Nova would go on after its instance if it was scheduled in between,
    passing over the servers before it. A server whose status changed
    between two statuses' reads is listed once."""
    if count >= NOVA_MAX_LIMIT:
        return None
    descending = order[1] == 'desc'
    statuses = sorted(STATUSES, reverse=descending)
    firsts = {}

    def first_page(status):
        if status not in firsts:
            wave = [s for s in statuses if s in VM_STATE_STATUSES and
                    s not in firsts] \
                if firsts and status in VM_STATE_STATUSES else [status]
            with burst_api_pkg.bounded_executor() as pool:
                firsts.update(zip(wave, pool.map(
                    lambda s: list_servers(request, dict(opts, status=s),
                                           count + 1, order), wave)))
        return firsts[status]
    first = []
    for status in statuses:
        need = count - len(first)
        if need <= 0:
            break
        page = first_page(status)
        aside, listed, seen, size = [], [], set(), count + 1
        for more in range(EDGE_PAGES + 1):
            if more:
                size = min(max(need + 1, EDGE_PAGE,
                               0 if listed else 2 * size), NOVA_MAX_LIMIT)
                try:
                    page = list_servers(
                        request, dict(opts, status=status), size, order,
                        marker=listed[-1]['id'] if listed else None)
                except nova_exceptions.BadRequest:   # "marker not found"
                    return None
            _take(page, seen, aside, listed)
            if len(page) < size or need <= sum(
                    1 for s in listed if s.get('status') == status):
                break
        else:
            return None
        listed_before = {s['id'] for s in first}
        first += inventory.first_servers(
            [s for s in aside + listed if s.get('status') == status and
             s['id'] not in listed_before], need, descending, 'status')
    return first


# How a cold page reads the first servers of an order (sort key of
# NOVA_SORT), those of any other being by creation.
_FIRST = {'name': _first_by_name, 'status': _first_by_status}


# More local hosts than this to read a page of each: every server is read.
HOSTS_MAX = 20


def _on_hosts(request, opts, hosts, count=None, order=NEWEST):
    """The servers on ``hosts`` (Nova's admin ``host`` filter, one list
    per host, in parallel): all of them, or with ``count`` the first
    ``count`` by creation in ``order``'s direction, from the first of each
    host (:func:`_first_created`; None when a host's are not known)."""
    read = list_servers if count is None else _first_created
    with burst_api_pkg.bounded_executor() as pool:
        pages = list(pool.map(lambda host: read(
            request, dict(opts, host=host), count, order), sorted(hosts)))
    if None in pages:
        return None
    # A server moved between two hosts' reads is listed by both: once.
    found = list({s['id']: s for page in pages for s in page}.values())
    if count is None:
        return found
    return inventory.first_servers(found, count, order[1] == 'desc')


def _scope(request, all_projects):
    """(cache scope, Nova's search options) of the admin's or the member's
    list: Nova's own scoping decides what a scope holds."""
    if all_projects:
        return 'all', {'all_tenants': True}
    project = request.user.project_id
    return 'project:%s' % project, {'project_id': project}


def _kept(scope):
    return kept.get_read(_key(scope))


def _keep(scope, result):
    kept.put_read(_key(scope), result.servers, result.full_at,
                  result.synced_at, CACHE_SECONDS)


def is_kept(request, all_projects):
    """Whether the scope's servers are kept (a load reads only their
    changes), without reading them."""
    return kept.is_kept(_key(_scope(request, all_projects)[0]))


def _full_read(request, scope, opts):
    began = timeutils.utcnow(with_timezone=True)
    result = Servers(list_servers(request, opts), began, began)
    _keep(scope, result)
    kept.put_took(_key(scope), began, TOOK_SECONDS)
    return result


def quick_to_read(key):
    """Whether a cold cache may read ``key`` (the servers of a scope, the
    EC2 instances of a region or project) in full in the request: its
    last full read took at most :func:`full_read_wait` (2 s). Not when
    that is not known (a memcached restart; no such read yet)."""
    return kept.quick(key, full_read_wait())


def newest_instead(request, all_projects, count):
    """``count`` when a list that needs every server (or every name)
    should rather show the newest ``count`` on a cold cache, while every
    server is read behind the page: reading them is not quick
    (:func:`quick_to_read`). None when it is, or without ``count``."""
    if not count or quick_to_read(_key(_scope(request, all_projects)[0])):
        return None
    return count


def _every_or_newest(request, scope, opts, instead, began):
    """Every server now; or, with ``instead``, the newest ``instead``
    (:func:`_first_created`; ``stand_in``) while every server is read
    behind the page, unless the cache cannot run that read or the
    newest are not known (at the edge of Nova's page)."""
    if instead and _read_in_background(request, scope, opts):
        first = _first_created(request, opts, instead)
        if first is not None:
            return Servers(first, None, began, full=False, partial=True,
                           stand_in=True)
    return _full_read(request, scope, opts)


def _read_in_background(request, scope, opts):
    """A full read of the scope behind the page (one worker at a time);
    False when none can be started (the cache away). Skipped when, by the
    time it starts, a full read begun since it was asked for is kept (the
    page had to read every server itself after all)."""
    asked = timeutils.utcnow(with_timezone=True)

    def read():
        found = _kept(scope)
        if found is not None and found[1] >= asked:
            LOG.debug('%s read in full since %s: not again', scope, asked)
            return
        _full_read(request, scope, opts)
    return kept.in_background(_key(scope), read)


def server_list(request, all_projects=False, newest=None, hosts=None,
                order=NEWEST, local_hosts=None, instead=None):
    """Servers (the fields of :data:`FIELDS`, as Nova's JSON) of the
    project, or of every project: from the shared cache brought up to date
    with Nova's changes since the last read.

    Nothing kept: with ``newest``, only that many of the first servers in
    ``order`` are read now (``partial``; by default the most recently
    created, with those created in the same second as the last of them:
    :func:`_first_created`; by name: :func:`_first_by_name`; by status:
    :func:`_first_by_status`); with
    ``hosts`` (admins: a
    callable returning the EC2 hosts, or None when unknown), only the
    servers on those hosts (``partial`` and ``ec2_side``: the caller looks
    up those EC2 names, :func:`servers_by_id`); with ``local_hosts``
    (admins, a list of local instances: a callable returning the local
    hosts, or None when unknown) and ``newest`` by creation, the first
    ``newest`` of those hosts' servers (``partial`` and ``local_side``);
    the full read runs behind the page. Otherwise (or when those first
    are not known: :func:`_first_created`) all of them are read now,
    or, with ``instead`` (:func:`newest_instead`), the newest ``instead``
    (``partial`` and ``stand_in``; also for the first page by name, which
    reads every name) while every server is read behind the page.
    Kept, but its last full read older than :func:`max_age`: served from
    what is kept and the changes, and read in full behind the page."""
    scope, opts = _scope(request, all_projects)
    order = order or NEWEST
    began = timeutils.utcnow(with_timezone=True)
    found = _kept(scope)
    if found is None:
        if local_hosts is not None:
            on = local_hosts() if newest and all_projects and \
                order[0] == 'created' else None
            if on and len(on) <= HOSTS_MAX and \
                    _read_in_background(request, scope, opts):
                first = _on_hosts(request, opts, on, newest, order)
                if first is not None:
                    return Servers(first, None, began, full=False,
                                   partial=True, order=order,
                                   local_side=True)
            return _every_or_newest(request, scope, opts, instead, began)
        if newest and order[0] == 'name' and instead:
            return _every_or_newest(request, scope, opts, instead, began)
        if newest and _read_in_background(request, scope, opts):
            first = _FIRST.get(order[0], _first_created)(
                request, opts, newest, order)
            if first is None:
                # Too many of the first by name to look up, or at the
                # edge of the first by creation or of a status's list
                # (:func:`_first_by_status`): every server now (the
                # read queued behind then finds it kept).
                return _full_read(request, scope, opts)
            return Servers(first, None, began, full=False, partial=True,
                           order=order)
        on = hosts() if hosts and all_projects else None
        if on and _read_in_background(request, scope, opts):
            return Servers(_on_hosts(request, opts, on), None, began,
                           full=False, partial=True, ec2_side=True)
        return _every_or_newest(request, scope, opts, instead, began)
    servers, full_at, synced_at = found
    since = (synced_at - OVERLAP).isoformat()
    changes = list_servers(request, dict(opts, **{'changes-since': since}))
    by_id = {s['id']: s for s in servers}
    for s in changes:
        if s.get('status') in _DELETED:
            by_id.pop(s['id'], None)
        else:
            by_id[s['id']] = s
    result = Servers(list(by_id.values()), full_at, began,
                     changed=len(changes), full=False)
    _keep(scope, result)
    if (began - full_at).total_seconds() >= max_age():
        _read_in_background(request, scope, opts)
    return result


# More servers to look up one by one than this: every server is read.
LOOKUPS_MAX = 20


@profiler.trace
def servers_by_id(request, ids):
    """The servers of ``ids`` Nova knows (admins: of any project), trimmed
    to :data:`FIELDS`; those it does not know are left out. None when
    there are more than LOOKUPS_MAX (the caller reads every server)."""
    if len(ids) > LOOKUPS_MAX:
        return None
    if not ids:
        return []
    client = _nova.novaclient(request, NOVA_MICROVERSION)

    def get(uid):
        try:
            return _trim(client.servers.get(uid)._info)
        except nova_exceptions.NotFound:
            return None
    with burst_api_pkg.bounded_executor() as pool:
        return [s for s in pool.map(get, sorted(ids)) if s is not None]
