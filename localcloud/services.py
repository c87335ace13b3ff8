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
import signal
import time

from localcloud import apis
from localcloud import base
from localcloud import config
from localcloud import horizon
from localcloud import infra
from localcloud import paths
from localcloud import procs
from localcloud import seed

# Order matters for `down`: the reverse of start order.
START_ORDER = ['postgres', 'epmd', 'rabbitmq', 'moto', 'ec2-proxy',
               'memcached', 'keystone', 'glance',
               'placement', 'neutron', 'nova-api', 'nova-conductor',
               'nova-scheduler', 'heat-api', 'heat-engine']


API_PROBES = {
    'keystone': lambda: base.http_ok(paths.KEYSTONE_URL),
    'glance': lambda: base.http_ok(paths.url('glance', '/versions')),
    'placement': lambda: base.http_ok(paths.url('placement', '/')),
    'neutron': lambda: base.http_ok(paths.url('neutron', '/')),
    'nova-api': lambda: base.http_ok(paths.url('nova-api', '/')),
    'heat-api': lambda: base.http_ok(paths.url('heat-api', '/')),
}


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
    base.log('starting PostgreSQL, RabbitMQ and the EC2 endpoint (moto)')
    infra.start_postgres()
    infra.start_rabbitmq()
    infra.start_moto()
    infra.start_ec2proxy()
    infra.start_memcached()
    infra.setup_databases()
    base.log('creating schemas')
    _parallel(lambda: (apis.sync_keystone(s), apis.sync_glance(s),
                       apis.sync_placement(s)),
              lambda: (apis.sync_nova(s), apis.sync_neutron(s),
                       apis.sync_heat(s)))
    apis.start_api('keystone')
    procs.wait_for('keystone', API_PROBES['keystone'], 90)
    seed.setup_identity(s)
    base.log('starting Glance, Placement, Neutron, Nova')
    for name in ('glance', 'placement', 'neutron', 'nova-api', 'heat-api'):
        apis.start_api(name)
    procs.wait_for('rabbitmq', infra.amqp_ok, 90)
    for binary in ('nova-conductor', 'nova-scheduler'):
        apis.start_nova_service(binary)
    apis.start_heat_engine()
    procs.wait_for('moto', infra.moto_ok, 30)
    procs.wait_for('ec2-proxy', infra.ec2proxy_ok, 30)
    procs.wait_for('memcached', infra.memcached_ok, 30)
    for name in ('glance', 'placement', 'neutron', 'nova-api', 'heat-api'):
        procs.wait_for(name, API_PROBES[name], 120)
    conn = seed.admin_conn()
    procs.wait_for('nova-conductor',
                   lambda: apis.services_up(conn, 'nova-conductor'), 120)
    procs.wait_for('nova-scheduler',
                   lambda: apis.services_up(conn, 'nova-scheduler'), 120)
    hosts = apis.compute_hosts()
    base.log('starting %d fake nova-compute hosts: %s' % (
        len(hosts), ', '.join(hosts)))
    for host in hosts:
        apis.start_compute(host)
    base.log('starting the EC2 nova-compute: %s' % paths.EC2_HOST)
    apis.start_ec2_compute()
    _warm_neutron(conn)
    seed.setup_compute_resources(conn)
    for host in hosts + [paths.EC2_HOST]:
        procs.wait_for('nova-compute-' + host,
                       lambda h=host: apis.services_up(
                           conn, 'nova-compute', [h]), 180)
    procs.wait_for('placement', lambda: _hypervisors_ready(
        conn, hosts + [paths.EC2_HOST]), 120, interval=1)
    apis.discover_hosts()
    seed.setup_burst_aggregate(conn)
    base.log('starting Horizon')
    horizon.prepare_horizon(s)
    horizon.start_horizon()
    procs.wait_for('horizon', horizon.horizon_ok, 120)
    base.log('up in %.0f s' % (time.monotonic() - t0))


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
            base.log('stopped %s (pid %d)' % (name, pid))


def status():
    """(name, url, pid, healthy) for each service of the cloud."""
    rows = []
    probes = dict(API_PROBES, horizon=horizon.horizon_ok, moto=infra.moto_ok,
                  **{'ec2-proxy': infra.ec2proxy_ok},
                  memcached=infra.memcached_ok,
                  rabbitmq=infra.amqp_ok,
                  **{'heat-engine': lambda: True},
                  postgres=lambda: infra.pg_connect().close() or True,
                  epmd=lambda: base.port_open(paths.PORTS['epmd']))
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
                           apis.compute_hosts() + [paths.EC2_HOST]] + \
        ['horizon']
    for name in names:
        pid = procs.pid_of(name)
        probe = probes.get(name)
        if probe is None and pid:
            try:
                conn = conn or seed.admin_conn()
                binary, _, host = name.partition('-compute-')
                healthy = apis.services_up(
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
