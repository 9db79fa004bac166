#!/bin/bash
# Init of a kernelvm guest: installed as /etc/vm_init_<qemu_id>.conf and started by the guest kernel
# (init=...). The guest's root file system is the host's / over 9p, read-only, so every program below is
# the host's copy.
#
# Template: $$vnf_bin is replaced by the VNF command line (Python string.Template rules); shell variables
# are written with a doubled dollar sign so the template leaves them alone.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

mount -t sysfs -o nodev,noexec,nosuid sysfs /sys
mount -t proc -o nodev,noexec,nosuid proc /proc
mkdir -p /dev/pts /dev/hugepages
mount -t devpts -o rw,noexec,nosuid,gid=5,mode=0620 devpts /dev/pts || true
mount -t tmpfs -o rw,noexec,nosuid,size=10%,mode=0755 tmpfs /run
mount -t tmpfs -o rw,nosuid,size=10%,mode=1777 tmpfs /tmp
mount -t hugetlbfs -o rw,relatime,pagesize=2M hugetlbfs /dev/hugepages
mkdir -p /run/vpp

# Hand every virtio-net NIC (the vhost-user interfaces) to uio_pci_generic for the DPDK-based VNF.
# `read` is a builtin: every program started here is read over 9p, which under TCG costs about a second.
modprobe uio_pci_generic 2>/dev/null || true
for dev in /sys/bus/pci/devices/*; do
    read -r vendor < "$$dev/vendor"
    read -r device < "$$dev/device"
    [ "$$vendor" = 0x1af4 ] || continue
    case "$$device" in 0x1000 | 0x1041) ;; *) continue ;; esac
    addr=$${dev##*/}
    echo uio_pci_generic > "$$dev/driver_override"
    if [ -e "$$dev/driver" ]; then echo "$$addr" > "$$dev/driver/unbind"; fi
    echo "$$addr" > /sys/bus/pci/drivers_probe
done

# The VNF runs in the foreground with the console as stdin, which never reaches end of file (testpmd
# exits at once on EOF).
$vnf_bin

# Without systemd as PID 1 the host's /sbin/poweroff may do nothing: try busybox, then the kernel itself.
if [ -x /bin/busybox ]; then /bin/busybox poweroff -f; fi
poweroff -f
echo o > /proc/sysrq-trigger
