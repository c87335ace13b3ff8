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

"""The rules both sides of cloud bursting use, with no dependency.

Nova's scheduler filter and EC2 driver (``burst_nova``) and the Horizon
plugin (``burst_dashboard``) are adapters over this package: the burst
policy (parse, validate, serialise, decide), the caps as Placement
inventories, the resource request of a flavor, the pools from
Placement's JSON, prices as plain values, the EC2 tags and the joined
inventory of Nova and EC2. Standard library only, no I/O: whatever the
clouds answered comes in as arguments.
"""
