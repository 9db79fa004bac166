/**
 * Robot's [Timeout] during a real Qemu Start (real Robot, the real server, the bed's sshd as node, real QEMU
 * under the bed's accelerator): the Remote client's socket closes mid-boot, and the server cancels the
 * keyword, kills the VM and removes its pid file and sockets, and logs that the client went. qemu_id 95.
 * Needs the test bed (`bash scripts/testbed/setup.sh`); QUR_SKIP_VM_TESTS=1 skips it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closeAllTransports } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { captureServerLog, waitFor, type CapturedServerLog } from '../support/servers';
import { describeWithTestbed, type TestbedInfo } from '../support/testbed';
import { kernelvmSettings, leftovers, vmNodeDict, vmProcesses } from '../support/vm';

const execFileAsync = promisify(execFile);
const SUITE = join(__dirname, '..', 'fixtures', 'robot', 'client-gone.robot');
const ID = 95;

/**
 * The guest kernel waits 60 s before it mounts its root, so the boot is still under way when the 8-s
 * [Timeout] fires however fast the bed is: with nothing to wait for, a fast TCG boot reached the guest's
 * testpmd (no NICs, so it exits and the guest powers down) and Qemu Start failed before the timeout.
 */
function holdBootSettings(bed: TestbedInfo): Record<string, unknown> {
  return { ...kernelvmSettings(bed), kernel_args: `${bed.kernelExtraArgs} rootdelay=60` };
}

describeWithTestbed('Robot [Timeout] during a real Qemu Start', (testbed) => {
  let server: RemoteServer | undefined;
  let captured: CapturedServerLog;
  let workDir: string;

  beforeAll(async () => {
    const bed = testbed();
    captured = captureServerLog('info');
    server = await startRemoteServer(createQemuLibrary({ accel: bed.accel, cpu_model: bed.cpu }), { port: 0, log: captured.log });
    workDir = mkdtempSync(join(tmpdir(), 'qur-client-gone-'));
  });

  afterAll(async () => {
    await server?.stop();
    // After a failed assertion only: what the server did not remove.
    for (const pid of vmProcesses(ID)) process.kill(pid, 'SIGKILL');
    for (const path of leftovers(ID)) if (path.startsWith('/')) rmSync(path, { force: true });
    await closeAllTransports();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('cancels the start, kills the VM and removes its files, and says so in the server log', async () => {
    const bed = testbed();
    expect(leftovers(ID)).toEqual([]);
    const variables = join(workDir, 'variables.json');
    writeFileSync(variables, JSON.stringify({ URL: server?.url, NODE: vmNodeDict(), QEMU_ID: ID, KERNEL: bed.kernel, SETTINGS: holdBootSettings(bed), TIMEOUT: '8 seconds' }));
    const run = await execFileAsync('python3', ['-m', 'robot', '--outputdir', workDir, '--variablefile', variables, SUITE], { timeout: 120_000 }).then(
      ({ stdout }) => ({ rc: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ rc: error.code ?? -1, stdout: error.stdout ?? '' }),
    );
    expect(run.stdout).toMatch(/Test timeout 8 seconds exceeded/);
    expect(run.rc).toBe(1);

    await waitFor('the server to end the cut Qemu Start', () => captured.records().some((record) => record.message === 'call' && record.keyword === 'qemu_start'), 60_000);
    const records = captured.records();
    expect(records).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'warn', message: 'client gone: cancelling the keyword', keyword: 'qemu_start', session: '/client_gone_vm' })]));
    expect(records.find((record) => record.message === 'call' && record.keyword === 'qemu_start')).toMatchObject({ status: 'FAIL' });
    // Nothing of the VM is left but the guest config the session wrote (Qemu Close removes that).
    expect(vmProcesses(ID)).toEqual([]);
    expect(leftovers(ID)).toEqual([`/etc/vm_init_${ID}.conf`]);
    await execFileAsync('python3', ['-c', `import xmlrpc.client; xmlrpc.client.ServerProxy(${JSON.stringify(`${server?.url}/client_gone_vm`)}).run_keyword('qemu_close', [])`]);
    expect(leftovers(ID)).toEqual([]);
  }, 180_000);
});
