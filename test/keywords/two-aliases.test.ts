/**
 * Two Robot imports of one session URL (`Library  Remote  ${URL}  AS  vm1`, then `vm2`) share the default
 * session. A real Robot run against the real server, on a dry-run DUT: vm2's Qemu Init while vm1's VM runs
 * is refused with the session path, and vm1's VM is killed only by vm1's own Qemu Kill.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closeAllTransports, dryRunTransport, parseNode } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { hugepageStatusOutput } from '../support/dry-run-node';
import { assertRobotAvailable } from '../support/libdoc';
import { captureServerLog } from '../support/servers';

const execFileAsync = promisify(execFile);
const SUITE = join(__dirname, '..', 'fixtures', 'robot', 'two_aliases.robot');
const PID = '7272';
const NODE = {
  host: 'alias-dut1',
  port: 22,
  username: 'testuser',
  type: 'DUT',
  transport: 'dry-run',
  dry_run_responses: [
    { match: 'qemu-system-x86_64 --version', stdout: 'QEMU emulator version 7.2.0\n' },
    { match: 'free_hugepages', stdout: hugepageStatusOutput({ free: 4096, total: 4096 }) },
    { match: 'cat /var/run/qemu_72.pid', stdout: `${PID}\n` },
    { match: 'tail -c +1 -F', stdout: 'Press enter to exit\n' },
    { match: `pid=${PID}\n`, stdout: `@@qemu-utils-remote killed ${PID}\n` },
    { match: `/proc/${PID}/stat`, stdout: 'qemu-utils-remote: process gone\n' },
  ],
};

let server: RemoteServer;
let workDir: string;

beforeAll(async () => {
  await assertRobotAvailable();
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg' }), { port: 0, log: captureServerLog('warn').log });
  workDir = mkdtempSync(join(tmpdir(), 'qur-aliases-'));
});

afterAll(async () => {
  await server?.stop();
  await closeAllTransports();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

it("refuses vm2's Qemu Init while vm1's VM runs in the shared session, naming the session path", async () => {
  const variables = join(workDir, 'node.py');
  writeFileSync(variables, `NODE = ${JSON.stringify(NODE)}\n`);
  let stdout = '';
  try {
    ({ stdout } = await execFileAsync('python3', ['-m', 'robot', '--outputdir', workDir, '--variable', `URL:${server.url}`, '--variablefile', variables, SUITE], { timeout: 120_000 }));
  } catch (error) {
    stdout = (error as { stdout?: string }).stdout ?? String(error);
  }
  expect(stdout).toMatch(/^1 test, 1 passed, 0 failed$/m);
  // vm1's VM was killed once, by vm1's Qemu Kill: the refused Qemu Init reached nothing on the node.
  const lines = dryRunTransport(parseNode(NODE)).commandLines();
  expect(lines.filter((line) => line.includes(`pid=${PID}\n`))).toHaveLength(1);
  expect(server.sessions()).toEqual([]);
});
