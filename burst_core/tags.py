"""The tags every EC2 instance gets at launch: the EC2 driver sets them,
the dashboard joins Nova and EC2 on them."""
TAG_INSTANCE = 'openstack:instance-id'
TAG_PROJECT = 'openstack:project-id'
TAG_USER = 'openstack:user-id'
TAG_MANAGED_BY = 'openstack:managed-by'
TAG_INSTANCE_NAME = 'openstack:instance-name'
TAG_COMPUTE_HOST = 'openstack:compute-host'


def tags_dict(ec2_instance):
    """{key: value} of a described instance's tags."""
    return {t.get('Key'): t.get('Value')
            for t in ec2_instance.get('Tags') or ()}
