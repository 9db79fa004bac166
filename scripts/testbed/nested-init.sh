#!/bin/sh
# /init of the nestedvm initramfs (busybox + qemu-ga). ttyS0 = console (first isa-serial), ttyS1 = QGA.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
hostname nestedvm
ip link set lo up
# The MAC stays whatever QEMU gave the NIC: the host maps interface names by MAC through QGA.
# eth0 gets the address QEMU's user network (slirp) expects; every other NIC is only brought up.
for dev in /sys/class/net/*; do
  name="${dev##*/}"
  [ "$name" = lo ] && continue
  ip link set "$name" up
done
if [ -e /sys/class/net/eth0 ]; then
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
fi
# qemu-ga loses whatever was sent before it opened the port, so the host retries guest-sync; restart it if it dies.
( while true; do /usr/sbin/qemu-ga -m isa-serial -p /dev/ttyS1 -f /run/qemu-ga.pid -t /run; sleep 1; done ) &
echo "QUR-NESTEDVM-UP uptime=$(cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
# PID 1 must never exit (that panics the kernel), so the console shell is restarted forever.
while true; do /bin/sh < /dev/ttyS0 > /dev/ttyS0 2>&1; done
