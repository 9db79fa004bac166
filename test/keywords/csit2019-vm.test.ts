/**
 * The CSIT 2019 suites of test/keywords/csit2019/, ported by their Settings imports only, on the real test bed:
 * the NF density suite (`Configure chains of NFs connected via vhost-user`: 1 chain x 2 kernel VMs of the VM
 * manager) and the testpmd-guest suite (`Configure guest VM with dpdk-testpmd connected via vhost-user`: the
 * nested image, dpdk-testpmd started in it over SSH, `Tear down performance test with vhost and VM with
 * dpdk-testpmd`), under real Robot Framework against the real server. The bed reaches the suites only from
 * outside them: its settings server-wide (createQemuLibrary options, as `--qemu-option`), its ids, memory,
 * images and CPUs as command-line variables. Host dpdk-testpmd plays VPP's part on every vhost-user socket.
 * Needs the test bed (`bash scripts/testbed/setup.sh`); QUR_SKIP_VM_TESTS=1 skips it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import winston from 'winston';
import { closeAllTransports } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { assertRobotAvailable } from '../support/libdoc';
import { loadTestbed, vmTestsSkipped, type TestbedInfo } from '../support/testbed';
import { leftovers } from '../support/vm';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SUITES = join(__dirname, 'csit2019');
const HOST_TESTPMD = join(ROOT, 'scripts', 'testbed', 'host-testpmd.sh');
// The manager numbers the chain's VMs from QEMU Worker Qemu Id 1, i.e. QEMU_ID_BASE + 1: 60 and 61.
const QEMU_ID_BASE = 59;
const CHAIN_IDS = [60, 61];
// The testpmd guest's qemu_id is the suite's argument (its ${qemu_id}, CSIT's 1), given on the command line.
const GUEST_ID = 62;
// CSIT's VPP socket directory, which both suites name (the manager's default and the testpmd suite's lines).
const SOCKET_DIR = '/var/run/vpp';
const sockets = (id: number): string[] => [`${SOCKET_DIR}/sock-${id}-1`, `${SOCKET_DIR}/sock-${id}-2`];
const PEERS = { 'gap15-chain': CHAIN_IDS.flatMap(sockets), 'gap15-guest': sockets(GUEST_ID) };

const describeVm = vmTestsSkipped() ? describe.skip : describe;

let bed: TestbedInfo;
let server: RemoteServer;
let workDir: string;

function hostTestpmd(action: 'start' | 'stop', name: string, paths: readonly string[] = []): void {
  execFileSync('bash', [HOST_TESTPMD, action, name, ...paths], { env: { ...process.env, QUR_TESTPMD_FORWARD: '0' }, stdio: 'pipe' });
}

beforeAll(async () => {
  if (vmTestsSkipped()) return;
  await assertRobotAvailable();
  bed = loadTestbed();
  // The bed's settings server-wide, as a CSIT test bed's server would have them: the suites stay CSIT's.
  const options = { accel: bed.accel, cpu_model: bed.cpu, kernel_args: bed.kernelExtraArgs, testpmd_bin: bed.testpmd, testpmd_main_lcore_flag: '--main-lcore', boot_timeout: '300' };
  server = await startRemoteServer(createQemuLibrary(options), { port: 0, log: winston.createLogger({ silent: true }) });
  workDir = mkdtempSync(join(tmpdir(), 'qur-csit2019-vm-'));
  mkdirSync(SOCKET_DIR, { recursive: true });
  for (const [name, paths] of Object.entries(PEERS)) hostTestpmd('start', name, paths);
});

afterAll(async () => {
  for (const name of Object.keys(PEERS)) {
    try { hostTestpmd('stop', name); } catch { /* not started */ }
  }
  await server?.stop();
  await closeAllTransports();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** The text of every message in Robot's output.xml, in order. */
function robotMessages(outputXml: string): string[] {
  const unescape = (text: string): string => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return [...readFileSync(outputXml, 'utf8').matchAll(/<msg [^>]*>([\s\S]*?)<\/msg>/g)].map((match) => unescape(match[1] ?? ''));
}

describeVm('CSIT 2019 suites ported by their imports, with real VMs', () => {
  it('boot, pin and end the NF chain and the testpmd guest; nothing is left', async () => {
    const variables = join(workDir, 'variables.json');
    writeFileSync(variables, JSON.stringify({
      QEMU_REMOTE_URI: server.url,
      nodes: { TG: { type: 'TG', host: 'tg' }, DUT1: { host: 'localhost', type: 'DUT', transport: 'local', arch: 'x86_64' } },
      CSIT_STEPS_FILE: join(workDir, 'steps'),
      CSIT_PROBE_FILE: join(workDir, 'probe'),
      CSIT_PROBE_IDS: [...CHAIN_IDS, GUEST_ID],
      QEMU_ID_BASE,
      qemu_id: GUEST_ID,
      QEMU_VM_MEM: 1024,
      QEMU_NESTED_IMAGE: bed.nestedImage,
      CSIT_NF_CPUS: [1, 0],
      QEMU_NF_PLACEMENT: { mem: 1024, img: bed.kernel, nf_cpus: [[0, 1], [1, 0]] },
    }));
    const output = join(workDir, 'output.xml');
    // One test of the NF density suite (its two are alike) and the testpmd suite's one, one after the other.
    const args = ['-m', 'robot', '--output', output, '--log', 'NONE', '--report', 'NONE', '--console', 'verbose', '--variablefile', variables,
      '--test', 'tc01-64B-1c-eth-l2bd-4vhost-1chain-2vm-testpmd-ndrpdr', '--test', 'tc01-64B-1c-eth-l2xcbase-eth-2vhost-1vm-ndrpdr',
      join(SUITES, '2n-eth-l2bd-4vhost-1chain-2vm-testpmd-ndrpdr.robot'), join(SUITES, '2n-eth-l2xcbase-eth-2vhost-1vm-testpmd-ndrpdr.robot')];
    const result = await execFileAsync('python3', args, { cwd: ROOT, timeout: 1_500_000 }).then(
      ({ stdout }) => ({ rc: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ rc: error.code ?? -1, stdout: error.stdout ?? String(error) }),
    );
    const messages = existsSync(output) ? robotMessages(output) : [];
    expect([result.rc, result.stdout, messages.slice(-40)]).toEqual([0, expect.stringContaining('2 tests, 2 passed, 0 failed'), expect.anything()]);

    // The chain's VMs booted (Start All VMs waits for each boot) and were pinned as nf_cpus says; the guest
    // too, then testpmd was started in it over SSH through its forwarded port, and stopped by the teardown.
    const lines = messages.flatMap((message) => message.split('\n'));
    // The manager pins its VMs concurrently: their lines come in either order.
    const vmOf = (line: string): number => Number(/Pinned VM (\d+)/.exec(line)?.[1]);
    expect(lines.filter((line) => line.includes('Pinned VM')).sort((a, b) => vmOf(a) - vmOf(b))).toEqual([
      expect.stringMatching(/Pinned VM 60 vCPUs 0\(tid \d+\)->0 1\(tid \d+\)->1$/),
      expect.stringMatching(/Pinned VM 61 vCPUs 0\(tid \d+\)->1 1\(tid \d+\)->0$/),
      expect.stringMatching(/Pinned VM 62 vCPUs 0\(tid \d+\)->1 1\(tid \d+\)->0$/),
    ]);
    // And as /proc saw them while CSIT's traffic step ran: the chain's two, then the guest alone.
    expect(readFileSync(join(workDir, 'probe'), 'utf8').trim().split('\n')).toEqual([
      '60 0->0 1->1', '61 0->1 1->0', '62 not running',
      '60 not running', '61 not running', '62 0->1 1->0',
    ]);
    const guest = `localhost:${10021 + GUEST_ID}`;
    expect(lines.filter((line) => line.includes(guest) && /testpmd/.test(line))).toEqual([
      expect.stringMatching(new RegExp(`Starting testpmd on \\S*${guest}\\S*: .*--forward-mode=io.*--rxd=1024`)),
      expect.stringMatching(new RegExp(`testpmd on \\S*${guest}\\S* stopped`)),
    ]);

    const steps = readFileSync(join(workDir, 'steps'), 'utf8').trim().split('\n');
    // CSIT's steps around the VM keywords, in CSIT's order: the NF density suite's, then the testpmd suite's.
    const [setUp, tearDown] = ["Set up 2-node performance topology with DUT's NIC model", 'Tear down 2-node performance topology'];
    const [test, threads, startup, search, testDown] = ['Set up performance test', 'Add worker threads and rxqueues to all DUTs', 'Apply startup configuration on all VPP DUTs', 'Find NDR and PDR intervals using optimized search', 'Tear down performance test'];
    expect(steps).toEqual([
      setUp, test, threads, startup, 'Initialize L2 bridge domains for multiple chains with Vhost-User', 'All VPP Interfaces Ready Wait',
      'VPP round robin RX placement on all DUTs Virtual', search, testDown, 'Show VPP vhost on all DUTs', tearDown,
      setUp, test, threads, startup, 'Initialize L2 xconnect with Vhost-User', 'Create network function CPU list', search, testDown, 'Show VPP vhost on all DUTs', tearDown,
    ]);
    expect(server.sessions()).toEqual([]);
    for (const id of [...CHAIN_IDS, GUEST_ID]) expect([id, leftovers(id, sockets(id))]).toEqual([id, []]);
  }, 1_600_000);
});
