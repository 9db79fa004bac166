"""One Robot-like client of bench/remote-throughput.ts: `echo` calls on a new connection each, as Robot's
Remote library makes them, from start_at for `seconds`; prints the latencies (s) as one JSON line.

    python3 throughput_client.py URL START_AT SECONDS
"""

import json, sys, time, xmlrpc.client
url, start_at, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
def once():
    proxy = xmlrpc.client.ServerProxy(url, encoding='UTF-8', use_builtin_types=True)
    try:
        result = proxy.run_keyword('echo', ['hello'])
    finally:
        proxy('close')()
    if result.get('status') != 'PASS' or result.get('return') != 'hello':
        raise SystemExit('unexpected result: %r' % (result,))
for _ in range(20):
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
