/**
 * How soon real VM failures and clean-ups reach the client, through the remote server as Robot drives it
 * (Python's xmlrpc.client, as test/vm/vm.test.ts does; the tests assert only that each ends on the failure
 * itself, before its timeout):
 *   - a guest kernel that panics: panic line in the serial log -> FAIL at the client;
 *   - QEMU SIGKILLed during boot: the kill -> FAIL at the client;
 *   - a wrong kernel path, a wrong image path, too few huge pages: the whole failing Qemu Start call;
 *   - a guest agent that never answers: the FAIL after boot_timeout, against the timeout;
 *   - nestedvm with the bed image: Qemu Start (boot detected through QGA), then Qemu Kill;
 *   - a server stopped with one booted VM: the stop, the VM killed and its files removed.
 * Needs the test bed (`bash scripts/testbed/setup.sh`).
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/vm-failures.js
 *
 * Prints the figures, then one JSON line for bench/run.sh.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { closeAllTransports } from '../src/node';
import type { RemoteServer } from '../src/remote';
import { loadTestbed, readHugepages, type TestbedInfo } from '../test/support/testbed';
import { kernelvmSettings, passes, startVmServer, timedRun, vmNodeDict, waitForPidFile, watchFileFor, type TimedRun } from '../test/support/vm';

/** qemu_ids of this bench, apart from the tests' and bench/vm-boot.ts' (81-84). */
const KERNELVM_ID = 85;
const NESTEDVM_ID = 86;
const BOOT_TIMEOUT_S = 300;
const SILENT_AGENT_TIMEOUT_S = 15;
const CLIENT_TIMEOUT_MS = (BOOT_TIMEOUT_S + 30) * 1000;

type Node = Record<string, unknown>;

/** Qemu Start on a freshly initialised VM that must FAIL; the call timed at the client. */
async function failingStart(url: string, path: string, init: Record<string, unknown>, node: Node, configure = false): Promise<TimedRun> {
  await passes(url, path, 'qemu_init', [node], init);
  try {
    if (configure) await passes(url, path, 'configure_kernelvm_vnf', [], { queues: 1, jumbo_frames: false });
    const start = await timedRun(url, path, 'qemu_start', [], {}, CLIENT_TIMEOUT_MS);
    if (start.run.status !== 'FAIL') throw new Error(`Qemu Start on ${path} was expected to FAIL: ${start.run.status}`);
    return start;
  } finally {
    await passes(url, path, 'qemu_close');
  }
}

const elapsed = (run: TimedRun): number => run.returnedAt - run.startedAt;

async function panicToFail(url: string, node: Node, bed: TestbedInfo): Promise<number> {
  const panic = watchFileFor(`/tmp/serial_${KERNELVM_ID}.log`, /Kernel panic/);
  try {
    const init = { qemu_id: KERNELVM_ID, smp: 1, mem: 512, vnf: 'testpmd_io', img: bed.kernel, guest_hugepages: 256, boot_timeout: BOOT_TIMEOUT_S, ...kernelvmSettings(bed) };
    const start = await failingStart(url, '/bench_panic', init, node, true);
    return start.returnedAt - (await panic.seen);
  } finally {
    panic.stop();
  }
}

async function killToFail(url: string, node: Node, bed: TestbedInfo): Promise<number> {
  const path = '/bench_killed';
  await passes(url, path, 'qemu_init', [node], { qemu_id: KERNELVM_ID, smp: 1, mem: 1024, vnf: 'testpmd_io', img: bed.kernel, boot_timeout: BOOT_TIMEOUT_S, ...kernelvmSettings(bed) });
  const booting = watchFileFor(`/tmp/serial_${KERNELVM_ID}.log`, /Linux version/);
  try {
    await passes(url, path, 'configure_kernelvm_vnf', [], { queues: 1, jumbo_frames: false });
    const start = timedRun(url, path, 'qemu_start', [], {}, CLIENT_TIMEOUT_MS);
    const pid = await waitForPidFile(KERNELVM_ID, 60_000);
    await booting.seen;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const outcome = await start;
    if (outcome.run.status !== 'FAIL') throw new Error(`Qemu Start after SIGKILL was expected to FAIL: ${outcome.run.status}`);
    return outcome.returnedAt - killedAt;
  } finally {
    booting.stop();
    await passes(url, path, 'qemu_close');
  }
}

async function silentAgent(url: string, node: Node): Promise<number> {
  const disk = `/tmp/qur-bench-noboot-${NESTEDVM_ID}.img`;
  writeFileSync(disk, Buffer.alloc(1024 * 1024));
  try {
    const init = { qemu_id: NESTEDVM_ID, mem: 256, img: disk, vm_type: 'nestedvm', boot_timeout: SILENT_AGENT_TIMEOUT_S };
    return elapsed(await failingStart(url, '/bench_agent', init, node));
  } finally {
    rmSync(disk, { force: true });
  }
}

/** nestedvm boot, then Qemu Kill, in ms. */
async function nestedBootAndKill(url: string, node: Node, bed: TestbedInfo): Promise<{ bootMs: number; killMs: number }> {
  const path = '/bench_nested';
  await passes(url, path, 'qemu_init', [node], { qemu_id: NESTEDVM_ID, smp: 1, mem: 512, img: bed.nestedImage });
  try {
    const start = await timedRun(url, path, 'qemu_start', [], {}, CLIENT_TIMEOUT_MS);
    if (start.run.status !== 'PASS') throw new Error(`nestedvm Qemu Start failed: ${start.run.error ?? ''}`);
    const kill = await timedRun(url, path, 'qemu_kill');
    if (kill.run.status !== 'PASS') throw new Error(`Qemu Kill failed: ${kill.run.error ?? ''}`);
    return { bootMs: elapsed(start), killMs: elapsed(kill) };
  } finally {
    await passes(url, path, 'qemu_close');
  }
}

/** A second server with one booted nestedvm, stopped: ms until stop() resolved (VM killed, files removed). */
async function serverStop(bed: TestbedInfo, node: Node): Promise<number> {
  const server: RemoteServer = await startVmServer(bed);
  try {
    await passes(server.url, '/bench_stop', 'qemu_init', [node], { qemu_id: NESTEDVM_ID, mem: 512, img: bed.nestedImage });
    await passes(server.url, '/bench_stop', 'qemu_start', [], {}, CLIENT_TIMEOUT_MS);
    const stopping = Date.now();
    await server.stop();
    return Date.now() - stopping;
  } finally {
    await server.stop();
  }
}

const ms = (value: number): string => `${value.toFixed(0)} ms`;
const s = (value: number): string => `${(value / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const bed = loadTestbed();
  const node = vmNodeDict();
  const server = await startVmServer(bed);
  try {
    console.log(`${bed.accel}, QEMU ${bed.qemuVersion}`);
    const panic = await panicToFail(server.url, node, bed);
    console.log(`guest kernel panic printed -> FAIL at the client: ${ms(panic)}`);
    const killed = await killToFail(server.url, node, bed);
    console.log(`QEMU SIGKILLed during boot -> FAIL at the client: ${ms(killed)}`);
    const wrongKernel = elapsed(await failingStart(server.url, '/bench_kernel', { qemu_id: KERNELVM_ID, mem: 512, vnf: 'testpmd_io', img: `${bed.kernel}-missing`, ...kernelvmSettings(bed) }, node, true));
    const wrongImage = elapsed(await failingStart(server.url, '/bench_image', { qemu_id: KERNELVM_ID, mem: 512, img: '/var/lib/vm/qur-missing.img' }, node));
    const hugepages = elapsed(await failingStart(server.url, '/bench_hugepages', { qemu_id: KERNELVM_ID, mem: readHugepages().total * 2 + 2048, img: '/var/lib/vm/qur-missing.img' }, node));
    console.log(`Qemu Start -> FAIL: wrong kernel path ${ms(wrongKernel)}, wrong image path ${ms(wrongImage)}, too few huge pages ${ms(hugepages)}`);
    const agent = await silentAgent(server.url, node);
    console.log(`guest agent silent (boot_timeout ${SILENT_AGENT_TIMEOUT_S} s) -> FAIL after ${s(agent)}`);
    const nested = await nestedBootAndKill(server.url, node, bed);
    console.log(`nestedvm boot (Qemu Start, guest agent answering): ${s(nested.bootMs)}; Qemu Kill (SIGKILL, wait until gone, remove files): ${ms(nested.killMs)}`);
    const stop = await serverStop(bed, node);
    console.log(`server stop with one booted VM: ${s(stop)}`);
    console.log(
      JSON.stringify({
        bench: 'vm-failures',
        accel: bed.accel,
        panicToFailMs: panic,
        killToFailMs: killed,
        wrongKernelMs: wrongKernel,
        wrongImageMs: wrongImage,
        hugepagesMs: hugepages,
        silentAgentMs: agent,
        nestedBootMs: nested.bootMs,
        qemuKillMs: nested.killMs,
        serverStopMs: stop,
      }),
    );
  } finally {
    await server.stop();
    await closeAllTransports();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
