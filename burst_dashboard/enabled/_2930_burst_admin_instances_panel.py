# The slug of the panel to be added to HORIZON_CONFIG.
PANEL = 'burst_instances'
# The slug of the dashboard the PANEL is associated with.
PANEL_DASHBOARD = 'admin'
# The slug of the panel group the PANEL is associated with.
PANEL_GROUP = 'cloud_bursting'
# Python panel class of the PANEL to be added.
ADD_PANEL = 'burst_dashboard.panels.instances.panel.Instances'
