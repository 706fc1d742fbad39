#!/usr/bin/env bash
# Boots the cgroup v2 test VM (qemu TCG + Debian cloud kernel + a generated initramfs) and runs one command in it as root.
# Usage: run.sh [--mem MiB] [--timeout SECONDS] [--modules NAME,...] [--env NAME=VALUE]... [--files PATH...] -- COMMAND...
# The command's stdout and stderr stream to ours, and we exit with its status. 124 means the VM timed out,
# 125 that the VM itself failed (no status line); the console log is then printed to stderr.
set -euo pipefail

VM_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Bump when the base image's layout changes, so stale caches are not reused.
VM_FORMAT=1
# Host packages whose files (binaries and libraries, not docs) go into every image: bats needs GNU date/sort/find,
# and suites expect the same tools as on the host. busybox-static fills in everything else.
VM_PACKAGES=(bash bats coreutils findutils grep sed jq procps util-linux mount kmod)

vm_die() {
	echo "run.sh: $*" >&2
	exit 125
}

# The newest cloud kernel installed under /boot, or $KEEL_VM_KERNEL.
vm_kernel() {
	if [ -n "${KEEL_VM_KERNEL:-}" ]; then
		echo "$KEEL_VM_KERNEL"
		return
	fi
	local k
	k=$(printf '%s\n' /boot/vmlinuz-*-cloud-amd64 | grep -v '\*' | sort -V | tail -n 1)
	[ -n "$k" ] || return 1
	echo "$k"
}

# Why the VM cannot run here (empty output when it can); callers turn this into a skip.
vm_unavailable() {
	command -v qemu-system-x86_64 >/dev/null || {
		echo "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
		return
	}
	command -v cpio >/dev/null || {
		echo "cpio missing (apt-get install cpio)"
		return
	}
	[ -x /bin/busybox ] || {
		echo "/bin/busybox missing (apt-get install busybox-static)"
		return
	}
	local k
	if ! k=$(vm_kernel) || [ ! -r "$k" ]; then
		echo "no cloud kernel in /boot (apt-get install linux-image-cloud-amd64)"
		return
	fi
	[ -d "/lib/modules/$(vm_kernel_version "$k")" ] || echo "/lib/modules for $k missing"
}

vm_kernel_version() {
	local base=${1##*/}
	echo "${base#vmlinuz-}"
}

# Prints the paths read from stdin plus the shared libraries they need, transitively. readelf takes every file in
# one process and ldconfig's cache resolves the names: exec is slow on some hosts, so no ldd per file.
vm_with_libs() {
	local -A where=() seen=()
	local -a todo=() next=()
	local f name path
	while read -r f; do
		echo "$f"
		[ -f "$f" ] && todo+=("$f")
	done
	while read -r name path; do
		[ -n "${where[$name]:-}" ] || where[$name]=$path
	done < <(ldconfig -p | awk '/x86-64/ && $NF ~ /^\// {print $1, $NF}')
	[ ${#todo[@]} -gt 0 ] || return 0
	# Every dynamic ELF here uses the one x86-64 loader.
	echo /lib64/ld-linux-x86-64.so.2
	while [ ${#todo[@]} -gt 0 ]; do
		next=()
		for name in $(readelf -dW "${todo[@]}" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u); do
			[ -n "${seen[$name]:-}" ] && continue
			seen[$name]=1
			path=${where[$name]:-}
			[ -n "$path" ] || { echo "run.sh: warning: shared library $name not found by ldconfig" >&2; continue; }
			echo "$path"
			next+=("$path")
		done
		todo=("${next[@]}")
	done
}

# The binaries and libraries of a host package (dpkg -L), skipping docs and directories.
vm_package_files() {
	local f
	while read -r f; do
		[ -d "$f" ] && [ ! -L "$f" ] && continue
		[ -e "$f" ] || [ -L "$f" ] || continue
		echo "$f"
	done < <(dpkg -L "$1" 2>/dev/null | grep -E '^/(usr/)?(s?bin|lib|lib64|libexec)/')
}

# Host paths (stdin) as an archive listing: each path under its canonical parent (/lib/x is /usr/lib/x on merged
# /usr), the targets of symlinks, and every ancestor directory, since the kernel creates no missing parents.
# One realpath process for all of them: exec is slow on some hosts.
vm_archive_list() {
	local -a paths=() parents=() links=()
	local -A keep=()
	local f i c d
	while read -r f; do
		[ -e "$f" ] || [ -L "$f" ] && paths+=("$f")
	done
	[ ${#paths[@]} -gt 0 ] || return 0
	mapfile -t parents < <(for f in "${paths[@]}"; do echo "${f%/*}/"; done | xargs -d '\n' realpath --)
	for i in "${!paths[@]}"; do
		c=${parents[$i]%/}/${paths[$i]##*/}
		keep[$c]=1
		[ -L "$c" ] && links+=("$c")
	done
	if [ ${#links[@]} -gt 0 ]; then
		while read -r c; do keep[$c]=1; done < <(realpath -- "${links[@]}")
	fi
	for c in "${!keep[@]}"; do
		d=${c%/*}
		while [ -n "$d" ] && [ -z "${keep[$d]:-}" ]; do
			keep[$d]=1
			d=${d%/*}
		done
	done
	printf '%s\n' "${!keep[@]}" | sed 's|^/||' | LC_ALL=C sort
}

# Writes a newc archive of the listed host paths (relative to /, from stdin) to FILE, owned by root.
vm_cpio_host() {
	(cd / && cpio --quiet -o -H newc -R 0:0) >"$1"
}

# The skeleton: mirrored merged-/usr links, mount points, /etc basics, busybox and its applets, init.
vm_skeleton_image() {
	local stage=$1 out=$2 d
	mkdir -p "$stage"/{usr/bin,usr/sbin,usr/lib,usr/lib64,proc,sys,dev,tmp,run,root,etc,keel-vm,var/tmp,mnt} || return
	for d in bin sbin lib lib64; do
		if [ -L "/$d" ]; then
			ln -s "$(readlink "/$d")" "$stage/$d" || return
		else
			mkdir -p "$stage/$d" || return
		fi
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$stage/etc/passwd"
	printf '%s\n' 'root:x:0:' 'tty:x:5:' 'nogroup:x:65534:' >"$stage/etc/group"
	printf '127.0.0.1 localhost keel-vm\n::1 localhost\n' >"$stage/etc/hosts"
	: >"$stage/etc/resolv.conf"
	ln -s /proc/self/mounts "$stage/etc/mtab" || return
	cp /bin/busybox "$stage/usr/bin/busybox" || return
	install -m 0755 "$VM_LIB/init" "$stage/init" || return
	# All applets in one process (one ln each would take seconds here); the host archive unpacked after this one
	# replaces them with the real tools where those were packed.
	(cd "$stage" && /bin/busybox --list-full |
		perl -ne 'chomp; next if -e || -l; my ($dir) = m{^(.*)/}; mkdir $dir; symlink("/usr/bin/busybox", $_) or die "$_: $!\n"') || return
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$out"
}

# Base image: skeleton, then the host packages with their libraries. Prints its path (cached by content).
vm_base_image() {
	local cache=$1 key stage out tmp p
	key=$({
		echo "format $VM_FORMAT"
		sha256sum "$VM_LIB/init" "$VM_LIB/run.sh" /bin/busybox
		dpkg-query -W "${VM_PACKAGES[@]}"
	} | sha256sum | cut -c1-16) || return
	out="$cache/base-$key.cpio"
	if [ ! -f "$out" ]; then
		stage=$(mktemp -d "$cache/stage.XXXXXX") || return
		vm_skeleton_image "$stage/root" "$stage/skeleton.cpio" || return
		for p in "${VM_PACKAGES[@]}"; do
			vm_package_files "$p"
		done | vm_with_libs | vm_archive_list | vm_cpio_host "$stage/host.cpio" || return
		tmp=$(mktemp "$out.XXXXXX") || return
		cat "$stage/skeleton.cpio" "$stage/host.cpio" >"$tmp" || return
		rm -rf "$stage"
		mv -f "$tmp" "$out"
	fi
	echo "$out"
}

# Files image: the --files paths (directories recursively) with their libraries, and the kernel modules with
# their dependencies. Cached by content, so a rebuilt binary makes a new image and an unchanged tree reuses one.
vm_files_image() {
	local cache=$1 kver=$2 modules=$3 key out tmp list p
	shift 3
	list=$(mktemp) || return
	{
		for p in "$@"; do
			if [ -d "$p" ] && [ ! -L "$p" ]; then
				find "$(realpath "$p")"
			else
				realpath -s "$p"
			fi
		done
		[ -z "$modules" ] || vm_module_paths "$kver" "$modules"
	} | vm_with_libs | vm_archive_list >"$list"
	key=$({
		echo "format $VM_FORMAT modules $modules"
		(cd / && xargs -r -d '\n' stat -c '%n %a %F %s %Y' <"$list")
		(cd / && xargs -r -d '\n' sha256sum <"$list" 2>/dev/null || true)
	} | sha256sum | cut -c1-16) || return
	out="$cache/files-$key.cpio"
	if [ ! -f "$out" ]; then
		tmp=$(mktemp "$out.XXXXXX") || return
		vm_cpio_host "$tmp.host" <"$list" || return
		if [ -n "$modules" ]; then
			# Load order as modprobe printed it: dependencies first.
			mkdir -p "$tmp.stage/keel-vm" && vm_module_paths "$kver" "$modules" >"$tmp.stage/keel-vm/modules" || return
			(cd "$tmp.stage" && find keel-vm | cpio --quiet -o -H newc -R 0:0) >>"$tmp.host" || return
			rm -rf "$tmp.stage"
		fi
		mv -f "$tmp.host" "$out"
		rm -f "$tmp"
	fi
	rm -f "$list"
	echo "$out"
}

# The .ko files for MODULES (comma-separated) and their dependencies, in load order.
vm_module_paths() {
	# shellcheck disable=SC2086 # one word per module
	modprobe -S "$1" --show-depends ${2//,/ } | awk '$1 == "insmod" {print $2}'
	[ "${PIPESTATUS[0]}" = 0 ] || vm_die "--modules $2: not all found for kernel $1"
}

# Per-run image: the command as a bash script (arguments %q-quoted), its environment and working directory.
vm_cmd_image() {
	local dir=$1 nonce=$2
	shift 2
	local stage=$dir/cmd-stage var
	mkdir -p "$stage/keel-vm"
	{
		echo "# generated by run.sh"
		for var in "${VM_ENV[@]}"; do
			printf 'export %q\n' "$var"
		done
		printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
		printf 'exec'
		printf ' %q' "$@"
		printf '\n'
	} >"$stage/keel-vm/cmd"
	echo "$nonce" >"$stage/keel-vm/nonce"
	(cd "$stage" && find keel-vm | cpio --quiet -o -H newc -R 0:0) >"$dir/cmd.cpio"
}

vm_main() {
	local mem=1024 timeout=${KEEL_VM_TIMEOUT:-300} modules='' files=() kernel kver cache dir why
	VM_ENV=()
	while [ $# -gt 0 ]; do
		case $1 in
		--mem) mem=$2; shift 2 ;;
		--timeout) timeout=$2; shift 2 ;;
		--modules) modules=$2; shift 2 ;;
		--env) VM_ENV+=("$2"); shift 2 ;;
		--files)
			shift
			while [ $# -gt 0 ] && [ "$1" != -- ] && [ "${1#--}" = "$1" ]; do
				files+=("$1")
				shift
			done
			;;
		--check) why=$(vm_unavailable); [ -z "$why" ] || { echo "$why"; exit 1; }; exit 0 ;;
		--) shift; break ;;
		*) vm_die "unknown option $1 (usage: run.sh [--mem MiB] [--timeout S] [--modules A,B] [--env N=V] [--files PATH...] -- COMMAND...)" ;;
		esac
	done
	[ $# -gt 0 ] || vm_die "no command given after --"
	[[ $mem =~ ^[0-9]+[MG]?$ ]] || vm_die "--mem $mem: want MiB (or a number with M or G)"
	[[ $timeout =~ ^[0-9]+$ ]] || vm_die "--timeout $timeout: want seconds"
	local f
	for f in "${files[@]}"; do
		[ -e "$f" ] || vm_die "--files: $f does not exist"
	done
	why=$(vm_unavailable)
	[ -z "$why" ] || vm_die "$why"
	# KEEL_* variables follow the command in (KEEL_SRCDIR/KEEL_BUILDDIR name the same paths inside).
	while IFS= read -r var; do VM_ENV=("$var" "${VM_ENV[@]}"); done < <(env | grep -E '^KEEL_[A-Za-z0-9_]*=' || true)

	kernel=$(vm_kernel)
	kver=$(vm_kernel_version "$kernel")
	cache=${KEEL_VM_CACHE:-/var/tmp/keel-vm}
	mkdir -p "$cache" || vm_die "cannot create cache dir $cache"
	dir=$(mktemp -d "${TMPDIR:-/tmp}/keel-vm-run.XXXXXX") || vm_die "mktemp failed"
	# shellcheck disable=SC2064 # expand now: the trap must remove this run's dir
	trap "vm_cleanup '$dir'" EXIT

	local base extra nonce
	base=$(vm_base_image "$cache") || vm_die "building the base image in $cache failed"
	extra=$(vm_files_image "$cache" "$kver" "$modules" "${files[@]}") || vm_die "building the files image failed"
	nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
	vm_cmd_image "$dir" "$nonce" "$@" || vm_die "building the command image failed"
	# The kernel unpacks concatenated newc archives in order, so the cached parts are reused as they are.
	cat "$base" "$extra" "$dir/cmd.cpio" >"$dir/initrd"

	mkfifo "$dir/out" "$dir/err"
	cat "$dir/out" &
	local out_pid=$!
	cat "$dir/err" >&2 &
	local err_pid=$!
	local rc=0
	# No NIC at all: the VM must never reach a network. -nodefaults drops VGA, floppy and the default NIC.
	timeout -k 5 "$timeout" qemu-system-x86_64 \
		-accel tcg,thread=multi -cpu max -smp 2 -m "$mem" \
		-nographic -nodefaults -no-user-config -no-reboot -nic none -monitor none \
		-kernel "$kernel" -initrd "$dir/initrd" \
		-append "console=ttyS0 quiet loglevel=3 ${KEEL_VM_APPEND:-} panic=-1 i8042.noaux i8042.nokbd i8042.nopnp mitigations=off" \
		-serial "file:$dir/console" -serial "file:$dir/out" -serial "file:$dir/err" -serial "file:$dir/status" \
		</dev/null >"$dir/qemu.log" 2>&1 || rc=$?
	# qemu gone. A reader still blocked in open() (qemu failed before opening its port) needs a writer to see
	# EOF; O_RDWR opens a fifo without blocking whether or not the reader is still there.
	local fifo
	for fifo in "$dir/out" "$dir/err"; do
		exec 5<>"$fifo"
		exec 5>&-
	done
	wait "$out_pid" "$err_pid" || true
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		vm_report "$dir" "timed out after ${timeout}s"
		exit 124
	fi
	local status
	status=$(grep -a "^KEEL-VM-EXIT $nonce " "$dir/status" 2>/dev/null | tr -d '\r' | awk '{print $3}')
	if [ -z "$status" ]; then
		vm_report "$dir" "no exit status from the VM (qemu exit $rc)"
		exit 125
	fi
	exit "$status"
}

# Explains a failed VM run on stderr: what happened, qemu's messages and the console's last lines.
vm_report() {
	local dir=$1
	{
		echo "run.sh: $2"
		sed 's/^/run.sh: qemu: /' "$dir/qemu.log" 2>/dev/null
		tail -n 40 "$dir/console" 2>/dev/null | tr -d '\r' | sed 's/^/run.sh: console: /'
	} >&2
}

# shellcheck disable=SC2317 # called from the EXIT trap
vm_cleanup() {
	# The stream readers may still block on a fifo no qemu ever opened.
	jobs -p | xargs -r kill 2>/dev/null
	if [ -n "${KEEL_VM_KEEP:-}" ]; then
		echo "run.sh: kept $1" >&2
	else
		rm -rf "$1"
	fi
}

vm_main "$@"
