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

"""EC2 (and its Service Quotas) for the dashboard: the public side of the
capacity page.

Functions take the Django ``request`` first, in the style of
``openstack_dashboard.api.nova``. The clients come from
``BURST_DASHBOARD['ec2']`` (``region_name``, ``endpoint_url``, and
``aws_access_key_id`` / ``aws_secret_access_key`` when set, else boto3's
default chain). Credentials are never rendered or logged: errors are put
into words by :func:`describe_error`, which leaves them out.

Every client made here backs off from an endpoint that does not answer
(see :class:`Outage`): after one call fails for want of an answer, no call
goes to that endpoint for a while, in any Horizon worker or replica, and
pages render at once with what they have.
"""
import collections
import dataclasses
import datetime
import hashlib
import logging
import threading
import time

import boto3
from botocore import exceptions as bexc
from django.conf import settings
from django.core.cache import cache
from django.utils import formats
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from openstack_dashboard.contrib.developer.profiler import api as profiler

from burst_core import tags
from burst_core.tags import TAG_MANAGED_BY
from burst_dashboard import api as burst_api_pkg
from burst_nova.ec2 import client

LOG = logging.getLogger(__name__)

DEFAULT_VCPU_QUOTA = 64
DEFAULT_MANAGED_BY = 'openstack-burst'
CONNECT_TIMEOUT = 2
READ_TIMEOUT = 5
# A read no page waits for (a whole region described behind the pages)
# may take this long before it counts as EC2 not answering.
BACKGROUND_READ_TIMEOUT = 30
MAX_ATTEMPTS = 2
# Back-off from an endpoint that did not answer (BURST_DASHBOARD['ec2']
# 'backoff' and 'max_backoff', seconds): the first wait, doubled after each
# failed retry up to the most.
DEFAULT_BACKOFF = 60
DEFAULT_MAX_BACKOFF = 480
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


def client_config(read_timeout=READ_TIMEOUT):
    """Short timeouts and few retries: a page must not hang on EC2. A read
    timeout is not retried (see :func:`_no_retry_after_read_timeout`), so
    a call takes at most about ``read_timeout`` (one attempt) or twice
    CONNECT_TIMEOUT plus botocore's retry delay (connection failures)."""
    return client.client_config(CONNECT_TIMEOUT, read_timeout, MAX_ATTEMPTS,
                                'burst-dashboard')


def backoff_seconds():
    """(first, most) back-off in seconds from ``BURST_DASHBOARD['ec2']``;
    a first back-off of 0 turns backing off off."""
    conf = ec2_settings()
    first = max(0.0, float(conf.get('backoff', DEFAULT_BACKOFF)))
    return first, max(first, float(conf.get('max_backoff',
                                            DEFAULT_MAX_BACKOFF)))


def session(region=None):
    conf = ec2_settings()
    kwargs = {'region_name': region or conf.get('region_name')}
    kwargs.update({k: conf[k] for k in _CREDENTIALS if conf.get(k)})
    return boto3.session.Session(**kwargs)


_CLIENTS = {}
_CLIENTS_LOCK = threading.Lock()


def client_for(service, region=None, endpoint_url=None,
               read_timeout=READ_TIMEOUT):
    """A boto3 client for ``service`` with the dashboard's settings, made
    once per process and shared: boto3 clients are thread-safe, and making
    one costs a fraction of a second of CPU (EC2's model alone has
    hundreds of operations) that every page would otherwise pay. Made
    anew when ``BURST_DASHBOARD['ec2']`` changes."""
    conf = ec2_settings()
    key = (service, region, endpoint_url, read_timeout,
           tuple(sorted((k, str(v)) for k, v in conf.items())))
    with _CLIENTS_LOCK:
        made = _CLIENTS.get(key)
        if made is None:
            made = session(region).client(
                service, endpoint_url=endpoint_url,
                config=client_config(read_timeout))
            _Guard(service, region or conf.get('region_name'),
                   endpoint_url).install(made)
            _CLIENTS[key] = made
    return made


def clear_clients():
    with _CLIENTS_LOCK:
        _CLIENTS.clear()


def ec2_client(request, region=None, background=False):
    """The EC2 client; ``background``: for a read no page waits for, with
    BACKGROUND_READ_TIMEOUT."""
    return client_for('ec2', region,
                      ec2_settings().get('endpoint_url') or None,
                      BACKGROUND_READ_TIMEOUT if background else
                      READ_TIMEOUT)


def quotas_client(request, region=None):
    conf = ec2_settings()
    endpoint = conf.get('service_quotas_endpoint_url',
                        conf.get('endpoint_url')) or None
    return client_for('service-quotas', region, endpoint)


# ---------------------------------------------------------------- back-off
TIMEOUT = 'timeout'
CONNECTION = 'connection'
THROTTLED = 'throttled'
SERVER_ERROR = 'server-error'
KIND_WORDS = {TIMEOUT: _("no answer in time"),
              CONNECTION: _("no connection"),
              THROTTLED: _("requests throttled"),
              SERVER_ERROR: _("server error")}
# Error codes that mean "ask less often", whatever the HTTP status.
THROTTLING_CODES = frozenset((
    'RequestLimitExceeded', 'Throttling', 'ThrottlingException',
    'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
    'TooManyRequestsException', 'EC2ThrottledException', 'SlowDown',
    'BandwidthLimitExceeded'))
# A request retrying after the back-off holds this for at most so long
# (more than a call can take); the others keep skipping meanwhile.
PROBE_SECONDS = 30
# An outage nobody looks at is forgotten after a day.
OUTAGE_SECONDS = 24 * 3600
_KEY_PREFIX = 'burst-dashboard:aws-outage:'


def _clock():
    return time.time()


@dataclasses.dataclass(frozen=True)
class Outage:
    """An AWS endpoint the dashboard stopped asking.

    Kept in Django's cache (memcached in production), so every Horizon
    worker and replica knows it: after one call failed for want of an
    answer (timeout, no connection, throttling, a 5xx), no call goes to
    the endpoint until ``retry_at``; then one request tries again (the
    others keep skipping while it does); a failure doubles the wait (up to
    ``max_backoff``), any answer forgets the outage. Times are epoch
    seconds.
    """
    service: str        # 'ec2', 'service-quotas', 'pricing'
    region: str
    since: float        # when the first failed call was made
    last_tried: float   # when the last failed call was made
    retry_at: float     # no call before then
    failures: int       # failed calls in a row
    kind: str           # TIMEOUT, CONNECTION, THROTTLED or SERVER_ERROR
    recorded: float = 0.0   # when the last failure was seen

    @property
    def backing_off(self):
        return _clock() < self.retry_at


class Unavailable(bexc.BotoCoreError):
    """Raised instead of calling an endpoint the dashboard is backing off
    from. A BotoCoreError, so that code falling back on AWS errors (the
    vCPU quota, the Pricing API) falls back on this too."""
    fmt = 'AWS {service} ({region}) not asked: {kind} since {since}'

    def __init__(self, outage):
        super().__init__(service=outage.service, region=outage.region,
                         kind=outage.kind, since=_utc(outage.since))
        self.outage = outage


def _utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)


def _key(service, region, endpoint_url):
    """The cache key of an endpoint: the same in every worker and replica,
    with no credential in it."""
    ident = '%s|%s|%s' % (service, region or '', endpoint_url or '')
    return _KEY_PREFIX + hashlib.sha256(ident.encode()).hexdigest()[:32]


def _cache_call(what, *args):
    """A cache operation that never breaks an AWS call: when the cache
    cannot be reached the dashboard simply does not back off."""
    try:
        return getattr(cache, what)(*args)
    except Exception as e:
        LOG.warning('EC2 back-off state not available (cache %s failed: '
                    '%s)', what, type(e).__name__)
        return None


def _read(key):
    value = _cache_call('get', key)
    if not isinstance(value, dict):
        return None
    try:
        return Outage(**value)
    except TypeError:   # written by another version
        return None


def failure_kind(exception=None, status=None, code=None):
    """TIMEOUT, CONNECTION, THROTTLED or SERVER_ERROR when a call failed
    for want of an answer (the dashboard then backs off), else None (an
    answer, even a refusal such as a bad parameter or AuthFailure)."""
    if exception is not None:
        if isinstance(exception, bexc.ReadTimeoutError):
            return TIMEOUT
        if isinstance(exception, (bexc.ConnectionError,
                                  bexc.HTTPClientError)):
            return CONNECTION
        return None
    if code in THROTTLING_CODES:
        return THROTTLED
    if status is not None and status >= 500:
        return SERVER_ERROR
    return None


def _no_retry_after_read_timeout(caught_exception=None, **kwargs):
    """botocore ``needs-retry`` hook, called before its retry handler: an
    endpoint that took a connection and did not answer within READ_TIMEOUT
    will not answer the next attempt either; retrying would double what
    every page waits. Connection failures and throttling are still retried
    (MAX_ATTEMPTS)."""
    if isinstance(caught_exception, bexc.ReadTimeoutError):
        raise caught_exception


class _Guard(object):
    """The back-off rule on one boto3 client, through botocore's events:
    ``before-call`` skips the call while backing off, ``after-call`` and
    ``after-call-error`` record a failure or forget the outage."""

    def __init__(self, service, region, endpoint_url):
        self.service = service
        self.region = region or ''
        self.key = _key(service, region, endpoint_url)
        self.probe_key = self.key + ':probe'

    def install(self, made):
        events = made.meta.events
        sid = made.meta.service_model.service_id.hyphenize()
        events.register_first('needs-retry.' + sid,
                              _no_retry_after_read_timeout)
        events.register('before-call.' + sid, self.before_call)
        events.register('after-call.' + sid, self.after_call)
        events.register('after-call-error.' + sid, self.after_error)

    def before_call(self, context=None, **kwargs):
        context = context if context is not None else {}
        context['burst_started'] = _clock()
        outage = _read(self.key)
        if outage is None:
            return None
        if outage.backing_off or not _cache_call(
                'add', self.probe_key, _clock(), PROBE_SECONDS):
            raise Unavailable(outage)
        # The back-off is over and this request won the probe: it calls.
        context['burst_probe'] = True
        LOG.info('AWS %s (%s): trying again after the back-off',
                 self.service, self.region)
        return None

    def after_call(self, http_response=None, parsed=None, context=None,
                   **kwargs):
        context = context or {}
        status = getattr(http_response, 'status_code', None)
        code = ((parsed or {}).get('Error') or {}).get('Code')
        kind = failure_kind(status=status, code=code)
        if kind:
            self.failed(kind, context)
        elif context.get('burst_probe'):
            self.answered()

    def after_error(self, exception=None, context=None, **kwargs):
        context = context or {}
        kind = failure_kind(exception)
        if kind:
            self.failed(kind, context)
        elif context.get('burst_probe'):
            # Failed before reaching AWS (e.g. no credentials): let the
            # next request try again.
            _cache_call('delete', self.probe_key)

    def failed(self, kind, context):
        now = _clock()
        started = context.get('burst_started', now)
        first, most = backoff_seconds()
        if not first:
            return
        old = _read(self.key)
        if old is not None and old.recorded >= started and \
                not context.get('burst_probe'):
            return   # a call made at the same time recorded it already
        failures = old.failures + 1 if old else 1
        wait = min(first * 2 ** min(failures - 1, 16), most)
        outage = Outage(self.service, self.region,
                        since=old.since if old else started,
                        last_tried=started, retry_at=now + wait,
                        failures=failures, kind=kind, recorded=now)
        _cache_call('set', self.key, dataclasses.asdict(outage),
                    OUTAGE_SECONDS)
        _cache_call('delete', self.probe_key)
        LOG.warning('AWS %s (%s): %s (%d failed call(s) in a row since %s); '
                    'not asked again for %d s', self.service, self.region,
                    kind, failures, _utc(outage.since).isoformat(), wait)

    def answered(self):
        old = _read(self.key)
        _cache_call('delete', self.key)
        _cache_call('delete', self.probe_key)
        if old is not None:
            LOG.warning('AWS %s (%s) answers again (unreachable since %s)',
                        self.service, self.region,
                        _utc(old.since).isoformat())


def outage(request, region=None, service='ec2'):
    """The :class:`Outage` of this dashboard's EC2 (or Service Quotas)
    endpoint in ``region``, None when it answers."""
    conf = ec2_settings()
    if service == 'ec2':
        endpoint = conf.get('endpoint_url') or None
    else:
        endpoint = conf.get('service_quotas_endpoint_url',
                            conf.get('endpoint_url')) or None
    return _read(_key(service, region or conf.get('region_name'), endpoint))


def forget_outages(region=None):
    """Forget the outages of the EC2 and Service Quotas endpoints of
    ``region``: the next call goes out (for tests and benchmarks)."""
    conf = ec2_settings()
    region = region or conf.get('region_name')
    for service, endpoint in (
            ('ec2', conf.get('endpoint_url')),
            ('service-quotas', conf.get('service_quotas_endpoint_url',
                                        conf.get('endpoint_url')))):
        key = _key(service, region, endpoint or None)
        _cache_call('delete', key)
        _cache_call('delete', key + ':probe')


def _when(ts):
    return formats.date_format(timezone.localtime(_utc(ts)),
                               'Y-m-d H:i:s T')


def outage_text(found):
    """The banner of an outage, in the dashboard's own words (never AWS's
    text, never a credential): "unreachable since …, last tried …"."""
    values = {'since': _when(found.since), 'tried': _when(found.last_tried),
              'kind': KIND_WORDS.get(found.kind, found.kind),
              'retry': _when(found.retry_at)}
    if found.backing_off:
        return _("unreachable since %(since)s, last tried %(tried)s "
                 "(%(kind)s); not asked again before %(retry)s") % values
    return _("unreachable since %(since)s, last tried %(tried)s "
             "(%(kind)s); being tried again now") % values


def describe_error(exc):
    """One line saying why EC2 could not be reached, never a credential."""
    if isinstance(exc, Unavailable):
        return str(outage_text(exc.outage))
    conf = ec2_settings()
    return client.describe_error(exc, secrets=[conf.get(k)
                                               for k in _CREDENTIALS])


@profiler.trace
def vcpu_quota(request, region=None):
    """(vCPU quota, source): Service Quotas (L-1216C47A) where it answers,
    else ``BURST_DASHBOARD['ec2']['vcpu_quota']`` (default 64)."""
    return client.vcpu_quota(quotas_client(request, region),
                             configured_vcpu_quota())


@profiler.trace
def running_instances(request, region=None):
    """Every running instance of the account in the region (paginated)."""
    pages = ec2_client(request, region).get_paginator(
        'describe_instances').paginate(Filters=[
            {'Name': 'instance-state-name', 'Values': ['running']}])
    return tags.described_instances(*pages)


@profiler.trace
def instance_type_vcpus(request, types, region=None):
    """{instance type: default vCPUs}, one call for all the types."""
    types = sorted({t for t in types if t})
    if not types:
        return {}
    answer = ec2_client(request, region).describe_instance_types(
        InstanceTypes=types)
    return {t['InstanceType']: t['VCpuInfo']['DefaultVCpus']
            for t in answer.get('InstanceTypes', ())}


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


@profiler.trace
def public_capacity(request, region):
    """The region's vCPU quota (with its source) and the vCPUs in use by
    running instances, this cloud's and the whole account's.

    :raises Unavailable: backing off from EC2 (the quota alone would show
        nothing, so Service Quotas is not asked either)
    """
    found = outage(request, region)
    if found is not None and found.backing_off:
        raise Unavailable(found)
    (quota, source), instances = burst_api_pkg.call_functions_parallel(
        (vcpu_quota, [request, region]),
        (running_instances, [request, region]))
    vcpus = instance_type_vcpus(
        request, [i.get('InstanceType') for i in instances], region)
    mine = managed_by()
    managed = [i for i in instances
               if tags.tags_dict(i).get(TAG_MANAGED_BY) == mine]

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
