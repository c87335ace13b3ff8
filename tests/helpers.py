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
import contextlib

from openstack import exceptions as sdk_exceptions

# openstacksdk's own, taken before Horizon's test data replaces them for the
# whole process (openstack_dashboard.test.test_data.exceptions stubs
# SDKException.__init__ and __str__): ResourceFailure and ResourceTimeout
# then raise AttributeError instead of saying what failed.
_SDK_OWN = {name: vars(sdk_exceptions.SDKException).get(name)
            for name in ('__init__', '__str__', 'silence_logging')}


def _put(cls, attrs):
    for name, value in attrs.items():
        if value is not None:
            setattr(cls, name, value)
        elif name in vars(cls):
            delattr(cls, name)


@contextlib.contextmanager
def sdk_exceptions_own():
    """openstacksdk's exceptions as openstacksdk made them, inside; Horizon's
    stubs (if any) back afterwards, for the unit tests that use them."""
    cls = sdk_exceptions.SDKException
    stubbed = {name: vars(cls).get(name) for name in _SDK_OWN}
    _put(cls, _SDK_OWN)
    try:
        yield
    finally:
        _put(cls, stubbed)


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
