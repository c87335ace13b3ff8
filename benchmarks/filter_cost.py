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

"""Cost of the BurstFilter per scheduling request at 1,000 hosts, against
Nova's default filters on the same hosts, in-process.

    .venv/bin/python -m benchmarks.filter_cost [--hosts 1000] [--runs 200]

The Placement answers the filter reads (provider listing, then inventories
and usages of providers whose generation changed, and every usage once
``[burst] usage_max_age`` has passed; the public pool is the usages of the
caps provider among them) come from memory as JSON text, so the figure is
the filter's own CPU cost plus JSON parsing; between requests one
provider's generation changes, as after a real claim. Measured twice: as
configured (usage_max_age 5 s: the runs fit in it, so one full read), and
with usage_max_age 0 (every usage every request: the cost of the request
that refreshes them). Nova's filters run through Nova's own
HostFilterHandler.
"""
import argparse
import datetime
import json
import statistics
import time
from unittest import mock
import uuid

from nova import context as nova_context
from nova import objects
from nova.scheduler import filters as nova_filters
from nova.scheduler import host_manager

from burst_core import caps
from burst_core import policy
from burst_nova import placement as burst_placement
from burst_nova import scheduler

objects.register_all()
DEFAULT_FILTERS = ['ComputeFilter', 'ComputeCapabilitiesFilter',
                   'ImagePropertiesFilter', 'ServerGroupAntiAffinityFilter',
                   'ServerGroupAffinityFilter']


class FakeResponse(object):
    def __init__(self, text):
        self.text, self.status_code = text, 200

    def __bool__(self):
        return True

    def json(self):
        return json.loads(self.text)


class FakePlacement(object):
    """Placement's answers for n hosts, as JSON text."""

    def __init__(self, names):
        self.rps = [{'uuid': str(uuid.uuid4()), 'name': n, 'generation': 1}
                    for n in names]
        for rp in self.rps:
            rp['root_provider_uuid'] = rp['uuid']
        self.gets = 0

    def bump(self, i):
        self.rps[i % len(self.rps)]['generation'] += 1

    def get(self, url, microversion=None, global_request_id=None):
        self.gets += 1
        if url == '/resource_providers':
            return FakeResponse(json.dumps({'resource_providers': self.rps}))
        what = url.rsplit('/', 1)[1]
        if url.split('/')[2] == self.rps[-1]['uuid']:
            # The caps provider: what the EC2 instances hold of the caps.
            return FakeResponse(json.dumps({
                'inventories': {'inventories': caps.inventories(
                    policy.BurstPolicy())},
                'usages': {'usages': {caps.INSTANCES: 3, caps.VCPUS: 6,
                                      caps.COST: 2500}}}[what]))
        body = {
            'inventories': {'inventories': {
                'VCPU': {'total': 16, 'reserved': 0, 'allocation_ratio': 4.0,
                         'max_unit': 16},
                'MEMORY_MB': {'total': 32768, 'reserved': 512,
                              'allocation_ratio': 1.0, 'max_unit': 32768},
                'DISK_GB': {'total': 500, 'reserved': 0,
                            'allocation_ratio': 1.0, 'max_unit': 500}}},
            'usages': {'usages': {'VCPU': 8, 'MEMORY_MB': 8192,
                                  'DISK_GB': 80}},
        }[what]
        return FakeResponse(json.dumps(body))


def host_states(names):
    now = datetime.datetime.now(datetime.timezone.utc)
    states = []
    for n in names:
        hs = host_manager.HostState(n, n, 'cell1')
        hs.service = objects.Service(host=n, binary='nova-compute',
                                     disabled=False, forced_down=False,
                                     updated_at=now, created_at=now,
                                     last_seen_up=now)
        hs.supported_instances = [('x86_64', 'kvm', 'hvm')]
        hs.hypervisor_type, hs.hypervisor_version = 'fake', 1000
        hs.aggregates, hs.instances = [], {}
        states.append(hs)
    return states


def spec(ctx):
    return objects.RequestSpec(
        context=ctx, instance_uuid=str(uuid.uuid4()), num_instances=1,
        flavor=objects.Flavor(vcpus=2, memory_mb=4096, root_gb=40,
                              ephemeral_gb=0, swap=0, extra_specs={}),
        image=objects.ImageMeta.from_dict({'properties': {}}),
        scheduler_hints={}, instance_group=None, force_hosts=[],
        force_nodes=[], ignore_hosts=[], is_bfv=False)


def timed(fn, runs):
    samples = []
    for i in range(runs):
        t0 = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--hosts', type=int, default=1000)
    p.add_argument('--runs', type=int, default=200)
    args = p.parse_args()
    names = ['compute-%d' % i for i in range(args.hosts)] + ['ec2-region']
    ctx = nova_context.get_admin_context()
    states = host_states(names)
    request = spec(ctx)
    handler = nova_filters.HostFilterHandler()
    classes = handler.get_matching_classes(
        ['nova.scheduler.filters.all_filters'])
    defaults = [c() for c in classes if c.__name__ in DEFAULT_FILTERS]
    placement = FakePlacement(names + [caps.provider_name('burst-ec2')])
    agg = objects.Aggregate(id=1, name='burst-ec2', hosts=['ec2-region'],
                            metadata=policy.to_metadata(
                                policy.BurstPolicy(enabled=True)))
    burst = scheduler.BurstFilter()

    def run_defaults(i):
        out = list(handler.get_filtered_objects(defaults, states, request, 0))
        assert len(out) == len(states)

    def run_burst(i):
        placement.bump(i)
        out = list(burst.filter_all(states, request))
        assert len(out) == len(states) - 1

    with mock.patch.object(objects.AggregateList, 'get_all',
                           return_value=[agg]), \
            mock.patch.object(burst_placement, 'adapter',
                              return_value=placement), \
            mock.patch.object(scheduler.LOG, 'info'), \
            mock.patch.object(scheduler.decision_records, 'write',
                              return_value=True):
        # The decision record is written by nova-scheduler's writer thread,
        # off the request path, to Nova's database, which this in-process
        # benchmark has not: taken as written at once.
        run_burst(0)  # fills the provider cache, as a running scheduler has
        before = placement.gets
        burst_s = timed(run_burst, args.runs)
        gets = (placement.gets - before) / float(args.runs)
        scheduler.CONF.set_override('usage_max_age', 0, group='burst')
        before = placement.gets
        refresh_s = timed(run_burst, max(10, args.runs // 10))
        refresh_gets = (placement.gets - before) / float(
            max(10, args.runs // 10))
        scheduler.CONF.clear_override('usage_max_age', group='burst')
        default_s = timed(run_defaults, args.runs)
    print('hosts: %d, runs: %d' % (len(states), args.runs))
    print("Nova's default filters (%s): median %.2f ms per request"
          % (', '.join(DEFAULT_FILTERS), default_s * 1000))
    print('BurstFilter: median %.2f ms per request, %.1f Placement GETs per '
          'request (1 listing + 2 per changed provider)'
          % (burst_s * 1000, gets))
    print('ratio BurstFilter / default filters: %.2f'
          % (burst_s / default_s))
    print('BurstFilter reading every usage (the request that refreshes '
          'them, once per usage_max_age): median %.2f ms, %.1f GETs, '
          'ratio %.2f' % (refresh_s * 1000, refresh_gets,
                          refresh_s / default_s))


if __name__ == '__main__':
    main()
