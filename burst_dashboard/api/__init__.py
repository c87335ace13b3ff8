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

MAX_WORKERS = 8


def parallel(calls):
    """Run (function, *args) calls in a bounded thread pool; results in
    order. The first exception raised is re-raised."""
    if not calls:
        return []
    with futures.ThreadPoolExecutor(
            max_workers=min(MAX_WORKERS, len(calls))) as pool:
        running = [pool.submit(*call) for call in calls]
    return [f.result() for f in running]
