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

"""Options of the ``[burst]`` group, shared by the scheduler filter and the
EC2 driver (both read the policy and the caps from the same places)."""
from oslo_config import cfg

burst_group = cfg.OptGroup('burst', title='Cloud bursting to EC2')
burst_opts = [
    cfg.StrOpt('aggregate_name', default='burst-ec2',
               help='Host aggregate holding the EC2 pseudo-hypervisors; '
                    'its burst:* metadata is the burst policy.'),
    cfg.DictOpt('price_overrides', default={},
                deprecated_opts=[cfg.DeprecatedOpt('price_overrides',
                                                   group='ec2')],
                help='Hourly USD price per EC2 instance type '
                     '(type:price,...): for the cost cap and the choice of '
                     'the cheapest type, in the scheduler filter and the '
                     'EC2 driver alike.'),
    cfg.BoolOpt('use_pricing_api', default=True,
                help='Ask the AWS Pricing API for prices (boto3 default '
                     'credential chain), else use the shipped table.'),
    cfg.StrOpt('pricing_endpoint_url',
               help='Pricing API endpoint; unset for AWS itself.'),
    cfg.FloatOpt('usage_max_age', default=5.0, min=0.0,
                 help='Seconds the burst filter may count on the usages it '
                      'read from Placement. A claim is seen at once (it '
                      'bumps the provider generation); room freed by a '
                      'delete, which does not, within this time. 0: read '
                      'every usage for every request.'),
    cfg.FloatOpt('placement_timeout', default=5.0, min=0.1,
                 help='Seconds each Placement call of the burst filter and '
                      'of the EC2 driver\'s cap claim may take (connect '
                      'and read).'),
    cfg.FloatOpt('decision_record_timeout', default=300.0, min=1.0,
                 help='Seconds the burst filter waits for Nova to create an '
                      'instance it decided for (conductor does, after '
                      'scheduling) before giving up writing its decision '
                      'record (an instance action).'),
]


def register_opts(conf):
    if 'burst' not in conf:
        conf.register_group(burst_group)
    conf.register_opts(burst_opts, group=burst_group)


def list_opts():
    return {burst_group: burst_opts}
