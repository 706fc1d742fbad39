#!/usr/bin/env bats
# imagetool pull / login / logout against a docker-registry with TLS (a test CA, optionally requiring a client
# certificate) and htpasswd (bcrypt) basic auth; and through a proxy answering 429 and 503 before it lets requests through.

load ../lib/common
load ../lib/registry
load seed

USER_NAME=keel
USER_PASS='s3cret-Pa55'

setup_file() {
  export SEED_DIR
  SEED_DIR=$(mktemp -d "${TMPDIR:-/dev/shm}/keel-seed.XXXXXX")
  seed_layout "$SEED_DIR/l"
  registry_start --tls --htpasswd "$USER_NAME:$USER_PASS"
  export REGISTRY REGISTRY_DIR REGISTRY_PID
  skopeo copy -q --dest-cert-dir "$REGISTRY_DIR/certs" --dest-creds "$USER_NAME:$USER_PASS" \
    "oci:$SEED_DIR/l:base" "docker://$REGISTRY/private/busybox:t" >/dev/null
}

teardown_file() {
  registry_stop
  rm -rf "$SEED_DIR"
}

setup() {
  STORE=$(keel_mktemp)
  TMP=$(keel_mktemp)
  # no credentials from the machine running the tests
  export HOME="$TMP/home" XDG_RUNTIME_DIR="$TMP/run" REGISTRY_AUTH_FILE=
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
}

teardown() {
  rm -rf "$STORE" "$TMP"
  if [ -n "${CERTS_D:-}" ]; then
    rm -rf "$CERTS_D"
  fi
}

it() {
  "$IMAGETOOL" --store "$STORE" "$@"
}

@test "TLS: the test CA from --cert-dir or certs.d is trusted, an unknown CA is refused, --tls-verify=false accepts it" {
  run it pull -q --creds "$USER_NAME:$USER_PASS" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 1 ]
  [[ "$output" == *"certificate"* ]]
  run it pull -q --cert-dir "$REGISTRY_DIR/certs" --creds "$USER_NAME:$USER_PASS" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
  run it pull -q --tls-verify=false --creds "$USER_NAME:$USER_PASS" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
  skip_unless_root
  CERTS_D="/etc/containers/certs.d/$REGISTRY"
  mkdir -p "$CERTS_D"
  cp "$REGISTRY_DIR/ca.crt" "$CERTS_D/ca.crt"
  run it pull -q --creds "$USER_NAME:$USER_PASS" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
}

@test "basic auth: no credentials and wrong ones are refused; --creds works; the password is never printed" {
  run it pull -q --cert-dir "$REGISTRY_DIR/certs" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 1 ]
  [[ "$output" == *"requires a login: run \`imagetool login $REGISTRY\`"* ]]
  run it pull -q --cert-dir "$REGISTRY_DIR/certs" --creds "$USER_NAME:wrong-password" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 1 ]
  [[ "$output" == *"401"* ]]
  [[ "$output" != *"wrong-password"* ]]
  run it --debug pull --cert-dir "$REGISTRY_DIR/certs" --creds "$USER_NAME:$USER_PASS" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
  [[ "$output" != *"$USER_PASS"* ]]
  ! grep -rqF "$USER_PASS" "$STORE" || false
}

@test "login stores to \$XDG_RUNTIME_DIR/containers/auth.json (0600), pull uses it, logout removes it" {
  run it login -u "$USER_NAME" --password-stdin --cert-dir "$REGISTRY_DIR/certs" "$REGISTRY" <<<"wrong"
  [ "$status" -eq 1 ]
  [ ! -e "$XDG_RUNTIME_DIR/containers/auth.json" ]
  run it login -u "$USER_NAME" --password-stdin --cert-dir "$REGISTRY_DIR/certs" "$REGISTRY" <<<"$USER_PASS"
  [ "$status" -eq 0 ]
  [[ "$output" != *"$USER_PASS"* ]]
  f="$XDG_RUNTIME_DIR/containers/auth.json"
  [ "$(stat -c %a "$f")" = 600 ]
  [ "$(jq -r --arg r "$REGISTRY" '.auths[$r].auth' "$f" | base64 -d)" = "$USER_NAME:$USER_PASS" ]
  run it pull -q --cert-dir "$REGISTRY_DIR/certs" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
  run it logout "$REGISTRY"
  [ "$status" -eq 0 ]
  [ "$(jq -r --arg r "$REGISTRY" '.auths[$r]' "$f")" = null ]
  run it pull -q --cert-dir "$REGISTRY_DIR/certs" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 1 ]
  run it logout "$REGISTRY"
  [ "$status" -eq 1 ]
  [[ "$output" == *"not logged into $REGISTRY"* ]]
}

@test "credentials from --authfile and from ~/.docker/config.json" {
  run it login -u "$USER_NAME" -p "$USER_PASS" --authfile "$TMP/a.json" --cert-dir "$REGISTRY_DIR/certs" "$REGISTRY"
  [ "$status" -eq 0 ]
  run it pull -q --authfile "$TMP/a.json" --cert-dir "$REGISTRY_DIR/certs" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
  rm -rf "$STORE"/*
  mkdir -p "$HOME/.docker"
  printf '{"auths":{"https://%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf '%s:%s' "$USER_NAME" "$USER_PASS" | base64)" \
    >"$HOME/.docker/config.json"
  run it pull -q --cert-dir "$REGISTRY_DIR/certs" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
}

@test "429 with Retry-After and 503 are retried with back-off; --retries bounds the attempts" {
  # a plain registry behind the flaky proxy
  local tls_registry=$REGISTRY tls_dir=$REGISTRY_DIR tls_pid=$REGISTRY_PID
  registry_start
  seed_push "$SEED_DIR/l" base busybox:t
  "$KEEL_PYTHON" "$BATS_TEST_DIRNAME/flaky_proxy.py" "$REGISTRY" "$TMP/proxy.log" >"$TMP/port" &
  proxy=$!
  for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.05; done
  proxied="127.0.0.1:$(cat "$TMP/port")"
  run it pull -q --tls-verify=false --retries 1 "$proxied/busybox:t"
  first_status=$status
  first_output=$output
  run it pull --tls-verify=false "$proxied/busybox:t"
  kill $proxy
  registry_stop
  REGISTRY=$tls_registry REGISTRY_DIR=$tls_dir REGISTRY_PID=$tls_pid
  [ "$first_status" -eq 1 ]
  [[ "$first_output" == *"HTTP 429 after 1 attempts"* ]]
  [ "$status" -eq 0 ]
  grep -q '^429 GET /v2/busybox/manifests/t' "$TMP/proxy.log"
  grep -q '^503 GET /v2/busybox/blobs/sha256:' "$TMP/proxy.log"
  grep -q '^200 GET /v2/busybox/blobs/sha256:' "$TMP/proxy.log"
  run it fsck
  [ "$status" -eq 0 ]
}

@test "TLS client certificate: refused without one (with a hint naming certs.d), NAME.cert + NAME.key from --cert-dir or certs.d work" {
  local tls_registry=$REGISTRY tls_dir=$REGISTRY_DIR tls_pid=$REGISTRY_PID
  registry_start --client-certs
  local mtls_registry=$REGISTRY mtls_dir=$REGISTRY_DIR
  run skopeo copy -q --dest-cert-dir "$REGISTRY_DIR/client-certs" "oci:$SEED_DIR/l:base" \
    "docker://$REGISTRY/busybox:t"
  local seed_status=$status
  run it pull -q --cert-dir "$mtls_dir/certs" "$mtls_registry/busybox:t"
  local nocert_status=$status nocert_output=$output
  # a .cert without its .key is a configuration error, named
  mkdir "$TMP/halfcerts"
  cp "$mtls_dir/ca.crt" "$mtls_dir/client.crt" "$TMP/halfcerts/"
  mv "$TMP/halfcerts/client.crt" "$TMP/halfcerts/client.cert"
  run it pull -q --cert-dir "$TMP/halfcerts" "$mtls_registry/busybox:t"
  local half_status=$status half_output=$output
  run it pull -q --cert-dir "$mtls_dir/client-certs" "$mtls_registry/busybox:t"
  local cert_status=$status
  local certsd_status=0
  if [ "$(id -u)" = 0 ]; then
    CERTS_D="/etc/containers/certs.d/$mtls_registry"
    mkdir -p "$CERTS_D"
    cp "$mtls_dir/client-certs/"* "$CERTS_D/"
    rm -rf "${STORE:?}"/*
    run it pull -q "$mtls_registry/busybox:t"
    certsd_status=$status
  fi
  registry_stop
  REGISTRY=$tls_registry REGISTRY_DIR=$tls_dir REGISTRY_PID=$tls_pid
  [ "$seed_status" -eq 0 ]
  [ "$nocert_status" -eq 1 ]
  [[ "$nocert_output" == *"may require a TLS client certificate"* ]]
  [ "$half_status" -eq 1 ]
  [[ "$half_output" == *"client certificate \`$TMP/halfcerts/client.cert\` has no key"* ]]
  [ "$cert_status" -eq 0 ]
  [ "$certsd_status" -eq 0 ]
  run it images
  [[ "$output" == *"$mtls_registry/busybox:t"* ]]
}

@test "pull by digest: manifest bytes that do not hash to the digest are refused, both digests named, nothing stored" {
  local tls_registry=$REGISTRY tls_dir=$REGISTRY_DIR tls_pid=$REGISTRY_PID
  registry_start
  seed_push "$SEED_DIR/l" base busybox:t
  local digest
  digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$REGISTRY/busybox:t")
  "$KEEL_PYTHON" "$BATS_TEST_DIRNAME/flaky_proxy.py" "$REGISTRY" "$TMP/proxy.log" tamper >"$TMP/port" &
  proxy=$!
  for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.05; done
  proxied="127.0.0.1:$(cat "$TMP/port")"
  run it pull -q --tls-verify=false "$proxied/busybox@$digest"
  local bad_status=$status bad_output=$output
  local tampered_digest
  tampered_digest=sha256:$( (curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$proxied/v2/busybox/manifests/$digest") | sha256sum | cut -d' ' -f1)
  local images_output
  images_output=$(it images 2>&1)
  run it pull -q --tls-verify=false "$REGISTRY/busybox@$digest"
  kill $proxy
  registry_stop
  REGISTRY=$tls_registry REGISTRY_DIR=$tls_dir REGISTRY_PID=$tls_pid
  grep -q '^tampered GET /v2/busybox/manifests/' "$TMP/proxy.log"
  [ "$bad_status" -eq 1 ]
  [ "$tampered_digest" != "$digest" ]
  [[ "$bad_output" == *"manifest $digest: digest mismatch"*"$tampered_digest"* ]]
  [[ "$images_output" != *busybox* ]]
  [ ! -e "$STORE/blobs/sha256/${tampered_digest#sha256:}" ]
  [ "$(jq '.manifests | length' "$STORE/index.json")" -eq 1 ]
  [ "$status" -eq 0 ]
}
