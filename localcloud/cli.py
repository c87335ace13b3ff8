"""python -m localcloud up | down | status | env | credentials"""
import argparse
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
    args = p.parse_args(argv)
    sys.exit({'up': cmd_up, 'down': cmd_down, 'status': cmd_status,
              'env': cmd_env, 'credentials': cmd_credentials}[args.cmd](args))
