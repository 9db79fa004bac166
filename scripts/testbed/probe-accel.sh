#!/bin/bash
# Decides which accelerator the tests use by booting the guest kernel, not by looking at /dev/kvm:
# some hosts (PVM, see docs/testbed.md) offer a /dev/kvm on which ordinary guest kernels hang.
# Usage: probe-accel.sh <bzImage>. Prints "<accel> <cpu-model> <reason>" on stdout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
report_unexpected_failures

bzimage="${1:?usage: probe-accel.sh <bzImage>}"
if [ -n "${QUR_ACCEL:-}" ]; then
  case "$QUR_ACCEL" in
    tcg) echo "tcg max forced by QUR_ACCEL=tcg" ;;
    kvm) echo "kvm ${QUR_CPU:-host} forced by QUR_ACCEL=kvm" ;;
    *) die "QUR_ACCEL must be tcg or kvm, not '$QUR_ACCEL'" ;;
  esac
  exit 0
fi
if [ ! -c /dev/kvm ] || ! : 2>/dev/null <>/dev/kvm; then
  echo "tcg max /dev/kvm absent or not accessible"
  exit 0
fi

qemu_version="$(qemu-system-x86_64 --version | head -1)"
key="$(cache_key "accel-probe-1 $(uname -r) $( { cat /sys/module/kvm*/srcversion 2>/dev/null || true; } | tr '\n' ' ') $qemu_version" "$bzimage")"
cached="$QUR_CACHE_DIR/accel/$key"
if [ -s "$cached" ]; then
  cat "$cached"
  exit 0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/qur-accel-probe.XXXXXX")"
trap 'rm -rf "$work"' EXIT
marker=QUR-ACCEL-PROBE-OK
# The init runs from the host's / shared read-only over 9p, exactly as kernelvm boots.
printf '#!/bin/busybox sh\n/bin/busybox echo %s > /dev/ttyS0\n/bin/busybox poweroff -f\n' "$marker" >"$work/init"
chmod +x "$work/init"
[ -x /bin/busybox ] || die "/bin/busybox missing; install busybox-static"

result="tcg max KVM did not boot the guest kernel to init within 15 s"
for cpu in host host,-arch-capabilities; do
  : >"$work/serial.log"
  start=$(now_ms)
  # The subshell's stderr swallows bash's "Killed"/"Aborted" job notices; QEMU's own output goes to qemu.log.
  ( timeout -s KILL 15 qemu-system-x86_64 -nodefaults -no-user-config -display none -vga none -monitor none \
    -machine pc,accel=kvm -cpu "$cpu" -smp 1 -m 256 \
    -chardev file,id=char0,path="$work/serial.log" -device isa-serial,chardev=char0 \
    -fsdev local,id=root9p,path=/,security_model=none,multidevs=remap \
    -device virtio-9p-pci,fsdev=root9p,mount_tag=/dev/root \
    -kernel "$bzimage" \
    -append "ro rootfstype=9p rootflags=trans=virtio console=ttyS0 pci=nomsi init=$work/init" \
    >"$work/qemu.log" 2>&1 || true ) 2>/dev/null
  if grep -q "$marker" "$work/serial.log"; then
    result="kvm $cpu guest booted under KVM in $(fmt_ms $(( $(now_ms) - start )))"
    break
  fi
  log "KVM probe with -cpu $cpu: no boot ($(head -c 200 "$work/qemu.log" | tr '\n' ' '))"
done
mkdir -p "$(dirname "$cached")"
echo "$result" >"$cached"
echo "$result"
