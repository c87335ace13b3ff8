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

"""Placement for the Nova side of bursting: an adapter with explicit
timeouts, the caps provider, and the atomic cap claim.

Runs in nova-scheduler and nova-compute, with Nova's ``[placement]``
credentials; every call is bounded by ``[burst] placement_timeout``.
"""
import threading
import urllib.parse

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
from oslo_log import log as logging

from nova import utils as nova_utils

from burst_core import caps
from burst_nova import conf as burst_conf

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
burst_conf.register_opts(CONF)

# 1.28: consumer generations on allocations; 1.17: required traits.
VERSION = '1.28'
_RETRIES = 10


class PlacementError(Exception):
    """Placement did not answer as expected (status and Placement's own
    error code; no credentials)."""


class CapsExceeded(Exception):
    """A claim would pass the caps; ``classes`` are the caps' resource
    classes."""

    def __init__(self, classes):
        self.classes = classes
        super().__init__(caps.refusal(classes))


_ADAPTER = None
_ADAPTER_LOCK = threading.Lock()


def adapter():
    """One keystoneauth adapter per process, from Nova's [placement]
    options, every call bounded by [burst] placement_timeout."""
    global _ADAPTER
    with _ADAPTER_LOCK:
        if _ADAPTER is None:
            auth = ks_loading.load_auth_from_conf_options(CONF, 'placement')
            sess = ks_loading.load_session_from_conf_options(
                CONF, 'placement', auth=auth)
            sess.timeout = CONF.burst.placement_timeout
            _ADAPTER = nova_utils.get_ksa_adapter(
                'placement', ksa_auth=auth, ksa_session=sess)
            _ADAPTER.additional_headers = {'accept': 'application/json'}
        return _ADAPTER


def _code(resp):
    try:
        return resp.json()['errors'][0].get('code', '')
    except Exception:
        return ''


def _detail(resp):
    try:
        return resp.json()['errors'][0].get('detail', '')[:300]
    except Exception:
        return ''


def _check(resp, what):
    if resp is None or resp.status_code >= 400:
        raise PlacementError('Placement %s: HTTP %s %s %s' % (
            what, getattr(resp, 'status_code', '?'), _code(resp),
            _detail(resp)))
    return resp


def get_json(client, url, what):
    return _check(client.get(url, microversion=VERSION), what).json()


def find_provider(client, name):
    """(uuid, generation) of the provider with this name, or None."""
    found = get_json(client, '/resource_providers?name=%s' %
                     urllib.parse.quote(name), 'provider lookup')
    rps = found.get('resource_providers') or []
    return (rps[0]['uuid'], rps[0]['generation']) if rps else None


def ensure_provider(client, name):
    """(uuid, generation) of the named provider, created if missing. Names
    are unique in Placement: of two creators one gets 409 and reads it."""
    found = find_provider(client, name)
    if found:
        return found
    resp = client.post('/resource_providers', json={'name': name},
                       microversion=VERSION)
    if resp.status_code not in (200, 201, 409):
        _check(resp, 'provider create')
    found = find_provider(client, name)
    if not found:
        raise PlacementError('Placement provider %s not found after '
                             'create' % name)
    return found


def sync_inventories(client, uuid, wanted):
    """Make the provider's inventories ``wanted`` (compare-and-swap on its
    generation, retried on a concurrent update). Lowering a cap under what
    is already claimed is allowed: new claims are then refused."""
    for _ in range(_RETRIES):
        body = get_json(client, '/resource_providers/%s/inventories' % uuid,
                        'inventories')
        if caps.same_inventories(body.get('inventories') or {}, wanted):
            return
        for rc in wanted:
            # Custom resource classes: 201 created, 204 already there.
            if rc.startswith('CUSTOM_'):
                _check(client.put('/resource_classes/%s' % rc, json=None,
                                  microversion=VERSION), 'resource class')
        resp = client.put(
            '/resource_providers/%s/inventories' % uuid,
            json={'resource_provider_generation':
                  body['resource_provider_generation'],
                  'inventories': wanted}, microversion=VERSION)
        if resp.status_code == 409:
            continue
        _check(resp, 'inventory update')
        return
    raise PlacementError('Placement inventory update kept conflicting')


def _caps_now(client, rp_uuid):
    """(inventories, usages) of the caps provider."""
    inv = get_json(client, '/resource_providers/%s/inventories' % rp_uuid,
                   'inventories')['inventories']
    use = get_json(client, '/resource_providers/%s/usages' % rp_uuid,
                   'usages')['usages']
    return inv, use


def claim_caps(client, consumer, project_id, user_id, rp_uuid, wanted):
    """Add the caps allocation ``wanted`` to the consumer's allocations.

    Placement refuses it over the inventory (CapsExceeded). Placement's
    own check is not enough under concurrency: when two writes to one
    provider conflict, it retries the loser inside the same database
    transaction, and its "no worse than before" rule then counts the
    loser's first attempt as usage that was already there, so concurrent
    claims can pass an inventory. So every claim is checked again once it
    is written: a claim that finds the caps over capacity gives itself back
    and is refused. Each claim that stays saw itself and every earlier one
    that stays within the caps, so together they never pass them.
    A consumer that already holds the claim (a rebuild) keeps it.
    """
    for _ in range(_RETRIES):
        current = get_json(client, '/allocations/%s' % consumer,
                           'allocations')
        allocs = current.get('allocations') or {}
        if rp_uuid in allocs:
            return
        body = {'allocations': dict(
            {rp: {'resources': a['resources']} for rp, a in allocs.items()},
            **{rp_uuid: {'resources': wanted}}),
            'consumer_generation': current.get('consumer_generation'),
            'project_id': project_id, 'user_id': user_id}
        resp = client.put('/allocations/%s' % consumer, json=body,
                          microversion=VERSION)
        if resp.status_code < 300:
            over = caps.over(*_caps_now(client, rp_uuid))
            if over:
                release_caps(client, consumer, rp_uuid)
                raise CapsExceeded(over)
            return
        if resp.status_code != 409:
            _check(resp, 'allocation claim')
        if _code(resp) in ('placement.concurrent_update',):
            continue
        # Over an inventory: say which cap (a concurrent claim may have
        # freed room since, so look before saying so).
        classes = caps.passed(*_caps_now(client, rp_uuid), wanted)
        if classes:
            raise CapsExceeded(classes)
    raise PlacementError('Placement claim kept conflicting')


def release_caps(client, consumer, rp_uuid):
    """Drop the caps allocation from the consumer, keeping the rest."""
    for _ in range(_RETRIES):
        current = get_json(client, '/allocations/%s' % consumer,
                           'allocations')
        allocs = current.get('allocations') or {}
        if rp_uuid not in allocs:
            return
        rest = {rp: {'resources': a['resources']}
                for rp, a in allocs.items() if rp != rp_uuid}
        body = {'allocations': rest,
                'consumer_generation': current.get('consumer_generation'),
                'project_id': current.get('project_id'),
                'user_id': current.get('user_id')}
        resp = client.put('/allocations/%s' % consumer, json=body,
                          microversion=VERSION)
        if resp.status_code < 300:
            return
        if resp.status_code != 409:
            _check(resp, 'allocation release')
    raise PlacementError('Placement release kept conflicting')
