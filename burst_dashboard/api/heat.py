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

"""Which Heat stack each server belongs to, as Heat records it.

Heat sets nothing on the server of an ``OS::Nova::Server`` resource -- no
metadata, no tag (only the AWS-compatible AutoScalingGroup tags its
instances with ``metering.AutoScalingGroupName``) -- and whatever a server
carries, a project member can rewrite. So a server's stack comes from
Heat's own records: the stack list, then each top-level stack's
``OS::Nova::Server`` resources, nested groups included, read in parallel.

Admins list every project's stacks, which Heat's default policy denies to
everybody (``stacks:global_index``); the operator grants it to admins
(the README says how).
"""
import dataclasses

from django.conf import settings
from heatclient import client as heat_client
from heatclient import exc as heat_exc

from openstack_dashboard.api import base
from openstack_dashboard.contrib.developer.profiler import api as profiler

from burst_dashboard import api as burst_api_pkg

SERVER_TYPE = 'OS::Nova::Server'
# Heat's default max_nested_stack_depth: a group of templates of servers.
NESTED_DEPTH = 5
# Seconds per Heat request: the Instances page must not hang on Heat.
TIMEOUT = 5

Forbidden = heat_exc.HTTPForbidden


@dataclasses.dataclass(frozen=True)
class Stack:
    id: str
    name: str
    project_id: str


def is_enabled(request):
    return base.is_service_enabled(request, 'orchestration')


def heatclient(request):
    return heat_client.Client(
        '1', base.url_for(request, 'orchestration'),
        token=request.user.token.id, timeout=TIMEOUT,
        insecure=getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False),
        ca_file=getattr(settings, 'OPENSTACK_SSL_CACERT', None))


@profiler.trace
def stack_list(request, all_projects=False):
    """Top-level stacks of the project, or of every project."""
    kwargs = {'global_tenant': True} if all_projects else {}
    return [Stack(s.id, s.stack_name,
                  getattr(s, 'project', None) or request.user.project_id)
            for s in heatclient(request).stacks.list(**kwargs)]


@profiler.trace
def stack_server_ids(request, stack):
    """IDs of the servers of a stack's OS::Nova::Server resources, those of
    its nested stacks (groups) included; none for a stack deleted since
    it was listed."""
    try:
        resources = heatclient(request).resources.list(
            '%s/%s' % (stack.name, stack.id), nested_depth=NESTED_DEPTH,
            filters={'type': SERVER_TYPE})
    except heat_exc.HTTPNotFound:
        return []
    return [r.physical_resource_id for r in resources
            if r.physical_resource_id]


def server_stacks(request, all_projects=False):
    """{server ID: Stack} for every server a stack of the project (or of
    every project) made."""
    stacks = stack_list(request, all_projects)
    with burst_api_pkg.bounded_executor() as pool:
        found = list(pool.map(
            lambda stack: stack_server_ids(request, stack), stacks))
    result = {}
    for stack, server_ids in zip(stacks, found):
        for server_id in server_ids:
            result.setdefault(server_id, stack)
    return result
