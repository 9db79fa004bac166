"""Telling a QEMU that crashed by itself from a failure of ours, for the soak's real VMs.

QEMU 7.2 under TCG sometimes segfaults in a vCPU thread when the machine is loaded (the kernel logs
`CPU 1/TCG[23078]: segfault at 38 ip ... in qemu-system-x86_64[...]`). The server then rightly reports the
VM as exited during boot; the soak must not count that against us, and must count everything else.

A crash is QEMU's only when the host kernel logged a fatal fault (segfault, trap, general protection) of a
thread that belonged to that VM's QEMU process:
- `ThreadWatch` polls the VM's pid file while Qemu Start runs and records every thread id of the process
  (vCPU threads exist from machine init, seconds before the guest boots). The kernel names the faulting
  thread, not the process, so the thread ids are what ties a line to this VM rather than to the other soak
  VM or a VM of a test file running alongside.
- `KernelLog` reads /dev/kmsg from its end at the time it was opened: only records written since, however
  full the ring buffer is; older lines with a reused thread id cannot match.
The faulting code may be in a library (`in libglib-2.0.so.0[...]`), so the line's file is not required to
be qemu-system-*.

Run as a program, it reads {"lines": [...], "thread_ids": [...]} on stdin and prints the matching lines
as JSON (the unit test of the matching).
"""

import errno
import json
import os
import re
import sys
import threading
import time

# `comm[tid]: segfault at ...`, `traps: comm[tid] trap invalid opcode ...`, `traps: comm[tid] general
# protection fault ...`, `comm[tid]: potentially unexpected fatal signal 11.` (comm may hold spaces and /).
FAULT = re.compile(
    r'^(?:traps: )?(?P<comm>.{1,16}?)\[(?P<tid>\d+)\]:? '
    r'(?:segfault at |trap |general protection|potentially unexpected fatal signal )'
)


def fault_lines(lines, thread_ids):
    """The kernel log lines that report a fatal fault of one of `thread_ids`."""
    wanted = {int(tid) for tid in thread_ids}
    found = []
    for line in lines:
        match = FAULT.match(line)
        if match and int(match.group('tid')) in wanted:
            found.append(line)
    return found


class KernelLog:
    """The kernel log records written after construction (/dev/kmsg, needs root as the soak runs)."""

    def __init__(self):
        self.fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)

    def new_lines(self):
        lines = []
        while True:
            try:
                record = os.read(self.fd, 8192)
            except BlockingIOError:
                return lines
            except OSError as error:
                if error.errno == errno.EPIPE:  # records overwritten before we read them: go on with the next
                    continue
                raise
            # "priority,sequence,microseconds,flags;message\n" followed by " KEY=value" continuation lines.
            header, _, rest = record.decode('utf-8', 'replace').partition(';')
            if rest:
                lines.append(rest.split('\n', 1)[0])

    def close(self):
        os.close(self.fd)


class ThreadWatch:
    """Records the thread ids of the process named in `pid_file` until `stop()`, every `interval` s."""

    def __init__(self, pid_file, interval=0.1):
        self.pid_file = pid_file
        self.interval = interval
        self.thread_ids = set()
        self.pids = set()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stopped.is_set():
            self.poll()
            self._stopped.wait(self.interval)

    def poll(self):
        try:
            with open(self.pid_file) as file:
                pid = int(file.read().strip())
            tids = {int(tid) for tid in os.listdir('/proc/%d/task' % pid)}
        except (OSError, ValueError):  # not written yet, or the process is gone
            return
        self.pids.add(pid)
        self.thread_ids |= tids

    def stop(self):
        self._stopped.set()
        self._thread.join()
        return self.thread_ids


def crash_report(kernel_log, watch, errors):
    """'QEMU crashed (host kernel: <line>)' when a failed call is explained by a kernel-logged fault of the
    watched QEMU, else None. `errors` are the failed calls' messages; each must be one a dead VM causes."""
    dead_vm = re.compile(r'exited during boot|is not running')
    if not errors or not all(dead_vm.search(error or '') for error in errors):
        return None
    # The process the server saw exit must be the one watched (not a stale pid file's).
    named = {int(pid) for error in errors for pid in re.findall(r'VM process (\d+)', error)}
    if not named <= watch.pids:
        return None
    time.sleep(0.2)  # the fault is logged before the process dies; this only covers a slow console
    lines = fault_lines(kernel_log.new_lines(), watch.thread_ids)
    if not lines:
        return None
    return 'QEMU crashed (host kernel: %s)' % lines[0]


if __name__ == '__main__':
    request = json.load(sys.stdin)
    sys.stdout.write(json.dumps(fault_lines(request['lines'], request['thread_ids'])) + '\n')
