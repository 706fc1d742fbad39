#!/usr/bin/env python3
"""A token service for the pull tests (distribution "Token Authentication Specification"): issues RS256
JWTs whose header carries the signing certificate (x5c), which docker-registry verifies against its
rootcertbundle. USER:PASS (HTTP Basic) gets pull and push everywhere; anonymous clients get pull on
repositories under public/ only. A POST with the OAuth2 refresh_token grant (what clients do with an
identitytoken from auth.json) and REFRESH_TOKEN as the refresh token acts as USER too; any other POST is
answered 400 invalid_grant. Prints its port; logs "METHOD user scope" per request to LOG (POST adds
"client_id=ID").
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
REFRESH_TOKEN = "keel-test-refresh-token"
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

    def reply(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        """OAuth2 (RFC 6749 section 6) refresh: form fields only, no Basic header needed."""
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        field = lambda name: form.get(name, [""])[0]
        ok = (field("grant_type") == "refresh_token" and field("refresh_token") == REFRESH_TOKEN
              and field("client_id") and field("service"))
        user = CREDS.split(":", 1)[0] if ok else "!"
        with open(LOG, "a") as f:
            f.write(f"POST {user} {field('scope') or '-'} client_id={field('client_id') or '-'}\n")
        if not ok:
            self.reply(400, {"error": "invalid_grant"})
            return
        token = issue(user, field("service"), field("scope"))
        self.reply(200, {"access_token": token, "expires_in": 300, "refresh_token": REFRESH_TOKEN})

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
            f.write(f"GET {user or '-'} {scope or '-'}\n")
        token = issue(user, q.get("service", [""])[0], scope)
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300})


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
