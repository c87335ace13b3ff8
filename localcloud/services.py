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

"""Bring the local hybrid cloud up, report on it, take it down."""
import concurrent.futures
import glob
import importlib.metadata
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import time

import requests

from burst_core import policy
from localcloud import config
from localcloud import paths
from localcloud import procs
from localcloud.procs import ServiceError

PG_USER = 'postgres'
DATABASES = ('keystone', 'glance', 'placement', 'neutron', 'nova_api',
             'nova_cell0', 'nova_cell1', 'heat')
FLAVORS = [  # name, vCPUs, RAM MiB, disk GiB
    ('m1.tiny', 1, 512, 1),
    ('m1.small', 1, 2048, 20),
    ('m1.medium', 2, 4096, 40),
    ('m1.large', 4, 8192, 80),
    ('m1.xlarge', 8, 16384, 160),
]
# Flavors pinned to EC2 (extra spec burst:placement=public).
EC2_FLAVORS = [('ec2.small', 1, 2048, 20), ('ec2.medium', 2, 4096, 40)]
# Flavors that keep their instances home (burst:placement=private), such as
# the database of heat-templates/multi-tier.yaml.
PRIVATE_FLAVORS = [('private.medium', 2, 4096, 40)]
BURST_AGGREGATE = 'burst-ec2'
DEFAULT_POLICY = policy.BurstPolicy(enabled=True, region=paths.EC2_REGION)
IMAGE_NAME = 'burst-demo-image'
DEMO_NET = 'demo-net'
HORIZON_SETTINGS = 'openstack_dashboard.settings'
HTTP_SERVICES = {  # name: (gunicorn app, config env var, config dir)
    'keystone': ('keystone', 'OS_KEYSTONE_CONFIG_DIR', 'keystone'),
    'glance': ('glance', 'OS_GLANCE_CONFIG_DIR', 'glance'),
    'placement': ('placement', 'OS_PLACEMENT_CONFIG_DIR', 'placement'),
    'neutron': ('neutron', 'OS_NEUTRON_CONFIG_DIR', 'neutron'),
    'nova-api': ('nova_api', 'OS_NOVA_CONFIG_DIR', 'nova'),
    'heat-api': ('heat_api', 'OS_HEAT_CONFIG_DIR', 'heat'),
}
# Order matters for `down`: the reverse of start order.
START_ORDER = ['postgres', 'epmd', 'rabbitmq', 'moto', 'ec2-proxy',
               'memcached', 'keystone', 'glance',
               'placement', 'neutron', 'nova-api', 'nova-conductor',
               'nova-scheduler', 'heat-api', 'heat-engine']


def _log(msg):
    print('[localcloud] %s' % msg, flush=True)


def _marker(name):
    return os.path.join(paths.DATA, '.done-' + name)


def _done(name):
    return os.path.exists(_marker(name))


def _mark(name):
    open(_marker(name), 'w').close()


def _port_open(port):
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((paths.HOST, port)) == 0


def _http_ok(url, codes=(200, 300)):
    return requests.get(url, timeout=3).status_code in codes


def _env():
    env = {'PYTHONPATH': os.pathsep.join(
        [paths.REPO, os.path.join(paths.ROOT, 'horizon')])}
    for _, var, d in HTTP_SERVICES.values():
        env[var] = config.etc(d)
    return env


# ---------------------------------------------------------------- postgres
def _pg_bin(tool):
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/' + tool))
    if not found:
        raise ServiceError('postgres', 'PostgreSQL is not installed '
                           '(apt-get install postgresql)')
    return found[-1]


def _pg_user():
    """Run PostgreSQL as `postgres` when we are root (it refuses root)."""
    return PG_USER if os.geteuid() == 0 else None


def _pg_dir():
    """The data directory; outside ROOT only if `postgres` can't reach it."""
    wanted = os.path.join(paths.DATA, 'postgres')
    if _pg_user() is None or _reachable_by(PG_USER, paths.DATA):
        return wanted
    link = wanted
    if not os.path.islink(link):
        target = '/var/tmp/burst-cloud-pg-%x' % abs(hash(paths.ROOT))
        os.makedirs(target, exist_ok=True)
        os.symlink(target, link)
    return os.path.realpath(link)


def _reachable_by(user, path):
    pw = pwd.getpwnam(user)
    p = os.path.abspath(path)
    while p != '/':
        st = os.stat(p)
        if not (st.st_mode & 0o001 or (st.st_uid == pw.pw_uid and
                                       st.st_mode & 0o100)):
            return False
        p = os.path.dirname(p)
    return True


def _pg_connect(dbname='postgres'):
    import psycopg2
    return psycopg2.connect(host=paths.HOST, port=paths.PORTS['postgres'],
                            user='openstack', dbname=dbname,
                            password=paths.secrets_()['database'],
                            connect_timeout=3)


def start_postgres():
    if procs.pid_of('postgres'):
        return
    data = _pg_dir()
    user = _pg_user()
    if not os.path.exists(os.path.join(data, 'PG_VERSION')):
        _log('initialising PostgreSQL')
        os.makedirs(data, exist_ok=True)
        pwfile = os.path.join(paths.RUN, 'pgpw')
        with open(pwfile, 'w') as f:
            f.write(paths.secrets_()['database'])
        if user:
            uid = pwd.getpwnam(user).pw_uid
            os.chown(data, uid, uid)
            os.chown(pwfile, uid, uid)
            os.chmod(paths.RUN, 0o755)
        try:
            procs.run([_pg_bin('initdb'), '-D', data, '-U', 'openstack',
                       '--pwfile', pwfile, '-A', 'scram-sha-256',
                       '-E', 'UTF8', '--no-instructions'],
                      'postgres', user=user)
        finally:
            os.unlink(pwfile)
    procs.start('postgres', [
        _pg_bin('postgres'), '-D', data,
        '-c', 'listen_addresses=' + paths.HOST,
        '-c', 'port=%d' % paths.PORTS['postgres'],
        '-c', 'unix_socket_directories=',
        '-c', 'max_connections=300', '-c', 'fsync=off',
        '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        user=user)


def setup_databases():
    procs.wait_for('postgres', lambda: _pg_connect().close() or True, 60)
    conn = _pg_connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute('SELECT datname FROM pg_database')
        have = {r[0] for r in cur.fetchall()}
        for db in DATABASES:
            if db not in have:
                cur.execute('CREATE DATABASE %s' % db)
    conn.close()


# ---------------------------------------------------------------- rabbitmq
def start_rabbitmq():
    if procs.pid_of('rabbitmq'):
        return
    base = os.path.join(paths.DATA, 'rabbitmq')
    os.makedirs(base, exist_ok=True)
    server = '/usr/lib/rabbitmq/bin/rabbitmq-server'
    if not os.path.exists(server):
        raise ServiceError('rabbitmq', 'RabbitMQ is not installed '
                           '(apt-get install rabbitmq-server)')
    if not procs.pid_of('epmd'):
        procs.start('epmd', [shutil.which('epmd') or
                             glob.glob('/usr/lib/erlang/erts-*/bin/epmd')[0],
                             '-port', str(paths.PORTS['epmd']),
                             '-address', paths.HOST])
        procs.wait_for('epmd', lambda: _port_open(paths.PORTS['epmd']), 20)
    plugins = os.path.join(base, 'enabled_plugins')
    with open(plugins, 'w') as f:
        f.write('[].\n')
    conf = os.path.join(base, 'rabbitmq.conf')
    with open(conf, 'w') as f:
        f.write('listeners.tcp.default = %s:%d\nloopback_users.guest = true\n'
                % (paths.HOST, paths.PORTS['rabbitmq']))
    env_file = os.path.join(base, 'rabbitmq-env.conf')
    open(env_file, 'w').close()
    procs.start('rabbitmq', [server], env={
        'HOME': base,
        'RABBITMQ_NODENAME': 'burst@localhost',
        'RABBITMQ_NODE_IP_ADDRESS': paths.HOST,
        'RABBITMQ_NODE_PORT': str(paths.PORTS['rabbitmq']),
        'RABBITMQ_DIST_PORT': str(paths.PORTS['rabbitmq-dist']),
        'ERL_EPMD_PORT': str(paths.PORTS['epmd']),
        'ERL_EPMD_ADDRESS': paths.HOST,
        'RABBITMQ_CONF_ENV_FILE': env_file,
        'RABBITMQ_CONFIG_FILE': conf[:-len('.conf')],
        'RABBITMQ_ENABLED_PLUGINS_FILE': plugins,
        'RABBITMQ_MNESIA_BASE': os.path.join(base, 'mnesia'),
        'RABBITMQ_LOG_BASE': os.path.join(paths.LOG, 'rabbitmq'),
        'RABBITMQ_LOGS': '-',
        'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS':
            '-kernel inet_dist_use_interface {127,0,0,1}',
    })


def _amqp_ok():
    import amqp
    c = amqp.Connection('%s:%d' % (paths.HOST, paths.PORTS['rabbitmq']),
                        userid='guest', password='guest', connect_timeout=3)
    c.connect()
    c.close()
    return True


# ---------------------------------------------------------------- moto (EC2)
def start_moto():
    if procs.pid_of('moto'):
        return
    procs.start('moto', [procs.venv_bin('moto_server'), '-H', paths.HOST,
                         '-p', str(paths.PORTS['moto'])])


def _moto_ok():
    # Not /moto-api/data.json: it serialises all of moto's state (a
    # minute at a few hundred instances).
    return _http_ok(paths.EC2_URL + '/moto-api/')


def start_ec2proxy():
    if procs.pid_of('ec2-proxy'):
        return
    procs.start('ec2-proxy', [procs.venv_bin('python'), '-m',
                              'localcloud.ec2proxy',
                              str(paths.PORTS['ec2-proxy']), paths.EC2_URL],
                env=_env())


def _ec2proxy_ok():
    return _http_ok(paths.EC2_PROXY_URL + '/__faults__')


def ec2_faults(proxy_url=None, **fault):
    """Set the EC2 proxy's fault mode (pass, down, error, pending, slow);
    ``proxy_url``: another instance of the proxy than the cloud's."""
    fault.setdefault('mode', 'pass')
    requests.post((proxy_url or paths.EC2_PROXY_URL) + '/__faults__',
                  json=fault, timeout=5).raise_for_status()


# ---------------------------------------------------------------- memcached
def start_memcached():
    """Horizon's cache, as in production: Debian's memcached on loopback,
    on the cloud's own port (not the system one's), TCP only."""
    if procs.pid_of('memcached'):
        return
    binary = shutil.which('memcached') or '/usr/bin/memcached'
    if not os.path.exists(binary):
        raise ServiceError('memcached', 'memcached is not installed '
                           '(apt-get install memcached)')
    cmd = [binary, '-l', paths.HOST, '-p', str(paths.PORTS['memcached']),
           '-U', '0', '-m', '128', '-c', '1024', '-t', '2',
           # The Instances pager keeps a whole list (1,000s of rows) as
           # one item: past memcached's default 1 MiB.
           '-I', '16m']
    if os.geteuid() == 0:   # memcached refuses to run as root
        cmd += ['-u', _existing_user('memcache', 'nobody')]
    procs.start('memcached', cmd)


def _existing_user(*names):
    for name in names:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ServiceError('memcached', 'none of the users %s exists'
                       % ', '.join(names))


def _memcached_ok():
    from pymemcache.client import base
    client = base.Client((paths.HOST, paths.PORTS['memcached']),
                         connect_timeout=2, timeout=2)
    try:
        return bool(client.version())
    finally:
        client.close()


def start_ec2_compute():
    """The EC2 pseudo-hypervisor: Nova's own nova-compute binary with
    compute_driver = burst_ec2.EC2Driver (found through the nova/virt shim
    that `python -m burst_nova.nova_shim` installs, as an operator would)."""
    name = 'nova-compute-' + paths.EC2_HOST
    if procs.pid_of(name):
        return
    procs.run([procs.venv_bin('python'), '-m', 'burst_nova.nova_shim'],
              'nova-setup')
    conf = config.ec2_compute(paths.secrets_())
    os.makedirs(os.path.join(paths.DATA, 'nova', paths.EC2_HOST),
                exist_ok=True)
    procs.start(name, [procs.venv_bin('nova-compute'), '--config-file', conf],
                env=_env())


# ---------------------------------------------------------------- schemas
def sync_keystone(s):
    if _done('keystone'):
        return
    km = procs.venv_bin('keystone-manage')
    cf = ['--config-file', config.etc('keystone', 'keystone.conf')]
    procs.run([km] + cf + ['db_sync'], 'keystone-setup')
    who = pwd.getpwuid(os.geteuid()).pw_name
    for what in ('fernet_setup', 'credential_setup'):
        procs.run([km] + cf + [what, '--keystone-user', who,
                               '--keystone-group', who], 'keystone-setup')
    procs.run([km] + cf + [
        'bootstrap', '--bootstrap-password', s['admin'],
        '--bootstrap-username', 'admin', '--bootstrap-project-name', 'admin',
        '--bootstrap-role-name', 'admin',
        '--bootstrap-service-name', 'keystone',
        '--bootstrap-region-id', paths.REGION,
        '--bootstrap-admin-url', paths.KEYSTONE_URL,
        '--bootstrap-public-url', paths.KEYSTONE_URL,
        '--bootstrap-internal-url', paths.KEYSTONE_URL], 'keystone-setup')
    _mark('keystone')


def sync_glance(s):
    if not _done('glance'):
        procs.run([procs.venv_bin('glance-manage'), '--config-file',
                   config.etc('glance', 'glance-api.conf'), 'db_sync'],
                  'glance-setup')
        _mark('glance')


def sync_placement(s):
    if not _done('placement'):
        procs.run([procs.venv_bin('placement-manage'), '--config-file',
                   config.etc('placement', 'placement.conf'), 'db', 'sync'],
                  'placement-setup')
        _mark('placement')


def sync_heat(s):
    if not _done('heat'):
        procs.run([procs.venv_bin('heat-manage'), '--config-file',
                   config.etc('heat', 'heat.conf'), 'db_sync'], 'heat-setup')
        _mark('heat')


def start_heat_engine():
    if procs.pid_of('heat-engine'):
        return
    procs.start('heat-engine', [procs.venv_bin('heat-engine'),
                                '--config-file',
                                config.etc('heat', 'heat.conf')], env=_env())


def sync_neutron(s):
    """Neutron's migrations run on neither SQLite nor PostgreSQL here:
    create the schema from its models, then stamp the migration heads."""
    if _done('neutron'):
        return
    procs.run([procs.venv_bin('python'), '-c', (
        'import sqlalchemy\n'
        'from neutron.db.migration.models import head\n'
        'e = sqlalchemy.create_engine(%r)\n'
        'head.get_metadata().create_all(e)\n') % paths.db_url('neutron')],
        'neutron-setup')
    procs.run([procs.venv_bin('neutron-db-manage'),
               '--config-file', config.etc('neutron', 'neutron.conf'),
               '--config-file', config.etc('neutron', 'plugins', 'ml2',
                                           'ml2_conf.ini'),
               'stamp', 'heads'], 'neutron-setup')
    _mark('neutron')


def sync_nova(s):
    if _done('nova'):
        return
    nm = [procs.venv_bin('nova-manage'), '--config-file',
          config.etc('nova', 'nova.conf')]
    procs.run(nm + ['api_db', 'sync'], 'nova-setup')
    procs.run(nm + ['cell_v2', 'map_cell0', '--database_connection',
                    paths.db_url('nova_cell0')], 'nova-setup')
    try:
        procs.run(nm + ['cell_v2', 'create_cell', '--name', 'cell1'],
                  'nova-setup')
    except ServiceError:
        pass  # exists already (exit 2) after a half-finished earlier run
    procs.run(nm + ['db', 'sync'], 'nova-setup')
    _mark('nova')


# ---------------------------------------------------------------- keystone
def admin_conn(project='admin'):
    import openstack
    s = paths.secrets_()
    user, pw = ('admin', s['admin']) if project == 'admin' else \
        ('demo', s['demo'])
    return openstack.connect(
        auth_url=paths.KEYSTONE_URL, username=user, password=pw,
        project_name=project, user_domain_name='Default',
        project_domain_name='Default', region_name=paths.REGION,
        identity_api_version='3', api_timeout=30)


def wait_gone(conn, server, wait=120):
    """Wait until Nova answers 404 for ``server``.

    openstacksdk's ``wait_for_delete`` returns as soon as the status reads
    DELETED, which Nova shows before the instance's row is destroyed and
    its Placement allocations released.
    """
    from openstack import exceptions
    from openstack import utils
    for _ in utils.iterate_timeout(
            wait, 'server %s still there after %ss' % (server.id, wait),
            wait=0.5):
        try:
            conn.compute.get_server(server.id)
        except exceptions.NotFoundException:
            return


def setup_identity(s):
    if _done('identity'):
        return
    conn = admin_conn()
    idn = conn.identity

    def find_or(kind, name, **attrs):
        found = getattr(idn, 'find_' + kind)(name)
        return found or getattr(idn, 'create_' + kind)(name=name, **attrs)

    roles = {r: find_or('role', r) for r in ('admin', 'member', 'reader',
                                             'service')}
    service = find_or('project', 'service', domain_id='default')
    demo = find_or('project', 'demo', domain_id='default')
    for name in ('nova', 'glance', 'placement', 'neutron', 'heat'):
        u = find_or('user', name, domain_id='default', password=s['service'])
        for r in ('admin', 'service'):
            idn.assign_project_role_to_user(service, u, roles[r])
    # Heat: the domain of its stack users and their role, and the domain's
    # admin (a ScalingPolicy makes a stack user there).
    find_or('role', 'heat_stack_user')
    heat_domain = idn.find_domain('heat') or idn.create_domain(
        name='heat', description='Stack users of Heat')
    domain_admin = idn.find_user('heat_domain_admin',
                                 domain_id=heat_domain.id) or \
        idn.create_user(name='heat_domain_admin', domain_id=heat_domain.id,
                        password=s['heat_domain_admin'])
    idn.assign_domain_role_to_user(heat_domain, domain_admin,
                                   roles['admin'])
    u = find_or('user', 'demo', domain_id='default', password=s['demo'])
    idn.assign_project_role_to_user(demo, u, roles['member'])
    for name, kind, url in (
            ('nova', 'compute', paths.url('nova-api', '/v2.1')),
            ('glance', 'image', paths.url('glance')),
            ('placement', 'placement', paths.url('placement')),
            ('neutron', 'network', paths.url('neutron')),
            ('heat', 'orchestration',
             paths.url('heat-api', '/v1/%(tenant_id)s'))):
        svc = idn.find_service(name) or idn.create_service(name=name,
                                                           type=kind)
        have = {e.interface for e in idn.endpoints(service_id=svc.id)}
        for iface in ('public', 'internal', 'admin'):
            if iface not in have:
                idn.create_endpoint(service_id=svc.id, interface=iface,
                                    url=url, region_id=paths.REGION)
    _mark('identity')


# ---------------------------------------------------------------- HTTP APIs
def start_api(name):
    if procs.pid_of(name):
        return
    app = HTTP_SERVICES[name][0]
    procs.start(name, [
        # The access log (in the service's log) lets benchmarks count the
        # backend requests a page makes.
        procs.venv_bin('gunicorn'), '--access-logfile', '-',
        '--no-control-socket', '--workers', '1',
        '--threads', '4', '--timeout', '120', '--graceful-timeout', '5',
        # No keep-alive: a client reusing a connection the server is just
        # closing gets 'Remote end closed connection without response'.
        '--keep-alive', '0',
        # Nova asks Neutron for the ports of a whole server list in one
        # GET (up to 150 device_id= each): far past gunicorn's default
        # 4094-byte request line, as uwsgi/Apache in production allow.
        '--limit-request-line', '0',
        '--bind', '%s:%d' % (paths.HOST, paths.PORTS[name]),
        'localcloud.wsgi.%s:application' % app], env=_env())


API_PROBES = {
    'keystone': lambda: _http_ok(paths.KEYSTONE_URL),
    'glance': lambda: _http_ok(paths.url('glance', '/versions')),
    'placement': lambda: _http_ok(paths.url('placement', '/')),
    'neutron': lambda: _http_ok(paths.url('neutron', '/')),
    'nova-api': lambda: _http_ok(paths.url('nova-api', '/')),
    'heat-api': lambda: _http_ok(paths.url('heat-api', '/')),
}


# ---------------------------------------------------------------- nova
def start_nova_service(binary):
    if procs.pid_of(binary):
        return
    procs.start(binary, [procs.venv_bin(binary), '--config-file',
                         config.etc('nova', 'nova.conf')], env=_env())


def compute_hosts():
    return ['compute-%d' % i for i in range(1, _compute_count() + 1)]


def _compute_count():
    return int(os.environ.get('BURST_CLOUD_COMPUTES', '2'))


def start_compute(host, nodes=1):
    name = 'nova-compute-' + host
    if procs.pid_of(name):
        return
    conf = config.compute(
        paths.secrets_(), host, int(os.environ.get('BURST_FAKE_VCPUS', 16)),
        int(os.environ.get('BURST_FAKE_MEMORY_MB', 32768)),
        int(os.environ.get('BURST_FAKE_DISK_GB', 500)), nodes)
    os.makedirs(os.path.join(paths.DATA, 'nova', host), exist_ok=True)
    procs.start(name, [procs.venv_bin('python'), '-m', 'localcloud.compute',
                       '--config-file', conf], env=_env())


def _services_up(conn, binary, hosts=None):
    up = {s.host for s in conn.compute.services(binary=binary)
          if s.state == 'up'}
    return set(hosts or ['controller']) <= up


def discover_hosts():
    procs.run([procs.venv_bin('nova-manage'), '--config-file',
               config.etc('nova', 'nova.conf'), 'cell_v2', 'discover_hosts'],
              'nova-setup')


def setup_burst_aggregate(conn):
    """Aggregate burst-ec2 holds the EC2 host; its burst:* metadata is the
    burst policy, seeded (enabled, 80 % thresholds, no caps) when absent."""
    agg = next((a for a in conn.compute.aggregates()
                if a.name == BURST_AGGREGATE), None)
    if agg is None:
        agg = conn.compute.create_aggregate(name=BURST_AGGREGATE)
    if paths.EC2_HOST not in (agg.hosts or []):
        agg = conn.compute.add_host_to_aggregate(agg, paths.EC2_HOST)
    if agg.availability_zone != paths.EC2_ZONE:
        # Members see where their instances run (OS-EXT-AZ), in Horizon's
        # Instances table and in stack outputs; hosts are for admins only.
        agg = conn.compute.update_aggregate(
            agg, availability_zone=paths.EC2_ZONE)
    if not any(k.startswith(policy.PREFIX) for k in agg.metadata or {}):
        conn.compute.set_aggregate_metadata(
            agg, policy.to_metadata(DEFAULT_POLICY))


def setup_compute_resources(conn):
    """Flavors and the demo image, so Launch Instance works at once."""
    have = {f.name for f in conn.compute.flavors()}
    pinned = dict([(f[0], 'public') for f in EC2_FLAVORS] +
                  [(f[0], 'private') for f in PRIVATE_FLAVORS])
    for name, vcpus, ram, disk in FLAVORS + EC2_FLAVORS + PRIVATE_FLAVORS:
        if name not in have:
            fl = conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram,
                                            disk=disk, is_public=True)
            if name in pinned:
                conn.compute.create_flavor_extra_specs(
                    fl, {policy.PLACEMENT_SPEC: pinned[name]})
    demo = conn.identity.find_project('demo', ignore_missing=False)
    if not conn.network.find_network(DEMO_NET, project_id=demo.id):
        # Only a record in Neutron: the fake hypervisors send no traffic.
        net = conn.network.create_network(name=DEMO_NET, project_id=demo.id)
        conn.network.create_subnet(
            name=DEMO_NET + '-subnet', network_id=net.id, project_id=demo.id,
            ip_version=4, cidr='192.0.2.0/24', enable_dhcp=False)
    if not conn.image.find_image(IMAGE_NAME):
        conn.image.create_image(
            name=IMAGE_NAME, data=b'\0' * (1 << 20), disk_format='raw',
            container_format='bare', visibility='public',
            allow_duplicates=True)


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
    _log('collecting and compressing Horizon static files (once)')
    env = dict(_env(), DJANGO_SETTINGS_MODULE=HORIZON_SETTINGS)
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
        env=dict(_env(), DJANGO_SETTINGS_MODULE=HORIZON_SETTINGS))


def _horizon_ok():
    return _http_ok(paths.url('horizon', '/auth/login/'), (200,))


# ---------------------------------------------------------------- up/down
def _parallel(*fns):
    with concurrent.futures.ThreadPoolExecutor(len(fns)) as ex:
        for f in [ex.submit(fn) for fn in fns]:
            f.result()


def up():
    t0 = time.monotonic()
    paths.ensure_dirs()
    s = paths.secrets_()
    for write in (config.keystone, config.glance, config.placement,
                  config.neutron, config.nova, config.heat,
                  config.clouds_yaml):
        write(s)
    _log('starting PostgreSQL, RabbitMQ and the EC2 endpoint (moto)')
    start_postgres()
    start_rabbitmq()
    start_moto()
    start_ec2proxy()
    start_memcached()
    setup_databases()
    _log('creating schemas')
    _parallel(lambda: (sync_keystone(s), sync_glance(s), sync_placement(s)),
              lambda: (sync_nova(s), sync_neutron(s), sync_heat(s)))
    start_api('keystone')
    procs.wait_for('keystone', API_PROBES['keystone'], 90)
    setup_identity(s)
    _log('starting Glance, Placement, Neutron, Nova')
    for name in ('glance', 'placement', 'neutron', 'nova-api', 'heat-api'):
        start_api(name)
    procs.wait_for('rabbitmq', _amqp_ok, 90)
    for binary in ('nova-conductor', 'nova-scheduler'):
        start_nova_service(binary)
    start_heat_engine()
    procs.wait_for('moto', _moto_ok, 30)
    procs.wait_for('ec2-proxy', _ec2proxy_ok, 30)
    procs.wait_for('memcached', _memcached_ok, 30)
    for name in ('glance', 'placement', 'neutron', 'nova-api', 'heat-api'):
        procs.wait_for(name, API_PROBES[name], 120)
    conn = admin_conn()
    procs.wait_for('nova-conductor',
                   lambda: _services_up(conn, 'nova-conductor'), 120)
    procs.wait_for('nova-scheduler',
                   lambda: _services_up(conn, 'nova-scheduler'), 120)
    hosts = compute_hosts()
    _log('starting %d fake nova-compute hosts: %s' % (len(hosts),
                                                      ', '.join(hosts)))
    for host in hosts:
        start_compute(host)
    _log('starting the EC2 nova-compute: %s' % paths.EC2_HOST)
    start_ec2_compute()
    _warm_neutron(conn)
    setup_compute_resources(conn)
    for host in hosts + [paths.EC2_HOST]:
        procs.wait_for('nova-compute-' + host,
                       lambda h=host: _services_up(conn, 'nova-compute', [h]),
                       180)
    procs.wait_for('placement', lambda: _hypervisors_ready(
        conn, hosts + [paths.EC2_HOST]), 120, interval=1)
    discover_hosts()
    setup_burst_aggregate(conn)
    _log('starting Horizon')
    prepare_horizon(s)
    start_horizon()
    procs.wait_for('horizon', _horizon_ok, 120)
    _log('up in %.0f s' % (time.monotonic() - t0))


def _warm_neutron(conn):
    """Neutron's first port listing can fail until its mappers are built."""
    procs.wait_for('neutron', lambda: list(conn.network.ports()) is not None,
                   60)


def _hypervisors_ready(conn, hosts):
    provs = {p.name for p in conn.placement.resource_providers()}
    return set(hosts) <= provs


def down(only=None):
    names = [n for n in procs.started_names() if only is None or n in only]
    order = [n for n in ['horizon'] + sorted(
        (n for n in names if n.startswith('nova-compute-')), reverse=True) +
        list(reversed(START_ORDER)) if n in names]
    order += [n for n in names if n not in order]
    for name in order:
        sig = signal.SIGINT if name == 'postgres' else signal.SIGTERM
        pid = procs.stop(name, sig=sig)
        if pid:
            _log('stopped %s (pid %d)' % (name, pid))


def status():
    """(name, url, pid, healthy) for each service of the cloud."""
    rows = []
    probes = dict(API_PROBES, horizon=_horizon_ok, moto=_moto_ok,
                  **{'ec2-proxy': _ec2proxy_ok},
                  memcached=_memcached_ok,
                  rabbitmq=_amqp_ok,
                  **{'heat-engine': lambda: True},
                  postgres=lambda: _pg_connect().close() or True,
                  epmd=lambda: _port_open(paths.PORTS['epmd']))
    urls = {n: paths.url(n) for n in paths.PORTS}
    urls.update(keystone=paths.KEYSTONE_URL, horizon=paths.HORIZON_URL,
                epmd='epmd://%s:%d' % (paths.HOST, paths.PORTS['epmd']),
                postgres='postgresql://%s:%d' % (paths.HOST,
                                                 paths.PORTS['postgres']),
                rabbitmq='amqp://%s:%d' % (paths.HOST,
                                           paths.PORTS['rabbitmq']),
                memcached='memcached://' + paths.MEMCACHED)
    conn = None
    names = START_ORDER + ['nova-compute-' + h for h in
                           compute_hosts() + [paths.EC2_HOST]] + ['horizon']
    for name in names:
        pid = procs.pid_of(name)
        probe = probes.get(name)
        if probe is None and pid:
            try:
                conn = conn or admin_conn()
                binary, _, host = name.partition('-compute-')
                healthy = _services_up(
                    conn, 'nova-compute' if host else name,
                    [host] if host else None)
            except Exception:
                healthy = False
        else:
            try:
                healthy = bool(pid) and bool(probe())
            except Exception:
                healthy = False
        rows.append((name, urls.get(name, ''), pid, healthy))
    return rows
