"""Robot library: a HEAD-style topology of dry-run DUTs (nothing boots) with the canned answers a
contract=head VM manager needs: a 2x28 SMT lscpu (CPU n and n+56 siblings, NUMA 0 = 0-27,56-83, as CSIT's
2n-icx), the NICs' NUMA node, the kernel and initrd, the 2M huge page pool, and per VM its pid, boot and
vCPU threads and kill. `Head Dry Run Dut  <host>` gives a fresh DUT per test (the server keys dry-run records by host)."""

import re

LSCPU_HEADER = [
    '# The following is the parsable format, which can be fed to other',
    '# programs. Each different item in every column has an unique ID',
    '# starting usually from zero.',
    '# CPU,Core,Socket,Node',
]


def lscpu_2x28_smt():
    rows = []
    for thread in range(2):
        for socket in range(2):
            for core in range(28):
                cpu = thread * 56 + socket * 28 + core
                rows.append('%d,%d,%d,%d' % (cpu, socket * 28 + core, socket, socket))
    return '\n'.join(LSCPU_HEADER + rows) + '\n'


# Every HEAD payload's boot marker (VPP's banner, iperf3's server line, testpmd's prompt).
BOOT_LOG = 'Linux version 6.8\nvpp v26.02-release built by csit\nServer listening on 0.0.0.0 port 22.\nPress enter to exit\n'

PCI = ['0000:18:00.0', '0000:18:00.1']


def vm_answers(qemu_id, vcpus):
    pid = 7000 + qemu_id
    threads = ''.join('/proc/%d/task/%d/comm:CPU %d/TCG\n' % (pid, 100 * pid + n, n) for n in range(vcpus))
    return [
        {'match': 'cat /run/qemu_%d.pid' % qemu_id, 'stdout': '%d\n' % pid},
        {'match': 'tail -c +1 -F /tmp/serial_%d.log' % qemu_id, 'stdout': BOOT_LOG},
        {'match': '/proc/%d/task/*/comm' % pid, 'stdout': threads},
        {'match': '/proc/%d/cmdline' % pid, 'rc': 0},
        {'match': 'pid=%d\n' % pid, 'stdout': '@@qemu-utils-remote killed %d\n' % pid},
        {'match': '/proc/%d/stat' % pid, 'stdout': 'qemu-utils-remote: process gone\n'},
    ]


def head_dry_run_dut(name, vcpus=3):
    """A dry-run DUT named after `name`; each VM (qemu ids 1-4) has `vcpus` vCPU threads."""
    host = re.sub('[^a-z0-9]+', '-', name.lower()).strip('-')
    responses = [
        {'match': 'lscpu -p=CPU,CORE,SOCKET,NODE', 'stdout': lscpu_2x28_smt()},
        {'match': '/numa_node', 'stdout': '%s 0\n%s 0\n' % (PCI[0], PCI[1])},
        {'match': "printf 'kernel", 'stdout': 'kernel /opt/boot/vmlinuz-6.8\ninitrd /opt/boot/initrd.img-6.8\n'},
        {'match': 'hugepages-2048kB',
         'stdout': 'free_hugepages:2048\nnr_hugepages:2048\nnr_overcommit_hugepages:0\nresv_hugepages:0\n'
                   'surplus_hugepages:0\n@@qemu-utils-remote mounts\nhugetlbfs /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n'},
    ]
    # The vfio-pci check before a passthrough VM starts: both NICs on vfio-pci, each alone in its IOMMU group.
    responses.append({'match': 'iommu_group', 'stdout': ''.join(
        'driver %s vfio-pci\ngroup %s %d\nmember %s %s vfio-pci\n' % (pci, pci, 40 + n, pci, pci) for n, pci in enumerate(PCI))})
    for qemu_id in range(1, 5):
        responses.extend(vm_answers(qemu_id, int(vcpus)))
    return {
        'host': host, 'port': 22, 'username': 'testuser', 'type': 'DUT', 'transport': 'dry-run',
        # port1/2: the NICs (${DUT1_if1}/${DUT1_if2}); vhost1-4: the host VPP's vhost-user ports, as CSIT's
        # vhost set-up adds them (testpmd_mac's vif MACs come from them).
        'interfaces': dict({'port1': {'pci_address': PCI[0]}, 'port2': {'pci_address': PCI[1]}},
                           **{'vhost%d' % n: {'mac_address': '02:fe:00:00:00:%02x' % n} for n in range(1, 5)}),
        'dry_run_responses': responses,
    }


