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

"""Writes the burst filter's decision records (:mod:`burst_core.decisions`)
as instance actions, from nova-scheduler.

The filter decides before the instance exists: conductor creates it in its
cell once scheduling returns, then maps it to that cell. So the filter
hands the record to a writer thread that waits for the instance's mapping
to name a cell (the instance row exists then), and writes the action and
its event there. A record not written within
``[burst] decision_record_timeout`` (the build was cancelled, or the
scheduler stopped) is logged and dropped; the scheduler's log line of the
decision stays.
"""
import queue
import threading
import time

from oslo_context import context as oslo_context
from oslo_log import log as logging
from oslo_utils import timeutils

from nova import context as nova_context
from nova import exception
from nova import objects

from burst_core import decisions
from burst_nova import conf as burst_conf

import nova.conf

CONF = nova.conf.CONF
burst_conf.register_opts(CONF)
LOG = logging.getLogger(__name__)
POLL_SECONDS = 0.5
# After a failed write (the database away) the next round waits longer.
RETRY_SECONDS = 5.0


def write(ctx, instance_uuid, rec, host=None):
    """Write ``rec`` as an action of the instance if it is in a cell yet:
    True when written, False when the instance is not there yet."""
    try:
        mapping = objects.InstanceMapping.get_by_instance_uuid(
            ctx, instance_uuid)
    except exception.InstanceMappingNotFound:
        return False
    if not mapping.cell_mapping:
        return False
    now = timeutils.utcnow()
    request_id = oslo_context.generate_request_id()
    with nova_context.target_cell(ctx, mapping.cell_mapping) as cctxt:
        objects.InstanceAction(
            cctxt, action=decisions.ACTION, instance_uuid=instance_uuid,
            request_id=request_id, user_id=None, project_id=None,
            start_time=now, finish_time=now, updated_at=now,
            message=decisions.message(rec)).create()
        objects.InstanceActionEvent(
            cctxt, event=decisions.EVENT, start_time=now, finish_time=now,
            result='Success', host=host,
            details=decisions.dumps(rec)).create(instance_uuid, request_id)
    return True


class Writer:
    """One thread per scheduler process writing records as instances
    appear; started on first use (after Nova forked its workers)."""

    def __init__(self):
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread = None

    def submit(self, instance_uuid, rec):
        if not instance_uuid:
            return
        deadline = time.monotonic() + CONF.burst.decision_record_timeout
        self._queue.put((instance_uuid, rec, deadline))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name='burst-decision-records',
                    daemon=True)
                self._thread.start()

    def _run(self):
        ctx = nova_context.get_admin_context()
        pending = []
        wait = POLL_SECONDS
        while True:
            try:
                pending.append(self._queue.get(
                    timeout=wait if pending else None))
                while True:
                    pending.append(self._queue.get_nowait())
            except queue.Empty:
                pass
            failed = []
            pending = [item for item in pending
                       if not self._try(ctx, *item, failed=failed)]
            wait = RETRY_SECONDS if failed else POLL_SECONDS

    @staticmethod
    def _try(ctx, instance_uuid, rec, deadline, failed=None):
        """Whether the item is done with (written, or given up); a failed
        write is noted in ``failed``."""
        error = None
        try:
            if write(ctx, instance_uuid, rec, CONF.host):
                return True
        except Exception as e:      # e.g. the database away: tried again
            error = e
            if failed is not None:
                failed.append(e)
        if time.monotonic() > deadline:
            LOG.warning('Decision record of instance %s not written within '
                        '%s s: %s', instance_uuid,
                        CONF.burst.decision_record_timeout,
                        error or 'the instance was not in a cell')
            return True
        return False


WRITER = Writer()
