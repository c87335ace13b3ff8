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

"""python -m localcloud up | down | status | env | credentials | alarm |
demo | screenshots"""
import argparse
import os
import sys

from localcloud import paths
from localcloud import procs
from localcloud import services


def _running():
    return {n for n in procs.started_names() if procs.pid_of(n)}


def cmd_up(args):
    before = _running()
    try:
        services.up()
    except procs.ServiceError as e:
        print('\n[localcloud] FAILED: %s did not come up: %s' % (
            e.name, e.reason), file=sys.stderr)
        log = e.name
        print('---- last lines of %s ----\n%s' % (
            procs.log_path(log), procs.log_tail(log)), file=sys.stderr)
        return 1
    finally:
        if args.record:
            with open(args.record, 'w') as f:
                f.write('\n'.join(sorted(_running() - before)) + '\n')
    cmd_credentials(args)
    return 0


def cmd_down(args):
    only = None
    if args.only:
        with open(args.only) as f:
            only = set(f.read().split())
    services.down(only)
    return 0


def cmd_status(args):
    bad = 0
    total = 0.0
    print('%-24s %-8s %-6s %9s  %s' % (
        'SERVICE', 'PID', 'HEALTH', 'PSS MiB', 'URL'))
    for name, url, pid, healthy in services.status():
        bad += not healthy
        mem = procs.session_pss_mib(pid) if pid else 0.0
        total += mem
        print('%-24s %-8s %-6s %9.0f  %s' % (
            name, pid or '-', 'ok' if healthy else 'DOWN', mem, url))
    print('%-24s %-8s %-6s %9.0f' % ('total', '', '', total))
    return 1 if bad else 0


def cmd_env(args):
    print('export OS_CLIENT_CONFIG_FILE=%s' % paths.CLOUDS_YAML)
    print('export OS_CLOUD=%s' % args.cloud)
    return 0


def cmd_credentials(args):
    s = paths.secrets_()
    print('Horizon:      %s' % paths.HORIZON_URL)
    print('  admin login: admin / %s' % s['admin'])
    print('  member login: demo / %s   (project demo)' % s['demo'])
    print('EC2 (moto):   %s' % paths.EC2_URL)
    print('clouds.yaml:  %s  (clouds burst-admin, burst-demo)'
          % paths.CLOUDS_YAML)
    return 0


def cmd_alarm(args):
    import openstack

    from localcloud import alarm
    conn = openstack.connect(cloud=args.cloud)
    kw = {'group': args.group, 'wait': args.wait}
    try:
        if args.action == 'scale-out':
            done = alarm.scale_out(conn, args.stack, **kw)
        elif args.action == 'scale-in':
            done = alarm.scale_in(conn, args.stack, **kw)
        else:
            alarm.ramp(conn, args.stack, args.loads, args.per_member,
                       high=args.high, low=args.low, **kw)
            return 0
    except alarm.AlarmError as e:
        print('alarm: %s' % e, file=sys.stderr)
        return 1
    print('%s: %s' % (args.action, 'group resized' if done else
                      'no change (at its size limit or cooling down)'))
    for m in alarm.members(conn, args.stack, args.group):
        print('  %s  %s  %s' % (m.server_id, m.zone, m.status))
    return 0


def cmd_demo(args):
    from localcloud import demo
    demo.seed_demo()
    return 0


def cmd_screenshots(args):
    from localcloud import screenshots
    made = screenshots.take(args.out, args.width, args.height)
    for path in made:
        print(path)
    return 0


def _loads(text):
    return [float(x) for x in text.split(',') if x.strip()]


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m localcloud',
                                description=__doc__)
    sub = p.add_subparsers(dest='cmd', required=True)
    u = sub.add_parser('up', help='start the whole cloud (idempotent)')
    u.add_argument('--record', metavar='FILE',
                   help='write the names of the services this call started')
    d = sub.add_parser('down', help='stop every process this tool started')
    d.add_argument('--only', metavar='FILE',
                   help='stop only the services named in FILE (from up '
                        '--record)')
    sub.add_parser('status', help='each service, its URL and health')
    e = sub.add_parser('env', help='shell exports for openstack CLI/SDK')
    e.add_argument('--cloud', default='burst-admin',
                   choices=['burst-admin', 'burst-demo'])
    sub.add_parser('credentials', help='Horizon URL and logins')
    a = sub.add_parser(
        'alarm', help='play the alarm of a Heat auto-scaling stack',
        description='Signal the scaling policies of a stack made from '
        'heat-templates/autoscaling.yaml, as a monitoring alarm would: '
        'once (scale-out, scale-in), or along a simulated load ramp. '
        'Scale-in marks the members on EC2 unhealthy first, so Heat '
        'removes them before the local ones.')
    a.add_argument('stack', help='stack name or ID')
    a.add_argument('action', choices=['scale-out', 'scale-in', 'ramp'])
    a.add_argument('--cloud', default='burst-demo',
                   help='clouds.yaml entry whose token signals '
                        '(default: burst-demo, the stack owner)')
    a.add_argument('--group', default='group',
                   help='the AutoScalingGroup resource (default: group)')
    a.add_argument('--wait', type=int, default=300,
                   help='seconds to wait for Heat to act on a signal')
    a.add_argument('--loads', type=_loads,
                   default=_loads('50,100,150,200,250,300,350,400,400,300,'
                                  '200,100,50'),
                   help='ramp: the simulated total load, step by step')
    a.add_argument('--per-member', type=float, default=50.0,
                   help='ramp: load one member carries at 100 %%')
    a.add_argument('--high', type=float, default=80.0,
                   help='ramp: scale out above this utilisation (%%)')
    a.add_argument('--low', type=float, default=30.0,
                   help='ramp: scale in below this utilisation (%%)')
    sub.add_parser('demo', help='seed the demo\'s story (idempotent): '
                   'projects, local and burst instances, drift, an orphan, '
                   'a repatriation candidate, a Heat stack')
    sh = sub.add_parser('screenshots', help='a PNG of every page of the '
                        'plugin, admin and member, via headless Chromium')
    sh.add_argument('--out', default=os.path.join(paths.REPO, 'doc',
                                                  'screenshots'),
                    help='folder of the PNGs (default: doc/screenshots)')
    sh.add_argument('--width', type=int, default=1920)
    sh.add_argument('--height', type=int, default=1080)
    args = p.parse_args(argv)
    if args.cmd == 'alarm':
        os.environ.setdefault('OS_CLIENT_CONFIG_FILE', paths.CLOUDS_YAML)
    sys.exit({'up': cmd_up, 'down': cmd_down, 'status': cmd_status,
              'env': cmd_env, 'credentials': cmd_credentials,
              'alarm': cmd_alarm, 'demo': cmd_demo,
              'screenshots': cmd_screenshots}[args.cmd](args))
