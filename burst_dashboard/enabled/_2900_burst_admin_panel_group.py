from django.utils.translation import gettext_lazy as _

# The slug of the panel group to be added to HORIZON_CONFIG.
PANEL_GROUP = 'cloud_bursting'
# The display name of the PANEL_GROUP.
PANEL_GROUP_NAME = _('Cloud Bursting')
# The slug of the dashboard the PANEL_GROUP is associated with.
PANEL_GROUP_DASHBOARD = 'admin'
