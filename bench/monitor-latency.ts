/**
 * How soon the QMP and QGA clients react, against a real paused QEMU and a real host qemu-ga (as
 * test/qemu/monitor/ starts them; the tests assert only what ends each wait):
 *   - QGA waitUntilReady: agent socket created -> ready client; a serial-like relay's silence over -> ready;
 *   - a pending command of a SIGKILLed peer -> MonitorClosedError (QMP and QGA);
 *   - a command with a 300 ms timeout to a SIGSTOPped peer -> MonitorTimeoutError (QMP and QGA);
 *   - waitUntilReady aborted -> MonitorAbortedError.
 * Needs qemu-system-x86_64 and qemu-ga (the test bed's packages).
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/monitor-latency.js [runs=5]
 *
 * Prints the figures, then one JSON line for bench/run.sh.
 */
import { join } from 'node:path';
import { QgaClient, QmpClient } from '../src/qemu/monitor';
import { connectUnixPath, killChild, makeTempDir, removeDir, silentThenRelay, startHostAgent, startPausedQemu } from '../test/support/monitor';
import { medianAndMax, showMedianAndMax } from './support/stats';

const TIMEOUT_MS = 300;
const SILENT_MS = 1200;

/** ms from `trigger()` until `settled` settles, whatever the outcome. */
async function since(trigger: () => void, settled: Promise<unknown>): Promise<number> {
  const at = performance.now();
  trigger();
  await settled.catch(() => undefined);
  return performance.now() - at;
}

interface Run {
  qgaReadyAfterSocketMs: number;
  qgaReadyAfterSilenceMs: number;
  qgaClosedMs: number;
  qmpClosedMs: number;
  qgaTimeoutMs: number;
  qmpTimeoutMs: number;
  abortMs: number;
}

async function once(dir: string, run: number): Promise<Run> {
  const late = join(dir, `late-${run}.sock`);
  const ready = QgaClient.waitUntilReady({ connect: () => connectUnixPath(late), timeoutMs: 15_000 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const agent = await startHostAgent(dir, late);
  const socketAt = performance.now();
  await (await ready).close();
  const qgaReadyAfterSocketMs = performance.now() - socketAt;

  const relay = await silentThenRelay(join(dir, `serial-${run}.sock`), late, SILENT_MS);
  const silentFrom = performance.now();
  const relayed = await QgaClient.waitUntilReady({ connect: () => connectUnixPath(join(dir, `serial-${run}.sock`)), timeoutMs: 10_000 });
  const qgaReadyAfterSilenceMs = performance.now() - silentFrom - SILENT_MS;
  await relayed.close();
  await new Promise((resolve) => relay.close(resolve));
  const qga = await QgaClient.connect(() => connectUnixPath(late));

  const qemu = await startPausedQemu(dir, `bench-${run}`);
  const qmp = await QmpClient.connect(() => connectUnixPath(qemu.qmpPath));
  try {
    agent.child.kill('SIGSTOP');
    qemu.child.kill('SIGSTOP');
    const qgaTimeoutMs = await since(() => undefined, qga.ping({ timeoutMs: TIMEOUT_MS }));
    const qmpTimeoutMs = await since(() => undefined, qmp.queryStatus({ timeoutMs: TIMEOUT_MS }));
    const qgaPending = qga.ping({ timeoutMs: 30_000 });
    const qgaClosedMs = await since(() => agent.child.kill('SIGKILL'), qgaPending);
    const qmpPending = qmp.queryStatus({ timeoutMs: 30_000 });
    const qmpClosedMs = await since(() => qemu.child.kill('SIGKILL'), qmpPending);

    const controller = new AbortController();
    const aborted = QgaClient.waitUntilReady({ connect: () => connectUnixPath(join(dir, 'never.sock')), timeoutMs: 30_000, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const abortMs = await since(() => controller.abort(new Error('bench')), aborted);
    return { qgaReadyAfterSocketMs, qgaReadyAfterSilenceMs, qgaClosedMs, qmpClosedMs, qgaTimeoutMs, qmpTimeoutMs, abortMs };
  } finally {
    await qga.close();
    await qmp.close();
    await killChild(agent.child);
    await killChild(qemu.child);
  }
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(process.argv[2] ?? 5));
  const dir = makeTempDir('qur-bench-monitor-');
  try {
    const results: Run[] = [];
    for (let run = 0; run < runs; run += 1) results.push(await once(dir, run));
    const figure = (key: keyof Run): { median: number; max: number } => medianAndMax(results.map((result) => result[key]));
    const show = (key: keyof Run): string => showMedianAndMax(results.map((result) => result[key]));
    console.log(`QGA waitUntilReady: ready ${show('qgaReadyAfterSocketMs')} after the agent socket appeared; ${show('qgaReadyAfterSilenceMs')} after a ${SILENT_MS} ms silence ended`);
    console.log(`peer SIGKILLed -> MonitorClosedError: QGA ${show('qgaClosedMs')}, QMP ${show('qmpClosedMs')}`);
    console.log(`${TIMEOUT_MS} ms timeout, peer stopped -> MonitorTimeoutError: QGA ${show('qgaTimeoutMs')}, QMP ${show('qmpTimeoutMs')}`);
    console.log(`waitUntilReady aborted -> MonitorAbortedError: ${show('abortMs')} (n=${runs})`);
    const keys = Object.keys(results[0]) as (keyof Run)[];
    console.log(JSON.stringify({ bench: 'monitor-latency', runs, ...Object.fromEntries(keys.map((key) => [key, figure(key)])) }));
  } finally {
    removeDir(dir);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
