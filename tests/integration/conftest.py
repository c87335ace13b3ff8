import pytest


@pytest.fixture(scope='session')
def horizon_request(local_cloud):
    """A Django request whose user holds a real Keystone token of the
    local cloud's admin, so the plugin's API layer can be called as
    Horizon calls it."""
    from django.test import RequestFactory
    from keystoneauth1.identity import v3
    from keystoneauth1 import session
    from openstack_auth import user as auth_user

    auth = v3.Password(auth_url=local_cloud.KEYSTONE_URL, username='admin',
                       password=local_cloud.secrets_()['admin'],
                       project_name='admin', user_domain_name='Default',
                       project_domain_name='Default')
    auth_ref = auth.get_auth_ref(session.Session(auth=auth))
    request = RequestFactory().get('/')
    request.session = {}
    request.user = auth_user.create_user_from_token(
        request, auth_user.Token(auth_ref), local_cloud.KEYSTONE_URL,
        services_region=local_cloud.REGION)
    return request


@pytest.fixture(autouse=True)
def burst_dashboard_settings(local_cloud):
    """The BURST_DASHBOARD settings Horizon has in the local cloud."""
    from django.test import override_settings
    with override_settings(BURST_DASHBOARD={
            'aggregate': 'burst-ec2', 'managed_by': local_cloud.EC2_MANAGED_BY,
            'use_pricing_api': False,
            'ec2': {'region_name': local_cloud.EC2_REGION,
                    'endpoint_url': local_cloud.EC2_URL,
                    'aws_access_key_id': 'integration-tests',
                    'aws_secret_access_key': 'integration-tests'}}):
        yield
