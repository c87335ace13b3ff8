"""AWS EC2 as a Nova pseudo-hypervisor (a nova-compute per EC2 region)."""
