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

"""Validators for ``burst:`` flavor extra specs, registered with nova-api
through the ``nova.api.extra_spec_validators`` entry point, so that Nova
itself refuses a bad value."""
from nova.api.validation.extra_specs import base

from burst_core import policy
from burst_core import prices

EXTRA_SPEC_VALIDATORS = [
    base.ExtraSpecValidator(
        name=policy.PLACEMENT_SPEC,
        description='Where instances of this flavor may run: auto (the '
                    'burst thresholds decide), private (never EC2) or '
                    'public (always EC2, within the caps).',
        value={'type': str, 'enum': list(policy.PLACEMENTS)},
    ),
    base.ExtraSpecValidator(
        name=prices.INSTANCE_TYPE_SPEC,
        description='EC2 instance type for this flavor on the EC2 hosts '
                    '(default: the cheapest type that covers the flavor).',
        value={'type': str, 'pattern': r'[a-z][a-z0-9-]*\.[a-z0-9-]+'},
    ),
]


def register():
    return EXTRA_SPEC_VALIDATORS
