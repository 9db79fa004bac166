/**
 * `transport: ssh`: one ssh2 connection per node (pooled by the facade, `ssh-connection.ts`), shared by
 * every keyword and session, with keepalive, one transparent reconnect when the connection is found dead
 * before a command starts, and at most `maxSessions` channels at once. A command's channel is
 * `ssh-channel.ts`; unix sockets are `ssh-socket.ts`.
 *
 * Reconnect rule: a command is retried on a new connection only when its channel was never opened (the
 * server cannot have run it). Once the exec request is out, a dead connection is reported as
 * ConnectionLostError and nothing is re-run.
 */
import type { Duplex } from 'node:stream';
import { ChannelLimiter, ChannelLimitWaitAborted } from './channel-limiter';
import { checkCommand, commandLine, resolveTimeout, writeFileCommand } from './command';
import { CommandFailedError, CommandTimeoutError, ConnectionLostError, NodeConnectionError } from './errors';
import { nodeLogger } from './log';
import { nodeLabel } from './node';
import { classifyOpenFailure, openExecChannel, runOnChannel, type ChannelOpenError, type OpenedExec } from './ssh-channel';
import { SshConnections, type Connection } from './ssh-connection';
import { connectUnixSocket, type SocketChannels } from './ssh-socket';
import type { CommandResult, ExecOptions, Node, NodeTransport, WriteFileOptions } from './types';

/** OpenSSH's default `MaxSessions`. */
export const DEFAULT_MAX_SESSIONS = 10;
const WRITE_FILE_TIMEOUT_SECONDS = 120;
/**
 * Refusals of one channel request, with others open, over how long, before the session limit is lowered:
 * a loaded sshd can take a while to free closed sessions, which must not shrink the limit.
 */
const REFUSALS_BEFORE_LOWERING = 5;
const REFUSING_MS_BEFORE_LOWERING = 1000;

/** Waits `ms`, or rejects as the limiter does when `signal` aborts (the caller's deadline). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ChannelLimitWaitAborted('aborted while backing off'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ChannelLimitWaitAborted('aborted while backing off'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class SshTransport implements NodeTransport {
  readonly kind = 'ssh' as const;
  private readonly node: Node;
  private readonly label: string;
  private readonly limiter: ChannelLimiter;
  private readonly connections: SshConnections;

  constructor(node: Node) {
    this.node = node;
    this.label = nodeLabel(node);
    this.limiter = new ChannelLimiter(node.maxSessions ?? DEFAULT_MAX_SESSIONS);
    this.connections = new SshConnections(node, this.label);
  }

  /** The session-channel limit in force (lowered when the server proved stricter than configured). */
  get channelLimit(): number {
    return this.limiter.limit;
  }

  /** The most session channels that were ever open at once on this transport. */
  get peakChannels(): number {
    return this.limiter.peakInUse;
  }

  /** How many connections this transport has made so far (1 unless it had to reconnect). */
  get connectionsMade(): number {
    return this.connections.made;
  }

  /**
   * Holds a channel slot and opens an exec channel running `line`. Retries on a fresh connection once
   * when the connection was dead before the channel opened; requeues when the server's session limit
   * turns out lower than ours. The returned `release` must be called when the channel has closed.
   */
  private async openExec(line: string, signal: AbortSignal): Promise<OpenedExec> {
    let reconnected = false;
    let refusals = 0;
    let firstRefusal: number | undefined;
    for (;;) {
      // A refused request goes back to the head of the queue, not the tail.
      const release = await this.limiter.acquire({ signal, front: refusals > 0 });
      let connection: Connection;
      try {
        connection = await this.connections.live();
      } catch (error) {
        release();
        throw error;
      }
      try {
        const { channel, exit } = await openExecChannel(connection, line, this.label);
        return { connection, channel, exit, release };
      } catch (error) {
        const othersOpen = this.limiter.inUse - 1;
        release();
        const failure = classifyOpenFailure(error as ChannelOpenError, connection);
        if (failure === 'refused' && othersOpen >= 1) {
          // sshd frees a closed session a moment after the close, so a refusal right at the limit is
          // usually transient: back off briefly. Refused again and again means its limit is lower than ours.
          refusals += 1;
          firstRefusal ??= Date.now();
          if (refusals >= REFUSALS_BEFORE_LOWERING && Date.now() - firstRefusal >= REFUSING_MS_BEFORE_LOWERING) {
            const lowered = this.limiter.lowerAfterRefusal(othersOpen);
            if (lowered !== undefined && lowered < othersOpen + 1) {
              nodeLogger().info(`${this.label} keeps refusing channels with ${othersOpen} open: session limit now ${lowered} (set max_sessions to sshd's MaxSessions)`);
            }
          }
          await sleep(Math.min(5 * 2 ** refusals, 200), signal);
          continue;
        }
        if ((failure === 'connection-gone' || failure === 'refused') && !reconnected) {
          // CSIT did the same: one reconnect and one retry of the channel open, which never ran anything.
          reconnected = true;
          nodeLogger().info(`Reconnecting to ${this.label}: ${(error as Error).message}`);
          this.connections.drop(connection);
          continue;
        }
        if (failure === 'unknown' && !connection.alive) {
          throw new ConnectionLostError(this.node, line, { stdout: '', stderr: '' }, (error as Error).message);
        }
        throw new NodeConnectionError(this.node, failure === 'connection-gone' ? 'connection-lost' : 'other', (error as Error).message, `Cannot open an SSH channel on ${this.label} to run: ${line}\n${(error as Error).message}`);
      }
    }
  }

  async exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    checkCommand(command);
    const line = commandLine(command, options.sudo);
    const timeout = resolveTimeout(options.timeout);
    // The timeout covers the whole call, waiting for a free channel included: it is how long the caller waits.
    const deadline = new AbortController();
    const timer = timeout === null ? undefined : setTimeout(() => deadline.abort(), timeout * 1000);
    const onCallerAbort = (): void => deadline.abort();
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (options.signal?.aborted) deadline.abort();
    try {
      let opened: OpenedExec;
      try {
        opened = await this.openExec(line, deadline.signal);
      } catch (error) {
        if (!(error instanceof ChannelLimitWaitAborted)) throw error;
        if (options.signal?.aborted) return { rc: null, stdout: '', stderr: '', aborted: true };
        throw new CommandTimeoutError(line, timeout ?? 0, { stdout: '', stderr: '' }, `${this.label}; never started: all ${this.limiter.limit} channels were busy`);
      }
      return await runOnChannel({ node: this.node, label: this.label }, opened, line, timeout, deadline.signal, options);
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  async writeFile(path: string, content: string | Buffer, options: WriteFileOptions = {}): Promise<void> {
    const line = writeFileCommand(path, options);
    const result = await this.exec(line, { stdin: content, timeout: WRITE_FILE_TIMEOUT_SECONDS });
    if (result.rc !== 0) {
      throw new CommandFailedError(line, result, `Cannot write ${path} on ${this.label}: ${result.stderr.trim() || `rc ${String(result.rc)}`}`);
    }
  }

  connectUnixSocket(path: string, options: { sudo?: boolean } = {}): Promise<Duplex> {
    const channels: SocketChannels = {
      node: this.node,
      label: this.label,
      connections: this.connections,
      openExec: (line, signal) => this.openExec(line, signal),
    };
    return connectUnixSocket(channels, path, options);
  }

  close(): Promise<void> {
    return this.connections.close();
  }
}
