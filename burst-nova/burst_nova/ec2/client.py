# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""boto3 clients, the vCPU quota and AWS errors in plain words: shared by
the EC2 driver and the dashboard (no Nova or Django import here)."""
import re

import boto3
from botocore import config as botocore_config
from botocore import exceptions as bexc

VCPU_QUOTA_CODE = 'L-1216C47A'  # Running On-Demand Standard instances
_ACCESS_KEY_ID = re.compile(r'\b(?:AKIA|ASIA)[A-Z0-9]{16}\b')


def session(conf):
    """A boto3 session: nova.conf credentials if set, else boto3's chain."""
    kwargs = {'region_name': conf.region_name}
    if conf.access_key_id:
        kwargs.update(aws_access_key_id=conf.access_key_id,
                      aws_secret_access_key=conf.secret_access_key,
                      aws_session_token=conf.session_token)
    elif conf.profile_name:
        kwargs['profile_name'] = conf.profile_name
    return boto3.session.Session(**kwargs)


def client_config(connect_timeout, read_timeout, max_attempts, agent):
    """botocore standard retries and explicit timeouts. ``max_attempts``
    counts every attempt, the first included (botocore's
    ``total_max_attempts``; its ``max_attempts`` would count retries
    only)."""
    return botocore_config.Config(
        connect_timeout=connect_timeout, read_timeout=read_timeout,
        retries={'mode': 'standard', 'total_max_attempts': max_attempts},
        user_agent_extra=agent)


def _driver_config(conf):
    return client_config(conf.connect_timeout, conf.read_timeout,
                         conf.max_attempts, 'burst-nova')


def ec2_client(sess, conf):
    return sess.client('ec2', endpoint_url=conf.endpoint_url or None,
                       config=_driver_config(conf))


def quotas_client(sess, conf):
    return sess.client('service-quotas',
                       endpoint_url=conf.service_quotas_endpoint_url or None,
                       config=_driver_config(conf))


def vcpu_quota(quotas, fallback):
    """(vCPU quota, source): Service Quotas where it answers, else fallback."""
    try:
        value = quotas.get_service_quota(
            ServiceCode='ec2', QuotaCode=VCPU_QUOTA_CODE)['Quota']['Value']
        return int(value), 'service-quotas'
    except (bexc.BotoCoreError, bexc.ClientError, KeyError, ValueError):
        return int(fallback), 'configured'


def describe_error(exc, secrets=()):
    """One line saying what went wrong, never containing a credential."""
    if isinstance(exc, bexc.ClientError):
        err = exc.response.get('Error', {})
        code = err.get('Code', 'Unknown')
        text = '%s: %s' % (code, err.get('Message', ''))
    elif isinstance(exc, (bexc.EndpointConnectionError,
                          bexc.ConnectTimeoutError,
                          bexc.ConnectionClosedError)):
        text = 'EC2 endpoint unreachable: %s' % exc
    elif isinstance(exc, bexc.ReadTimeoutError):
        text = 'EC2 did not answer in time: %s' % exc
    elif isinstance(exc, bexc.NoCredentialsError):
        text = 'no AWS credentials found ([ec2] options or boto3 chain)'
    elif isinstance(exc, bexc.WaiterError):
        text = str(exc)
    elif isinstance(exc, TimeoutError):
        text = 'no answer within %s seconds' % (str(exc) or '?')
    else:
        text = '%s: %s' % (type(exc).__name__, exc)
    for secret in secrets:
        if secret:
            text = text.replace(secret, '***')
    # Access key ids, whichever credentials made the call (profile, role).
    return _ACCESS_KEY_ID.sub('***', text)


def error_code(exc):
    if isinstance(exc, bexc.ClientError):
        return exc.response.get('Error', {}).get('Code')
    return None


# What members read in a fault: what happened, in words, never AWS's own
# text (it can name the account, its roles, its limits or the endpoint).
_PLAIN = (
    (('InsufficientInstanceCapacity', 'InsufficientHostCapacity',
      'InsufficientCapacity', 'Unsupported'),
     'EC2 refused the launch: no capacity for this instance type now'),
    (('VcpuLimitExceeded', 'InstanceLimitExceeded',
      'MaxSpotInstanceCountExceeded'),
     'EC2 refused the launch: the account limit is reached'),
    (('AuthFailure', 'UnauthorizedOperation', 'Blocked', 'OptInRequired',
      'PendingVerification', 'InvalidClientTokenId', 'SignatureDoesNotMatch'),
     'EC2 refused the credentials of this cloud'),
    (('RequestLimitExceeded', 'Throttling', 'ThrottlingException'),
     'EC2 is throttling requests'),
)


def plain_reason(exc):
    """What went wrong for a member: plain words and at most EC2's error
    code, nothing of AWS's message."""
    code = error_code(exc)
    if code:
        for codes, words in _PLAIN:
            if code in codes:
                return words
        if code.startswith('InvalidAMIID'):
            return 'EC2 refused the image (AMI)'
        return 'EC2 refused the request (%s)' % code
    if isinstance(exc, (bexc.EndpointConnectionError,
                        bexc.ConnectTimeoutError,
                        bexc.ConnectionClosedError)):
        return 'EC2 not reachable'
    if isinstance(exc, (bexc.ReadTimeoutError, TimeoutError)):
        return 'EC2 did not answer in time'
    if isinstance(exc, bexc.NoCredentialsError):
        return 'EC2 refused the credentials of this cloud'
    return 'EC2 failed (%s)' % type(exc).__name__
