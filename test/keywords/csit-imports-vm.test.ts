/**
 * CSIT 2019's constructor import (`Import Library | ...QemuUtils | ${node} | qemu_id=.. | smp=.. | mem=.. |
 * WITH NAME | vm1`) ported to keywords/QemuUtils.py, with a real kernel VM: test/keywords/csit_imports_vm.robot
 * under real Robot Framework against the real server carrying the bed's settings. The VM boots, is pinned,
 * is killed by CSIT's `Qemu Kill`, and the listener closes the session so that nothing is left.
 * Needs the test bed (`bash scripts/testbed/setup.sh`); QUR_SKIP_VM_TESTS=1 skips it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import winston from 'winston';
import { closeAllTransports } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { assertRobotAvailable } from '../support/libdoc';
import { testbedFile, vmTestsSkipped } from '../support/testbed';
import { vmFiles, vmProcesses } from '../support/vm';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SUITE = join(__dirname, 'csit_imports_vm.robot');
const QEMU_ID = 46;

const describeVm = vmTestsSkipped() ? describe.skip : describe;

let server: RemoteServer;
let workDir: string;

beforeAll(async () => {
  if (vmTestsSkipped()) return;
  await assertRobotAvailable();
  // The bed's settings server-wide, as a CSIT test bed's server would have them: the import stays CSIT's.
  const bed = JSON.parse(readFileSync(testbedFile(), 'utf8')) as { accel: string; cpu: string; kernelExtraArgs: string; testpmd: string };
  const options = { accel: bed.accel, cpu_model: bed.cpu, kernel_args: bed.kernelExtraArgs, testpmd_bin: bed.testpmd, testpmd_main_lcore_flag: '--main-lcore', boot_timeout: '240' };
  server = await startRemoteServer(createQemuLibrary(options), { port: 0, log: winston.createLogger({ silent: true }) });
  workDir = mkdtempSync(join(tmpdir(), 'qur-csit-imports-vm-'));
});

afterAll(async () => {
  await server?.stop();
  await closeAllTransports();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describeVm('a CSIT constructor import with a real kernel VM', () => {
  it('boots, pins and kills the VM; the listener closes the session; nothing is left', async () => {
    const args = ['-m', 'robot', '--outputdir', workDir, '--console', 'verbose', '--listener', join(ROOT, 'keywords', 'QemuSessionListener.py'), '--variable', `QEMU_REMOTE_URI:${server.url}`, SUITE];
    const result = await execFileAsync('python3', args, { cwd: ROOT, timeout: 900_000 }).then(
      ({ stdout }) => ({ rc: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ rc: error.code ?? -1, stdout: error.stdout ?? String(error) }),
    );
    expect([result.rc, result.stdout]).toEqual([0, expect.stringContaining('2 tests, 2 passed, 0 failed')]);
    expect(server.sessions()).toEqual([]);
    expect(vmProcesses(QEMU_ID)).toEqual([]);
    expect(vmFiles(QEMU_ID).filter((file) => { try { readFileSync(file); return true; } catch { return false; } })).toEqual([]);
  }, 1_000_000);
});
