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

"""Make a stock nova-compute find the EC2 driver.

Nova loads ``compute_driver`` only as ``nova.virt.<value>``. Out-of-tree
drivers therefore place a one-line module inside ``nova/virt/``; this command
writes (or removes) it in the Nova that this Python imports::

    python -m burst_nova.nova_shim
    # nova.conf: compute_driver = burst_ec2.EC2Driver
    python -m burst_nova.nova_shim --remove
"""
import argparse
import os
import sys

SHIM_NAME = 'burst_ec2'
SHIM = '''\
# Written by `python -m burst_nova.nova_shim` (burst-dashboard): lets
# nova-compute load `compute_driver = burst_ec2.EC2Driver`.
from burst_nova.ec2.driver import EC2Driver  # noqa: F401
'''


def shim_path():
    import nova.virt
    return os.path.join(os.path.dirname(nova.virt.__file__),
                        SHIM_NAME + '.py')


def install():
    path = shim_path()
    current = None
    if os.path.exists(path):
        with open(path) as f:
            current = f.read()
    if current != SHIM:
        with open(path, 'w') as f:
            f.write(SHIM)
    return path


def remove():
    path = shim_path()
    if os.path.exists(path):
        os.unlink(path)
    return path


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m burst_nova.nova_shim',
                                description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--remove', action='store_true')
    args = p.parse_args(argv)
    path = remove() if args.remove else install()
    print(('removed %s' if args.remove else 'installed %s') % path)


if __name__ == '__main__':
    sys.exit(main())
