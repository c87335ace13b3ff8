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

"""The local cloud tool's process handling: start and stop by PID, a reused
PID is never taken for ours, a failed service is named with its log tail."""
import os
import re
import subprocess
import sys
import time

import pytest

from localcloud import alarm
from localcloud import cli
from localcloud import infra
from localcloud import paths
from localcloud import procs
from localcloud import services


@pytest.fixture
def state(tmp_path, monkeypatch):
    for name in ('ROOT', 'ETC', 'LOG', 'RUN', 'DATA'):
        d = tmp_path / name.lower()
        d.mkdir()
        monkeypatch.setattr(paths, name, str(d))
    return tmp_path


def test_start_and_stop_by_pid(state):
    pid = procs.start('sleeper', ['sleep', '60'])
    assert procs.pid_of('sleeper') == pid
    assert procs.started_names() == ['sleeper']
    assert procs.stop('sleeper') == pid
    assert procs.pid_of('sleeper') is None
    assert not os.path.exists(os.path.join(paths.RUN, 'sleeper.pid'))


def test_stop_kills_the_whole_session(state):
    pid = procs.start('parent', ['sh', '-c', 'sleep 60 & sleep 60 & wait'])
    time.sleep(0.3)
    assert len(_alive_in_session(pid)) == 3
    procs.stop('parent')
    assert _alive_in_session(pid) == []


def _alive_in_session(sid):
    """Processes of a session per ps, zombies (already dead) left out."""
    out = subprocess.run(['ps', '-o', 'pid=,stat=', '-s', str(sid)],
                         capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines()
            if not line.split()[1].startswith('Z')]


def test_reused_pid_is_not_ours(state):
    import psutil
    pid = os.getpid()
    with open(os.path.join(paths.RUN, 'other.pid'), 'w') as f:
        # our PID, but started a minute later than this process
        later = procs._start_time(psutil.Process(pid)) + 60
        f.write('%d %.2f\n' % (pid, later))
    assert procs.pid_of('other') is None
    procs.stop('other')  # must not signal this test process
    assert os.path.exists('/proc/%d' % pid)


def test_a_clock_step_leaves_our_processes_ours(state, monkeypatch):
    """psutil's start times follow the wall clock: once NTP (or a VM's
    clock) moves the boot time, a running service must still be found, or
    ``up`` starts it twice and ``down`` leaves it running."""
    import psutil
    pid = procs.start('sleeper', ['sleep', '60'])
    booted, started = psutil.boot_time(), psutil.Process(pid).create_time()
    monkeypatch.setattr(psutil._psplatform, 'boot_time',
                        lambda: booted + 3)
    assert psutil.Process(pid).create_time() == pytest.approx(started + 3)
    assert procs.pid_of('sleeper') == pid
    assert procs.stop('sleeper') == pid


def test_down_only_stops_what_was_recorded(state):
    a = procs.start('a', ['sleep', '60'])
    b = procs.start('b', ['sleep', '60'])
    services.down(only={'a'})
    assert procs.pid_of('a') is None
    assert procs.pid_of('b') == b != a
    services.down()
    assert procs.pid_of('b') is None


def test_wait_for_names_a_service_that_exited(state):
    procs.start('crasher', [sys.executable, '-c',
                            'print("boom: bad config"); raise SystemExit(3)'])
    with pytest.raises(procs.ServiceError) as e:
        procs.wait_for('crasher', lambda: False, timeout=10)
    assert e.value.name == 'crasher'
    assert 'exited' in e.value.reason
    assert 'boom: bad config' in procs.log_tail('crasher')


def test_up_failure_names_service_and_prints_log(state, monkeypatch, capsys):
    with open(procs.log_path('glance'), 'w') as f:
        f.write('line 1\nCRITICAL glance: cannot open database\n')

    def failing_up():
        raise procs.ServiceError('glance', 'not ready after 120s')
    monkeypatch.setattr(services, 'up', failing_up)
    with pytest.raises(SystemExit) as e:
        cli.main(['up'])
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert 'glance did not come up: not ready after 120s' in err
    assert 'CRITICAL glance: cannot open database' in err


def test_secrets_made_once_and_private(state):
    first = paths.secrets_()
    # Safe as a command-line argument and in a URL: never an option.
    assert all(re.fullmatch('[0-9a-f]{36}', v) for v in first.values())
    assert paths.secrets_() == first
    mode = os.stat(os.path.join(paths.ROOT, 'secrets.json')).st_mode
    assert mode & 0o077 == 0


def test_ports_outside_the_ephemeral_range():
    # A port in Linux's ephemeral range (32768-60999) can be taken by any
    # outgoing connection just before the service binds it (seen with
    # RabbitMQ: EADDRINUSE because its own epmd client used the port).
    from localcloud import paths
    assert all(port < 32768 for port in paths.PORTS.values()), paths.PORTS
    assert len(set(paths.PORTS.values())) == len(paths.PORTS)


def test_memcached_is_the_clouds_own(state, monkeypatch):
    """Horizon's cache: Debian's memcached started by the tool on the
    cloud's own loopback port (never the system one on 11211), TCP only,
    stopped with the rest and listed by status."""
    started = {}
    monkeypatch.setattr(procs, 'pid_of', lambda name: None)
    monkeypatch.setattr(procs, 'start',
                        lambda name, cmd, **kw: started.update({name: cmd}))
    with monkeypatch.context() as m:
        m.setattr(os.path, 'exists', lambda p: True)
        infra.start_memcached()
    cmd = started['memcached']
    assert cmd[cmd.index('-l') + 1] == '127.0.0.1'
    assert cmd[cmd.index('-p') + 1] == str(paths.PORTS['memcached']) != \
        '11211'
    assert cmd[cmd.index('-U') + 1] == '0'
    assert 'memcached' in services.START_ORDER
    assert services.START_ORDER.index('memcached') < \
        services.START_ORDER.index('keystone')
    from localcloud import config
    local = os.path.join(config.horizon(paths.secrets_()), 'local',
                         'local_settings.py')
    text = open(local).read()
    assert 'PyMemcacheCache' in text and paths.MEMCACHED in text
    assert 'FileBasedCache' not in text


# ---------------------------------------------------------------- alarm
@pytest.mark.parametrize('load,members,expected', [
    (100, 1, alarm.SCALE_OUT),    # 200 % of one member
    (80, 2, None),                # 80 %: not above the high threshold
    (81, 2, alarm.SCALE_OUT),
    (20, 2, alarm.SCALE_IN),      # 20 %
    (10, 1, None),                # never below one member
    (0, 0, None),
    (5, 0, alarm.SCALE_OUT),
])
def test_alarm_follows_the_thresholds(load, members, expected):
    assert alarm.alarm_for(load, members, per_member=50, high=80,
                           low=30) == expected


def test_scale_in_releases_ec2_members_first_newest_first():
    members = [alarm.Member(name, 's-' + name, '2026-11-28T%s:00Z' % when,
                            'CREATE_COMPLETE', zone)
               for name, when, zone in [('a', '10:00', 'nova'),
                                        ('b', '10:01', 'aws'),
                                        ('c', '10:02', 'aws'),
                                        ('d', '09:00', 'nova')]]
    assert [x.name for x in alarm.release_order(members, ('aws',))] == \
        ['c', 'b', 'd', 'a']
    # Without EC2 members, Heat's own order: the oldest first.
    assert [x.name for x in alarm.release_order(members, ('elsewhere',))] \
        == ['d', 'a', 'b', 'c']


class _FakeHeat:
    """Heat's API as localcloud.alarm reads it, on a fake clock: a signal
    resizes the group's nested stack from ``starts`` to ``ends`` seconds
    after it (``None``: Heat takes no action), and the SIGNAL event is
    recorded only then, as Heat's engine does."""

    def __init__(self, starts=None, ends=None):
        self.now, self.signalled = 0.0, None
        self.starts, self.ends = starts, ends
        self.orchestration = self

    def _since(self):
        return None if self.signalled is None else self.now - self.signalled

    def find_stack(self, ref, ignore_missing=True):
        return type('S', (), {'name': 'n-' + ref, 'id': ref})

    def post(self, url, json=None):
        assert url.endswith('/resources/scale_out/signal')
        self.signalled = self.now

    def get(self, url, params=None):
        since, body = self._since(), None
        done = (self.ends is not None and since is not None and
                since >= self.ends)
        if url.endswith('/events'):
            body = {'events': [{}] if done else []}
        elif url.endswith('/resources/group'):
            body = {'resource': {'physical_resource_id': 'nested',
                                 'resource_status': 'CREATE_COMPLETE'}}
        elif url == '/stacks/n-nested/nested':
            moving = (self.starts is not None and since is not None and
                      since >= self.starts)
            body = {'stack': {
                'stack_status': 'UPDATE_COMPLETE' if done else
                'UPDATE_IN_PROGRESS' if moving else 'CREATE_COMPLETE',
                'updated_time': 'later' if moving else None}}
        assert body is not None, url
        return type('R', (), {'json': lambda self: body})()

    def sleep(self, seconds):
        self.now += seconds


@pytest.mark.parametrize('starts,ends,resized', [
    (3, 40, True),      # a member slower to build than ``idle``
    (0, 2, True),
    (None, None, False),  # Heat took no action
])
def test_signal_waits_while_heat_resizes_the_group(
        monkeypatch, starts, ends, resized):
    heat = _FakeHeat(starts, ends)
    monkeypatch.setattr(alarm.time, 'monotonic', lambda: heat.now)
    monkeypatch.setattr(alarm.time, 'sleep', heat.sleep)
    assert alarm.scale_out(heat, 'st', idle=15, wait=300) is resized
    assert heat.now < (ends + 2 if resized else 17)


def test_sdk_exceptions_own_undoes_horizons_stubs_inside_only():
    """Horizon's test data stubs openstacksdk's SDKException for the whole
    process; the tests against the local cloud get openstacksdk's own back
    (a server gone to ERROR says so), the unit tests keep the stubs."""
    from openstack import exceptions
    from openstack_dashboard.test.test_data import exceptions as stubs

    from tests import helpers
    stubs.create_stubbed_exception(exceptions.SDKException)
    stubbed = exceptions.SDKException.__init__
    with pytest.raises(AttributeError):
        exceptions.ResourceFailure('went to ERROR')
    with helpers.sdk_exceptions_own():
        failure = exceptions.ResourceFailure('went to ERROR')
        assert str(failure) == 'went to ERROR'
    assert exceptions.SDKException.__init__ is stubbed
