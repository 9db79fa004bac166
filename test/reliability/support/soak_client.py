"""One soak client: a Robot-like process looping one VM session's keywords for a bounded time.

Reads {"url", "path", "seconds", "node", "qemu_id"} as JSON on stdin; prints one JSON line with its counts.
Each call opens a new connection, as Robot's Remote library does.

With "vm": {"init": {...}, "sockets": [...]} it runs a real VM instead: Qemu Init / Add Vhost User If per
socket / Configure Kernelvm Vnf / Qemu Start / Get Qemu Pids / Qemu Kill / Qemu Close, at least once and
again while time is left.
"""

import json
import sys
import time
import xmlrpc.client


def main():
    request = json.load(sys.stdin)
    url, path, node, qemu_id = request['url'], request['path'], request['node'], request['qemu_id']
    deadline = time.monotonic() + request['seconds']
    counts = {'calls': 0, 'iterations': 0, 'failed': 0}
    failures = []
    latencies = []

    def call(name, args, kwargs=None):
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
        if result.get('status') != 'PASS':
            counts['failed'] += 1
            if len(failures) < 5:
                failures.append('%s: %s' % (name, result.get('error')))
        return result

    vm = request.get('vm')
    while vm is not None:
        call('qemu_init', [node], vm['init'])
        for socket in vm['sockets']:
            call('qemu_add_vhost_user_if', [socket], {'jumbo_frames': False, 'queues': 1, 'queue_size': 1024})
        call('configure_kernelvm_vnf', [], {'queues': 1, 'jumbo_frames': False})
        started = time.monotonic()
        call('qemu_start', [])
        counts.setdefault('vm_start_s', []).append(round(time.monotonic() - started, 1))
        pids = call('get_qemu_pids', [])
        if pids.get('status') == 'PASS' and len(pids.get('return', [])) != vm['init'].get('smp', 1):
            counts['failed'] += 1
            failures.append('vCPU threads: %s' % pids.get('return'))
        call('qemu_kill', [])
        call('qemu_close', [])
        counts['iterations'] += 1
        if time.monotonic() >= deadline:
            vm = None

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
