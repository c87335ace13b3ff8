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

"""Why each instance went where: the decision records the burst filter
keeps as instance actions (:mod:`burst_core.decisions`), read with the
user's own token.

Everybody who may see an instance reads its actions, so the summary (the
action's message) is for members and admins alike; the whole record, with
the private utilisation and the policy revision, is the action's event,
whose details Nova shows to admins only (microversion 2.84).
"""
import dataclasses
import logging

from django.core.cache import cache

from openstack_dashboard.api import _nova
from openstack_dashboard.contrib.developer.profiler import api as profiler

from burst_core import decisions
from burst_dashboard import api as burst_api_pkg

LOG = logging.getLogger(__name__)
DETAILS_MICROVERSION = '2.84'
# A record never changes; a later one (a move) shows within this time.
CACHE_SECONDS = 600


@dataclasses.dataclass(frozen=True)
class Summary:
    request_id: str     # of the record's action
    message: str        # the summary, in English (burst_core's msgid)
    recorded_at: str    # Nova's start_time of the action


def _key(server_id):
    return 'burst-decision:%s' % server_id


@profiler.trace
def summary(request, server_id):
    """The instance's latest decision Summary, or None when it has none
    (yet: the scheduler writes it once Nova has created the instance)."""
    kept = cache.get(_key(server_id))
    if kept is not None:
        return kept
    actions = _nova.novaclient(
        request, burst_api_pkg.NOVA_MICROVERSION).instance_action.list(
            server_id)
    ours = [a for a in actions if a.action == decisions.ACTION]
    if not ours:
        return None
    latest = max(ours, key=lambda a: a.start_time or '')
    found = Summary(latest.request_id, latest.message or '',
                    latest.start_time)
    cache.set(_key(server_id), found, CACHE_SECONDS)
    return found


def summaries(request, server_ids):
    """({server ID: Summary or None}, failed): read in parallel, bounded;
    ``failed`` says whether any could not be read (those are left out)."""
    server_ids = list(dict.fromkeys(i for i in server_ids if i))

    def read(server_id):
        try:
            return summary(request, server_id)
        except Exception as e:
            LOG.warning('Decision record of %s not read: %s', server_id, e)
            return e
    if not server_ids:
        return {}, False
    with burst_api_pkg.bounded_executor() as pool:
        found = dict(zip(server_ids, pool.map(read, server_ids)))
    failed = any(isinstance(v, Exception) for v in found.values())
    return ({k: v for k, v in found.items()
             if not isinstance(v, Exception)}, failed)


@profiler.trace
def server(request, server_id):
    """The instance as Nova's JSON (name, host for admins, status)."""
    return _nova.novaclient(
        request, burst_api_pkg.NOVA_MICROVERSION).servers.get(server_id)._info


@profiler.trace
def record(request, server_id):
    """(Summary, Record) of the instance's latest decision: the Record from
    the event's details, which Nova shows to admins only. (None, None)
    when it has none; ValueError when the details are not a record."""
    found = summary(request, server_id)
    if found is None:
        return None, None
    action = _nova.novaclient(request, DETAILS_MICROVERSION) \
        .instance_action.get(server_id, found.request_id)
    events = [e for e in getattr(action, 'events', None) or []
              if e.get('event') == decisions.EVENT]
    if not events or not events[0].get('details'):
        raise ValueError('the record has no details (not an admin?)')
    return found, decisions.loads(events[0]['details'])
