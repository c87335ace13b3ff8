"""The only modules of the plugin that call Nova, Placement, Glance or EC2.

Functions take the Django ``request`` first, in the style of
``openstack_dashboard.api.nova``.
"""
from concurrent import futures

MAX_WORKERS = 8


def parallel(calls):
    """Run (function, *args) calls in a bounded thread pool; results in
    order. The first exception raised is re-raised."""
    if not calls:
        return []
    with futures.ThreadPoolExecutor(
            max_workers=min(MAX_WORKERS, len(calls))) as pool:
        running = [pool.submit(*call) for call in calls]
    return [f.result() for f in running]
