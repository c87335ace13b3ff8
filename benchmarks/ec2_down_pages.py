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

"""Every EC2-reading page of the dashboard with EC2 blackholed, as a ratio
to the same page with EC2 healthy.

    .venv/bin/python -m benchmarks.ec2_down_pages [--runs 5] [--delay 120]

Uses the running local cloud and its Horizon, which reaches EC2 through
the fault proxy (localcloud/ec2proxy.py). Logs in as admin (Admin → Cloud
Bursting → Capacity and → Instances) and as the demo member (Project →
Compute → Burst Instances). For each page: the median of --runs loads
with EC2 healthy; then, with the proxy taking every EC2 request and not
answering it for --delay seconds (its ``slow`` mode: a blackhole as far as
the dashboard's 5 s read timeout goes) and the dashboard's back-off
forgotten, the first load and the --runs loads after it, each as a ratio
to the healthy median. Targets: the first load within 6 s, each load after
it at most 1.3 × healthy (the dashboard backs off from EC2 and renders at
once with a banner).

The proxy is shared with the EC2 nova-compute: while this runs, its EC2
calls time out too. At the end the proxy passes again and the back-off
state (in Horizon's memcached) is forgotten, so Horizon asks EC2 at once.
"""
import argparse
import os
import runpy
import statistics
import time

from benchmarks import capacity_page as common
from localcloud import ec2proxy
from localcloud import paths

PAGES = (  # name, user, path
    ('Capacity (admin)', 'admin', '/admin/burst_capacity/'),
    ('Instances (admin)', 'admin', '/admin/burst_instances/'),
    ('Burst Instances (project)', 'demo', '/project/burst_instances/'),
)
BANNER = 'unreachable since'
FIRST_TARGET = 6.0
AFTER_TARGET = 1.3


def horizon_backoff():
    """burst_dashboard.api.ec2 with Horizon's own cache (memcached) and
    BURST_DASHBOARD, read from the local_settings the cloud wrote: its
    back-off state is the one Horizon's workers share."""
    from django.conf import settings
    local = runpy.run_path(os.path.join(paths.ROOT, 'horizon', 'local',
                                        'local_settings.py'))
    if not settings.configured:
        settings.configure(CACHES=local['CACHES'], USE_TZ=True,
                           TIME_ZONE=local.get('TIME_ZONE', 'UTC'),
                           BURST_DASHBOARD=local['BURST_DASHBOARD'])
    endpoint = local['BURST_DASHBOARD']['ec2'].get('endpoint_url')
    if endpoint != paths.EC2_PROXY_URL:
        raise SystemExit('Horizon reaches EC2 at %s, not through the fault '
                         'proxy (%s): run `python -m localcloud up` again'
                         % (endpoint, paths.EC2_PROXY_URL))
    from burst_dashboard.api import ec2 as ec2_api
    return ec2_api


def load(session, path):
    t0 = time.perf_counter()
    r = session.get(paths.url('horizon', path), timeout=120)
    took = time.perf_counter() - t0
    r.raise_for_status()
    if 'auth/login' in r.url:
        raise SystemExit('%s: not logged in' % path)
    return took, BANNER in r.text


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--runs', type=int, default=5)
    p.add_argument('--delay', type=float, default=120,
                   help='seconds the proxy holds each EC2 request')
    args = p.parse_args()
    ec2_api = horizon_backoff()
    sessions = {user: common.login(user) for user in {u for _, u, _ in PAGES}}
    ec2proxy.ec2_faults(mode='pass')
    ec2_api.forget_outages()
    healthy = {name: [] for name, _, _ in PAGES}

    def measure_healthy():
        for name, user, path in PAGES:
            load(sessions[user], path)   # warm (caches, compressed assets)
            for _ in range(args.runs):
                took, banner = load(sessions[user], path)
                if banner:
                    raise SystemExit('%s shows the EC2 banner with EC2 '
                                     'healthy' % name)
                healthy[name].append(took)
    measure_healthy()
    down = {}
    try:
        ec2proxy.ec2_faults(mode='slow', delay=args.delay)
        for name, user, path in PAGES:
            ec2_api.forget_outages()   # each page's first load asks EC2
            first, _ = load(sessions[user], path)
            outage = ec2_api.outage(None)
            after = [load(sessions[user], path) for _ in range(args.runs)]
            if not all(banner for _, banner in after):
                raise SystemExit('%s: no EC2 banner while backing off'
                                 % name)
            down[name] = (first, [t for t, _ in after], outage)
    finally:
        ec2proxy.ec2_faults(mode='pass')
        ec2_api.forget_outages()
    # Healthy again, after: the baseline is the median of the loads before
    # and after (this machine's load drifts).
    measure_healthy()
    print('EC2 blackholed: the fault proxy holds every request %.0f s; '
          'runs: %d; healthy = median of %d loads, before and after' % (
              args.delay, args.runs, 2 * args.runs))
    print('%-26s %9s  %-17s  %s' % ('page', 'healthy', 'first load',
                                    'the %d loads after it (ratio to '
                                    'healthy)' % args.runs))
    first_ok = median_ok = every_ok = True
    for name, _, _ in PAGES:
        first, after, outage = down[name]
        base = statistics.median(healthy[name])
        ratios = [t / base for t in after]
        first_ok &= first <= FIRST_TARGET and outage is not None
        median_ok &= statistics.median(ratios) <= AFTER_TARGET
        every_ok &= max(ratios) <= AFTER_TARGET
        print('%-26s %8.3fs  %6.2fs (%5.1f×)  %s  median %.2f max %.2f%s'
              % (name, base, first, first / base,
                 ' '.join('%.2f' % r for r in ratios),
                 statistics.median(ratios), max(ratios),
                 '' if outage else '  (no back-off recorded!)'))
        print('%-26s healthy loads alone: %.2f-%.2f × their median; '
              'back-off after the first load: %s, not asked again for '
              '%.0f s' % ('', min(healthy[name]) / base,
                          max(healthy[name]) / base,
                          outage.kind if outage else '-',
                          outage.retry_at - outage.recorded
                          if outage else 0))
    print('first load <= %.0f s (and back-off recorded): %s' % (
        FIRST_TARGET, 'met' if first_ok else 'NOT MET'))
    print('loads after it <= %.1f × healthy: median %s; every load %s' % (
        AFTER_TARGET, 'met' if median_ok else 'NOT MET',
        'met' if every_ok else 'NOT MET'))


if __name__ == '__main__':
    main()
