#!/bin/bash
# CSIT HEAD's iperf3 guest init (init_iperf3.sh, csit-head.md section 5.4), written from its description.
# Values: $${ip_address_l} (this VM on ens6), $${ip_address_r} (the peer), $${ip_route_r} (the peer's
# network), $${vnf_bin} (sshd in the foreground; the test logs in over the management NIC ens3).
mkdir /dev/pts /dev/hugepages
mount -t devpts -o rw,noexec,nosuid,gid=5,mode=0620 devpts /dev/pts || true
mount -t tmpfs -o rw,noexec,nosuid,size=10%,mode=0755 tmpfs /run
# The host's tree is visible over 9p under /tmp; keep the iperf client across the tmpfs mounted on it.
cp /tmp/openvpp-testing/resources/tools/iperf/iperf_client.py /run/
mount -t tmpfs -o rw,noexec,nosuid,size=10%,mode=0755 tmpfs /tmp
mkdir -p /tmp/openvpp-testing/resources/tools/iperf
mv /run/iperf_client.py /tmp/openvpp-testing/resources/tools/iperf/
mount -t hugetlbfs -o rw,relatime,pagesize=2M hugetlbfs /dev/hugepages
echo Y > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode

ip address add 10.0.2.15/24 dev ens3
ip link set dev ens3 up
ip route add default via 10.0.2.2
ip address add ${ip_address_l} dev ens6
ip link set dev ens6 up
ip route add ${ip_route_r} via ${ip_address_r}
${vnf_bin}
poweroff -f
