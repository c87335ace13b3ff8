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

"""Boot-to-ACTIVE through Nova on the EC2 host vs a bare boto3
run_instances + wait against the same moto, in the same run.

    .venv/bin/python -m benchmarks.ec2_boot [--runs 7]

Needs the local cloud (python -m localcloud up). Prints the medians and
their ratio; Nova's overhead is API, scheduling, Placement, conductor and
compute RPCs around the same EC2 calls.
"""
import argparse
import statistics
import time
import uuid

import boto3

from localcloud import paths
from localcloud import seed
from tests import helpers


def nova_boot(conn, image, flavor):
    t0 = time.perf_counter()
    server = conn.compute.create_server(
        name='bench-%s' % uuid.uuid4().hex[:6], image_id=image.id,
        flavor_id=flavor.id, networks='none')
    conn.compute.wait_for_server(server, wait=120, interval=0.2)
    elapsed = time.perf_counter() - t0
    conn.compute.delete_server(server)
    helpers.wait_gone(conn, server, wait=120)
    return elapsed


def boto3_boot(ec2):
    t0 = time.perf_counter()
    iid = ec2.run_instances(
        ImageId='ami-785db401', InstanceType='c7a.medium', MinCount=1,
        MaxCount=1, TagSpecifications=[{'ResourceType': 'instance', 'Tags': [
            {'Key': 'Name', 'Value': 'bench-bare'}]}],
    )['Instances'][0]['InstanceId']
    ec2.get_waiter('instance_running').wait(
        InstanceIds=[iid], WaiterConfig={'Delay': 0.2, 'MaxAttempts': 600})
    elapsed = time.perf_counter() - t0
    ec2.terminate_instances(InstanceIds=[iid])
    return elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--runs', type=int, default=7)
    args = p.parse_args()
    conn = seed.admin_conn('demo')
    image = conn.image.find_image(seed.IMAGE_NAME, ignore_missing=False)
    flavor = conn.compute.find_flavor('ec2.small', ignore_missing=False)
    ec2 = boto3.client('ec2', endpoint_url=paths.EC2_URL,
                       region_name=paths.EC2_REGION,
                       aws_access_key_id='bench', aws_secret_access_key='x')
    nova_boot(conn, image, flavor)  # warm caches (instance types, tokens)
    boto3_boot(ec2)
    local = conn.compute.find_flavor('m1.small', ignore_missing=False)
    nova, bare, fake = [], [], []
    for _ in range(args.runs):  # interleaved, so all see the same load
        nova.append(nova_boot(conn, image, flavor))
        bare.append(boto3_boot(ec2))
        fake.append(nova_boot(conn, image, local))
    mn, mb = statistics.median(nova), statistics.median(bare)
    print('runs: %d' % args.runs)
    print('Nova boot-to-ACTIVE on %s: median %.3f s (min %.3f, max %.3f)'
          % (paths.EC2_HOST, mn, min(nova), max(nova)))
    print('bare boto3 run_instances + wait running: median %.3f s '
          '(min %.3f, max %.3f)' % (mb, min(bare), max(bare)))
    print('ratio of medians (Nova / bare boto3): %.1f' % (mn / mb))
    mf = statistics.median(fake)
    print('for scale, Nova boot-to-ACTIVE on a fake local host: median '
          '%.3f s; EC2 host / fake host: %.2f' % (mf, mn / mf))


if __name__ == '__main__':
    main()
