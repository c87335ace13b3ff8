"""EC2 (and its Service Quotas) for the dashboard: the public side of the
capacity page.

Functions take the Django ``request`` first, in the style of
``openstack_dashboard.api.nova``. The clients come from
``BURST_DASHBOARD['ec2']`` (``region_name``, ``endpoint_url``, and
``aws_access_key_id`` / ``aws_secret_access_key`` when set, else boto3's
default chain). Credentials are never rendered or logged: errors are put
into words by :func:`describe_error`, which leaves them out.
"""
import collections
import dataclasses
import logging
import threading

import boto3
from django.conf import settings

from burst_dashboard.api import parallel
from burst_nova.ec2 import client
from burst_nova.ec2 import TAG_MANAGED_BY

LOG = logging.getLogger(__name__)

DEFAULT_VCPU_QUOTA = 64
DEFAULT_MANAGED_BY = 'openstack-burst'
CONNECT_TIMEOUT = 2
READ_TIMEOUT = 5
MAX_ATTEMPTS = 2
_CREDENTIALS = ('aws_access_key_id', 'aws_secret_access_key',
                'aws_session_token')


def _settings():
    return getattr(settings, 'BURST_DASHBOARD', None) or {}


def ec2_settings():
    return _settings().get('ec2') or {}


def managed_by():
    """This cloud's ``openstack:managed-by`` tag value."""
    return _settings().get('managed_by') or DEFAULT_MANAGED_BY


def configured_vcpu_quota():
    return int(ec2_settings().get('vcpu_quota', DEFAULT_VCPU_QUOTA))


def client_config():
    """Short timeouts and few retries: a page must not hang on EC2."""
    return client.client_config(CONNECT_TIMEOUT, READ_TIMEOUT, MAX_ATTEMPTS,
                                'burst-dashboard')


def session(region=None):
    conf = ec2_settings()
    kwargs = {'region_name': region or conf.get('region_name')}
    kwargs.update({k: conf[k] for k in _CREDENTIALS if conf.get(k)})
    return boto3.session.Session(**kwargs)


_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()


def client_for(service, region=None, endpoint_url=None):
    """A boto3 client for ``service`` with the dashboard's settings, made
    once per process and shared: boto3 clients are thread-safe, and making
    one costs a fraction of a second of CPU (EC2's model alone has
    hundreds of operations) that every page would otherwise pay. Made
    anew when ``BURST_DASHBOARD['ec2']`` changes."""
    conf = ec2_settings()
    key = (service, region, endpoint_url,
           tuple(sorted((k, str(v)) for k, v in conf.items())))
    with _CLIENTS_LOCK:
        made = _CLIENTS.get(key)
        if made is None:
            made = _CLIENTS[key] = session(region).client(
                service, endpoint_url=endpoint_url, config=client_config())
    return made


def clear_clients():
    with _CLIENTS_LOCK:
        _CLIENTS.clear()


def ec2_client(request, region=None):
    return client_for('ec2', region,
                      ec2_settings().get('endpoint_url') or None)


def quotas_client(request, region=None):
    conf = ec2_settings()
    endpoint = conf.get('service_quotas_endpoint_url',
                        conf.get('endpoint_url')) or None
    return client_for('service-quotas', region, endpoint)


def describe_error(exc):
    """One line saying why EC2 could not be reached, never a credential."""
    conf = ec2_settings()
    return client.describe_error(exc, secrets=[conf.get(k)
                                               for k in _CREDENTIALS])


def vcpu_quota(request, region=None):
    """(vCPU quota, source): Service Quotas (L-1216C47A) where it answers,
    else ``BURST_DASHBOARD['ec2']['vcpu_quota']`` (default 64)."""
    return client.vcpu_quota(quotas_client(request, region),
                             configured_vcpu_quota())


def running_instances(request, region=None):
    """Every running instance of the account in the region (paginated)."""
    pages = ec2_client(request, region).get_paginator(
        'describe_instances').paginate(Filters=[
            {'Name': 'instance-state-name', 'Values': ['running']}])
    return [i for page in pages for r in page.get('Reservations', ())
            for i in r.get('Instances', ())]


def instance_type_vcpus(request, types, region=None):
    """{instance type: default vCPUs}, one call for all the types."""
    types = sorted({t for t in types if t})
    if not types:
        return {}
    answer = ec2_client(request, region).describe_instance_types(
        InstanceTypes=types)
    return {t['InstanceType']: t['VCpuInfo']['DefaultVCpus']
            for t in answer.get('InstanceTypes', ())}


def _tags(instance):
    return {t.get('Key'): t.get('Value') for t in instance.get('Tags') or ()}


@dataclasses.dataclass
class PublicCapacity:
    region: str
    quota: int              # vCPUs
    quota_source: str       # 'service-quotas' or 'configured'
    managed_instances: int  # running, tagged with this cloud's managed_by
    managed_vcpus: int
    account_instances: int  # every running instance of the account
    account_vcpus: int
    managed_types: dict     # instance type -> count (managed)
    account_types: dict     # instance type -> count (all)


def public_capacity(request, region):
    """The region's vCPU quota (with its source) and the vCPUs in use by
    running instances, this cloud's and the whole account's."""
    (quota, source), instances = parallel([
        (vcpu_quota, request, region), (running_instances, request, region)])
    vcpus = instance_type_vcpus(
        request, [i.get('InstanceType') for i in instances], region)
    mine = managed_by()
    managed = [i for i in instances
               if _tags(i).get(TAG_MANAGED_BY) == mine]

    def count(items):
        return sum(vcpus.get(i.get('InstanceType'), 0) for i in items)

    return PublicCapacity(
        region=region, quota=quota, quota_source=source,
        managed_instances=len(managed), managed_vcpus=count(managed),
        account_instances=len(instances), account_vcpus=count(instances),
        managed_types=dict(collections.Counter(
            i.get('InstanceType') for i in managed)),
        account_types=dict(collections.Counter(
            i.get('InstanceType') for i in instances)))
