/** The bounded, numbered QMP event buffer: matching, reporting once, waiting for kept and coming events. */
import { MonitorAbortedError, QmpEventBuffer, dataMatches, describeEvent, eventMatches } from '../../../src/qemu/monitor';

const SHUTDOWN = { event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } };

describe('dataMatches', () => {
  it('is a subset match: every expected field, nested dicts alike; extra fields in the event are fine', () => {
    const data = { guest: false, reason: 'host-qmp-quit', nested: { id: 'vhost1', queues: 2 } };
    expect(dataMatches(data, {})).toBe(true);
    expect(dataMatches(data, { reason: 'host-qmp-quit' })).toBe(true);
    expect(dataMatches(data, { nested: { id: 'vhost1' } })).toBe(true);
    expect(dataMatches(data, { reason: 'guest-shutdown' })).toBe(false);
    expect(dataMatches(data, { missing: 'x' })).toBe(false);
    expect(dataMatches(data, { nested: 'vhost1' })).toBe(false);
    expect(dataMatches(data, { reason: { x: 1 } })).toBe(false);
  });

  it("takes Robot's texts for scalars: 'False' matches false, '2' matches 2, but a boolean never matches a text", () => {
    expect(dataMatches({ guest: false, n: 2 }, { guest: 'False', n: '2' })).toBe(true);
    expect(dataMatches({ guest: false }, { guest: 'false' })).toBe(true);
    expect(dataMatches({ guest: false }, { guest: 'True' })).toBe(false);
    expect(dataMatches({ guest: 'False' }, { guest: false })).toBe(false);
    expect(dataMatches({ list: [1, 'a'] }, { list: ['1', 'a'] })).toBe(true);
    expect(dataMatches({ list: [1, 'a'] }, { list: ['1'] })).toBe(false);
  });

  it('names events case-insensitively, the data optional', () => {
    expect(eventMatches(SHUTDOWN, 'shutdown')).toBe(true);
    expect(eventMatches(SHUTDOWN, 'SHUTDOWN', { guest: false })).toBe(true);
    expect(eventMatches(SHUTDOWN, 'STOP')).toBe(false);
  });

  it("describes an event with QEMU's timestamp and says which events are the library's own", () => {
    expect(describeEvent({ event: 'STOP', data: {}, timestamp: { seconds: 1700000000, microseconds: 123456 } })).toBe('STOP {} at 2023-11-14T22:13:20.123Z');
    expect(describeEvent({ event: 'X', data: { up: false }, source: 'qemu-utils' })).toBe('X {"up":false} (logged by QemuUtils, not by QEMU)');
  });
});

describe('QmpEventBuffer', () => {
  it('numbers events and hands each to the report once', () => {
    const buffer = new QmpEventBuffer();
    buffer.push({ event: 'STOP', data: {} });
    buffer.push({ event: 'RESUME', data: {} });
    expect(buffer.takeUnreported().events.map((e) => [e.seq, e.event])).toEqual([[1, 'STOP'], [2, 'RESUME']]);
    expect(buffer.takeUnreported().events).toEqual([]);
    buffer.push(SHUTDOWN);
    expect(buffer.takeUnreported().events.map((e) => e.event)).toEqual(['SHUTDOWN']);
  });

  it('keeps the newest `capacity` events and counts the ones pushed out unreported', () => {
    const buffer = new QmpEventBuffer(3);
    for (let i = 0; i < 5; i++) buffer.push({ event: 'E', data: { i } });
    expect(buffer.since(0).map((e) => e.data.i)).toEqual([2, 3, 4]);
    const { events, dropped } = buffer.takeUnreported();
    expect([events.length, dropped]).toEqual([3, 2]);
    buffer.push({ event: 'E', data: { i: 5 } });
    // The one pushed out now had been reported: not counted.
    expect(buffer.takeUnreported().dropped).toBe(0);
  });

  it('a wait takes a kept event after its cursor at once, skipping earlier ones and non-matching ones', async () => {
    const buffer = new QmpEventBuffer();
    buffer.push({ event: 'STOP', data: { n: 1 } });
    buffer.push({ event: 'RESUME', data: {} });
    buffer.push({ event: 'STOP', data: { n: 2 } });
    const first = await buffer.waitFor(0, (e) => eventMatches(e, 'STOP'), 1000);
    expect(first?.data).toEqual({ n: 1 });
    const second = await buffer.waitFor(first?.seq ?? 0, (e) => eventMatches(e, 'STOP'), 1000);
    expect(second?.data).toEqual({ n: 2 });
  });

  it('a wait resolves on the next matching event to come, and with undefined when the time is up', async () => {
    jest.useFakeTimers();
    try {
      const buffer = new QmpEventBuffer();
      const waiting = buffer.waitFor(0, (e) => eventMatches(e, 'SHUTDOWN', { reason: 'host-qmp-quit' }), 5000);
      buffer.push({ event: 'SHUTDOWN', data: { reason: 'guest-shutdown' } });
      buffer.push(SHUTDOWN);
      expect((await waiting)?.seq).toBe(2);
      const none = buffer.waitFor(buffer.lastSeq, () => true, 5000);
      jest.advanceTimersByTime(5000);
      expect(await none).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('an aborted wait rejects with MonitorAbortedError', async () => {
    const buffer = new QmpEventBuffer();
    const abort = new AbortController();
    const waiting = buffer.waitFor(0, () => true, 60_000, abort.signal);
    abort.abort(new Error('server shutting down'));
    await expect(waiting).rejects.toThrow(MonitorAbortedError);
    await expect(buffer.waitFor(0, () => true, 60_000, abort.signal)).rejects.toThrow(/waiting for an event aborted/);
  });
});
