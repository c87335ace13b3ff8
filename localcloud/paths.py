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

"""Where the local cloud keeps its state, and the fixed loopback ports."""
import json
import os
import secrets

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.abspath(os.environ.get('BURST_CLOUD_DIR') or
                       os.path.join(REPO, '.cloud'))
ETC = os.path.join(ROOT, 'etc')
LOG = os.path.join(ROOT, 'log')
RUN = os.path.join(ROOT, 'run')
DATA = os.path.join(ROOT, 'data')
CLOUDS_YAML = os.path.join(ROOT, 'clouds.yaml')

HOST = '127.0.0.1'
# All below 32768, outside Linux's ephemeral range (32768-60999), so an
# outgoing connection can never be holding one of them when a service binds.
PORTS = {
    'postgres': 15432,
    'rabbitmq': 15672,
    'rabbitmq-dist': 15673,
    'epmd': 14369,
    'keystone': 15000,
    'glance': 19292,
    'placement': 18778,
    'nova-api': 18774,
    'neutron': 19696,
    'moto': 15055,
    'ec2-proxy': 15056,
    'memcached': 15211,
    'horizon': 18080,
    'heat-api': 18004,
}
REGION = 'RegionOne'
EC2_REGION = 'us-east-1'


def url(service, suffix=''):
    return 'http://%s:%d%s' % (HOST, PORTS[service], suffix)


KEYSTONE_URL = url('keystone', '/v3')
HORIZON_URL = url('horizon', '/')
EC2_URL = url('moto')
EC2_PROXY_URL = url('ec2-proxy')
MEMCACHED = '%s:%d' % (HOST, PORTS['memcached'])
EC2_HOST = 'ec2-' + EC2_REGION
# The burst aggregate's availability zone: the region, as members see it.
EC2_ZONE = 'aws-' + EC2_REGION
EC2_MANAGED_BY = 'burst-localcloud'


def ensure_dirs():
    for d in (ROOT, ETC, LOG, RUN, DATA):
        os.makedirs(d, exist_ok=True)
    os.chmod(ROOT, 0o755)


def secrets_():
    """Passwords of this cloud: made once, kept in the state directory."""
    ensure_dirs()
    path = os.path.join(ROOT, 'secrets.json')
    values = {}
    if os.path.exists(path):
        with open(path) as f:
            values = json.load(f)
    missing = [k for k in _SECRET_NAMES if k not in values]
    if missing:
        # Hex: a urlsafe token may start with '-', which keystone-manage
        # (and any other command line) reads as an option.
        values.update({k: secrets.token_hex(18) for k in missing})
        tmp = path + '.new'
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            json.dump(values, f)
        os.replace(tmp, path)
    return values


_SECRET_NAMES = ('admin', 'demo', 'service', 'database', 'horizon_secret_key',
                 'ec2_secret_key', 'heat_domain_admin', 'heat_auth_key')
EC2_ACCESS_KEY = 'localcloud-access-key'


def db_url(name):
    s = secrets_()
    return 'postgresql+psycopg2://openstack:%s@%s:%d/%s' % (
        s['database'], HOST, PORTS['postgres'], name)
