#!/usr/bin/env python3
"""A reverse proxy for the pull tests. usage: flaky_proxy.py UPSTREAM LOG [redirect STORAGE | schema1 | tamper]
Default mode: the first request for each path gets 429 (Retry-After: 1) for manifests and /v2/, 503
for blobs; later ones are forwarded to the registry. Redirect mode: every blob GET is answered with a
307 to http://localhost:PORT/cdn/<digest> (another host name, as object storage would be), served from
the registry's STORAGE directory; the log says whether that request carried an Authorization header.
Schema1 mode: manifests are answered with a Docker schema1 manifest (signed media type).
Tamper mode: manifest bodies from the registry get a trailing newline (still valid JSON, another digest),
headers (Docker-Content-Digest included) unchanged; everything else is forwarded.
Prints its port on stdout; logs one line per request (status, method, path) to LOG."""
import http.client
import http.server
import socketserver
import sys
import threading

UPSTREAM = sys.argv[1]  # host:port of a plain-HTTP registry
LOG = sys.argv[2]
REDIRECT = len(sys.argv) > 4 and sys.argv[3] == "redirect"
STORAGE = sys.argv[4] if REDIRECT else None
SCHEMA1 = len(sys.argv) > 3 and sys.argv[3] == "schema1"
TAMPER = len(sys.argv) > 3 and sys.argv[3] == "tamper"
SCHEMA1_BODY = b'{"schemaVersion": 1, "name": "busybox", "tag": "t", "architecture": "amd64", "fsLayers": [], "history": []}'

seen = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, status):
        with lock, open(LOG, "a") as f:
            f.write(f"{status} {self.command} {self.path}\n")

    def cdn(self):
        digest = self.path.rsplit("/", 1)[1]
        hexd = digest.split(":", 1)[1]
        auth = "auth=yes" if "Authorization" in self.headers else "auth=no"
        with open(f"{STORAGE}/docker/registry/v2/blobs/sha256/{hexd[:2]}/{hexd}/data", "rb") as f:
            body = f.read()
        self.record(f"200 {auth}")
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        if SCHEMA1 and "/manifests/" in self.path:
            self.record(200)
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws")
            self.send_header("Content-Length", str(len(SCHEMA1_BODY)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(SCHEMA1_BODY)
            return
        if SCHEMA1 or TAMPER:
            return self.forward()
        if REDIRECT:
            if self.path.startswith("/cdn/"):
                return self.cdn()
            if "/blobs/" in self.path and self.command == "GET":
                self.record(307)
                self.send_response(307)
                port = self.server.server_address[1]
                self.send_header("Location", f"http://localhost:{port}/cdn/" + self.path.rsplit("/", 1)[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            return self.forward()
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
        self.forward()

    def forward(self):
        conn = http.client.HTTPConnection(UPSTREAM, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if TAMPER and "/manifests/" in self.path and resp.status == 200:
            body += b"\n"
            self.record("tampered")
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
