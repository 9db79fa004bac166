/**
 * `transport: local`: the server runs on the test host itself. Same command text, timeout and error rules
 * as SSH: each command runs under `/bin/sh -c` (a login shell over SSH is `sh`-compatible too).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkCommand, commandLine, OutputBuffer, resolveTimeout, socatCommand, writeFileCommand } from './command';
import { CommandFailedError, CommandTimeoutError, UnixSocketError } from './errors';
import { awaitSocatBridge } from './socat';
import { joinStreams } from './streams';
import type { CommandResult, ExecOptions, NodeTransport, WriteFileOptions } from './types';

/** Kills the command's whole process group, so a timed-out pipeline leaves nothing behind. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function spawnShell(line: string): ChildProcess {
  // detached: a process group of its own, see killGroup.
  return spawn('/bin/sh', ['-c', line], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
}

export class LocalTransport implements NodeTransport {
  readonly kind = 'local' as const;
  private readonly where = 'the local host';

  async exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    checkCommand(command);
    const line = commandLine(command, options.sudo);
    const timeout = resolveTimeout(options.timeout);
    return new Promise<CommandResult>((resolve, reject) => {
      const stdout = new OutputBuffer();
      const stderr = new OutputBuffer();
      let timedOut = false;
      let aborted = false;
      const child = spawnShell(line);
      const timer =
        timeout === null
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              killGroup(child);
            }, timeout * 1000);
      const onAbort = (): void => {
        aborted = true;
        killGroup(child);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) onAbort();

      child.stdout?.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
        options.onStdout?.(chunk);
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr.push(chunk);
        options.onStderr?.(chunk);
      });
      // A command that exits without reading its stdin makes our write fail with EPIPE; that is not an error.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.stdin);

      const finish = (): void => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      child.on('error', (error) => {
        finish();
        reject(new CommandFailedError(line, { rc: null, stdout: '', stderr: error.message }, `Cannot run command on ${this.where}: ${error.message}\n${line}`));
      });
      child.on('close', (code, signal) => {
        finish();
        const partial = { stdout: stdout.text(), stderr: stderr.text() };
        if (timedOut && !aborted) {
          reject(new CommandTimeoutError(line, timeout ?? 0, partial, this.where));
          return;
        }
        const result: CommandResult = { rc: code, ...partial };
        if (signal) {
          result.rc = null;
          result.exitSignal = signal;
        }
        if (aborted) {
          result.rc = null;
          result.aborted = true;
        }
        resolve(result);
      });
    });
  }

  async writeFile(path: string, content: string | Buffer, options: WriteFileOptions = {}): Promise<void> {
    const line = writeFileCommand(path, options);
    const result = await this.exec(line, { stdin: content, timeout: 60 });
    if (result.rc !== 0) {
      throw new CommandFailedError(line, result, `Cannot write ${path} on ${this.where}: ${result.stderr.trim() || `rc ${String(result.rc)}`}`);
    }
  }

  async connectUnixSocket(path: string, options: { sudo?: boolean } = {}): Promise<Duplex> {
    if (options.sudo === true) return this.connectWithSocat(path, undefined);
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = netConnect(path);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = `${code ?? ''} ${(error as Error).message}`.trim();
      // Only a permission problem is worth sudo; a missing socket stays missing for root too.
      if (options.sudo === false || (code !== 'EACCES' && code !== 'EPERM')) {
        throw new UnixSocketError(path, this.where, reason);
      }
      return this.connectWithSocat(path, reason);
    }
  }

  private connectWithSocat(path: string, directFailure: string | undefined): Promise<Duplex> {
    const child = spawnShell(socatCommand(path));
    if (!child.stdin || !child.stdout || !child.stderr) throw new UnixSocketError(path, this.where, 'socat has no pipes');
    child.stdin.on('error', () => undefined);
    // SIGTERM, which sudo passes on to socat (a SIGKILL would stop sudo alone).
    const stream = joinStreams(child.stdout, child.stdin, () => killGroup(child, 'SIGTERM'));
    return awaitSocatBridge(
      {
        stream,
        stderr: child.stderr,
        onExit: (callback) => child.on('close', (code, signal) => callback(code, signal)),
        kill: () => killGroup(child, 'SIGTERM'),
      },
      path,
      this.where,
      directFailure,
    );
  }

  async close(): Promise<void> {
    // Nothing is pooled locally; each command is its own process.
  }
}
