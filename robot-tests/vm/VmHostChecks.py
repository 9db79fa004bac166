"""Independent checks of what a VM did on this host, read from /proc and the file system (the node is this
machine: the bed's sshd on 127.0.0.1), never through the library under test."""

import os
import re
import subprocess


def vm_processes(qemu_id, run_dir='/var/run'):
    """Live QEMUs started with the pid file of VM `qemu_id` in `run_dir` (2019: /var/run; CSIT HEAD: /run)."""
    pidfile = f'{run_dir}/qemu_{int(qemu_id)}.pid'
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/cmdline', 'rb') as handle:
                argv = handle.read().decode(errors='replace').split('\0')
            with open(f'/proc/{entry}/stat', encoding='utf-8') as handle:
                state = handle.read().rsplit(') ', 1)[1][0]
        except OSError:
            continue
        if any('qemu-system' in arg for arg in argv) and pidfile in argv and state != 'Z':
            found.append(int(entry))
    return found


class VmHostChecks:
    ROBOT_LIBRARY_SCOPE = 'GLOBAL'

    def vm_should_be_running(self, qemu_id):
        """Fails unless exactly one live QEMU was started with VM `qemu_id`'s pid file."""
        found = vm_processes(qemu_id)
        if len(found) != 1:
            raise AssertionError(f'expected one QEMU for VM {qemu_id}, found {found}')
        return found[0]

    def nothing_should_be_left_of_vm(self, qemu_id, *extra_paths):
        """Fails if a QEMU of VM `qemu_id` still runs, or one of its files (or `extra_paths`) still exists."""
        qemu_id = int(qemu_id)
        paths = [f'/var/run/qemu_{qemu_id}.pid', f'/var/run/qmp_{qemu_id}.sock', f'/var/run/qga_{qemu_id}.sock',
                 f'/tmp/serial_{qemu_id}.log', f'/etc/vm_init_{qemu_id}.conf', *extra_paths]
        left = [f'process {pid}' for pid in vm_processes(qemu_id)] + [path for path in paths if os.path.exists(path)]
        if left:
            raise AssertionError(f'VM {qemu_id} left behind: {", ".join(left)}')

    def thread_should_be_pinned_to(self, tid, cpus):
        """Fails unless /proc/<tid>/status says the thread may run on exactly `cpus` (e.g. `1` or `0-1`)."""
        with open(f'/proc/{tid}/status', encoding='utf-8') as handle:
            allowed = re.search(r'^Cpus_allowed_list:\s*(\S+)$', handle.read(), re.M).group(1)
        if allowed != str(cpus):
            raise AssertionError(f'thread {tid} may run on CPUs {allowed}, expected {cpus}')

    def thread_name(self, tid):
        with open(f'/proc/{tid}/comm', encoding='utf-8') as handle:
            return handle.read().strip()

    def scheduling_policy(self, tid):
        """`chrt -p <tid>` output."""
        return subprocess.run(['chrt', '-p', str(tid)], capture_output=True, text=True, check=False).stdout
