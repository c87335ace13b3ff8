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

"""Django settings for the plugin's unit tests: Horizon's own test settings
with this plugin's enabled files added."""
import os
import tempfile

from openstack_dashboard.test.settings import *  # noqa: F401,F403

from openstack_dashboard import enabled as _horizon_enabled
from openstack_dashboard.utils import settings as _settings_utils

from burst_dashboard import enabled as _burst_enabled

_TMP = tempfile.mkdtemp(prefix='burst-dashboard-tests-')
COMPRESS_ROOT = os.path.join(_TMP, 'compress')  # noqa: F405
SECRET_KEY = 'burst-dashboard-unit-tests-only'

_settings_utils.update_dashboards(
    [_horizon_enabled, _burst_enabled],
    HORIZON_CONFIG,  # noqa: F405
    INSTALLED_APPS,  # noqa: F405
)
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))  # noqa: F405

# Unit tests never call AWS: prices come from the shipped table. An EC2
# region configures bursting (the project's Burst Instances panel shows).
BURST_DASHBOARD = {'use_pricing_api': False,
                   'ec2': {'region_name': 'us-east-1'}}

# Horizon's default cache is a memcached server on localhost; the unit tests
# have none (the Instances pager keeps its snapshot in the cache). Room for
# more than Horizon's own template entries, which would cull it at 300.
CACHES = {'default': {
    'BACKEND': 'django.core.cache.backends.locmem.LocMemCache',
    'OPTIONS': {'MAX_ENTRIES': 10000}}}
