#!/bin/bash
# CSIT HEAD's kernelvm init (csit-head.md section 5.5), written from its description: installed as
# /etc/vm_init_<qemu_id>.conf and started by the guest kernel (init=...) over the host's / (9p, read-only).
# Template: $${vnf_bin} is the VNF command line; shell variables are written with a doubled dollar sign.
mkdir /dev/pts /dev/hugepages /dev/shm
mount -t devpts -o rw,noexec,nosuid,gid=5,mode=0620 devpts /dev/pts || true
mount -t tmpfs -o rw,noexec,nosuid,size=10%,mode=0755 tmpfs /run
mount -t tmpfs -o rw,noexec,nosuid,size=10%,mode=0755 tmpfs /tmp
mount -t hugetlbfs -o rw,relatime,pagesize=2M hugetlbfs /dev/hugepages

# DPDK, VPP's avf and native virtio drivers take the NICs through vfio-pci without an IOMMU. A kernel
# without no-IOMMU mode (Debian's) gets uio_pci_generic instead, said on the console: DPDK's virtio PMD
# (testpmd, VPP's dpdk plugin) works with it; VPP's avf and native virtio do not, and fail saying so.
modprobe vfio-pci 2>/dev/null || true
noiommu=/sys/module/vfio/parameters/enable_unsafe_noiommu_mode
if [ -e "$$noiommu" ]; then
    echo Y > "$$noiommu"
    driver=vfio-pci
else
    echo "qemu-utils-remote init: the guest kernel has no vfio no-IOMMU mode ($$noiommu is missing): binding the NICs to uio_pci_generic (enough for DPDK's virtio PMD, not for VPP's avf or native virtio)"
    modprobe uio_pci_generic 2>/dev/null || true
    driver=uio_pci_generic
fi
for pci in 0000:00:06.0 0000:00:07.0; do
    if [ -e "/sys/bus/pci/devices/$$pci/driver" ]; then echo "$$pci" > "/sys/bus/pci/devices/$$pci/driver/unbind"; fi
    echo "$$driver" > "/sys/bus/pci/devices/$$pci/driver_override"
    echo "$$pci" > "/sys/bus/pci/drivers/$$driver/bind"
done

mkdir -p /var/run/vpp
${vnf_bin}
poweroff -f
