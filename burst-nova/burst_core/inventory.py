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

"""Nova instances joined with their EC2 instances: where each one runs,
what EC2 says about it, drift, and repatriation candidates.

Pure: the inputs are what one Nova server list (JSON, microversion 2.47 or
later so each server carries its flavor) and one tag-filtered EC2
``describe_instances`` return; :mod:`burst_dashboard.api.instances` reads
them. The join is on the ``openstack:instance-id`` tag the EC2 driver puts
on every instance at launch. Everything is O(servers + EC2 instances).
"""
import dataclasses
import datetime
import hashlib
import re

from burst_core import flavors
from burst_core.i18n import _
from burst_core.i18n import Message
from burst_core import policy
from burst_core import tags
from burst_core.tags import TAG_INSTANCE
from burst_core.tags import TAG_INSTANCE_NAME
from burst_core.tags import TAG_PROJECT

# EC2 states
LIVE = ('pending', 'running', 'stopping', 'stopped')
GONE = ('shutting-down', 'terminated')
# Billed by the second now: EC2 bills neither pending nor stopping (but
# for hibernation, which the driver never asks for).
BILLED = ('running',)

# Nova statuses whose EC2 instance must exist. BUILD has none yet, ERROR
# had its launch cleaned up by the driver: neither is drift for a missing
# EC2 instance (a live one behind ERROR is, see _MUST_BE_GONE).
_NEEDS_EC2 = ('ACTIVE', 'SHUTOFF', 'REBOOT', 'HARD_REBOOT', 'PAUSED',
              'SUSPENDED', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING',
              'RESCUE', 'PASSWORD', 'REBUILD')
# What EC2 must say for a settled Nova status.
_EXPECTED = {'ACTIVE': ('running',), 'SHUTOFF': ('stopped',)}
# Nova statuses whose EC2 instance must be gone: a live one is a leak
# (e.g. a failed launch whose terminate failed too), billed or holding
# its volumes.
_MUST_BE_GONE = ('ERROR', 'SHELVED_OFFLOADED', 'DELETED', 'SOFT_DELETED')

DRIFT_GONE = 'ec2-gone'
DRIFT_ORPHAN = 'orphan'
DRIFT_POWER = 'power'
DRIFT_STRAY = 'stray'
DRIFT_DUPLICATE = 'duplicate'

WHERE_LOCAL = 'local'
WHERE_EC2 = 'ec2'
WHERE_ORPHAN = 'orphan'   # on EC2, unknown to Nova

SHOW = ('all', 'local', 'ec2', 'drift', 'repatriate')
SORT_KEYS = ('name', 'project', 'stack', 'where', 'status', 'created',
             'type', 'price', 'cost')

_STOPPED_AT = re.compile(r'\((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) GMT\)')


@dataclasses.dataclass
class Ec2Instance:
    """What EC2 says about one instance."""
    instance_id: str
    instance_type: str
    zone: str
    private_ip: str
    public_ip: str
    state: str
    launch_time: datetime.datetime
    stopped_at: datetime.datetime   # from StateTransitionReason, if given
    tags: dict
    hourly_price: float = None
    cost_so_far: float = None       # USD since launch_time

    @property
    def alive(self):
        return self.state in LIVE


@dataclasses.dataclass
class Drift:
    code: str
    message: str


@dataclasses.dataclass
class Row:
    id: str                 # Nova UUID; the EC2 instance id for an orphan
    name: str
    project_id: str
    project_name: str
    where: str              # WHERE_LOCAL, WHERE_EC2 or WHERE_ORPHAN
    host: str               # Nova host (admins only), else None
    region: str             # EC2 region when on EC2
    status: str             # Nova status; None for an orphan
    power_state: int
    task_state: str
    flavor: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    placement: str          # the flavor's burst:placement (auto/...)
    created: datetime.datetime
    ec2: Ec2Instance = None
    drift: list = dataclasses.field(default_factory=list)
    repatriate: bool = False
    stack: str = None       # the Heat stack that made it (name), if any
    stack_id: str = None

    @property
    def is_orphan(self):
        return self.where == WHERE_ORPHAN

    def hourly_price(self):
        return self.ec2.hourly_price if self.ec2 else None

    def cost_so_far(self):
        return self.ec2.cost_so_far if self.ec2 else None


# ---------------------------------------------------------------- parsing
def parse_time(value):
    """An aware UTC datetime from Nova's or EC2's timestamps."""
    if value is None or isinstance(value, datetime.datetime):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value
    text = str(value).strip().replace('Z', '+00:00')
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed


def stopped_at(ec2_instance):
    """When a stopped instance stopped, from its StateTransitionReason
    ("User initiated (2026-11-24 03:00:00 GMT)"), else None."""
    match = _STOPPED_AT.search(ec2_instance.get('StateTransitionReason')
                               or '')
    if not match:
        return None
    return datetime.datetime.strptime(match.group(1), '%Y-%m-%d %H:%M:%S'
                                      ).replace(tzinfo=datetime.timezone.utc)


def cost_so_far(hourly_price, state, launched, stopped, now):
    """USD of compute since ``launched`` (EC2's LaunchTime, reset by every
    start): to now while billed, to the stop time once stopped; None when
    the price or the times are unknown. Per second, one minute minimum.
    Stopping ends the billing (its start is taken as now); pending has
    not begun it."""
    if hourly_price is None or launched is None:
        return None
    if state == 'pending':
        return 0.0
    if state in BILLED or state == 'stopping':
        end = now
    elif state == 'stopped':
        end = stopped
    else:
        return None
    if end is None:
        return None
    seconds = max(60.0, (end - launched).total_seconds())
    return hourly_price * seconds / 3600.0


def ec2_instance(raw, prices, now):
    """Ec2Instance from one describe_instances item. ``prices`` maps an
    instance type to its hourly USD price (or None)."""
    state = (raw.get('State') or {}).get('Name')
    launched = parse_time(raw.get('LaunchTime'))
    stopped = stopped_at(raw) if state == 'stopped' else None
    kind = raw.get('InstanceType')
    price = prices(kind) if kind else None
    return Ec2Instance(
        instance_id=raw.get('InstanceId'), instance_type=kind,
        zone=(raw.get('Placement') or {}).get('AvailabilityZone'),
        private_ip=raw.get('PrivateIpAddress'),
        public_ip=raw.get('PublicIpAddress'), state=state,
        launch_time=launched, stopped_at=stopped, tags=tags.tags_dict(raw),
        hourly_price=price,
        cost_so_far=cost_so_far(price, state, launched, stopped, now))


def _flavor(server):
    flavor = server.get('flavor') or {}
    return flavor if isinstance(flavor, dict) else {}


def _placement(specs):
    try:
        return policy.request_placement(specs or {})
    except policy.PolicyError:
        return None


def _server_row(server, projects):
    flavor = _flavor(server)
    project = server.get('tenant_id') or server.get('project_id')
    return Row(
        id=server.get('id'), name=server.get('name') or '',
        project_id=project, project_name=projects.get(project),
        where=WHERE_LOCAL, host=server.get('OS-EXT-SRV-ATTR:host'),
        region=None, status=server.get('status'),
        power_state=server.get('OS-EXT-STS:power_state'),
        task_state=server.get('OS-EXT-STS:task_state'),
        flavor=flavor.get('original_name') or flavor.get('id'),
        vcpus=int(flavor.get('vcpus') or 0),
        memory_mb=int(flavor.get('ram') or 0),
        disk_gb=flavors.disk_gb(flavor.get('disk'), flavor.get('ephemeral'),
                                flavor.get('swap'),
                                is_bfv=not server.get('image')),
        placement=_placement(flavor.get('extra_specs')),
        created=parse_time(server.get('created')))


def _pick(candidates):
    """The EC2 instance that stands for a Nova instance: a live one (the
    latest launched) before a gone one; the other live ones are extras."""
    live = sorted((c for c in candidates if c.alive),
                  key=lambda c: c.launch_time or datetime.datetime.min.replace(
                      tzinfo=datetime.timezone.utc), reverse=True)
    if live:
        return live[0], live[1:]
    return (candidates[-1] if candidates else None), []


def _power_drift(row):
    if row.task_state or not row.ec2 or not row.ec2.alive:
        return None
    if row.status in _MUST_BE_GONE:
        return Drift(DRIFT_POWER, _states_differ(row))
    expected = _EXPECTED.get(row.status)
    if expected is None or row.ec2.state in ('pending', 'stopping'):
        return None       # no settled expectation, or EC2 in transition
    if row.ec2.state not in expected:
        return Drift(DRIFT_POWER, _states_differ(row))
    return None


def _states_differ(row):
    return Message(_('Nova says %(nova)s, EC2 says %(ec2)s'),
                   nova=row.status, ec2=row.ec2.state)


def host_id(project_id, host):
    """The ``hostId`` Nova shows a project for a host: sha224 of the
    project ID and the host name (``nova.utils.generate_hostid``)."""
    if not host:
        return ''
    return hashlib.sha224((project_id + host).encode('utf-8')).hexdigest()


def join(servers, ec2_instances, region, prices, now, burst_hosts=None,
         projects=None, ec2_read=True, ec2_host_ids=(), all_servers=True):
    """Rows for every Nova server and every live EC2 instance unknown to
    Nova.

    :param servers: Nova server dicts (the API's JSON)
    :param ec2_instances: describe_instances items tagged as managed by
        this cloud (any state)
    :param region: the EC2 region they were described in
    :param prices: instance type -> hourly USD (or None)
    :param burst_hosts: the Nova hosts that are EC2 regions, when the
        caller may see hosts (admins); None for project users. A server
        without a known host is on EC2 when an EC2 instance of this cloud
        (live, or terminated and still listed) carries its UUID in the tag
        the driver set at launch, or when its ``hostId`` is one of
        ``ec2_host_ids``. Server metadata is never read for it: project
        members can write it
    :param projects: project id -> name
    :param ec2_host_ids: the ``hostId`` Nova shows the project for each EC2
        host (see :func:`host_id`), for users who see no hosts
    :param ec2_read: False when EC2 could not be read: ``ec2_instances``
        is then empty for want of an answer, not because the instances
        are gone, so nothing is flagged for what EC2 did not say
    :param all_servers: False when ``servers`` are only some of Nova's
        (the newest): an EC2 instance of none of them is then left out,
        not called an orphan
    """
    projects = projects or {}
    by_uuid = {}
    untagged = []
    for raw in ec2_instances:
        inst = ec2_instance(raw, prices, now)
        uuid = inst.tags.get(TAG_INSTANCE)
        if uuid:
            by_uuid.setdefault(uuid, []).append(inst)
        elif inst.alive:
            untagged.append(inst)

    rows = []
    for server in servers:
        row = _server_row(server, projects)
        found, extras = _pick(by_uuid.pop(row.id, []))
        if burst_hosts is not None and row.host:
            on_ec2 = row.host in burst_hosts
        elif burst_hosts is not None:
            # Not placed (a failed launch, which Nova leaves without a
            # host): on EC2 only if a live EC2 instance carries its ID.
            on_ec2 = bool(found and found.alive)
        else:
            # Project users see no hosts, but Nova shows them hostId, a
            # hash of their project and the host that they cannot write.
            on_ec2 = bool(found and found.alive) or \
                server.get('hostId') in ec2_host_ids
        if on_ec2:
            row.where, row.region, row.ec2 = WHERE_EC2, region, found
            if ec2_read and row.status in _NEEDS_EC2 and \
                    not (found and found.alive):
                row.drift.append(Drift(DRIFT_GONE, (
                    Message(_('its EC2 instance %(id)s is %(state)s'),
                            id=found.instance_id, state=found.state)
                    if found else
                    Message(_('no EC2 instance carries its ID')))))
            power = _power_drift(row)
            if power:
                row.drift.append(power)
        elif found and found.alive:
            row.ec2 = found
            row.drift.append(Drift(DRIFT_STRAY, Message(
                _('EC2 instance %(id)s carries its ID but Nova runs it on '
                  '%(host)s'), id=found.instance_id, host=row.host)
                if row.host else Message(
                _('EC2 instance %(id)s carries its ID but Nova runs it on '
                  'a local host'), id=found.instance_id)))
        for extra in extras:
            row.drift.append(Drift(DRIFT_DUPLICATE, Message(
                _('EC2 instance %(id)s also carries its ID'),
                id=extra.instance_id)))
            rows.append(_orphan(extra, region, projects, duplicate_of=row))
        rows.append(row)

    if not all_servers:
        return rows
    for instances in by_uuid.values():
        untagged.extend(i for i in instances if i.alive)
    rows.extend(_orphan(inst, region, projects) for inst in untagged)
    return rows


def _orphan(inst, region, projects, duplicate_of=None):
    project = inst.tags.get(TAG_PROJECT)
    if duplicate_of is not None:
        why = Message(_('another EC2 instance of Nova instance %(id)s'),
                      id=duplicate_of.id)
    elif inst.tags.get(TAG_INSTANCE):
        why = Message(_('Nova has no instance %(id)s'),
                      id=inst.tags[TAG_INSTANCE])
    else:
        why = Message(_('it carries no Nova instance ID'))
    return Row(
        id=inst.instance_id,
        name=inst.tags.get('Name') or inst.tags.get(TAG_INSTANCE_NAME) or
        inst.instance_id,
        project_id=project, project_name=projects.get(project),
        where=WHERE_ORPHAN, host=None, region=region, status=None,
        power_state=None, task_state=None, flavor=None, vcpus=0,
        memory_mb=0, disk_gb=0, placement=None, created=inst.launch_time,
        ec2=inst, drift=[Drift(DRIFT_ORPHAN, why)])


# ---------------------------------------------------------------- policy
def mark_repatriation(rows, private, burst_policy):
    """Flag the burst instances that could come back under the exit
    threshold together (:func:`burst_core.policy.repatriation_candidates`),
    the most expensive first. Only running EC2 instances of Nova instances
    whose flavor may run locally are considered."""
    eligible = [r for r in rows if r.where == WHERE_EC2 and
                r.status == 'ACTIVE' and r.ec2 and r.ec2.alive and
                not r.drift and r.placement in ('auto', 'private')]
    eligible.sort(key=lambda r: (-(r.hourly_price() or 0.0), r.name, r.id))
    chosen = policy.repatriation_candidates(private, [
        (r.id, policy.Request(vcpus=r.vcpus, memory_mb=r.memory_mb,
                              disk_gb=r.disk_gb, placement=r.placement,
                              hourly_price=r.hourly_price()))
        for r in eligible], burst_policy)
    for r in rows:
        r.repatriate = r.id in chosen
    return len(chosen)


# ---------------------------------------------------------------- views
def counts(rows):
    """How many rows each ``show`` filter would list."""
    result = dict.fromkeys(SHOW, 0)
    for r in rows:
        result['all'] += 1
        result['local' if r.where == WHERE_LOCAL else 'ec2'] += 1
        result['drift'] += bool(r.drift)
        result['repatriate'] += r.repatriate
    return result


def mark_stacks(rows, stacks):
    """Set each row's stack from ``stacks`` ({server ID: a Stack with id,
    name and project_id}, as Heat records them). A stack of another
    project than the server's is ignored: a stack can only make servers in
    its own project."""
    for row in rows:
        stack = stacks.get(row.id) if not row.is_orphan else None
        if stack is not None and stack.project_id == row.project_id:
            row.stack, row.stack_id = stack.name, stack.id


def _matches(value, *candidates):
    """``value`` is empty, the ID (candidates[0]) or part of the name
    (candidates[1]), case-insensitive."""
    value = (value or '').strip().lower()
    return not value or value == (candidates[0] or '').lower() or \
        value in (candidates[1] or '').lower()


def select(rows, show='all', project=None, name=None, stack=None):
    """The rows one ``show`` filter (all, local, ec2 -- orphans included
    --, drift, repatriate) lists, narrowed by project, by name and by
    stack (each the ID or part of the name, case-insensitive)."""
    if show not in SHOW:
        raise ValueError('show must be one of %s' % ', '.join(SHOW))
    keep = {
        'all': lambda r: True,
        'local': lambda r: r.where == WHERE_LOCAL,
        'ec2': lambda r: r.where != WHERE_LOCAL,
        'drift': lambda r: bool(r.drift),
        'repatriate': lambda r: r.repatriate,
    }[show]
    return [r for r in rows if keep(r) and
            _matches(project, r.project_id, r.project_name) and
            _matches(name, r.id, r.name) and
            (not stack or r.stack_id and _matches(stack, r.stack_id,
                                                  r.stack))]


_EPOCH = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


def name_order(name, uid):
    """Where an instance of that name and ID comes in a list sorted by
    name: by name regardless of case, then by ID; not the database's
    collation, which differs from one cloud to the next."""
    return ((name or '').lower(), uid or '')


_SORT = {
    'name': lambda r: name_order(r.name, r.id),
    'project': lambda r: ((r.project_name or r.project_id or '').lower(),
                          (r.name or '').lower(), r.id or ''),
    'where': lambda r: (r.where, r.host or r.region or '', r.id or ''),
    'status': lambda r: (r.status or '', r.id or ''),
    'created': lambda r: (r.created or _EPOCH, r.id or ''),
    'type': lambda r: ((r.ec2.instance_type if r.ec2 else '') or '',
                       r.id or ''),
    'price': lambda r: (r.hourly_price() or 0.0, r.id or ''),
    'cost': lambda r: (r.cost_so_far() or 0.0, r.id or ''),
    'stack': lambda r: ((r.stack or '').lower(), (r.name or '').lower(),
                        r.id or ''),
}


# The sort keys by which, most first, every instance without an EC2
# instance comes last: it has no price and no cost (0). A local server
# with a stray EC2 instance has that instance's.
EC2_FIRST = ('price', 'cost')


def leads(rows, key, count):
    """Whether ``count`` of ``rows`` have a positive ``key`` (one of
    :data:`EC2_FIRST`): then, sorted by it most first, the first
    ``count`` of any list that holds ``rows`` and, besides them, only
    instances whose ``key`` is not positive (those without an EC2
    instance among them) are the first ``count`` of ``rows``."""
    if key not in EC2_FIRST:
        raise ValueError('leads by one of %s' % ', '.join(EC2_FIRST))
    return sum(1 for r in rows if _SORT[key](r)[0] > 0) >= count


def order(rows, key='created', descending=True):
    if key not in _SORT:
        raise ValueError('sort must be one of %s' % ', '.join(SORT_KEYS))
    return sorted(rows, key=_SORT[key], reverse=descending)


def first_servers(servers, count, descending=True, key='created'):
    """The first ``count`` of Nova's ``servers`` (the API's JSON) in the
    order of a list of their rows by ``key``, 'created' or 'status'
    (:func:`order`): for a page read from Nova alone, before the rows are
    joined."""
    def sort_key(server):
        return _SORT[key](_Listed(parse_time(server.get('created')),
                                  server.get('id'), server.get('status')))
    return sorted(servers, key=sort_key, reverse=descending)[:count]


@dataclasses.dataclass
class _Listed:
    """What :data:`_SORT` reads of a row by creation or by status."""
    created: datetime.datetime
    id: str
    status: str


def page(rows, size, marker=None, prev_marker=None):
    """Horizon-style marker paging over sorted rows: the page after
    ``marker`` (or before ``prev_marker``). Returns (rows, has_prev,
    has_more). An unknown marker (a row that went away) starts over."""
    index = {r.id: i for i, r in enumerate(rows)}
    if prev_marker and prev_marker in index:
        end = index[prev_marker]
        start = max(0, end - size)
    else:
        start = index[marker] + 1 if marker in index else 0
        end = start + size
    return rows[start:end], start > 0, end < len(rows)
