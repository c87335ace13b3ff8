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
    GET  /__faults__                                      # current mode

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

_FAULT = {'mode': 'pass'}
_LOCK = threading.Lock()
_RUNNING = re.compile(rb'<instanceState>\s*<code>16</code>\s*'
                      rb'<name>running</name>\s*</instanceState>')
_PENDING = b'<instanceState><code>0</code><name>pending</name></instanceState>'
_HOP = {'connection', 'keep-alive', 'transfer-encoding', 'content-length',
        'content-encoding'}


def _error_body(code, message):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            '<Code>%s</Code><Message>%s</Message></Error></Errors>'
            '<RequestID>injected-by-localcloud</RequestID></Response>'
            % (code, message)).encode()


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
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == 'error' and action == fault.get('action', action):
            return self._reply(int(fault.get('status', 400)), _error_body(
                fault.get('code', 'InternalError'),
                fault.get('message', 'injected fault')), 'text/xml')
        if mode == 'slow':
            time.sleep(float(fault.get('delay', 30)))
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in _HOP and k.lower() != 'host'}
        resp = requests.request(self.command, self.upstream + self.path,
                                data=body, headers=headers, timeout=60)
        content = resp.content
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
