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

"""Horizon with this plugin and heat-dashboard: enabled files, static
files collected and compressed once, the gunicorn service."""
import glob
import importlib.metadata
import importlib.util
import os

from localcloud import base
from localcloud import config
from localcloud import paths
from localcloud import procs

HORIZON_SETTINGS = 'openstack_dashboard.settings'


# ---------------------------------------------------------------- horizon
def _enable_plugin():
    """Install the plugin's enabled files the way Horizon documents it."""
    # Found without importing them: importing Horizon here is slow and noisy.
    dst = _package_dir('openstack_dashboard.local.enabled')
    for src in [f for pkg in ('burst_dashboard.enabled',
                              'heat_dashboard.enabled')
                for f in glob.glob(os.path.join(_package_dir(pkg),
                                                '_[0-9]*.py'))]:
        target = os.path.join(dst, os.path.basename(src))
        if os.path.realpath(target) != os.path.realpath(src):
            if os.path.lexists(target):
                os.unlink(target)
            os.symlink(src, target)


def _package_dir(name):
    return os.path.dirname(importlib.util.find_spec(name).origin)


def _static_stamp():
    sources = [os.path.join(paths.REPO, 'burst_dashboard', d)
               for d in ('static', 'templates', 'enabled')]
    latest = max([os.path.getmtime(os.path.join(d, f))
                  for src in sources for d, _, fs in os.walk(src)
                  for f in fs] or [0])
    return '%s-%s-%d' % (importlib.metadata.version('horizon'),
                         importlib.metadata.version('heat-dashboard'),
                         latest)


def prepare_horizon(s):
    config.horizon(s)
    _enable_plugin()
    stamp = os.path.join(paths.ROOT, 'horizon', '.static-stamp')
    want = _static_stamp()
    if os.path.exists(stamp) and open(stamp).read() == want:
        return
    base.log('collecting and compressing Horizon static files (once)')
    env = dict(base.service_env(), DJANGO_SETTINGS_MODULE=HORIZON_SETTINGS)
    da = procs.venv_bin('django-admin')
    procs.run([da, 'collectstatic', '--noinput', '--clear', '-v0'],
              'horizon-setup', env=env)
    procs.run([da, 'compress', '--force', '-v0'], 'horizon-setup', env=env)
    with open(stamp, 'w') as f:
        f.write(want)


def start_horizon():
    if procs.pid_of('horizon'):
        return
    procs.start('horizon', [
        procs.venv_bin('gunicorn'), '--no-control-socket', '--workers', '2',
        '--threads', '4', '--timeout', '120', '--graceful-timeout', '5',
        # No keep-alive: a client reusing a connection the server is just
        # closing gets 'Remote end closed connection without response'.
        '--keep-alive', '0',
        '--bind', '%s:%d' % (paths.HOST, paths.PORTS['horizon']),
        'localcloud.wsgi.horizon:application'],
        env=dict(base.service_env(), DJANGO_SETTINGS_MODULE=HORIZON_SETTINGS))


def horizon_ok():
    return base.http_ok(paths.url('horizon', '/auth/login/'), (200,))
