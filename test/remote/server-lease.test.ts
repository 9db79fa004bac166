/**
 * The session lease in the generic server (demo library, Python's xmlrpc.client): it counts from the end of a
 * session's last call, so a keyword that runs longer than the lease keeps its session; once idle past the
 * lease the session's instance is disposed with a WARN, and the session is gone.
 */
import { callRecords, startDemoServer, waitFor, type TestServer } from '../support/servers';
import { py } from '../support/xmlrpc';

let test: TestServer;

beforeAll(async () => {
  test = await startDemoServer({ sessionLeaseMs: 200 });
});

afterAll(async () => {
  await test?.server.stop();
});

it('a keyword longer than the lease keeps its session; idle past the lease, the instance is disposed with a WARN', async () => {
  // One Python process, the calls back to back; the sleep lasts five leases.
  const results = (await py(test.url, "result = [run('open_counter', [5], path='/leased'), run('sleep_seconds', [1], path='/leased'), run('increment', path='/leased')]")) as {
    status: string;
  }[];
  expect(results.map((result) => result.status)).toEqual(['PASS', 'PASS', 'PASS']);
  await waitFor('the lease to end /leased', () => !test.server.sessions().includes('leased'));

  const records = test.records();
  const expired = records.findIndex((record) => record.message.startsWith('session lease expired: /leased'));
  const lastCall = records.map((record) => record.message === 'call' && record.session === '/leased').lastIndexOf(true);
  expect(callRecords(test).filter((record) => record.session === '/leased').map((record) => record.keyword)).toEqual(['open_counter', 'sleep_seconds', 'increment']);
  expect(expired).toBeGreaterThan(lastCall);
  expect(records[expired]).toMatchObject({ level: 'warn', session: '/leased', holds: 'an instance', leaseSeconds: 0.2 });
  expect(test.disposed).toHaveLength(1);
});

it('a negative lease is refused', async () => {
  await expect(startDemoServer({ sessionLeaseMs: -1 })).rejects.toThrow(/Invalid session lease -1 ms: use 0 \(never\) or more/);
});
