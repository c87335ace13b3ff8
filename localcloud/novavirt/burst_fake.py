"""Nova's fake driver with a size you set: the local hypervisors.

Loaded by nova-compute as ``compute_driver = burst_fake.SizedFakeDriver``
(see localcloud/compute.py for how it joins ``nova.virt``).
"""
import time

from oslo_config import cfg

from nova.virt import fake

CONF = cfg.CONF
CONF.register_opts([
    cfg.IntOpt('vcpus', default=16, min=1,
               help='vCPUs this fake hypervisor reports.'),
    cfg.IntOpt('memory_mb', default=32768, min=512,
               help='RAM in MiB this fake hypervisor reports.'),
    cfg.IntOpt('local_gb', default=500, min=1,
               help='Local disk in GiB this fake hypervisor reports.'),
], group='fake_host')

_STARTED = time.time()


class SizedFakeDriver(fake.FakeDriverWithoutFakeNodes):
    """A fake hypervisor whose capacity comes from [fake_host], with a
    stable node identity (state_path/compute_id) so it can restart."""

    def __init__(self, virtapi, read_only=False):
        self.vcpus = CONF.fake_host.vcpus
        self.memory_mb = CONF.fake_host.memory_mb
        self.local_gb = CONF.fake_host.local_gb
        super().__init__(virtapi, read_only)

    def get_host_uptime(self):
        up = int(time.time() - _STARTED)
        return ' %s up %d min,  0 users,  load average: 0.00, 0.00, 0.00' % (
            time.strftime('%H:%M:%S'), up // 60)
