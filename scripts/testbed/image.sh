#!/bin/bash
# Builds (or finds in the cache) the nestedvm disk image: raw, MBR + a FAT16 partition holding syslinux, the
# guest kernel and an initramfs with busybox, qemu-ga and dropbear (sshd, CSIT's cisco/cisco), and a second
# partition holding DPDK's testpmd with its libraries and the virtio PMD as a gzipped cpio archive, which
# the guest's /start-testpmd.sh unpacks on first use: the boot loads only the small initramfs.
# No loop mounts, no root-only tricks.
# Usage: image.sh <bzImage>. Prints the cached image path on stdout; progress goes to stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
report_unexpected_failures

bzimage="${1:?usage: image.sh <bzImage>}"
[ -s "$bzimage" ] || die "guest kernel $bzimage not found; build it first (scripts/testbed/kernel.sh)"
for tool in busybox cpio gzip mkfs.vfat mcopy syslinux sfdisk ldd dropbearkey openssl; do
  command -v "$tool" >/dev/null || die "$tool missing; run: bash scripts/testbed/setup.sh"
done
busybox_bin="$(command -v busybox)"
qga_bin=/usr/sbin/qemu-ga
dropbear_bin=/usr/sbin/dropbear
testpmd_bin=/usr/bin/dpdk-testpmd
pmd_dir=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0
# The PMDs EAL needs beyond testpmd's own links: the PCI bus, the virtio NIC and the mbuf pool's ring.
pmds=("$pmd_dir/librte_bus_pci.so.23" "$pmd_dir/librte_net_virtio.so.23" "$pmd_dir/librte_mempool_ring.so.23")
# testpmd's stdout is a file in the guest: stdbuf -oL makes "Press enter to exit" reach it at once.
stdbuf_files=(/usr/bin/stdbuf /usr/libexec/coreutils/libstdbuf.so)
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -x "$qga_bin" ] || die "$qga_bin missing; install qemu-guest-agent"
[ -f "$mbr" ] || die "$mbr missing; install syslinux-common"
[ -x "$dropbear_bin" ] || die "$dropbear_bin missing; install dropbear-bin"
[ -x "$testpmd_bin" ] || die "$testpmd_bin missing; install dpdk-dev"
for pmd in "${pmds[@]}"; do [ -e "$pmd" ] || die "$pmd missing; install librte-net-virtio23 librte-mempool-ring23"; done
for f in "${stdbuf_files[@]}"; do [ -e "$f" ] || die "$f missing; install coreutils"; done
ldd "$busybox_bin" >/dev/null 2>&1 && die "$busybox_bin is dynamically linked; install busybox-static"

mapfile -t qga_libs < <(ldd "$qga_bin" "$dropbear_bin" | grep -o '/[^ ]*' | grep -v ':$' | sort -u)
mapfile -t dpdk_files < <({ printf '%s\n' "$testpmd_bin" "${pmds[@]}" "${stdbuf_files[@]}"; ldd "$testpmd_bin" "${pmds[@]}" "${stdbuf_files[@]}" | grep -o '/[^ ]*'; } | grep -v ':$' | sort -u)
# The key covers every byte that ends up in the image, so a changed binary or recipe rebuilds it (the
# dropbear host key is generated per build: a rebuilt image has a new one).
key="$(cache_key "image-recipe-2" "$TESTBED_DIR/image.sh" "$TESTBED_DIR/nested-init.sh" "$TESTBED_DIR/nested-testpmd.sh" "$bzimage" \
  "$busybox_bin" "$qga_bin" "$dropbear_bin" "${qga_libs[@]}" "${dpdk_files[@]}" "$mbr" "$(command -v syslinux)")"
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
cp "$dropbear_bin" "$r/usr/sbin/dropbear"
for lib in "${qga_libs[@]}"; do
  mkdir -p "$r${lib%/*}"
  cp -L "$lib" "$r$lib"
done
# Files under their real path, links as links to it: EAL finds a PMD both as a link target and in its
# plugin directory, and loads it once only because both name one file.
copy_resolved() {
  local root="$1" path="$2" real
  real="$(readlink -f "$path")"
  mkdir -p "$root${real%/*}"
  [ -e "$root$real" ] || cp "$real" "$root$real"
  if [ "$path" != "$real" ] && [ ! -e "$root$path" ]; then
    mkdir -p "$root${path%/*}"
    ln -s "$real" "$root$path"
  fi
}
d="$work/dpdk"
mkdir -p "$d"
for f in "${dpdk_files[@]}"; do
  # The initramfs has the C library already.
  [ -e "$r$f" ] || copy_resolved "$d" "$f"
done
# CSIT's DpdkUtil (2019) loads the virtio PMD with -d /usr/lib/librte_pmd_virtio.so.
ln -s "$(readlink -f "$pmd_dir/librte_net_virtio.so.23")" "$d/usr/lib/librte_pmd_virtio.so"
(cd "$d" && find . -mindepth 1 | cpio -o -H newc --quiet | gzip -6) >"$work/dpdk.cpio.gz"
dpdk_size=$(stat -c %s "$work/dpdk.cpio.gz")
echo "$dpdk_size" >"$r/etc/qur-dpdk.size"
install -m 0755 "$TESTBED_DIR/nested-testpmd.sh" "$r/start-testpmd.sh"
ln -s start-testpmd.sh "$r/stop-testpmd.sh"
# CSIT's guest credentials (its 02-users: cisco/cisco with sudo); here cisco is root itself, and sudo
# only drops the -S that exec_cmd puts in front.
printf '#!/bin/sh\n[ "$1" = -S ] && shift\nexec "$@"\n' >"$r/usr/bin/sudo"
chmod +x "$r/usr/bin/sudo"
mkdir -p "$r/etc/dropbear"
dropbearkey -t ed25519 -f "$r/etc/dropbear/dropbear_ed25519_host_key" >"$work/hostkey.log" 2>&1
echo '/bin/sh' >"$r/etc/shells"
# guest-shutdown runs /sbin/shutdown; without systemd, power off directly.
printf '#!/bin/sh\nexec /bin/busybox poweroff -f\n' >"$r/sbin/shutdown"
chmod +x "$r/sbin/shutdown"
install -m 0755 "$TESTBED_DIR/nested-init.sh" "$r/init"
hash="$(openssl passwd -6 -salt qurnested cisco)"
printf 'root:x:0:0:root:/root:/bin/sh\ncisco:x:0:0:CSIT user:/root:/bin/sh\n' >"$r/etc/passwd"
printf 'root:%s:16892:0:99999:7:::\ncisco:%s:16892:0:99999:7:::\n' "$hash" "$hash" >"$r/etc/shadow"
chmod 600 "$r/etc/shadow"
echo 'root:x:0:' >"$r/etc/group"
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -9) >"$work/initrd.gz"

# pci=nomsi: QEMU 7.2 under TCG segfaults when a guest enables MSI-X on a vhost-user virtio-net.
# random.trust_cpu=on: dropbear and DPDK find the random pool ready; no_timer_check: see the guest kernel.
cat >"$work/syslinux.cfg" <<'CFG'
DEFAULT linux
TIMEOUT 0
PROMPT 0
LABEL linux
  KERNEL /bzImage
  APPEND console=ttyS0 quiet pci=nomsi tsc=reliable random.trust_cpu=on no_timer_check
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
  dpdk_mib=$(( (dpdk_size + 1048575) / 1048576 ))
  truncate -s $(( 10 + dpdk_mib ))M "$img"
  printf 'label: dos\nstart=2048, size=18432, type=6, bootable\nstart=20480, type=da\n' | sfdisk -q "$img"
  dd if="$mbr" of="$img" bs=440 count=1 conv=notrunc status=none
  dd if="$part" of="$img" bs=1M seek=1 conv=notrunc status=none
  dd if="$work/dpdk.cpio.gz" of="$img" bs=1M seek=10 conv=notrunc status=none
} >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; die "building the nestedvm image failed"; }

tmp_out="$out_dir.tmp.$$"
rm -rf "$tmp_out"; mkdir -p "$tmp_out"
cp "$img" "$work/initrd.gz" "$work/syslinux.cfg" "$tmp_out/"
mv -T "$tmp_out" "$out_dir"
log "nestedvm image built in $(fmt_ms $(( $(now_ms) - start ))): $out_dir/qur-nested.img"
echo "$out_dir/qur-nested.img"
