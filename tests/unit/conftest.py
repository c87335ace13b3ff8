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

import pytest


@pytest.fixture(autouse=True)
def _nothing_kept():
    """What the plugin keeps in the shared cache (servers, EC2 instances,
    the private pool, the back-off) is not carried from one test to the
    next: each starts cold."""
    from django.core.cache import cache
    cache.clear()
    yield
    from burst_dashboard.api import kept
    kept.forget_pending()           # the test's mocks are gone
    kept.wait_for_background()
    cache.clear()
