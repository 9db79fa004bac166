/**
 * keywords/QemuSessionListener.py under real Robot Framework, against the real server, on a dry-run node: a
 * suite whose test setup fails after Qemu Init, with no teardown anywhere. The listener closes the test's
 * session when the test ends and the suite's when the suite ends; after the run the server has no session.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closeAllTransports, dryRunTransport, parseNode } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { assertRobotAvailable } from '../support/libdoc';
import { captureServerLog, type CapturedServerLog } from '../support/servers';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SUITE = join(ROOT, 'test', 'fixtures', 'robot', 'listener.robot');
const LISTENER = join(ROOT, 'keywords', 'QemuSessionListener.py');

let server: RemoteServer;
let captured: CapturedServerLog;
let workDir: string;

beforeAll(async () => {
  await assertRobotAvailable();
  captured = captureServerLog('info');
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg', qemu_version: '7.2.0' }), { port: 0, log: captured.log });
  workDir = mkdtempSync(join(tmpdir(), 'qur-listener-'));
});

afterAll(async () => {
  await server?.stop();
  await closeAllTransports();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function robot(args: string[]): Promise<{ rc: number; stdout: string }> {
  try {
    const { stdout } = await execFileAsync('python3', ['-m', 'robot', '--outputdir', workDir, '--variable', `URL:${server.url}`, ...args, SUITE], { timeout: 120_000 });
    return { rc: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { rc: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

it('closes the sessions a failed test setup and a suite setup opened, without any teardown', async () => {
  const run = await robot(['--listener', LISTENER]);
  expect(run.rc).toBe(1);
  expect(run.stdout).toMatch(/Setup Fails After Qemu Init, No Teardown\s+\| FAIL \|/);
  expect(run.stdout).toMatch(/A Later Test Sees The Test Session Closed\s+\| PASS \|/);
  expect(server.sessions()).toEqual([]);

  const calls = captured.records().filter((record) => record.message === 'call').map((record) => `${String(record.session)} ${String(record.keyword)}`);
  const closeTest = calls.indexOf('/listener_test_vm qemu_close');
  expect(closeTest).toBeGreaterThan(calls.indexOf('/listener_test_vm configure_kernelvm_vnf'));
  expect(closeTest).toBeLessThan(calls.indexOf('/listener_suite_vm qemu_log_diagnostics'));
  expect(calls.at(-1)).toBe('/listener_suite_vm qemu_close');
  // Closed as Qemu Close closes: the guest config the test's VM got is removed.
  const lines = dryRunTransport(parseNode({ host: 'listener-dut1', port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run' })).commandLines();
  expect(lines.some((line) => line.includes('rm -f -- /etc/vm_init_92.conf'))).toBe(true);
});

it('without the listener the same suite leaves both sessions open (what the listener is for)', async () => {
  const run = await robot([]);
  // The later test fails too: the failed setup's VM is still there.
  expect(run.rc).toBe(2);
  expect(server.sessions().sort()).toEqual(['listener_suite_vm', 'listener_test_vm']);
  for (const path of ['/listener_suite_vm', '/listener_test_vm']) {
    await execFileAsync('python3', ['-c', `import xmlrpc.client; xmlrpc.client.ServerProxy(${JSON.stringify(server.url + path)}).run_keyword('qemu_close', [])`]);
  }
  expect(server.sessions()).toEqual([]);
});
