/**
 * Real VM boots through the remote server, as Robot drives them (Python's xmlrpc.client, one session per VM):
 *   - boot-detection latency: from the moment the guest's start-up marker ('Press enter to exit') is written to
 *     the serial log on the host (timestamped with inotify) to the moment `Qemu Start`'s XML-RPC reply reaches
 *     the client; the target is 100 ms;
 *   - the time `Qemu Start` takes for 1 VM, and for 4 VMs started at once in 4 sessions.
 * kernelvm testpmd_io guests with two vhost-user NICs each, the bed's host testpmd as their peer, the bed's
 * sshd as the node. Needs the test bed (`bash scripts/testbed/setup.sh`).
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/vm-boot.js [single-runs=2] [parallel-vms=4]
 *
 * Prints the figures, then one JSON line for bench/run.sh.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import winston from 'winston';
import { createQemuLibrary } from '../src/library/qemu-library';
import { closeAllTransports } from '../src/node/exec';
import { startRemoteServer } from '../src/remote/server';
import { watchFileFor } from '../test/support/vm';

const execFileAsync = promisify(execFile);
const STATE_DIR = process.env.QUR_STATE_DIR ?? '/var/tmp/qemu-utils-remote';
const REPO = resolve(__dirname, '..', '..');
/** qemu_ids of this bench, apart from the tests' (41-42, 51-52, 71-75). */
const FIRST_ID = 81;
const PEER = 'bench-vm-boot';
/** Four guests and the peer fit the bed's 2048 huge pages even while other tests hold some; testpmd needs far less than 128 guest pages (testbed.md: -m 512 with hugepages=128 boots). */
const VM_MEM = 512;
const GUEST_HUGEPAGES = 128;

interface Bed {
  kernel: string;
  kernelExtraArgs: string;
  testpmd: string;
  hostTestpmdScript: string;
  accel: string;
  cpu: string;
  qemuVersion: string;
}

interface SshdEnv {
  host: string;
  port: number;
  passwordUser: string;
  password: string;
  hostKeyFingerprint: string;
}

interface StartOutcome {
  id: number;
  status: string;
  error?: string;
  startedAt: number;
  returnedAt: number;
}

function readJson<T>(file: string): T {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`bash scripts/testbed/setup.sh\` (as root) first`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function sockets(id: number): string[] {
  return [`/tmp/qur-bench-${id}-1.sock`, `/tmp/qur-bench-${id}-2.sock`];
}

/**
 * Runs the whole VM lifecycle for `ids` in one Python process, one thread (and session) per VM, with the
 * client's wall clock around `qemu_start`. Python's time.time() and Date.now() read the same clock.
 */
function drive(url: string, ids: number[], node: Record<string, unknown>, bed: Bed): Promise<StartOutcome[]> {
  const settings = {
    smp: 2,
    mem: VM_MEM,
    vnf: 'testpmd_io',
    img: bed.kernel,
    kernel_args: bed.kernelExtraArgs,
    guest_hugepages: GUEST_HUGEPAGES,
    testpmd_bin: bed.testpmd,
    testpmd_main_lcore_flag: '--main-lcore',
    template_dir: resolve(REPO, 'templates', 'vm'),
  };
  return new Promise((resolvePromise, reject) => {
    const child = spawn('python3', [resolve(REPO, 'bench', 'vm_boot_client.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolvePromise(JSON.parse(stdout.trim().split('\n').pop() ?? '') as StartOutcome[]);
      } catch {
        reject(new Error(`the Python client failed (exit ${String(code)}): ${stdout}`));
      }
    });
    child.stdin.end(JSON.stringify([url, node, settings, ids, Object.fromEntries(ids.map((id) => [String(id), sockets(id)]))]));
  });
}

interface Measured {
  bootMs: number;
  latencyMs: number;
}

async function measure(url: string, ids: number[], node: Record<string, unknown>, bed: Bed): Promise<{ perVm: Measured[]; allBootedMs: number }> {
  const watches = ids.map((id) => watchFileFor(`/tmp/serial_${id}.log`, /Press enter to exit/));
  try {
    const outcomes = await drive(url, ids, node, bed);
    const failed = outcomes.filter((outcome) => outcome.status !== 'PASS');
    if (outcomes.length !== ids.length || failed.length > 0) throw new Error(`Qemu Start failed: ${failed.map((outcome) => `VM ${outcome.id}: ${outcome.error ?? ''}`).join('\n')}`);
    const perVm: Measured[] = [];
    for (const outcome of outcomes) {
      const markerAt = await watches[ids.indexOf(outcome.id)].seen;
      perVm.push({ bootMs: outcome.returnedAt - outcome.startedAt, latencyMs: outcome.returnedAt - markerAt });
    }
    const first = Math.min(...outcomes.map((outcome) => outcome.startedAt));
    const last = Math.max(...outcomes.map((outcome) => outcome.returnedAt));
    return { perVm, allBootedMs: last - first };
  } finally {
    for (const watched of watches) watched.stop();
  }
}

function stats(values: number[]): { min: number; median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}

function describe(values: number[], unit: 's' | 'ms'): string {
  const { min, median, max } = stats(values);
  const show = (value: number): string => (unit === 's' ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`);
  return values.length === 1 ? show(values[0]) : `median ${show(median)} (min ${show(min)}, max ${show(max)}, n=${values.length})`;
}

async function main(): Promise<void> {
  const singleRuns = Number(process.argv[2] ?? 2);
  const parallel = Number(process.argv[3] ?? 4);
  const bed = readJson<Bed>(`${STATE_DIR}/testbed.json`);
  const sshd = readJson<SshdEnv>(`${STATE_DIR}/sshd/env.json`);
  const node = { type: 'DUT', host: sshd.host, port: sshd.port, username: sshd.passwordUser, password: sshd.password, host_key_fingerprint: sshd.hostKeyFingerprint };
  const ids = Array.from({ length: Math.max(1, parallel) }, (_, index) => FIRST_ID + index);
  // No forwarding, and nice 19: DPDK 22.11's idle worker lcore still spins, and would take CPU from the guests.
  await execFileAsync('nice', ['-n', '19', 'bash', bed.hostTestpmdScript, 'start', PEER, ...ids.flatMap(sockets)], { env: { ...process.env, QUR_TESTPMD_FORWARD: '0' } });
  const server = await startRemoteServer(createQemuLibrary({ accel: bed.accel, cpu_model: bed.cpu }), { port: 0, log: winston.createLogger({ silent: true }) });
  try {
    const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(`kernelvm testpmd_io, ${bed.accel}, QEMU ${bed.qemuVersion}, smp 2, mem ${VM_MEM} MB, 2 vhost-user NICs each; load average ${loadAverage()}`);
    const single: Measured[] = [];
    for (let run = 0; run < singleRuns; run += 1) single.push(...(await measure(server.url, [ids[0]], node, bed)).perVm);
    console.log(`1 VM: Qemu Start ${describe(single.map((m) => m.bootMs), 's')}; marker -> reply ${describe(single.map((m) => m.latencyMs), 'ms')}`);
    const many = parallel > 1 ? await measure(server.url, ids, node, bed) : undefined;
    const load = loadAverage();
    if (many) {
      console.log(
        `${parallel} VMs at once (${parallel} sessions): all booted after ${(many.allBootedMs / 1000).toFixed(1)} s; each Qemu Start ${describe(many.perVm.map((m) => m.bootMs), 's')}; ` +
          `marker -> reply ${describe(many.perVm.map((m) => m.latencyMs), 'ms')}; load average ${load}`,
      );
    }
    const all = [...single, ...(many?.perVm ?? [])].map((m) => m.latencyMs);
    console.log(
      JSON.stringify({
        bench: 'vm-boot',
        accel: bed.accel,
        singleBootMs: stats(single.map((m) => m.bootMs)),
        parallelVms: parallel,
        parallelAllBootedMs: many?.allBootedMs ?? null,
        markerToReplyMs: stats(all),
        loadAverage: load,
      }),
    );
  } finally {
    await server.stop();
    await closeAllTransports();
    await execFileAsync('bash', [bed.hostTestpmdScript, 'stop', PEER]).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
