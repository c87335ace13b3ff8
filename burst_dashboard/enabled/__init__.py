"""Horizon "enabled" files of the plugin.

Copy (or link) the ``_[0-9]*.py`` files of this package into
``openstack_dashboard/local/enabled/`` to switch the plugin on.
"""
