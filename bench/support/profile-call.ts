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
import { createServer, request, type Server } from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { createDemoLibrary } from '../../test/fixtures/demo-library';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { bindArguments } from '../../src/remote/binding';
import type { RemoteLibrary } from '../../src/remote/library';
import { CallLogger } from '../../src/remote/logger';
import { startRemoteServer } from '../../src/remote/server';
import { createServerLog } from '../../src/remote/server-log';
import { runWithInstance, Session } from '../../src/remote/sessions';
import { compileLibrary } from '../../src/remote/spec';

const INIT_EVERY = 25;

interface GcRecord {
  gcType: string;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}
const NODE = { host: 'profile-dut', port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: [] };

type Mode = 'echo' | 'qemu';

function callFor(mode: Mode, index: number): { name: string; args: unknown[] } {
  if (mode === 'echo') return { name: 'echo', args: ['hello'] };
  if (index % INIT_EVERY === 0) return { name: 'qemu_init', args: [NODE] };
  return { name: 'qemu_add_vhost_user_if', args: [`/run/vpp/sock-${index % INIT_EVERY}`] };
}

async function libraryLoop(mode: Mode, calls: number): Promise<void> {
  const library = (mode === 'echo' ? createDemoLibrary() : createQemuLibrary()) as RemoteLibrary<unknown>;
  const compiled = compileLibrary(library);
  const session = new Session<unknown>('profile');
  for (let index = 0; index < calls; index += 1) {
    const { name, args } = callFor(mode, index);
    const keyword = compiled.keywords.get(name);
    if (!keyword) throw new Error(`no keyword ${name}`);
    const logger = new CallLogger();
    const bound = bindArguments(keyword, args, {});
    await runWithInstance(library, session, keyword.definition, bound, { log: logger, signal: () => new AbortController().signal });
    logger.close();
  }
}

function xmlValue(value: unknown): string {
  if (typeof value === 'string') return `<value><string>${value}</string></value>\n`;
  if (typeof value === 'number') return `<value><int>${value}</int></value>\n`;
  if (Array.isArray(value)) return `<value><array><data>\n${value.map(xmlValue).join('')}</data></array></value>\n`;
  const members = Object.entries(value as Record<string, unknown>).map(([key, item]) => `<member>\n<name>${key}</name>\n${xmlValue(item)}</member>\n`);
  return `<value><struct>\n${members.join('')}</struct></value>\n`;
}

function requestXml(name: string, args: unknown[]): string {
  return `<?xml version='1.0'?>\n<methodCall>\n<methodName>run_keyword</methodName>\n<params>\n<param>\n<value><string>${name}</string></value>\n</param>\n<param>\n${xmlValue(args)}</param>\n</params>\n</methodCall>\n`;
}

/** Our server's request listener, fed over a real loopback socket by this process (one connection per call). */
async function handleLoop(mode: Mode, calls: number): Promise<void> {
  const log = createServerLog({ stream: openSyncStream() });
  const library = mode === 'echo' ? createDemoLibrary() : createQemuLibrary();
  const server = await startRemoteServer(library as RemoteLibrary<unknown>, { port: 0, log });
  const url = `${server.url}/profile`;
  for (let index = 0; index < calls; index += 1) {
    const { name, args } = callFor(mode, index);
    await post(url, requestXml(name, args));
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

function post(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
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
  for (let index = 0; index < calls; index += 1) await post(url, requestXml('echo', ['hello']));
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
