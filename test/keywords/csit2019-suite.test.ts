/**
 * A CSIT 2019 NF density suite in CSIT's own format, ported by its Settings imports only
 * (test/keywords/csit2019/: keywords/vm_2019.resource in place of CSIT's shared/vm.robot), under real Robot
 * Framework against the real server on a dry-run DUT: CSIT's keyword names and arguments resolve, the chain's
 * VMs start and are pinned as CSIT's QemuManager pinned them, CSIT's host-VPP steps run around them in CSIT's
 * order, `Tear down performance test with vhost` kills them; and `robot --dryrun` passes it with no server.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import winston from 'winston';
import { closeAllTransports, dryRunTransport, parseNode } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { assertRobotAvailable } from '../support/libdoc';
import { bootableKernelVm, exactly, HUGEPAGES_OK } from '../support/dry-run-node';

const execFileAsync = promisify(execFile);
const SUITE = join(__dirname, 'csit2019', '2n-eth-l2bd-4vhost-1chain-2vm-testpmd-ndrpdr.robot');
// Its testpmd-guest sibling, run with real VMs by test/keywords/csit2019-vm.test.ts; dry-run here.
const TESTPMD_SUITE = join(__dirname, 'csit2019', '2n-eth-l2xcbase-eth-2vhost-1vm-testpmd-ndrpdr.robot');

const DUT1 = {
  host: 'csit2019-dut1',
  port: 22,
  username: 'testuser',
  type: 'DUT',
  transport: 'dry-run',
  dry_run_responses: [...HUGEPAGES_OK, exactly('cat /sys/devices/system/cpu/online', { stdout: '0-7\n' }), ...[1, 2].flatMap(bootableKernelVm)],
};

let server: RemoteServer;
let workDir: string;

beforeAll(async () => {
  await assertRobotAvailable();
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg', qemu_version: '7.2.0' }), { port: 0, log: winston.createLogger({ silent: true }) });
  workDir = mkdtempSync(join(tmpdir(), 'qur-csit2019-'));
});

afterAll(async () => {
  await server?.stop();
  await closeAllTransports();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function robot(args: string[], suite = SUITE): Promise<{ rc: number; output: string }> {
  const variables = join(workDir, 'variables.json');
  writeFileSync(variables, JSON.stringify({ QEMU_REMOTE_URI: server.url, nodes: { TG: { type: 'TG', host: 'tg' }, DUT1 }, CSIT_STEPS_FILE: join(workDir, 'steps') }));
  const command = ['-m', 'robot', '--output', 'NONE', '--log', 'NONE', '--report', 'NONE', '--console', 'verbose', '--variablefile', variables, ...args, suite];
  try {
    const { stdout, stderr } = await execFileAsync('python3', command, { timeout: 180_000 });
    return { rc: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { rc: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? String(error)}` };
  }
}

describe('a CSIT 2019 NF density suite ported by its imports', () => {
  it('passes: the chain starts, is pinned, and is killed by the teardown, with CSIT steps in CSIT order', async () => {
    const result = await robot([]);
    expect([result.rc, result.output]).toEqual([0, expect.stringContaining('2 tests, 2 passed, 0 failed')]);

    const perTest = [
      'Set up performance test',
      'Add worker threads and rxqueues to all DUTs',
      'Apply startup configuration on all VPP DUTs',
      'Initialize L2 bridge domains for multiple chains with Vhost-User',
      'All VPP Interfaces Ready Wait',
      'VPP round robin RX placement on all DUTs Virtual',
      'Find NDR and PDR intervals using optimized search',
      'Tear down performance test',
      'Show VPP vhost on all DUTs',
    ];
    const steps = readFileSync(join(workDir, 'steps'), 'utf8').trim().split('\n');
    expect(steps).toEqual(["Set up 2-node performance topology with DUT's NIC model", ...perTest, ...perTest, 'Tear down 2-node performance topology']);

    const lines = dryRunTransport(parseNode(DUT1)).commandLines();
    // CSIT's QemuManager: CPUs past 2 + cpu_count_int, one main CPU shared by the two NFs; TG MACs at the ends.
    expect(lines).toEqual(expect.arrayContaining(['sudo -S taskset -pc 3 9010', 'sudo -S taskset -pc 4 9011', 'sudo -S taskset -pc 3 9020', 'sudo -S taskset -pc 5 9021']));
    const init2 = dryRunTransport(parseNode(DUT1)).records.find((record) => record.kind === 'writeFile' && record.path === '/etc/vm_init_2.conf');
    expect(init2?.kind === 'writeFile' && init2.content).toContain('--eth-peer=0,52:54:00:00:01:02 --eth-peer=1,3c:fd:fe:00:00:02');
    // Two tests, each started both VMs; Tear down guest VM killed them (by pid, never pkill) both times.
    const starts = lines.filter((line) => line.includes('-daemonize') && /-pidfile \/var\/run\/qemu_[12]\.pid/.test(line));
    expect(starts).toHaveLength(4);
    expect(lines.filter((line) => line.startsWith('sudo -S sh -c') && line.includes('pid=8001\n'))).toHaveLength(2);
    expect(lines.some((line) => line.includes('pkill -SIGKILL qemu'))).toBe(false);
    expect(server.sessions()).toEqual([]);
  });

  it('passes robot --dryrun with no server', async () => {
    const result = await robot(['--dryrun', '--variable', 'QEMU_REMOTE_URI:http://127.0.0.1:9']);
    expect([result.rc, result.output]).toEqual([0, expect.stringContaining('2 tests, 2 passed, 0 failed')]);
  });

  it('passes robot --dryrun with no server for the testpmd-guest suite too', async () => {
    const result = await robot(['--dryrun', '--variable', 'QEMU_REMOTE_URI:http://127.0.0.1:9'], TESTPMD_SUITE);
    expect([result.rc, result.output]).toEqual([0, expect.stringContaining('1 test, 1 passed, 0 failed')]);
  });
});
