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

"""The dashboard backs off from an EC2 that does not answer, for real.

A fault proxy (localcloud/ec2proxy.py) holds every EC2 request without
answering. Its own instance, started here: the cloud's proxy also carries
the EC2 nova-compute's calls, and tests running beside this one must not
lose EC2 with it. The first read of the pages' EC2 data fails within the
EC2 client's bounds and records the outage; the next reads of every page
make no EC2 call and return at once with it; after the back-off one read
tries again (EC2 still down: the back-off doubles, "since" stays) and,
once the proxy passes again, the next one after the back-off recovers.
"""
import contextlib
import socket
import subprocess
import sys
import time
from unittest import mock

from botocore import endpoint as bendpoint
from django.test import override_settings
import pytest
import requests

from burst_dashboard.api import ec2 as ec2_api
from burst_dashboard.api import instances
from localcloud import ec2proxy
from localcloud import paths

from tests.integration.conftest import ec2_through_proxy

pytestmark = pytest.mark.integration

BACKOFF = 4   # seconds; production's default is 60
# One read of EC2 at most: connect, one 5 s read (not retried), and the
# Nova list beside it.
READ_BOUND = ec2_api.READ_TIMEOUT + 3
# What a read costs without EC2: Nova and Keystone only.
AT_ONCE = 3


@pytest.fixture
def proxy(local_cloud):
    """A fault proxy of our own in front of moto: its URL."""
    with socket.socket() as s:
        s.bind((paths.HOST, 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, '-m', 'localcloud.ec2proxy', str(port),
         paths.EC2_URL], cwd=paths.REPO, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    url = 'http://%s:%d' % (paths.HOST, port)
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(url + '/__faults__', timeout=2).raise_for_status()
            break
        except requests.RequestException:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail('the fault proxy did not start')
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


@contextlib.contextmanager
def sends_to(url):
    """The HTTP requests botocore sends to ``url`` (retries included)."""
    real = bendpoint.Endpoint._send
    sent = []

    def send(endpoint, request):
        if request.url.startswith(url):
            sent.append(request.url)
        return real(endpoint, request)
    with mock.patch.object(bendpoint.Endpoint, '_send', autospec=True,
                           side_effect=send):
        yield sent


def _wait_until(when):
    time.sleep(max(0.0, when - time.time()) + 0.2)


def _timed(read, *args):
    t0 = time.monotonic()
    result = read(*args)
    return result, time.monotonic() - t0


def test_pages_back_off_from_a_blackholed_ec2_and_recover(
        horizon_request, member_request, servers, proxy):
    local = servers('m1.tiny')
    conf = ec2_through_proxy()
    conf['ec2'] = dict(conf['ec2'], endpoint_url=proxy, backoff=BACKOFF,
                       max_backoff=4 * BACKOFF)
    with override_settings(BURST_DASHBOARD=conf), sends_to(proxy) as sent:
        ec2_api.forget_outages()
        ec2proxy.ec2_faults(proxy_url=proxy, mode='slow', delay=60)

        # The first read fails within the client's bounds.
        inv, took = _timed(instances.admin_inventory, horizon_request)
        assert took < READ_BOUND, took
        first = inv.ec2_outage
        assert first is not None and first.kind == ec2_api.TIMEOUT
        assert first.failures == 1 and first.backing_off
        assert len(sent) == 1   # the read timeout was not retried
        rows = {r.id: r for r in inv.rows}
        assert rows[local.id].where == 'local'

        # The next reads of every page: no EC2 call, at once.
        admin, took_admin = _timed(instances.admin_inventory,
                                   horizon_request)
        member, took_member = _timed(instances.project_inventory,
                                     member_request)
        t0 = time.monotonic()
        with pytest.raises(ec2_api.Unavailable) as capacity:
            ec2_api.public_capacity(horizon_request, paths.EC2_REGION)
        took_capacity = time.monotonic() - t0
        assert len(sent) == 1
        assert max(took_admin, took_member, took_capacity) < AT_ONCE, (
            took_admin, took_member, took_capacity)
        assert admin.ec2_outage == member.ec2_outage == \
            capacity.value.outage == first
        assert local.id in {r.id for r in admin.rows}
        assert local.id in {r.id for r in member.rows}
        banner = ec2_api.outage_text(first)
        assert 'unreachable since' in banner and 'last tried' in banner
        for secret in ('not-shown-anywhere', 'integration-tests', proxy):
            assert secret not in banner
            assert secret not in admin.ec2_error

        # After the back-off one read tries again: still down, within
        # the bounds; the back-off doubles, "since" stays.
        _wait_until(first.retry_at)
        inv, took = _timed(instances.admin_inventory, horizon_request)
        assert took < READ_BOUND, took
        assert len(sent) == 2
        second = inv.ec2_outage
        assert (second.since, second.failures) == (first.since, 2)
        assert second.last_tried > first.last_tried
        assert second.retry_at - second.recorded == pytest.approx(
            2 * BACKOFF, abs=0.01)
        _, took = _timed(instances.project_inventory, member_request)
        assert took < AT_ONCE and len(sent) == 2

        # EC2 answers again: after the back-off the next read recovers
        # and forgets the outage.
        ec2proxy.ec2_faults(proxy_url=proxy, mode='pass')
        _wait_until(second.retry_at)
        inv = instances.admin_inventory(horizon_request)
        assert inv.ec2_error is None and inv.ec2_outage is None
        assert ec2_api.outage(horizon_request, paths.EC2_REGION) is None
        cap = ec2_api.public_capacity(horizon_request, paths.EC2_REGION)
        assert cap.region == paths.EC2_REGION
        assert instances.project_inventory(member_request).ec2_error is None
