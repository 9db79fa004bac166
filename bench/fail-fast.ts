/**
 * How soon the node layer and the server end what must end early (the functional tests assert only that
 * each ends on its cause, before the timeout it competes with):
 *   - ssh to a refused port -> NodeConnectionError (test/node/ssh-connect.test.ts, test/reliability/faults.test.ts);
 *   - an ssh command past its 1.5 s timeout -> CommandTimeoutError (test/node/ssh.test.ts);
 *   - the VM clean-up command: a process holding the pid file killed and gone (test/qemu/cleanup.test.ts);
 *   - three calls in one session while another session sleeps 2 s (test/remote/server-sessions.test.ts);
 *   - server stop with a keyword that ignores it, 1 s grace period (test/remote/server-sessions.test.ts).
 * Needs the private sshd (`bash scripts/sshd.sh start`) for the ssh timeout; the rest runs on this host.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/fail-fast.js [runs=3]
 *
 * Prints the figures, then one JSON line for bench/run.sh.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoLibrary } from '../test/fixtures/demo-library';
import { closeAllTransports, execCmd, parseNode } from '../src/node';
import { vmCleanupCommand } from '../src/qemu/cleanup';
import { startRemoteServer } from '../src/remote/server';
import { createServerLog } from '../src/remote/server-log';
import { rootKeyNodeDict, sshdEnv } from '../test/support/sshd';
import { py } from '../test/support/xmlrpc';
import { medianAndMax, showMedianAndMax } from './support/stats';

/** ms `work` took, whatever its outcome. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work().catch(() => undefined);
  return performance.now() - started;
}

async function refusedConnect(): Promise<number> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as { port: number };
  await new Promise((resolve) => closed.close(resolve));
  const node = parseNode({ host: '127.0.0.1', port, username: 'root', password: 'unused' });
  return timed(() => execCmd(node, 'true'));
}

async function sshTimeout(): Promise<number> {
  const node = parseNode(rootKeyNodeDict(sshdEnv()));
  await execCmd(node, 'true');
  return timed(() => execCmd(node, 'sleep 4', { timeout: 1.5 }));
}

async function cleanupKill(dir: string, run: number): Promise<number> {
  const pidfile = join(dir, `qemu_${run}.pid`);
  // `read` is a builtin: no child outlives the kill; the arguments put the pid file in its command line.
  const child = spawn('sh', ['-c', 'read line', 'fake-qemu', '-pidfile', pidfile], { stdio: ['pipe', 'ignore', 'ignore'] });
  writeFileSync(pidfile, `${child.pid}\n`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  spawnSync('sh', ['-c', vmCleanupCommand({ pidfile, show: [], showLines: 0, remove: [pidfile], maxWaitSeconds: 5 })]);
  const ms = performance.now() - started;
  child.kill('SIGKILL');
  return ms;
}

async function sessions(): Promise<{ isolatedMs: number; stopMs: number }> {
  const server = await startRemoteServer(createDemoLibrary(), { port: 0, log: createServerLog({ level: 'silent' }), gracePeriodMs: 1000 });
  try {
    const slow = py(server.url, "result = run('sleep_seconds', [2], path='/slow')");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const isolatedMs = await timed(() => py(server.url, "result = [run('session_name', path='/fast') for _ in range(3)]"));
    await slow;
    const stubborn = py(server.url, "result = run('sleep_seconds', [20, False], path='/stubborn')").catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopMs = await timed(() => server.stop());
    await stubborn;
    return { isolatedMs, stopMs };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(process.argv[2] ?? 3));
  const dir = mkdtempSync(join(tmpdir(), 'qur-bench-fail-fast-'));
  const figures: Record<string, number[]> = { refusedConnectMs: [], sshTimeoutMs: [], cleanupKillMs: [], isolatedSessionMs: [], stopAfterGraceMs: [] };
  try {
    for (let run = 0; run < runs; run += 1) {
      figures.refusedConnectMs.push(await refusedConnect());
      figures.sshTimeoutMs.push(await sshTimeout());
      figures.cleanupKillMs.push(await cleanupKill(dir, run));
      const { isolatedMs, stopMs } = await sessions();
      figures.isolatedSessionMs.push(isolatedMs);
      figures.stopAfterGraceMs.push(stopMs);
    }
  } finally {
    await closeAllTransports();
    rmSync(dir, { recursive: true, force: true });
  }
  const show = (key: string): string => showMedianAndMax(figures[key]);
  console.log(`ssh to a refused port -> NodeConnectionError: ${show('refusedConnectMs')}`);
  console.log(`ssh command with timeout 1.5 s (sleep 4) -> CommandTimeoutError: ${show('sshTimeoutMs')}`);
  console.log(`VM clean-up command, process holding the pid file killed and gone: ${show('cleanupKillMs')}`);
  console.log(`3 calls in one session while another sleeps 2 s: ${show('isolatedSessionMs')}`);
  console.log(`server stop, a keyword ignoring it, grace period 1 s: ${show('stopAfterGraceMs')} (n=${runs})`);
  console.log(JSON.stringify({ bench: 'fail-fast', runs, ...Object.fromEntries(Object.entries(figures).map(([key, values]) => [key, medianAndMax(values)])) }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
