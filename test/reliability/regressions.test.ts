/**
 * Regression tests for what the fuzz and fault tests found in the server, each reproduced by the one
 * request that triggered it (the fuzz test finds such things at random; these pin them down).
 */
import { DRY_RUN_RECORD_BUDGET } from '../../src/node/dry-run';
import { dryRunTransport, parseNode, writeFile } from '../../src/node';
import { waitFor, startDemoServer, type TestServer } from '../support/servers';
import { captureNodeLog } from '../support/sshd';
import { py } from '../support/xmlrpc';
import { sendRaw } from '../support/raw-http';

let demo: TestServer;

beforeAll(async () => {
  demo = await startDemoServer({}, 'warn');
});

afterAll(async () => {
  await demo?.server.stop();
});

function internalErrors(): unknown[] {
  return demo.records().filter((record) => record.message === 'internal error' || String(record.reason ?? '').startsWith('internal error'));
}

test('a character reference past Unicode (&#-1;, &#1114112;, &#x110000;) is a malformed call, not an internal error', async () => {
  for (const reference of ['&#-1;', '&#1114112;', '&#x110000;', '&#99999999999;']) {
    const body = `<?xml version="1.0"?><methodCall><methodName>run_keyword</methodName><params><param><value>${reference}</value></param></params></methodCall>`;
    const response = await sendRaw(demo.server.port, { path: '/', body });
    expect(response.status).toBe(200);
    expect(response.body.toString()).toContain('Malformed XML-RPC call: a character reference (&amp;#...;) is malformed or names no character XML allows');
  }
  expect(internalErrors()).toEqual([]);
});

test('a client that closes in the middle of its request body is logged as such, not as an internal error', async () => {
  const body = '<?xml version="1.0"?><methodCall><methodName>get_keyword_names</methodName></methodCall>';
  const response = await sendRaw(demo.server.port, { path: '/', body, headers: [['Content-Length', String(body.length + 100)]], endAfterWrite: true });
  // Node's HTTP parser answers the truncated request with 400 itself (the socket is only half closed).
  expect([0, 400]).toContain(response.status);
  await waitFor('the rejection to be logged', () => demo.records().some((record) => record.message === 'rejected request'));
  expect(demo.records().filter((record) => record.message === 'rejected request')).toEqual([
    expect.objectContaining({ reason: 'client closed the connection before the request body was complete', status: 499 }),
  ]);
  expect(internalErrors()).toEqual([]);
  const after = await sendRaw(demo.server.port, { path: '/', body });
  expect(after.body.toString()).toContain('<string>echo</string>');
});

test('a body over the limit gets 413 every time, also when the client is still sending it (no connection reset)', async () => {
  const small = await startDemoServer({ maxBodyBytes: 1024 * 1024 }, 'warn');
  try {
    const outcomes = await py(
      small.url,
      `
import xmlrpc.client
outcomes = []
for attempt in range(10):
    try:
        run('echo', ['x' * (5 * 1024 * 1024)])
        outcomes.append('answered')
    except xmlrpc.client.ProtocolError as error:
        outcomes.append(error.errcode)
    except OSError as error:
        outcomes.append(type(error).__name__)
result = outcomes
`,
    );
    expect(outcomes).toEqual(Array(10).fill(413));
  } finally {
    await small.server.stop();
  }
});

test('a dry-run node keeps a bounded record (a soak grew the server by ~23 KB per session cycle): the newest stay', async () => {
  const log = captureNodeLog();
  try {
    const node = parseNode({ host: 'bounded-records', transport: 'dry-run' });
    const content = 'x'.repeat(100_000);
    for (let index = 0; index < 100; index++) await writeFile(node, `/etc/file-${index}`, content);
    const transport = dryRunTransport(node);
    const kept = transport.records.reduce((sum, record) => sum + (record.kind === 'writeFile' ? record.content.length : 0), 0);
    expect(kept).toBeLessThanOrEqual(DRY_RUN_RECORD_BUDGET);
    expect(kept).toBeGreaterThan(DRY_RUN_RECORD_BUDGET / 2);
    expect(transport.droppedRecords + transport.records.length).toBe(100);
    expect(transport.records.at(-1)).toEqual(expect.objectContaining({ path: '/etc/file-99' }));
    expect(log.lines.filter((line) => line.includes('keeping the newest'))).toHaveLength(1);
  } finally {
    log.restore();
  }
});
