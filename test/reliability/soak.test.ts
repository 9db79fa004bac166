/**
 * Soak: 16 concurrent sessions from 16 separate Python xmlrpc.client processes (as 16 Robot runs would
 * connect), each looping Qemu Init / Qemu Add Vhost User If x2 / Configure Kernelvm Vnf / Qemu Get Command
 * Line / Qemu Close on a dry-run node, against the real CLI, for QUR_SOAK_SECONDS (default 20). Zero failed
 * calls; server RSS reported at start, after 60% of the run and at the end, and the growth in between bounded;
 * no session left at the end. QUR_SOAK_VERBOSE=1 prints the RSS of every second.
 *
 * QUR_SOAK_VMS=1 or 2 adds as many sessions running real kernelvm VMs (testpmd, two vhost-user NICs to a
 * host testpmd, over the bed's sshd) through Qemu Start / Get Qemu Pids / Qemu Kill / Qemu Close, at least
 * once each; every VM process and file must be gone at the end. Off by default: a TCG boot takes 30-130 s
 * on CI's two cores, far longer than the CI soak.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { killLeftovers, startCli, type StartedCli } from '../remote/support/cli';
import { loadTestbed, type TestbedInfo } from '../support/testbed';
import { kernelvmSettings, leftovers, startHostTestpmd, stopHostTestpmd, vmNodeDict } from '../vm/vm-support';
import { builtCli, megabytes, rssBytes } from './support/build';
import { sendRaw } from './support/raw-http';

const SESSIONS = 16;
const SECONDS = Number(process.env.QUR_SOAK_SECONDS ?? 20);
const VMS = Math.min(2, Number(process.env.QUR_SOAK_VMS ?? 0));
/** VM ids of the soak's real VMs: apart from the other real-VM tests (41-84). */
const VM_IDS = [91, 92].slice(0, VMS);
const CLIENT = join(__dirname, 'support', 'soak_client.py');
/** RSS growth allowed in the last 40% (the noise is about 10 MB; the leaks this caught grew 40-80 MB in 8 s:
 * every call's closure kept alive, and every dry-run command recorded forever). */
const RSS_GROWTH_BOUND = 32 * 1024 * 1024;

interface ClientReport {
  calls: number;
  iterations: number;
  failed: number;
  failures: string[];
  p50_ms: number | null;
  p99_ms: number | null;
}

/** A dry-run DUT (nothing runs; every command is recorded) that knows its QEMU version. */
const NODE = {
  host: 'soak-dut',
  port: 22,
  username: 'testuser',
  type: 'DUT',
  transport: 'dry-run',
  dry_run_responses: [{ match: '--version', stdout: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n' }],
};

interface VmPlan {
  node: Record<string, unknown>;
  init: Record<string, unknown>;
  sockets: string[];
}

function vmSockets(id: number): string[] {
  return [`/tmp/qur-soak-vm-${id}-1.sock`, `/tmp/qur-soak-vm-${id}-2.sock`];
}

function vmPlan(bed: TestbedInfo, id: number): VmPlan {
  return {
    node: vmNodeDict(),
    init: { qemu_id: id, smp: 2, mem: 1024, vnf: 'testpmd_io', img: bed.kernel, ...kernelvmSettings(bed) },
    sockets: vmSockets(id),
  };
}

function runClient(url: string, index: number, vm?: VmPlan): Promise<ClientReport> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [CLIENT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new Error(`Cannot run python3: ${error.message}`)));
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ClientReport);
      } catch {
        reject(new Error(`soak client ${index} failed (exit ${code}):\n${stderr}\n${stdout}`));
      }
    });
    const session = vm ? `/soak-vm-${String(vm.init.qemu_id)}` : `/soak-${String(index).padStart(2, '0')}`;
    child.stdin.end(
      JSON.stringify({ url, path: session, seconds: SECONDS, node: vm?.node ?? NODE, qemu_id: 100 + index, ...(vm ? { vm: { init: vm.init, sockets: vm.sockets } } : {}) }),
    );
  });
}

let server: StartedCli;
let bed: TestbedInfo | undefined;

beforeAll(async () => {
  bed = VMS > 0 ? loadTestbed() : undefined;
  const accel = bed ? ['--qemu-option', `accel=${bed.accel}`, '--qemu-option', `cpu_model=${bed.cpu}`] : ['--qemu-option', 'accel=tcg'];
  server = await startCli(builtCli(), ['--port', '0', '--log-level', 'warn', '--log-json', ...accel]);
  for (const id of VM_IDS) if (bed) await startHostTestpmd(bed, `soak-${id}`, vmSockets(id));
}, 120_000);

afterAll(async () => {
  killLeftovers();
  for (const id of VM_IDS) if (bed) await stopHostTestpmd(bed, `soak-${id}`);
});

test(`${SESSIONS} client processes${VMS > 0 ? ` and ${VMS} real VMs` : ''}, ${SECONDS} s: zero failed calls, flat memory, no session left`, async () => {
  const pid = server.child.pid as number;
  const rssAtStart = rssBytes(pid);
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssBytes(pid)), 1000);
  const started = Date.now();
  let reports: ClientReport[];
  try {
    const vmClients = VM_IDS.map((id, index) => runClient(server.url, SESSIONS + index, vmPlan(bed as TestbedInfo, id)));
    reports = await Promise.all([...Array.from({ length: SESSIONS }, (_, index) => runClient(server.url, index)), ...vmClients]);
  } finally {
    clearInterval(sampler);
  }
  const elapsed = (Date.now() - started) / 1000;
  const rssAtEnd = rssBytes(pid);
  // Warmed up after 60% of the run: code optimised, pools and caches filled, the heap at its working size (a
  // 90 s run here rose for ~12 s, then stayed within a few MB).
  const rssWarm = samples[Math.max(0, Math.floor(samples.length * 0.6) - 1)] ?? rssAtStart;

  const calls = reports.reduce((sum, report) => sum + report.calls, 0);
  const failed = reports.reduce((sum, report) => sum + report.failed, 0);
  const iterations = reports.reduce((sum, report) => sum + report.iterations, 0);
  const dryRun = reports.slice(0, SESSIONS);
  const dryRunCalls = dryRun.reduce((sum, report) => sum + report.calls, 0);
  process.stdout.write(
    `soak: ${SESSIONS} sessions x ${SECONDS} s: ${calls} calls (dry-run sessions ${Math.round(dryRunCalls / SECONDS)}/s), ${iterations} init..close cycles, ` +
      `${failed} failed${VMS > 0 ? ` (${reports.slice(SESSIONS).map((report) => report.iterations).join(' + ')} real VM start..kill cycles; all done after ${elapsed.toFixed(0)} s)` : ''}; ` +
      `per-client p50 ${Math.min(...dryRun.map((report) => report.p50_ms ?? 0))}-${Math.max(...dryRun.map((report) => report.p50_ms ?? 0))} ms, ` +
      `p99 up to ${Math.max(...dryRun.map((report) => report.p99_ms ?? 0))} ms\n` +
      `  server RSS: start ${megabytes(rssAtStart)}, at 60% ${megabytes(rssWarm)}, end ${megabytes(rssAtEnd)}, ` +
      `peak ${megabytes(Math.max(...samples, rssAtEnd))}\n` +
      (process.env.QUR_SOAK_VERBOSE ? `  every second: ${samples.map((sample) => (sample / 1024 / 1024).toFixed(0)).join(' ')}\n` : ''),
  );

  expect(reports.flatMap((report) => report.failures)).toEqual([]);
  expect(failed).toBe(0);
  for (const report of reports) expect(report.iterations).toBeGreaterThan(0);
  expect(server.child.exitCode).toBeNull();
  expect(rssAtEnd - rssWarm).toBeLessThan(RSS_GROWTH_BOUND);
  // Every real VM's process, pid file, sockets, serial log and init script are gone.
  for (const id of VM_IDS) expect([id, leftovers(id, vmSockets(id))]).toEqual([id, []]);

  // Every session was closed: the docs page lists none in use.
  const page = await sendRaw(server.port, { method: 'GET', path: '/' });
  expect(page.status).toBe(200);
  expect(page.body.toString()).toContain('No sessions in use.');
  server.child.kill('SIGTERM');
  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(server.stderr()).not.toMatch(/"level":"error"/);
}, (SECONDS + 120 + (VMS > 0 ? 600 : 0)) * 1000);
