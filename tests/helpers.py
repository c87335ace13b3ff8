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

"""Helpers of the integration, browser and benchmark code."""


def wait_gone(conn, server, wait=120):
    """Wait until Nova answers 404 for ``server``.

    openstacksdk's ``wait_for_delete`` returns as soon as the status reads
    DELETED, which Nova shows before the instance's row is destroyed and
    its Placement allocations released.
    """
    from openstack import exceptions
    from openstack import utils
    for _ in utils.iterate_timeout(
            wait, 'server %s still there after %ss' % (server.id, wait),
            wait=0.5):
        try:
            conn.compute.get_server(server.id)
        except exceptions.NotFoundException:
            return
