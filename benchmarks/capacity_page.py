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

"""Admin → Cloud Bursting → Capacity vs Horizon's own Admin → Hypervisors,
on the same local cloud with at least 50 hypervisors.

    .venv/bin/python -m benchmarks.capacity_page [--nodes 50] [--runs 7]
        [--host bench] [--keep]

Starts one extra nova-compute (--host, "bench") standing for --nodes fake
hypervisors (MultiNodeFakeDriver); with another host name it runs
beside the "bench" compute an instances benchmark left with --keep
(200 hypervisors in all: --host bench2 --nodes 150). Logs into Horizon
as admin, then loads both pages in turn. Prints the median render time
of each, their ratio, and the backend requests each page made
(access-log lines of Keystone, Nova, Placement, Glance, Neutron and the
EC2 endpoint, median over runs).
The extra compute is stopped and its services deleted at the end unless
--keep.
"""
import argparse
import os
import re
import statistics
import time

import requests

from localcloud import apis
from localcloud import paths
from localcloud import procs
from localcloud import seed

BACKENDS = ('keystone', 'nova-api', 'placement', 'glance', 'neutron', 'moto')
ACCESS = re.compile(rb'^\S+ - - \[[^\]]+\] "(GET|POST|PUT|PATCH|DELETE|HEAD) ',
                    re.M)
PAGES = {'capacity': '/admin/burst_capacity/',
         'hypervisors': '/admin/hypervisors/'}


def log_sizes():
    return {b: os.path.getsize(procs.log_path(b)) for b in BACKENDS}


# Requests Nova's own services make meanwhile (periodic tasks of the fake
# computes, the scheduler): not the page's.
BACKGROUND = (b'"nova-compute ', b'"compute.py ', b'"nova-scheduler ',
              b'"nova-conductor ')


def requests_since(sizes, by_backend=None, until=None):
    """Access-log lines since ``sizes`` (up to ``until``, sizes too, when
    given) but those of Nova's own services; per backend into
    ``by_backend`` (a dict) when given."""
    count = 0
    for b, size in sizes.items():
        with open(procs.log_path(b), 'rb') as f:
            f.seek(size)
            text = f.read() if until is None else f.read(until[b] - size)
            found = sum(1 for line in text.splitlines()
                        if ACCESS.match(line) and
                        not any(ua in line for ua in BACKGROUND))
        count += found
        if by_backend is not None:
            by_backend[b] = by_backend.get(b, 0) + found
    return count


def login(user='admin'):
    """A requests session logged in to the local cloud's Horizon."""
    s = requests.Session()
    url = paths.url('horizon', '/auth/login/')
    form = s.get(url, timeout=30).text
    hidden = dict(re.findall(
        r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    r = s.post(url, timeout=60, allow_redirects=True, headers={
        'Referer': url}, data=dict(hidden, username=user,
                                   password=paths.secrets_()[user]))
    if 'auth/login' in r.url:
        raise SystemExit('Horizon login failed for %s' % user)
    return s


def start_bench(conn, nodes, host='bench'):
    apis.start_compute(host, nodes=nodes)
    want = {'%s-%02d' % (host, i) for i in range(1, nodes + 1)}
    procs.wait_for('nova-compute-' + host, lambda: want <= {
        p.name for p in conn.placement.resource_providers()}, 300,
        interval=2)
    apis.discover_hosts()
    procs.wait_for('nova-compute-' + host, lambda: want <= {
        h.name for h in conn.compute.hypervisors()}, 120, interval=2)


def stop_bench(conn, host='bench'):
    procs.stop('nova-compute-' + host)
    for svc in conn.compute.services(binary='nova-compute', host=host):
        conn.compute.delete_service(svc)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--nodes', type=int, default=50)
    p.add_argument('--runs', type=int, default=7)
    p.add_argument('--host', default='bench')
    p.add_argument('--keep', action='store_true')
    args = p.parse_args()
    conn = seed.admin_conn()
    start_bench(conn, args.nodes, args.host)
    try:
        hypervisors = len(list(conn.compute.hypervisors()))
        session = login()
        times = {k: [] for k in PAGES}
        calls = {k: [] for k in PAGES}
        for page in PAGES.values():  # warm both (caches, compressed JS)
            session.get(paths.url('horizon', page), timeout=120)
        for _ in range(args.runs):
            for name, page in PAGES.items():
                sizes = log_sizes()
                t0 = time.perf_counter()
                r = session.get(paths.url('horizon', page), timeout=120)
                times[name].append(time.perf_counter() - t0)
                r.raise_for_status()
                time.sleep(0.3)  # let the access logs flush
                calls[name].append(requests_since(sizes))
        med = {k: statistics.median(v) for k, v in times.items()}
        print('hypervisors: %d, runs: %d' % (hypervisors, args.runs))
        for name in PAGES:
            print('%-12s median %.3f s (min %.3f, max %.3f), backend '
                  'requests per page: median %d' % (
                      name, med[name], min(times[name]), max(times[name]),
                      statistics.median(calls[name])))
        print('ratio of medians (Capacity / Hypervisors): %.2f'
              % (med['capacity'] / med['hypervisors']))
    finally:
        if not args.keep:
            stop_bench(conn, args.host)


if __name__ == '__main__':
    main()
