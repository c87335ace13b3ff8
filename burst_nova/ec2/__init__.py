"""AWS EC2 as a Nova pseudo-hypervisor (a nova-compute per EC2 region).

The tags every instance gets at launch are in :mod:`burst_core.tags`.
"""
