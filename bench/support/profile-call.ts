/**
 * The per-call path in one process, without HTTP, for `node --cpu-prof` and for timing its parts:
 *
 *   node dist-bench/bench/support/profile-call.js library|handle echo|qemu [calls]
 *
 * `library`: the compiled keyword, bound and run in a session as the server runs it (`runWithInstance`).
 * `handle`: the server's whole call handling (HTTP, decode, bind, queue, run, encode, the log line to
 * /dev/null), from a client in this process making a new connection per call. Both as the bench calls: `echo`, or `Qemu Add Vhost User If` with `Qemu Init` every 25 calls.
 * `floor`: a bare Node HTTP server driven the same way, for `handle` to compare with. Prints microseconds per
 * call (wall clock and this process's CPU), KB allocated per call and the GCs (`--expose-gc` adds what
 * stays after a full GC).
 */
import { openSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { libraryCaller, loopCall, postCall, runKeywordXml, type LoopKeyword } from '../../test/fixtures/call-loops';
import { createDemoLibrary } from '../../test/fixtures/demo-library';
import { createQemuLibrary } from '../../src/library/qemu-library';
import type { RemoteLibrary } from '../../src/remote/library';
import { startRemoteServer } from '../../src/remote/server';
import { createServerLog } from '../../src/remote/server-log';

interface GcRecord {
  gcType: string;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

async function libraryLoop(mode: LoopKeyword, calls: number): Promise<void> {
  const call = libraryCaller((mode === 'echo' ? createDemoLibrary() : createQemuLibrary()) as RemoteLibrary<unknown>, mode);
  for (let index = 0; index < calls; index += 1) await call(index);
}

/** Our server's request listener, fed over a real loopback socket by this process (one connection per call). */
async function handleLoop(mode: LoopKeyword, calls: number): Promise<void> {
  const log = createServerLog({ stream: openSyncStream() });
  const library = mode === 'echo' ? createDemoLibrary() : createQemuLibrary();
  const server = await startRemoteServer(library as RemoteLibrary<unknown>, { port: 0, log });
  const url = `${server.url}/profile`;
  for (let index = 0; index < calls; index += 1) {
    const { name, args } = loopCall(mode, index);
    await postCall(url, runKeywordXml(name, args));
  }
  await server.stop();
}

/** /dev/null written as the CLI's stderr is when it is a file: one synchronous write per line. */
function openSyncStream(): NodeJS.WritableStream {
  const fd = openSync('/dev/null', 'w');
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeSync(fd, chunk);
      done();
    },
  });
}

/** The floor for `handle`: a bare server answering canned bytes, driven the same way. */
async function floorLoop(calls: number): Promise<void> {
  const response = Buffer.from('<?xml version=\'1.0\'?>\n<methodResponse>\n</methodResponse>\n');
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': response.length, Connection: 'close' });
      res.end(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  for (let index = 0; index < calls; index += 1) await postCall(url, runKeywordXml('echo', ['hello']));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function main(): Promise<void> {
  const [what = 'library', mode = 'qemu', count] = process.argv.slice(2);
  if (mode !== 'echo' && mode !== 'qemu') throw new Error(`unknown mode ${mode}`);
  const calls = Number(count ?? 20_000);
  const run = (n: number): Promise<void> => (what === 'library' ? libraryLoop(mode, n) : what === 'handle' ? handleLoop(mode, n) : floorLoop(n));
  await run(Math.min(calls, 2000));
  (globalThis as { gc?: () => void }).gc?.();
  const profiler = new GCProfiler();
  const usedBefore = getHeapStatistics().used_heap_size;
  profiler.start();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await run(calls);
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const usedAfter = getHeapStatistics().used_heap_size;
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const retained = collect ? ` retained after a full GC ${((getHeapStatistics().used_heap_size - usedBefore) / 1024).toFixed(0)} KB,` : '';
  const gcs = (profiler.stop() as unknown as { statistics: GcRecord[] }).statistics;
  let freed = 0;
  for (const gc of gcs) freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  const kinds = new Map<string, number>();
  for (const gc of gcs) kinds.set(gc.gcType, (kinds.get(gc.gcType) ?? 0) + 1);
  console.log(
    `${what} ${mode}: ${((elapsed * 1000) / calls).toFixed(1)} us/call wall, ${((cpu.user + cpu.system) / calls).toFixed(1)} us/call CPU, ` +
      `${((freed + usedAfter - usedBefore) / calls / 1024).toFixed(2)} KB allocated/call, heap growth ${((usedAfter - usedBefore) / 1024 / 1024).toFixed(1)} MB,${retained} ` +
      `GCs ${[...kinds].map(([kind, count]) => `${kind} ${count}`).join(', ')} (this process)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
