#!/usr/bin/env bash
# Install every build and test dependency (Debian, as root; idempotent), then build keel in this tree.
# Extra arguments go to ./configure.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DEPS=(build-essential autoconf automake libtool pkg-config
  libseccomp-dev libcap-dev libyajl-dev libselinux1-dev libarchive-dev libssl-dev libcurl4-openssl-dev)
TEST_DEPS=(bats clang libclang-rt-14-dev busybox-static crun runc skopeo umoci docker-registry
  apache2-utils jq hyperfine uidmap iproute2 procps psmisc util-linux openssl curl zstd debootstrap strace time
  qemu-system-x86 linux-image-cloud-amd64 cpio podman conmon containerd zsh python3-grpcio)

missing=()
for p in "${BUILD_DEPS[@]}" "${TEST_DEPS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup.sh: missing packages (run as root to install): ${missing[*]}" >&2
    exit 1
  fi
  echo "setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
  ./autogen.sh >/dev/null
fi
if [ ! -f Makefile ] || [ "$#" -gt 0 ]; then
  ./configure "$@"
fi
make -j"$(nproc)"
