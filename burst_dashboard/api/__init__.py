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

"""The only modules of the plugin that call Nova, Placement, Glance or EC2.

Functions take the Django ``request`` first, in the style of
``openstack_dashboard.api.nova``.
"""
from concurrent import futures

# The compute API microversion of the Nova reads of the Instances pages
# (servers, the burst aggregate, instance actions): 2.47 embeds the
# flavor in a server (no flavor lookups). One version, so one novaclient
# per page (Horizon keeps one per version and request, each of which
# authenticates itself with Keystone: two more requests a page). Horizon's
# own calls (hypervisors, services, a save's metadata) keep its default.
NOVA_MICROVERSION = '2.47'

# Per-item reads (each provider's usages, each stack's resources) run at
# most this many at a time.
MAX_WORKERS = 8


def call_functions_parallel(*worker_defs):
    """Horizon's ``futurist_utils.call_functions_parallel`` (same call:
    ``(function, [args], {kwargs})`` per worker; results in order), on the
    standard library's pool. futurist's workers poll their queue once a
    second and its shutdown joins them, so each call took up to a second
    more than its slowest function (two 0.25 s reads: 1.01 s measured);
    the Instances page, with one such call inside another, lost 2 s."""
    with futures.ThreadPoolExecutor(max_workers=len(worker_defs)) as pool:
        running = [pool.submit(d[0], *(d[1] if len(d) > 1 else ()),
                               **(d[2] if len(d) > 2 else {}))
                   for d in worker_defs]
    return tuple(f.result() for f in running)


def bounded_executor():
    return futures.ThreadPoolExecutor(max_workers=MAX_WORKERS)
