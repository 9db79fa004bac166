/**
 * The running VM's QMP monitor, held for as long as the VM runs: its events are read as they come (to the
 * server log at once, buffered for the Robot log of the session's next keyword and for `Wait For Qemu
 * Event`), and every QMP command of this VM goes over the same connection, because QEMU's QMP chardev
 * serves one client at a time: a second connection would wait unanswered until the first one closes.
 */
import { connectUnixSocket, nodeLabel } from '../node';
import type { CallContext, QemuLog } from './call';
import { QemuConfigError, QemuStateError } from './errors';
import { describeEvent, eventMatches, QmpClient, QmpEventBuffer, type BufferedEvent, type MonitorLogger, type QmpEvent } from './monitor';
import { onNodeStep } from './node-step';
import type { VmIdentity } from './vm-identity';

import type { ServerEventLog } from './server-log';

export { NO_SERVER_LOG, type ServerEventLog } from './server-log';

/** The event `Qemu Set Link` logs: QEMU emits none for `set_link` (checked on QEMU 7.2). */
export const SET_LINK_EVENT = 'QEMU_UTILS_SET_LINK';

/** A dropped connection is retried this often, 1 s, 2 s, 4 s apart; then the next QMP use reconnects. */
const RECONNECT_ATTEMPTS = 3;

export const WAIT_FOR_EVENT_DEFAULT_TIMEOUT = 30;

/** What `Wait For Qemu Event` returns: the event as QMP sent it (`timestamp` when QEMU gave one). */
export interface EventReply {
  event: string;
  data: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
  source: string;
}

export class VmMonitor {
  readonly events = new QmpEventBuffer();
  private client: QmpClient | undefined;
  private connecting: Promise<QmpClient> | undefined;
  /** True from `open` to `close`: a dropped connection is then re-established. */
  private active = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** `Wait For Qemu Event` looks at events after this one: the previous wait's match, or all it had seen. */
  private waitCursor = 0;

  constructor(
    private readonly identity: VmIdentity,
    private readonly serverLog: ServerEventLog,
    /** Whether the VM's command line has a QMP socket (CSIT HEAD's kernelvm has none). */
    private readonly hasQmp: () => boolean,
    /** Whether this instance's VM may still run: a VM killed behind the monitor's back (a failed pinning) is not reconnected to. */
    private readonly vmRuns: () => boolean = () => true,
  ) {}

  private get label(): string {
    return `VM ${this.identity.layout.qemuId} on ${nodeLabel(this.identity.node)}`;
  }

  /** After `Qemu Start`: holds the monitor and reads its events until `close`. Never fails the start. */
  async open(call: CallContext): Promise<void> {
    if (!this.hasQmp()) return;
    this.active = true;
    this.waitCursor = this.events.lastSeq;
    try {
      await this.connected(call);
    } catch (error) {
      call.log.debug(`QMP events of ${this.label} are not read yet: ${(error as Error).message}`);
      this.scheduleReconnect(1);
    }
  }

  /** Before the VM is killed: no more reconnects; the connection is let go. */
  async close(): Promise<void> {
    this.active = false;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  /** Runs `use` on the held connection, connecting (and from then on holding it) when there is none. */
  async withClient<T>(call: CallContext, use: (client: QmpClient) => Promise<T>): Promise<T> {
    return use(await this.connected(call));
  }

  /** Events not yet in a Robot log, written to this call's log (the session's next keyword after they came). */
  report(log: QemuLog): void {
    const { events, dropped } = this.events.takeUnreported();
    if (dropped > 0) log.warn(`${dropped} QMP events of ${this.label} were dropped unlogged (the buffer keeps the newest ${this.events.since(0).length})`);
    for (const event of events) log.info(`QMP event of ${this.label}: ${describeEvent(event)}`);
  }

  /**
   * The first `name` event whose data holds `data`'s fields, after the event the previous wait returned
   * (a kept one at once, else the next to come), within `timeoutSeconds`.
   */
  async waitForEvent(name: string, data: Record<string, unknown> | undefined, timeoutSeconds: number, call: CallContext): Promise<EventReply> {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_]+$/.test(name)) throw new QemuConfigError(`Wait For Qemu Event: event must be a QMP event name like STOP, got ${JSON.stringify(name)}`);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0) throw new QemuConfigError(`Wait For Qemu Event: timeout must be a number of seconds >= 0, got ${String(timeoutSeconds)}`);
    if (!this.hasQmp()) throw new QemuStateError(`Wait For Qemu Event: ${this.label} has no QMP monitor on its command line (CSIT HEAD's kernelvm adds none)`);
    // A VM that runs but whose connection dropped: read again, so the wait can see what comes.
    if (this.active && (this.client === undefined || this.client.closed)) {
      await this.connected(call).catch((error: unknown) => call.log.debug(`QMP of ${this.label} not reachable: ${(error as Error).message}`));
    }
    const after = this.waitCursor;
    // With no VM running no event can come: only one already read may match, so the wait does not sit out its timeout.
    const budgetMs = this.active ? timeoutSeconds * 1000 : 0;
    const found = await this.events.waitFor(after, (event) => eventMatches(event, name, data), budgetMs, call.signal);
    if (found) {
      this.waitCursor = found.seq;
      return reply(found);
    }
    const seen = this.events.since(after);
    this.waitCursor = this.events.lastSeq;
    const wanted = `${name.toUpperCase()} event${data === undefined ? '' : ` with data ${JSON.stringify(data)}`}`;
    const listed = seen.length === 0 ? 'none' : seen.map((event) => describeEvent(event)).join('; ');
    const reading = this.client && !this.client.closed ? '' : ' The monitor is not connected now (the VM may have exited, or it was not started by this session).';
    const within = this.active ? `within ${timeoutSeconds} s` : 'and its VM is not running (Qemu Start it first, or it has ended)';
    throw new QemuStateError(`Wait For Qemu Event: no ${wanted} from ${this.label} ${within}; events since the previous wait: ${listed}.${reading}`);
  }

  /**
   * `set_link` on a vhost-user NIC named as the VM dict names it: its key (`vhost1`), the guest's name for
   * it (nestedvm, `ens6`), or its number (`1` for `vhost1`). QEMU emits no event for it: this logs one.
   */
  async setLink(nic: string | number, up: boolean, call: CallContext): Promise<string> {
    const netdev = this.netdevOf(nic);
    await this.withClient(call, (client) => client.execute('set_link', { name: netdev, up }, { signal: call.signal }));
    this.note({ event: SET_LINK_EVENT, data: { interface: netdev, netdev, up } });
    return netdev;
  }

  private netdevOf(nic: string | number): string {
    const interfaces = this.identity.vmInfo.interfaces;
    const text = String(nic).trim();
    if (Object.hasOwn(interfaces, text)) return text;
    const named = Object.entries(interfaces).find(([, entry]) => entry.name === text);
    if (named) return named[0];
    if (/^\d+$/.test(text) && Object.hasOwn(interfaces, `vhost${Number(text)}`)) return `vhost${Number(text)}`;
    const known = Object.entries(interfaces).map(([key, entry]) => (entry.name === undefined ? key : `${key} (${entry.name})`));
    throw new QemuConfigError(
      `Qemu Set Link: ${this.label} has no vhost-user NIC ${JSON.stringify(nic)}; its NICs: ${known.join(', ') || 'none (add them with Qemu Add Vhost User If)'}`,
    );
  }

  /** An event this library emits itself (for a step QEMU reports no event for), logged like QEMU's. */
  note(event: QmpEvent): void {
    const buffered = this.events.push(event, 'qemu-utils');
    this.serverLog.info(`QMP event of ${this.label}: ${describeEvent(buffered)}`, { vm: this.identity.layout.qemuId, event: event.event });
  }

  private connected(call: CallContext): Promise<QmpClient> {
    if (this.client && !this.client.closed) return Promise.resolve(this.client);
    this.connecting ??= this.connect(call).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(call: CallContext): Promise<QmpClient> {
    const { node, layout } = this.identity;
    const client = await onNodeStep(call, node, `connecting to QMP on ${layout.qmp}`, () =>
      QmpClient.connect(() => connectUnixSocket(node, layout.qmp, { sudo: true }), {
        logger: this.monitorLogger(),
        signal: call.signal,
        onEvent: (event) => this.onEvent(event),
      }),
    );
    this.client = client;
    clearTimeout(this.reconnectTimer);
    void client.whenClosed().then(() => this.onClosed(client));
    return client;
  }

  private monitorLogger(): MonitorLogger {
    return { debug: (message) => this.serverLog.debug(`${this.label}: ${message}`), warn: (message) => this.serverLog.warn(`${this.label}: ${message}`) };
  }

  private onEvent(event: QmpEvent): void {
    const buffered = this.events.push(event);
    this.serverLog.info(`QMP event of ${this.label}: ${describeEvent(buffered)}`, { vm: this.identity.layout.qemuId, event: event.event });
  }

  private onClosed(client: QmpClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (!this.active) return;
    if (!this.vmRuns()) {
      this.active = false;
      this.serverLog.debug(`QMP connection of ${this.label} closed; the VM is not running, so no reconnect`);
      return;
    }
    this.serverLog.debug(`QMP connection of ${this.label} closed; reconnecting`);
    this.scheduleReconnect(1);
  }

  private scheduleReconnect(attempt: number): void {
    if (this.active && !this.vmRuns()) this.active = false;
    if (!this.active || attempt > RECONNECT_ATTEMPTS) {
      if (this.active) this.serverLog.warn(`QMP of ${this.label} unreachable after ${RECONNECT_ATTEMPTS} attempts: its events are not read until QMP is used again`);
      return;
    }
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (!this.active || (this.client && !this.client.closed)) return;
      const log: QemuLog = { trace: () => undefined, debug: (m) => this.serverLog.debug(m), info: (m) => this.serverLog.info(m), warn: (m) => this.serverLog.warn(m) };
      this.connected({ log }).then(
        () => this.serverLog.info(`QMP of ${this.label} reconnected; events in between were not seen`),
        () => this.scheduleReconnect(attempt + 1),
      );
    }, 1000 * 2 ** (attempt - 1));
    this.reconnectTimer.unref();
  }
}

function reply(event: BufferedEvent): EventReply {
  return { event: event.event, data: event.data, ...(event.timestamp ? { timestamp: event.timestamp } : {}), source: event.source };
}
