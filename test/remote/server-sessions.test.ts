/**
 * Sessions by URL path, their instances and queues, stopping, and clients that vanish mid-call; driven by
 * Python's xmlrpc.client processes as separate Robot processes would.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { py, pyError, runPython } from '../support/xmlrpc';
import { callRecords, session, startDemoServer, waitFor, type TestServer } from '../support/servers';

interface Result {
  status: string;
  return?: unknown;
  error?: string;
  output?: string;
}

describe('sessions', () => {
  let demo: TestServer;
  beforeAll(async () => {
    demo = await startDemoServer({ maxSessions: 4 });
  });
  afterAll(async () => {
    await demo?.server.stop();
  });

  test('each path has its own instance; uses without one fails with the library message', async () => {
    const result = (await py(
      demo.url,
      `
result = [
    run('open_counter', [10], path='/a'),
    run('open_counter', [], path='/b'),
    run('increment', [5], path='/a'),
    run('increment', [], path='/b'),
    run('counter_value', path='/a'),
    run('counter_value', path='/c'),
    run('close_counter', path='/a'),
    run('counter_value', path='/a'),
    run('close_counter', path='/b'),
]
`,
    )) as Result[];
    expect(result.map((item) => (item.status === 'PASS' ? item.return : item.error))).toEqual([
      10,
      0,
      15,
      1,
      15,
      'No counter in this session: run `Open Counter` first.',
      15,
      'No counter in this session: run `Open Counter` first.',
      1,
    ]);
    expect(result[6]?.output).toMatch(/\*INFO:\d+\* Counter of session 'a' closed at 15/);
    expect(demo.disposed.map((counter) => [counter.session, counter.count])).toEqual([
      ['a', 15],
      ['b', 1],
    ]);
    expect(demo.server.sessions()).toEqual([]);
  });

  test('creating again disposes the previous instance first', async () => {
    demo.disposed.length = 0;
    const result = (await py(demo.url, "result = [run('open_counter', [1], path='/re'), run('open_counter', [2], path='/re'), run('close_counter', path='/re')]")) as Result[];
    expect(result.map((item) => item.return)).toEqual([1, 2, 2]);
    expect(result[1]?.output).toMatch(/closed at 1/);
    expect(demo.disposed.map((counter) => counter.count)).toEqual([1, 2]);
  });

  test('a slow keyword in one session does not delay another session', async () => {
    const slow = py(demo.url, "start = monotonic(); run('sleep_seconds', [2], path='/slow'); result = monotonic() - start");
    await waitFor('the slow keyword to run', () => session(demo, 'slow')?.runningKeyword === 'sleep_seconds');
    const fast = (await py(
      demo.url,
      "start = monotonic(); [run('session_name', path='/fast') for _ in range(3)]; result = monotonic() - start",
    )) as number;
    // Done while the other session's 2 s sleep still ran.
    expect(fast).toBeLessThan(2);
    expect((await slow) as number).toBeGreaterThanOrEqual(2);
  });

  test('calls within one session run one at a time, in arrival order', async () => {
    await py(demo.url, "result = run('open_counter', [0], path='/order')");
    // Python starts slowly on a busy machine: start the clients first, each waiting for its go file.
    const gates = mkdtempSync(join(tmpdir(), 'qur-order-'));
    const gated = (name: string, call: string): Promise<unknown> =>
      py(demo.url, `import os, time\nwhile not os.path.exists(${JSON.stringify(join(gates, name))}): time.sleep(0.01)\nresult = ${call}`);
    const open = (name: string): void => writeFileSync(join(gates, name), '');
    const calls = [
      gated('sleep', "run('sleep_seconds', [2], path='/order')"),
      gated('plus1', "run('increment', [1], path='/order')"),
      gated('plus10', "run('increment', [10], path='/order')"),
    ];
    open('sleep');
    await waitFor('the sleep to run', () => session(demo, 'order')?.runningKeyword === 'sleep_seconds');
    open('plus1');
    await waitFor('the +1 to queue', () => session(demo, 'order')?.pendingCalls === 2);
    open('plus10');
    await waitFor('the +10 to queue', () => session(demo, 'order')?.pendingCalls === 3);
    expect(session(demo, 'order')?.runningKeyword).toBe('sleep_seconds');
    const results = (await Promise.all(calls)) as Result[];
    // Arrival order: the sleep, then +1, then +10.
    expect(results.map((item) => item.return)).toEqual([2, 1, 11]);
    await py(demo.url, "result = run('close_counter', path='/order')");
  });

  test('the session cap gives a clear FAIL; ending a session frees a slot', async () => {
    const result = (await py(
      demo.url,
      `
opened = [run('open_counter', path='/cap%d' % i) for i in range(4)]
refused = run('open_counter', path='/cap4')
closed = run('close_counter', path='/cap0')
again = run('open_counter', path='/cap4')
for i in range(1, 5):
    run('close_counter', path='/cap%d' % i)
result = [[r['status'] for r in opened], refused, closed['status'], again['status']]
`,
    )) as [string[], Result, string, string];
    expect(result[0]).toEqual(['PASS', 'PASS', 'PASS', 'PASS']);
    expect(result[1]).toEqual({
      status: 'FAIL',
      error:
        "Cannot open session 'cap4': the server already has 4 live sessions, its limit (--max-sessions 4). " +
        'Live: /cap0, /cap1, /cap2, /cap3. End a session with its ending keyword (Close Counter), or restart the server with a higher --max-sessions.',
    });
    expect(result.slice(2)).toEqual(['PASS', 'PASS']);
  });

  test('a client that disconnects mid-call neither crashes nor wedges the server', async () => {
    const gone = await runPython(
      demo.url,
      `
import socket
socket.setdefaulttimeout(0.5)
result = run('sleep_seconds', [1.5], path='/vanish')
`,
    );
    expect(gone.error).toEqual({ type: 'TimeoutError', message: 'timed out' });
    const after = (await py(demo.url, "result = [run('session_name', path='/vanish'), run('echo', ['still here'])]")) as Result[];
    expect(after.map((item) => item.return)).toEqual(['vanish', 'still here']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(callRecords(demo).filter((record) => record.keyword === 'sleep_seconds' && record.session === '/vanish')).toHaveLength(1);
    expect(demo.records().some((record) => record.message === 'client left before the result was sent')).toBe(true);
  });
});

describe('stopping', () => {
  test('stop_remote_server returns true and stops after replying; running keywords get the stop signal', async () => {
    const demo = await startDemoServer();
    await py(demo.url, "result = run('open_counter', [3], path='/kept')");
    const sleeping = py(demo.url, "result = run('sleep_seconds', [30], path='/sleeper')");
    await waitFor('the sleep to run', () => session(demo, 'sleeper')?.runningKeyword === 'sleep_seconds');
    expect(await py(demo.url, "result = call('stop_remote_server')")).toBe(true);
    expect(await sleeping).toEqual({
      status: 'FAIL',
      error: 'Sleep aborted: the server is stopping.',
      traceback: expect.any(String),
      output: expect.stringMatching(/Sleeping 30 s in session 'sleeper'/),
    });
    await demo.server.stopped;
    expect(demo.disposed.map((counter) => counter.session)).toEqual(['kept']);
    const refused = await pyError(demo.url, "result = run('echo', [1])");
    expect(refused).toEqual({ type: 'ConnectionRefusedError', message: expect.stringContaining('Connection refused') });
  });

  test('the Stop Remote Server keyword returns True and stops the server', async () => {
    const demo = await startDemoServer();
    expect(await py(demo.url, "result = run('stop_remote_server')")).toEqual({ status: 'PASS', return: true });
    await demo.server.stopped;
  });

  test('with stopping disabled: the method returns False, the keyword logs a WARN, the server keeps serving', async () => {
    const demo = await startDemoServer({ allowStop: false });
    const result = (await py(demo.url, "result = [call('stop_remote_server'), run('stop_remote_server'), run('echo', ['alive'])]")) as [boolean, Result, Result];
    expect(result[0]).toBe(false);
    expect(result[1]).toEqual({
      status: 'PASS',
      return: false,
      output: expect.stringMatching(new RegExp(`^\\*WARN:\\d+\\* Robot Framework remote server at ${demo.server.address} does not allow stopping\\.$`)),
    });
    expect(result[2].return).toBe('alive');
    await demo.server.stop();
  });

  test('keywords that ignore the stop are cut after the grace period; queued calls are not run', async () => {
    const demo = await startDemoServer({ gracePeriodMs: 1000 });
    const stubborn = py(demo.url, "result = run('sleep_seconds', [20, False], path='/stubborn')");
    await waitFor('the sleep to run', () => session(demo, 'stubborn')?.runningKeyword === 'sleep_seconds');
    const queued = py(demo.url, "result = run('echo', ['queued'], path='/stubborn')");
    await waitFor('the echo to queue', () => session(demo, 'stubborn')?.pendingCalls === 2);
    const started = Date.now();
    await demo.server.stop();
    // Cut after the 1 s grace period, long before the sleep's 20 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await stubborn).toEqual({
      status: 'FAIL',
      error: expect.stringMatching(/^Keyword 'Sleep Seconds' was cut: the remote server at .* stopped before the keyword finished/),
      output: expect.stringContaining('Sleeping 20 s'),
    });
    expect(await queued).toEqual({ status: 'FAIL', error: expect.stringMatching(/^Keyword 'Echo' was cut/) });
  });
});
