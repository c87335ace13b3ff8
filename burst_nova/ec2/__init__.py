"""AWS EC2 as a Nova pseudo-hypervisor (a nova-compute per EC2 region).

The tags every instance gets at launch (shared with the dashboard, which
joins Nova and EC2 on them).
"""
TAG_INSTANCE = 'openstack:instance-id'
TAG_PROJECT = 'openstack:project-id'
TAG_USER = 'openstack:user-id'
TAG_MANAGED_BY = 'openstack:managed-by'
TAG_INSTANCE_NAME = 'openstack:instance-name'
TAG_COMPUTE_HOST = 'openstack:compute-host'
