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

"""What the other parts of the cloud tool share: logging, set-up markers,
probes and the environment of the OpenStack services."""
import os
import socket

import requests

from localcloud import config
from localcloud import paths

HTTP_SERVICES = {  # name: (gunicorn app, config env var, config dir)
    'keystone': ('keystone', 'OS_KEYSTONE_CONFIG_DIR', 'keystone'),
    'glance': ('glance', 'OS_GLANCE_CONFIG_DIR', 'glance'),
    'placement': ('placement', 'OS_PLACEMENT_CONFIG_DIR', 'placement'),
    'neutron': ('neutron', 'OS_NEUTRON_CONFIG_DIR', 'neutron'),
    'nova-api': ('nova_api', 'OS_NOVA_CONFIG_DIR', 'nova'),
    'heat-api': ('heat_api', 'OS_HEAT_CONFIG_DIR', 'heat'),
}


def log(msg):
    print('[localcloud] %s' % msg, flush=True)


def marker(name):
    return os.path.join(paths.DATA, '.done-' + name)


def done(name):
    return os.path.exists(marker(name))


def mark(name):
    open(marker(name), 'w').close()


def port_open(port):
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((paths.HOST, port)) == 0


def http_ok(url, codes=(200, 300)):
    return requests.get(url, timeout=3).status_code in codes


def service_env():
    env = {'PYTHONPATH': os.pathsep.join(
        [paths.REPO, os.path.join(paths.ROOT, 'horizon')])}
    for _, var, d in HTTP_SERVICES.values():
        env[var] = config.etc(d)
    return env
