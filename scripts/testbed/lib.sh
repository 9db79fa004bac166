# Shared helpers for the test-bed scripts. Sourced, never executed.
# shellcheck shell=bash

QUR_CACHE_DIR="${QUR_CACHE_DIR:-/var/cache/qemu-utils-remote}"
QUR_STATE_DIR="${QUR_STATE_DIR:-/var/tmp/qemu-utils-remote}"
TESTBED_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$TESTBED_DIR/../.." && pwd)"

# Install locations are fixed by how QemuUtils picks the VM type from the image path:
# kernelvm needs the prefix /opt/boot/vmlinuz, nestedvm needs /var/lib/vm/.
QUR_KERNEL_PATH="${QUR_KERNEL_PATH:-/opt/boot/vmlinuz-qur}"
QUR_IMAGE_PATH="${QUR_IMAGE_PATH:-/var/lib/vm/qur-nested.img}"
# The distro kernel + initrd of the CSIT HEAD boot path live in a directory of their own: 2019's kernelvm
# tests pick the newest /opt/boot/vmlinuz*, and must keep booting the custom kernel (vmlinuz-qur).
QUR_HEAD_BOOT_DIR="${QUR_HEAD_BOOT_DIR:-/opt/boot/head}"

log() { printf '[testbed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'testbed: ERROR: %s\n' "$*" >&2; exit 1; }

# For the build scripts: any command that fails unexpectedly names itself, so `set -e` never exits silently.
report_unexpected_failures() {
  set -E
  trap 'printf "testbed: ERROR: command failed (exit %d) at %s line %d: %s\n" "$?" "${BASH_SOURCE[0]}" "$LINENO" "$BASH_COMMAND" >&2' ERR
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
fmt_ms() { printf '%d.%03ds' $(( $1 / 1000 )) $(( $1 % 1000 )); }

# Hash of the given files' contents plus extra strings: the cache key.
cache_key() {
  local extra="$1"; shift
  { printf '%s\n' "$extra"; cat "$@"; } | sha256sum | cut -c1-16
}

# Copy only when the content differs, and atomically, so a VM reading the old file never sees half a file.
install_file() {
  local src="$1" dest="$2" mode="${3:-0644}"
  mkdir -p "$(dirname "$dest")"
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    log "up to date: $dest"
    return 0
  fi
  cp "$src" "$dest.tmp.$$" && chmod "$mode" "$dest.tmp.$$" && mv -f "$dest.tmp.$$" "$dest" \
    || die "could not install $dest"
  log "installed $dest"
}

linux_source_version() {
  dpkg-query -W -f='${Version}' linux-source 2>/dev/null || true
}

linux_source_tarball() {
  local tarball
  tarball="$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -1)"
  [ -n "$tarball" ] || die "no /usr/src/linux-source-*.tar.xz; install the Debian package linux-source"
  echo "$tarball"
}

kernel_cache_key() {
  local tarball
  tarball="$(linux_source_tarball)"
  cache_key "kernel-recipe-1 $(basename "$tarball") $(linux_source_version) $(gcc -dumpfullversion 2>/dev/null)" \
    "$TESTBED_DIR/guest-kernel.config"
}
