/**
 * CSIT 2019's constructor imports (`Import Library | ...QemuUtils | ${node} | qemu_id=.. | WITH NAME | vm1`,
 * `... QemuManager | ${nodes} | WITH NAME | vnf_manager`) ported by the library's name only, to
 * keywords/QemuUtils.py and keywords/QemuManager.py: under real Robot Framework against the real server on a
 * dry-run DUT (each import its own session, Qemu Init from the import's arguments on the first call, a fresh
 * one per test, closed by the listener; `Get Library Version` answers the package's version), and under
 * `robot --dryrun` with no server (mistakes still caught).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { closeAllTransports, dryRunTransport, parseNode } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { assertRobotAvailable, runRobotNoOutput } from '../support/libdoc';

const ROOT = join(__dirname, '..', '..');
const SUITE = join(__dirname, 'csit_imports.robot');
const MISTAKES = join(ROOT, 'test', 'fixtures', 'robot', 'csit_import_mistakes.robot');
const LISTENER = join(ROOT, 'keywords', 'QemuSessionListener.py');

const DUT1 = { host: 'csit-imports-dut1', port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run' };

let server: RemoteServer;
let workDir: string;

beforeAll(async () => {
  await assertRobotAvailable();
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg', qemu_version: '7.2.0' }), { port: 0, log: winston.createLogger({ silent: true }) });
  workDir = mkdtempSync(join(tmpdir(), 'qur-csit-imports-'));
});

afterAll(async () => {
  await server?.stop();
  await closeAllTransports();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const robot = runRobotNoOutput;

function variableFile(variables: Record<string, unknown>): string {
  const file = join(workDir, 'variables.json');
  writeFileSync(file, JSON.stringify(variables));
  return file;
}

describe('CSIT 2019 constructor imports through keywords/QemuUtils.py and QemuManager.py', () => {
  it('create each import its session from the import arguments, fresh per test, closed by the listener', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const variables = variableFile({ QEMU_REMOTE_URI: server.url, nodes: { TG: { type: 'TG', host: 'tg' }, DUT1 }, PACKAGE_VERSION: version });
    const result = await robot(['--listener', LISTENER, '--variablefile', variables, SUITE]);
    expect([result.rc, result.output]).toEqual([0, expect.stringContaining('5 tests, 5 passed, 0 failed')]);
    expect(result.output).not.toMatch(/\[ (ERROR|WARN) \]/);
    // Qemu Init wrote nothing to the node: the VMs were only composed. The listener closed every session.
    expect(dryRunTransport(parseNode(DUT1)).commandLines().some((line) => line.includes('qemu-system'))).toBe(false);
    expect(server.sessions()).toEqual([]);
  });

  it('under robot --dryrun with no server, resolve the suite and catch misspelt keywords and wrong argument counts', async () => {
    const variables = variableFile({ nodes: { DUT1 } });
    const passing = await robot(['--dryrun', '--variablefile', variables, SUITE]);
    expect([passing.rc, passing.output]).toEqual([0, expect.stringContaining('5 tests, 5 passed, 0 failed')]);

    const failing = await robot(['--dryrun', MISTAKES]);
    expect(failing.rc).toBe(3);
    expect(failing.output).toContain("No keyword with name 'vm1.Qemu Strat' found.");
    expect(failing.output).toContain("Keyword 'vnf_manager.Kill All Vms' expected 0 to 1 arguments, got 2.");
    expect(failing.output).toContain("Library 'QemuManager' expected 1 non-named argument, got 2.");
  });
});
