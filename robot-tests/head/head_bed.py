"""Robot library for the real HEAD chains on the test bed: the host testpmd peer's closing counters, and
what the host says of a VM's vCPU threads. Read on this machine (the bed's node is its own sshd on
127.0.0.1), never through the library under test."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'vm'))
from VmHostChecks import vm_processes  # noqa: E402  (robot-tests/vm: one /proc reading for both bed suites)


def forward_statistics(text):
    """`{port: {'rx': n, 'tx': n}}` from testpmd's closing 'Forward statistics for port N' blocks."""
    ports = {}
    for match in re.finditer(r'Forward statistics for port (\d+)\s*-+\s*RX-packets:\s*(\d+).*?TX-packets:\s*(\d+)', text, re.S):
        ports[int(match.group(1))] = {'rx': int(match.group(2)), 'tx': int(match.group(3))}
    if not ports:
        raise AssertionError(f'no forward statistics in the host testpmd output:\n{text}')
    return ports


def frames_should_have_come_back_on_every_port(text, ports):
    """Fails unless each of the host peer's `ports` received frames: the peer's ports connect only to guest
    NICs, and the peer never forwards between them (flowgen), so every frame it received went through a guest."""
    stats = forward_statistics(text)
    missing = [port for port in range(int(ports)) if stats.get(port, {'rx': 0})['rx'] == 0]
    if missing:
        raise AssertionError(f'no frames came back on host port(s) {missing}: {stats}')
    return stats


def vcpu_threads(pid_file):
    """`[(tid, name)]` of the QEMU whose pid `pid_file` holds, vCPU threads only (`CPU n/TCG`), by n."""
    with open(pid_file, encoding='utf-8') as handle:
        pid = int(handle.read().strip())
    threads = []
    for tid in os.listdir(f'/proc/{pid}/task'):
        with open(f'/proc/{pid}/task/{tid}/comm', encoding='utf-8') as handle:
            name = handle.read().strip()
        match = re.match(r'CPU (\d+)/', name)
        if match:
            threads.append((int(match.group(1)), int(tid), name))
    return [(tid, name) for _, tid, name in sorted(threads)]


def vcpus_should_be_pinned_to(pid_file, cpus):
    """Fails unless vCPU i of that QEMU may run on CPU `cpus[i]` only (`cpus` a comma list)."""
    wanted = [cpu.strip() for cpu in str(cpus).split(',')]
    threads = vcpu_threads(pid_file)
    if len(threads) != len(wanted):
        raise AssertionError(f'{len(threads)} vCPU threads {threads}, expected {len(wanted)} for CPUs {wanted}')
    for (tid, name), cpu in zip(threads, wanted):
        with open(f'/proc/{tid}/status', encoding='utf-8') as handle:
            allowed = re.search(r'^Cpus_allowed_list:\s*(\S+)$', handle.read(), re.M).group(1)
        if allowed != cpu:
            raise AssertionError(f'{name} (tid {tid}) may run on CPUs {allowed}, expected {cpu}')


def _head_vm_processes(qemu_id):
    """Live QEMUs started with HEAD's pid file of VM `qemu_id` (`-pidfile /run/qemu_<id>.pid`)."""
    return vm_processes(qemu_id, run_dir='/run')


def head_vm_should_be_running(qemu_id):
    """Fails unless exactly one live QEMU runs with HEAD's pid file of VM `qemu_id`."""
    found = _head_vm_processes(qemu_id)
    if len(found) != 1:
        raise AssertionError(f'expected one QEMU for HEAD VM {qemu_id}, found {found}')
    return found[0]


def nothing_should_be_left_of_head_vm(qemu_id):
    """Fails if a QEMU of HEAD VM `qemu_id` runs, or one of HEAD's files of it exists: pid file, serial
    log, init script, the two vhost-user sockets."""
    qemu_id = int(qemu_id)
    paths = [f'/run/qemu_{qemu_id}.pid', f'/tmp/serial_{qemu_id}.log', f'/etc/vm_init_{qemu_id}.conf',
             f'/run/vpp/sock-{qemu_id}-1', f'/run/vpp/sock-{qemu_id}-2']
    left = [f'process {pid}' for pid in _head_vm_processes(qemu_id)] + [path for path in paths if os.path.exists(path)]
    if left:
        raise AssertionError(f'HEAD VM {qemu_id} left behind: {", ".join(left)}')
