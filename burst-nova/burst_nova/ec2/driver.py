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

"""AWS EC2 as a Nova pseudo-hypervisor.

One nova-compute running this driver stands for one EC2 region (its host is
named after the region, e.g. ``ec2-us-east-1``). Nova instances placed on it
become real EC2 instances, tagged at launch with their Nova identity.

nova.conf::

    [DEFAULT]
    compute_driver = burst_ec2.EC2Driver
    [ec2]
    region_name = us-east-1
    default_ami = ami-...
    managed_by = <one value per cloud>
"""
import base64
import binascii
from concurrent import futures
import threading
import time

from botocore import exceptions as bexc
from oslo_config import cfg
from oslo_log import log as logging

from nova.compute import vm_states
from nova import context as nova_context
from nova import exception
from nova import objects
from nova.objects import fields as obj_fields
from nova.virt import driver
from nova.virt import hardware

from burst_core import caps
from burst_core import policy
from burst_core import prices
from burst_core import tags
from burst_nova import conf as burst_conf
from burst_nova.ec2 import client
from burst_nova.ec2 import conf as ec2_conf
from burst_nova.ec2 import mapping
from burst_nova import placement
from burst_nova import pricing

CONF = cfg.CONF
ec2_conf.register_opts(CONF)
burst_conf.register_opts(CONF)
LOG = logging.getLogger(__name__)

HYPERVISOR_TYPE = 'ec2'
_CACHE_SECONDS = 10
_TYPES_CACHE_SECONDS = 24 * 3600


# Calls waited for with a deadline run here (a worker is left to finish a
# call that outlived its deadline on its own, bounded by its timeouts).
_CALLS = futures.ThreadPoolExecutor(max_workers=32)
# How long a launch whose answer was lost is looked for by its token.
_TOKEN_LOOKUP_SECONDS = 10
# At most this long for the clean-up of a failed build (the start-up sweep
# catches what it leaves).
_CLEANUP_SECONDS = 30
# States from which an instance never reaches the target.
_FAILED_STATES = {'running': ('shutting-down', 'terminated', 'stopping',
                              'stopped'),
                  'stopped': ('shutting-down', 'terminated')}


def _refused(exc):
    """EC2 answered with a refusal (4xx): the call did nothing."""
    if not isinstance(exc, bexc.ClientError):
        return False
    status = exc.response.get('ResponseMetadata', {}).get('HTTPStatusCode')
    return status is not None and status < 500


class DeadlineExceeded(TimeoutError):
    """An EC2 wait or call did not end by its deadline."""


class WrongState(Exception):
    def __init__(self, ec2_id, state, target):
        super().__init__('EC2 instance %s is %s, not going to be %s' % (
            ec2_id, state, target))


class EC2Failure(Exception):
    """What EC2 said, scrubbed of credentials: the cause of a member-safe
    fault, so it reaches the compute log and the fault's details, which
    Nova shows to admins only."""


class EC2Driver(driver.ComputeDriver):
    """A ComputeDriver whose instances are EC2 instances of one region."""

    capabilities = dict(
        driver.ComputeDriver.capabilities,
        # EC2 boots AMIs, not Glance images: accept any image format so the
        # scheduler's image-type pre-filter does not exclude this host.
        supports_image_type_raw=True,
        supports_image_type_qcow2=True,
        supports_image_type_ami=True,
        supports_image_type_vmdk=True,
    )

    def __init__(self, virtapi, read_only=False):
        super().__init__(virtapi)
        self._host = None
        self._lock = threading.Lock()
        self._types_lock = threading.Lock()
        # Claims of this compute one at a time: concurrent claims on one
        # provider make Placement retry, and its retries can over-admit
        # (placement.claim_caps checks again either way).
        self._caps_lock = threading.Lock()
        self._spawned = {}
        self._clients = None
        self._cache = (0.0, None)
        self._types = (0.0, None)
        self._quota = (0.0, None)

    # ------------------------------------------------------------ plumbing
    def _conf(self):
        return CONF.ec2

    def _ec2(self):
        with self._lock:
            if self._clients is None:
                sess = client.session(self._conf())
                self._clients = (client.ec2_client(sess, self._conf()),
                                 client.quotas_client(sess, self._conf()))
            return self._clients[0]

    def _quotas(self):
        self._ec2()
        return self._clients[1]

    def _why(self, exc):
        if isinstance(exc, (DeadlineExceeded, WrongState)):
            return str(exc)
        c = self._conf()
        return client.describe_error(
            exc, secrets=(c.access_key_id, c.secret_access_key,
                          c.session_token))

    def _managed_filter(self, states=mapping.LIVE_STATES):
        return [{'Name': 'tag:' + tags.TAG_MANAGED_BY,
                 'Values': [self._conf().managed_by]},
                {'Name': 'instance-state-name', 'Values': list(states)}]

    def _describe(self, filters):
        return tags.described_instances(*self._ec2().get_paginator(
            'describe_instances').paginate(Filters=filters))

    def _managed_instances(self, use_cache=False):
        """Every live EC2 instance this cloud manages, by Nova UUID."""
        stamp, cached = self._cache
        if use_cache and cached is not None and \
                time.monotonic() - stamp < _CACHE_SECONDS:
            return cached
        by_uuid = {}
        for inst in self._describe(self._managed_filter()):
            uuid = tags.tags_dict(inst).get(tags.TAG_INSTANCE)
            if uuid:
                by_uuid[uuid] = inst
        self._cache = (time.monotonic(), by_uuid)
        return by_uuid

    def _ec2_instances_of(self, instance):
        """Live EC2 instances tagged with this Nova instance's UUID."""
        return self._describe(self._managed_filter() + [
            {'Name': 'tag:' + tags.TAG_INSTANCE,
             'Values': [instance.uuid]}])

    def _one(self, instance):
        found = self._ec2_instances_of(instance)
        if not found:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return found[0]

    def _bounded(self, deadline, call, *args, on_late=None, **kwargs):
        """``call`` in a worker, waited for until ``deadline`` (monotonic)
        whatever its own timeouts and retries: DeadlineExceeded then. A
        call not started by then never runs; one that ends later hands
        its result to ``on_late``."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded('no time left for the EC2 call')
        future = _CALLS.submit(call, *args, **kwargs)
        try:
            return future.result(timeout=remaining)
        except futures.TimeoutError:
            if not future.cancel() and on_late is not None:
                future.add_done_callback(on_late)
            raise DeadlineExceeded('EC2 did not answer by the deadline '
                                   '(%.0f s)' % remaining)

    def _wait(self, ec2_id, target, timeout):
        """Poll until the EC2 instance is in state ``target``; ends by
        ``timeout`` seconds from now, however long each call takes."""
        deadline = time.monotonic() + timeout
        interval = self._conf().poll_interval
        failed = _FAILED_STATES.get(target, ())
        while True:
            try:
                found = self._bounded(deadline, self._ec2().describe_instances,
                                      InstanceIds=[ec2_id])
                states = [i['State']['Name']
                          for i in tags.described_instances(found)]
            except DeadlineExceeded:
                raise
            except (bexc.ClientError, bexc.BotoCoreError) as e:
                # Not yet visible (EC2 is eventually consistent) or a
                # passing error: poll again until the deadline.
                LOG.debug('EC2 describe of %s while waiting: %s', ec2_id,
                          self._why(e))
                states = []
            if target in states:
                return
            if any(st in failed for st in states):
                raise WrongState(ec2_id, states[0], target)
            pause = min(interval, deadline - time.monotonic())
            if pause <= 0:
                raise DeadlineExceeded(
                    '%s not %s within %d s (last seen: %s)' % (
                        ec2_id, target, timeout, states or 'not yet'))
            time.sleep(pause)

    def _offered_types(self, wait=True):
        """The region's offered types. ``wait=False``: (types, whether they
        are the shipped table's); a catalogue due for a refresh is used
        while a reader renews it in the background, and before the first
        read the table's types are."""
        stamp, types = self._types
        fresh = types is not None and time.monotonic() - stamp < \
            _TYPES_CACHE_SECONDS
        if fresh:
            return (types, False) if not wait else types
        if not wait:
            if self._types_lock.acquire(blocking=False):
                self._types_lock.release()
                _CALLS.submit(self._offered_types).add_done_callback(
                    self._log_catalogue_failure)
            if types is not None:
                return types, False
            return self._table_types(), True
        # One reader at a time: after a restart, concurrent builds would
        # otherwise all page through the whole type catalogue at once.
        with self._types_lock:
            return self._read_offered_types()

    def _log_catalogue_failure(self, future):
        if future.exception() is not None:
            LOG.warning('Could not read the EC2 instance type catalogue: %s',
                        self._why(future.exception()))

    def _read_offered_types(self):
        stamp, types = self._types
        if types is not None and time.monotonic() - stamp < \
                _TYPES_CACHE_SECONDS:
            return types
        ec2 = self._ec2()
        offered = set()
        for page in ec2.get_paginator(
                'describe_instance_type_offerings').paginate(
                    LocationType='region'):
            offered.update(o['InstanceType']
                           for o in page.get('InstanceTypeOfferings', []))
        specs = mapping.instance_types_from_describe(
            ec2.get_paginator('describe_instance_types').paginate())
        types = {k: v for k, v in specs.items()
                 if not offered or k in offered}
        self._types = (time.monotonic(), types)
        return types

    def vcpu_quota(self):
        """(vCPUs, source) for this region, cached."""
        stamp, value = self._quota
        if value is not None and time.monotonic() - stamp < \
                self._conf().quota_cache_seconds:
            return value
        try:
            value = client.vcpu_quota(self._quotas(), self._conf().vcpu_quota)
        except Exception as e:  # never let the periodic task die on it
            LOG.warning('EC2 vCPU quota lookup failed: %s', self._why(e))
            value = (self._conf().vcpu_quota, 'configured')
        if value != self._quota[1]:
            LOG.info('EC2 %s vCPU quota: %d (%s)', self._conf().region_name,
                     value[0], value[1])
        self._quota = (time.monotonic(), value)
        return value

    # ------------------------------------------------------------ the host
    def init_host(self, host):
        self._host = host
        c = self._conf()
        LOG.info('EC2 driver for region %s (endpoint %s), managed-by %s',
                 c.region_name, c.endpoint_url or 'AWS', c.managed_by)
        self._claim_caps_of_existing()

    def process_instances_at_startup(self, context, instances):
        """Nova calls this at start, after its host-rename check, with this
        host's instances: terminate the EC2 instances this host launched
        that no live Nova instance stands behind."""
        self._terminate_strays(context, instances)
        return instances

    def _terminate_strays(self, context, instances):
        """This host's EC2 instances (tagged with it at launch) with no live
        Nova instance behind them: a build that never finished (killed
        mid-spawn: Nova then puts the instance in ERROR without calling
        destroy), a failed build whose clean-up failed (ERROR, no host), an
        instance Nova no longer has. An instance Nova has on another host
        is never touched. Best effort, each on its own."""
        host = self._host or CONF.host
        try:
            live = self._describe(self._managed_filter() + [
                {'Name': 'tag:' + tags.TAG_COMPUTE_HOST,
                 'Values': [host]}])
        except Exception as e:
            LOG.warning('Could not look for EC2 instances left by '
                        'unfinished builds: %s', self._why(e))
            return
        here = {i.uuid: i for i in instances}
        for ec2 in live:
            uuid = tags.tags_dict(ec2).get(tags.TAG_INSTANCE)
            try:
                why = self._stray(context, here.get(uuid), uuid, host)
                if why:
                    LOG.warning('Terminating EC2 instance %s of Nova '
                                'instance %s: %s', ec2['InstanceId'], uuid,
                                why)
                    self._ec2().terminate_instances(
                        InstanceIds=[ec2['InstanceId']])
            except Exception as e:
                LOG.warning('Could not check or terminate EC2 instance %s: '
                            '%s', ec2['InstanceId'], self._why(e))
        self._cache = (0.0, None)

    @staticmethod
    def _stray(context, inst, uuid, host):
        """Why this host's EC2 instance of Nova instance ``uuid`` has no
        live Nova instance behind it, or None."""
        if not uuid:
            return None
        if inst is not None:
            return 'its build never finished' \
                if inst.vm_state == vm_states.BUILDING else None
        try:
            other = objects.Instance.get_by_uuid(context, uuid)
        except exception.InstanceNotFound:
            return 'Nova has no such instance'
        if other.host in (None, host) and other.vm_state in (
                vm_states.ERROR, vm_states.BUILDING):
            return 'its build here failed (%s)' % other.vm_state
        return None

    def _claim_caps_of_existing(self):
        """Instances of this host with a live EC2 instance (whatever Nova's
        state: it runs and bills) that hold no share of the caps (launched
        before the caps were held in Placement, or their claim was lost)
        claim it now, so that the caps count them. Best effort: a failure
        is logged and the next start tries again."""
        ctx = nova_context.get_admin_context()
        c = self._conf()
        try:
            pol = self._policy(ctx)
            instances = objects.InstanceList.get_by_host(
                ctx, self._host, expected_attrs=['flavor',
                                                 'system_metadata'])
            client_ = placement.adapter()
            rp_uuid, _gen = placement.ensure_provider(
                client_, caps.provider_name(CONF.burst.aggregate_name))
            placement.sync_inventories(client_, rp_uuid,
                                       caps.inventories(pol))
            live = self._managed_instances()
        except Exception as e:
            LOG.warning('Could not check the EC2 caps held by the existing '
                        'instances: %s', e)
            return
        book = pricing.lookup(c.region_name).region_book()
        for inst in instances:
            if inst.uuid not in live or inst.vm_state == vm_states.BUILDING:
                continue   # nothing runs (or bills), or spawn claims it
            itype = (inst.system_metadata or {}).get(
                mapping.SYSTEM_METADATA_TYPE)
            price = book.hourly(itype) if itype else prices.estimate(
                c.region_name, inst.flavor.vcpus, inst.flavor.memory_mb,
                inst.flavor.extra_specs, book)[1]
            try:
                with self._caps_lock:
                    placement.claim_caps(
                        client_, inst.uuid, inst.project_id, inst.user_id,
                        rp_uuid, caps.claim(inst.flavor.vcpus, price))
            except placement.CapsExceeded as e:
                LOG.error('Running on EC2 but over the burst caps (%s): '
                          'not counted against them', e, instance=inst)
            except Exception as e:
                LOG.warning('Could not claim the EC2 caps of the instance: '
                            '%s', e, instance=inst)

    def get_available_nodes(self, refresh=False):
        return [self._host or CONF.host]

    def get_host_uptime(self):
        return 'EC2 region %s' % self._conf().region_name

    def get_available_resource(self, nodename):
        vcpus, _source = self.vcpu_quota()
        return {
            'vcpus': vcpus,
            'memory_mb': self._conf().memory_mb,
            'local_gb': self._conf().disk_gb,
            'vcpus_used': 0,
            'memory_mb_used': 0,
            'local_gb_used': 0,
            'hypervisor_type': HYPERVISOR_TYPE,
            'hypervisor_version': 1000,
            'hypervisor_hostname': nodename,
            'cpu_info': '{}',
            'disk_available_least': self._conf().disk_gb,
            # EC2's Nitro hypervisor is KVM based.
            'supported_instances': [(obj_fields.Architecture.X86_64,
                                     obj_fields.HVType.KVM,
                                     obj_fields.VMMode.HVM)],
            'numa_topology': None,
        }

    def update_provider_tree(self, provider_tree, nodename, allocations=None):
        vcpus, _source = self.vcpu_quota()
        memory_mb = self._conf().memory_mb
        disk_gb = self._conf().disk_gb

        def inv(total):
            return {'total': total, 'reserved': 0, 'min_unit': 1,
                    'max_unit': total, 'step_size': 1,
                    'allocation_ratio': 1.0}
        inventory = {'MEMORY_MB': inv(memory_mb), 'DISK_GB': inv(disk_gb)}
        if vcpus > 0:
            inventory['VCPU'] = inv(vcpus)
        provider_tree.update_inventory(nodename, inventory)
        provider_tree.add_traits(nodename, self._conf().node_trait)

    # ------------------------------------------------------------ instances
    def _listed(self):
        """Every managed instance, for Nova's periodic tasks and start-up.
        EC2 out of reach is Nova's "driver not ready" (as Ironic's driver
        says of Ironic): the task skips this round with a warning, and a
        passing outage is not an ERROR with a traceback."""
        try:
            return self._managed_instances()
        except (bexc.ClientError, bexc.BotoCoreError) as e:
            LOG.warning('EC2 could not list the instances of this host: %s',
                        self._why(e))
            raise exception.VirtDriverNotReady()

    def list_instance_uuids(self):
        return list(self._listed())

    def list_instances(self):
        return [tags.tags_dict(i).get(tags.TAG_INSTANCE_NAME, uuid)
                for uuid, i in self._listed().items()]

    def get_info(self, instance, use_cache=True):
        # From the cached list of every managed instance when allowed (the
        # power-state sync asks for each instance in turn), else -- and for
        # an instance newer than the cache -- one describe filtered by this
        # instance's tag: a build must not re-read the whole fleet.
        found = None
        stamp, seen = self._spawned.pop(instance.uuid, (0.0, None))
        if seen is not None and time.monotonic() - stamp < _CACHE_SECONDS:
            found = seen
        elif use_cache:
            found = self._managed_instances(use_cache=True).get(
                instance.uuid)
        if found is None:
            live = self._ec2_instances_of(instance)
            found = live[0] if live else None
        if found is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return hardware.InstanceInfo(
            state=mapping.power_state_of(found['State']['Name']),
            internal_id=found['InstanceId'])

    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None, power_on=True, accel_info=None):
        c = self._conf()
        deadline = time.monotonic() + c.spawn_timeout
        image_props = {k[len('image_'):]: v for k, v in
                       (instance.system_metadata or {}).items()
                       if k.startswith('image_')}
        book = pricing.lookup(c.region_name).region_book()
        try:
            itype = self._instance_type(instance.flavor, book)
            ami = mapping.choose_ami(
                instance.image_ref, image_props, c.default_ami,
                c.image_ami_map, c.allowed_amis)
            # Nova accepts base64 wrapped over lines: so does this.
            user_data = base64.b64decode(instance.user_data or '')
        except (prices.NoInstanceType, mapping.NoImage) as e:
            self._abort(instance, str(e))
        except (binascii.Error, ValueError):
            self._abort(instance, 'the user data is not valid base64')
        except Exception as e:
            self._abort(instance, self._plain(e), self._why(e))
        caps_rp = self._claim_caps(context, instance, book.hourly(itype))
        token = self._new_launch_token(instance)
        params = {
            'ImageId': ami, 'InstanceType': itype,
            'MinCount': 1, 'MaxCount': 1,
            # Idempotent on AWS: a retried call of this attempt never
            # launches twice; a new attempt (rebuild, unshelve, reschedule)
            # has a new token, so it never gets an old instance back.
            'ClientToken': token,
            'TagSpecifications': mapping.tag_specifications(
                instance, c.managed_by),
        }
        if c.subnet_id:
            params['SubnetId'] = c.subnet_id
        if c.security_group_ids:
            params['SecurityGroupIds'] = c.security_group_ids
        if c.key_name:
            params['KeyName'] = c.key_name
        if user_data:
            # Nova keeps user data base64-encoded; botocore encodes it.
            params['UserData'] = user_data
        ec2_id = None
        try:
            try:
                ec2_id = self._bounded(
                    deadline, self._ec2().run_instances,
                    on_late=self._terminate_late_launch,
                    **params)['Instances'][0]['InstanceId']
            except (bexc.ClientError, bexc.BotoCoreError,
                    DeadlineExceeded) as e:
                # Without an answer (no reply, a 5xx) the launch may have
                # happened all the same: the token finds it. A refusal
                # (4xx) launched nothing.
                if _refused(e):
                    raise
                ec2_id = self._launched_with(token, deadline)
                if ec2_id is None:
                    raise
                LOG.info('EC2 launch answered with an error, but launched '
                         '%s (found by its client token)', ec2_id,
                         instance=instance)
            LOG.info('Launched EC2 instance %s (%s, %s)', ec2_id, itype, ami,
                     instance=instance)
            if power_on:
                self._wait(ec2_id, 'running', deadline - time.monotonic())
            desc = self._bounded(
                deadline + c.read_timeout, self._ec2().describe_instances,
                InstanceIds=[ec2_id])['Reservations'][0]['Instances'][0]
        except Exception as e:
            plain = self._plain(e)
            if isinstance(e, DeadlineExceeded) and ec2_id:
                plain = 'EC2 instance not running within %d s' % (
                    c.spawn_timeout)
            try:
                self._bounded(time.monotonic() + _CLEANUP_SECONDS,
                              self._cleanup_failed_launch, instance, ec2_id,
                              token)
            except DeadlineExceeded:
                LOG.warning('The clean-up of the failed build did not end '
                            'in %d s; the next start of nova-compute '
                            'terminates what it left', _CLEANUP_SECONDS,
                            instance=instance)
            self._release_caps(instance, caps_rp)
            self._abort(instance, plain, 'EC2 %s, launch %s: %s' % (
                c.region_name, token, self._why(e)))
        # System metadata: project members can write server metadata, so
        # nothing the driver learnt from EC2 is kept there.
        instance.system_metadata.update(mapping.addresses(desc))
        self._cache = (0.0, None)
        # Nova asks get_info right after: answer from what was just seen,
        # not from a describe that may not show the instance yet.
        self._spawned[instance.uuid] = (time.monotonic(), desc)

    def _instance_type(self, flavor, book):
        """The flavor's EC2 type. A cold cache of the region's catalogue
        does not hold the build up: the shipped table's types (all offered
        in its region) are used while the catalogue is read in the
        background, unless the flavor pins a type the table lacks."""
        offered, from_table = self._offered_types(wait=False)
        try:
            return prices.choose_instance_type(
                flavor.vcpus, flavor.memory_mb, flavor.extra_specs, offered,
                book)
        except prices.NoInstanceType:
            if from_table:
                return prices.choose_instance_type(
                    flavor.vcpus, flavor.memory_mb, flavor.extra_specs,
                    self._offered_types(), book)
            raise

    def _terminate_late_launch(self, future):
        """A launch that answered after its spawn gave up: terminate it."""
        try:
            ec2_id = future.result()['Instances'][0]['InstanceId']
            LOG.warning('EC2 launched %s after its build gave up: '
                        'terminating it', ec2_id)
            self._ec2().terminate_instances(InstanceIds=[ec2_id])
        except Exception as e:
            LOG.debug('Late EC2 launch: %s', self._why(e))

    def _table_types(self):
        return prices.region_types(self._conf().region_name)

    @staticmethod
    def _new_launch_token(instance):
        """A ClientToken unique to this launch attempt, kept in the
        instance's system metadata (saved before the launch) so that the
        driver finds what the attempt launched, also after a restart."""
        sysmeta = instance.system_metadata
        try:
            attempt = int(sysmeta.get(mapping.SYSTEM_METADATA_ATTEMPT) or 0)
        except ValueError:
            attempt = 0
        attempt += 1
        token = mapping.launch_token(instance.uuid, attempt)
        sysmeta[mapping.SYSTEM_METADATA_ATTEMPT] = str(attempt)
        sysmeta[mapping.SYSTEM_METADATA_TOKEN] = token
        instance.save()
        return token

    def _launched_with(self, token, deadline):
        """The EC2 instance a launch with this token made, or None. EC2 is
        eventually consistent: asked again for a few seconds."""
        until = min(deadline, time.monotonic() + _TOKEN_LOOKUP_SECONDS)
        while True:
            try:
                found = self._bounded(
                    max(until, time.monotonic() + 1), self._describe,
                    [{'Name': 'client-token', 'Values': [token]}])
                live = [i['InstanceId'] for i in found
                        if i['State']['Name'] in mapping.LIVE_STATES]
                if live:
                    return live[0]
            except Exception as e:
                LOG.warning('Could not look the launch %s up by its token: '
                            '%s', token, self._why(e))
            if time.monotonic() + 1 > until:
                return None
            time.sleep(1)

    def _plain(self, exc):
        if isinstance(exc, DeadlineExceeded):
            return 'EC2 did not answer in time'
        if isinstance(exc, WrongState):
            return 'the EC2 instance stopped or was terminated'
        return client.plain_reason(exc)

    def _abort(self, instance, reason, detail=None):
        """Fail the build: ``reason`` in words for the fault's message
        (members read it), ``detail`` (EC2's own text, scrubbed) for the
        log and, as its cause, the fault's details (admins only)."""
        LOG.error('EC2 build failed: %s%s', reason,
                  ' (%s)' % detail if detail else '', instance=instance)
        error = exception.BuildAbortException(instance_uuid=instance.uuid,
                                              reason=reason)
        if detail:
            raise error from EC2Failure(detail)
        raise error

    def _fail(self, instance, reason, detail):
        """An operation other than a build failed: the same split."""
        LOG.error('EC2 %s (%s)', reason, detail, instance=instance)
        raise exception.NovaException('EC2 %s' % reason) from \
            EC2Failure(detail)

    # ------------------------------------------------------------ the caps
    def _policy(self, context):
        """The burst policy of this host's aggregate (PolicyError when it
        is malformed or when this host is not in the burst aggregate: the
        caps are then unknown, and never reset from here)."""
        name = CONF.burst.aggregate_name
        for agg in objects.AggregateList.get_by_host(context.elevated(),
                                                     self._host or CONF.host):
            if agg.name == name:
                return policy.parse(agg.metadata)
        raise policy.PolicyError({'aggregate': 'host %s is not in the burst '
                                  'aggregate %s' % (self._host, name)})

    def _claim_caps(self, context, instance, hourly_price):
        """Claim the instance's share of the EC2 caps in Placement, next to
        its allocation of this host: atomic, so a multi-create or several
        schedulers can never pass a cap. Returns the caps provider."""
        try:
            pol = self._policy(context)
        except policy.PolicyError as e:
            LOG.error('Burst policy is malformed or not found, refusing to '
                      'launch on EC2: %s', e, instance=instance)
            self._abort(instance, 'the burst policy could not be read')
        if pol.max_cost_per_hour is not None and hourly_price is None:
            self._abort(instance, 'EC2 cost cap set but the price of the '
                                  'instance type is unknown')
        wanted = caps.claim(instance.flavor.vcpus, hourly_price)
        client_ = placement.adapter()
        try:
            with self._caps_lock:
                rp_uuid, _gen = placement.ensure_provider(
                    client_, caps.provider_name(CONF.burst.aggregate_name))
                placement.sync_inventories(client_, rp_uuid,
                                           caps.inventories(pol))
                placement.claim_caps(client_, instance.uuid,
                                     instance.project_id, instance.user_id,
                                     rp_uuid, wanted)
        except placement.CapsExceeded as e:
            LOG.warning('EC2 launch refused: %s (claim %s against the caps '
                        'of policy revision %s: max_instances=%s, '
                        'max_vcpus=%s, max_cost_per_hour=%s)', e, wanted,
                        pol.revision, pol.max_instances, pol.max_vcpus,
                        pol.max_cost_per_hour, instance=instance)
            self._abort(instance, str(e))
        except Exception as e:
            LOG.error('Could not claim the EC2 caps in Placement: %s', e,
                      instance=instance)
            self._abort(instance, 'the EC2 caps could not be checked')
        return rp_uuid

    def _release_caps(self, instance, rp_uuid):
        """Give back the share of the caps a failed launch claimed (Nova
        keeps the allocations of an instance in ERROR until it is
        deleted). Best effort."""
        try:
            placement.release_caps(placement.adapter(), instance.uuid,
                                   rp_uuid)
        except Exception as e:
            LOG.warning('Could not release the EC2 caps of the instance '
                        'in Placement: %s', e, instance=instance)

    def _cleanup_failed_launch(self, instance, ec2_id, token):
        """Leave no EC2 instance behind a failed spawn: the one it knows,
        the one its token launched, any tagged with its UUID."""
        ids = {ec2_id} if ec2_id else set()
        try:
            ids.update(i['InstanceId']
                       for i in self._ec2_instances_of(instance))
            ids.update(i['InstanceId'] for i in self._describe(
                [{'Name': 'client-token', 'Values': [token]}]))
            if ids:
                self._ec2().terminate_instances(InstanceIds=sorted(ids))
                LOG.info('Terminated EC2 instance(s) %s of the failed build',
                         ', '.join(sorted(ids)), instance=instance)
        except Exception as e:
            LOG.warning('Could not clean up EC2 instance(s) of the failed '
                        'build yet (the next start of nova-compute will): '
                        '%s', self._why(e), instance=instance)

    def destroy(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, destroy_secrets=True):
        try:
            ids = sorted(i['InstanceId']
                         for i in self._ec2_instances_of(instance))
            if ids:
                self._ec2().terminate_instances(InstanceIds=ids)
                LOG.info('Terminated EC2 instance(s) %s', ', '.join(ids),
                         instance=instance)
        except bexc.ClientError as e:
            if client.error_code(e) != 'InvalidInstanceID.NotFound':
                self._fail(instance, 'terminate failed: %s' % self._plain(e),
                           'EC2 terminate: %s' % self._why(e))
        except bexc.BotoCoreError as e:
            self._fail(instance, 'terminate failed: %s' % self._plain(e),
                       'EC2 terminate: %s' % self._why(e))
        self._cache = (0.0, None)
        # The caps share stays: Nova drops it with the instance's other
        # allocations on delete and shelve offload, and a rebuild (destroy,
        # then spawn) or an evacuation must keep it.

    def cleanup(self, context, instance, network_info, block_device_info=None,
                destroy_disks=True, migrate_data=None, destroy_vifs=True,
                destroy_secrets=True):
        pass

    def _act(self, instance, action, target=None):
        ec2_id = self._one(instance)['InstanceId']
        deadline = time.monotonic() + self._conf().power_timeout
        try:
            self._bounded(deadline, getattr(self._ec2(), action),
                          InstanceIds=[ec2_id])
            if target:
                self._wait(ec2_id, target, deadline - time.monotonic())
        except (bexc.ClientError, bexc.BotoCoreError, DeadlineExceeded,
                WrongState) as e:
            self._fail(instance, '%s failed: %s' % (
                action.replace('_instances', ''), self._plain(e)),
                'EC2 %s of %s: %s' % (action, ec2_id, self._why(e)))
        finally:
            self._cache = (0.0, None)

    def reboot(self, context, instance, network_info, reboot_type,
               block_device_info=None, bad_volumes_callback=None,
               accel_info=None, share_info=None):
        self._act(instance, 'reboot_instances')

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._act(instance, 'stop_instances', 'stopped')

    def power_on(self, context, instance, network_info,
                 block_device_info=None, accel_info=None, share_info=None):
        self._act(instance, 'start_instances', 'running')

    # EC2 networking is AWS's own: nothing to plug on this side.
    def plug_vifs(self, instance, network_info):
        pass

    def unplug_vifs(self, instance, network_info):
        pass

    # ------------------------------------------------------------ unsupported
    def _no_console(self, kind):
        raise exception.ConsoleTypeUnavailable(console_type=kind)

    def get_vnc_console(self, context, instance):
        self._no_console('vnc')

    def get_spice_console(self, context, instance):
        self._no_console('spice')

    def get_serial_console(self, context, instance):
        self._no_console('serial')

    def get_mks_console(self, context, instance):
        self._no_console('mks')

    def check_can_live_migrate_destination(self, context, instance,
                                           src_compute_info, dst_compute_info,
                                           block_migration=False,
                                           disk_over_commit=False):
        raise exception.MigrationPreCheckError(
            reason='EC2 instances cannot be live-migrated')

    def check_can_live_migrate_source(self, context, instance,
                                      dest_check_data, block_device_info=None):
        raise exception.MigrationPreCheckError(
            reason='EC2 instances cannot be live-migrated')

    def migrate_disk_and_power_off(self, context, instance, dest,
                                   flavor, network_info,
                                   block_device_info=None,
                                   timeout=0, retry_interval=0):
        raise exception.InstanceFaultRollback(
            exception.MigrationPreCheckError(
                reason='EC2 instances cannot be resized or migrated by Nova'))
