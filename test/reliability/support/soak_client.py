"""One soak client: a Robot-like process looping one VM session's keywords for a bounded time.

Reads {"url", "path", "seconds", "node", "qemu_id"} as JSON on stdin; prints one JSON line with its counts.
Each call opens a new connection, as Robot's Remote library does.

With "vm": {"init": {...}, "sockets": [...]} it runs a real VM instead: Qemu Init / Add Vhost User If per
socket / Configure Kernelvm Vnf / Qemu Start / Get Qemu Pids / Qemu Kill / Qemu Close, at least once and
again while time is left. A failed Qemu Start or Get Qemu Pids that the host kernel log explains as QEMU
itself crashing (see qemu_crash.py) is listed in "qemu_crashes" instead of counted as failed; the VM is
cleaned up through Qemu Kill / Qemu Close as usual, and the session tries again (up to MAX_QEMU_CRASHES
crashes) so that it still completes at least one whole cycle. Any other failure counts.
"""

import json
import sys
import time
import xmlrpc.client

from qemu_crash import KernelLog, ThreadWatch, crash_report

# QEMU crashes one VM session tolerates: each costs a boot, and a QEMU that keeps crashing is worth a look.
MAX_QEMU_CRASHES = 2


def main():
    request = json.load(sys.stdin)
    url, path, node, qemu_id = request['url'], request['path'], request['node'], request['qemu_id']
    deadline = time.monotonic() + request['seconds']
    counts = {'calls': 0, 'iterations': 0, 'failed': 0}
    failures = []
    latencies = []

    def record_failure(name, result):
        counts['failed'] += 1
        if len(failures) < 5:
            failures.append('%s: %s' % (name, result.get('error')))

    def call(name, args, kwargs=None, judge=True):
        """Runs one keyword; with judge=False a failure is left for the caller to record."""
        proxy = xmlrpc.client.ServerProxy(url + path, encoding='UTF-8', use_builtin_types=True)
        started = time.monotonic()
        try:
            result = proxy.run_keyword(name, args, kwargs) if kwargs else proxy.run_keyword(name, args)
        except Exception as error:  # a Fault or a broken connection: a failed call either way
            result = {'status': 'FAIL', 'error': '%s: %s' % (type(error).__name__, error)}
        finally:
            proxy('close')()
        latencies.append(time.monotonic() - started)
        counts['calls'] += 1
        if judge and result.get('status') != 'PASS':
            record_failure(name, result)
        return result

    vm = request.get('vm')
    crashes = []
    while vm is not None:
        call('qemu_init', [node], vm['init'])
        for socket in vm['sockets']:
            call('qemu_add_vhost_user_if', [socket], {'jumbo_frames': False, 'queues': 1, 'queue_size': 1024})
        call('configure_kernelvm_vnf', [], {'queues': 1, 'jumbo_frames': False})
        kernel_log = KernelLog()
        watch = ThreadWatch(vm['pid_file'])
        failed_calls = []
        started = time.monotonic()
        start = call('qemu_start', [], judge=False)
        counts.setdefault('vm_start_s', []).append(round(time.monotonic() - started, 1))
        if start.get('status') != 'PASS':
            failed_calls.append(('qemu_start', start))
        else:
            pids = call('get_qemu_pids', [], judge=False)
            if pids.get('status') != 'PASS':
                failed_calls.append(('get_qemu_pids', pids))
            elif len(pids.get('return', [])) != vm['init'].get('smp', 1):
                counts['failed'] += 1
                failures.append('vCPU threads: %s' % pids.get('return'))
        watch.stop()
        # Shows the watch works with a real QEMU (pid file readable, threads seen): the test requires it.
        counts.setdefault('vm_threads_seen', []).append(len(watch.thread_ids))
        crash = crash_report(kernel_log, watch, [result.get('error') for _, result in failed_calls]) if failed_calls else None
        kernel_log.close()
        if crash:
            crashes.append(crash)
        else:
            for name, result in failed_calls:
                record_failure(name, result)
        call('qemu_kill', [])
        call('qemu_close', [])
        if not crash:
            counts['iterations'] += 1
        # A crashed cycle does not count: past the deadline, the session still needs one whole cycle.
        if len(crashes) >= MAX_QEMU_CRASHES or (time.monotonic() >= deadline and counts['iterations'] > 0):
            vm = None
    if request.get('vm') is not None:
        counts['qemu_crashes'] = crashes

    while request.get('vm') is None and time.monotonic() < deadline:
        call('qemu_init', [node], {'qemu_id': qemu_id, 'smp': 2, 'mem': 1024, 'vnf': 'testpmd_io', 'img': '/opt/boot/vmlinuz'})
        call('qemu_add_vhost_user_if', ['/run/vpp/sock-%d-1' % qemu_id])
        call('qemu_add_vhost_user_if', ['/run/vpp/sock-%d-2' % qemu_id], {'jumbo_frames': False, 'queue_size': 1024})
        call('configure_kernelvm_vnf', [], {'queues': 1, 'jumbo_frames': False})
        line = call('qemu_get_command_line', [])
        if line.get('status') == 'PASS' and ('sock-%d-2' % qemu_id) not in line.get('return', ''):
            counts['failed'] += 1
            failures.append('command line without the second NIC: %s' % line.get('return'))
        call('qemu_close', [])
        counts['iterations'] += 1

    latencies.sort()
    counts['p50_ms'] = round(1000 * latencies[len(latencies) // 2], 1) if latencies else None
    counts['p99_ms'] = round(1000 * latencies[int(len(latencies) * 0.99)], 1) if latencies else None
    counts['failures'] = failures
    sys.stdout.write(json.dumps(counts) + '\n')


if __name__ == '__main__':
    main()
