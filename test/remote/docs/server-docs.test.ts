/**
 * The docs on the real remote server: `GET /` and `GET /spec.json` next to XML-RPC, the live sessions on the
 * page, the same privacy as the keywords, and real libdoc importing the library from the server agreeing
 * with the spec the server publishes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServerLog, startRemoteServer, type RemoteServer } from '../../../src/remote';
import type { LibdocSpec } from '../../../src/remote/docs/libdoc-spec';
import { createFixtureLibrary } from '../../support/docs-fixture-library';
import { assertRobotAvailable, runLibdoc, itWithRobot } from '../../support/libdoc';
import { py } from '../../support/xmlrpc';

let server: RemoteServer;
let directory: string;

beforeAll(async () => {
  server = await startRemoteServer(createFixtureLibrary(), { port: 0, log: createServerLog({ level: 'silent' }) });
  directory = mkdtempSync(join(tmpdir(), 'server-docs-'));
});

afterAll(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe('docs served by the remote server', () => {
  it('answers GET / with the keyword page listing the sessions in use', async () => {
    const before = await (await fetch(`${server.url}/`)).text();
    expect(before).toContain('id="Start Machine"');
    expect(before).toContain('No sessions in use.');

    await py(server.url, "result = run('start_machine', [1], path='/DUT1_vm1')");
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<code>/DUT1_vm1</code>');
    expect(page).toContain('<span class="pill ok">instance</span>');
    expect(page).toContain(`Remote    ${server.url}/&lt;session&gt;`);

    await py(server.url, "result = run('stop_machine', path='/DUT1_vm1')");
    expect(await (await fetch(`${server.url}/`)).text()).not.toContain('<code>/DUT1_vm1</code>');
  });

  it('still answers XML-RPC on the same paths, and only / and /spec.json to GET', async () => {
    await expect(py(server.url, "result = call('get_keyword_names', path='/')")).resolves.toContain('start_machine');
    expect((await fetch(`${server.url}/RPC2`)).status).toBe(405);
    expect((await fetch(`${server.url}/other`)).status).toBe(405);
  });

  itWithRobot('publishes the same spec at /spec.json as libdoc builds from the XML-RPC interface', async () => {
    await assertRobotAvailable();
    const served = (await (await fetch(`${server.url}/spec.json`)).json()) as LibdocSpec;
    const output = join(directory, 'libdoc.json');
    const library = createFixtureLibrary();
    await runLibdoc(['--name', library.name, '--version', library.version, `Remote::${server.url}/any`, output]);
    const libdoc = JSON.parse(readFileSync(output, 'utf8')) as LibdocSpec;
    const comparable = (spec: LibdocSpec): unknown => ({
      ...spec,
      generated: '',
      source: '',
      lineno: 0,
      inits: spec.inits.map((init) => ({ ...init, source: '', lineno: 0 })),
      keywords: spec.keywords.map((keyword) => ({ ...keyword, source: '', lineno: 0 })),
      typedocs: spec.typedocs.map((typedoc) => ({ ...typedoc, doc: '' })),
    });
    expect(comparable(served)).toEqual(comparable(libdoc));
  });
});

describe('docs on a server with credentials', () => {
  it('are as private as the keywords: 401 without credentials, the page with them', async () => {
    const guarded = await startRemoteServer(createFixtureLibrary(), {
      port: 0,
      credentials: { user: 'robot', password: 's3cret' },
      log: createServerLog({ level: 'silent' }),
    });
    try {
      expect((await fetch(`${guarded.url}/`)).status).toBe(401);
      const authorized = await fetch(`${guarded.url}/spec.json`, {
        headers: { Authorization: `Basic ${Buffer.from('robot:s3cret').toString('base64')}` },
      });
      expect(authorized.status).toBe(200);
    } finally {
      await guarded.stop();
    }
  });
});
