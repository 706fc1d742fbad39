# bats fixture: a Debian docker-registry on 127.0.0.1 (free port, temp storage), plain HTTP, TLS with a
# test CA, or htpasswd basic auth. registry_start sets REGISTRY (host:port), REGISTRY_DIR, REGISTRY_PID;
# registry_stop always kills it and removes its files.

# The system python (Debian's, with python3-cryptography): a pyenv shim on PATH costs seconds per start.
KEEL_PYTHON=/usr/bin/python3
[ -x "$KEEL_PYTHON" ] || KEEL_PYTHON=python3

# A random port no socket uses, below the kernel's ephemeral range where it can: a port in that range may be
# taken by any outgoing connection between this check and the server's bind (CI once lost debian_e2e.bats to
# "bind: address already in use" so). With an ephemeral range starting below 11000, any high port.
registry_free_port() {
  local port lo=32768 rest base=10000 span
  read -r lo rest </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  span=$((lo - base))
  if [ "$span" -lt 1000 ]; then
    base=20000 span=40000
  fi
  while :; do
    port=$((base + RANDOM % span))
    if ! ss -Htan "sport = :$port" | grep -q .; then
      echo "$port"
      return
    fi
  done
}

# A CA and a server certificate for 127.0.0.1 signed by it, in DIR (ca.crt, server.crt, server.key).
registry_make_certs() {
  local dir=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=keel test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/ext.cnf" -out "$dir/server.crt" 2>/dev/null
  # a certs.d-style directory holding only the CA, for --cert-dir
  mkdir -p "$dir/certs"
  cp "$dir/ca.crt" "$dir/certs/ca.crt"
}

# A second CA that signs client certificates, and a client certificate from it, in DIR: DIR/client-ca.crt is
# what the registry trusts (http.tls.clientcas); DIR/client-certs is a certs.d directory holding the server
# CA plus client.cert and its client.key (containers-certs.d(5)).
registry_make_client_certs() {
  local dir=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=keel test client CA" \
    -keyout "$dir/client-ca.key" -out "$dir/client-ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=keel test client" \
    -keyout "$dir/client.key" -out "$dir/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$dir/client-ext.cnf"
  openssl x509 -req -in "$dir/client.csr" -CA "$dir/client-ca.crt" -CAkey "$dir/client-ca.key" \
    -CAcreateserial -days 2 -extfile "$dir/client-ext.cnf" -out "$dir/client.crt" 2>/dev/null
  mkdir -p "$dir/client-certs"
  cp "$dir/ca.crt" "$dir/client-certs/ca.crt"
  cp "$dir/client.crt" "$dir/client-certs/client.cert"
  cp "$dir/client.key" "$dir/client-certs/client.key"
}

# Start tests/imagetool/token_server.py for USER:PASS with a fresh signing certificate in DIR;
# sets TOKEN_PORT and TOKEN_PID; DIR/token.crt is the bundle the registry trusts, DIR/token.log its log.
registry_token_server() {
  local dir=$1 creds=$2 i
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=keel token issuer" \
    -keyout "$dir/token.key" -out "$dir/token.crt" 2>/dev/null
  "$KEEL_PYTHON" "$KEEL_SRCDIR/tests/imagetool/token_server.py" "$dir/token.crt" "$dir/token.key" "$creds" \
    "$dir/token.log" >"$dir/token.port" &
  TOKEN_PID=$!
  for i in $(seq 100); do
    [ -s "$dir/token.port" ] && break
    sleep 0.05
  done
  TOKEN_PORT=$(cat "$dir/token.port")
}

# registry_start [--tls] [--client-certs] [--htpasswd USER:PASS] [--token USER:PASS]; with --tls,
# REGISTRY_DIR/certs/ca.crt is the CA; --client-certs (implies --tls) makes the registry require a client
# certificate, REGISTRY_DIR/client-certs is a certs.d directory with one; --token runs a token service
# (anonymous: pull on public/*; USER:PASS: everything).
registry_start() {
  local tls=0 client_certs=0 htpasswd="" token="" port i
  while [ $# -gt 0 ]; do
    case $1 in
    --tls) tls=1 ;;
    --client-certs) tls=1 client_certs=1 ;;
    --htpasswd) htpasswd=$2; shift ;;
    --token) token=$2; shift ;;
    *) echo "registry_start: unknown option $1" >&2; return 1 ;;
    esac
    shift
  done
  REGISTRY_DIR=$(mktemp -d "${TMPDIR:-/dev/shm}/keel-registry.XXXXXX")
  port=$(registry_free_port)
  REGISTRY="127.0.0.1:$port"
  REGISTRY_SCHEME=http
  {
    printf 'version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s/storage\n  delete:\n    enabled: true\n' "$REGISTRY_DIR"
    printf 'http:\n  addr: %s\n  secret: keel-test-secret\n' "$REGISTRY"
    if [ $tls = 1 ]; then
      registry_make_certs "$REGISTRY_DIR"
      printf '  tls:\n    certificate: %s/server.crt\n    key: %s/server.key\n' "$REGISTRY_DIR" "$REGISTRY_DIR"
      if [ $client_certs = 1 ]; then
        registry_make_client_certs "$REGISTRY_DIR"
        printf '    clientcas:\n      - %s/client-ca.crt\n' "$REGISTRY_DIR"
      fi
      REGISTRY_SCHEME=https
    fi
    if [ -n "$htpasswd" ]; then
      htpasswd -Bbn "${htpasswd%%:*}" "${htpasswd#*:}" >"$REGISTRY_DIR/htpasswd"
      printf 'auth:\n  htpasswd:\n    realm: keel-test\n    path: %s/htpasswd\n' "$REGISTRY_DIR"
    fi
    if [ -n "$token" ]; then
      registry_token_server "$REGISTRY_DIR" "$token"
      printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: keel-test\n' "$TOKEN_PORT"
      printf '    issuer: keel-test-issuer\n    rootcertbundle: %s/token.crt\n' "$REGISTRY_DIR"
    fi
  } >"$REGISTRY_DIR/config.yml"
  # docker-registry reads REGISTRY_* variables as configuration overrides (REGISTRY_AUTH_FILE would
  # turn on "auth: file"): start it without any of them
  env $(compgen -e | grep '^REGISTRY_' | sed 's/^/-u /') \
    docker-registry serve "$REGISTRY_DIR/config.yml" >"$REGISTRY_DIR/log" 2>&1 &
  REGISTRY_PID=$!
  local curl_certs=()
  if [ $client_certs = 1 ]; then
    curl_certs=(--cert "$REGISTRY_DIR/client.crt" --key "$REGISTRY_DIR/client.key")
  fi
  for i in $(seq 100); do
    if curl -sk "${curl_certs[@]}" -o /dev/null "$REGISTRY_SCHEME://$REGISTRY/v2/"; then
      return 0
    fi
    sleep 0.05
  done
  echo "registry did not start:" >&2
  cat "$REGISTRY_DIR/log" >&2
  registry_stop
  return 1
}

registry_stop() {
  if [ -n "${TOKEN_PID:-}" ]; then
    kill "$TOKEN_PID" 2>/dev/null || true
    wait "$TOKEN_PID" 2>/dev/null || true
    TOKEN_PID=
  fi
  if [ -n "${REGISTRY_PID:-}" ]; then
    kill "$REGISTRY_PID" 2>/dev/null || true
    wait "$REGISTRY_PID" 2>/dev/null || true
    REGISTRY_PID=
  fi
  if [ -n "${REGISTRY_DIR:-}" ]; then
    rm -rf "$REGISTRY_DIR"
    REGISTRY_DIR=
  fi
}

# The file holding a blob's bytes in the registry's storage (distribution filesystem driver layout).
registry_blob_file() {
  local hex=${1#sha256:}
  echo "$REGISTRY_DIR/storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# How many GETs of a blob the registry served (from its access log).
registry_blob_gets() {
  grep -c "\"GET /v2/[^ ]*/blobs/$1 " "$REGISTRY_DIR/log" || true
}

# The imagetool suites' fixture (setup_file/teardown_file): the seed layout of tests/imagetool/seed.bash in
# SEED_DIR/l and a registry holding its base as busybox:t and busybox:docker (Docker schema2) and its
# multiarch index as busybox:multi. HOOK (optional) is then called with the layout to add and push more
# (with seed_push). Everything is exported for the tests.
registry_seeded_start() {
  # shellcheck source=../imagetool/seed.bash
  declare -F seed_layout >/dev/null || source "${KEEL_SRCDIR:?}/tests/imagetool/seed.bash"
  export SEED_DIR REGISTRY REGISTRY_DIR REGISTRY_PID
  SEED_DIR=$(mktemp -d "${TMPDIR:-/dev/shm}/keel-seed.XXXXXX")
  seed_layout "$SEED_DIR/l" || return 1
  registry_start || return 1
  seed_push "$SEED_DIR/l" base busybox:t &&
    seed_push "$SEED_DIR/l" base busybox:docker --format v2s2 &&
    seed_push "$SEED_DIR/l" multiarch busybox:multi --all || return 1
  [ -z "${1:-}" ] || "$1" "$SEED_DIR/l"
}

registry_seeded_stop() {
  registry_stop
  [ -z "${SEED_DIR:-}" ] || rm -rf "$SEED_DIR"
}
