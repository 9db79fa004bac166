#!/bin/bash
# The CSIT HEAD boot path's guest kernel: Debian's own kernel (what `linux-image-amd64` depends on; the
# -cloud flavour has no 9p) with an initrd built here, as CSIT's kernel_vm ansible role gives its DUTs.
# The kernel package is downloaded, not installed (nothing lands in /boot or /lib/modules); the initrd is a
# gzip newc cpio of busybox-static as /init plus the virtio, 9p, virtio-net, vfio and uio modules, loaded in
# dependency order (read from each module's `depends=`: the package has no modules.dep, the host no kmod).
# Its /init names the virtio NICs as udev's net_id does (ens<slot> from the PCI slot, as CSIT's initrd's udev
# gives HEAD's iperf3 guest ens3 / ens6), mounts the 9p root named by `root=` (HEAD's tag `virtioroot`)
# read-only, gives the GUEST (never the host) the VM dict's account testuser / Csit1234 when the root has no
# testuser (copies of passwd, shadow, group on a tmpfs, bind-mounted over the root's; its home a tmpfs over the
# guest's /home), and switch_roots to `init=`.
# Prints "<kernel> <initrd>" (the cached pair, same version suffix) on stdout; progress goes to stderr.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
report_unexpected_failures

for tool in apt-cache apt-get dpkg-deb tar cpio gzip busybox; do
  command -v "$tool" >/dev/null || die "$tool missing; run: bash scripts/testbed/setup.sh"
done
busybox_bin="$(command -v busybox)"
ldd "$busybox_bin" >/dev/null 2>&1 && die "$busybox_bin is dynamically linked; install busybox-static"

# The modules the guest needs; their dependencies are added ahead of them.
MODULES=(virtio_pci 9pnet_virtio 9p virtio_net vfio_pci vfio_iommu_type1 uio_pci_generic)

meta="${QUR_DISTRO_KERNEL_META:-linux-image-amd64}"
package="$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')"
[ -n "$package" ] || die "apt-cache knows no kernel package behind $meta (run apt-get update, or set QUR_DISTRO_KERNEL_META)"
version="$(apt-cache policy "$package" | awk '/Candidate:/ {print $2}')"
[ -n "$version" ] && [ "$version" != "(none)" ] || die "no candidate version of $package (apt-get update?)"
kver="${package#linux-image-}"

key="$(cache_key "distro-kernel-recipe-2 $package $version ${MODULES[*]}" "$TESTBED_DIR/distro-kernel.sh" "$busybox_bin")"
out_dir="$QUR_CACHE_DIR/distro-kernel/$key"
if [ -s "$out_dir/vmlinuz-$kver" ] && [ -s "$out_dir/initrd.img-$kver" ]; then
  log "distro kernel cached: $out_dir (vmlinuz-$kver, initrd.img-$kver)"
  echo "$out_dir/vmlinuz-$kver $out_dir/initrd.img-$kver"
  exit 0
fi

start=$(now_ms)
work="$QUR_CACHE_DIR/build/distro-kernel-$key"
rm -rf "$work"; mkdir -p "$work/deb" "$work/x"
trap 'rm -rf "$work"' EXIT
log "downloading $package $version (about 70 MB)"
(cd "$work/deb" && apt-get download "$package=$version" >"$work/apt.log" 2>&1) \
  || { tail -n 5 "$work/apt.log" >&2; die "apt-get download $package=$version failed"; }
deb="$(ls "$work"/deb/*.deb)"
# Only the kernel and the module folders the initrd draws from (11 MB of the package's 400).
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work/x" --wildcards "./boot/vmlinuz-$kver" \
  "./lib/modules/$kver/kernel/drivers/virtio/*" "./lib/modules/$kver/kernel/drivers/net/*.ko" \
  "./lib/modules/$kver/kernel/drivers/vfio/*" "./lib/modules/$kver/kernel/drivers/uio/*" \
  "./lib/modules/$kver/kernel/fs/9p/*" "./lib/modules/$kver/kernel/fs/netfs/*" "./lib/modules/$kver/kernel/fs/fscache/*" \
  "./lib/modules/$kver/kernel/net/9p/*" "./lib/modules/$kver/kernel/net/core/*" "./lib/modules/$kver/kernel/virt/lib/*" \
  || die "extracting the kernel and modules from $deb failed"
[ -s "$work/x/boot/vmlinuz-$kver" ] || die "$deb holds no boot/vmlinuz-$kver"

# Module name (dashes as underscores, as the kernel names them) -> file.
declare -A ko_file=()
while IFS= read -r file; do
  name="$(basename "$file" .ko)"; ko_file["${name//-/_}"]="$file"
done < <(find "$work/x/lib/modules" -name '*.ko')

ordered=()
declare -A placed=()
place() {
  local name="${1//-/_}" dep deps
  [ -n "${placed[$name]:-}" ] && return 0
  [ -n "${ko_file[$name]:-}" ] || die "module $name (needed by the initrd) is not in $package (built in, or renamed?)"
  placed[$name]=visiting
  deps="$(grep -a -o 'depends=[^[:cntrl:]]*' "${ko_file[$name]}" | head -1 | cut -d= -f2)"
  for dep in ${deps//,/ }; do
    [ "${placed[${dep//-/_}]:-}" = visiting ] && die "module dependency loop at $name -> $dep"
    place "$dep"
  done
  placed[$name]=done
  ordered+=("$name")
}
for module in "${MODULES[@]}"; do place "$module"; done
log "initrd modules, in load order: ${ordered[*]}"

r="$work/root"
mkdir -p "$r"/{bin,dev,proc,sys,root,lib/modules}
cp "$busybox_bin" "$r/bin/busybox"
for name in "${ordered[@]}"; do cp "${ko_file[$name]}" "$r/lib/modules/$name.ko"; done
printf '%s\n' "${ordered[@]}" >"$r/lib/modules/load-order"
cat >"$r/init" <<'EOF'
#!/bin/busybox sh
# qemu-utils-remote test bed initrd (scripts/testbed/distro-kernel.sh): modules, then the 9p root.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/load-order); do
  insmod "/lib/modules/$m.ko" || echo "qur-initrd: insmod $m failed" >/dev/console
done
# NIC names as udev's net_id gives them (no udev here): a virtio NIC at PCI 0000:00:<slot>.<fn> becomes
# ens<n> when an ACPI hotplug slot <n> has that address (QEMU's pc machine: n = slot), else enp0s<slot>
# (f<fn> appended when fn != 0). HEAD's init_iperf3.sh configures ens3 (mgmt) and ens6 (vhost-user).
for dev in /sys/bus/virtio/devices/*; do
  [ "$(cat "$dev/device" 2>/dev/null)" = 0x0001 ] || continue
  tries=0
  while [ ! -d "$dev/net" ] && [ $tries -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
  old=$(ls "$dev/net" 2>/dev/null | head -n 1)
  pci=$(basename "$(dirname "$(readlink -f "$dev")")")
  case "$pci" in
    0000:00:*.*) ;;
    *) echo "qur-initrd: NIC ${old:-?} at '$pci' is not on PCI bus 0000:00: name kept" >/dev/console; continue ;;
  esac
  [ -n "$old" ] || { echo "qur-initrd: virtio NIC $pci has no netdev: not named" >/dev/console; continue; }
  slot_hex=${pci#0000:00:}; fn=${slot_hex#*.}; slot_hex=${slot_hex%.*}
  new=enp0s$((0x$slot_hex))
  for s in /sys/bus/pci/slots/*; do
    [ "$(cat "$s/address" 2>/dev/null)" = "0000:00:$slot_hex" ] && new=ens$(basename "$s")
  done
  [ "$fn" = 0 ] || new=${new}f$fn
  if ip link set dev "$old" name "$new"; then
    echo "qur-initrd: NIC $old ($pci) named $new" >/dev/console
  else
    echo "qur-initrd: renaming NIC $old ($pci) to $new failed" >/dev/console
  fi
done
root=/dev/root
init=/sbin/init
for word in $(cat /proc/cmdline); do
  case "$word" in
    root=*) root="${word#root=}" ;;
    init=*) init="${word#init=}" ;;
  esac
done
if ! mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144 "$root" /root; then
  echo "qur-initrd: cannot mount the 9p root tag '$root' (root= on the kernel command line names the fsdev's mount_tag)" >/dev/console
  poweroff -f
fi
# The VM dict's account (CSIT's testuser / Csit1234), for the guest only: the root is the host's over 9p, and
# the host gets no account with a known password. Fixed hash: openssl passwd -6 -salt qurguesttestuser Csit1234.
if grep -q '^testuser:' /root/etc/passwd; then
  echo "qur-initrd: the root has a testuser: kept as it is" >/dev/console
else
  mkdir -p /guest-etc
  mount -t tmpfs -o size=1m,mode=0755 guest-etc /guest-etc
  uid=$(awk -F: 'BEGIN { u = 2000 } { used[$3] = 1 } END { while (u in used) u++; print u }' /root/etc/passwd)
  gid=$(awk -F: 'BEGIN { g = 2000 } { used[$3] = 1 } END { while (g in used) g++; print g }' /root/etc/group)
  for f in passwd shadow group; do cp -p "/root/etc/$f" "/guest-etc/$f"; done
  # A writable home (HEAD's init scripts remount /tmp and /run root-only, and the 9p root is read-only):
  # a small tmpfs over the guest's /home, so that tools run by testuser (iperf3's stream file, TMPDIR=$HOME)
  # have somewhere to write.
  home=/tmp
  if [ -d /root/home ] && mount -t tmpfs -o size=16m,mode=0755 guest-home /root/home; then
    mkdir /root/home/testuser && chown "$uid:$gid" /root/home/testuser && chmod 0700 /root/home/testuser && home=/home/testuser
  fi
  echo "testuser:x:$uid:$gid:CSIT VM user (guest only):$home:/bin/sh" >>/guest-etc/passwd
  echo 'testuser:$6$qurguesttestuser$2VYqze6Mby/EocunTRayIcfUqTi1BtA5Tybhv4Fuk4M7HPsDzn1WnSKW4MnS4uHF3Ke7lTQaeUaIG6AWlYsEo1:20000:0:99999:7:::' >>/guest-etc/shadow
  echo "testuser:x:$gid:" >>/guest-etc/group
  for f in passwd shadow group; do mount --bind "/guest-etc/$f" "/root/etc/$f"; done
  echo "qur-initrd: guest-only account testuser (uid $uid, home $home) added over the root's /etc/passwd, shadow, group" >/dev/console
fi
echo "qur-initrd: 9p root '$root' mounted read-only; exec $init" >/dev/console
mount --move /dev /root/dev
mount --move /proc /root/proc
mount --move /sys /root/sys
# init= inherits this environment: the PATH initramfs-tools' init hands over (HEAD's init scripts call
# poweroff, ip, mount by name; on Debian poweroff is in /usr/sbin, not in the /bin busybox needed here).
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
exec switch_root /root "$init"
EOF
chmod 0755 "$r/init"

tmp_out="$out_dir.tmp.$$"
rm -rf "$tmp_out"; mkdir -p "$tmp_out"
(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$tmp_out/initrd.img-$kver"
cp "$work/x/boot/vmlinuz-$kver" "$tmp_out/vmlinuz-$kver"
printf '%s %s\n' "$package" "$version" >"$tmp_out/package"
mkdir -p "$(dirname "$out_dir")"
rm -rf "$out_dir"; mv -T "$tmp_out" "$out_dir"
elapsed=$(( $(now_ms) - start ))
echo "$elapsed" >"$out_dir/build-ms"
log "distro kernel $kver and initrd ($(stat -c %s "$out_dir/initrd.img-$kver") bytes) ready in $(fmt_ms "$elapsed"): $out_dir"
echo "$out_dir/vmlinuz-$kver $out_dir/initrd.img-$kver"
