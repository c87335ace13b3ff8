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
