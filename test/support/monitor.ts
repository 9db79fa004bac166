/** Real-process fixtures for the monitor tests: binaries, temp dirs, unix sockets, child processes. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
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
