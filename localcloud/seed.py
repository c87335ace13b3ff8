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

"""What the cloud holds once up: Keystone's projects and users, flavors, the
demo image and network, the burst aggregate and its policy."""


from burst_core import policy
from localcloud import base
from localcloud import paths

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


# ---------------------------------------------------------------- keystone
def admin_conn(project='admin', api_timeout=30):
    import openstack
    s = paths.secrets_()
    user, pw = ('admin', s['admin']) if project == 'admin' else \
        ('demo', s['demo'])
    return openstack.connect(
        auth_url=paths.KEYSTONE_URL, username=user, password=pw,
        project_name=project, user_domain_name='Default',
        project_domain_name='Default', region_name=paths.REGION,
        identity_api_version='3', api_timeout=api_timeout)


def setup_identity(s):
    if base.done('identity'):
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
    base.mark('identity')


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
