/**
 * Command-line rules shared by every transport, so ssh, local and dry-run run (or record) the very same text.
 */
import { InvalidCommandError, InvalidNodeError } from './errors';
import { shellQuote } from './quote';
import type { ExecOptions } from './types';

/** CSIT's `exec_cmd` default, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

export function checkCommand(command: unknown): string {
  if (command === undefined || command === null) throw new InvalidCommandError('Command parameter is None');
  if (typeof command !== 'string') throw new InvalidCommandError(`Command parameter must be a string, got ${typeof command}`);
  if (command.trim() === '') throw new InvalidCommandError('Empty command parameter');
  return command;
}

/**
 * CSIT's exact form: a literal `sudo -S ` prefix, no quoting and no `sh -c`, so only the first simple
 * command is elevated. Callers that need a pipeline elevated write `sudo` where they need it.
 */
export function commandLine(command: string, sudo: boolean | undefined): string {
  return sudo ? `sudo -S ${command}` : command;
}

/** Seconds, or `null` for none. `0`/`null` mean no timeout, as the ExecOptions contract says. */
export function resolveTimeout(timeout: ExecOptions['timeout']): number | null {
  if (timeout === undefined) return DEFAULT_TIMEOUT_SECONDS;
  if (timeout === null || timeout === 0) return null;
  if (!Number.isFinite(timeout) || timeout < 0) {
    throw new InvalidCommandError(`Timeout must be a non-negative number of seconds, got ${String(timeout)}`);
  }
  return timeout;
}

export function checkMode(mode: string | undefined): string | undefined {
  if (mode === undefined) return undefined;
  if (!/^[0-7]{3,4}$/.test(mode)) throw new InvalidNodeError(`File mode must be octal like 755 or 0640, got ${JSON.stringify(mode)}`);
  return mode;
}

/**
 * The command that writes its stdin to `path`. The content never appears on a command line, so nothing in
 * it is interpreted by a shell (the original used `echo '...'`).
 */
export function writeFileCommand(path: string, options: { sudo?: boolean; mode?: string }): string {
  if (path === '') throw new InvalidCommandError('Empty file path');
  const quoted = shellQuote(path);
  const mode = checkMode(options.mode);
  const write = options.sudo ? `sudo -S tee ${quoted} >/dev/null` : `cat > ${quoted}`;
  if (mode === undefined) return write;
  return `${write} && ${options.sudo ? 'sudo -S ' : ''}chmod ${mode} ${quoted}`;
}

/**
 * socat bridging the channel's stdin/stdout to a unix socket, elevated. `-d -d` makes socat announce
 * "starting data transfer loop" on stderr once connected, which is how callers know the bridge is up.
 */
export function socatCommand(path: string): string {
  return `sudo -S socat -d -d - UNIX-CONNECT:${shellQuote(path)}`;
}

export const SOCAT_READY = 'starting data transfer loop';

/** Collects a stream's chunks; decoding waits for the end so multi-byte characters are never split. */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  push(chunk: Buffer | string): void {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(buffer);
    this.length += buffer.length;
  }

  get byteLength(): number {
    return this.length;
  }

  text(): string {
    return Buffer.concat(this.chunks, this.length).toString('utf8');
  }
}
