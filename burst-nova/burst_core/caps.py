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

"""The EC2 caps as a Placement inventory: pure Python, no I/O.

``burst:max_instances``, ``burst:max_vcpus`` and ``burst:max_cost_per_hour``
are enforced by Placement itself, not by counting before the fact: one
resource provider per burst aggregate (named ``burst-caps:<aggregate>``)
has an inventory that stands for each cap, and every EC2 instance holds an
allocation of it (one instance, its vCPUs, its price in
``policy.COST_UNIT`` USD/h) next to its allocation of the EC2 host, under
the instance's own consumer. Placement refuses a claim that would pass an
inventory atomically -- for a multi-create, for several schedulers and
EC2 computes alike -- and Nova releases it with the rest of the instance's
allocations when the instance is deleted.

The usages of that provider are also the public pool the scheduler and
the dashboard count: what the driver claimed from the flavor and the price
book, never anything a project member can write.
"""
from burst_core import policy

PROVIDER_PREFIX = 'burst-caps:'
INSTANCES = 'CUSTOM_BURST_INSTANCES'
VCPUS = 'CUSTOM_BURST_VCPUS'
COST = 'CUSTOM_BURST_COST'          # units of policy.COST_UNIT USD/h
RESOURCE_CLASSES = (INSTANCES, VCPUS, COST)
CAP_FIELDS = {INSTANCES: 'max_instances', VCPUS: 'max_vcpus',
              COST: 'max_cost_per_hour'}
NAMES = {INSTANCES: 'EC2 instance cap', VCPUS: 'EC2 vCPU cap',
         COST: 'EC2 cost cap'}


def provider_name(aggregate_name):
    return PROVIDER_PREFIX + aggregate_name


def _units(rc, cap):
    return policy.cost_units(cap) if rc == COST else int(cap)


def inventories(burst_policy):
    """Placement inventories that stand for the policy's caps. No cap:
    the largest total Placement takes. A cap of 0: total 1, all reserved
    (Placement wants total >= 1)."""
    inv = {}
    for rc, field in CAP_FIELDS.items():
        cap = getattr(burst_policy, field)
        total = policy.MAX_CAP if cap is None else min(_units(rc, cap),
                                                       policy.MAX_CAP)
        inv[rc] = {'total': max(total, 1), 'reserved': 0 if total else 1,
                   'min_unit': 1, 'max_unit': max(total, 1),
                   'step_size': 1, 'allocation_ratio': 1.0}
    return inv


def same_inventories(current, wanted):
    """Whether Placement's inventories already are ``wanted``."""
    keys = ('total', 'reserved', 'min_unit', 'max_unit', 'step_size',
            'allocation_ratio')
    return set(current) == set(wanted) and all(
        all(current[rc].get(k) == wanted[rc][k] for k in keys)
        for rc in wanted)


def claim(vcpus, hourly_price):
    """What one EC2 instance holds of the caps. An unknown price holds no
    cost (the driver refuses it first when a cost cap is set)."""
    wanted = {INSTANCES: 1, VCPUS: max(int(vcpus), 1)}
    if hourly_price:
        wanted[COST] = max(policy.cost_units(hourly_price), 1)
    return wanted


def public_pool(usages):
    """policy.PublicPool from the caps provider's usages (None: no
    provider yet, nothing claimed)."""
    usages = usages or {}
    return policy.PublicPool(
        instances=int(usages.get(INSTANCES, 0)),
        vcpus=int(usages.get(VCPUS, 0)),
        cost_per_hour=usages.get(COST, 0) * policy.COST_UNIT)


def passed(inventories_now, usages, wanted):
    """The caps a claim of ``wanted`` would pass, by resource class."""
    return [rc for rc in RESOURCE_CLASSES
            if rc in wanted and rc in inventories_now and
            usages.get(rc, 0) + wanted[rc] >
            policy.capacity_of(inventories_now[rc])]


def over(inventories_now, usages):
    """The caps whose usage is over their capacity now."""
    return passed(inventories_now, usages,
                  dict.fromkeys(RESOURCE_CLASSES, 0))


def refusal(classes):
    """A member-safe reason: which cap, no figure of the cloud."""
    return '%s reached' % ' and '.join(NAMES[rc] for rc in classes) \
        if classes else 'EC2 caps reached'
