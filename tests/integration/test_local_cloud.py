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

"""The local cloud is real: servers boot ACTIVE on the fake hypervisors and
delete cleanly, through openstacksdk and the standard APIs."""
import subprocess
import sys
import uuid

import pytest

from localcloud import apis
from localcloud import procs
from localcloud import seed
from localcloud import services
from tests import helpers

pytestmark = pytest.mark.integration


def _boot(conn, flavor='m1.small', count=1):
    image = conn.image.find_image(seed.IMAGE_NAME, ignore_missing=False)
    fl = conn.compute.find_flavor(flavor, ignore_missing=False)
    name = 'it-%s' % uuid.uuid4().hex[:8]
    return [conn.compute.create_server(
        name='%s-%d' % (name, i), image_id=image.id, flavor_id=fl.id,
        networks='none') for i in range(count)]


def test_every_service_healthy(local_cloud):
    down = [name for name, _, _, healthy in services.status() if not healthy]
    assert down == []


def test_fake_hypervisors_registered_with_their_size(admin_conn):
    hosts = apis.compute_hosts()
    providers = {p.name: p for p in admin_conn.placement.resource_providers()}
    assert set(hosts) <= set(providers)
    for host in hosts:
        inv = {i.resource_class: i for i in
               admin_conn.placement.resource_provider_inventories(
                   providers[host])}
        assert inv['VCPU'].total == 16
        assert inv['MEMORY_MB'].total == 32768
        assert inv['DISK_GB'].total == 500


def test_flavors_and_image_ready_for_launch(demo_conn):
    names = {f.name for f in demo_conn.compute.flavors()}
    assert {f[0] for f in seed.FLAVORS} <= names
    image = demo_conn.image.find_image(seed.IMAGE_NAME)
    assert image is not None and image.status == 'active'


def test_servers_boot_active_on_fake_hosts_and_delete(demo_conn, admin_conn):
    servers = _boot(demo_conn, count=3)
    try:
        for s in servers:
            s = demo_conn.compute.wait_for_server(s, wait=120)
            assert s.status == 'ACTIVE'
        hosts = {admin_conn.compute.get_server(s.id).compute_host
                 for s in servers}
        assert hosts <= set(apis.compute_hosts())
        # Placement holds the allocations of the new servers.
        for s in servers:
            allocs = admin_conn.placement.get(
                '/allocations/%s' % s.id).json()['allocations']
            (alloc,) = allocs.values()
            assert alloc['resources']['VCPU'] == 1
    finally:
        for s in servers:
            demo_conn.compute.delete_server(s, ignore_missing=True)
        for s in servers:
            helpers.wait_gone(demo_conn, s, wait=120)
    for s in servers:
        assert demo_conn.compute.find_server(s.id) is None
        allocs = admin_conn.placement.get(
            '/allocations/%s' % s.id).json()['allocations']
        assert allocs == {}


def test_member_sees_only_own_project(demo_conn, admin_conn):
    (server,) = _boot(admin_conn)
    try:
        admin_conn.compute.wait_for_server(server, wait=120)
        mine = {s.id for s in demo_conn.compute.servers()}
        assert server.id not in mine
    finally:
        admin_conn.compute.delete_server(server)
        helpers.wait_gone(admin_conn, server, wait=120)


def test_up_again_is_idempotent(local_cloud, tmp_path):
    """`up` on a running cloud starts nothing and leaves every PID as is."""
    before = {n: procs.pid_of(n) for n in procs.started_names()}
    record = tmp_path / 'started'
    out = subprocess.run([sys.executable, '-m', 'localcloud', 'up',
                          '--record', str(record)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert record.read_text().split() == []
    assert {n: procs.pid_of(n) for n in procs.started_names()} == before
    assert 'Horizon:' in out.stdout
