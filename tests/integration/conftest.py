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

import uuid

import pytest

from burst_core import policy
from localcloud import apis
from localcloud import seed
from tests import helpers


def save_policy(horizon_request, **values):
    """Set the policy through the plugin's API layer: enabled, the local
    cloud's region, defaults for what ``values`` leaves out."""
    from burst_dashboard.api import burst as burst_api
    from localcloud import paths
    state = burst_api.policy_get(horizon_request)
    fields = policy.form_values(policy.BurstPolicy(
        enabled=True, region=paths.EC2_REGION))
    fields.update({k: str(v) for k, v in values.items()})
    return burst_api.policy_save(horizon_request, fields, state.revision)


def ec2_through_proxy():
    """BURST_DASHBOARD with EC2 reached through the fault proxy (and fake
    credentials that must never show up anywhere)."""
    from localcloud import paths
    return {'aggregate': 'burst-ec2', 'use_pricing_api': False,
            'managed_by': paths.EC2_MANAGED_BY,
            'ec2': {'region_name': paths.EC2_REGION,
                    'endpoint_url': paths.EC2_PROXY_URL,
                    'aws_access_key_id': 'integration-tests',
                    'aws_secret_access_key': 'not-shown-anywhere'}}


@pytest.fixture(scope='session')
def ec2(local_cloud):
    """boto3 straight to moto (not through the fault proxy)."""
    import boto3

    from localcloud import paths
    return boto3.client('ec2', endpoint_url=paths.EC2_URL,
                        region_name=paths.EC2_REGION,
                        aws_access_key_id='test', aws_secret_access_key='x')


def ec2_of(ec2, server_ids, states=('pending', 'running', 'stopping',
                                    'stopped')):
    """EC2 instances tagged with these Nova instance ids, in ``states``
    (None: any state)."""
    filters = [{'Name': 'tag:openstack:instance-id',
                'Values': list(server_ids)}]
    if states:
        filters.append({'Name': 'instance-state-name',
                        'Values': list(states)})
    return [i for r in ec2.describe_instances(Filters=filters)['Reservations']
            for i in r['Instances']]


def caps_provider(conn):
    """UUID of the burst aggregate's caps provider in Placement, or None
    before the first claim."""
    from burst_core import caps
    name = caps.provider_name(seed.BURST_AGGREGATE)
    rps = conn.placement.get('/resource_providers?name=%s' % name).json()[
        'resource_providers']
    return rps[0]['uuid'] if rps else None


def caps_usages(conn):
    """What the EC2 instances hold of the caps in Placement."""
    rp = caps_provider(conn)
    if rp is None:
        return {}
    return conn.placement.get('/resource_providers/%s/usages' %
                              rp).json()['usages']


def restart_ec2_compute(conn, sig=None, until=None):
    """Stop the EC2 nova-compute by its PID (``sig``: SIGTERM, or SIGKILL
    for a crash), start it again, and wait until it reports up again and
    ``until()`` (if given) holds."""
    import datetime
    import signal
    import time

    from localcloud import paths
    from localcloud import procs
    name = 'nova-compute-' + paths.EC2_HOST
    stopped = time.time()
    procs.stop(name, sig=sig or signal.SIGTERM)
    apis.start_ec2_compute()

    def ready():
        up = any(svc.state == 'up' and svc.updated_at and
                 datetime.datetime.fromisoformat(svc.updated_at).replace(
                     tzinfo=datetime.timezone.utc).timestamp() > stopped
                 for svc in conn.compute.services(binary='nova-compute',
                                                  host=paths.EC2_HOST))
        return up and (until is None or until())
    procs.wait_for(name, ready, 180, interval=2)


def aggregate(conn):
    return next(a for a in conn.compute.aggregates()
                if a.name == seed.BURST_AGGREGATE)


def pools(admin_conn, pol):
    """Private pool from Placement, public pool from what the EC2 instances
    hold of the caps in Placement, as the filter counts them."""
    from burst_core import caps
    burst_hosts = set(aggregate(admin_conn).hosts or [])
    hosts = []
    for rp in admin_conn.placement.resource_providers():
        inv = {i.resource_class: {
            'total': i.total, 'reserved': i.reserved,
            'allocation_ratio': i.allocation_ratio, 'max_unit': i.max_unit}
            for i in admin_conn.placement.resource_provider_inventories(rp)}
        if 'VCPU' not in inv or rp.name in burst_hosts:
            continue
        usages = admin_conn.placement.get(
            '/resource_providers/%s/usages' % rp.id).json()['usages']
        hosts.append(policy.host_from_placement(rp.name, inv, usages))
    return (policy.private_hosts(hosts, burst_hosts, pol),
            caps.public_pool(caps_usages(admin_conn)))


def _request(local_cloud, username, project):
    from django.test import RequestFactory
    from keystoneauth1.identity import v3
    from keystoneauth1 import session
    from openstack_auth import user as auth_user

    auth = v3.Password(auth_url=local_cloud.KEYSTONE_URL, username=username,
                       password=local_cloud.secrets_()[username],
                       project_name=project, user_domain_name='Default',
                       project_domain_name='Default')
    auth_ref = auth.get_auth_ref(session.Session(auth=auth))
    request = RequestFactory().get('/')
    request.session = {}
    request.user = auth_user.create_user_from_token(
        request, auth_user.Token(auth_ref), local_cloud.KEYSTONE_URL,
        services_region=local_cloud.REGION)
    return request


@pytest.fixture(scope='session')
def horizon_request(local_cloud):
    """A Django request whose user holds a real Keystone token of the
    local cloud's admin, so the plugin's API layer can be called as
    Horizon calls it."""
    return _request(local_cloud, 'admin', 'admin')


@pytest.fixture(scope='session')
def member_request(local_cloud):
    """The same for the demo user, a member of project demo."""
    return _request(local_cloud, 'demo', 'demo')


@pytest.fixture(autouse=True)
def burst_dashboard_settings(local_cloud):
    """The BURST_DASHBOARD settings Horizon has in the local cloud (EC2
    straight at moto here), and nothing kept in this process's cache (the
    back-off from EC2, servers, EC2 instances) carried from one test to
    the next."""
    from django.core.cache import cache
    from django.test import override_settings

    from burst_dashboard.api import kept

    def nothing_kept():
        # A read asked for behind a page of another test (never started
        # in-process: no request finished) must not write into this one.
        kept.forget_pending()
        kept.wait_for_background()
        cache.clear()
    nothing_kept()
    with override_settings(BURST_DASHBOARD={
            'aggregate': 'burst-ec2', 'managed_by': local_cloud.EC2_MANAGED_BY,
            'use_pricing_api': False,
            'ec2': {'region_name': local_cloud.EC2_REGION,
                    'endpoint_url': local_cloud.EC2_URL,
                    'aws_access_key_id': 'integration-tests',
                    'aws_secret_access_key': 'integration-tests'}}):
        yield
    nothing_kept()


@pytest.fixture
def restore_policy(admin_conn):
    """Put the burst aggregate's burst: keys back as they were."""
    before = {k: v for k, v in (aggregate(admin_conn).metadata or {}).items()
              if k.startswith(policy.PREFIX)}
    yield before
    agg = aggregate(admin_conn)
    now = {k for k in agg.metadata or {} if k.startswith(policy.PREFIX)}
    update = dict(before, **{k: None for k in now - set(before)})
    update[policy.REVISION_KEY] = str(int(agg.metadata.get(
        policy.REVISION_KEY, 0)) + 1)
    admin_conn.compute.set_aggregate_metadata(agg, update)


@pytest.fixture
def servers(admin_conn, demo_conn):
    booted = []

    def boot(flavor, status='ACTIVE'):
        image = demo_conn.image.find_image(seed.IMAGE_NAME)
        fl = demo_conn.compute.find_flavor(flavor, ignore_missing=False)
        s = demo_conn.compute.create_server(
            name='burst-it-%s' % uuid.uuid4().hex[:6], image_id=image.id,
            flavor_id=fl.id, networks='none')
        booted.append(s)
        s = demo_conn.compute.wait_for_server(
            s, status=status, failures=['ACTIVE' if status == 'ERROR'
                                        else 'ERROR'], wait=120)
        return admin_conn.compute.get_server(s.id)
    yield boot
    for s in booted:
        demo_conn.compute.delete_server(s, ignore_missing=True)
    for s in booted:
        helpers.wait_gone(demo_conn, s, wait=120)
