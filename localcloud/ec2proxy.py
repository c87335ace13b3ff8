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

"""A pass-through proxy in front of moto that can inject EC2 faults.

The EC2 nova-compute of the local cloud talks to EC2 through this proxy, so
tests can make EC2 misbehave for real, on the wire:

    POST /__faults__ {"mode": "pass"}                     # normal
    POST /__faults__ {"mode": "down"}                     # connections dropped
    POST /__faults__ {"mode": "error", "action": "RunInstances",
                      "code": "InsufficientInstanceCapacity",
                      "message": "...", "status": 500}    # an EC2 error reply
    POST /__faults__ {"mode": "pending"}                  # never 'running'
    POST /__faults__ {"mode": "slow", "delay": 30}        # answers late
    POST /__faults__ {"mode": "lose", "action": "RunInstances"}
                                     # done upstream, the reply never sent
    GET  /__faults__                                      # current mode

It also plays what moto leaves out and AWS does, in every mode:
RunInstances is idempotent by ClientToken (AWS keeps a token at least a day,
also after termination: the same token and parameters answer the first
launch again, other parameters IdempotentParameterMismatch), and
DescribeInstances takes the ``client-token`` filter.

Run: python -m localcloud.ec2proxy PORT UPSTREAM_URL
"""
import http.server
import json
import re
import socket
import sys
import threading
import time
import urllib.parse

import requests

from localcloud import paths

_FAULT = {'mode': 'pass'}
_LOCK = threading.Lock()
_RUNNING = re.compile(rb'<instanceState>\s*<code>16</code>\s*'
                      rb'<name>running</name>\s*</instanceState>')
_PENDING = b'<instanceState><code>0</code><name>pending</name></instanceState>'
_TOKENS = {}   # ClientToken -> (parameters without it, reply, instance ids)
_INSTANCE_ID = re.compile(rb'<instanceId>(i-[0-9a-f]+)</instanceId>')
_NO_RESERVATIONS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse '
    b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>'
    b'client-token-filter</requestId><reservationSet/>'
    b'</DescribeInstancesResponse>')
_HOP = {'connection', 'keep-alive', 'transfer-encoding', 'content-length',
        'content-encoding'}


def _error_body(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            '<Code>%s</Code><Message>%s</Message></Error></Errors>'
            '<RequestID>injected-by-localcloud</RequestID></Response>'
            % (code, message)).encode()


def _without_token_filter(params):
    """(params with the client-token filter replaced by the instance ids
    launched with those tokens, whether there was one, the ids)."""
    filters = {}
    for key, values in params.items():
        m = re.match(r'Filter\.(\d+)\.(Name|Value\.\d+)$', key)
        if m:
            filters.setdefault(int(m.group(1)), {})[m.group(2)] = values[0]
    token_filters = [n for n, f in filters.items()
                     if f.get('Name') == 'client-token']
    if not token_filters:
        return params, False, ()
    ids = []
    with _LOCK:
        for n in token_filters:
            for k, v in filters[n].items():
                if k != 'Name' and v in _TOKENS:
                    ids.extend(_TOKENS[v][2])
    rest = {k: v for k, v in params.items() if not k.startswith('Filter.')}
    kept = [f for n, f in sorted(filters.items()) if n not in token_filters]
    for i, f in enumerate(kept, 1):
        for k, v in f.items():
            rest['Filter.%d.%s' % (i, k)] = [v]
    for i, iid in enumerate(ids, 1):
        rest['InstanceId.%d' % i] = [iid]
    return rest, True, ids


class Handler(http.server.BaseHTTPRequestHandler):
    upstream = None
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        sys.stdout.write('%s %s\n' % (self.address_string(), fmt % args))

    def _reply(self, status, body, ctype='application/json', headers=()):
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _drop(self):
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _control(self, body):
        global _FAULT
        if self.command == 'POST':
            with _LOCK:
                _FAULT = json.loads(body or b'{}') or {'mode': 'pass'}
        self._reply(200, json.dumps(_FAULT).encode())

    def _handle(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        if self.path.startswith('/__faults__'):
            return self._control(body)
        with _LOCK:
            fault = dict(_FAULT)
        action = urllib.parse.parse_qs(body.decode('utf-8', 'replace')).get(
            'Action', [''])[0]
        mode = fault.get('mode', 'pass')
        if mode == 'down':
            return self._drop()
        lose = mode == 'lose' and action == fault.get('action', action)
        if mode == 'error' and action == fault.get('action', action):
            return self._reply(int(fault.get('status', 400)), _error_body(
                fault.get('code', 'InternalError'),
                fault.get('message', 'injected fault')), 'text/xml')
        if mode == 'slow':
            time.sleep(float(fault.get('delay', 30)))
        params = urllib.parse.parse_qs(body.decode('utf-8', 'replace'),
                                       keep_blank_values=True)
        token = params.get('ClientToken', [''])[0] \
            if action == 'RunInstances' else ''
        if token:
            asked = sorted((k, v) for k, v in params.items()
                           if k != 'ClientToken')
            with _LOCK:
                known = _TOKENS.get(token)
            if known and known[0] != asked:
                return self._reply(400, _error_body(
                    'IdempotentParameterMismatch', 'The client token %s '
                    'was used with other parameters.' % token), 'text/xml')
            if known:
                if lose:
                    return self._drop()
                return self._reply(200, known[1], 'text/xml')
        if action == 'DescribeInstances':
            params, filtered, ids = _without_token_filter(params)
            if filtered:
                if not ids:
                    return self._reply(200, _NO_RESERVATIONS, 'text/xml')
                body = urllib.parse.urlencode(params, doseq=True).encode()
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in _HOP and k.lower() != 'host'}
        resp = requests.request(self.command, self.upstream + self.path,
                                data=body, headers=headers, timeout=60)
        content = resp.content
        if token and resp.status_code == 200:
            with _LOCK:
                _TOKENS[token] = (asked, content, [
                    i.decode() for i in _INSTANCE_ID.findall(content)])
        if lose:
            return self._drop()
        if mode == 'pending' and action == 'DescribeInstances':
            content = _RUNNING.sub(_PENDING, content)
        self._reply(resp.status_code, content,
                    resp.headers.get('Content-Type', 'text/xml'),
                    [(k, v) for k, v in resp.headers.items()
                     if k.lower() not in _HOP and k.lower() != 'content-type'])

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


def main(argv=None):
    port, upstream = (argv or sys.argv[1:])[:2]
    Handler.upstream = upstream.rstrip('/')
    server = http.server.ThreadingHTTPServer(('127.0.0.1', int(port)),
                                             Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == '__main__':
    main()


def ec2_faults(proxy_url=None, **fault):
    """Set the EC2 proxy's fault mode (pass, down, error, pending, slow);
    ``proxy_url``: another instance of the proxy than the cloud's."""
    fault.setdefault('mode', 'pass')
    requests.post((proxy_url or paths.EC2_PROXY_URL) + '/__faults__',
                  json=fault, timeout=5).raise_for_status()
