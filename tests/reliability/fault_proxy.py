#!/usr/bin/env python3
"""A faulty reverse proxy for registry_faults.bats. usage: fault_proxy.py UPSTREAM LOG MODE
The first blob GET of each digest (HEADs and manifests pass) gets MODE; later ones are forwarded whole,
honouring Range. Modes: drop (half the body, then the connection is reset), short (Content-Length of the
whole blob, half the body, then a clean close), corrupt (the whole body with its last byte flipped,
every time), 500 (HTTP 500 every time), delay (2 s before answering, then forwarded).
Prints its port on stdout; logs "STATUS MODE METHOD PATH RANGE" per request to LOG."""
import http.client
import http.server
import socket
import socketserver
import struct
import sys
import threading
import time

UPSTREAM, LOG, MODE = sys.argv[1], sys.argv[2], sys.argv[3]
seen = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, status, what):
        with lock, open(LOG, "a") as f:
            f.write(f"{status} {what} {self.command} {self.path} {self.headers.get('Range', '-')}\n")

    def upstream(self):
        conn = http.client.HTTPConnection(UPSTREAM, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, headers=headers)
        resp = conn.getresponse()
        return resp, resp.read()

    def reply(self, resp, body, length=None):
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            self.wfile.flush()

    def handle_any(self):
        blob = "/blobs/" in self.path and self.command == "GET"
        with lock:
            first = blob and self.path not in seen
            seen.add(self.path)
        if blob and MODE == "500":
            self.record(500, MODE)
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if first and MODE == "delay":
            time.sleep(2)
        resp, body = self.upstream()
        if blob and MODE == "corrupt" and resp.status in (200, 206) and body:
            self.record(resp.status, MODE)
            return self.reply(resp, body[:-1] + bytes([body[-1] ^ 0xFF]))
        if first and MODE in ("drop", "short") and resp.status == 200 and len(body) > 1:
            self.record(resp.status, MODE)
            self.reply(resp, body[: len(body) // 2], length=len(body))
            if MODE == "drop":  # RST instead of FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        self.record(resp.status, "pass")
        self.reply(resp, body)

    do_GET = handle_any
    do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
