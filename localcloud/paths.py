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
PORTS = {
    'postgres': 15432,
    'rabbitmq': 35672,
    'rabbitmq-dist': 35673,
    'epmd': 34369,
    'keystone': 15000,
    'glance': 19292,
    'placement': 18778,
    'nova-api': 18774,
    'neutron': 19696,
    'moto': 15055,
    'horizon': 18080,
}
REGION = 'RegionOne'
EC2_REGION = 'us-east-1'


def url(service, suffix=''):
    return 'http://%s:%d%s' % (HOST, PORTS[service], suffix)


KEYSTONE_URL = url('keystone', '/v3')
HORIZON_URL = url('horizon', '/')
EC2_URL = url('moto')


def ensure_dirs():
    for d in (ROOT, ETC, LOG, RUN, DATA):
        os.makedirs(d, exist_ok=True)
    os.chmod(ROOT, 0o755)


def secrets_():
    """Passwords of this cloud: made once, kept in the state directory."""
    ensure_dirs()
    path = os.path.join(ROOT, 'secrets.json')
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    values = {k: secrets.token_urlsafe(18) for k in (
        'admin', 'demo', 'service', 'database', 'horizon_secret_key')}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as f:
        json.dump(values, f)
    return values


def db_url(name):
    s = secrets_()
    return 'postgresql+psycopg2://openstack:%s@%s:%d/%s' % (
        s['database'], HOST, PORTS['postgres'], name)
