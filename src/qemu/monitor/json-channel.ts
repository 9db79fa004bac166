/**
 * A JSON-lines conversation over any Duplex (local unix socket, SSH direct-streamlocal channel, `socat` on an
 * SSH exec channel): sends messages, hands each incoming object to the first waiter that claims it, and turns
 * end of stream, timeouts and aborts into typed errors. QMP and QGA differ only in what they wait for.
 */
import type { Duplex } from 'node:stream';
import {
  MonitorAbortedError,
  MonitorClosedError,
  MonitorTimeoutError,
  type MonitorProtocol,
} from './errors';
import {
  encodeJsonLine,
  isJsonObject,
  JsonLineDecoder,
  previewText,
  type JsonLineProblemKind,
  type JsonObject,
} from './json-lines';

/** The part of a logger the clients use; a winston logger fits. */
export interface MonitorLogger {
  debug(message: string): void;
  warn(message: string): void;
}

/** Either an open stream, or a function that opens one (what the node layer's `connectUnixSocket` gives). */
export type DuplexSource = Duplex | (() => Promise<Duplex>);

export async function openDuplex(source: DuplexSource): Promise<Duplex> {
  return typeof source === 'function' ? source() : source;
}

export interface ChannelProblem {
  kind: JsonLineProblemKind | 'not-an-object';
  detail: string;
}

export interface WaitOptions {
  /** The command the reply belongs to, for error messages. */
  command: string;
  timeoutMs: number;
  /** Why a timeout may have happened, appended to the timeout error. */
  timeoutHint: string;
  signal?: AbortSignal;
}

interface Waiter {
  match: (message: JsonObject) => boolean;
  command: string;
  resolve: (message: JsonObject) => void;
  reject: (error: Error) => void;
}

export interface JsonLineChannelOptions {
  protocol: MonitorProtocol;
  maxLineBytes?: number;
  logger?: MonitorLogger;
  /** Objects no waiter claimed: events, late replies to timed-out commands. */
  onUnclaimed: (message: JsonObject) => void;
  /** Lines that are not JSON objects. The protocol decides whether they are noise or fatal. */
  onProblem: (problem: ChannelProblem) => void;
}

/** How long `close()` lets the peer acknowledge our end of stream before the stream is destroyed. */
const CLOSE_GRACE_MS = 500;

export const NO_LOGGER: MonitorLogger = { debug: () => undefined, warn: () => undefined };

export class JsonLineChannel {
  private readonly decoder: JsonLineDecoder;
  private readonly logger: MonitorLogger;
  private waiters: Waiter[] = [];
  private closedDetail: string | undefined;
  private streamError: Error | undefined;
  private readonly closedPromise: Promise<void>;
  private markClosed!: () => void;

  constructor(
    private readonly stream: Duplex,
    private readonly options: JsonLineChannelOptions,
  ) {
    this.decoder = new JsonLineDecoder({ maxLineBytes: options.maxLineBytes });
    this.logger = options.logger ?? NO_LOGGER;
    this.closedPromise = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    stream.on('data', (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('end', () => this.onEnd('the peer closed the connection (QEMU or the agent exited, or the socket went away)'));
    stream.on('close', () => this.onEnd('the connection was closed'));
    stream.on('error', (error: Error) => {
      this.streamError ??= error;
      this.onEnd(`stream error: ${error.message}`);
    });
    if (stream.destroyed || stream.readableEnded) this.onEnd('the stream was already closed when the client got it');
  }

  get closed(): boolean {
    return this.closedDetail !== undefined;
  }

  /** Resolves when the connection has ended, whoever ended it. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  /**
   * Writes `message` and resolves with the first incoming object `match` accepts. The waiter is in place
   * before the write, so no reply can slip past it.
   */
  request(message: JsonObject, match: (reply: JsonObject) => boolean, options: WaitOptions, prefix?: Uint8Array): Promise<JsonObject> {
    const reply = this.waitFor(match, options);
    // A rejected wait must not count as unhandled if the write fails first; the caller gets the wait's promise.
    reply.catch(() => undefined);
    if (!this.closed && !options.signal?.aborted) this.write(message, prefix);
    return reply;
  }

  /** Sends without waiting for anything (commands without a reply, such as guest-shutdown). */
  async send(message: JsonObject, command: string, prefix?: Uint8Array): Promise<void> {
    this.assertOpen(command);
    await new Promise<void>((resolve, reject) => {
      this.stream.write(encodeJsonLine(message, prefix), (error) => {
        if (error) reject(new MonitorClosedError(this.options.protocol, command, `write failed: ${error.message}`, { cause: error }));
        else resolve();
      });
    });
  }

  waitFor(match: (message: JsonObject) => boolean, options: WaitOptions): Promise<JsonObject> {
    const { protocol } = this.options;
    return new Promise<JsonObject>((resolve, reject) => {
      if (this.closedDetail !== undefined) {
        reject(this.closedError(options.command));
        return;
      }
      if (options.signal?.aborted) {
        reject(new MonitorAbortedError(protocol, `command "${options.command}"`, options.signal.reason));
        return;
      }
      const onAbort = (): void => {
        finish();
        reject(new MonitorAbortedError(protocol, `command "${options.command}"`, options.signal?.reason));
      };
      const finish = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const waiter: Waiter = {
        match,
        command: options.command,
        resolve: (message) => {
          finish();
          resolve(message);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        finish();
        reject(new MonitorTimeoutError(protocol, options.command, options.timeoutMs, options.timeoutHint));
      }, options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Fails every pending wait, e.g. on a protocol violation after which no reply can be trusted. */
  failWaiters(errorFor: (command: string) => Error): void {
    for (const waiter of [...this.waiters]) waiter.reject(errorFor(waiter.command));
  }

  /** Ends our side, gives the peer a moment to close, then destroys the stream. Pending waits fail. */
  async close(): Promise<void> {
    this.onEnd('closed by the client');
    if (this.stream.destroyed) return;
    const streamClosed = new Promise<void>((resolve) => this.stream.once('close', () => resolve()));
    this.stream.end();
    const timer = setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS);
    await streamClosed;
    clearTimeout(timer);
  }

  /** Destroys the stream at once; `reason` ends up in the errors of later commands. */
  destroy(reason = 'closed by the client'): void {
    this.onEnd(reason);
    this.stream.destroy();
  }

  closedError(command: string | undefined): MonitorClosedError {
    return new MonitorClosedError(this.options.protocol, command, this.closedDetail ?? 'not open', { cause: this.streamError });
  }

  private assertOpen(command: string): void {
    if (this.closedDetail !== undefined) throw this.closedError(command);
  }

  private write(message: JsonObject, prefix?: Uint8Array): void {
    this.stream.write(encodeJsonLine(message, prefix));
  }

  private onData(chunk: Buffer): void {
    for (const line of this.decoder.push(chunk)) {
      // A protocol may close the channel on a bad line; what follows it is not delivered.
      if (this.closedDetail !== undefined) return;
      if (line.kind === 'problem') {
        this.options.onProblem({ kind: line.problem, detail: line.detail });
      } else if (!isJsonObject(line.value)) {
        this.options.onProblem({ kind: 'not-an-object', detail: `expected a JSON object, got ${previewText(line.text)}` });
      } else {
        this.dispatch(line.value);
      }
    }
  }

  private dispatch(message: JsonObject): void {
    const waiter = this.waiters.find((w) => w.match(message));
    if (waiter) waiter.resolve(message);
    else this.options.onUnclaimed(message);
  }

  private onEnd(detail: string): void {
    if (this.closedDetail !== undefined) return;
    for (const line of this.decoder.end()) {
      if (line.kind === 'problem') this.options.onProblem({ kind: line.problem, detail: line.detail });
    }
    this.closedDetail = detail;
    this.logger.debug(`${this.options.protocol}: ${detail}`);
    this.failWaiters((command) => this.closedError(command));
    this.markClosed();
  }
}
