/**
 * QEMU guest agent client. The agent speaks QMP's wire format but has no greeting, and its channel (often an
 * emulated serial port) can hold stale or partial output, so every conversation starts with the
 * `guest-sync-delimited` handshake: send 0xFF (resets the agent's parser) and a random id, then discard
 * everything until the agent answers with that id.
 *
 * Commands run one at a time; a sync is done before the first command and again after any command that
 * timed out or was aborted, so a late reply never passes as the answer to a later command.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Duplex } from 'node:stream';
import { JsonLineChannel, NO_LOGGER, openDuplex, type ChannelProblem, type DuplexSource, type MonitorLogger } from './json-channel';
import {
  MonitorAbortedError,
  MonitorError,
  MonitorProtocolError,
  MonitorTimeoutError,
  QgaError,
  QgaNotReadyError,
} from './errors';
import { isJsonObject, previewText, type JsonObject, type JsonValue } from './json-lines';
import { parseCommandError } from './replies';

export interface GuestIpAddress {
  /** `ipv4` or `ipv6`. */
  type: string;
  address: string;
  prefix: number;
}

export interface GuestNetworkInterface {
  name: string;
  /** MAC address as the guest reports it (lower case); absent for interfaces without one. */
  hardwareAddress?: string;
  ipAddresses: GuestIpAddress[];
}

export interface QgaCommandOptions {
  /** Overrides the client's `commandTimeoutMs` for this command (and for the sync that may precede it). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface QgaExecuteOptions extends QgaCommandOptions {
  /** For commands the agent never answers (guest-shutdown, guest-suspend-*): resolve once written. */
  noReply?: boolean;
}

export interface QgaClientOptions {
  /** Default reply timeout per command. Default 10 s. */
  commandTimeoutMs?: number;
  maxLineBytes?: number;
  logger?: MonitorLogger;
}

export interface QgaReadyOptions extends QgaClientOptions {
  /** Opens a fresh stream to the agent's socket; called again after every failed or closed connection. */
  connect: () => Promise<Duplex>;
  /** Overall budget; `QgaNotReadyError` when it runs out. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Pause between connection attempts and between unanswered guest-sync probes. Default 500 ms. */
  retryIntervalMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
const DEFAULT_RETRY_INTERVAL_MS = 500;
const PARSER_RESET = Uint8Array.of(0xff);
/** guest-sync ids are ints on the agent's side; random ones make a stale reply from an earlier session unlikely to match. */
const MAX_SYNC_ID = 0x7fffffff;

const TIMEOUT_HINT = 'the guest agent may not be running yet, or the guest is hung; the next command re-syncs first';

export class QgaClient {
  private nextId = 1;
  private synced = false;
  /** Messages and noise discarded while not in sync, reported once the sync succeeds. */
  private droppedBeforeSync = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly channel: JsonLineChannel;
  private readonly logger: MonitorLogger;

  private constructor(
    stream: Duplex,
    private readonly options: QgaClientOptions,
  ) {
    this.logger = options.logger ?? NO_LOGGER;
    this.channel = new JsonLineChannel(stream, {
      protocol: 'QGA',
      maxLineBytes: options.maxLineBytes,
      logger: this.logger,
      onUnclaimed: (message) => {
        // Before the first sync answer, stale replies to earlier probes and parse errors are expected by the dozen.
        if (!this.synced) this.droppedBeforeSync++;
        else this.logger.debug(`QGA: dropping a message nobody waits for: ${previewText(JSON.stringify(message))}`);
      },
      onProblem: (problem) => this.onProblem(problem),
    });
  }

  /** Opens the stream (if given a connector). Nothing is sent until the first command or `sync()`. */
  static async connect(source: DuplexSource, options: QgaClientOptions = {}): Promise<QgaClient> {
    return new QgaClient(await openDuplex(source), options);
  }

  /**
   * Boot detection: (re)connects and sends guest-sync about every `retryIntervalMs` until the agent answers
   * guest-sync and then guest-ping, and returns the connected, synced client (close it when done: the
   * agent's port serves one client at a time). Needed because anything sent over an emulated serial port
   * before the agent runs is lost, and a socket may not exist yet while the VM starts.
   */
  static async waitUntilReady(options: QgaReadyOptions): Promise<QgaClient> {
    const started = Date.now();
    const deadline = started + options.timeoutMs;
    const retryMs = options.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS;
    const logger = options.logger ?? NO_LOGGER;
    const remaining = (): number => deadline - Date.now();
    let connectAttempts = 0;
    let syncsSent = 0;
    let lastProblem: string | undefined;
    const notReady = (): QgaNotReadyError => new QgaNotReadyError(options.timeoutMs, connectAttempts, syncsSent, lastProblem);
    const checkAbort = (): void => {
      if (options.signal?.aborted) {
        throw new MonitorAbortedError('QGA', 'waiting for the guest agent', options.signal.reason);
      }
    };
    const pause = async (): Promise<void> => {
      const ms = Math.min(retryMs, remaining());
      if (ms <= 0) return;
      try {
        await sleep(ms, undefined, { signal: options.signal });
      } catch {
        checkAbort();
      }
    };

    for (;;) {
      checkAbort();
      if (remaining() <= 0) throw notReady();
      connectAttempts++;
      let stream: Duplex;
      try {
        stream = await connectWithin(options.connect, remaining(), options.signal);
      } catch (error) {
        checkAbort();
        lastProblem = `connect: ${describe(error)}`;
        await pause();
        continue;
      }
      const client = new QgaClient(stream, options);
      try {
        const probed = await client.probe(retryMs, remaining, options.signal, () => syncsSent++);
        if (probed) {
          const budget = (): number => Math.max(1, remaining());
          await client.sync({ timeoutMs: budget(), signal: options.signal });
          await client.ping({ timeoutMs: budget(), signal: options.signal });
          logger.debug(`QGA: agent ready after ${Date.now() - started} ms (${connectAttempts} connection(s), ${syncsSent} probe(s))`);
          return client;
        }
        lastProblem = client.channel.closed ? client.channel.closedError(undefined).message : 'no answer to guest-sync';
      } catch (error) {
        client.channel.destroy();
        checkAbort();
        lastProblem = describe(error);
        if (!(error instanceof MonitorError)) throw error;
        await pause();
        continue;
      }
      client.channel.destroy();
      await pause();
    }
  }

  get closed(): boolean {
    return this.channel.closed;
  }

  /** guest-sync-delimited with a fresh random id; discards whatever the channel held before the answer. */
  sync(options: QgaCommandOptions = {}): Promise<void> {
    return this.serialized(() => this.syncNow(options));
  }

  async ping(options?: QgaCommandOptions): Promise<void> {
    await this.execute('guest-ping', undefined, options);
  }

  async networkGetInterfaces(options?: QgaCommandOptions): Promise<GuestNetworkInterface[]> {
    const value = await this.execute('guest-network-get-interfaces', undefined, options);
    if (!Array.isArray(value)) throw unexpected('guest-network-get-interfaces', value ?? null);
    return value.map((entry) => {
      if (!isJsonObject(entry) || typeof entry.name !== 'string') throw unexpected('guest-network-get-interfaces', value);
      const result: GuestNetworkInterface = { name: entry.name, ipAddresses: [] };
      if (typeof entry['hardware-address'] === 'string') result.hardwareAddress = entry['hardware-address'];
      const addresses = entry['ip-addresses'];
      if (Array.isArray(addresses)) {
        for (const address of addresses) {
          if (
            isJsonObject(address) &&
            typeof address['ip-address-type'] === 'string' &&
            typeof address['ip-address'] === 'string' &&
            typeof address.prefix === 'number'
          ) {
            result.ipAddresses.push({ type: address['ip-address-type'], address: address['ip-address'], prefix: address.prefix });
          }
        }
      }
      return result;
    });
  }

  /**
   * Runs `command` (syncing first when needed) and resolves with its `return` value, or `undefined` for
   * `noReply`. An error reply becomes a `QgaError`.
   */
  execute(command: string, args?: JsonObject, options: QgaExecuteOptions = {}): Promise<JsonValue | undefined> {
    return this.serialized(async () => {
      if (!this.synced) await this.syncNow(options);
      const id = `qga-${this.nextId++}`;
      const request: JsonObject = { execute: command, id };
      if (args !== undefined) request.arguments = args;
      if (options.noReply) {
        await this.channel.send(request, command);
        return undefined;
      }
      const reply = await this.guarded(
        this.channel.request(request, (message) => message.id === id, {
          command,
          timeoutMs: this.timeoutOf(options),
          timeoutHint: TIMEOUT_HINT,
          signal: options.signal,
        }),
      );
      if ('return' in reply) return reply.return;
      const error = parseCommandError(reply);
      if (error) throw new QgaError(command, error.errorClass, error.desc);
      throw new MonitorProtocolError('QGA', `reply to "${command}" has neither "return" nor "error": ${previewText(JSON.stringify(reply))}`);
    });
  }

  /** Closes the connection; pending commands fail with `MonitorClosedError`. Safe to call twice. */
  async close(): Promise<void> {
    await this.channel.close();
  }

  private async syncNow(options: QgaCommandOptions): Promise<void> {
    const id = randomSyncId();
    this.synced = false;
    await this.guarded(
      this.channel.request(
        syncRequest(id),
        (message) => message.return === id,
        {
          command: 'guest-sync-delimited',
          timeoutMs: this.timeoutOf(options),
          timeoutHint: TIMEOUT_HINT,
          signal: options.signal,
        },
        PARSER_RESET,
      ),
    );
    this.synced = true;
    if (this.droppedBeforeSync > 0) {
      this.logger.debug(`QGA: discarded ${this.droppedBeforeSync} stale message(s) or garbled line(s) before the sync answer`);
      this.droppedBeforeSync = 0;
    }
  }

  /**
   * Sends a guest-sync every `intervalMs` on this connection until the agent answers any of them. Returns
   * false when the connection closed or time ran out; the caller then reconnects.
   */
  private async probe(intervalMs: number, remaining: () => number, signal: AbortSignal | undefined, onSent: () => void): Promise<boolean> {
    const sent = new Set<JsonValue>();
    while (!this.channel.closed && remaining() > 0) {
      const id = randomSyncId();
      sent.add(id);
      onSent();
      try {
        await this.channel.request(
          syncRequest(id),
          (message) => sent.has(message.return),
          {
            command: 'guest-sync-delimited',
            timeoutMs: Math.max(1, Math.min(intervalMs, remaining())),
            timeoutHint: TIMEOUT_HINT,
            signal,
          },
          PARSER_RESET,
        );
        return true;
      } catch (error) {
        if (!(error instanceof MonitorTimeoutError)) throw error;
      }
    }
    return false;
  }

  private timeoutOf(options: QgaCommandOptions): number {
    return options.timeoutMs ?? this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  }

  /** After a failed wait the channel may still deliver the reply later: force a re-sync before the next command. */
  private async guarded(reply: Promise<JsonObject>): Promise<JsonObject> {
    try {
      return await reply;
    } catch (error) {
      this.synced = false;
      throw error;
    }
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Before a sync, noise is expected (stale output, serial garbage) and ignored; after it, it breaks the reply. */
  private onProblem(problem: ChannelProblem): void {
    if (!this.synced) {
      this.droppedBeforeSync++;
      return;
    }
    const error = new MonitorProtocolError('QGA', `QGA stream is corrupt (${problem.kind}): ${problem.detail}`);
    this.logger.warn(error.message);
    this.synced = false;
    this.channel.failWaiters(() => error);
  }
}

function syncRequest(id: number): JsonObject {
  return { execute: 'guest-sync-delimited', arguments: { id } };
}

function randomSyncId(): number {
  return 1 + Math.floor(Math.random() * MAX_SYNC_ID);
}

/** Bounds a connector that may hang (an SSH channel open); a stream that arrives too late is destroyed. */
async function connectWithin(connect: () => Promise<Duplex>, timeoutMs: number, signal: AbortSignal | undefined): Promise<Duplex> {
  const pending = connect();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const giveUp = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${timeoutMs} ms`)), Math.max(1, timeoutMs));
    onAbort = () => reject(new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([pending, giveUp]);
  } catch (error) {
    pending.then((late) => late.destroy(), () => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unexpected(command: string, value: JsonValue): MonitorProtocolError {
  return new MonitorProtocolError('QGA', `unexpected reply to "${command}": ${previewText(JSON.stringify(value))}`);
}
