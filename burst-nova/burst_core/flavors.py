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

"""A flavor's resource request, the one rule the scheduler filter, the
Thresholds preview and the Instances page's repatriation candidates use.

Disk is what Nova asks Placement for: the root disk (none when the
instance boots from a volume), the ephemeral disk and the swap (MiB,
rounded up to whole GiB).
"""
from burst_core import policy
from burst_core import prices


def disk_gb(root_gb, ephemeral_gb, swap_mb, is_bfv=False):
    return (0 if is_bfv else int(root_gb or 0)) + int(ephemeral_gb or 0) + \
        -(-int(swap_mb or 0) // 1024)


def request(vcpus, memory_mb, root_gb, ephemeral_gb, swap_mb, extra_specs,
            region, book=None, is_bfv=False):
    """policy.Request for one instance of a flavor; its EC2 instance type
    and hourly price as ``book`` (a prices.PriceBook) has them. Raises
    policy.PolicyError for a bad ``burst:placement``."""
    extra_specs = dict(extra_specs or {})
    instance_type, price = prices.estimate(region, vcpus, memory_mb,
                                           extra_specs, book)
    return policy.Request(
        vcpus=int(vcpus), memory_mb=int(memory_mb),
        disk_gb=disk_gb(root_gb, ephemeral_gb, swap_mb, is_bfv),
        placement=policy.request_placement(extra_specs),
        hourly_price=price, instance_type=instance_type)


def server_request(server, region=None, book=None):
    """The same for a Nova server as the API shows it (microversion 2.47:
    flavor embedded; booted from a volume when it has no image)."""
    flavor = server.get('flavor') or {}
    return request(flavor.get('vcpus') or 0, flavor.get('ram') or 0,
                   flavor.get('disk'), flavor.get('ephemeral'),
                   flavor.get('swap'), flavor.get('extra_specs'), region,
                   book, is_bfv=not server.get('image'))
