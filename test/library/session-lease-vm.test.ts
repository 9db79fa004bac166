/**
 * The session lease on a real VM: a session that started a real, paused QEMU on 127.0.0.1 (over the test
 * sshd) and then made no call is closed when its lease ends, as Qemu Close would close it: the QEMU process
 * is gone, its pid file and owner marker are removed, and the WARN names session, VM, node and idle time.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllTransports } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { pausedQemuBinPath, processRuns } from '../support/paused-qemu';
import { captureServerLog, waitFor, type CapturedServerLog } from '../support/servers';
import { describeSsh, rootKeyNodeDict, sshdEnv } from '../support/sshd';
import { py, pyJson } from '../support/xmlrpc';

const QEMU_ID = 87;
const PID_FILE = `/var/run/qemu_${QEMU_ID}.pid`;
const OWNER_FILE = `/var/run/qemu_${QEMU_ID}.owner`;

describeSsh('session lease on a real, paused QEMU', () => {
  let server: RemoteServer;
  let captured: CapturedServerLog;
  let dir: string;

  beforeAll(async () => {
    captured = captureServerLog('info');
    server = await startRemoteServer(createQemuLibrary({ accel: 'tcg' }), { port: 0, log: captured.log, sessionLeaseMs: 2000 });
    dir = mkdtempSync(join(tmpdir(), 'qur-lease-vm-'));
    chmodSync(dir, 0o755);
  });

  afterAll(async () => {
    await server?.stop();
    await closeAllTransports();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a session idle past its lease has its running VM killed and its files removed, with a WARN naming it', async () => {
    const node = rootKeyNodeDict(sshdEnv());
    const init = { qemu_id: QEMU_ID, smp: 1, mem: 2, img: '/opt/boot/vmlinuz-qur', bin_path: pausedQemuBinPath(dir) };
    // One Python process, the calls back to back; after Qemu Start, no call at all.
    const opened = (await py(
      server.url,
      `result = [run('qemu_init', [${pyJson(node)}], ${pyJson(init)}, path='/abandoned_vm'), run('qemu_start', [], path='/abandoned_vm')]`,
      240_000,
    )) as { status: string; error?: string }[];
    expect(opened).toMatchObject([{ status: 'PASS' }, { status: 'PASS' }]);
    const pid = Number(readFileSync(PID_FILE, 'utf8').trim());
    expect(existsSync(OWNER_FILE)).toBe(true);

    await waitFor('the lease to end /abandoned_vm', () => !server.sessions().includes('abandoned_vm'), 120_000);
    await waitFor('the VM of /abandoned_vm to be closed', () => !processRuns(pid) && !existsSync(PID_FILE), 120_000);
    expect(existsSync(OWNER_FILE)).toBe(false);
    const warning = captured.records().find((record) => record.level === 'warn' && record.message.startsWith('session lease expired'));
    expect(warning).toMatchObject({ session: '/abandoned_vm', leaseSeconds: 2 });
    expect(warning?.holds).toMatch(new RegExp(`^VM ${QEMU_ID} on \\S+@127\\.0\\.0\\.1:\\d+ \\(running\\)$`));
    expect(warning?.message).toMatch(new RegExp(`^session lease expired: /abandoned_vm received no call for \\d+\\.\\d s \\(lease 2 s\\); ending it as its ending keyword would: VM ${QEMU_ID} on \\S+@127\\.0\\.0\\.1:\\d+`));
    expect(warning?.idleSeconds).toBeGreaterThanOrEqual(2);
  }, 300_000);
});
