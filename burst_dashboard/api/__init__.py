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
import futurist

# Per-item reads (each provider's usages, each stack's resources) run at
# most this many at a time; a page's fixed set of reads goes through
# Horizon's futurist_utils.call_functions_parallel.
MAX_WORKERS = 8


def bounded_executor():
    return futurist.ThreadPoolExecutor(max_workers=MAX_WORKERS)
