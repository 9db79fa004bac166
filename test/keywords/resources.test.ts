/**
 * The Robot resource files in keywords/ under real Robot Framework, against the real server, on a dry-run
 * node: the fixture suite (resources.robot) calls every keyword; the node's records show what reached it,
 * in particular that each teardown ended exactly the VMs its test (or suite) set up.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import winston from 'winston';
import { closeAllTransports, dryRunTransport, parseNode } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { assertRobotAvailable } from '../support/libdoc';
import { bootableKernelVm, HUGEPAGES_OK } from '../support/dry-run-node';
import { serveDryRunAgent } from '../support/dry-run-agent';

const execFileAsync = promisify(execFile);
const SUITE = join(__dirname, 'resources.robot');

const DUT1 = {
  host: 'keywords-dut1',
  port: 22,
  username: 'testuser',
  type: 'DUT',
  transport: 'dry-run',
  dry_run_responses: [...HUGEPAGES_OK, ...[11, 12, 21, 22].flatMap(bootableKernelVm)],
};

let server: RemoteServer;
let workDir: string;

beforeAll(async () => {
  await assertRobotAvailable();
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg', qemu_version: '7.2.0' }), { port: 0, log: winston.createLogger({ silent: true }) });
  workDir = mkdtempSync(join(tmpdir(), 'qur-keywords-'));
  // The testpmd VMs are nested VMs (CSIT 2019): their boot wait asks the guest agent.
  const dut = parseNode(DUT1);
  for (const id of [11, 12, 21]) serveDryRunAgent(dut, `/var/run/qga_${id}.sock`, [`52:54:00:00:${id.toString(16).padStart(2, '0')}:01`]);
});

afterAll(async () => {
  await server?.stop();
  await closeAllTransports();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function runRobot(variables: Record<string, unknown>): Promise<{ rc: number; stdout: string }> {
  const variableFile = join(workDir, 'variables.json');
  writeFileSync(variableFile, JSON.stringify(variables));
  try {
    const { stdout } = await execFileAsync('python3', ['-m', 'robot', '--outputdir', workDir, '--variablefile', variableFile, '--console', 'verbose', SUITE], { timeout: 120_000 });
    return { rc: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { rc: failed.code ?? -1, stdout: failed.stdout ?? String(error) };
  }
}

describe('keywords/*.resource under Robot Framework', () => {
  it('set up VMs, NF chains and sessions, and every teardown ends what its test set up', async () => {
    const result = await runRobot({ QEMU_REMOTE_URI: server.url, nodes: { TG: { type: 'TG', host: 'tg' }, DUT1 }, tg_if1_mac: '3c:fd:fe:00:00:01', tg_if2_mac: '3c:fd:fe:00:00:02' });
    expect([result.rc, result.stdout]).toEqual([0, expect.stringContaining('6 tests, 6 passed, 0 failed')]);

    const lines = dryRunTransport(parseNode(DUT1)).commandLines();
    const startOf = (id: number) => lines.findIndex((line) => line.includes(`-pidfile /var/run/qemu_${id}.pid`) && line.includes('-daemonize'));
    // Kernel VMs' clean-up removes their init script; nested VMs (the testpmd VMs, 11 and 12) have none.
    const cleanupOf = (id: number) =>
      lines.findIndex((line) => line.startsWith('sudo -S sh -c') && new RegExp(`\\nrm -f -- (/etc/vm_init_${id}\\.conf|/var/run/qemu_${id}\\.pid)[ '\\n]`).test(line));
    // The testpmd VMs and the manager's chain were started, pinned, set to SCHED_RR, and ended by their teardowns.
    // CPUs: given per VM (11, 12); derived by the manager from host_cpus 0-7 past 3 skipped ones (21, 22).
    const cpusOf: Record<number, [number, number]> = { 11: [0, 1], 12: [1, 0], 21: [3, 4], 22: [3, 5] };
    for (const [id, [cpu0, cpu1]] of Object.entries(cpusOf).map(([id, cpus]) => [Number(id), cpus] as const)) {
      expect([id, startOf(id) >= 0]).toEqual([id, true]);
      expect([id, cleanupOf(id) > startOf(id)]).toEqual([id, true]);
      const threads = [9000 + 10 * id, 9001 + 10 * id];
      expect(lines).toEqual(expect.arrayContaining([`sudo -S taskset -pc ${cpu0} ${threads[0]}`, `sudo -S taskset -pc ${cpu1} ${threads[1]}`, `sudo -S chrt -r -p 1 ${threads[0]}`]));
    }
    // testpmd was started in each testpmd VM over SSH to its VM dict (a dry-run node too), as CSIT did, and stopped.
    for (const id of [11, 12]) {
      const guest = dryRunTransport(parseNode({ host: DUT1.host, port: 10021 + id, username: 'cisco', type: 'VM', transport: 'dry-run' })).commandLines();
      expect(guest).toEqual([
        'sudo -S /start-testpmd.sh -v -l 0,1 --master-lcore 0 -d /usr/lib/librte_pmd_virtio.so  -- --forward-mode=io --burst=64 --txd=1024 --rxd=1024 --txq=1 --rxq=1 --txqflags=0xf00  --disable-hw-vlan    ',
        'sudo -S /stop-testpmd.sh',
      ]);
    }
    // The chain's NFs were given each other as peers (testpmd_mac) and the TG MACs at its ends.
    const initOf22 = dryRunTransport(parseNode(DUT1)).records.find((record) => record.kind === 'writeFile' && record.path === '/etc/vm_init_22.conf');
    expect(initOf22?.kind === 'writeFile' && initOf22.content).toContain('--eth-peer=0,52:54:00:00:15:02 --eth-peer=1,3c:fd:fe:00:00:02');
    // VMs only configured (41, 42) and the suite's own (31) had their files removed too, the suite's last.
    for (const id of [41, 42, 31]) expect([id, cleanupOf(id) >= 0]).toEqual([id, true]);
    expect(cleanupOf(31)).toBeGreaterThan(cleanupOf(42));
    expect(lines.some((line) => line.includes('pkill -SIGKILL qemu'))).toBe(false);
    // Nothing is left in the server: every session was ended.
    expect(server.sessions()).toEqual([]);
  });
});
