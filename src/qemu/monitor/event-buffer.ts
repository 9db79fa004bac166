/**
 * The QMP events of one VM, kept in arrival order in a bounded buffer: numbered, so a reader (the Robot log
 * of the next keyword) and a waiter (`Wait For Qemu Event`) each know what they have already seen.
 */
import { MonitorAbortedError } from './errors';
import { isJsonObject, type JsonObject, type JsonValue } from './json-lines';
import type { QmpEvent } from './qmp-client';

/** Who emitted the event: QEMU's monitor, or this library (`Qemu Set Link`, for which QEMU emits none). */
export type EventSource = 'qemu' | 'qemu-utils';

export interface BufferedEvent extends QmpEvent {
  /** 1, 2, ... in arrival order, never reused within a buffer. */
  readonly seq: number;
  /** Arrival time here (ms since the epoch); QEMU's own `timestamp` may be absent. */
  readonly receivedAt: number;
  readonly source: EventSource;
}

/** The events kept when nobody reads them: QEMU emits a handful per lifecycle step, a guest in a loop more. */
export const DEFAULT_EVENT_CAPACITY = 1000;

/**
 * Whether `actual` holds every field of `expected` (nested dicts alike: a subset match). A text expected
 * value matches a scalar of the same text, since Robot hands `reason=host-qmp-stop` and `guest=False` over
 * as texts; `True`/`False` match booleans the way Robot writes them.
 */
export function dataMatches(actual: JsonValue | undefined, expected: unknown): boolean {
  if (isPlainObject(expected)) {
    if (!isJsonObject(actual)) return false;
    return Object.entries(expected).every(([key, value]) => dataMatches(actual[key], value));
  }
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((value, index) => dataMatches(actual[index], value));
  }
  if (actual === undefined || isJsonObject(actual) || Array.isArray(actual)) return false;
  if (typeof expected === 'string' && typeof actual !== 'string') return scalarText(actual) === expected || String(actual) === expected;
  return actual === expected;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function scalarText(value: JsonValue): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null) return 'None';
  return String(value);
}

/** `name` compared as QEMU spells event names (upper case), so `stop` finds `STOP`. */
export function eventMatches(event: QmpEvent, name: string, data?: Readonly<Record<string, unknown>>): boolean {
  return event.event === name.toUpperCase() && (data === undefined || dataMatches(event.data, data));
}

/** One line per event for logs: `STOP {}` or `SHUTDOWN {"guest":false,"reason":"host-qmp-quit"}`. */
export function describeEvent(event: QmpEvent & { source?: EventSource }): string {
  const stamp = event.timestamp ? ` at ${new Date(event.timestamp.seconds * 1000 + Math.floor(event.timestamp.microseconds / 1000)).toISOString()}` : '';
  const ours = event.source === 'qemu-utils' ? ' (logged by QemuUtils, not by QEMU)' : '';
  return `${event.event} ${JSON.stringify(event.data)}${stamp}${ours}`;
}

interface Waiter {
  after: number;
  match: (event: BufferedEvent) => boolean;
  resolve: (event: BufferedEvent | undefined) => void;
}

export class QmpEventBuffer {
  private events: BufferedEvent[] = [];
  private nextSeq = 1;
  private reportedUpTo = 0;
  private droppedCount = 0;
  private waiters: Waiter[] = [];

  constructor(private readonly capacity = DEFAULT_EVENT_CAPACITY) {}

  /** The number of the newest event, 0 before any. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Events pushed out by newer ones before anyone read them. */
  get dropped(): number {
    return this.droppedCount;
  }

  push(event: QmpEvent, source: EventSource = 'qemu', receivedAt = Date.now()): BufferedEvent {
    const buffered: BufferedEvent = { ...event, data: event.data as JsonObject, seq: this.nextSeq++, receivedAt, source };
    this.events.push(buffered);
    if (this.events.length > this.capacity) {
      const gone = this.events.shift();
      if (gone && gone.seq > this.reportedUpTo) this.droppedCount += 1;
    }
    for (const waiter of [...this.waiters]) {
      if (buffered.seq > waiter.after && waiter.match(buffered)) waiter.resolve(buffered);
    }
    return buffered;
  }

  /** Kept events newer than `seq`, oldest first. */
  since(seq: number): BufferedEvent[] {
    return this.events.filter((event) => event.seq > seq);
  }

  /** Events not yet handed out by this method, and how many of those the bound pushed out unseen. */
  takeUnreported(): { events: BufferedEvent[]; dropped: number } {
    const events = this.since(this.reportedUpTo);
    const dropped = this.droppedCount;
    this.reportedUpTo = this.lastSeq;
    this.droppedCount = 0;
    return { events, dropped };
  }

  /**
   * The first event after `after` that `match` accepts: a kept one at once, else the next to arrive.
   * Resolves undefined after `timeoutMs`; rejects with MonitorAbortedError when `signal` fires.
   */
  waitFor(after: number, match: (event: BufferedEvent) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<BufferedEvent | undefined> {
    const kept = this.since(after).find(match);
    if (kept) return Promise.resolve(kept);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new MonitorAbortedError('QMP', 'waiting for an event', signal.reason));
        return;
      }
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const onAbort = (): void => {
        finish();
        reject(new MonitorAbortedError('QMP', 'waiting for an event', signal?.reason));
      };
      const waiter: Waiter = {
        after,
        match,
        resolve: (event) => {
          finish();
          resolve(event);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}
