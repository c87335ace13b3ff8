"""The only modules of the plugin that call Nova, Placement, Glance or EC2.

Functions take the Django ``request`` first, in the style of
``openstack_dashboard.api.nova``.
"""
