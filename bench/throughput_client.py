"""One Robot-like client of bench/remote-throughput.ts: calls on a new connection each, as Robot's Remote
library makes them, from start_at for `seconds`; prints the latencies (s) as one JSON line.

    python3 throughput_client.py URL START_AT SECONDS echo|qemu HOST

`echo`: the demo `echo` keyword. `qemu`: `Qemu Init` on a dry-run node named HOST, then 24 times
`Qemu Add Vhost User If`, and again (a VM takes at most 26 NICs).
"""

import json, sys, time, xmlrpc.client
url, start_at, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else 'echo'
host = sys.argv[5] if len(sys.argv) > 5 else 'bench-dut'
NODE = {'host': host, 'port': 22, 'username': 'testuser', 'type': 'DUT', 'transport': 'dry-run',
        'dry_run_responses': []}
INIT_EVERY = 25
calls = 0

def call(name, args):
    proxy = xmlrpc.client.ServerProxy(url, encoding='UTF-8', use_builtin_types=True)
    try:
        return proxy.run_keyword(name, args)
    finally:
        proxy('close')()

def once():
    global calls
    if mode == 'echo':
        result = call('echo', ['hello'])
        ok = result.get('status') == 'PASS' and result.get('return') == 'hello'
    elif calls % INIT_EVERY == 0:
        result = call('qemu_init', [NODE])
        ok = result.get('status') == 'PASS'
    else:
        result = call('qemu_add_vhost_user_if', ['/run/vpp/sock-%d' % (calls % INIT_EVERY)])
        ok = result.get('status') == 'PASS'
    calls += 1
    if not ok:
        raise SystemExit('unexpected result: %r' % (result,))

for _ in range(2 * INIT_EVERY):
    once()
while time.time() < start_at:
    time.sleep(0.001)
latencies = []
end = start_at + seconds
while True:
    started = time.perf_counter()
    if time.time() >= end:
        break
    once()
    latencies.append(time.perf_counter() - started)
print(json.dumps(latencies))
