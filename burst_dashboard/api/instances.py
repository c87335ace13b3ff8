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

"""Every instance, local or on EC2: one Nova server list and one
tag-filtered EC2 describe, read in parallel, joined by
:mod:`burst_core.inventory`.

Per page the backend sees a constant number of calls whatever the number
of instances: the Nova list (Nova hands out at most ``[api] max_limit``
servers per response, 1,000 by default, and novaclient follows its
``next`` links), one EC2 ``describe_instances`` (paginated by boto3 at
1,000 per response), and for admins the project list, the burst aggregate
and the private pool (Placement, cached by provider generation) for the
repatriation candidates. Never a call per row.
"""
import dataclasses
import logging

from django.utils.translation import gettext_lazy as _
from oslo_utils import timeutils

from openstack_dashboard.api import keystone
from openstack_dashboard.contrib.developer.profiler import api as profiler

from burst_core import inventory
from burst_core import policy
from burst_core import tags
from burst_core.tags import TAG_MANAGED_BY
from burst_core.tags import TAG_PROJECT
from burst_dashboard import api as burst_api_pkg
from burst_dashboard.api import burst as burst_api
from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard.api import heat
from burst_dashboard.api import servers as servers_api

LOG = logging.getLogger(__name__)

NOVA_MICROVERSION = servers_api.NOVA_MICROVERSION
# EC2 keeps terminated instances listed for about an hour: leave them out,
# a Nova instance without a live EC2 instance is drift either way.
DESCRIBED_STATES = inventory.LIVE + ('shutting-down',)


def is_configured():
    """Bursting is configured for this dashboard: an EC2 region (or a burst
    aggregate) is set in ``BURST_DASHBOARD``."""
    conf = ec2_api._settings()
    return bool(conf.get('aggregate') or ec2_api.ec2_settings().get(
        'region_name'))


def region_name():
    return ec2_api.ec2_settings().get('region_name') or \
        policy.BurstPolicy().region


def ec2_hosts():
    """The Nova hosts of the EC2 pseudo-hypervisors, for project users, who
    cannot read the burst aggregate: BURST_DASHBOARD['ec2']['hosts'], else the
    driver's naming, ``ec2-<region>``."""
    return ec2_api.ec2_settings().get('hosts') or \
        ['ec2-' + region_name()]


def server_list(request, all_projects=False):
    """The servers of the project, or of every project, as
    :func:`burst_dashboard.api.servers.server_list` keeps them."""
    return servers_api.server_list(request, all_projects)


@profiler.trace
def ec2_describe(request, region, project_id=None):
    """This cloud's EC2 instances (tagged managed-by), not terminated; only
    those of one project when ``project_id`` is given."""
    filters = [{'Name': 'tag:' + TAG_MANAGED_BY,
                'Values': [ec2_api.managed_by()]},
               {'Name': 'instance-state-name',
                'Values': list(DESCRIBED_STATES)}]
    if project_id:
        filters.append({'Name': 'tag:' + TAG_PROJECT,
                        'Values': [project_id]})
    pages = ec2_api.ec2_client(request, region).get_paginator(
        'describe_instances').paginate(Filters=filters)
    return tags.described_instances(*pages)


def _ec2_or_error(request, region, project_id=None):
    """(instances, None, None), or ([], why, outage) when EC2 cannot be
    read: local rows still render. The reason never holds a credential;
    ``outage`` is the dashboard's back-off from EC2 (None when it did not
    fail for want of an answer)."""
    try:
        return ec2_describe(request, region, project_id), None, None
    except ec2_api.Unavailable as e:   # backing off: no call was made
        return [], ec2_api.describe_error(e), e.outage
    except Exception as e:   # botocore raises many unrelated types
        why = ec2_api.describe_error(e)
        LOG.warning('EC2 describe_instances in %s failed: %s', region, why)
        return [], why, ec2_api.outage(request, region)


def _stacks_or_error(request, all_projects):
    """({server ID: Stack}, None), or ({}, why) when Heat cannot be read:
    the rows still render, without their stacks. ({}, None) for a cloud
    without Heat."""
    if not heat.is_enabled(request):
        return {}, None
    try:
        return heat.server_stacks(request, all_projects), None
    except heat.Forbidden:
        return {}, _("Heat's policy does not let administrators list every "
                     "project's stacks (stacks:global_index)")
    except Exception as e:
        LOG.warning('Could not read the stacks from Heat: %s', e)
        return {}, _("Heat could not be read")


def project_names(request):
    try:
        tenants, _more = keystone.tenant_list(request)
    except Exception as e:
        LOG.warning('Could not list projects: %s', e)
        return {}
    return {t.id: t.name for t in tenants}


def _policy_state(request):
    try:
        return burst_api.policy_get(request), None
    except burst_api.AggregateNotFound as e:
        return None, str(e)


def price_of(region, described):
    """instance type -> hourly USD for the described instances' types, from
    one book of burst_api's lookup (Pricing API where it answers, then the
    table, settings overrides first)."""
    return burst_api.price_lookup(region).book(
        [i.get('InstanceType') for i in described], wait=False).hourly


@dataclasses.dataclass
class Inventory:
    rows: list
    region: str
    ec2_error: str = None       # why EC2 could not be read
    ec2_outage: object = None   # ec2_api.Outage: backing off from EC2
    policy_error: str = None    # why there is no policy (no aggregate)
    repatriation_error: str = None
    stack_error: str = None     # why the stacks are not known
    servers: object = None      # servers_api.Servers: how fresh they are


def _now():
    return timeutils.utcnow(with_timezone=True)


@profiler.trace
def admin_inventory(request):
    """Every instance of every project, local and on EC2, with drift and
    repatriation candidates."""
    region = region_name()
    (state, policy_error), servers, (described, ec2_error, outage), \
        projects, hosts, zones, (stacks, stack_error) = \
        burst_api_pkg.call_functions_parallel(
            (_policy_state, [request]),
            (server_list, [request, True]),
            (_ec2_or_error, [request, region]),
            (project_names, [request]),
            (_or_none, [burst_api.compute_hosts, 'the private pool',
                        request]),
            (_or_none, [burst_api.availability_zones,
                        'the availability zones', request]),
            (_stacks_or_error, [request, True]))
    if state is not None and state.policy.region != region:
        # The policy names another region than the dashboard's settings
        # (a second describe only for this misconfiguration).
        LOG.warning('BURST_DASHBOARD region %s is not the burst policy\'s '
                    'region %s', region, state.policy.region)
        region = state.policy.region
        described, ec2_error, outage = _ec2_or_error(request, region)
    # Without the burst aggregate the EC2 hosts are unknown: a server is
    # then on EC2 when an EC2 instance tagged at launch with its ID says so.
    burst_hosts = frozenset(state.aggregate.hosts or ()) if state else None
    rows = inventory.join(servers.servers, described, region,
                          price_of(region, described), _now(),
                          burst_hosts=burst_hosts, projects=projects,
                          ec2_read=not ec2_error)
    inventory.mark_stacks(rows, stacks)
    result = Inventory(rows=rows, region=region, ec2_error=ec2_error,
                       ec2_outage=outage, policy_error=policy_error,
                       stack_error=stack_error, servers=servers)
    if state is None:
        return result
    if hosts is None:
        result.repatriation_error = _(
            "Placement could not be read: no repatriation candidates.")
        return result
    if state.errors:
        result.repatriation_error = _(
            "The burst policy in the aggregate metadata is malformed: no "
            "repatriation candidates.")
        return result
    if zones is None and state.policy.private_zones:
        result.repatriation_error = _(
            "The availability zones could not be read: no repatriation "
            "candidates.")
        return result
    private = policy.private_hosts(
        hosts, burst_hosts, state.policy,
        aggregates={a.name: set(a.hosts or ()) for a in state.aggregates},
        zones=zones)
    inventory.mark_repatriation(rows, private, state.policy)
    return result


def _or_none(read, what, request):
    """What ``read(request)`` returns, or None (logged) when it fails: the
    repatriation candidates need it, the rows do not."""
    try:
        return read(request)
    except Exception as e:
        LOG.warning('Could not read %s: %s', what, e)
        return None


@profiler.trace
def project_inventory(request):
    """The project's own instances, local and on EC2 (EC2 read only for
    instances tagged with this project)."""
    region = region_name()
    project = request.user.project_id
    servers, (described, ec2_error, outage), (stacks, stack_error) = \
        burst_api_pkg.call_functions_parallel(
            (server_list, [request, False]),
            (_ec2_or_error, [request, region, project]),
            (_stacks_or_error, [request, False]))
    # Nova scopes the servers and the describe is filtered by the project
    # tag; the panel checks every row's project once more before showing.
    rows = inventory.join(servers.servers, described, region,
                          price_of(region, described), _now(),
                          burst_hosts=None, ec2_read=not ec2_error,
                          ec2_host_ids={inventory.host_id(project, host)
                                        for host in ec2_hosts()})
    inventory.mark_stacks(rows, stacks)
    return Inventory(rows=rows, region=region, ec2_error=ec2_error,
                     ec2_outage=outage, stack_error=stack_error,
                     servers=servers)
