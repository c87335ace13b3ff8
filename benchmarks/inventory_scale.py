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

"""What a warm Instances page costs Horizon itself as the cloud grows: the
work done on what is kept, whatever Nova and EC2 answer.

    .venv/bin/python -m benchmarks.inventory_scale [--sizes 1000 5000]
        [--ec2-share 0.4] [--runs 5]

For each size, servers and EC2 instances shaped as Nova (microversion
2.47) and EC2 answer, kept as the plugin keeps them: unpacking the kept
servers and EC2 instances (zlib + JSON), joining them
(``burst_core.inventory.join``), the counts, one page of the list sorted
by creation time and by cost, and pickling the pager's snapshot. Prints
the median of each step, the total, the sizes in the cache, and the ratio
of each size's total to the first size's. The backend's part of a warm
page (Nova's changes, one targeted EC2 describe) does not grow with the
cloud; this part does, and is the floor of what a page costs at that
size.
"""
import argparse
import datetime
import json
import pickle
import statistics
import time
import zlib

from burst_core import inventory

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
EC2_HOST = 'ec2-us-east-1'


def cloud(size, ec2_share):
    servers, described = [], []
    on_ec2 = int(size * ec2_share)
    for n in range(size):
        uid = '%08d-0000-4000-8000-000000000000' % n
        created = (NOW - datetime.timedelta(minutes=n)).isoformat()
        host = EC2_HOST if n < on_ec2 else 'bench-%02d' % (n % 50 + 1)
        servers.append({
            'id': uid, 'name': 'bench-%d' % n, 'status': 'ACTIVE',
            'tenant_id': 'p%d' % (n % 10), 'user_id': 'u',
            'hostId': 'h' * 56, 'OS-EXT-SRV-ATTR:host': host,
            'OS-EXT-STS:power_state': 1, 'OS-EXT-STS:task_state': None,
            'OS-EXT-STS:vm_state': 'active',
            'OS-EXT-AZ:availability_zone': 'nova',
            'flavor': {'original_name': 'ec2.small', 'vcpus': 1,
                       'ram': 2048, 'disk': 20, 'ephemeral': 0, 'swap': 0,
                       'extra_specs': {'burst:placement': 'public'}},
            'created': created, 'updated': created,
            'OS-SRV-USG:launched_at': created,
            'OS-SRV-USG:terminated_at': None, 'image': {'id': 'img'}})
        if host == EC2_HOST:
            described.append({
                'InstanceId': 'i-%017x' % n, 'InstanceType': 't3.small',
                'PrivateIpAddress': '10.0.%d.%d' % (n // 250, n % 250),
                'LaunchTime': created, 'StateTransitionReason': '',
                'State': {'Name': 'running'},
                'Placement': {'AvailabilityZone': 'us-east-1a'},
                'Tags': [{'Key': 'openstack:managed-by', 'Value': 'c'},
                         {'Key': 'openstack:instance-id', 'Value': uid},
                         {'Key': 'openstack:project-id',
                          'Value': 'p%d' % (n % 10)}]})
    return servers, described


def pack(value):
    return zlib.compress(json.dumps(value).encode('utf-8'))


def unpack(blob):
    return json.loads(zlib.decompress(blob).decode('utf-8'))


def one_page(servers_blob, ec2_blob):
    steps = {}
    t = time.perf_counter()
    servers = unpack(servers_blob)
    described = unpack(ec2_blob)
    steps['unpack'] = time.perf_counter() - t
    t = time.perf_counter()
    rows = inventory.join(servers, described, 'us-east-1',
                          {'t3.small': 0.0208}.get, NOW,
                          burst_hosts=frozenset({EC2_HOST}))
    steps['join'] = time.perf_counter() - t
    t = time.perf_counter()
    inventory.counts(rows)
    for key in ('created', 'cost'):
        inventory.page(inventory.order(inventory.select(rows), key, True),
                       20)
    steps['counts, sort, page'] = time.perf_counter() - t
    t = time.perf_counter()
    # the pager's, as the plugin keeps it (api.kept.put_compressed)
    snapshot = zlib.compress(pickle.dumps(rows, pickle.HIGHEST_PROTOCOL))
    steps['pager snapshot'] = time.perf_counter() - t
    steps['total'] = sum(steps.values())
    return steps, len(snapshot)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--sizes', type=int, nargs='+', default=[1000, 5000])
    p.add_argument('--ec2-share', type=float, default=0.4)
    p.add_argument('--runs', type=int, default=5)
    args = p.parse_args()
    totals = {}
    for size in args.sizes:
        servers, described = cloud(size, args.ec2_share)
        servers_blob, ec2_blob = pack(servers), pack(described)
        runs = [one_page(servers_blob, ec2_blob) for _ in range(args.runs)]
        snapshot = runs[0][1]
        runs = [r[0] for r in runs]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        totals[size] = med['total']
        print('%6d instances (%d on EC2), kept: servers %d KB, EC2 %d KB, '
              'pager snapshot %d KB: %s' % (
                  size, len(described), len(servers_blob) // 1024,
                  len(ec2_blob) // 1024, snapshot // 1024, ', '.join(
                          '%s %.0f ms' % (k, v * 1000)
                          for k, v in med.items())))
    first = args.sizes[0]
    for size in args.sizes[1:]:
        print('%d / %d instances: %.2f x the time' % (
            size, first, totals[size] / totals[first]))


if __name__ == '__main__':
    main()
