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

"""Nova's fake driver with a size you set: the local hypervisors.

Loaded by nova-compute as ``compute_driver = burst_fake.SizedFakeDriver``
(see localcloud/compute.py for how it joins ``nova.virt``).
"""
import time
import uuid

from oslo_config import cfg

from nova.virt import fake
from nova.virt import node

CONF = cfg.CONF
CONF.register_opts([
    cfg.IntOpt('vcpus', default=16, min=1,
               help='vCPUs this fake hypervisor reports.'),
    cfg.IntOpt('memory_mb', default=32768, min=512,
               help='RAM in MiB this fake hypervisor reports.'),
    cfg.IntOpt('local_gb', default=500, min=1,
               help='Local disk in GiB this fake hypervisor reports.'),
    cfg.IntOpt('nodes', default=1, min=1,
               help='Nodes of a MultiNodeFakeDriver compute.'),
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


class MultiNodeFakeDriver(fake.FakeDriver):
    """One nova-compute standing for many fake hypervisors (nodes named
    ``<host>-01`` ...), like ironic: cheap extra hosts for benchmarks.
    Each node reports the [fake_host] size; node UUIDs derive from their
    names, so a restart keeps them."""

    def __init__(self, virtapi, read_only=False):
        self.vcpus = CONF.fake_host.vcpus
        self.memory_mb = CONF.fake_host.memory_mb
        self.local_gb = CONF.fake_host.local_gb
        super().__init__(virtapi, read_only)

    def init_host(self, host):
        super().init_host(host)
        # Nova refuses to start a compute service it has seen before
        # without a local node identity (state_path/compute_id; only
        # ironic's is exempt): one for the host, its nodes have their own.
        if node.read_local_node_uuid() is None:
            node.write_local_node_uuid(self._uuid(host))
        self._set_nodes(['%s-%02d' % (host, i)
                         for i in range(1, CONF.fake_host.nodes + 1)])

    @staticmethod
    def _uuid(nodename):
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, nodename))

    def get_available_resource(self, nodename):
        resources = super().get_available_resource(nodename)
        resources['uuid'] = self._uuid(nodename)
        return resources

    def get_nodenames_by_uuid(self, refresh=False):
        return {self._uuid(n): n for n in self.get_available_nodes()}

    def get_host_uptime(self):
        return SizedFakeDriver.get_host_uptime(self)
