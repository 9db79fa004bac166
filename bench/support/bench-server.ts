/**
 * One server under bench/remote-throughput.ts, in a process of its own so that the CPU time in
 * `/proc/<pid>/stat` is the server's alone:
 *
 *   node bench-server.js ours-echo|ours-qemu       our server: the demo library or QemuUtils, logging at info
 *                                                  to stderr as the CLI does by default
 *   node bench-server.js floor RESPONSE_FILE       a bare Node HTTP server answering every request with the
 *                                                  bytes of RESPONSE_FILE
 *
 * Prints `{"port": N}` once listening. Over the IPC channel, `begin` starts counting allocations and `end`
 * answers `{ allocatedBytes, gcPauseUs, longestGcPauseUs }`: bytes freed by every GC in between plus the
 * heap's growth, and the GC pauses (V8's GCProfiler).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { createDemoLibrary } from '../../test/fixtures/demo-library';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer } from '../../src/remote/server';
import { createServerLog } from '../../src/remote/server-log';

export interface BenchServerReply {
  allocatedBytes: number;
  /** The server's GC pauses over the run, summed and the longest, in microseconds (GCProfiler's `cost`). */
  gcPauseUs: number;
  longestGcPauseUs: number;
}

interface GcRecord {
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

let profiler: GCProfiler | undefined;
let usedAtBegin = 0;

function begin(): void {
  profiler?.stop();
  profiler = new GCProfiler();
  usedAtBegin = getHeapStatistics().used_heap_size;
  profiler.start();
}

function end(): BenchServerReply {
  const usedAtEnd = getHeapStatistics().used_heap_size;
  const statistics = ((profiler?.stop() as { statistics?: GcRecord[] } | undefined)?.statistics ?? []) as GcRecord[];
  profiler = undefined;
  let freed = 0;
  let gcPauseUs = 0;
  let longestGcPauseUs = 0;
  for (const gc of statistics) {
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
    gcPauseUs += gc.cost;
    longestGcPauseUs = Math.max(longestGcPauseUs, gc.cost);
  }
  return { allocatedBytes: freed + usedAtEnd - usedAtBegin, gcPauseUs, longestGcPauseUs };
}

async function listen(kind: string, responseFile: string | undefined): Promise<number> {
  if (kind === 'floor') {
    const response = readFileSync(responseFile ?? '');
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // The same headers as our server sends, connection close included.
        res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': response.length, Connection: 'close' });
        res.end(response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }
  // The server's default log: winston at info, to stderr (the bench sends it to /dev/null); QemuUtils gets it
  // as its server log, as the CLI gives it.
  const log = createServerLog();
  const server = kind === 'ours-qemu' ? await startRemoteServer(createQemuLibrary({}, undefined, log), { port: 0, log }) : await startRemoteServer(createDemoLibrary(), { port: 0, log });
  return server.port;
}

async function main(): Promise<void> {
  const [kind = '', responseFile] = process.argv.slice(2);
  if (!['ours-echo', 'ours-qemu', 'floor'].includes(kind)) throw new Error(`unknown server kind '${kind}'`);
  const port = await listen(kind, responseFile);
  process.on('message', (message: unknown) => {
    if (message === 'begin') begin();
    if (message === 'end') process.send?.(end());
  });
  // Ends with the bench, which holds the IPC channel.
  process.on('disconnect', () => process.exit(0));
  // A normal exit, so that `--cpu-prof` writes its profile.
  process.on('SIGINT', () => process.exit(0));
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
