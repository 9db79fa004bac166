/**
 * A command in the guest through its agent: `guest-exec` starts `/bin/sh -c <command>` with its output
 * captured, `guest-exec-status` is polled until it has exited. The agent keeps the output in memory until
 * the status is read once with `exited: true`, so the status is always read to the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { QgaClient } from '../monitor';
import { isJsonObject, type JsonValue } from '../monitor/json-lines';
import { QemuGuestCommandError } from '../errors';

export interface AgentExecOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface AgentExecResult {
  rc: number | null;
  stdout: string;
  stderr: string;
  signal?: number;
  /** The agent cut the output at its own limit (16 MB in qemu-ga). */
  truncated: boolean;
}

/** Polling starts fast (most commands end in milliseconds) and slows down for long ones. */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 500;

/** The shell every Linux guest has; the command is its `-c` argument, never split or quoted by us. */
export const GUEST_SHELL = '/bin/sh';

export async function agentExec(client: QgaClient, command: string, options: AgentExecOptions): Promise<AgentExecResult> {
  const deadline = Date.now() + options.timeoutMs;
  const budget = (): number => Math.max(1, deadline - Date.now());
  const started = await client.execute('guest-exec', { path: GUEST_SHELL, arg: ['-c', command], 'capture-output': true }, { timeoutMs: budget(), signal: options.signal });
  if (!isJsonObject(started) || typeof started.pid !== 'number') {
    throw new QemuGuestCommandError(`guest-exec answered without a pid: ${JSON.stringify(started ?? null)}`);
  }
  const pid = started.pid;
  let pause = FIRST_POLL_MS;
  for (;;) {
    const status = await client.execute('guest-exec-status', { pid }, { timeoutMs: budget(), signal: options.signal });
    if (!isJsonObject(status)) throw new QemuGuestCommandError(`guest-exec-status answered ${JSON.stringify(status ?? null)}`);
    if (status.exited === true) return resultOf(status);
    if (Date.now() + pause >= deadline) {
      await killInGuest(client, pid);
      throw new QemuGuestCommandError(
        `the command did not end within ${Math.round(options.timeoutMs / 1000)} s (guest pid ${pid}, sent SIGKILL through the agent): ${command}`,
      );
    }
    try {
      await sleep(pause, undefined, { signal: options.signal });
    } catch {
      throw new QemuGuestCommandError(`aborted while waiting for guest pid ${pid}: ${command}`);
    }
    pause = Math.min(MAX_POLL_MS, pause * 2);
  }
}

function resultOf(status: Record<string, JsonValue>): AgentExecResult {
  const result: AgentExecResult = {
    rc: typeof status.exitcode === 'number' ? status.exitcode : null,
    stdout: decode(status['out-data']),
    stderr: decode(status['err-data']),
    truncated: status['out-truncated'] === true || status['err-truncated'] === true,
  };
  if (typeof status.signal === 'number') result.signal = status.signal;
  return result;
}

function decode(data: JsonValue | undefined): string {
  return typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : '';
}

/** Best effort: the shell the agent started (its children may survive it, as with `timeout`). */
async function killInGuest(client: QgaClient, pid: number): Promise<void> {
  try {
    await client.execute('guest-exec', { path: '/bin/kill', arg: ['-9', String(pid)] }, { timeoutMs: 5_000 });
  } catch {
    // The timeout is what the caller reports; a failed kill adds nothing it can act on.
  }
}
