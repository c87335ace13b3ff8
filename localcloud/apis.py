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

"""OpenStack's services: their schemas, their API services under gunicorn,
Nova's services and the compute hosts (fake and EC2)."""
import os
import pwd

from localcloud import base
from localcloud import config
from localcloud import paths
from localcloud import procs
from localcloud.procs import ServiceError


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
                env=base.service_env())


# ---------------------------------------------------------------- schemas
def sync_keystone(s):
    if base.done('keystone'):
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
    base.mark('keystone')


def sync_glance(s):
    if not base.done('glance'):
        procs.run([procs.venv_bin('glance-manage'), '--config-file',
                   config.etc('glance', 'glance-api.conf'), 'db_sync'],
                  'glance-setup')
        base.mark('glance')


def sync_placement(s):
    if not base.done('placement'):
        procs.run([procs.venv_bin('placement-manage'), '--config-file',
                   config.etc('placement', 'placement.conf'), 'db', 'sync'],
                  'placement-setup')
        base.mark('placement')


def sync_heat(s):
    if not base.done('heat'):
        procs.run([procs.venv_bin('heat-manage'), '--config-file',
                   config.etc('heat', 'heat.conf'), 'db_sync'], 'heat-setup')
        base.mark('heat')


def start_heat_engine():
    if procs.pid_of('heat-engine'):
        return
    procs.start('heat-engine', [procs.venv_bin('heat-engine'),
                                '--config-file',
                                config.etc('heat', 'heat.conf')],
                env=base.service_env())


def sync_neutron(s):
    """Neutron's migrations run on neither SQLite nor PostgreSQL here:
    create the schema from its models, then stamp the migration heads."""
    if base.done('neutron'):
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
    base.mark('neutron')


def sync_nova(s):
    if base.done('nova'):
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
    base.mark('nova')


# ---------------------------------------------------------------- HTTP APIs
def start_api(name):
    if procs.pid_of(name):
        return
    app = base.HTTP_SERVICES[name][0]
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
        'localcloud.wsgi.%s:application' % app], env=base.service_env())


# ---------------------------------------------------------------- nova
def start_nova_service(binary):
    if procs.pid_of(binary):
        return
    procs.start(binary, [procs.venv_bin(binary), '--config-file',
                         config.etc('nova', 'nova.conf')],
                env=base.service_env())


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
                       '--config-file', conf], env=base.service_env())


def services_up(conn, binary, hosts=None):
    up = {s.host for s in conn.compute.services(binary=binary)
          if s.state == 'up'}
    return set(hosts or ['controller']) <= up


def discover_hosts():
    procs.run([procs.venv_bin('nova-manage'), '--config-file',
               config.etc('nova', 'nova.conf'), 'cell_v2', 'discover_hosts'],
              'nova-setup')
