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

"""The demo's story, seeded through the real APIs: ``python -m localcloud
demo`` (``scripts/demo`` runs it unless BURST_DEMO_EMPTY=1).

Three projects. webshop's web tier grows one server at a time until the
private cloud passes the burst threshold and two web servers land on EC2;
then the peak passes (two local web servers go) and one burst server
could come home (a repatriation candidate). analytics keeps its database
home (a flavor pinned private) and runs batch jobs on EC2 (pinned
public); one job's EC2 instance was stopped behind Nova's back (drift)
and one EC2 instance was left behind by a cleanup that never happened
(an orphan). demo, the member's project, runs an app at home, an API on
EC2, and the two-tier Heat stack, whose web tier bursts while its
database stays home.

Deterministic (moto's random IDs are seeded before the first instance)
and idempotent: everything is found by name first, and a second run
changes nothing.
"""
import dataclasses
import os
import time

from burst_core import policy
from burst_core import tags
from localcloud import base
from localcloud import paths
from localcloud import seed

MOTO_SEED = 42
PROJECTS = ('demo', 'webshop', 'analytics')
QUOTAS = {'instances': 40, 'cores': 80, 'ram': 160 * 1024}
POLICY = policy.BurstPolicy(
    enabled=True, enter_vcpu_pct=80.0, enter_ram_pct=80.0,
    enter_disk_pct=80.0, exit_pct=75.0, max_instances=12, max_vcpus=24,
    max_cost_per_hour=2.0, region=paths.EC2_REGION)
WEB_FLAVOR = 'm1.medium'
WEB_BURSTS = 2            # web servers that land on EC2 before the peak ends
WEB_MAX = 30              # a runaway guard: the cloud never bursts otherwise
PEAK_GONE = 3             # local web servers deleted when the peak passes
STACK = 'shop'
ORPHAN_NAME = 'batch-leaked'
ORPHAN_UUID = '00000000-0000-4000-8000-00000000dead'
WAIT = 300


def log(message):
    base.log('demo: ' + message)


def _ec2():
    import boto3
    return boto3.client('ec2', endpoint_url=paths.EC2_URL,
                        region_name=paths.EC2_REGION,
                        aws_access_key_id='demo',
                        aws_secret_access_key='demo')


def _seed_moto():
    """Seed moto's random IDs once, before anything runs on EC2: the same
    cloud then gets the same EC2 instance IDs."""
    if base.done('demo-moto-seed'):
        return
    import requests
    requests.post(paths.EC2_URL + '/moto-api/seed', params={'a': MOTO_SEED},
                  timeout=10).raise_for_status()
    base.mark('demo-moto-seed')


def _projects(conn):
    idn = conn.identity
    member = idn.find_role('member', ignore_missing=False)
    demo_user = idn.find_user('demo', domain_id='default',
                              ignore_missing=False)
    out = {}
    for name in PROJECTS:
        project = idn.find_project(name, domain_id='default') or \
            idn.create_project(name=name, domain_id='default',
                               description='Cloud bursting demo')
        idn.assign_project_role_to_user(project, demo_user, member)
        conn.set_compute_quotas(project.id, **QUOTAS)
        out[name] = project
    return out


def _policy(conn):
    agg = next(a for a in conn.compute.aggregates()
               if a.name == seed.BURST_AGGREGATE)
    try:
        current = policy.parse(agg.metadata or {})
    except policy.PolicyError:
        current = None
    if current is not None and current == dataclasses.replace(
            POLICY, revision=current.revision):
        return current
    revision = (current.revision if current else 0) + 1
    wanted = policy.to_metadata(dataclasses.replace(POLICY,
                                                    revision=revision))
    stale = {k: None for k in agg.metadata or {}
             if k.startswith(policy.PREFIX) and k not in wanted}
    conn.compute.set_aggregate_metadata(agg, dict(stale, **wanted))
    log('burst policy set (revision %d)' % revision)
    return policy.parse(wanted)


class Project(object):
    """Servers of one project, booted as its member (the demo user)."""

    def __init__(self, name):
        self.name = name
        self.conn = seed.admin_conn(name)
        self.image = self.conn.image.find_image(seed.IMAGE_NAME,
                                                ignore_missing=False)

    def servers(self):
        return {s.name: s for s in self.conn.compute.servers()}

    def boot(self, name, flavor):
        """The server named ``name``, booted (and waited for) if missing;
        (server, booted now)."""
        have = self.servers().get(name)
        if have is not None:
            return have, False
        fl = self.conn.compute.find_flavor(flavor, ignore_missing=False)
        server = self.conn.compute.create_server(
            name=name, image_id=self.image.id, flavor_id=fl.id,
            networks='none')
        server = self.conn.compute.wait_for_server(server, wait=WAIT)
        log('%s/%s (%s) is ACTIVE' % (self.name, name, flavor))
        return server, True


def _on_ec2(admin, server_id):
    return admin.compute.get_server(server_id).compute_host == paths.EC2_HOST


def _peak(admin, webshop, demo):
    """The peak: web servers, one at a time, until WEB_BURSTS of them are
    on EC2, and the two-tier stack, whose web tier bursts too while its
    database stays home. Then it passes: the last PEAK_GONE local web
    servers go. Done once (a second run would boot the deleted ones
    again)."""
    if base.done('demo-peak'):
        return
    local, burst = [], []
    for i in range(1, WEB_MAX + 1):
        server, _new = webshop.boot('storefront-%d' % i, WEB_FLAVOR)
        (burst if _on_ec2(admin, server.id) else local).append(server)
        if len(burst) >= WEB_BURSTS:
            break
    else:
        raise SystemExit('demo: the web tier never burst (%d servers)'
                         % WEB_MAX)
    if not demo.conn.orchestration.find_stack(STACK):
        demo.conn.create_stack(
            STACK, template_file=os.path.join(paths.REPO, 'heat-templates',
                                              'multi-tier.yaml'),
            wait=True, timeout=WAIT, web_flavor='m1.small', web_count=2)
        log('demo/stack %s is CREATE_COMPLETE' % STACK)
    for server in local[-PEAK_GONE:]:
        webshop.conn.compute.delete_server(server)
        webshop.conn.compute.wait_for_delete(server, wait=WAIT)
        log('webshop/%s deleted: the peak passed' % server.name)
    base.mark('demo-peak')


def _ec2_instance_of(ec2, server_id):
    for r in ec2.describe_instances(Filters=[
            {'Name': 'tag:' + tags.TAG_INSTANCE, 'Values': [server_id]},
            {'Name': 'instance-state-name',
             'Values': ['pending', 'running', 'stopping', 'stopped']}]
    )['Reservations']:
        for inst in r['Instances']:
            return inst
    return None


def _drift(ec2, analytics):
    """batch-3's EC2 instance stopped behind Nova's back."""
    server = analytics.servers()['batch-3']
    inst = _ec2_instance_of(ec2, server.id)
    if inst and inst['State']['Name'] in ('pending', 'running'):
        ec2.stop_instances(InstanceIds=[inst['InstanceId']])
        log('analytics/batch-3: EC2 instance %s stopped behind Nova\'s back'
            % inst['InstanceId'])


def _orphan(ec2, project_id):
    """An EC2 instance of this cloud that Nova does not know."""
    if _ec2_instance_of(ec2, ORPHAN_UUID):
        return
    image = ec2.describe_images(Owners=['amazon'])['Images'][0]['ImageId']
    ec2.run_instances(
        ImageId=image, InstanceType='t3.medium', MinCount=1, MaxCount=1,
        TagSpecifications=[{'ResourceType': 'instance', 'Tags': [
            {'Key': 'Name', 'Value': ORPHAN_NAME},
            {'Key': tags.TAG_MANAGED_BY, 'Value': paths.EC2_MANAGED_BY},
            {'Key': tags.TAG_PROJECT, 'Value': project_id},
            {'Key': tags.TAG_INSTANCE, 'Value': ORPHAN_UUID},
            {'Key': tags.TAG_INSTANCE_NAME, 'Value': ORPHAN_NAME}]}])
    log('orphan EC2 instance %s left behind' % ORPHAN_NAME)


def seed_demo():
    t0 = time.monotonic()
    admin = seed.admin_conn()
    _seed_moto()
    projects = _projects(admin)
    _policy(admin)
    demo, webshop, analytics = (Project(n) for n in PROJECTS)
    ec2 = _ec2()
    demo.boot('demo-app-1', 'm1.small')
    analytics.boot('etl-db', 'private.medium')
    _peak(admin, webshop, demo)
    demo.boot('demo-api-1', 'ec2.small')
    for i in (1, 2, 3):
        analytics.boot('batch-%d' % i, 'ec2.medium')
    _drift(ec2, analytics)
    _orphan(ec2, projects['analytics'].id)
    log('the story is seeded (%.0f s)' % (time.monotonic() - t0))
