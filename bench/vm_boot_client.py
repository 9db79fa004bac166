"""The Python client of bench/vm-boot.ts: the whole VM lifecycle for each id, one thread (and session) per
VM, as Robot's Remote library calls it, with the client's wall clock around Qemu Start.

Reads [url, node, settings, ids, {id: [sockets]}] as JSON on stdin; prints the outcomes as one JSON line.
Python's time.time() and Node's Date.now() read the same clock.
"""

import json, sys, threading, time, xmlrpc.client
url, node, settings, ids, sockets = json.loads(sys.stdin.read())
def call(path, name, args=(), kwargs=None):
    proxy = xmlrpc.client.ServerProxy(url + path, use_builtin_types=True)
    try:
        return proxy.run_keyword(name, list(args), kwargs or {})
    finally:
        proxy('close')()
def check(path, name, result):
    if result['status'] != 'PASS':
        raise RuntimeError(f"{path} {name}: {result.get('error')}")
prepared = threading.Barrier(len(ids))
outcomes = []
def lifecycle(id):
    path = f'/bench_vm{id}'
    try:
        check(path, 'qemu_init', call(path, 'qemu_init', [node], dict(settings, qemu_id=id)))
        for socket in sockets[str(id)]:
            check(path, 'qemu_add_vhost_user_if', call(path, 'qemu_add_vhost_user_if', [socket], {'queues': 1, 'jumbo_frames': False}))
        check(path, 'configure_kernelvm_vnf', call(path, 'configure_kernelvm_vnf', [], {'queues': 1, 'jumbo_frames': False}))
        # All VMs are configured before any starts, so the starts overlap.
        prepared.wait()
        started = time.time()
        result = call(path, 'qemu_start')
        returned = time.time()
        outcomes.append({'id': id, 'status': result['status'], 'error': result.get('error'), 'startedAt': started * 1000, 'returnedAt': returned * 1000})
    except Exception as error:
        prepared.abort()
        outcomes.append({'id': id, 'status': 'ERROR', 'error': f'{type(error).__name__}: {error}', 'startedAt': 0, 'returnedAt': 0})
threads = [threading.Thread(target=lifecycle, args=(id,)) for id in ids]
for thread in threads: thread.start()
for thread in threads: thread.join()
for id in ids:
    call(f'/bench_vm{id}', 'qemu_close')
print(json.dumps(outcomes))
