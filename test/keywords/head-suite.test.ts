/**
 * robot-tests/head/vm_head.robot (CSIT HEAD's vm.robot keywords of keywords/vm_head.resource, called as HEAD's
 * suites call them) under real Robot Framework against an in-process server, on its dry-run DUTs: every test
 * passes, the VMs were pinned where HEAD pins them and killed by HEAD's teardown action, and no session is left.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import winston from 'winston';
import { closeAllTransports, dryRunTransport, parseNode } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { assertRobotAvailable } from '../support/libdoc';

const execFileAsync = promisify(execFile);
const HEAD_DIR = join(__dirname, '..', '..', 'robot-tests', 'head');
const SUITE = join(HEAD_DIR, 'vm_head.robot');

let server: RemoteServer;
let workDir: string;

beforeAll(async () => {
  await assertRobotAvailable();
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg', qemu_version: '7.2.0' }), { port: 0, log: winston.createLogger({ silent: true }) });
  workDir = mkdtempSync(join(tmpdir(), 'qur-head-suite-'));
});

afterAll(async () => {
  await server?.stop();
  await closeAllTransports();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The suite's DUT of test `name`, as its library builds it (same dict: same dry-run transport). */
async function suiteDut(name: string, vcpus = 3): Promise<Record<string, unknown>> {
  const script = `import json, head_topology; print(json.dumps(head_topology.head_dry_run_dut(${JSON.stringify(name)}, ${vcpus})))`;
  const { stdout } = await execFileAsync('python3', ['-c', script], { cwd: HEAD_DIR });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('robot-tests/head: HEAD vm.robot keywords under Robot Framework', () => {
  it('passes; the VMs were pinned as HEAD pins them and killed by the teardown action', async () => {
    const args = ['-m', 'robot', '--outputdir', workDir, '--console', 'verbose', '--variable', `QEMU_REMOTE_URI:${server.url}`, '--variable', 'HEAD_OWN_SERVER:False', SUITE];
    const result = await execFileAsync('python3', args, { timeout: 300_000 }).then(
      ({ stdout }) => ({ rc: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ rc: error.code ?? -1, stdout: error.stdout ?? String(error) }),
    );
    expect([result.rc, result.stdout]).toEqual([0, expect.stringContaining('7 tests, 7 passed, 0 failed')]);

    // 1x2 testpmd_mac (csit-head.md §3: VM2's main CPU is VM1's sibling), vCPU threads 100*pid+n.
    const lines = dryRunTransport(parseNode(await suiteDut('head-1x2 testpmd_mac, nfv_density style (auto_scale False)'))).commandLines();
    const pinned = [
      [3, 700100], [4, 700101], [60, 700102],
      [59, 700200], [5, 700201], [61, 700202],
    ].map(([cpu, thread]) => `sudo -S taskset -pc ${cpu} ${thread}`);
    expect(lines).toEqual(expect.arrayContaining(pinned));
    // Killed by Additional Test Tear Down Action For vhost, each VM by its own pid: never pkill qemu.
    for (const pid of [7001, 7002]) expect([pid, lines.some((line) => line.includes(`pid=${pid}\n`))]).toEqual([pid, true]);
    expect(lines.some((line) => line.includes('pkill -SIGKILL qemu'))).toBe(false);
    expect(server.sessions()).toEqual([]);
  });
});
