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

"""Starting and stopping the cloud's processes, by PID, and waiting on them
(process handling on psutil)."""
import os
import signal
import subprocess
import sys
import time

import psutil

from localcloud import paths


class ServiceError(Exception):
    """A service did not come up: names it and carries its log tail."""

    def __init__(self, name, reason):
        self.name = name
        self.reason = reason
        super().__init__('%s: %s' % (name, reason))


def log_path(name):
    return os.path.join(paths.LOG, name + '.log')


def log_tail(name, lines=30):
    try:
        with open(log_path(name), 'rb') as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode('utf-8', 'replace')
    except OSError:
        return '(no log)'
    return '\n'.join(text.splitlines()[-lines:])


def _pidfile(name):
    return os.path.join(paths.RUN, name + '.pid')


def _start_time(proc):
    """Seconds from the machine's boot to ``proc``'s start: tells a reused
    PID apart. Counted from the boot, not the epoch, because psutil's epoch
    times follow the clock (NTP, a VM's clock catching up) and a process
    would then look like another one and be started twice."""
    return proc.create_time() - psutil.boot_time()


def pid_of(name):
    """PID of a process this tool started and that still runs, else None."""
    try:
        with open(_pidfile(name)) as f:
            pid, started = f.read().split()
        pid, started = int(pid), float(started)
    except (OSError, ValueError):
        return None
    try:
        proc = psutil.Process(pid)
        if abs(_start_time(proc) - started) > 0.5 or \
                proc.status() == psutil.STATUS_ZOMBIE:
            return None
    except psutil.Error:
        return None
    return pid


def started_names():
    try:
        return sorted(f[:-4] for f in os.listdir(paths.RUN)
                      if f.endswith('.pid'))
    except OSError:
        return []


def start(name, cmd, env=None, user=None, cwd=None):
    """Start a detached process in its own session, log to log/<name>.log."""
    paths.ensure_dirs()
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env['PYTHONUNBUFFERED'] = '1'
    with open(log_path(name), 'ab') as log:
        log.write(('\n==== %s starting: %s\n' % (
            time.strftime('%Y-%m-%d %H:%M:%S'), ' '.join(cmd))).encode())
        log.flush()
        kwargs = {}
        if user:
            kwargs.update(user=user, group=user, extra_groups=[])
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=full_env,
                                cwd=cwd or paths.ROOT,
                                start_new_session=True, **kwargs)
    with open(_pidfile(name), 'w') as f:
        # Not yet reaped, so readable even if it has exited already.
        started = _start_time(psutil.Process(proc.pid))
        f.write('%d %.2f\n' % (proc.pid, started))
    return proc.pid


def stop(name, sig=signal.SIGTERM, timeout=20):
    """Stop a process this tool started and its whole session, by its PID."""
    pid = pid_of(name)
    if pid is not None:
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _session_members(pid):
            _reap(pid)
            time.sleep(0.2)
        for member in _session_members(pid):
            try:
                member.kill()
            except psutil.Error:
                pass
        _reap(pid)
    try:
        os.unlink(_pidfile(name))
    except OSError:
        pass
    return pid


def _session_members(sid):
    """Live (non-zombie) processes of session ``sid``."""
    members = []
    for proc in psutil.process_iter(['status']):
        try:
            if proc.info['status'] != psutil.STATUS_ZOMBIE and \
                    os.getsid(proc.pid) == sid:
                members.append(proc)
        except (OSError, psutil.Error):
            continue
    return members


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def wait_for(name, check, timeout, interval=0.5):
    """Poll check() until it returns true; fail naming the service."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if name in started_names() and pid_of(name) is None:
            raise ServiceError(name, 'process exited')
        try:
            if check():
                return
        except Exception as e:  # a probe failing is the normal case here
            last = e
        time.sleep(interval)
    raise ServiceError(name, 'not ready after %ds%s' % (
        timeout, ' (last error: %s)' % last if last else ''))


def run(cmd, name, env=None, user=None, timeout=600):
    """Run a set-up command to completion; its output goes to name's log."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    kwargs = {}
    if user:
        kwargs.update(user=user, group=user, extra_groups=[])
    with open(log_path(name), 'ab') as log:
        log.write(('\n==== %s\n' % ' '.join(cmd)).encode())
        log.flush()
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=full_env,
                             cwd=paths.ROOT, timeout=timeout, **kwargs)
    if rc != 0:
        raise ServiceError(name, '%s exited %d' % (' '.join(cmd[:3]), rc))


def venv_bin(tool):
    return os.path.join(os.path.dirname(sys.executable), tool)


def session_pss_mib(pid):
    """Proportional memory (PSS, MiB) of every process in pid's session."""
    total = 0
    for member in _session_members(pid):
        try:
            total += member.memory_full_info().pss
        except psutil.Error:
            continue
    return total / float(1 << 20)
