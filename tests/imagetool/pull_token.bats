#!/usr/bin/env bats
# imagetool pull with bearer tokens: docker-registry's "auth: token" trusting a test token service
# (RS256 JWTs with an x5c chain) that grants anonymous pull on public/* and everything to one user.

load ../lib/common
load ../lib/registry
load seed

CREDS='keel:t0ken-pass'

setup_file() {
  export SEED_DIR
  SEED_DIR=$(mktemp -d "${TMPDIR:-/dev/shm}/keel-seed.XXXXXX")
  seed_layout "$SEED_DIR/l"
  registry_start --token "$CREDS"
  export REGISTRY REGISTRY_DIR REGISTRY_PID TOKEN_PID
  for repo in public/busybox private/busybox; do
    skopeo copy -q --dest-tls-verify=false --dest-creds "$CREDS" "oci:$SEED_DIR/l:layers" "docker://$REGISTRY/$repo:t" >/dev/null
  done
}

teardown_file() {
  registry_stop
  rm -rf "$SEED_DIR"
}

setup() {
  STORE=$(keel_mktemp)
  TMP=$(keel_mktemp)
  export HOME="$TMP/home" XDG_RUNTIME_DIR="$TMP/run"
  mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
  : >"$REGISTRY_DIR/token.log"
}

teardown() {
  rm -rf "$STORE" "$TMP"
}

it() {
  "$IMAGETOOL" --store "$STORE" "$@"
}

@test "anonymous bearer token: one token per scope serves the manifest and every blob" {
  run it pull -q --tls-verify=false "$REGISTRY/public/busybox:t"
  [ "$status" -eq 0 ]
  [ "$(cat "$REGISTRY_DIR/token.log")" = "GET - repository:public/busybox:pull" ]
  run it fsck
  [ "$status" -eq 0 ]
}

@test "a private repository needs credentials: refused anonymously and with a wrong password, pulled with --creds" {
  run it pull -q --tls-verify=false "$REGISTRY/private/busybox:t"
  [ "$status" -eq 1 ]
  [[ "$output" == *"401"*"credentials needed"*"imagetool login ${REGISTRY%%/*}"* ]]
  run it pull -q --tls-verify=false --creds keel:nope "$REGISTRY/private/busybox:t"
  [ "$status" -eq 1 ]
  [[ "$output" == *"authentication failed for repository:private/busybox:pull"*"check the credentials"* ]]
  : >"$REGISTRY_DIR/token.log"
  run it pull -q --tls-verify=false --creds "$CREDS" "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
  [ "$(cat "$REGISTRY_DIR/token.log")" = "GET keel repository:private/busybox:pull" ]
}

@test "login against a token registry checks the password with the token service" {
  run it login --tls-verify=false -u keel -p wrong "$REGISTRY"
  [ "$status" -eq 1 ]
  run it login --tls-verify=false -u keel -p "${CREDS#*:}" "$REGISTRY"
  [ "$status" -eq 0 ]
  run it pull -q --tls-verify=false "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
}

@test "blob redirects to another host are followed without the registry's Authorization header" {
  "$KEEL_PYTHON" "$BATS_TEST_DIRNAME/flaky_proxy.py" "$REGISTRY" "$TMP/proxy.log" redirect "$REGISTRY_DIR/storage" >"$TMP/port" &
  proxy=$!
  for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.05; done
  run it pull -q --tls-verify=false --creds "$CREDS" "127.0.0.1:$(cat "$TMP/port")/private/busybox:t"
  kill $proxy
  cat "$TMP/proxy.log"
  [ "$status" -eq 0 ]
  [ "$(grep -c '^307 GET /v2/private/busybox/blobs/' "$TMP/proxy.log")" -eq 4 ]
  [ "$(grep -c '^200 auth=no GET /cdn/sha256:' "$TMP/proxy.log")" -eq 4 ]
  ! grep -q 'auth=yes' "$TMP/proxy.log" || false
  run it fsck
  [ "$status" -eq 0 ]
}

@test "an identitytoken is an OAuth2 refresh token: POST grant_type=refresh_token to the realm, no password GET" {
  mkdir -p "$XDG_RUNTIME_DIR/containers" "$HOME/.docker"
  printf '{"auths":{"%s":{"identitytoken":"wrong-refresh-token"}}}' "$REGISTRY" >"$XDG_RUNTIME_DIR/containers/auth.json"
  run it pull -q --tls-verify=false "$REGISTRY/private/busybox:t"
  [ "$status" -eq 1 ]
  [[ "$output" == *"HTTP 400"* ]]
  [[ "$output" != *"wrong-refresh-token"* ]]
  [ "$(cat "$REGISTRY_DIR/token.log")" = "POST ! repository:private/busybox:pull client_id=keel" ]
  : >"$REGISTRY_DIR/token.log"
  printf '{"auths":{"%s":{"identitytoken":"keel-test-refresh-token"}}}' "$REGISTRY" >"$XDG_RUNTIME_DIR/containers/auth.json"
  run it pull -q --tls-verify=false "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
  [ "$(cat "$REGISTRY_DIR/token.log")" = "POST keel repository:private/busybox:pull client_id=keel" ]
  # the same from ~/.docker/config.json (docker login with an identity provider writes it there)
  rm "$XDG_RUNTIME_DIR/containers/auth.json"
  rm -rf "${STORE:?}"/*
  : >"$REGISTRY_DIR/token.log"
  printf '{"auths":{"%s":{"auth":"","identitytoken":"keel-test-refresh-token"}}}' "$REGISTRY" >"$HOME/.docker/config.json"
  run it pull -q --tls-verify=false "$REGISTRY/private/busybox:t"
  [ "$status" -eq 0 ]
  [ "$(cat "$REGISTRY_DIR/token.log")" = "POST keel repository:private/busybox:pull client_id=keel" ]
}
