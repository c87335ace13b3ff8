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

"""Admin → Cloud Bursting → Instances vs Horizon's own Admin → Instances,
and vs the floor (one Nova list plus one EC2 describe, in parallel), on the
same 1,000 instances of the local cloud.

    .venv/bin/python -m benchmarks.instances_page [--local 600] [--ec2 400]
        [--runs 7] [--keep]

Starts one extra nova-compute ("bench", 50 fake hypervisors) so the local
instances fit under the burst thresholds, restarts the EC2 compute with a
vCPU quota large enough for --ec2 instances, boots --local m1.tiny
(local) and --ec2 ec2.small (EC2, through the EC2 driver and moto) at
once, in batches (min_count, a few building at a time), logs into
Horizon as admin and, each run, loads in turn:

- ours, first page, cold: the shared cache (memcached) emptied, so only
  Nova's newest servers are read (the page must say it is partial) and
  the full reads run behind it (before each page the benchmark waits
  for the reads an earlier page left running behind it, so that no page,
  Horizon's included, pays for another's)
- ours, first page, warm after 1 % of the servers changed (renamed): only
  the changes are read from Nova (changes-since) and EC2 (the instances of
  the changed servers)
- ours, the next page (the pager: the first page's snapshot)
- ours, the filtered and sorted lists (EC2 by cost, drift, by name,
  oldest first)
- ours, EC2 by cost, cold: a list of EC2 instances on an emptied cache:
  no describe of the region known to be quick (moto's takes seconds),
  the newest instead (the page must say so; the region described and
  every server read behind it), then the time until the list asked for
  is whole, as by name below
- ours, by name, cold: the first page of the list sorted by name, on an
  emptied cache: it needs every name, so, no full read being known to
  be quick, the newest instead (the page must say so; every server read
  behind it), then the time until the list asked for is whole ("whole":
  from the first request to the end of the load after the read behind)
- ours, oldest first, cold: the first page of the list oldest first, on
  an emptied cache (only Nova's oldest servers read, as the newest for
  the first page; the page must say so)
- ours, local, cold: the first page of the local instances, on an
  emptied cache (only Nova's first page of each local host; the page
  must say so)
- ours, by cost, cold: every instance by cost, most first, on an
  emptied cache: the newest instead and the time until it is whole, as
  EC2 by cost (with a describe known to be quick, only the EC2 side
  would be read, when its billed instances fill the page)
- ours, by status, cold: the first page of the list by status, on an
  emptied cache (the first servers of each status's list read from Nova,
  its status filter, by UUID; the page must say so)
- ours, by project, cold: a list that needs every server, on an emptied
  cache: the newest instead, and the time until it is whole, as by name
- Horizon's Admin → Instances (its default page size)
- the floor: Nova ``GET /servers/detail`` of every project (all pages,
  microversion 2.47) and EC2 ``describe_instances`` filtered by the
  managed-by tag, in parallel, with bare clients (no Django, no rendering)

A cold page that does not say it read what it should (the newest only,
the EC2 side only, ...) is printed as NOT AS EXPECTED: its figure then
times another read. Prints the median time of each, its ratio to
Horizon's page and to the floor, and the backend requests each page
made (access-log lines of Keystone, Nova, Placement, Glance, Neutron and
moto; per backend).
Deletes the instances and the bench compute at the end unless --keep.
"""
import argparse
from concurrent import futures
import datetime
import html
import os
import re
import statistics
import time

import boto3
from novaclient import client as nova_client

from benchmarks import capacity_page as common
from localcloud import apis
from localcloud import infra
from localcloud import paths
from localcloud import procs
from localcloud import seed

PAGES = {
    'ours': '/admin/burst_instances/',
    'ours (EC2, by cost)': '/admin/burst_instances/?show=ec2&sort=cost',
    'ours (drift)': '/admin/burst_instances/?show=drift',
    'ours (by name)': '/admin/burst_instances/?sort=name&dir=asc',
    'ours (oldest)': '/admin/burst_instances/?sort=created&dir=asc',
    'ours (local)': '/admin/burst_instances/?show=local',
    'horizon': '/admin/instances/',
}
# Cold only: every instance by cost (led by the EC2 side), by status
# (each status's first servers), and a list that needs every server (no
# order Nova sorts or filters by, none EC2 leads).
BY_COST = '/admin/burst_instances/?sort=cost'
BY_STATUS = '/admin/burst_instances/?sort=status'
EVERY = '/admin/burst_instances/?sort=project'
BATCH = 50
# A page of Nova's full list of 5,000 servers can take over 30 s here.
LIST_TIMEOUT = 300
# Batches building at once (benchmarks.instances_page.boot).
IN_FLIGHT = 3
# What the cold first page says (instances_base's template).
PARTIAL = 'burst-servers-partial'
# What a cold list that needs every server (or name) says when it shows
# the newest instead.
STAND_IN = 'burst-servers-stand-in'
# What the cold first page oldest first says (only Nova's oldest read).
OLDEST = 'burst-servers-oldest'
# What the cold first page of the local list says (each local host's).
LOCAL_SIDE = 'burst-servers-local-side'
# What the cold first page by status says (each status's first read).
BY_STATUS_FIRST = 'burst-servers-by-status'
# The locks of the reads that run behind the pages (api/kept.py), as
# Django names them in memcached.
BACKGROUND_LOCKS = (':1:burst-servers:all:reading',
                    ':1:burst-ec2:%s:all:reading' % paths.EC2_REGION,
                    ':1:burst-pool:reading')


def _conn():
    return seed.admin_conn(api_timeout=LIST_TIMEOUT)


def boot(conn, flavor, count, host_check):
    """``count`` ``flavor`` instances named bench-<flavor>-…, ACTIVE where
    ``host_check`` says, in batches of BATCH (min_count) with IN_FLIGHT
    batches building at once (Nova schedules one while another spawns);
    those that end in ERROR (e.g. a heartbeat missed under load) are
    deleted and booted again."""
    image = conn.image.find_image(seed.IMAGE_NAME)
    fl = conn.compute.find_flavor(flavor, ignore_missing=False)
    prefix = 'bench-%s-' % flavor

    def listed(**query):
        return _named(conn, prefix, **query)
    # Those an earlier run (--keep) left count, as made or as asked when
    # building; those it left failed are deleted, not counted. Then Nova's
    # short lists of those building and those failed tell how many are
    # made.
    made = len(listed(status='ACTIVE'))
    asked = len(listed(status='BUILD'))
    earlier = listed(status='ERROR')
    for s in earlier:
        conn.compute.delete_server(s)
    failed, seen = 0, {s.id for s in earlier}
    while True:
        building = listed(status='BUILD')
        for s in listed(status='ERROR'):
            if s.id not in seen:
                seen.add(s.id)
                failed += 1
                conn.compute.delete_server(s)
        done = made + asked - len(building) - failed
        if done >= count:
            break
        n = min(BATCH, count - done - len(building))
        if n > 0 and len(building) <= BATCH * (IN_FLIGHT - 1):
            conn.compute.create_server(
                name='%s%d' % (prefix, made + asked), image_id=image.id,
                flavor_id=fl.id, networks='none', min_count=n, max_count=n)
            asked += n
        time.sleep(5)   # polling Nova less often leaves it more time
    _wait_settled(conn, prefix)
    servers = [s for s in conn.compute.servers(all_projects=True)
               if s.name.startswith(prefix)]
    wrong = [s for s in servers if s.status != 'ACTIVE' or
             not host_check(s.compute_host)]
    if wrong:
        raise SystemExit('%d of %d %s instances not ACTIVE where expected '
                         '(e.g. %s %s on %s)' % (
                             len(wrong), len(servers), flavor, wrong[0].id,
                             wrong[0].status, wrong[0].compute_host))
    return servers


def _named(conn, prefix, **query):
    """The servers whose names start with ``prefix``, of every project:
    IDs and names only (Nova's summary list, cheaper under load)."""
    return [s for s in conn.compute.servers(
        details=False, all_projects=True, **query)
        if s.name.startswith(prefix)]


def _wait_settled(conn, prefix, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _named(conn, prefix, status='BUILD'):
            return
        time.sleep(2)
    raise SystemExit('instances still building after %d s' % timeout)


def delete_all(conn):
    servers = [s for s in conn.compute.servers(all_projects=True)
               if s.name.startswith('bench-')]
    for s in servers:
        conn.compute.delete_server(s, ignore_missing=True)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline and any(
            s.name.startswith('bench-')
            for s in conn.compute.servers(all_projects=True)):
        time.sleep(3)


def restart_ec2_compute(quota=None):
    name = 'nova-compute-' + paths.EC2_HOST
    conn = _conn()
    if quota and procs.pid_of(name) and (_vcpus(conn) or 0) >= quota:
        return   # already offering it (an earlier run with --keep)
    stopped = datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None)
    procs.stop(name)
    if quota is None:
        os.environ.pop('BURST_EC2_VCPU_QUOTA', None)
    else:
        os.environ['BURST_EC2_VCPU_QUOTA'] = str(quota)
    apis.start_ec2_compute()
    want = quota or 64

    def ready():
        # Up again (a heartbeat since the restart, or the scheduler drops
        # the host) and offering the new quota.
        if not any(svc.state == 'up' and svc.updated_at and
                   datetime.datetime.fromisoformat(svc.updated_at) > stopped
                   for svc in conn.compute.services(
                       binary='nova-compute', host=paths.EC2_HOST)):
            return False
        return _vcpus(conn) == want
    # Starting, nova-compute checks every instance it has with EC2.
    procs.wait_for(name, ready, 1200, interval=5)


def _vcpus(conn):
    for rp in conn.placement.resource_providers(name=paths.EC2_HOST):
        for inv in conn.placement.resource_provider_inventories(rp):
            if inv.resource_class == 'VCPU':
                return inv.total
    return None


def flush_cache():
    """Empty the memcached Horizon shares (servers, pager snapshots,
    decision records): the next load is a cold one. The reads an earlier
    page left behind it are waited for first: emptied, the cache would
    hold no lock of theirs to wait for, and they would run (and write
    into the cache) during the cold page, their requests counted as its
    own."""
    wait_background()
    infra.flush_memcached()


def wait_background(timeout=300):
    """Until no read runs behind the pages (their locks are gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if infra.memcached(('get %s\r\n' % ' '.join(
                BACKGROUND_LOCKS)).encode()) == b'END\r\n':
            return
        time.sleep(0.5)
    raise SystemExit('reads behind the pages still running after %d s'
                     % timeout)


def floor_calls():
    """The floor: one Nova list of every project (all pages) and one EC2
    describe (managed-by tag), in parallel, with bare clients."""
    conn = _conn()
    nova = nova_client.Client('2.47', session=conn.session)
    ec2 = boto3.client('ec2', endpoint_url=paths.EC2_URL,
                       region_name=paths.EC2_REGION,
                       aws_access_key_id='bench', aws_secret_access_key='x')

    def servers():
        return nova.servers.list(detailed=True, limit=-1,
                                 search_opts={'all_tenants': True})

    def described():
        pages = ec2.get_paginator('describe_instances').paginate(Filters=[
            {'Name': 'tag:openstack:managed-by',
             'Values': [paths.EC2_MANAGED_BY]}])
        return [i for p in pages for r in p['Reservations']
                for i in r['Instances']]

    def run():
        with futures.ThreadPoolExecutor(2) as pool:
            a, b = pool.submit(servers), pool.submit(described)
            return len(a.result()), len(b.result())
    return run


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--local', type=int, default=600)
    p.add_argument('--ec2', type=int, default=400)
    p.add_argument('--runs', type=int, default=7)
    p.add_argument('--nodes', type=int, default=50)
    p.add_argument('--keep', action='store_true')
    args = p.parse_args()
    conn = _conn()
    t0 = time.monotonic()
    common.start_bench(conn, args.nodes)
    restart_ec2_compute(quota=max(64, args.ec2 * 2))
    try:
        # Both sides at once, each with its own connection: EC2's boots
        # wait on moto and the EC2 driver, the local ones on Nova.
        with futures.ThreadPoolExecutor(2) as pool:
            for booted in [
                    pool.submit(boot, _conn(), 'ec2.small',
                                args.ec2, lambda h: h == paths.EC2_HOST),
                    pool.submit(boot, _conn(), 'm1.tiny',
                                args.local, lambda h: h != paths.EC2_HOST)]:
                booted.result()
        print('booted %d local + %d EC2 instances in %.0f s' % (
            args.local, args.ec2, time.monotonic() - t0))
        servers = [s for s in conn.compute.servers(all_projects=True)]
        floor = floor_calls()
        session = common.login()
        for page in PAGES.values():   # warm caches and compressed JS
            session.get(paths.url('horizon', page), timeout=300)
        floor()
        times, calls, backends = {}, {}, {}

        def load(name, page, check=True):
            # No page pays for the reads an earlier one left behind it.
            wait_background()
            sizes = common.log_sizes()
            start = time.perf_counter()
            r = session.get(paths.url('horizon', page), timeout=300)
            times.setdefault(name, []).append(time.perf_counter() - start)
            # The page's requests were logged by the time it came back; the
            # reads behind it start only now (api/kept.py): not counted.
            until = common.log_sizes()
            r.raise_for_status()
            if check and 'burst_instances' in page and 'bench-' not in r.text:
                raise SystemExit('%s did not list the instances' % page)
            calls.setdefault(name, []).append(common.requests_since(
                sizes, backends.setdefault(name, {}), until=until))
            return r

        # What a page did not do as expected (it said so, or did not):
        # printed with the figures, which then time something else.
        surprises = []

        def expect(said, name, what):
            if not said:
                surprises.append('%s: not %s' % (name, what))

        def cold(name, page, marker, what):
            """A list on an emptied cache, which must say ``marker``."""
            flush_cache()
            expect(marker in load(name, page).text, name, what)

        def newest_then_whole(name, page):
            """A cold list that needs every server: the newest instead,
            then the list asked for, whole on the load after the read
            behind the page (timed from the first request)."""
            flush_cache()
            start = time.perf_counter()
            expect(STAND_IN in load(name + ', cold', page).text, name,
                   'the newest instead')
            expect(PARTIAL not in load(name + ', next', page).text, name,
                   'whole after the read behind it')
            times.setdefault(name + ', whole', []).append(
                time.perf_counter() - start)

        changed = max(1, len(servers) // 100)
        for run in range(args.runs):
            # Cold: nothing in the shared cache (servers, pager, records).
            cold('ours, cold', PAGES['ours'], PARTIAL, 'the newest only')
            # Warm, after 1 % of the servers changed (renamed).
            for s in servers[run * changed:(run + 1) * changed]:
                conn.compute.update_server(s, name=s.name + '-r%d' % run)
            r = load('ours, warm (1 % changed)', PAGES['ours'])
            # The pager walks the snapshot the first page was cut from.
            nxt = re.search(r'href="(\?[^"]*marker=[^"]*)"', r.text)
            load('ours, next page',
                 PAGES['ours'] + html.unescape(nxt.group(1)))
            for name, page in PAGES.items():
                if name != 'ours':     # the drift list may well be empty
                    load(name, page, check='drift' not in page)
            newest_then_whole('ours (EC2, by cost)',
                              PAGES['ours (EC2, by cost)'])
            newest_then_whole('ours (by name)', PAGES['ours (by name)'])
            cold('ours (oldest), cold', PAGES['ours (oldest)'], OLDEST,
                 "only Nova's oldest")
            cold('ours (local), cold', PAGES['ours (local)'], LOCAL_SIDE,
                 "only each local host's first")
            newest_then_whole('ours (by cost)', BY_COST)
            cold('ours (by status), cold', BY_STATUS, BY_STATUS_FIRST,
                 "only each status's first")
            newest_then_whole('ours (by project)', EVERY)
            wait_background()
            start = time.perf_counter()
            counted = floor()
            times.setdefault('floor', []).append(time.perf_counter() - start)
        med = {k: statistics.median(v) for k, v in times.items()}
        for surprise in surprises:
            print('NOT AS EXPECTED: ' + surprise)
        print('instances in Nova: %d (EC2 described: %d), runs: %d' % (
            len(servers), counted[1], args.runs))
        for name in times:
            extra = ''
            if name in calls:
                extra = ', backend requests per page: median %d (%s)' % (
                    statistics.median(calls[name]), ', '.join(
                        '%s %.0f' % (b, n / args.runs) for b, n in
                        sorted(backends[name].items()) if n))
            print('%-26s median %.3f s (min %.3f, max %.3f)%s' % (
                name, med[name], min(times[name]), max(times[name]), extra))
        for name in times:
            if name in ('horizon', 'floor'):
                continue
            print('%-26s / Horizon Admin -> Instances: %.2f   / floor: '
                  '%.2f' % (name, med[name] / med['horizon'],
                            med[name] / med['floor']))
    finally:
        if not args.keep:
            delete_all(conn)
            common.stop_bench(conn)
            restart_ec2_compute(None)


if __name__ == '__main__':
    main()
