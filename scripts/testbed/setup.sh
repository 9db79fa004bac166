#!/bin/bash
# Prepares the real QEMU test bed on a Debian 12 host, idempotently: Debian packages, 2 MiB hugepages,
# the guest kernel, Debian's kernel + initrd for the CSIT HEAD boot path, and the nestedvm image (built once, cached in $QUR_CACHE_DIR), the private sshd, an
# accelerator probe, and $QUR_STATE_DIR/testbed.json (+ testbed.env) for the tests.
# Environment: QUR_CACHE_DIR, QUR_STATE_DIR, QUR_HUGEPAGES (default 2048), QUR_ACCEL (tcg|kvm, skips the probe).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
report_unexpected_failures

[ "$(id -u)" = 0 ] || die "setup.sh must run as root (apt-get, hugepages, /opt/boot, /var/lib/vm)"
[ -r /etc/debian_version ] || die "setup.sh expects a Debian 12 host"

PACKAGES=(
  # QEMU, the guest agent and the pieces tests drive it with
  qemu-system-x86 qemu-utils qemu-guest-agent openssh-server socat sudo busybox-static
  procps util-linux iproute2
  # the CSIT HEAD boot path: Debian's kernel (downloaded by distro-kernel.sh) and iperf3 in the guests
  iperf3
  # guest kernel build
  linux-source flex bison libelf-dev libssl-dev bc xz-utils cpio gcc make libc6-dev perl
  # host vhost-user peer: dpdk-dev holds /usr/bin/dpdk-testpmd, the PMDs are separate packages
  dpdk-dev librte-net-vhost23 librte-net-virtio23 librte-mempool-ring23
  # the iperf3 pair's router: a net_tap port beside each vhost port (host-testpmd.sh QUR_TESTPMD_TAP_ADDRESSES)
  librte-net-tap23
  # nestedvm image
  syslinux syslinux-common mtools dosfstools fdisk dropbear-bin
  # the keyword docs page is tested in a real headless browser
  chromium
)
WANT_HUGEPAGES="${QUR_HUGEPAGES:-2048}"
HUGEPAGE_DIR=/sys/kernel/mm/hugepages/hugepages-2048kB
HUGE_MOUNT=/dev/hugepages

SETUP_START=$(now_ms)
step() {
  local name="$1"; shift
  local t0; t0=$(now_ms)
  log "== $name"
  "$@"
  log "== $name: done in $(fmt_ms $(( $(now_ms) - t0 )))"
}

ensure_packages() {
  local missing=() p installed
  # One dpkg-query for all: unknown packages are simply absent from its output.
  installed=" $(dpkg-query -W -f='${db:Status-Status}:${Package} ' "${PACKAGES[@]}" 2>/dev/null || true) "
  for p in "${PACKAGES[@]}"; do
    [[ "$installed" == *" installed:$p "* ]] || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "all ${#PACKAGES[@]} packages present"
    return 0
  fi
  log "missing packages: ${missing[*]}"
  local need_update=0
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || need_update=1
  local policy
  for p in "${missing[@]}"; do
    policy="$(apt-cache policy "$p" 2>/dev/null || true)"
    [[ "$policy" == *"Candidate: "[!\(]* ]] || need_update=1
  done
  local apt_log="$QUR_STATE_DIR/apt.log"
  if [ $need_update = 1 ]; then
    log "apt-get update"
    apt-get update >"$apt_log" 2>&1 || { tail -n 20 "$apt_log" >&2; die "apt-get update failed; see $apt_log"; }
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 \
    || { tail -n 20 "$apt_log" >&2; die "apt-get install ${missing[*]} failed; see $apt_log"; }
  log "installed ${#missing[@]} packages (log: $apt_log)"
}

ensure_hugepages() {
  [ -d "$HUGEPAGE_DIR" ] || die "this kernel offers no 2 MiB hugepages ($HUGEPAGE_DIR missing)"
  local have before; have=$(cat "$HUGEPAGE_DIR/nr_hugepages"); before=$have
  if [ "$have" -lt "$WANT_HUGEPAGES" ]; then
    log "raising 2 MiB hugepages from $have to $WANT_HUGEPAGES"
    echo "$WANT_HUGEPAGES" >"$HUGEPAGE_DIR/nr_hugepages" 2>/dev/null \
      || die "cannot write $HUGEPAGE_DIR/nr_hugepages (read-only /sys? not root on the host?)"
    have=$(cat "$HUGEPAGE_DIR/nr_hugepages")
    if [ "$have" -lt "$WANT_HUGEPAGES" ]; then
      log "got only $have; dropping caches and compacting memory, then retrying"
      sync; echo 3 >/proc/sys/vm/drop_caches; echo 1 >/proc/sys/vm/compact_memory 2>/dev/null || true
      echo "$WANT_HUGEPAGES" >"$HUGEPAGE_DIR/nr_hugepages"
      have=$(cat "$HUGEPAGE_DIR/nr_hugepages")
    fi
    if [ "$have" -lt "$WANT_HUGEPAGES" ]; then
      # Do not keep a partial grab of memory that the bed cannot use anyway.
      echo "$before" >"$HUGEPAGE_DIR/nr_hugepages" 2>/dev/null || true
    fi
    [ "$have" -ge "$WANT_HUGEPAGES" ] || die "the kernel gave only $have of $WANT_HUGEPAGES 2 MiB hugepages \
($(( WANT_HUGEPAGES * 2 )) MiB); free memory: $(awk '/MemAvailable/ {print $2 " kB"}' /proc/meminfo). \
Free memory or set QUR_HUGEPAGES lower (VM tests need about 1100)"
  fi
  if ! mountpoint -q "$HUGE_MOUNT"; then
    mkdir -p "$HUGE_MOUNT"
    mount -t hugetlbfs -o pagesize=2M hugetlbfs "$HUGE_MOUNT" || die "mounting hugetlbfs on $HUGE_MOUNT failed"
    log "mounted hugetlbfs (2M) on $HUGE_MOUNT"
  fi
  local fstype options
  fstype=$(findmnt -n -o FSTYPE --target "$HUGE_MOUNT")
  options=$(findmnt -n -o OPTIONS --target "$HUGE_MOUNT")
  [ "$fstype" = hugetlbfs ] || die "$HUGE_MOUNT is $fstype, not hugetlbfs"
  case "$options" in
    *pagesize=2M*|*pagesize=2048k*) ;;
    *pagesize=*) die "$HUGE_MOUNT is mounted with other than 2M pages ($options)" ;;
    *) grep -q '^Hugepagesize: *2048 kB' /proc/meminfo || die "$HUGE_MOUNT uses the default hugepage size, which is not 2M" ;;
  esac
  log "2 MiB hugepages: total $have, free $(cat "$HUGEPAGE_DIR/free_hugepages"), mounted on $HUGE_MOUNT"
}

KERNEL_CACHED=""
ensure_kernel() {
  KERNEL_CACHED="$(bash "$TESTBED_DIR/kernel.sh")" || die "guest kernel build failed (see above)"
  install_file "$KERNEL_CACHED" "$QUR_KERNEL_PATH"
}

HEAD_KERNEL=""; HEAD_INITRD=""
ensure_distro_kernel() {
  local out kernel initrd stale
  out="$(bash "$TESTBED_DIR/distro-kernel.sh")" || die "distro kernel + initrd failed (see above)"
  read -r kernel initrd <<<"$out"
  HEAD_KERNEL="$QUR_HEAD_BOOT_DIR/$(basename "$kernel")"
  HEAD_INITRD="$QUR_HEAD_BOOT_DIR/$(basename "$initrd")"
  install_file "$kernel" "$HEAD_KERNEL"
  install_file "$initrd" "$HEAD_INITRD"
  # The directory is the bed's own: an older pair would only be a second choice for the HEAD pairing.
  for stale in "$QUR_HEAD_BOOT_DIR"/vmlinuz* "$QUR_HEAD_BOOT_DIR"/initrd.img*; do
    [ -e "$stale" ] || continue
    [ "$stale" = "$HEAD_KERNEL" ] || [ "$stale" = "$HEAD_INITRD" ] || { rm -f "$stale"; log "removed the older $stale"; }
  done
}

IMAGE_CACHED=""
ensure_image() {
  IMAGE_CACHED="$(bash "$TESTBED_DIR/image.sh" "$KERNEL_CACHED")" || die "nestedvm image build failed (see above)"
  install_file "$IMAGE_CACHED" "$QUR_IMAGE_PATH"
}

ensure_sshd() {
  if [ -f "$REPO_DIR/scripts/sshd.sh" ]; then
    bash "$REPO_DIR/scripts/sshd.sh" start >&2 || die "scripts/sshd.sh start failed"
  else
    log "scripts/sshd.sh not present yet; no private sshd started"
  fi
}

ACCEL=tcg; CPU_MODEL=max; ACCEL_REASON=""
probe_accel() {
  local out
  out="$(bash "$TESTBED_DIR/probe-accel.sh" "$KERNEL_CACHED")" || die "accelerator probe failed"
  read -r ACCEL CPU_MODEL ACCEL_REASON <<<"$out"
  log "accelerator: $ACCEL (cpu $CPU_MODEL): $ACCEL_REASON"
}

json_str() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }

write_env() {
  local testpmd qemu qemu_version json env
  testpmd="$(command -v dpdk-testpmd)" || die "dpdk-testpmd not found although dpdk-dev is installed"
  qemu="$(command -v qemu-system-x86_64)" || die "qemu-system-x86_64 not found"
  qemu_version="$("$qemu" --version | head -1 | grep -o 'version [0-9.]*' | cut -d' ' -f2)"
  json="$QUR_STATE_DIR/testbed.json"
  env="$QUR_STATE_DIR/testbed.env"
  {
    printf '{\n'
    printf '  "formatVersion": 1,\n'
    printf '  "createdAt": %s,\n' "$(json_str "$(date -u +%FT%TZ)")"
    printf '  "repoDir": %s,\n' "$(json_str "$REPO_DIR")"
    printf '  "cacheDir": %s,\n' "$(json_str "$QUR_CACHE_DIR")"
    printf '  "stateDir": %s,\n' "$(json_str "$QUR_STATE_DIR")"
    printf '  "kernel": %s,\n' "$(json_str "$QUR_KERNEL_PATH")"
    # pci=nomsi: QEMU 7.2 under TCG segfaults once a guest enables MSI-X on a vhost-user NIC (testbed.md §3).
    # random.trust_cpu=on: the guest's random pool is ready at once (-cpu max has RDRAND); else DPDK in the
    # guest waits ~30 s for entropy.
    # no_timer_check: under TCG on loaded cores the guest's IO-APIC timer check can miss its window and panic
    # ("IO-APIC + timer doesn't work!"), seen once in the soak beside 16 clients; the check proves nothing here.
    printf '  "kernelExtraArgs": %s,\n' "$(json_str "pci=nomsi random.trust_cpu=on no_timer_check")"
    # CSIT HEAD's boot path: its img is "<dir>/vmlinuz", the kernel and initrd are the matching pair in <dir>.
    printf '  "headImg": %s,\n' "$(json_str "$QUR_HEAD_BOOT_DIR/vmlinuz")"
    printf '  "headKernel": %s,\n' "$(json_str "$HEAD_KERNEL")"
    printf '  "headInitrd": %s,\n' "$(json_str "$HEAD_INITRD")"
    printf '  "nestedImage": %s,\n' "$(json_str "$QUR_IMAGE_PATH")"
    printf '  "nestedMarker": %s,\n' "$(json_str "QUR-NESTEDVM-UP")"
    printf '  "qemu": %s,\n' "$(json_str "$qemu")"
    printf '  "qemuVersion": %s,\n' "$(json_str "$qemu_version")"
    printf '  "testpmd": %s,\n' "$(json_str "$testpmd")"
    printf '  "hostTestpmdScript": %s,\n' "$(json_str "$TESTBED_DIR/host-testpmd.sh")"
    printf '  "hugepages": { "sizeKb": 2048, "total": %d, "mount": %s },\n' \
      "$(cat "$HUGEPAGE_DIR/nr_hugepages")" "$(json_str "$HUGE_MOUNT")"
    printf '  "accel": %s,\n' "$(json_str "$ACCEL")"
    printf '  "cpu": %s,\n' "$(json_str "$CPU_MODEL")"
    printf '  "accelReason": %s\n' "$(json_str "$ACCEL_REASON")"
    printf '}\n'
  } >"$json.tmp"
  mv -f "$json.tmp" "$json"
  {
    printf '# Written by scripts/testbed/setup.sh; source it from shell scripts.\n'
    printf 'QUR_TESTBED_KERNEL=%q\nQUR_TESTBED_NESTED_IMAGE=%q\nQUR_TESTBED_TESTPMD=%q\n' \
      "$QUR_KERNEL_PATH" "$QUR_IMAGE_PATH" "$testpmd"
    printf 'QUR_TESTBED_HEAD_KERNEL=%q\nQUR_TESTBED_HEAD_INITRD=%q\n' "$HEAD_KERNEL" "$HEAD_INITRD"
    printf 'QUR_TESTBED_ACCEL=%q\nQUR_TESTBED_CPU=%q\nQUR_TESTBED_QEMU=%q\n' "$ACCEL" "$CPU_MODEL" "$qemu"
  } >"$env.tmp"
  mv -f "$env.tmp" "$env"
  chmod 0644 "$json" "$env"
  log "wrote $json and $env"
}

mkdir -p "$QUR_CACHE_DIR" "$QUR_STATE_DIR"
# One setup at a time: two concurrent kernel builds would fight over the cache and the 2 cores.
exec 9>"$QUR_CACHE_DIR/setup.lock"
flock -w 3600 9 || die "another setup.sh holds $QUR_CACHE_DIR/setup.lock"

log "test bed setup: cache $QUR_CACHE_DIR, state $QUR_STATE_DIR"
step "Debian packages" ensure_packages
step "hugepages" ensure_hugepages
step "guest kernel" ensure_kernel
step "distro kernel + initrd (HEAD boot path)" ensure_distro_kernel
step "nestedvm image" ensure_image
step "private sshd" ensure_sshd
step "accelerator probe" probe_accel
step "env file" write_env
log "test bed ready in $(fmt_ms $(( $(now_ms) - SETUP_START )))"
