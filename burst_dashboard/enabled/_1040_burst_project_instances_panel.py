# The slug of the panel to be added to HORIZON_CONFIG.
PANEL = 'burst_instances'
# The slug of the dashboard the PANEL is associated with.
PANEL_DASHBOARD = 'project'
# The slug of the panel group the PANEL is associated with.
PANEL_GROUP = 'compute'
# Python panel class of the PANEL to be added.
ADD_PANEL = 'burst_dashboard.panels.burst_instances.panel.BurstInstances'
# The plugin's Django app (templates, static files), added once for all
# of its enabled files: this file sorts first.
ADD_INSTALLED_APPS = ['burst_dashboard']
