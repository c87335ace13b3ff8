"""Modules that the compute launcher adds to the ``nova.virt`` namespace."""
