/**
 * One command on an SSH session channel: opening the exec channel, classifying why an open failed (and
 * thereby whether the command can have run), streaming its output, killing it on timeout or abort, and
 * reading its exit status.
 */
import type { ClientChannel } from 'ssh2';
import { OutputBuffer } from './command';
import { CommandTimeoutError, ConnectionLostError } from './errors';
import { nodeLogger } from './log';
import type { Connection } from './ssh-connection';
import type { CommandResult, ExecOptions, Node } from './types';

export interface ChannelOpenError extends Error {
  reason?: number | string;
}

/** Records a channel's exit status from the moment it opens, whether or not anyone listens yet. */
export class ExitWatch {
  code: number | null | undefined;
  signal: string | undefined;
  private readonly callbacks: Array<() => void> = [];

  constructor(channel: ClientChannel) {
    channel.on('exit', (code: number | null, signalName?: string) => {
      this.code = code;
      this.signal = signalName;
      for (const callback of this.callbacks.splice(0)) callback();
    });
  }

  get exited(): boolean {
    return this.code !== undefined;
  }

  onExit(callback: () => void): void {
    if (this.exited) callback();
    else this.callbacks.push(callback);
  }
}

export interface OpenedExec {
  connection: Connection;
  channel: ClientChannel;
  exit: ExitWatch;
  /** Frees the channel slot; called once the channel has closed. */
  release: () => void;
}

export type OpenFailure = 'connection-gone' | 'refused' | 'unknown';

/** Why opening a channel failed, and thereby whether the command can have started. */
export function classifyOpenFailure(error: ChannelOpenError, connection: Connection): OpenFailure {
  if (error.message === 'Not connected' || error.message === 'No response from server') return 'connection-gone';
  if (error.reason !== undefined) return connection.alive ? 'refused' : 'connection-gone';
  return 'unknown';
}

/** The parts of ssh2's Channel that `sendSignal` needs; not in its public types. */
interface ChannelInternals {
  outgoing?: { id: number; state: string };
  _client?: { _protocol?: { signal(channelId: number, signalName: string): void } };
}

/**
 * Asks sshd to signal the command's process group (OpenSSH >= 7.9 honours it for exec sessions).
 * `channel.signal()` refuses once our side of the channel is ended, and we end it at once to give the
 * command EOF on stdin, so the request goes through ssh2's protocol object directly.
 */
function sendSignal(channel: ClientChannel, signalName: string): void {
  const internals = channel as unknown as ChannelInternals;
  try {
    if (internals.outgoing?.state === 'open' || internals.outgoing?.state === 'eof') {
      if (internals._client?._protocol) {
        internals._client._protocol.signal(internals.outgoing.id, signalName);
        return;
      }
    }
    channel.signal(signalName);
  } catch {
    // The channel is already closing; nothing left to signal.
  }
}

/** Opens an exec channel running `line`; rejects with ssh2's error (see `classifyOpenFailure`). */
export function openExecChannel(connection: Connection, line: string, label: string): Promise<{ channel: ClientChannel; exit: ExitWatch }> {
  return new Promise((resolve, reject) => {
    try {
      connection.client.exec(line, (error, channel) => {
        if (error) {
          reject(error);
          return;
        }
        // Synchronously, inside ssh2's callback: the exit status may be in the very packet batch ssh2 is
        // parsing, and would be emitted before an awaiting caller could listen.
        const exit = new ExitWatch(channel);
        channel.on('error', (channelError: Error) => nodeLogger().debug(`Channel error on ${label}: ${channelError.message}`));
        resolve({ channel, exit });
      });
    } catch (error) {
      reject(error);
    }
  });
}

/** Where a command runs, as its errors name it. */
export interface ChannelTarget {
  node: Node;
  label: string;
}

/**
 * Feeds stdin, collects the output and resolves with the exit status once the channel closes. When
 * `deadline` aborts (the timeout or the caller's signal), sshd is asked to kill the command and the call
 * answers at once with the partial output.
 */
export function runOnChannel(
  target: ChannelTarget,
  opened: OpenedExec,
  line: string,
  timeout: number | null,
  deadline: AbortSignal,
  options: ExecOptions,
): Promise<CommandResult> {
  const { connection, channel, exit, release } = opened;
  return new Promise<CommandResult>((resolve, reject) => {
    const stdout = new OutputBuffer();
    const stderr = new OutputBuffer();
    let stopped: 'timeout' | 'aborted' | undefined;
    let settled = false;
    const partial = (): { stdout: string; stderr: string } => ({ stdout: stdout.text(), stderr: stderr.text() });

    const stop = (): void => {
      if (settled || stopped) return;
      stopped = options.signal?.aborted ? 'aborted' : 'timeout';
      // Ask sshd to kill the command, then close; reply at once with what we have.
      sendSignal(channel, 'KILL');
      channel.close();
      settled = true;
      if (stopped === 'aborted') resolve({ rc: null, ...partial(), aborted: true });
      else reject(new CommandTimeoutError(line, timeout ?? 0, partial(), target.label));
    };
    deadline.addEventListener('abort', stop, { once: true });
    if (deadline.aborted) stop();

    channel.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onStdout?.(chunk);
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      options.onStderr?.(chunk);
    });
    channel.on('close', () => {
      deadline.removeEventListener('abort', stop);
      release();
      if (settled) return;
      settled = true;
      if (!exit.exited && !connection.alive) {
        reject(new ConnectionLostError(target.node, line, partial(), 'the connection closed before the command reported its exit status'));
        return;
      }
      const result: CommandResult = { rc: exit.code ?? null, ...partial() };
      if (exit.signal) result.exitSignal = exit.signal;
      resolve(result);
    });
    // No stdin means EOF at once, so a command that reads stdin (`sudo -S` wanting a password) ends instead of hanging.
    channel.end(options.stdin);
  });
}
