/**
 * `robot --dryrun` with no server running, through keywords/QemuUtilsRemote.py (Robot's Remote plus the
 * library's stored spec): the shipped suites pass, a misspelt keyword and a wrong argument count fail naming
 * them. And in a real run, what the import says when no server, or a server that is not ours, answers.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDemoLibrary } from '../fixtures/demo-library';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer } from '../../src/remote';
import { publishedLibrary } from '../../src/remote/docs/endpoint';
import { buildLibdocSpec, type LibdocSpec } from '../../src/remote/docs/libdoc-spec';
import winston from 'winston';
import { describeWithRobot, runRobotNoOutput } from '../support/libdoc';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'robot');

const robot = runRobotNoOutput;

/** A port where nothing listens: a server's, closed again. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeWithRobot('robot --dryrun with no server', () => {
  it('passes every shipped suite in robot-tests/', async () => {
    // The default ${QEMU_REMOTE_URI} and ${URL} point at 8270; dry run never contacts them.
    const result = await robot(['--dryrun', 'robot-tests']);
    expect([result.rc, result.output]).toEqual([0, expect.stringMatching(/\d+ tests, \d+ passed, 0 failed/)]);
    expect(result.output).not.toMatch(/\[ (ERROR|WARN) \]/);
  });

  it('fails a suite calling a misspelt keyword, naming it', async () => {
    const result = await robot(['--dryrun', join(FIXTURES, 'misspelt_keyword.robot')]);
    expect(result.rc).toBe(1);
    expect(result.output).toContain("No keyword with name 'DUT1_vm1.Qemu Strat' found.");
  });

  it('fails a suite calling a keyword with a wrong argument count', async () => {
    const result = await robot(['--dryrun', join(FIXTURES, 'wrong_argument_count.robot')]);
    expect(result.rc).toBe(1);
    expect(result.output).toContain("Keyword 'DUT1_vm1.Qemu Log Diagnostics' expected 0 to 1 arguments, got 2.");
  });
});

describeWithRobot('QemuUtilsRemote in a real run', () => {
  let notOurs: Server;
  let notOursUrl: string;

  beforeAll(async () => {
    // What PabotLib (a remote server of its own) answers on a session path.
    notOurs = createServer((_request, response) => response.writeHead(404).end('Not Found'));
    await new Promise<void>((resolve) => notOurs.listen(0, '127.0.0.1', resolve));
    notOursUrl = `http://127.0.0.1:${(notOurs.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => notOurs.close(() => resolve()));
  });

  it('fails the import saying the server answering is not ours', async () => {
    const result = await robot(['--variable', `QEMU_REMOTE_URI:${notOursUrl}`, join(FIXTURES, 'session_import.robot')]);
    expect(result.rc).toBe(1);
    expect(result.output).toContain(`The server at ${notOursUrl}/DUT1_vm1 is not a qemu-utils-remote server`);
    expect(result.output).toContain('answered 404 Not Found');
    expect(result.output).toContain('PabotLib');
  });

  it('with our server answering, is Remote: the call reaches the session, with or without the spec', async () => {
    const server = await startRemoteServer(createQemuLibrary(), { port: 0, log: winston.createLogger({ silent: true }) });
    try {
      for (const spec of [[], ['--variable', 'QEMU_REMOTE_SPEC:/nonexistent/QemuUtils.json']]) {
        const result = await robot(['--variable', `QEMU_REMOTE_URI:${server.url}`, ...spec, join(FIXTURES, 'session_import.robot')]);
        expect([spec, result.rc]).toEqual([spec, 1]);
        expect(result.output).toContain('No QemuUtils instance in this session: run `Qemu Init` first');
        expect(result.output).not.toMatch(/\[ (ERROR|WARN) \]/);
      }
    } finally {
      await server.stop();
    }
  });

  it('imports without a server, and a call says that no server answers', async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    const result = await robot(['--variable', `QEMU_REMOTE_URI:${url}`, join(FIXTURES, 'session_import.robot')]);
    expect(result.rc).toBe(1);
    expect(result.output).toContain(`QemuUtilsRemote: no server answers at ${url}/DUT1_vm1`);
    expect(result.output).toContain(`No server answers at ${url}/DUT1_vm1`);
    expect(result.output).not.toContain("No keyword with name 'DUT1_vm1.Qemu Version'");
  });
});

describeWithRobot('QemuUtilsRemote imported from the spec, then a server answers', () => {
  it('runs the keyword under the name the server publishes', async () => {
    const server = await startRemoteServer(createDemoLibrary(), { port: 0, log: winston.createLogger({ silent: true }) });
    try {
      // As after an import that found no server: the URL is marked as imported from the spec, whose names
      // are libdoc's printable ones ('Echo'); the demo server publishes 'echo'.
      const script = [
        'import sys',
        `sys.path.insert(0, ${JSON.stringify(join(ROOT, 'keywords'))})`,
        'import QemuUtilsRemote as module',
        `library = module.QemuUtilsRemote(${JSON.stringify(`${server.url}/late`)}, spec=${JSON.stringify(join(FIXTURES, 'demo-library.json'))})`,
        'module._IMPORTED_FROM_SPEC.add(library._uri)',
        "print(library.run_keyword('Echo', ['late hello'], {}))",
      ].join('\n');
      const { stdout } = await execFileAsync('python3', ['-c', script], { timeout: 30_000 });
      expect(stdout).toBe('late hello\n');
    } finally {
      await server.stop();
    }
  });
});

describe('stored specs QemuUtilsRemote falls back on', () => {
  // libdoc leaves embedded arguments out of args, buildLibdocSpec keeps them: compare the others' args.
  const signature = (spec: LibdocSpec) =>
    spec.keywords.map((keyword) => [keyword.name, keyword.name.includes('${') ? [] : keyword.args.map((arg) => arg.repr)]);

  it('the demo library spec the protocol suite dry-runs with matches the demo library', () => {
    const stored = JSON.parse(readFileSync(join(FIXTURES, 'demo-library.json'), 'utf8')) as LibdocSpec;
    // Regenerate: start the demo server, `python3 -m robot.libdoc --name Demo Remote::<url>/x <file>`.
    expect(signature(stored)).toEqual(signature(buildLibdocSpec(publishedLibrary(createDemoLibrary()))));
  });
});
