/**
 * `transport: ssh`: one ssh2 connection per node (pooled by the facade), shared by every keyword and
 * session, with keepalive, one transparent reconnect when the connection is found dead before a command
 * starts, and at most `maxSessions` channels at once.
 *
 * Reconnect rule: a command is retried on a new connection only when its channel was never opened (the
 * server cannot have run it). Once the exec request is out, a dead connection is reported as
 * ConnectionLostError and nothing is re-run.
 */
import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { ChannelLimiter, ChannelLimitWaitAborted } from './channel-limiter';
import { checkCommand, commandLine, OutputBuffer, resolveTimeout, socatCommand, writeFileCommand } from './command';
import {
  CommandFailedError,
  CommandTimeoutError,
  ConnectionLostError,
  NodeConnectionError,
  NodeError,
  UnixSocketError,
  type ConnectionFailureCause,
} from './errors';
import { hostKeyAlgorithmsFor, KnownHosts, sha256Fingerprint } from './known-hosts';
import { nodeLogger } from './log';
import { nodeLabel } from './node';
import { awaitSocatBridge } from './socat';
import { joinStreams } from './streams';
import type { CommandResult, ExecOptions, Node, NodeTransport, WriteFileOptions } from './types';

/** OpenSSH's default `MaxSessions`. */
export const DEFAULT_MAX_SESSIONS = 10;
const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** CSIT's paramiko keepalive was 10 s; three unanswered probes declare the connection dead. */
const KEEPALIVE_INTERVAL_MS = 10_000;
const KEEPALIVE_COUNT_MAX = 3;
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

/** One live ssh2 client; `alive` turns false on its first `end`/`close`. */
interface Connection {
  client: Client;
  alive: boolean;
  id: number;
}

interface ChannelOpenError extends Error {
  reason?: number | string;
}

interface HostKeyPolicy {
  verifier: (key: Buffer) => boolean;
  failure: () => ConnectionFailureCause | undefined;
  detail: () => string;
  /** Host-key algorithms to ask for (those on file in known_hosts), else ssh2's defaults. */
  algorithms?: string[];
}

/** Records a channel's exit status from the moment it opens, whether or not anyone listens yet. */
class ExitWatch {
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

interface OpenedExec {
  connection: Connection;
  channel: ClientChannel;
  exit: ExitWatch;
  /** Frees the channel slot; called once the channel has closed. */
  release: () => void;
}

type OpenFailure = 'connection-gone' | 'refused' | 'unknown';

/** Why opening a session channel failed, and thereby whether the command can have started. */
function classifyOpenFailure(error: ChannelOpenError, connection: Connection): OpenFailure {
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

function classifyConnectError(error: NodeJS.ErrnoException & { level?: string }): ConnectionFailureCause {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unreachable';
  }
  if (error.level === 'client-authentication') return 'auth-failed';
  if (error.level === 'client-timeout') return 'timeout';
  return 'other';
}

export class SshTransport implements NodeTransport {
  readonly kind = 'ssh' as const;
  private readonly node: Node;
  private readonly label: string;
  private readonly limiter: ChannelLimiter;
  private connection: Connection | undefined;
  private connecting: Promise<Connection> | undefined;
  private connectionCount = 0;
  private readonly acceptedFingerprints = new Set<string>();

  constructor(node: Node) {
    this.node = node;
    this.label = nodeLabel(node);
    this.limiter = new ChannelLimiter(node.maxSessions ?? DEFAULT_MAX_SESSIONS);
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
    return this.connectionCount;
  }

  // --- connection ---------------------------------------------------------------------------------------

  private async liveConnection(): Promise<Connection> {
    if (this.connection?.alive) return this.connection;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** How this node's host key is checked; `failure`/`detail` say why a key was refused, once refused. */
  private async hostKeyPolicy(): Promise<HostKeyPolicy> {
    const { host, port } = this.node;
    let failure: ConnectionFailureCause | undefined;
    let detail = '';
    const fail = (cause: ConnectionFailureCause, why: string): boolean => {
      failure = cause;
      detail = why;
      nodeLogger().warn(`Refusing host key of ${this.label}: ${why}`);
      return false;
    };
    const result = { failure: () => failure, detail: () => detail };

    if (this.node.hostKeyFingerprint) {
      const pinned = this.node.hostKeyFingerprint;
      return {
        ...result,
        verifier: (key) => {
          const offered = sha256Fingerprint(key);
          return offered === pinned || fail('host-key-mismatch', `server offered ${offered}, pinned ${pinned}`);
        },
      };
    }
    if (this.node.knownHostsFile) {
      const file = this.node.knownHostsFile;
      let knownHosts: KnownHosts;
      try {
        knownHosts = new KnownHosts(await readFile(file, 'utf8'));
      } catch (error) {
        throw new NodeConnectionError(this.node, 'other', (error as Error).message, `Cannot read known_hosts file ${file} for ${this.label}: ${(error as Error).message}`);
      }
      const keyTypes = knownHosts.keyTypesFor(host, port);
      return {
        ...result,
        algorithms: keyTypes.length > 0 ? hostKeyAlgorithmsFor(keyTypes) : undefined,
        verifier: (key) => {
          const verdict = knownHosts.check(host, port, key);
          const offered = sha256Fingerprint(key);
          if (verdict === 'match') return true;
          if (verdict === 'unknown') return fail('host-key-unknown', `no entry for ${host}:${port} in ${file} (server offered ${offered})`);
          return fail('host-key-mismatch', `server offered ${offered}, which ${verdict === 'revoked' ? 'is marked @revoked' : 'does not match the entry'} in ${file}`);
        },
      };
    }
    return {
      ...result,
      verifier: (key) => {
        const offered = sha256Fingerprint(key);
        if (!this.acceptedFingerprints.has(offered)) {
          this.acceptedFingerprints.add(offered);
          // CSIT's paramiko AutoAddPolicy did the same, silently; we at least say so.
          nodeLogger().info(`Accepted host key ${offered} of ${this.label} without verification (no host_key_fingerprint or known_hosts in the node dict)`);
        }
        return true;
      },
    };
  }

  private async connect(): Promise<Connection> {
    const policy = await this.hostKeyPolicy();
    const timeoutSeconds = this.node.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
    const config: ConnectConfig = {
      host: this.node.host,
      port: this.node.port,
      username: this.node.username,
      readyTimeout: timeoutSeconds * 1000,
      keepaliveInterval: KEEPALIVE_INTERVAL_MS,
      keepaliveCountMax: KEEPALIVE_COUNT_MAX,
      hostVerifier: policy.verifier,
    };
    if (this.node.password !== undefined) config.password = this.node.password;
    if (this.node.privKey) config.privateKey = this.node.privKey;
    if (policy.algorithms) config.algorithms = { serverHostKey: policy.algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };

    const client = new Client();
    const connection: Connection = { client, alive: false, id: this.connectionCount + 1 };
    return new Promise<Connection>((resolve, reject) => {
      let settled = false;
      const settleError = (error: NodeConnectionError): void => {
        if (settled) return;
        settled = true;
        client.end();
        reject(error);
      };
      client.on('ready', () => {
        settled = true;
        connection.alive = true;
        // Small request packets (channel open, exec, EOF) must not wait for Nagle + delayed ACK (~40 ms each).
        client.setNoDelay(true);
        this.connectionCount += 1;
        this.connection = connection;
        nodeLogger().debug(`Connected to ${this.label} (connection #${connection.id})`);
        resolve(connection);
      });
      client.on('error', (error: NodeJS.ErrnoException & { level?: string }) => {
        if (settled) {
          nodeLogger().debug(`SSH connection #${connection.id} to ${this.label}: ${error.message}`);
          return;
        }
        const hostKeyFailure = policy.failure();
        settleError(new NodeConnectionError(this.node, hostKeyFailure ?? classifyConnectError(error), hostKeyFailure ? policy.detail() : error.message));
      });
      const onGone = (): void => {
        if (connection.alive) nodeLogger().info(`SSH connection #${connection.id} to ${this.label} closed`);
        connection.alive = false;
        if (this.connection === connection) this.connection = undefined;
        settleError(new NodeConnectionError(this.node, 'other', 'the server closed the connection during the handshake'));
      };
      client.on('end', onGone);
      client.on('close', onGone);
      try {
        client.connect(config);
      } catch (error) {
        settleError(new NodeConnectionError(this.node, 'other', (error as Error).message));
      }
    });
  }

  private drop(connection: Connection): void {
    connection.alive = false;
    if (this.connection === connection) this.connection = undefined;
    connection.client.end();
  }

  // --- channels -----------------------------------------------------------------------------------------

  private execOnClient(connection: Connection, line: string): Promise<{ channel: ClientChannel; exit: ExitWatch }> {
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
          channel.on('error', (channelError: Error) => nodeLogger().debug(`Channel error on ${this.label}: ${channelError.message}`));
          resolve({ channel, exit });
        });
      } catch (error) {
        reject(error);
      }
    });
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
        connection = await this.liveConnection();
      } catch (error) {
        release();
        throw error;
      }
      try {
        const { channel, exit } = await this.execOnClient(connection, line);
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
          this.drop(connection);
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
      return await this.runOnChannel(opened, line, timeout, deadline.signal, options);
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private runOnChannel(
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
        else reject(new CommandTimeoutError(line, timeout ?? 0, partial(), this.label));
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
          reject(new ConnectionLostError(this.node, line, partial(), 'the connection closed before the command reported its exit status'));
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

  async writeFile(path: string, content: string | Buffer, options: WriteFileOptions = {}): Promise<void> {
    const line = writeFileCommand(path, options);
    const result = await this.exec(line, { stdin: content, timeout: WRITE_FILE_TIMEOUT_SECONDS });
    if (result.rc !== 0) {
      throw new CommandFailedError(line, result, `Cannot write ${path} on ${this.label}: ${result.stderr.trim() || `rc ${String(result.rc)}`}`);
    }
  }

  // --- unix sockets -------------------------------------------------------------------------------------

  private forwardStreamLocal(connection: Connection, path: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      try {
        connection.client.openssh_forwardOutStreamLocal(path, (error, channel) => (error ? reject(error) : resolve(channel)));
      } catch (error) {
        reject(error);
      }
    });
  }

  async connectUnixSocket(path: string, options: { sudo?: boolean } = {}): Promise<Duplex> {
    if (path === '') throw new UnixSocketError(path, this.label, 'empty socket path');
    if (options.sudo === true) return this.connectWithSocat(path, undefined);
    let directFailure = '';
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const connection = await this.liveConnection();
      try {
        // direct-streamlocal channels are not sessions: they do not count against MaxSessions.
        return await this.forwardStreamLocal(connection, path);
      } catch (error) {
        directFailure = (error as Error).message;
        if (classifyOpenFailure(error as ChannelOpenError, connection) === 'connection-gone' && attempt === 0) {
          this.drop(connection);
          continue;
        }
        break;
      }
    }
    const why = `sshd refused direct-streamlocal for ${this.node.username} (${directFailure}): the socket is missing, or ${this.node.username} may not open it`;
    if (options.sudo === false) throw new UnixSocketError(path, this.label, why);
    nodeLogger().debug(`${why}; trying sudo socat`);
    return this.connectWithSocat(path, directFailure);
  }

  private async connectWithSocat(path: string, directFailure: string | undefined): Promise<Duplex> {
    const line = socatCommand(path);
    const never = new AbortController().signal;
    let opened: OpenedExec;
    try {
      opened = await this.openExec(line, never);
    } catch (error) {
      if (error instanceof NodeError) throw new UnixSocketError(path, this.label, `${directFailure === undefined ? '' : `direct connect failed (${directFailure}); `}sudo socat could not start: ${error.message}`);
      throw error;
    }
    const { channel, exit, release } = opened;
    // The bridge holds a session channel for as long as the socket is open.
    channel.on('close', release);
    // ssh2 emits 'close' only after the stdout side was read to its end: keep it flowing when we let go.
    const letGo = (): void => {
      channel.resume();
      channel.close();
    };
    // Reading through a wrapper keeps the channel flowing, so 'close' (and the slot release) always comes.
    const stream = joinStreams(channel, channel, letGo);
    return awaitSocatBridge(
      {
        stream,
        stderr: channel.stderr,
        onExit: (callback) => exit.onExit(() => callback(exit.code ?? null, exit.signal ?? null)),
        kill: letGo,
      },
      path,
      this.label,
      directFailure,
    ).then((bridge) => {
      channel.stderr.resume();
      return bridge;
    });
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    const pending = this.connecting;
    if (connection) await this.endConnection(connection);
    if (pending) {
      await pending.then((late) => this.endConnection(late)).catch(() => undefined);
    }
  }

  private endConnection(connection: Connection): Promise<void> {
    connection.alive = false;
    if (this.connection === connection) this.connection = undefined;
    return new Promise((resolve) => {
      const done = setTimeout(resolve, 2000);
      connection.client.once('close', () => {
        clearTimeout(done);
        resolve();
      });
      connection.client.end();
    });
  }
}
