/**
 * The whole call path of the server (HTTP, decoding, session queue, keyword, encoding, the per-call log
 * line) keeps nothing of a call past young-generation GCs, for the demo `echo` and for QemuUtils keywords:
 * the request, the call and keyword contexts and the keyword's objects die with the call. A getter in an
 * object literal or an accessor defined per call kept every call's objects alive through the scavenges
 * (docs/server.md, "Per-call cost"), which is what this guards against.
 */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { closeAllTransports } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import type { RemoteLibrary } from '../../src/remote/library';
import { startRemoteServer, type RemoteServer } from '../../src/remote/server';
import { createServerLog } from '../../src/remote/server-log';
import { createDemoLibrary } from '../fixtures/demo-library';
import { youngSurvival } from '../support/young-survival';

const NODE = { host: 'retention-dut', port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: [] };
const INIT_EVERY = 25;

let server: RemoteServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});
afterAll(() => closeAllTransports());

function value(item: unknown): string {
  if (typeof item === 'string') return `<value><string>${item}</string></value>`;
  if (typeof item === 'number') return `<value><int>${item}</int></value>`;
  if (Array.isArray(item)) return `<value><array><data>${item.map(value).join('')}</data></array></value>`;
  const members = Object.entries(item as Record<string, unknown>).map(([key, member]) => `<member><name>${key}</name>${value(member)}</member>`);
  return `<value><struct>${members.join('')}</struct></value>`;
}

function runKeyword(name: string, args: unknown[]): string {
  return `<?xml version='1.0'?>\n<methodCall><methodName>run_keyword</methodName><params><param>${value(name)}</param><param>${value(args)}</param></params></methodCall>\n`;
}

/** Our server as the CLI runs it: the text log at info, one line per call, here written nowhere. */
async function start(library: RemoteLibrary<unknown>): Promise<number> {
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  server = await startRemoteServer(library, { port: 0, log: createServerLog({ stream: discard }) });
  return Number(new URL(server.url).port);
}

/**
 * One call on a new connection, as Robot's Remote makes them. Node's own client, not sendRaw: a per-call
 * timer (sendRaw's 15 s limit) is a linked list of timers, and that list alone keeps calls past scavenges.
 */
function call(port: number, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) };
    const req = request({ host: '127.0.0.1', port, path: '/retention', method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode === 200 && text.includes('<name>status</name><value><string>PASS')) resolve();
        else reject(new Error(`call failed: ${res.statusCode ?? '?'} ${text}`));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('an echo call keeps nothing past young-generation GCs', async () => {
  const port = await start(createDemoLibrary() as RemoteLibrary<unknown>);
  const body = runKeyword('echo', ['hello']);
  const { survivedPerCall, scavenges } = await youngSurvival(() => call(port, body), 4000, 500);
  expect(scavenges).toBeGreaterThan(3);
  // Measured: 165-190 bytes per call.
  expect(survivedPerCall).toBeLessThan(600);
});

test('Qemu Init and Qemu Add Vhost User If calls keep nothing past young-generation GCs', async () => {
  const port = await start(createQemuLibrary() as RemoteLibrary<unknown>);
  const init = runKeyword('qemu_init', [NODE]);
  const adds = Array.from({ length: INIT_EVERY }, (_, index) => runKeyword('qemu_add_vhost_user_if', [`/run/vpp/sock-${index}`]));
  const run = (index: number): Promise<void> => call(port, index % INIT_EVERY === 0 ? init : (adds[index % INIT_EVERY] as string));
  const { survivedPerCall, scavenges } = await youngSurvival(run, 4000, 500);
  expect(scavenges).toBeGreaterThan(3);
  // Measured: 380-440 bytes per call (the dry-run records of each Qemu Init among them); with an accessor
  // defined on every call's context 15,100, with the boot-marker field replaced after construction 2,900.
  expect(survivedPerCall).toBeLessThan(1200);
});
