import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDocsHandler, packageIdentity } from '../../../src/remote/docs/endpoint';
import type { DocsSession } from '../../../src/remote/docs/html-page';
import { buildLibdocSpec, type LibdocSpec } from '../../../src/remote/docs/libdoc-spec';
import { STOP_KEYWORD_DOC } from '../../../src/remote/spec';
import { createFixtureLibrary } from '../../support/docs-fixture-library';

let server: Server;
let base: string;
let sessions: DocsSession[] = [];

beforeAll(async () => {
  const handler = createDocsHandler(createFixtureLibrary(), { sessions: () => sessions });
  server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(405).end('left to the XML-RPC handler');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('docs endpoint', () => {
  it('answers GET / with the page, showing the sessions in use at that moment', async () => {
    sessions = [{ name: 'vm1', hasInstance: true, pendingCalls: 1 }];
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await response.text();
    expect(page).toContain('id="Start Machine"');
    expect(page).toContain('<code>/vm1</code>');
    expect(page).toContain('1 call</span>');
    expect(page).toContain(`served by ${packageIdentity().name} <strong>${packageIdentity().version}</strong>`);
    expect(page).toContain(`Remote    ${base}/&lt;session&gt;`);

    sessions = [];
    expect(await (await fetch(`${base}/`)).text()).toContain('No sessions in use.');
  });

  it('answers GET /spec.json with the libdoc spec, including the protocol keyword the server publishes', async () => {
    const response = await fetch(`${base}/spec.json`);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const served = (await response.json()) as LibdocSpec;
    const library = createFixtureLibrary();
    const stop = { name: 'stop_remote_server', parameters: [], doc: STOP_KEYWORD_DOC };
    const built = buildLibdocSpec({ ...library, keywords: [...library.keywords, stop] });
    expect({ ...served, generated: '' }).toEqual({ ...built, generated: '' });
    expect(served.keywords.map((keyword) => keyword.name)).toContain('Stop Remote Server');
  });

  it('answers HEAD without a body, and leaves other paths and methods to the caller', async () => {
    const head = await fetch(`${base}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/RPC2`)).status).toBe(405);
    expect((await fetch(`${base}/`, { method: 'POST', body: '<methodCall/>' })).status).toBe(405);
  });
});
