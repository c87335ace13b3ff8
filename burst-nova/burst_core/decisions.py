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

"""The decision record of an instance: where the burst filter sent it and
why, kept by Nova as one of the instance's actions.

The action (:data:`ACTION`) carries the member-facing summary, words
without a figure of the cloud, as its message: Nova lists an instance's
actions to its project. Its one event (:data:`EVENT`) carries the whole
record, with the private utilisation and the policy revision, as the
event's details, which Nova shows to admins only. Neither can be written
through Nova's API, so nothing a member writes changes a record.
"""
import dataclasses
import json
import math

from burst_core import i18n
from burst_core import policy

ACTION = 'burst-placement'
EVENT = 'burst_decision'
VERSION = 1
TARGETS = ('local', 'ec2', 'none')
MESSAGE_MAX = 255     # Nova's instance_actions.message column


@dataclasses.dataclass(frozen=True)
class Record:
    target: str             # 'local', 'ec2' or 'none'
    reason: str             # why, with the figures (a Message)
    summary: str            # why, in words only (a Message)
    utilisation: dict       # resource class -> % private utilisation with
    #                         it; empty when the policy could not be read
    thresholds: dict        # resource class -> enter threshold %; ditto
    revision: int           # the policy's revision; None: ditto
    enabled: bool           # whether bursting was enabled


def record(decision, pol):
    """The Record of a burst_core.policy.Decision under policy ``pol``
    (None: the policy could not be read, nor the utilisation)."""
    if pol is None:
        return Record(target=decision.target, reason=decision.reason(),
                      summary=decision.summary, utilisation={},
                      thresholds={}, revision=None, enabled=False)
    return Record(
        target=decision.target, reason=decision.reason(),
        summary=decision.summary,
        utilisation={rc: round(float(decision.utilisation[rc]), 3)
                     for rc in policy.RESOURCES},
        thresholds={rc: pol.enter(rc) for rc in policy.RESOURCES},
        revision=pol.revision, enabled=pol.enabled)


def message(rec):
    """The action's message: the summary in English, within Nova's
    column."""
    return str(rec.summary)[:MESSAGE_MAX]


def dumps(rec):
    return json.dumps({
        'version': VERSION, 'target': rec.target,
        'reason': i18n.to_data(rec.reason),
        'summary': i18n.to_data(rec.summary),
        'utilisation': rec.utilisation, 'thresholds': rec.thresholds,
        'revision': rec.revision, 'enabled': rec.enabled},
        sort_keys=True)


def _percentages(value):
    if not isinstance(value, dict):
        raise ValueError('not a mapping of resources')
    if not value:
        return {}
    out = {}
    for rc in policy.RESOURCES:
        pct = value.get(rc)
        if isinstance(pct, bool) or not isinstance(pct, (int, float)) or \
                not math.isfinite(pct):
            raise ValueError('%s is not a number' % rc)
        out[rc] = float(pct)
    return out


def loads(text):
    """The Record in an event's details, or ValueError saying why not."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as e:
        raise ValueError('not JSON: %s' % e) from None
    if not isinstance(data, dict) or data.get('version') != VERSION:
        raise ValueError('not a version %d record' % VERSION)
    target, revision = data.get('target'), data.get('revision')
    if target not in TARGETS:
        raise ValueError('unknown target')
    if revision is not None and (isinstance(revision, bool) or
                                 not isinstance(revision, int)):
        raise ValueError('revision is not a whole number')
    if not isinstance(data.get('enabled'), bool):
        raise ValueError('enabled is not true or false')
    return Record(target=target,
                  reason=i18n.from_data(data.get('reason')) or '',
                  summary=i18n.from_data(data.get('summary')) or '',
                  utilisation=_percentages(data.get('utilisation')),
                  thresholds=_percentages(data.get('thresholds')),
                  revision=revision, enabled=data['enabled'])
