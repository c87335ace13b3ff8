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

"""The preview cannot disagree with placement: the same flavors, servers
and Placement answers fed to nova-scheduler's BurstFilter path and to the
dashboard's preview path (and to the Instances page's server path) give
equal requests, pools and decisions -- boot from volume, ephemeral disks
and swap included."""
import types
from unittest import mock
import uuid

from nova import context as nova_context
from nova import objects

from openstack_dashboard import api
from openstack_dashboard.test import helpers as test

from burst_core import caps
from burst_core import flavors
from burst_core import policy
from burst_core import prices
from burst_dashboard.api import burst as burst_api
from burst_nova import placement as burst_placement
from burst_nova import scheduler

objects.register_all()

REGION = 'us-east-1'
EC2 = 'ec2-us-east-1'
BOOK = prices.PriceBook(REGION, {'t3.small': 0.03})
FLAVORS = [
    # name, vcpus, ram, root, ephemeral, swap MiB, extra specs
    ('plain', 2, 4096, 20, 0, 0, {}),
    ('ephemeral', 2, 4096, 20, 30, 0, {}),
    ('swap', 1, 2048, 10, 0, 1536, {}),           # 1.5 GiB -> 2
    ('all', 4, 8192, 40, 10, 512, {}),
    ('pinned', 1, 2048, 20, 0, 0, {'burst:placement': 'public',
                                   'burst:instance_type': 't3.small'}),
    ('private', 2, 2048, 20, 5, 1024, {'burst:placement': 'private'}),
]
POLICY = policy.BurstPolicy(enabled=True, enter_vcpu_pct=60,
                            enter_ram_pct=80, enter_disk_pct=50,
                            exit_pct=10, max_instances=5,
                            max_cost_per_hour=1.0, region=REGION)


def _providers():
    """Two local hosts (compute-2 fuller), the EC2 host and the caps
    provider, as Placement's JSON."""
    inv = {'VCPU': {'total': 16, 'reserved': 0, 'allocation_ratio': 4.0,
                    'max_unit': 16},
           'MEMORY_MB': {'total': 32768, 'reserved': 512,
                         'allocation_ratio': 1.0},
           'DISK_GB': {'total': 500, 'reserved': 0, 'allocation_ratio': 1.0}}
    rps = {}
    for name, used in (('compute-1', {'VCPU': 8, 'MEMORY_MB': 4096,
                                      'DISK_GB': 100}),
                       ('compute-2', {'VCPU': 40, 'MEMORY_MB': 20000,
                                      'DISK_GB': 300}),
                       (EC2, {'VCPU': 4, 'MEMORY_MB': 8192, 'DISK_GB': 40}),
                       (caps.provider_name('burst-ec2'),
                        {'CUSTOM_BURST_INSTANCES': 2,
                         'CUSTOM_BURST_VCPUS': 4,
                         'CUSTOM_BURST_COST': 1500})):
        rps[str(uuid.uuid4())] = (
            name, {} if name.startswith('burst-caps') else inv, used)
    return rps


class _Placement(object):
    """Placement's HTTP answers for the scheduler's adapter."""

    def __init__(self, rps):
        self.rps = rps

    def get(self, url, microversion=None, global_request_id=None):
        if url == '/resource_providers':
            body = {'resource_providers': [
                {'uuid': u, 'name': n, 'generation': 1,
                 'root_provider_uuid': u}
                for u, (n, _i, _u) in self.rps.items()]}
        else:
            uid, what = url.split('/')[2:4]
            name, inv, used = self.rps[uid]
            body = {what: inv if what == 'inventories' else used}
        return mock.Mock(status_code=200, json=lambda: body,
                         __bool__=lambda s: True)


def _spec(flavor, is_bfv):
    name, vcpus, ram, root, eph, swap, specs = flavor
    return objects.RequestSpec(
        context=nova_context.get_admin_context(),
        instance_uuid=str(uuid.uuid4()), num_instances=1,
        flavor=objects.Flavor(name=name, vcpus=vcpus, memory_mb=ram,
                              root_gb=root, ephemeral_gb=eph, swap=swap,
                              extra_specs=dict(specs)),
        image=objects.ImageMeta.from_dict({'properties': {}}),
        scheduler_hints={}, is_bfv=is_bfv)


def _horizon_flavor(flavor):
    name, vcpus, ram, root, eph, swap, specs = flavor
    return types.SimpleNamespace(name=name, vcpus=vcpus, ram=ram, disk=root,
                                 ephemeral=eph, swap=swap or '',
                                 extra_specs=dict(specs))


def _server(flavor, is_bfv):
    """A Nova server as the API shows it (2.47: flavor embedded; a server
    booted from a volume has no image)."""
    name, vcpus, ram, root, eph, swap, specs = flavor
    return {'id': str(uuid.uuid4()), 'image': '' if is_bfv else {'id': 'i'},
            'flavor': {'original_name': name, 'vcpus': vcpus, 'ram': ram,
                       'disk': root, 'ephemeral': eph, 'swap': swap or '',
                       'extra_specs': dict(specs)}}


class OneRuleTests(test.BaseAdminViewTests):

    def _scheduler_pools(self, rps):
        burst_agg = objects.Aggregate(id=1, name='burst-ec2', hosts=[EC2],
                                      metadata=policy.to_metadata(POLICY))
        with mock.patch.object(burst_placement, 'adapter',
                               return_value=_Placement(rps)):
            return scheduler.BurstFilter()._pools(
                nova_context.get_admin_context(), [burst_agg], {EC2},
                POLICY)

    @test.create_mocks({api.placement: ['resource_providers',
                                        'resource_provider_inventories',
                                        'resource_provider_usages'],
                        api.nova: ['hypervisor_list']})
    def _dashboard_pools(self, rps):
        burst_api._INVENTORIES.clear()
        self.addCleanup(burst_api._INVENTORIES.clear)
        self.mock_resource_providers.return_value = [
            {'uuid': u, 'name': n, 'generation': 1,
             'parent_provider_uuid': None} for u, (n, _i, _u) in rps.items()]
        self.mock_resource_provider_inventories.side_effect = \
            lambda request, u: rps[u][1]
        self.mock_resource_provider_usages.side_effect = \
            lambda request, u: rps[u][2]
        self.mock_hypervisor_list.return_value = [
            types.SimpleNamespace(id=u, name=n, service_details={'host': n})
            for u, (n, _i, _u) in rps.items()
            if not n.startswith('burst-caps')]
        data = burst_api.PreviewData(
            hosts=burst_api.compute_hosts(self.request), burst_hosts={EC2},
            aggregates={'burst-ec2': {EC2}}, zones={},
            caps_usages=next(used for n, _i, used in rps.values()
                             if n.startswith('burst-caps')),
            flavors=[], book=BOOK)
        return data.private_pool(POLICY), data.public_pool(POLICY)

    def test_same_requests_pools_and_decisions(self):
        rps = _providers()
        s_private, s_public = self._scheduler_pools(rps)
        d_private, d_public = self._dashboard_pools(rps)
        self.assertEqual(sorted(h.name for h in s_private.hosts),
                         ['compute-1', 'compute-2'])
        self.assertEqual(sorted(s_private.hosts, key=lambda h: h.name),
                         sorted(d_private.hosts, key=lambda h: h.name))
        self.assertEqual(s_public, d_public)
        decided = set()
        for flavor in FLAVORS:
            for is_bfv in (False, True):
                s_req = scheduler.flavor_request(_spec(flavor, is_bfv),
                                                 REGION, BOOK)
                d_req = burst_api.flavor_request(_horizon_flavor(flavor),
                                                 REGION, BOOK, is_bfv)
                i_req = flavors.server_request(_server(flavor, is_bfv),
                                               REGION, BOOK)
                self.assertEqual(s_req, d_req, (flavor, is_bfv))
                self.assertEqual(s_req, i_req, (flavor, is_bfv))
                s_dec = policy.decide(s_private, s_public, s_req, POLICY)
                d_dec = policy.decide(d_private, d_public, d_req, POLICY)
                self.assertEqual(s_dec, d_dec)
                self.assertEqual(
                    policy.preview(s_private, s_public, s_req, POLICY),
                    policy.preview(d_private, d_public, d_req, POLICY))
                decided.add(s_dec.target)
        # The inputs reach both answers (the test is not vacuous).
        self.assertEqual({'local', 'ec2'}, decided)
        # Root disk, ephemeral and swap (rounded up) as Nova asks
        # Placement; no root disk when booted from a volume.
        req = flavors.server_request(_server(FLAVORS[3], False), REGION)
        self.assertEqual(40 + 10 + 1, req.disk_gb)
        req = flavors.server_request(_server(FLAVORS[3], True), REGION)
        self.assertEqual(10 + 1, req.disk_gb)
