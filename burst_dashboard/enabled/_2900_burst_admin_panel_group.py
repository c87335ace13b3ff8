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

from django.utils.translation import gettext_lazy as _

# The slug of the panel group to be added to HORIZON_CONFIG.
PANEL_GROUP = 'cloud_bursting'
# The display name of the PANEL_GROUP.
PANEL_GROUP_NAME = _('Cloud Bursting')
# The slug of the dashboard the PANEL_GROUP is associated with.
PANEL_GROUP_DASHBOARD = 'admin'
# The plugin's Django app (templates, static files) and its styles, for
# the admin panels and the project panel alike.
ADD_INSTALLED_APPS = ['burst_dashboard']
ADD_SCSS_FILES = ['burst_dashboard/scss/burst.scss']
