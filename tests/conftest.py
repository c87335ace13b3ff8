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

import os

import pytest

from tests import helpers

ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'test-artifacts')


def _cloud_ready():
    from localcloud import paths
    import requests
    try:
        return requests.get(paths.KEYSTONE_URL, timeout=3).ok
    except requests.RequestException:
        return False


@pytest.fixture(scope='session')
def local_cloud():
    """The running local cloud (started by the README's test command or by
    `python -m localcloud up`); fails clearly when it is not running."""
    from localcloud import paths
    if not _cloud_ready():
        pytest.fail('the local cloud is not running: start it with '
                    '`python -m localcloud up` (or run the README test '
                    'command, which does)')
    return paths


@pytest.fixture(scope='session')
def admin_conn(local_cloud):
    from localcloud import seed
    return seed.admin_conn('admin')


@pytest.fixture(scope='session')
def demo_conn(local_cloud):
    from localcloud import seed
    return seed.admin_conn('demo')


@pytest.fixture(scope='session')
def artifacts_dir():
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def sdk_exceptions_own(request):
    """openstacksdk's own exceptions for each test against the local cloud
    (integration, browser) run in the process the unit tests stubbed them
    in (``helpers.sdk_exceptions_own``)."""
    if request.node.get_closest_marker('integration') or \
            request.node.get_closest_marker('browser'):
        with helpers.sdk_exceptions_own():
            yield
    else:
        yield
