#!/bin/sh
# /init of the nestedvm initramfs (busybox, qemu-ga, dropbear). ttyS0 = console (first isa-serial), ttyS1 = QGA.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
hostname nestedvm
ip link set lo up
# The MAC stays whatever QEMU gave the NIC: the host maps interface names by MAC through QGA.
# Only the management NIC (QEMU's user network; its MAC ends in :ff, 52:54:00:00:<id>:ff on the 2019 line) is
# brought up, with the address slirp expects: which ethN it is depends on driver probe order (virtio-net
# may come before e1000). The vhost-user NICs stay down, as in CSIT's image: they are testpmd's, and a host
# peer flooding them would keep a TCG guest's kernel busy receiving.
mgmt=eth0
for dev in /sys/class/net/*; do
  case "$(cat "$dev/address" 2>/dev/null)" in *:ff) mgmt="${dev##*/}"; break ;; esac
done
if [ -e "/sys/class/net/$mgmt" ]; then
  ip link set "$mgmt" up
  ip addr add 10.0.2.15/24 dev "$mgmt"
  ip route add default via 10.0.2.2
fi
# qemu-ga loses whatever was sent before it opened the port, so the host retries guest-sync; restart it if it dies.
( while true; do /usr/sbin/qemu-ga -m isa-serial -p /dev/ttyS1 -f /run/qemu-ga.pid -t /run; sleep 1; done ) &
# sshd on eth0 (QEMU forwards host port 10021+id to it), CSIT's cisco/cisco; restarted if it dies.
( while true; do /usr/sbin/dropbear -F -E -p 22 -r /etc/dropbear/dropbear_ed25519_host_key 2>>/run/dropbear.log; sleep 1; done ) &
echo "QUR-NESTEDVM-UP uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
# PID 1 must never exit (that panics the kernel), so the console shell is restarted forever.
while true; do /bin/sh < /dev/ttyS0 > /dev/ttyS0 2>&1; done
