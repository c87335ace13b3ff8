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

"""The configuration files of every service, written into .cloud/etc."""
import os
import shutil
import sys

from localcloud import paths

VENV_ETC = os.path.join(sys.prefix, 'etc')
# Nova's default filters, then the burst filter.
ENABLED_FILTERS = ('ComputeFilter', 'ComputeCapabilitiesFilter',
                   'ImagePropertiesFilter', 'ServerGroupAntiAffinityFilter',
                   'ServerGroupAffinityFilter', 'BurstFilter')


def _authtoken(user, s):
    return """
[keystone_authtoken]
www_authenticate_uri = {ks}
auth_url = {ks}
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = {user}
password = {pw}
service_token_roles_required = true
""".format(ks=paths.KEYSTONE_URL, user=user, pw=s['service'])


def _service_auth(section, user, s, extra=''):
    return """
[{section}]
auth_type = password
auth_url = {ks}
project_domain_name = Default
user_domain_name = Default
project_name = service
username = {user}
password = {pw}
region_name = {region}
{extra}""".format(section=section, ks=paths.KEYSTONE_URL, user=user,
                  pw=s['service'], region=paths.REGION, extra=extra)


# Heat denies listing every project's stacks to everybody by default; the
# plugin's admin Instances page needs it to show each instance's stack.
HEAT_POLICY = """\
"stacks:global_index": "rule:context_is_admin"
"""


def heat(s):
    """heat.conf: heat-api (WSGI) and one heat-engine worker; a policy file
    that lets admins list every project's stacks."""
    _write(etc('heat', 'policy.yaml'), HEAT_POLICY)
    _write(etc('heat', 'heat.conf'), """
[DEFAULT]
use_stderr = true
transport_url = {transport}
num_engine_workers = 1
auth_encryption_key = {auth_key}
stack_user_domain_name = heat
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = {domain_admin}
default_user_data_format = RAW
region_name_for_services = {region}
[database]
connection = {db}
[paste_deploy]
api_paste_config = {paste}
[heat_api]
bind_host = {host}
bind_port = {port}
[clients_keystone]
auth_uri = {ks_root}
[trustee]
auth_type = password
auth_url = {ks}
username = heat
password = {pw}
user_domain_name = Default
[oslo_policy]
enforce_scope = false
enforce_new_defaults = false
policy_file = {policy}
""".format(transport=transport_url(), auth_key=s['heat_auth_key'][:32].ljust(
        32, 'x'), domain_admin=s['heat_domain_admin'], region=paths.REGION,
        db=paths.db_url('heat'), host=paths.HOST,
        port=paths.PORTS['heat-api'],
        paste=os.path.join(VENV_ETC, 'heat', 'api-paste.ini'),
        ks_root=paths.url('keystone'), ks=paths.KEYSTONE_URL,
        pw=s['service'], policy=etc('heat', 'policy.yaml')) +
        _authtoken('heat', s))


# [burst] usage_max_age of the local cloud's scheduler: tests wait this
# long for the room a delete frees.
USAGE_MAX_AGE = 2


def transport_url():
    return 'rabbit://guest:guest@%s:%d/' % (paths.HOST,
                                            paths.PORTS['rabbitmq'])


def etc(service, *parts):
    return os.path.join(paths.ETC, service, *parts)


def _write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text.lstrip())
    os.chmod(path, mode)


def keystone(s):
    data = os.path.join(paths.DATA, 'keystone')
    _write(etc('keystone', 'keystone.conf'), """
[DEFAULT]
use_stderr = true
[database]
connection = {db}
[token]
provider = fernet
[fernet_tokens]
key_repository = {data}/fernet-keys
[fernet_receipts]
key_repository = {data}/fernet-keys
[credential]
key_repository = {data}/credential-keys
""".format(db=paths.db_url('keystone'), data=data))


def glance(s):
    data = os.path.join(paths.DATA, 'glance')
    _write(etc('glance', 'glance-api.conf'), """
[DEFAULT]
use_stderr = true
enabled_backends = file:file
[glance_store]
default_backend = file
[file]
filesystem_store_datadir = {data}/images
[os_glance_staging_store]
filesystem_store_datadir = {data}/staging
[os_glance_tasks_store]
filesystem_store_datadir = {data}/tasks
[database]
connection = {db}
[paste_deploy]
flavor = keystone
[oslo_concurrency]
lock_path = {data}/lock
""".format(db=paths.db_url('glance'), data=data) + _authtoken('glance', s))
    shutil.copy(os.path.join(VENV_ETC, 'glance', 'glance-api-paste.ini'),
                etc('glance', 'glance-api-paste.ini'))


def placement(s):
    _write(etc('placement', 'placement.conf'), """
[DEFAULT]
use_stderr = true
[placement_database]
connection = {db}
[api]
auth_strategy = keystone
""".format(db=paths.db_url('placement')) + _authtoken('placement', s))


def neutron(s):
    data = os.path.join(paths.DATA, 'neutron')
    _write(etc('neutron', 'neutron.conf'), """
[DEFAULT]
use_stderr = true
core_plugin = ml2
service_plugins = router,port_forwarding
auth_strategy = keystone
transport_url = {transport}
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
api_paste_config = {etc}/api-paste.ini
state_path = {data}
[database]
connection = {db}
[oslo_concurrency]
lock_path = {data}/lock
[agent]
report_interval = 0
""".format(db=paths.db_url('neutron'), data=data, etc=etc('neutron'),
           transport=transport_url()) + _authtoken('neutron', s))
    _write(etc('neutron', 'plugins', 'ml2', 'ml2_conf.ini'), """
[ml2]
type_drivers = local,flat
tenant_network_types = local
mechanism_drivers = localcloud_bind_any
extension_drivers = port_security
[securitygroup]
firewall_driver = noop
""")
    shutil.copy(os.path.join(VENV_ETC, 'neutron', 'api-paste.ini'),
                etc('neutron', 'api-paste.ini'))


def _nova_common(s, host, state_path):
    return """
[DEFAULT]
use_stderr = true
host = {host}
my_ip = {ip}
state_path = {state}
transport_url = {transport}
[oslo_concurrency]
lock_path = {state}/lock
[oslo_messaging_notifications]
driver = noop
[vnc]
enabled = false
[service_user]
send_service_user_token = true
auth_type = password
auth_url = {ks}
project_domain_name = Default
user_domain_name = Default
project_name = service
username = nova
password = {pw}
""".format(host=host, ip=paths.HOST, state=state_path,
           transport=transport_url(), ks=paths.KEYSTONE_URL,
           pw=s['service']) + \
        _service_auth('placement', 'placement', s) + \
        _service_auth('neutron', 'neutron', s) + \
        _service_auth('glance', 'glance', s)


def nova(s):
    """nova.conf of the controller services (api, conductor, scheduler)."""
    data = os.path.join(paths.DATA, 'nova')
    _write(etc('nova', 'nova.conf'), _nova_common(
        s, 'controller', os.path.join(data, 'controller')) + """
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = {etc}/api-paste.ini
[api_database]
connection = {api_db}
[database]
connection = {cell_db}
[quota]
instances = -1
cores = -1
ram = -1
[scheduler]
discover_hosts_in_cells_interval = 5
[filter_scheduler]
available_filters = nova.scheduler.filters.all_filters
available_filters = burst_nova.scheduler.BurstFilter
enabled_filters = {filters}
[burst]
aggregate_name = burst-ec2
usage_max_age = {usage_max_age}
# moto has no Pricing API (it answers 500): prices come from the table.
pricing_endpoint_url = {moto}
""".format(etc=etc('nova'), api_db=paths.db_url('nova_api'),
           usage_max_age=USAGE_MAX_AGE,
           cell_db=paths.db_url('nova_cell1'),
           filters=','.join(ENABLED_FILTERS),
           moto=paths.EC2_URL) + _authtoken('nova', s))
    shutil.copy(os.path.join(VENV_ETC, 'nova', 'api-paste.ini'),
                etc('nova', 'api-paste.ini'))


def resources_interval():
    """Nova's update_resources_interval of every nova-compute here: how
    often it audits each node's instances against Placement (Nova's
    update_available_resource), holding the lock its builds claim by;
    the benchmarks' computes of many busy nodes boot faster with a
    longer one."""
    return int(os.environ.get('BURST_RESOURCES_INTERVAL', 60))


def compute(s, host, vcpus, memory_mb, local_gb, nodes=1):
    """nova.conf of one fake nova-compute: no database, like a real one.
    With nodes > 1 it stands for that many hypervisors."""
    path = etc('nova', 'compute-%s.conf' % host)
    _write(path, _nova_common(s, host, os.path.join(
        paths.DATA, 'nova', host)) + """
[DEFAULT]
compute_driver = burst_fake.{driver}
update_resources_interval = {resources_interval}
[fake_host]
vcpus = {vcpus}
memory_mb = {memory_mb}
local_gb = {local_gb}
nodes = {nodes}
""".format(vcpus=vcpus, memory_mb=memory_mb, local_gb=local_gb,
           nodes=nodes, resources_interval=resources_interval(),
           driver='MultiNodeFakeDriver' if nodes > 1
           else 'SizedFakeDriver'))
    return path


def ec2_compute(s):
    """nova.conf of the EC2 nova-compute: a stock nova-compute with
    compute_driver = burst_ec2.EC2Driver, talking to moto via the proxy."""
    host = paths.EC2_HOST
    path = etc('nova', 'compute-%s.conf' % host)
    _write(path, _nova_common(s, host, os.path.join(
        paths.DATA, 'nova', host)) + """
[DEFAULT]
compute_driver = burst_ec2.EC2Driver
update_resources_interval = {resources_interval}
[ec2]
region_name = {region}
endpoint_url = {proxy}
service_quotas_endpoint_url = {proxy}
access_key_id = {key}
secret_access_key = {secret}
default_ami = ami-785db401
# An image's ec2_ami_id property may only name these (members can write
# image properties): the AMI pinned by tests/integration/test_ec2_driver.py.
allowed_amis = ami-1e749f67
managed_by = {managed_by}
vcpu_quota = {vcpu_quota}
connect_timeout = 2
read_timeout = 10
max_attempts = 2
spawn_timeout = 15
power_timeout = 30
poll_interval = 1
""".format(region=paths.EC2_REGION, proxy=paths.EC2_PROXY_URL,
           key=paths.EC2_ACCESS_KEY, secret=s['ec2_secret_key'],
           managed_by=paths.EC2_MANAGED_BY,
           vcpu_quota=int(os.environ.get('BURST_EC2_VCPU_QUOTA', 64)),
           resources_interval=resources_interval()))
    return path


def horizon(s):
    """local_settings for Horizon, importable as top-level `local`."""
    base = os.path.join(paths.ROOT, 'horizon')
    _write(os.path.join(base, 'local', '__init__.py'), '')
    _write(os.path.join(base, 'local', 'local_settings.py'), """
# Written by localcloud: Horizon settings of the local hybrid cloud.
DEBUG = False
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
SECRET_KEY = {secret!r}
OPENSTACK_HOST = {host!r}
OPENSTACK_KEYSTONE_URL = {ks!r}
OPENSTACK_KEYSTONE_DEFAULT_ROLE = 'member'
# memcached, as production Horizon: one cache for every gunicorn worker
# (the Instances pager's snapshot is found whichever worker serves the next
# page; the dashboard's back-off from an unreachable EC2 holds for all).
CACHES = {{'default': {{
    'BACKEND': 'django.core.cache.backends.memcached.PyMemcacheCache',
    'LOCATION': {memcached!r},
    'OPTIONS': {{'connect_timeout': 2, 'timeout': 2, 'no_delay': True}}}}}}
SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'
STATIC_ROOT = {static!r}
COMPRESS_OFFLINE = True
COMPRESS_ENABLED = True
TIME_ZONE = 'UTC'
BURST_DASHBOARD = {{
    'aggregate': 'burst-ec2',
    # moto has no Pricing API (it answers 500): prices come from the table.
    'pricing_endpoint_url': {ec2!r},
    'managed_by': {managed_by!r},
    # What a private vCPU costs a month, for Spend's break-even: an
    # illustrative figure (a 32-vCPU host at about $640 a month).
    'owning': {{'usd_per_vcpu_month': 20.0}},
    # Through the fault proxy (it passes by default), as the EC2
    # nova-compute: tests and benchmarks can take EC2 away on the wire.
    'ec2': {{'region_name': {ec2_region!r}, 'endpoint_url': {proxy!r},
            # moto accepts any key; against AWS leave these out and let
            # boto3's default chain find the credentials.
            'aws_access_key_id': 'localcloud-horizon',
            'aws_secret_access_key': {ec2_secret!r}}},
}}
""".format(secret=s['horizon_secret_key'], host=paths.HOST,
           ks=paths.KEYSTONE_URL, static=os.path.join(base, 'static'),
           ec2_region=paths.EC2_REGION, ec2=paths.EC2_URL,
           managed_by=paths.EC2_MANAGED_BY, memcached=paths.MEMCACHED,
           proxy=paths.EC2_PROXY_URL, ec2_secret=s['ec2_secret_key']),
           mode=0o640)
    return base


def clouds_yaml(s):
    _write(paths.CLOUDS_YAML, """
# Written by localcloud: credentials of the local hybrid cloud.
clouds:
  burst-admin:
    auth:
      auth_url: {ks}
      username: admin
      password: {admin}
      project_name: admin
      user_domain_name: Default
      project_domain_name: Default
    region_name: {region}
    identity_api_version: 3
  burst-demo:
    auth:
      auth_url: {ks}
      username: demo
      password: {demo}
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: {region}
    identity_api_version: 3
""".format(ks=paths.KEYSTONE_URL, admin=s['admin'], demo=s['demo'],
           region=paths.REGION))
