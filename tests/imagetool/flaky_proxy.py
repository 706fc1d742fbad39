#!/usr/bin/env python3
"""A reverse proxy for the pull tests: the first request for each path gets 429 (Retry-After: 1) for
manifests and /v2/, 503 for blobs; later ones are forwarded to the registry. Prints its port on stdout
and logs one line per request (status, method, path) to the file given as the second argument."""
import http.client
import http.server
import socketserver
import sys
import threading

UPSTREAM = sys.argv[1]  # host:port of a plain-HTTP registry
LOG = sys.argv[2]
seen = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, status):
        with lock, open(LOG, "a") as f:
            f.write(f"{status} {self.command} {self.path}\n")

    def handle_any(self):
        key = (self.command, self.path)
        with lock:
            first = key not in seen
            seen.add(key)
        if first:
            status = 503 if "/blobs/" in self.path else 429
            self.record(status)
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        conn = http.client.HTTPConnection(UPSTREAM, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        self.record(resp.status)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = handle_any
    do_HEAD = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
