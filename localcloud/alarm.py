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

"""Plays the alarm of a Heat auto-scaling group (heat-templates/autoscaling).

In production an alarm (Aodh, or any monitoring system) watches the
members' load and calls a scaling policy's signal URL when it crosses a
threshold. The local cloud has no telemetry and its fake servers carry no
load, so this module plays that part: it signals the policies through
Heat's API, with the stack owner's own token, either one at a time or
along a scripted load ramp. Everything after the signal is real: Heat
resizes the group, Nova's scheduler places each new member (local, or on
EC2 past the threshold), the EC2 driver launches it in moto.

Which members a scale-in removes: Heat's AutoScalingGroup removes failed
members first, then the oldest (``heat.common.grouputils``); neither the
template nor a ScalingPolicy can choose, and a policy's adjustment counts
only healthy members (so "mark unhealthy, then signal" would remove the
marked member *and* one more). So when members run on EC2, scale-in marks
them unhealthy (Heat's ``mark unhealthy``) and lowers the stack's
``desired_capacity`` by as many with a stack update: Heat's resize then
removes exactly the marked ones -- the burst goes first, nothing local is
touched. Without EC2 members it signals the scale-in policy. Members see
where a server runs from its availability zone (each EC2 region is a zone
of its own), which no member can write.
"""
import dataclasses
import time

from localcloud import paths

SCALE_OUT, SCALE_IN = 'scale_out', 'scale_in'
MEMBER_TYPE = 'OS::Nova::Server'
ZONE = 'OS-EXT-AZ:availability_zone'
_DONE = ('COMPLETE', 'FAILED')


class AlarmError(Exception):
    pass


@dataclasses.dataclass
class Member:
    name: str           # the member's resource name in the group
    server_id: str
    created: str        # Heat's creation time (ISO 8601, sorts as text)
    status: str         # Heat's resource status, e.g. CREATE_COMPLETE
    zone: str = None    # the server's availability zone

    def on(self, zones):
        return self.zone in zones


# ---------------------------------------------------------------- pure
def alarm_for(load, members, per_member, high, low):
    """The alarm a threshold rule would raise: SCALE_OUT when the average
    utilisation (load over what the members can carry, in %) is above
    ``high``, SCALE_IN when it is below ``low`` with more than one member,
    else None."""
    if members <= 0:
        return SCALE_OUT if load > 0 else None
    utilisation = 100.0 * load / (members * per_member)
    if utilisation > high:
        return SCALE_OUT
    if utilisation < low and members > 1:
        return SCALE_IN
    return None


def release_order(members, burst_zones):
    """The members in the order a scale-in should remove them: those on
    EC2 first (newest first), then the local ones oldest first -- the
    order Heat itself follows."""
    burst = sorted((m for m in members if m.on(burst_zones)),
                   key=lambda m: (m.created, m.name), reverse=True)
    local = sorted((m for m in members if not m.on(burst_zones)),
                   key=lambda m: (m.created, m.name))
    return burst + local


# ---------------------------------------------------------------- Heat
def _stack_path(conn, stack):
    """'name/id' of a stack given by name or ID."""
    found = conn.orchestration.find_stack(stack, ignore_missing=False)
    return '%s/%s' % (found.name, found.id)


def _resources(conn, path, **query):
    return conn.orchestration.get(
        '/stacks/%s/resources' % path, params=query).json()['resources']


def _resource(conn, path, name):
    return conn.orchestration.get(
        '/stacks/%s/resources/%s' % (path, name)).json()['resource']


def members(conn, stack, group='group'):
    """The group's members with their servers' availability zones."""
    path = _stack_path(conn, stack)
    nested = _resource(conn, path, group)['physical_resource_id']
    if not nested:
        return []
    nested_path = _stack_path(conn, nested)
    # One server list for the zones, not a read per member.
    zones = {s['id']: s.get(ZONE) for s in conn.compute.get(
        '/servers/detail').json()['servers']}
    return [Member(r['resource_name'], r['physical_resource_id'],
                   r['creation_time'], r['resource_status'],
                   zones.get(r['physical_resource_id']))
            for r in _resources(conn, nested_path, type=MEMBER_TYPE)]


def _signal_events(conn, path, policy):
    return len(conn.orchestration.get(
        '/stacks/%s/events' % path,
        params={'resource_name': policy,
                'resource_action': 'SIGNAL'}).json()['events'])


def _mark(conn, nested_path, member, unhealthy, reason=''):
    conn.orchestration.patch(
        '/stacks/%s/resources/%s' % (nested_path, member),
        json={'mark_unhealthy': unhealthy,
              'resource_status_reason': reason})


def _group_state(conn, path, group):
    """What says Heat is resizing the group: its own status, and its nested
    stack's status and last update. A policy's signal resizes the nested
    stack while the group resource itself stays CREATE_COMPLETE, and Heat
    records the SIGNAL event only once the new members are built."""
    res = _resource(conn, path, group)
    nested = res['physical_resource_id']
    if not nested:
        return res['resource_status'], None, None
    stack = conn.orchestration.get(
        '/stacks/%s' % _stack_path(conn, nested)).json()['stack']
    return (res['resource_status'], stack['stack_status'],
            stack['updated_time'])


def _in_progress(state):
    return any(s and not s.endswith(_DONE) for s in state[:2])


def signal(conn, stack, policy, group='group', wait=300, idle=15,
           details=None):
    """Signal a scaling policy as an alarm would and wait until Heat has
    acted on it. Returns True when the group was resized, False when Heat
    took no action (at its minimum or maximum size, cooling down, or busy),
    seen as no new SIGNAL event within ``idle`` seconds while the group
    and its nested stack were not updating."""
    path = _stack_path(conn, stack)
    before = _signal_events(conn, path, policy)
    start_state = _group_state(conn, path, group)
    conn.orchestration.post(
        '/stacks/%s/resources/%s/signal' % (path, policy),
        json=details or {'current': 'alarm', 'previous': 'ok',
                         'reason': 'localcloud alarm'})
    start = time.monotonic()
    busy = False
    while True:
        if _signal_events(conn, path, policy) > before:
            return True
        state = _group_state(conn, path, group)
        # Once the nested stack has moved, Heat is resizing: the event
        # follows when the members are built, however long that takes.
        busy = busy or _in_progress(state) or state[2] != start_state[2]
        elapsed = time.monotonic() - start
        if elapsed > wait:
            raise AlarmError('%s: no answer from Heat after %ds (group %s)'
                             % (policy, wait, '/'.join(
                                 s for s in state[:2] if s)))
        if not busy and elapsed > idle:
            return False
        time.sleep(1)


def scale_out(conn, stack, policy=SCALE_OUT, group='group', **kw):
    return signal(conn, stack, policy, group, **kw)


def _update_and_wait(conn, path, parameters, wait):
    before = conn.orchestration.get('/stacks/%s' % path).json()['stack']
    conn.orchestration.patch('/stacks/%s' % path, json={
        'existing': True, 'parameters': parameters})
    deadline = time.monotonic() + wait
    while True:
        stack = conn.orchestration.get('/stacks/%s' % path).json()['stack']
        if stack['updated_time'] != before['updated_time'] and \
                stack['stack_status'].endswith(_DONE):
            if stack['stack_status'] != 'UPDATE_COMPLETE':
                raise AlarmError('stack update: %s: %s' % (
                    stack['stack_status'], stack['stack_status_reason']))
            return
        if time.monotonic() > deadline:
            raise AlarmError('stack update: still %s after %ds' % (
                stack['stack_status'], wait))
        time.sleep(1)


def scale_in(conn, stack, policy=SCALE_IN, group='group', count=1,
             burst_zones=(paths.EC2_ZONE,), min_size=1,
             desired='desired_capacity', wait=300, **kw):
    """Remove ``count`` members, those on EC2 first. Returns True when the
    group shrank."""
    path = _stack_path(conn, stack)
    healthy = [m for m in members(conn, stack, group)
               if not m.status.endswith('FAILED')]
    first = [m for m in release_order(healthy, burst_zones)[
        :max(0, min(count, len(healthy) - min_size))]
        if m.on(burst_zones)]
    if not first:
        return signal(conn, stack, policy, group, wait=wait, **kw)
    nested_path = _stack_path(
        conn, _resource(conn, path, group)['physical_resource_id'])
    for m in first:
        _mark(conn, nested_path, m.name, True,
              'released first on scale-in: runs in the public cloud')
    _update_and_wait(conn, path, {desired: len(healthy) - len(first)}, wait)
    return True


# ---------------------------------------------------------------- ramp
def ramp(conn, stack, loads, per_member, high=80.0, low=30.0, group='group',
         burst_zones=(paths.EC2_ZONE,), out=print, **kw):
    """Play a load ramp: for each simulated load, the alarm a threshold
    rule would raise is signalled (one signal per step, as one evaluation
    period of an alarm). Returns one line per step."""
    lines = []
    for step, load in enumerate(loads):
        now = members(conn, stack, group)
        alarm = alarm_for(load, len(now), per_member, high, low)
        if alarm == SCALE_OUT:
            scale_out(conn, stack, group=group, **kw)
        elif alarm == SCALE_IN:
            scale_in(conn, stack, group=group, burst_zones=burst_zones,
                     **kw)
        after = members(conn, stack, group)
        burst = sum(1 for m in after if m.on(burst_zones))
        line = ('step %d: load %g on %d members -> %s; now %d members '
                '(%d local, %d on EC2)' % (
                    step, load, len(now), alarm or 'no alarm', len(after),
                    len(after) - burst, burst))
        out(line)
        lines.append(line)
    return lines
