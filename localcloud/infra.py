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

"""The infrastructure under OpenStack: PostgreSQL, RabbitMQ, moto as EC2
(and the fault proxy in front of it) and memcached."""
import glob
import os
import pwd
import shutil
import socket

from localcloud import base
from localcloud import paths
from localcloud import procs
from localcloud.procs import ServiceError

PG_USER = 'postgres'


DATABASES = ('keystone', 'glance', 'placement', 'neutron', 'nova_api',
             'nova_cell0', 'nova_cell1', 'heat')


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


def pg_connect(dbname='postgres'):
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
        base.log('initialising PostgreSQL')
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
    procs.wait_for('postgres', lambda: pg_connect().close() or True, 60)
    conn = pg_connect()
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
    data = os.path.join(paths.DATA, 'rabbitmq')
    os.makedirs(data, exist_ok=True)
    server = '/usr/lib/rabbitmq/bin/rabbitmq-server'
    if not os.path.exists(server):
        raise ServiceError('rabbitmq', 'RabbitMQ is not installed '
                           '(apt-get install rabbitmq-server)')
    if not procs.pid_of('epmd'):
        procs.start('epmd', [shutil.which('epmd') or
                             glob.glob('/usr/lib/erlang/erts-*/bin/epmd')[0],
                             '-port', str(paths.PORTS['epmd']),
                             '-address', paths.HOST])
        procs.wait_for('epmd', lambda: base.port_open(paths.PORTS['epmd']), 20)
    plugins = os.path.join(data, 'enabled_plugins')
    with open(plugins, 'w') as f:
        f.write('[].\n')
    conf = os.path.join(data, 'rabbitmq.conf')
    with open(conf, 'w') as f:
        f.write('listeners.tcp.default = %s:%d\nloopback_users.guest = true\n'
                % (paths.HOST, paths.PORTS['rabbitmq']))
    env_file = os.path.join(data, 'rabbitmq-env.conf')
    open(env_file, 'w').close()
    procs.start('rabbitmq', [server], env={
        'HOME': data,
        'RABBITMQ_NODENAME': 'burst@localhost',
        'RABBITMQ_NODE_IP_ADDRESS': paths.HOST,
        'RABBITMQ_NODE_PORT': str(paths.PORTS['rabbitmq']),
        'RABBITMQ_DIST_PORT': str(paths.PORTS['rabbitmq-dist']),
        'ERL_EPMD_PORT': str(paths.PORTS['epmd']),
        'ERL_EPMD_ADDRESS': paths.HOST,
        'RABBITMQ_CONF_ENV_FILE': env_file,
        'RABBITMQ_CONFIG_FILE': conf[:-len('.conf')],
        'RABBITMQ_ENABLED_PLUGINS_FILE': plugins,
        'RABBITMQ_MNESIA_BASE': os.path.join(data, 'mnesia'),
        'RABBITMQ_LOG_BASE': os.path.join(paths.LOG, 'rabbitmq'),
        'RABBITMQ_LOGS': '-',
        'RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS':
            '-kernel inet_dist_use_interface {127,0,0,1}',
    })


def amqp_ok():
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


def moto_ok():
    # Not /moto-api/data.json: it serialises all of moto's state (a
    # minute at a few hundred instances).
    return base.http_ok(paths.EC2_URL + '/moto-api/')


def start_ec2proxy():
    if procs.pid_of('ec2-proxy'):
        return
    procs.start('ec2-proxy', [procs.venv_bin('python'), '-m',
                              'localcloud.ec2proxy',
                              str(paths.PORTS['ec2-proxy']), paths.EC2_URL],
                env=base.service_env())


def ec2proxy_ok():
    return base.http_ok(paths.EC2_PROXY_URL + '/__faults__')


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


def memcached(command):
    """Send one text-protocol command (bytes, with its CRLF) to the
    cloud's memcached; its whole answer."""
    with socket.create_connection((paths.HOST, paths.PORTS['memcached']),
                                  timeout=5) as sock:
        sock.sendall(command)
        answer = b''
        while not answer.endswith((b'END\r\n', b'OK\r\n', b'ERROR\r\n')):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def flush_memcached():
    """Empty Horizon's shared cache: the next pages start cold."""
    if memcached(b'flush_all\r\n') != b'OK\r\n':
        raise ServiceError('memcached', 'flush_all was refused')


def _existing_user(*names):
    for name in names:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ServiceError('memcached', 'none of the users %s exists'
                       % ', '.join(names))


def memcached_ok():
    from pymemcache.client import base
    client = base.Client((paths.HOST, paths.PORTS['memcached']),
                         connect_timeout=2, timeout=2)
    try:
        return bool(client.version())
    finally:
        client.close()
