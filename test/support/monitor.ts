/** Real-process fixtures for the monitor tests: binaries, temp dirs, unix sockets, child processes. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';

/** Fails (never skips) when a test bed component is missing, saying how to install it. */
export function requireBinary(name: string, installHint: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(`${name} is not installed; this test needs it. Install it with: ${installHint}`);
  }
  return path;
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Connects to a local unix socket; rejects with the connect error (ENOENT, ECONNREFUSED). */
export function connectUnixPath(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** A Duplex over `socat - UNIX-CONNECT:<path>`: the same shape as socat run over an SSH exec channel. */
export function socatDuplex(path: string): { stream: Duplex; child: ChildProcess } {
  const child = spawn('socat', ['-', `UNIX-CONNECT:${path}`], { stdio: ['pipe', 'pipe', 'inherit'] });
  if (!child.stdin || !child.stdout) throw new Error('socat started without pipes');
  const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
  return { stream, child };
}

export async function waitForPath(path: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (child && child.exitCode !== null) throw new Error(`process exited (code ${child.exitCode}) before creating ${path}`);
    if (Date.now() > deadline) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Kills a child we started (SIGCONT first, in case a test stopped it) and waits until it is gone. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGCONT');
  child.kill('SIGKILL');
  await gone;
}

/** Stderr collected for failure messages. */
export function collectStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return () => text;
}

/**
 * Spawns `binary`; resolves once it accepts connections on `socketPath`, else fails with its stderr. The
 * file appears at bind(), a moment before listen(): a connect in between is refused, so this probes once.
 */
export async function spawnUntilSocket(binary: string, args: readonly string[], socketPath: string): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(binary, [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = collectStderr(child);
  try {
    await waitForPath(socketPath, 10_000, child);
    await waitUntilListening(socketPath, 10_000);
  } catch (error) {
    await killChild(child);
    throw new Error(`${binary} did not start: ${(error as Error).message}; stderr: ${stderr()}`);
  }
  return { child, stderr };
}

async function waitUntilListening(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      (await connectUnixPath(path)).destroy();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

export const QEMU_GA = 'qemu-ga';
/** Exactly the block list of testbed.md §4: everything that could change the host. */
export const QGA_BLOCKED = [
  'guest-shutdown', 'guest-suspend-disk', 'guest-suspend-ram', 'guest-suspend-hybrid', 'guest-exec', 'guest-exec-status',
  'guest-file-open', 'guest-file-write', 'guest-set-time', 'guest-set-user-password', 'guest-set-vcpus',
  'guest-set-memory-blocks', 'guest-fsfreeze-freeze', 'guest-fsfreeze-freeze-list', 'guest-fstrim',
  'guest-ssh-add-authorized-keys', 'guest-ssh-remove-authorized-keys',
];

/**
 * A real qemu-ga on this host (unix-listen mode), its state in `dir`. It acts on the host as root, so every
 * command that changes the host is blocked on its command line.
 */
export async function startHostAgent(dir: string, socketPath = join(dir, 'qga.sock')): Promise<{ child: ChildProcess; socketPath: string }> {
  const args = ['-m', 'unix-listen', '-p', socketPath, '-f', join(dir, 'qga.pid'), '-t', dir, '-b', QGA_BLOCKED.join(',')];
  const { child } = await spawnUntilSocket(QEMU_GA, args, socketPath);
  return { child, socketPath };
}

export const QEMU = 'qemu-system-x86_64';

export interface RunningQemu {
  child: ChildProcess;
  pid: number;
  qmpPath: string;
  stderr: () => string;
}

/** A cheap paused QEMU (TCG, no devices, 64 MiB, 2 vCPUs) with its QMP socket in `dir`. */
export async function startPausedQemu(dir: string, name: string): Promise<RunningQemu> {
  const qmpPath = join(dir, `${name}.sock`);
  const args = [
    '-S', '-machine', 'pc,accel=tcg', '-nodefaults', '-display', 'none', '-m', '64', '-smp', '2',
    '-name', `${name},debug-threads=on`,
    '-qmp', `unix:${qmpPath},server=on,wait=off`,
  ];
  const { child, stderr } = await spawnUntilSocket(QEMU, args, qmpPath);
  if (child.pid === undefined) throw new Error(`${QEMU} has no pid`);
  return { child, pid: child.pid, qmpPath, stderr };
}

/**
 * A unix socket that accepts at once but, for `silentMs`, drops what it receives and answers with noise,
 * like QEMU's serial chardev before the guest agent starts; then it relays to the real agent.
 */
export async function silentThenRelay(path: string, agentPath: string, silentMs: number): Promise<Server> {
  const liveAt = Date.now() + silentMs;
  const server = createServer((client: Socket) => {
    client.on('error', () => undefined);
    client.write('\u0000\u001b[0m{"partial": ');
    const noise = setInterval(() => client.write('login: '), 200);
    let agent: Socket | undefined;
    client.on('data', (chunk: Buffer) => {
      if (agent) agent.write(chunk);
    });
    client.on('close', () => {
      clearInterval(noise);
      agent?.destroy();
    });
    setTimeout(() => {
      clearInterval(noise);
      if (client.destroyed) return;
      connectUnixPath(agentPath).then((socket) => {
        agent = socket;
        socket.on('data', (chunk: Buffer) => client.write(chunk));
        socket.on('close', () => client.destroy());
      }, () => client.destroy());
    }, Math.max(0, liveAt - Date.now()));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}
