/**
 * The node-side cleanup command, run for real by `sh` on this machine: it kills only a process started with
 * the pid file, waits until it is gone, shows file tails and removes exactly the files named.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmCleanupOutput, vmCleanupCommand } from '../../src/qemu/cleanup';

let dir: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qur-cleanup-'));
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A process whose command line names `pidfile`, as QEMU's `-pidfile <path>` does; its pid written there. */
async function fakeQemu(pidfile: string): Promise<ChildProcess> {
  // `read` is a builtin: no child process outlives the kill; the arguments put the pid file in its cmdline.
  const child = spawn('sh', ['-c', 'read line', 'fake-qemu', '-pidfile', pidfile], { stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(child);
  writeFileSync(pidfile, `${child.pid}\n`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  return child;
}

function run(command: string): string {
  const result = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  return result.stdout;
}

describe('vmCleanupCommand', () => {
  it('kills the process the pid file names, waits until it is gone, shows tails and removes only the files given', async () => {
    const pidfile = join(dir, 'qemu_1.pid');
    const log = join(dir, 'serial 1.log');
    const other = join(dir, 'not-ours.sock');
    const vm = await fakeQemu(pidfile);
    writeFileSync(log, Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n') + '\n');
    writeFileSync(other, 'x');
    const exited = new Promise((resolve) => vm.once('exit', (_code, signal) => resolve(signal)));
    const started = Date.now();
    const report = parseVmCleanupOutput(
      run(vmCleanupCommand({ pidfile, show: [log, pidfile], showLines: 3, remove: [pidfile, log, join(dir, 'missing')], maxWaitSeconds: 5 })),
    );
    // Gone on SIGTERM, before maxWaitSeconds.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(report.outcome).toBe('killed');
    expect(report.pid).toBe(vm.pid);
    expect(await exited).toBe('SIGKILL');
    expect(report.files.get(log)).toBe('line 47\nline 48\nline 49');
    expect(report.files.get(pidfile)).toBe(String(vm.pid));
    expect(existsSync(pidfile)).toBe(false);
    expect(existsSync(log)).toBe(false);
    expect(existsSync(other)).toBe(true);
  });

  it('kills nothing when the pid file names a process that is not this VM (a reused pid), and still removes the files', async () => {
    const pidfile = join(dir, 'qemu_2.pid');
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(stranger);
    writeFileSync(pidfile, `${stranger.pid}\n`);
    const report = parseVmCleanupOutput(run(vmCleanupCommand({ pidfile, show: [], showLines: 1, remove: [pidfile], maxWaitSeconds: 1 })));
    expect(report.outcome).toBe('not-running');
    expect(stranger.exitCode).toBeNull();
    expect(existsSync(`/proc/${stranger.pid}`)).toBe(true);
    expect(existsSync(pidfile)).toBe(false);
  });

  it('uses the pid it is given over the pid file, and only shows and removes when told not to kill', async () => {
    const pidfile = join(dir, 'qemu_3.pid');
    const vm = await fakeQemu(pidfile);
    writeFileSync(pidfile, 'garbage\n');
    expect(parseVmCleanupOutput(run(vmCleanupCommand({ pidfile, pid: vm.pid, show: [], showLines: 1, remove: [], maxWaitSeconds: 5 }))).outcome).toBe('killed');
    const keep = join(dir, 'config');
    writeFileSync(keep, 'a\nb\n');
    const report = parseVmCleanupOutput(run(vmCleanupCommand({ kill: false, pidfile, show: [keep], showLines: 5, remove: [keep], maxWaitSeconds: 1 })));
    expect(report).toEqual({ outcome: 'not-running', files: new Map([[keep, 'a\nb']]), captures: new Map() });
    expect(existsSync(keep)).toBe(false);
  });
});
