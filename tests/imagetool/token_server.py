#!/usr/bin/env python3
"""A token service for the pull tests (distribution "Token Authentication Specification"): issues RS256
JWTs whose header carries the signing certificate (x5c), which docker-registry verifies against its
rootcertbundle. USER:PASS (HTTP Basic) gets pull and push everywhere; anonymous clients get pull on
repositories under public/ only. Prints its port; logs "user scope" per request to LOG.
usage: token_server.py CERT KEY USER:PASS LOG"""
import base64
import http.server
import json
import socketserver
import sys
import time
import urllib.parse
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

CERT_PATH, KEY_PATH, CREDS, LOG = sys.argv[1:5]
cert = x509.load_pem_x509_certificate(open(CERT_PATH, "rb").read())
key = serialization.load_pem_private_key(open(KEY_PATH, "rb").read(), password=None)
x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def grant(user, scope):
    """The access list for SCOPE ("repository:NAME:ACTIONS")."""
    if not scope:
        return []
    typ, name, actions = scope.split(":", 2) if scope.count(":") >= 2 else (None, None, None)
    if typ != "repository":
        return []
    wanted = actions.split(",")
    if user is None:
        allowed = [a for a in wanted if a == "pull"] if name.startswith("public/") else []
    else:
        allowed = wanted
    return [{"type": typ, "name": name, "actions": allowed}]


def issue(user, service, scope):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [x5c]}
    claims = {"iss": "keel-test-issuer", "sub": user or "", "aud": service, "exp": now + 300,
              "nbf": now - 10, "iat": now, "jti": str(uuid.uuid4()), "access": grant(user, scope)}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        user = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            if base64.b64decode(auth[6:]).decode() != CREDS:
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            user = CREDS.split(":", 1)[0]
        scope = q.get("scope", [""])[0]
        with open(LOG, "a") as f:
            f.write(f"{user or '-'} {scope or '-'}\n")
        token = issue(user, q.get("service", [""])[0], scope)
        body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
