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

"""Reads kept in the cache every Horizon worker and replica shares
(memcached in production), and read afresh behind the pages.

A page does not wait for a long read it can do without: when what is kept
is too old, the page is served from it (and says how old it is) while one
worker -- one across every process and replica, locked with the cache's
atomic ``add`` -- reads it afresh in the background and keeps the result
for the next load. The read starts once the page has been sent (Django's
``request_finished``), so that it does not slow the page that asked for
it: a full server list keeps Nova busy for seconds.

A cache that cannot be read or written is logged and treated as empty:
the pages then read everything themselves, as without a cache.
"""
from concurrent import futures
import datetime
import json
import logging
import pickle
import threading
import zlib

from django.core.cache import cache
from django.core import signals
from oslo_utils import timeutils
from oslo_utils import uuidutils

LOG = logging.getLogger(__name__)

# A background read holds its lock at most this long (a worker killed
# half-way frees it then).
LOCK_SECONDS = 300
# Background reads run one at a time per Horizon process: they are the
# slow full reads a page was spared, and must not crowd out the pages.
_BACKGROUND = futures.ThreadPoolExecutor(
    max_workers=1, thread_name_prefix='burst-background-read')
# Reads asked for by pages still being served: started when a request of
# this process finishes.
_PENDING = []
_PENDING_LOCK = threading.Lock()


def start_pending(**kwargs):
    """Start the reads pages asked for (connected to ``request_finished``;
    outside a request, :func:`wait_for_background` calls it)."""
    with _PENDING_LOCK:
        jobs = list(_PENDING)
        del _PENDING[:]
    for job in jobs:
        _BACKGROUND.submit(job)


signals.request_finished.connect(start_pending,
                                 dispatch_uid='burst-kept-start-pending')


def get(key):
    """What is kept under ``key``, or None (nothing, or the cache away)."""
    try:
        return cache.get(key)
    except Exception as e:   # memcached away, or an entry from elsewhere
        LOG.warning('%s not read from the cache: %s', key, e)
        return None


def put(key, value, seconds):
    """Keep ``value`` under ``key``; False (logged) when the cache refuses
    it (too large, or away)."""
    try:
        cache.set(key, value, seconds)
        return True
    except Exception as e:
        LOG.warning('%s not kept in the cache: %s', key, e)
        return False


def put_compressed(key, value, seconds):
    """:func:`put` of ``value`` pickled and compressed: a large list (the
    pager's snapshot of 5,000 rows, 1.4 MB pickled) stays under
    memcached's 1 MB an item."""
    return put(key, zlib.compress(pickle.dumps(value,
                                               pickle.HIGHEST_PROTOCOL)),
               seconds)


def get_compressed(key):
    """What :func:`put_compressed` kept, or None."""
    blob = get(key)
    if blob is None:
        return None
    try:
        return pickle.loads(zlib.decompress(blob))
    except Exception as e:    # an entry of another version
        LOG.warning('%s not readable: %s', key, e)
        return None


def _full_at_key(key):
    return key + ':full_at'


def put_read(key, items, full_at, synced_at, seconds):
    """Keep a read (``items``, JSON data: Nova's servers, EC2's
    instances) with when it was last read in full and last brought up to
    date, as compressed JSON (no code of another version is unpickled).

    Not over a read whose full read began later than ``full_at``: a page
    that brought an older read up to date while a full read ran behind it
    does not put the older one back. False when not kept."""
    newer = get(_full_at_key(key))
    if newer is not None and \
            datetime.datetime.fromisoformat(newer) > full_at:
        LOG.debug('%s: a full read of %s is kept, not replaced by one of '
                  '%s', key, newer, full_at.isoformat())
        return False
    if not put(key, zlib.compress(json.dumps({
            'items': items, 'full_at': full_at.isoformat(),
            'synced_at': synced_at.isoformat()}).encode('utf-8')), seconds):
        return False
    return put(_full_at_key(key), full_at.isoformat(), seconds)


def get_read(key):
    """(items, full_at, synced_at) that :func:`put_read` kept, or None."""
    blob = get(key)
    if not blob:
        return None
    try:
        data = json.loads(zlib.decompress(blob).decode('utf-8'))
        return (data['items'],
                datetime.datetime.fromisoformat(data['full_at']),
                datetime.datetime.fromisoformat(data['synced_at']))
    except Exception as e:    # an entry of another version
        LOG.warning('%s not readable: %s', key, e)
        return None


def _took_key(key):
    return key + ':took'


def put_took(key, began, seconds):
    """Remember, for ``seconds``, how long a full read of ``key`` that
    began at ``began`` (aware) took: see :func:`quick`."""
    put(_took_key(key), (timeutils.utcnow(with_timezone=True) -
                         began).total_seconds(), seconds)


def quick(key, wait):
    """Whether the last full read of ``key`` took at most ``wait``
    seconds: False when it took longer, or none is known (the cache
    restarted; no read yet)."""
    took = get(_took_key(key))
    return took is not None and took <= wait


def is_kept(key):
    """Whether a read of ``key`` (:func:`put_read`) is kept, without
    reading it."""
    return get(_full_at_key(key)) is not None


def _lock(key):
    return key + ':reading'


def in_background(key, read):
    """Run ``read()`` in the background unless a worker anywhere is already
    reading ``key``. True when a read is under way (this one or
    another's), False when the cache cannot lock (nothing was started:
    the caller reads for itself)."""
    lock, token = _lock(key), uuidutils.generate_uuid()
    try:
        if not cache.add(lock, token, LOCK_SECONDS):
            return True          # another worker is reading it
    except Exception as e:
        LOG.warning('%s: no background read (cache away): %s', key, e)
        return False

    def run():
        try:
            read()
        except Exception as e:
            LOG.warning('Background read of %s failed: %s', key, e)
        finally:
            try:
                # Only our own lock: after LOCK_SECONDS another worker's.
                if cache.get(lock) == token:
                    cache.delete(lock)
            except Exception as e:
                LOG.warning('%s: lock not released (it expires in %d s): '
                            '%s', key, LOCK_SECONDS, e)
    with _PENDING_LOCK:
        _PENDING.append(run)
    return True


def wait_for_background(timeout=60):
    """Start the reads asked for and block until they have run (tests,
    benchmarks)."""
    start_pending()
    futures.wait([_BACKGROUND.submit(lambda: None)], timeout=timeout)


def forget_pending():
    """Drop the reads asked for but not started (a test's, once its
    mocks are gone)."""
    with _PENDING_LOCK:
        del _PENDING[:]
