/**
 * Small helpers for the test-bed self tests: run QEMU in the foreground (so the test owns the process),
 * wait for text in a file, talk JSON lines to QMP/QGA unix sockets. The product's own QMP/QGA clients live in
 * src/qemu; these stay independent on purpose, so a broken client cannot make the bed look healthy.
 */
import { spawn, ChildProcess, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function makeWorkDir(label: string): string {
  // Short path under /tmp: unix socket paths must stay under 108 bytes, and the guest sees it over 9p.
  return mkdtempSync(join(tmpdir(), `qur-tb-${label}-`));
}

export function removeWorkDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the promise's value, or with `onTimeout` after `ms`; never leaves a timer behind. */
export function raceTimeout<T, U>(promise: Promise<T>, ms: number, onTimeout: U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<U>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function processAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

export interface ForegroundQemu {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startedAt: number;
  /** Resolves with the exit code (or the signal name) once QEMU has exited. */
  readonly exited: Promise<number | string>;
  stderr(): string;
}

export function startQemu(qemu: string, args: readonly string[]): ForegroundQemu {
  const startedAt = Date.now();
  const child = spawn(qemu, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  if (child.pid === undefined) {
    throw new Error(`could not start ${qemu}`);
  }
  return { child, pid: child.pid, startedAt, exited, stderr: () => stderr };
}

/** Ends QEMU if it is still running: SIGTERM, then SIGKILL after 5 s. */
export async function stopQemu(qemu: ForegroundQemu | undefined): Promise<void> {
  if (qemu === undefined || qemu.child.exitCode !== null || qemu.child.signalCode !== null) {
    return;
  }
  qemu.child.kill('SIGTERM');
  const result = await raceTimeout(qemu.exited, 5000, 'timeout' as const);
  if (result === 'timeout') {
    qemu.child.kill('SIGKILL');
    await qemu.exited;
  }
}

/**
 * Polls a file until `pattern` appears (20 ms steps). Fails early when QEMU exits first, and on timeout,
 * with the file's tail and QEMU's stderr so the failure says what happened.
 */
export async function waitForText(
  file: string,
  pattern: RegExp,
  timeoutMs: number,
  qemu?: ForegroundQemu,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const match = pattern.exec(text);
    if (match !== null) {
      return match;
    }
    const exitedEarly = qemu !== undefined && (qemu.child.exitCode !== null || qemu.child.signalCode !== null);
    if (exitedEarly || Date.now() > deadline) {
      const why = exitedEarly ? 'QEMU exited' : `${timeoutMs} ms passed`;
      throw new Error(
        `${why} before ${pattern} appeared in ${file}.\n--- ${file} (tail) ---\n${text.slice(-2000)}` +
          (qemu === undefined ? '' : `\n--- QEMU stderr ---\n${qemu.stderr().slice(-2000)}`),
      );
    }
    await sleep(20);
  }
}

export async function waitForExit(qemu: ForegroundQemu, timeoutMs: number): Promise<number | string> {
  const result = await raceTimeout(qemu.exited, timeoutMs, 'still running' as const);
  if (result === 'still running') {
    throw new Error(`QEMU (pid ${qemu.pid}) still running after ${timeoutMs} ms; stderr: ${qemu.stderr().slice(-1000)}`);
  }
  return result;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCommand(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { env: { ...process.env, ...env }, timeout: 60000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One connection speaking newline-delimited JSON (QMP and QGA both do). */
export class JsonLineSocket {
  private buffer = '';
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      // QGA answers guest-sync-delimited with a 0xFF sentinel before the JSON; it is not part of any line.
      this.buffer += chunk.toString('latin1').replace(/\xff/g, '');
      let newline = this.buffer.indexOf('\n');
      while (newline >= 0) {
        const line = this.buffer.slice(0, newline).trim();
        this.buffer = this.buffer.slice(newline + 1);
        if (line !== '') {
          this.lines.push(line);
        }
        newline = this.buffer.indexOf('\n');
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(path: string, timeoutMs = 2000): Promise<JsonLineSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${path} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new JsonLineSocket(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  send(raw: string): void {
    this.socket.write(raw, 'latin1');
  }

  /** Next line that parses as a JSON object and satisfies `accept`, or undefined after `timeoutMs`. */
  async next(accept: (message: { [key: string]: JsonValue }) => boolean, timeoutMs: number): Promise<{ [key: string]: JsonValue } | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.lines.length > 0) {
        const line = this.lines.shift() as string;
        let message: JsonValue;
        try {
          message = JSON.parse(line) as JsonValue;
        } catch {
          continue;
        }
        if (typeof message === 'object' && message !== null && !Array.isArray(message) && accept(message)) {
          return message;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        return undefined;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  async command(execute: string, args: { [key: string]: JsonValue } | undefined, timeoutMs: number): Promise<JsonValue> {
    this.send(JSON.stringify(args === undefined ? { execute } : { execute, arguments: args }) + '\n');
    const reply = await this.next((message) => 'return' in message || 'error' in message, timeoutMs);
    if (reply === undefined) {
      throw new Error(`no reply to ${execute} within ${timeoutMs} ms`);
    }
    if ('error' in reply) {
      throw new Error(`${execute} failed: ${JSON.stringify(reply.error)}`);
    }
    return reply.return;
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Opens the QGA socket and synchronises with guest-sync-delimited, retrying every 500 ms: over isa-serial,
 * whatever is sent before the agent runs is lost.
 */
export async function syncGuestAgent(path: string, timeoutMs: number, qemu: ForegroundQemu): Promise<JsonLineSocket> {
  const deadline = Date.now() + timeoutMs;
  let socket: JsonLineSocket | undefined;
  let id = Math.floor(Math.random() * 1_000_000);
  while (Date.now() < deadline) {
    if (qemu.child.exitCode !== null || qemu.child.signalCode !== null) {
      throw new Error(`QEMU exited before the guest agent answered; stderr: ${qemu.stderr().slice(-1000)}`);
    }
    if (socket === undefined) {
      try {
        socket = await JsonLineSocket.open(path);
      } catch {
        await sleep(100);
        continue;
      }
    }
    id += 1;
    const expected = id;
    socket.send(`\xff${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id: expected } })}\n`);
    const reply = await socket.next((message) => message.return === expected, 500);
    if (reply !== undefined) {
      return socket;
    }
  }
  socket?.close();
  throw new Error(`guest agent on ${path} did not answer guest-sync within ${timeoutMs} ms`);
}
