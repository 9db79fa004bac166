#!/bin/bash
# Builds (or finds in the cache) the nestedvm disk image: 10 MiB raw, MBR + one FAT16 partition holding
# syslinux, the guest kernel and an initramfs with busybox and qemu-ga. No loop mounts, no root-only tricks.
# Usage: image.sh <bzImage>. Prints the cached image path on stdout; progress goes to stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
report_unexpected_failures

bzimage="${1:?usage: image.sh <bzImage>}"
[ -s "$bzimage" ] || die "guest kernel $bzimage not found; build it first (scripts/testbed/kernel.sh)"
for tool in busybox cpio gzip mkfs.vfat mcopy syslinux sfdisk ldd; do
  command -v "$tool" >/dev/null || die "$tool missing; run: bash scripts/testbed/setup.sh"
done
busybox_bin="$(command -v busybox)"
qga_bin=/usr/sbin/qemu-ga
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -x "$qga_bin" ] || die "$qga_bin missing; install qemu-guest-agent"
[ -f "$mbr" ] || die "$mbr missing; install syslinux-common"
ldd "$busybox_bin" >/dev/null 2>&1 && die "$busybox_bin is dynamically linked; install busybox-static"

mapfile -t qga_libs < <(ldd "$qga_bin" | grep -o '/[^ ]*' | sort -u)
# The key covers every byte that ends up in the image, so a changed binary or recipe rebuilds it.
key="$(cache_key "image-recipe-1" "$TESTBED_DIR/image.sh" "$TESTBED_DIR/nested-init.sh" "$bzimage" \
  "$busybox_bin" "$qga_bin" "${qga_libs[@]}" "$mbr" "$(command -v syslinux)")"
out_dir="$QUR_CACHE_DIR/image/$key"
if [ -s "$out_dir/qur-nested.img" ]; then
  log "nestedvm image cached: $out_dir/qur-nested.img"
  echo "$out_dir/qur-nested.img"
  exit 0
fi

start=$(now_ms)
work="$QUR_CACHE_DIR/build/image-$key"
rm -rf "$work"; mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
r="$work/root"
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,var,root}
ln -s ../run "$r/var/run"
cp "$busybox_bin" "$r/bin/busybox"
for applet in $("$busybox_bin" --list); do
  [ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
done
cp "$qga_bin" "$r/usr/sbin/qemu-ga"
for lib in "${qga_libs[@]}"; do
  mkdir -p "$r${lib%/*}"
  cp -L "$lib" "$r$lib"
done
# guest-shutdown runs /sbin/shutdown; without systemd, power off directly.
printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' >"$r/sbin/shutdown"
chmod +x "$r/sbin/shutdown"
install -m 0755 "$TESTBED_DIR/nested-init.sh" "$r/init"
echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
echo 'root:x:0:' >"$r/etc/group"
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -9) >"$work/initrd.gz"

# pci=nomsi: QEMU 7.2 under TCG segfaults when a guest enables MSI-X on a vhost-user virtio-net.
cat >"$work/syslinux.cfg" <<'CFG'
DEFAULT linux
TIMEOUT 0
PROMPT 0
LABEL linux
  KERNEL /bzImage
  APPEND console=ttyS0 quiet pci=nomsi tsc=reliable
  INITRD /initrd.gz
CFG
part="$work/part.img"
img="$work/qur-nested.img"
{
  mkfs.vfat -F 16 -n QURNESTED -C "$part" 9216
  mcopy -i "$part" "$bzimage" ::bzImage
  mcopy -i "$part" "$work/initrd.gz" ::initrd.gz
  mcopy -i "$part" "$work/syslinux.cfg" ::syslinux.cfg
  syslinux --install "$part"
  truncate -s 10M "$img"
  printf 'label: dos\nstart=2048, type=6, bootable\n' | sfdisk -q "$img"
  dd if="$mbr" of="$img" bs=440 count=1 conv=notrunc status=none
  dd if="$part" of="$img" bs=1M seek=1 conv=notrunc status=none
} >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "building the nestedvm image failed"; }

tmp_out="$out_dir.tmp.$$"
rm -rf "$tmp_out"; mkdir -p "$tmp_out"
cp "$img" "$work/initrd.gz" "$work/syslinux.cfg" "$tmp_out/"
mv -T "$tmp_out" "$out_dir"
log "nestedvm image built in $(fmt_ms $(( $(now_ms) - start ))): $out_dir/qur-nested.img"
echo "$out_dir/qur-nested.img"
