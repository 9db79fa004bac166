/**
 * keywords/QemuSessionListener.py under real Robot Framework on a real VM: a test that starts a real, paused
 * QEMU on 127.0.0.1 (over the test sshd, qemu_id 88) and fails without teardown. After the run the listener
 * has closed its session: the QEMU process is gone and its pid file and owner marker are removed.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closeAllTransports } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { assertRobotAvailable } from '../support/libdoc';
import { pausedQemuBinPath, processRuns } from '../support/paused-qemu';
import { captureServerLog, type CapturedServerLog } from '../support/servers';
import { describeSsh, rootKeyNodeDict, sshdEnv } from '../support/sshd';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SUITE = join(ROOT, 'test', 'fixtures', 'robot', 'listener_vm.robot');
const LISTENER = join(ROOT, 'keywords', 'QemuSessionListener.py');

describeSsh('QemuSessionListener on a real, paused QEMU', () => {
  let server: RemoteServer;
  let captured: CapturedServerLog;
  let dir: string;

  beforeAll(async () => {
    await assertRobotAvailable();
    captured = captureServerLog('info');
    server = await startRemoteServer(createQemuLibrary({ accel: 'tcg' }), { port: 0, log: captured.log });
    dir = mkdtempSync(join(tmpdir(), 'qur-listener-vm-'));
    chmodSync(dir, 0o755);
  });

  afterAll(async () => {
    await server?.stop();
    await closeAllTransports();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('closes the session of a failed test that started a VM: the QEMU process and its files are gone', async () => {
    const variables = join(dir, 'vars.py');
    const record = join(dir, 'pid.txt');
    writeFileSync(variables, `NODE = ${JSON.stringify(rootKeyNodeDict(sshdEnv()))}\nBIN_PATH = ${JSON.stringify(pausedQemuBinPath(dir))}\nRECORD = ${JSON.stringify(record)}\nQEMU_REMOTE_URI = ${JSON.stringify(server.url)}\n`);
    let rc = 0;
    let stdout: string;
    try {
      ({ stdout } = await execFileAsync('python3', ['-m', 'robot', '--outputdir', join(dir, 'out'), '--listener', LISTENER, '--variablefile', variables, SUITE], { timeout: 240_000, cwd: dir }));
    } catch (error) {
      const failed = error as { code?: number; stdout?: string };
      rc = failed.code ?? -1;
      stdout = failed.stdout ?? String(error);
    }
    expect(rc).toBe(1);
    expect(stdout).toMatch(/Starts A VM And Fails, No Teardown\s+\| FAIL \|\s+The test fails here, and nothing closes its VM but the listener/);
    const pid = Number(readFileSync(record, 'utf8').trim());
    expect(pid).toBeGreaterThan(1);

    // The listener's Qemu Close returned before the run ended: nothing is left to wait for.
    expect(server.sessions()).toEqual([]);
    const calls = captured.records().filter((entry) => entry.message === 'call').map((entry) => `${String(entry.session)} ${String(entry.keyword)}`);
    expect(calls.slice(-2)).toEqual(['/listener_vm qemu_start', '/listener_vm qemu_close']);
    expect(processRuns(pid)).toBe(false);
    expect(existsSync('/var/run/qemu_88.pid')).toBe(false);
    expect(existsSync('/var/run/qemu_88.owner')).toBe(false);
  }, 300_000);
});
