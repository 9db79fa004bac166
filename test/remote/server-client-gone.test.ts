/**
 * A client that disconnects mid-keyword (Robot's [Timeout] closes the socket; here the Python client is
 * SIGKILLed mid-call): the keyword's abort signal fires, the keyword stops, and the server log says so.
 */
import { spawn } from 'node:child_process';
import { DRIVER, py } from '../support/xmlrpc';
import { callRecords, startDemoServer, waitFor, type TestServer } from '../support/servers';

let test: TestServer;

beforeAll(async () => {
  test = await startDemoServer();
});

afterAll(async () => {
  await test?.server.stop();
});

it('cancels the running keyword when its client is killed mid-call, and logs it', async () => {
  const client = spawn('python3', [DRIVER], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise((resolve) => client.on('exit', resolve));
  client.stdin.end(JSON.stringify({ url: test.url, script: "result = run('sleep_seconds', [600], path='/gone')" }));
  await waitFor('the keyword to run', () => test.server.sessionStatus().some((status) => status.name === 'gone' && status.runningKeyword === 'sleep_seconds'));
  client.kill('SIGKILL');
  await exited;

  // Without the cancel, the keyword would sleep its 600 s: it ends because its signal fired.
  await waitFor('the keyword to end', () => callRecords(test).some((record) => record.keyword === 'sleep_seconds'));
  const records = test.records();
  const gone = records.findIndex((record) => record.message === 'client gone: cancelling the keyword');
  const ended = records.findIndex((record) => record.message === 'call' && record.keyword === 'sleep_seconds');
  expect(records[gone]).toMatchObject({ level: 'warn', session: '/gone', keyword: 'sleep_seconds' });
  expect(gone).toBeLessThan(ended);
  expect(records.slice(ended)).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'warn', message: 'client left before the result was sent', session: '/gone' })]));
  expect(test.server.sessions()).not.toContain('gone');
});

it('a client that stays gets its result: nothing is cancelled', async () => {
  const [result] = (await py(test.url, "result = [run('sleep_seconds', [0.2], path='/stays')]")) as { status: string; return: number }[];
  expect(result).toMatchObject({ status: 'PASS', return: 0.2 });
  expect(test.records().filter((record) => record.message === 'client gone: cancelling the keyword' && record.session === '/stays')).toEqual([]);
});
