/**
 * Helpers for the real-VM tests: the remote server with the QemuUtils library, the bed's sshd as the node
 * (commands go over SSH as in production), the host testpmd as vhost-user peer, and independent checks of
 * what a VM left on this host (processes, files, thread affinity and policy), read straight from /proc and
 * the file system rather than through the code under test.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import winston from 'winston';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { passwordNodeDict, sshdEnv } from './sshd';
import type { TestbedInfo } from './testbed';
import { py, pyJson } from './xmlrpc';

/**
 * qemu_ids of the tests that start real QEMUs, one owner each: jest runs two files of a project at once, so
 * two files must never share an id. vm.test.ts: these (71-75); real-host 7; pabot 1 and 21; console-artifacts
 * 30-33; csit-imports-vm 46; examples 40-59 (Robot group); csit2019 real 60-64; guest-command 65-66;
 * hugepage-reservations-real 68-69; qmp-events 80-81; head bed suite 85-86; lease/listener real 87-88;
 * client-gone 95; manager tests 41, 42; restart 76; the soak 91, 92; the benches 81-86. Huge pages are shared
 * with whichever file jest runs alongside: keep a file's peak within the budget test/reliability/soak.test.ts
 * sets out.
 */
export const VM_IDS = { kernelvm: 71, nestedvm: 72, failures: 73, shutdownBooted: 74, shutdownBooting: 75 } as const;

export async function startVmServer(testbed: TestbedInfo): Promise<RemoteServer> {
  return startRemoteServer(createQemuLibrary({ accel: testbed.accel, cpu_model: testbed.cpu }), {
    port: 0,
    log: winston.createLogger({ silent: true }),
  });
}

/** What `run_keyword` returns, as Python's xmlrpc.client decodes it. */
export interface RunResult {
  status: 'PASS' | 'FAIL';
  return?: unknown;
  error?: string;
  output?: string;
}

export interface TimedRun {
  run: RunResult;
  startedAt: number;
  returnedAt: number;
}

/** One keyword through XML-RPC, timed with the wall clock on the client side (comparable with Date.now()). */
export async function timedRun(url: string, path: string, keyword: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<TimedRun> {
  const script = `
import time
started = time.time()
outcome = run(${JSON.stringify(keyword)}, ${pyJson(args)}, ${pyJson(kwargs)}, path=${JSON.stringify(path)})
result = {'run': outcome, 'startedAt': started * 1000, 'returnedAt': time.time() * 1000}
`;
  return (await py(url, script, timeoutMs)) as TimedRun;
}

/** One keyword through XML-RPC, as Robot's Remote library calls it. */
export async function keyword(url: string, path: string, name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, timeoutMs?: number): Promise<RunResult> {
  return (await timedRun(url, path, name, args, kwargs, timeoutMs)).run;
}

/** Runs a keyword that must PASS; its return value. */
export async function passes(url: string, path: string, name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, timeoutMs?: number): Promise<unknown> {
  const outcome = await keyword(url, path, name, args, kwargs, timeoutMs);
  if (outcome.status !== 'PASS') throw new Error(`${name} on ${path} failed: ${outcome.error}\n${outcome.output ?? ''}`);
  return outcome.return;
}


/** The bed's sshd as a CSIT DUT: the unprivileged test user with sudo, its host key pinned. */
export function vmNodeDict(): Record<string, unknown> {
  const env = sshdEnv();
  return passwordNodeDict(env, { host_key_fingerprint: env.hostKeyFingerprint });
}

/** `Qemu Init` settings every kernelvm testpmd guest on this bed needs. */
export function kernelvmSettings(testbed: TestbedInfo): Record<string, unknown> {
  return {
    kernel_args: testbed.kernelExtraArgs,
    testpmd_bin: testbed.testpmd,
    // Debian's DPDK is 22.11: the option was renamed in 20.11.
    testpmd_main_lcore_flag: '--main-lcore',
  };
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, [...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * The bed's host testpmd as the vhost-user client of QEMU's server sockets. Forwarding is off (the tests
 * need the NICs connected, not traffic), and it runs at nice 19: DPDK 22.11's idle worker lcore still
 * spins, and at normal priority it takes a share of CI's two cores from the TCG guests it serves.
 */
export async function startHostTestpmd(testbed: TestbedInfo, name: string, sockets: readonly string[]): Promise<void> {
  const result = await run('nice', ['-n', '19', 'bash', testbed.hostTestpmdScript, 'start', name, ...sockets], { QUR_TESTPMD_FORWARD: '0' });
  if (result.code !== 0) throw new Error(`host testpmd '${name}' did not start (${testbed.hostTestpmdScript}):\n${result.output}`);
}

export async function stopHostTestpmd(testbed: TestbedInfo, name: string): Promise<void> {
  await run('bash', [testbed.hostTestpmdScript, 'stop', name]);
}

export function hostTestpmdLog(testbed: TestbedInfo, name: string): string {
  const file = `${testbed.stateDir}/testpmd/${name}/testpmd.log`;
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** The files QemuUtils may create for VM `id` (pid file, sockets, serial log, init script). */
export function vmFiles(id: number): string[] {
  return [`/var/run/qemu_${id}.pid`, `/var/run/qmp_${id}.sock`, `/var/run/qga_${id}.sock`, `/tmp/serial_${id}.log`, `/etc/vm_init_${id}.conf`];
}

/** Live (non-zombie) processes started with VM `id`'s pid file, i.e. its QEMU. */
export function vmProcesses(id: number): number[] {
  const pidfile = `/var/run/qemu_${id}.pid`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv.some((arg) => arg.includes('qemu-system')) || !argv.includes(pidfile)) continue;
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '')[0];
      if (state !== 'Z') found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** What VM `id` left behind: processes and files (of `extra` too). Empty when it left nothing. */
export function leftovers(id: number, extra: readonly string[] = []): string[] {
  return [...vmProcesses(id).map((pid) => `process ${pid}`), ...[...vmFiles(id), ...extra].filter((path) => existsSync(path))];
}

export function cpusAllowed(tid: string): string {
  const status = readFileSync(`/proc/${tid}/status`, 'utf8');
  return /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1] ?? `(no Cpus_allowed_list in /proc/${tid}/status)`;
}

export function threadName(tid: string): string {
  return readFileSync(`/proc/${tid}/comm`, 'utf8').trim();
}

/** `chrt -p <tid>`: the policy and priority lines, as a test engineer would check them. */
export function chrt(tid: string): string {
  const result = spawnSync('chrt', ['-p', tid], { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`;
}

export interface TextWatch {
  /** Resolves with `Date.now()` when `pattern` first appeared in the file. */
  readonly seen: Promise<number>;
  stop(): void;
}

/**
 * Timestamps the moment a line lands in a file on this host (QEMU writing the guest's serial output),
 * with inotify, so the figure is accurate to a millisecond or two, and a 250 ms poll besides for an event
 * inotify missed or a file replaced under the watch. Waits for the file to appear first (QEMU creates it
 * when it starts).
 */
export function watchFileFor(path: string, pattern: RegExp): TextWatch {
  let watcher: FSWatcher | undefined;
  let waitTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let offset = 0;
  let text = '';
  let resolveSeen: (at: number) => void = () => undefined;
  const seen = new Promise<number>((resolve) => (resolveSeen = resolve));
  let done = false;
  const check = (): void => {
    if (done) return;
    try {
      const size = statSync(path).size;
      if (size < offset) offset = 0;
      if (size > offset) {
        const buffer = readFileSync(path).subarray(offset);
        offset += buffer.length;
        text = (text + buffer.toString('utf8')).slice(-4096);
        if (pattern.test(text)) {
          done = true;
          resolveSeen(Date.now());
          stop();
        }
      }
    } catch {
      // Not there (yet, or any more).
    }
  };
  const attach = (): void => {
    if (done) return;
    if (!existsSync(path)) {
      waitTimer = setTimeout(attach, 10);
      return;
    }
    watcher = watch(path, check);
    // A stalled wait here held a CI run's test until its timeout (the VM it was to kill booted meanwhile).
    pollTimer = setInterval(check, 250);
    check();
  };
  const stop = (): void => {
    done = true;
    clearTimeout(waitTimer);
    clearInterval(pollTimer);
    watcher?.close();
  };
  attach();
  return { seen, stop };
}

/** The pid in VM `id`'s pid file, once QEMU has written it. */
export async function waitForPidFile(id: number, timeoutMs: number): Promise<number> {
  const file = `/var/run/qemu_${id}.pid`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = readFileSync(file, 'utf8').trim();
      if (/^\d+$/.test(text)) return Number(text);
    } catch {
      // Not written yet.
    }
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
