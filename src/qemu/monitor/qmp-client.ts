/**
 * QEMU Machine Protocol client: greeting, capabilities negotiation, commands matched to replies by id,
 * asynchronous events passed to a listener, per-command timeouts.
 *
 * The QMP chardev serves one client at a time: whoever holds the connection must serve every other user
 * of that VM's monitor too (`src/qemu/vm-monitor.ts` holds one per VM and reads its events).
 */
import type { Duplex } from 'node:stream';
import { JsonLineChannel, NO_LOGGER, openDuplex, type ChannelProblem, type DuplexSource, type MonitorLogger } from './json-channel';
import { MonitorClosedError, MonitorProtocolError, QmpError } from './errors';
import { isJsonObject, previewText, type JsonObject, type JsonValue } from './json-lines';
import { parseCommandError } from './replies';

export interface QmpVersion {
  major: number;
  minor: number;
  micro: number;
  /** Distribution build string, e.g. `Debian 1:7.2+dfsg-7+deb12u18+b3`. */
  package: string;
}

export interface QmpGreeting {
  version: QmpVersion;
  /** Capabilities the server offers (`oob`); none is enabled by this client. */
  capabilities: string[];
}

export interface QmpEvent {
  event: string;
  data: JsonObject;
  timestamp?: { seconds: number; microseconds: number };
}

export interface QmpStatus {
  /** `running`, `paused`, `prelaunch`, `shutdown`, ... */
  status: string;
  running: boolean;
}

/** One vCPU and the host thread that runs it. */
export interface VcpuThread {
  cpuIndex: number;
  /** Host thread id (TID), usable with taskset and chrt. */
  threadId: number;
}

export interface QmpCommandOptions {
  /** Overrides the client's `commandTimeoutMs` for this command. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface QmpClientOptions {
  /** Default reply timeout per command. Default 10 s. */
  commandTimeoutMs?: number;
  /** How long to wait for the greeting after connecting. Default 10 s. */
  greetingTimeoutMs?: number;
  maxLineBytes?: number;
  logger?: MonitorLogger;
  /** Asynchronous events (`SHUTDOWN`, `STOP`, ...). Without a listener they are logged at debug level. */
  onEvent?: (event: QmpEvent) => void;
  /** Aborts connecting (greeting and negotiation). */
  signal?: AbortSignal;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
const DEFAULT_GREETING_TIMEOUT_MS = 10_000;

const TIMEOUT_HINT = 'QEMU may be stopped, hung, or busy; the connection stays usable and a late reply is dropped';
const GREETING_HINT =
  'no QMP greeting: the QMP socket serves one client at a time, so another client may hold it; ' +
  'or the socket is not a QMP monitor';

export class QmpClient {
  private nextId = 1;
  private readonly channel: JsonLineChannel;
  private readonly logger: MonitorLogger;
  private greetingValue: QmpGreeting | undefined;

  private constructor(
    stream: Duplex,
    private readonly options: QmpClientOptions,
  ) {
    this.logger = options.logger ?? NO_LOGGER;
    this.channel = new JsonLineChannel(stream, {
      protocol: 'QMP',
      maxLineBytes: options.maxLineBytes,
      logger: this.logger,
      onUnclaimed: (message) => this.onUnclaimed(message),
      onProblem: (problem) => this.onProblem(problem),
    });
  }

  /** Opens the stream (if given a connector), reads the greeting and leaves capabilities negotiation mode. */
  static async connect(source: DuplexSource, options: QmpClientOptions = {}): Promise<QmpClient> {
    const client = new QmpClient(await openDuplex(source), options);
    try {
      await client.handshake();
      return client;
    } catch (error) {
      client.channel.destroy();
      throw error;
    }
  }

  get greeting(): QmpGreeting {
    if (!this.greetingValue) throw new MonitorProtocolError('QMP', 'QMP greeting not received yet');
    return this.greetingValue;
  }

  get closed(): boolean {
    return this.channel.closed;
  }

  /** Resolves when the connection has ended: QEMU exited, the transport broke, or `close()`. */
  whenClosed(): Promise<void> {
    return this.channel.whenClosed();
  }

  /** Runs `command` and resolves with its `return` value; a QMP error reply becomes a `QmpError`. */
  async execute(command: string, args?: JsonObject, options: QmpCommandOptions = {}): Promise<JsonValue> {
    const id = `qmp-${this.nextId++}`;
    const request: JsonObject = { execute: command, id };
    if (args !== undefined) request.arguments = args;
    const reply = await this.channel.request(request, (message) => message.id === id && !('event' in message), {
      command,
      timeoutMs: options.timeoutMs ?? this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      timeoutHint: TIMEOUT_HINT,
      signal: options.signal,
    });
    if ('return' in reply) return reply.return;
    const error = parseCommandError(reply);
    if (error) throw new QmpError(command, error.errorClass, error.desc);
    throw new MonitorProtocolError('QMP', `reply to "${command}" has neither "return" nor "error": ${previewText(JSON.stringify(reply))}`);
  }

  async queryStatus(options?: QmpCommandOptions): Promise<QmpStatus> {
    const value = await this.execute('query-status', undefined, options);
    if (!isJsonObject(value) || typeof value.status !== 'string' || typeof value.running !== 'boolean') {
      throw this.unexpected('query-status', value);
    }
    return { status: value.status, running: value.running };
  }

  /**
   * vCPU host threads in vCPU order. The top-level `thread-id` is the host TID; `props.thread-id` is the
   * SMT thread index inside a core and must not be used for pinning.
   */
  async queryCpusFast(options?: QmpCommandOptions): Promise<VcpuThread[]> {
    const value = await this.execute('query-cpus-fast', undefined, options);
    if (!Array.isArray(value)) throw this.unexpected('query-cpus-fast', value);
    const threads = value.map((cpu) => {
      if (!isJsonObject(cpu) || !Number.isInteger(cpu['cpu-index']) || !Number.isInteger(cpu['thread-id'])) {
        throw this.unexpected('query-cpus-fast', value);
      }
      return { cpuIndex: cpu['cpu-index'] as number, threadId: cpu['thread-id'] as number };
    });
    return threads.sort((a, b) => a.cpuIndex - b.cpuIndex);
  }

  /**
   * Asks QEMU to exit and waits until it closes the monitor connection (it does so while exiting). QEMU may
   * close the connection before its reply arrives; that counts as success. The client is closed afterwards.
   */
  async quit(options: QmpCommandOptions = {}): Promise<void> {
    if (this.channel.closed) throw this.channel.closedError('quit');
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const started = Date.now();
    try {
      await this.execute('quit', undefined, { ...options, timeoutMs });
    } catch (error) {
      if (!(error instanceof MonitorClosedError)) throw error;
    }
    const remaining = Math.max(0, timeoutMs - (Date.now() - started));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.channel.whenClosed(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, remaining);
      }),
    ]);
    clearTimeout(timer);
    await this.close();
  }

  /** Closes the connection; pending commands fail with `MonitorClosedError`. Safe to call twice. */
  async close(): Promise<void> {
    await this.channel.close();
  }

  private async handshake(): Promise<void> {
    const greeting = await this.channel.waitFor((message) => 'QMP' in message, {
      command: 'greeting',
      timeoutMs: this.options.greetingTimeoutMs ?? DEFAULT_GREETING_TIMEOUT_MS,
      timeoutHint: GREETING_HINT,
      signal: this.options.signal,
    });
    this.greetingValue = parseGreeting(greeting);
    this.logger.debug(
      `QMP: connected to QEMU ${this.greetingValue.version.major}.${this.greetingValue.version.minor}.` +
        `${this.greetingValue.version.micro} (${this.greetingValue.version.package})`,
    );
    await this.execute('qmp_capabilities', undefined, { signal: this.options.signal });
  }

  private onUnclaimed(message: JsonObject): void {
    if (typeof message.event === 'string') {
      const event = toEvent(message, message.event);
      if (!this.options.onEvent) {
        this.logger.debug(`QMP event ${event.event}: ${JSON.stringify(event.data)}`);
        return;
      }
      try {
        this.options.onEvent(event);
      } catch (error) {
        this.logger.warn(`QMP event listener failed on ${event.event}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return;
    }
    if ('id' in message) {
      this.logger.debug(`QMP: dropping a reply nobody waits for (late reply to a timed-out command): ${previewText(JSON.stringify(message))}`);
      return;
    }
    this.logger.warn(`QMP: unexpected message: ${previewText(JSON.stringify(message))}`);
  }

  /** QMP output is well-formed JSON lines; anything else means the stream cannot be trusted any more. */
  private onProblem(problem: ChannelProblem): void {
    const error = new MonitorProtocolError('QMP', `QMP stream is corrupt (${problem.kind}): ${problem.detail}`);
    this.logger.warn(error.message);
    this.channel.failWaiters(() => error);
    this.channel.destroy(`closed after a protocol error (${problem.kind}): ${problem.detail}`);
  }

  private unexpected(command: string, value: JsonValue): MonitorProtocolError {
    return new MonitorProtocolError('QMP', `unexpected reply to "${command}": ${previewText(JSON.stringify(value))}`);
  }
}

function parseGreeting(message: JsonObject): QmpGreeting {
  const qmp = message.QMP;
  const version = isJsonObject(qmp) ? qmp.version : undefined;
  const qemu = isJsonObject(version) ? version.qemu : undefined;
  const capabilities = isJsonObject(qmp) ? qmp.capabilities : undefined;
  if (
    !isJsonObject(version) ||
    !isJsonObject(qemu) ||
    typeof qemu.major !== 'number' ||
    typeof qemu.minor !== 'number' ||
    typeof qemu.micro !== 'number' ||
    !Array.isArray(capabilities)
  ) {
    throw new MonitorProtocolError('QMP', `malformed QMP greeting: ${previewText(JSON.stringify(message))}`);
  }
  return {
    version: {
      major: qemu.major,
      minor: qemu.minor,
      micro: qemu.micro,
      package: typeof version.package === 'string' ? version.package : '',
    },
    capabilities: capabilities.filter((c): c is string => typeof c === 'string'),
  };
}

function toEvent(message: JsonObject, name: string): QmpEvent {
  const event: QmpEvent = { event: name, data: isJsonObject(message.data) ? message.data : {} };
  const stamp = message.timestamp;
  if (isJsonObject(stamp) && typeof stamp.seconds === 'number' && typeof stamp.microseconds === 'number') {
    event.timestamp = { seconds: stamp.seconds, microseconds: stamp.microseconds };
  }
  return event;
}
