/**
 * Per-call cost of the remote server, for 1 and 4 concurrent Python `xmlrpc.client` processes making calls
 * the way Robot's Remote library does (a new connection per call), for two keywords:
 * - `echo`: the demo library's `echo`;
 * - `qemu`: QemuUtils' `Qemu Add Vhost User If` on a dry-run node, with `Qemu Init` every 25 calls;
 * each against three servers, each in a process of its own (bench/support/bench-server.ts):
 * - ours, logging one line per call at info to stderr as by default (to /dev/null here),
 * - the floor: a bare Node HTTP server answering every request with our response's bytes,
 * - PythonRemoteServer 1.1.1 serving Python's `echo`, or the 2019 QemuUtils.py's own two methods.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/remote-throughput.js [seconds-per-run] [rounds]
 *
 * BENCH_QUICK=1: half a second per run, one round (a smoke test of the bench, not figures). Per run: server
 * CPU per call (utime + stime of its process over the run / calls), allocations and GC pause per call and the
 * longest GC pause (V8 GC records in the server process; ours and the floor), calls/s, p50 and p99 latency; each figure is the best of the
 * rounds. Ratios are of one run. BENCH_BASELINE=/other/checkout/dist-bench/bench adds that build's server as
 * `base`, interleaved with the others, for a before/after of one run. PythonRemoteServer: PYTHON_REMOTE_SERVER=/path/to/robotremoteserver.py,
 * else an importable `robotremoteserver`, else the copy pabot ships; the 2019 QemuUtils.py: QEMU_UTILS_2019,
 * else shared/reference/ beside the checkout. Targets (issue 16), per keyword: our CPU per call at most 1.15x
 * the floor's and below PythonRemoteServer's; p99 at 4 clients no higher than PythonRemoteServer's.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BenchServerReply } from './support/bench-server';

/** The benchmark's Python programs, next to this file's source (dist-bench/bench/ -> bench/). */
const PYTHON_DIR = join(__dirname, '..', '..', 'bench');
const REPOSITORY = join(__dirname, '..', '..');
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

type Mode = 'echo' | 'qemu';
type ServerName = 'ours' | 'base' | 'floor' | 'PRS';

interface Measurement {
  server: ServerName;
  mode: Mode;
  clients: number;
  calls: number;
  cpuUsPerCall: number;
  allocatedKbPerCall?: number;
  /** The server's GC pauses per call, and its longest pause of the run (ours and the floor). */
  gcPauseUsPerCall?: number;
  longestGcPauseMs?: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

interface Target {
  server: ServerName;
  pid: number;
  /** URL for client `index` (ours gives each client a session of its own, as each Robot suite has). */
  url: (index: number) => string;
  /** Allocations and GC pauses counted in the server process; undefined where not measurable. */
  allocations?: { begin(): void; end(): Promise<Partial<BenchServerReply>> };
  stop(): void;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5); the split starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function runClient(url: string, startAt: number, seconds: number, mode: Mode, host: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const args = [join(PYTHON_DIR, 'throughput_client.py'), url, String(startAt / 1000), String(seconds), mode, host];
    const child = spawn('python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`python3 client failed (exit ${code}): ${stderr}`));
      else resolve(JSON.parse(stdout) as number[]);
    });
  });
}

let hostCounter = 0;

async function measure(target: Target, mode: Mode, clients: number, seconds: number, leadMs: number): Promise<Measurement> {
  // Every client starts together, after Python's start-up and a warm-up, so only the steady state counts.
  const startAt = Date.now() + leadMs + clients * 300;
  hostCounter += 1;
  const running = Promise.all(
    Array.from({ length: clients }, (_, index) => runClient(target.url(index), startAt, seconds, mode, `bench-${hostCounter}-${index}`)),
  );
  await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
  const cpuAtStart = cpuSeconds(target.pid);
  target.allocations?.begin();
  const perClient = await running;
  const cpu = cpuSeconds(target.pid) - cpuAtStart;
  const counted = await target.allocations?.end();
  const latencies = perClient.flat().sort((a, b) => a - b);
  const calls = latencies.length;
  return {
    server: target.server,
    mode,
    clients,
    calls,
    cpuUsPerCall: (cpu / calls) * 1e6,
    ...(counted?.allocatedBytes !== undefined ? { allocatedKbPerCall: counted.allocatedBytes / calls / 1024 } : {}),
    ...(counted?.gcPauseUs !== undefined ? { gcPauseUsPerCall: counted.gcPauseUs / calls } : {}),
    ...(counted?.longestGcPauseUs !== undefined ? { longestGcPauseMs: counted.longestGcPauseUs / 1000 } : {}),
    callsPerSecond: calls / seconds,
    p50Ms: percentile(latencies, 0.5) * 1000,
    p99Ms: percentile(latencies, 0.99) * 1000,
  };
}

async function startNodeServer(server: 'ours' | 'base' | 'floor', args: string[], benchDir = __dirname): Promise<Target> {
  const child = spawn(process.execPath, [join(benchDir, 'support', 'bench-server.js'), ...args], { stdio: ['ignore', 'pipe', 'ignore', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve((JSON.parse(stdout) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`bench server ${args.join(' ')} exited (${code})`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    server,
    pid: child.pid ?? 0,
    url: (index) => (server === 'floor' ? `${base}/` : `${base}/bench${index}`),
    allocations: {
      begin: () => child.send('begin'),
      end: () => new Promise((resolve) => {
        // A BENCH_BASELINE build may predate the GC figures: they are then left out.
        child.once('message', (reply) => resolve(reply as Partial<BenchServerReply>));
        child.send('end');
      }),
    },
    stop: () => child.kill('SIGTERM'),
  };
}

/** Python servers, stopped when the bench is (the Node ones end with its IPC channel). */
const pythonServers = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const child of pythonServers) child.kill('SIGTERM');
    process.exit(1);
  });
}

function stopOnExit(child: ChildProcess): () => void {
  pythonServers.add(child);
  return () => {
    pythonServers.delete(child);
    child.kill('SIGTERM');
  };
}

async function startPythonRemoteServer(directory: string, mode: Mode, qemuUtils: string): Promise<Target> {
  const portFile = join(mkdtempSync(join(tmpdir(), 'qur-prs-')), 'port');
  const child = spawn('python3', [join(PYTHON_DIR, 'python_remote_server.py'), directory, portFile, mode, qemuUtils], { stdio: 'ignore' });
  for (let tries = 0; tries < 300; tries += 1) {
    const port = existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() : '';
    if (port) return { server: 'PRS', pid: child.pid ?? 0, url: () => `http://127.0.0.1:${port}/`, stop: stopOnExit(child) };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`PythonRemoteServer (${directory}) did not start`);
}

/** Where robotremoteserver.py is, and what it is, or undefined. */
function findPythonRemoteServer(): { directory: string; label: string } | undefined {
  const named = process.env.PYTHON_REMOTE_SERVER;
  const script = named ?? pythonModuleFile('robotremoteserver') ?? pythonModuleFile('pabot.robotremoteserver');
  if (!script || !existsSync(script)) return undefined;
  const version = /__version__ = ['"]([^'"]+)['"]/.exec(readFileSync(script, 'utf8'))?.[1] ?? '?';
  return { directory: dirname(script), label: `robotremoteserver ${version} (${script})` };
}

function pythonModuleFile(module: string): string | undefined {
  try {
    return execFileSync('python3', ['-c', `import ${module} as m; print(m.__file__)`], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

function findQemuUtils2019(): string | undefined {
  const candidates = [process.env.QEMU_UTILS_2019, join(REPOSITORY, '..', 'shared', 'reference', 'QemuUtils.py'), '/work/shared/reference/QemuUtils.py'];
  return candidates.find((candidate): candidate is string => candidate !== undefined && existsSync(candidate));
}

function post(url: string, body: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks)));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function runKeywordXml(name: string, argumentsXml: string): string {
  return (
    `<?xml version='1.0'?>\n<methodCall>\n<methodName>run_keyword</methodName>\n<params>\n<param>\n<value><string>${name}</string></value>\n` +
    `</param>\n<param>\n<value><array><data>\n${argumentsXml}</data></array></value>\n</param>\n</params>\n</methodCall>\n`
  );
}

/** The exact bytes our server answers to the bench's (most frequent) call, for the floor to replay. */
async function cannedResponse(ours: Target, mode: Mode): Promise<Buffer> {
  const url = ours.url(99);
  if (mode === 'echo') return post(url, runKeywordXml('echo', '<value><string>hello</string></value>\n'));
  const member = (name: string, value: string): string => `<member>\n<name>${name}</name>\n${value}\n</member>\n`;
  const node =
    '<value><struct>\n' +
    member('host', '<value><string>bench-canned</string></value>') +
    member('port', '<value><int>22</int></value>') +
    member('username', '<value><string>testuser</string></value>') +
    member('type', '<value><string>DUT</string></value>') +
    member('transport', '<value><string>dry-run</string></value>') +
    member('dry_run_responses', '<value><array><data>\n</data></array></value>') +
    '</struct></value>\n';
  await post(url, runKeywordXml('qemu_init', node));
  return post(url, runKeywordXml('qemu_add_vhost_user_if', '<value><string>/run/vpp/sock-1</string></value>\n'));
}

const SERVERS: ServerName[] = ['ours', 'base', 'floor', 'PRS'];

function best(all: Measurement[]): Measurement {
  // A run the loaded machine starved of every call tells nothing; all starved gives NaN figures.
  const measurements = all.some((m) => m.calls > 0) ? all.filter((m) => m.calls > 0) : all;
  const [first] = measurements;
  if (!first) throw new Error('no measurement');
  const least = (pick: (m: Measurement) => number): number => Math.min(...measurements.map(pick));
  const leastOf = (pick: (m: Measurement) => number | undefined): number | undefined => {
    const values = measurements.map(pick).filter((value): value is number => value !== undefined);
    return values.length > 0 ? Math.min(...values) : undefined;
  };
  const allocated = leastOf((m) => m.allocatedKbPerCall);
  const gcPause = leastOf((m) => m.gcPauseUsPerCall);
  const longestGcPause = leastOf((m) => m.longestGcPauseMs);
  return {
    ...first,
    calls: Math.max(...measurements.map((m) => m.calls)),
    cpuUsPerCall: least((m) => m.cpuUsPerCall),
    ...(allocated !== undefined ? { allocatedKbPerCall: allocated } : {}),
    ...(gcPause !== undefined ? { gcPauseUsPerCall: gcPause } : {}),
    ...(longestGcPause !== undefined ? { longestGcPauseMs: longestGcPause } : {}),
    callsPerSecond: Math.max(...measurements.map((m) => m.callsPerSecond)),
    p50Ms: least((m) => m.p50Ms),
    p99Ms: least((m) => m.p99Ms),
  };
}

function row(m: Measurement): string {
  const kb = m.allocatedKbPerCall === undefined ? 'n/a' : m.allocatedKbPerCall.toFixed(1);
  const gc = m.gcPauseUsPerCall === undefined ? 'n/a' : `${m.gcPauseUsPerCall.toFixed(1)} (${m.longestGcPauseMs?.toFixed(1) ?? '?'})`;
  return (
    `| ${m.mode} | ${m.server} | ${m.clients} | ${m.cpuUsPerCall.toFixed(0)} | ${kb} | ${gc} | ${m.callsPerSecond.toFixed(0)} | ` +
    `${m.p50Ms.toFixed(2)} | ${m.p99Ms.toFixed(2)} |`
  );
}

interface Ratios {
  mode: Mode;
  clients: number;
  cpuVersusFloor: number;
  cpuVersusPrs: number;
  p99Ms: number;
  prsP99Ms: number;
}

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const seconds = Number(process.argv[2] ?? (quick ? 0.5 : 5));
  const rounds = Number(process.argv[3] ?? (quick ? 1 : 3));
  const leadMs = quick ? 1200 : 2500;
  const prs = findPythonRemoteServer();
  const baseline = process.env.BENCH_BASELINE;
  const qemuUtils = findQemuUtils2019();
  console.log(
    `remote-throughput: ${seconds} s per run, best of ${rounds} rounds; client: Python xmlrpc.client, a new connection per call ` +
      `(as Robot's Remote); PythonRemoteServer: ${prs?.label ?? 'not found (set PYTHON_REMOTE_SERVER)'}; ` +
      `2019 QemuUtils.py: ${qemuUtils ?? 'not found (set QEMU_UTILS_2019)'}`,
  );
  const results: Measurement[] = [];
  for (const mode of ['echo', 'qemu'] as Mode[]) {
    const ours = await startNodeServer('ours', [mode === 'echo' ? 'ours-echo' : 'ours-qemu']);
    const responseFile = join(mkdtempSync(join(tmpdir(), 'qur-bench-')), 'response');
    writeFileSync(responseFile, await cannedResponse(ours, mode));
    const targets = [ours, await startNodeServer('floor', ['floor', responseFile])];
    // Before/after in one run: BENCH_BASELINE names another build's dist-bench/bench (e.g. of the previous commit).
    if (baseline) targets.splice(1, 0, await startNodeServer('base', [mode === 'echo' ? 'ours-echo' : 'ours-qemu'], baseline));
    if (prs && (mode === 'echo' || qemuUtils)) targets.push(await startPythonRemoteServer(prs.directory, mode, qemuUtils ?? ''));
    // Other processes share the machine: the runs are interleaved and each figure is the best of the rounds.
    const runs = new Map<string, Measurement[]>();
    try {
      // Unmeasured: V8 compiles the servers' hot paths (and the clients' warm-up alone is too short for it).
      for (const target of targets) await measure(target, mode, 4, seconds, leadMs);
      for (let round = 1; round <= rounds; round += 1) {
        for (const clients of [1, 4]) {
          for (const target of targets) {
            const key = `${target.server}/${clients}`;
            runs.set(key, [...(runs.get(key) ?? []), await measure(target, mode, clients, seconds, leadMs)]);
          }
        }
      }
    } finally {
      for (const target of targets) target.stop();
    }
    for (const clients of [1, 4]) for (const server of SERVERS) {
      const measured = runs.get(`${server}/${clients}`);
      if (measured) results.push(best(measured));
    }
  }

  console.log('| keyword | server | clients | CPU us/call | KB allocated/call | GC pause us/call (longest ms) | calls/s | p50 ms | p99 ms |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const measurement of results) console.log(row(measurement));
  const at = (server: ServerName, mode: Mode, clients: number): Measurement | undefined =>
    results.find((m) => m.server === server && m.mode === mode && m.clients === clients);
  const ratios: Ratios[] = [];
  for (const mode of ['echo', 'qemu'] as Mode[]) {
    for (const clients of [1, 4]) {
      const ours = at('ours', mode, clients);
      const floor = at('floor', mode, clients);
      const python = at('PRS', mode, clients);
      if (!ours || !floor) continue;
      const before = at('base', mode, clients);
      if (before) {
        console.log(
          `${mode}, ${clients} client(s): this build against BENCH_BASELINE: CPU/call ${(ours.cpuUsPerCall / before.cpuUsPerCall).toFixed(2)}x, ` +
            `p99 ${ours.p99Ms.toFixed(2)} vs ${before.p99Ms.toFixed(2)} ms, KB/call ${ours.allocatedKbPerCall?.toFixed(1) ?? 'n/a'} vs ${before.allocatedKbPerCall?.toFixed(1) ?? 'n/a'}`,
        );
      }
      const entry: Ratios = {
        mode,
        clients,
        cpuVersusFloor: ours.cpuUsPerCall / floor.cpuUsPerCall,
        cpuVersusPrs: python ? ours.cpuUsPerCall / python.cpuUsPerCall : NaN,
        p99Ms: ours.p99Ms,
        prsP99Ms: python?.p99Ms ?? NaN,
      };
      ratios.push(entry);
      const held = (ok: boolean): string => (ok ? 'met' : 'NOT met');
      console.log(
        `${mode}, ${clients} client(s): CPU/call ours/floor ${entry.cpuVersusFloor.toFixed(2)}x (target <= 1.15: ${held(entry.cpuVersusFloor <= 1.15)}), ` +
          `ours/PRS ${entry.cpuVersusPrs.toFixed(2)}x (target < 1: ${held(entry.cpuVersusPrs < 1)}), ` +
          `p99 ${entry.p99Ms.toFixed(2)} vs PRS ${entry.prsP99Ms.toFixed(2)} ms` +
          (clients === 4 ? ` (target <=: ${held(entry.p99Ms <= entry.prsP99Ms)})` : ''),
      );
    }
  }
  const summary = { bench: 'remote-throughput', seconds, rounds, quick, pythonRemoteServer: prs?.label ?? null, results, ratios };
  console.log(JSON.stringify(summary));
  if (process.env.BENCH_RESULT_FILE) writeFileSync(process.env.BENCH_RESULT_FILE, `${JSON.stringify(summary)}\n`, { flag: 'a' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
