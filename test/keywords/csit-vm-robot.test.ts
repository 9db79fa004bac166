/**
 * CSIT HEAD's own `resources/libraries/robot/shared/vm.robot`, taken from a CSIT repository at run time
 * (`QUR_CSIT_REPO`: a clone, bare or not; never copied into this project), ported by changing only its
 * library imports as docs/robot-suites.md says, run by real Robot Framework against an in-process server on
 * dry-run DUTs, calling the three keywords as HEAD's suites do (test/fixtures/csit-head/head_vm_robot.robot,
 * CSIT's host-VPP and teardown keywords stubbed there). The same suite runs with keywords/vm_head.resource:
 * both runs must do exactly the same on every DUT.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import winston from 'winston';
import { closeAllTransports, dryRunTransport, parseNode, type DryRunRecord } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { assertRobotAvailable } from '../support/libdoc';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'csit-head');
const SUITE = join(FIXTURES, 'head_vm_robot.robot');
const HEAD_DIR = join(ROOT, 'robot-tests', 'head');
const VM_ROBOT = 'resources/libraries/robot/shared/vm.robot';
const TESTS = [
  'vm_vhost 1c testpmd_io',
  'vm_vhost 1c testpmd_mac',
  'nfv_density 1ch 2vm vppip4 (auto_scale False)',
  '3n vppl2xc on two DUTs, 9000B',
  'gso iperf3 on single node',
  'passtrough vpp_2vfpt_ip4base_plen24',
];

/** docs/robot-suites.md, "Porting a CSIT HEAD suite", step 1: the one library name that changes. */
function portVmRobot(text: string): string {
  return text.replace(/^(\| \| Import Library \| )resources\.libraries\.python\.QemuManager( \|)/gm, '$1QemuManagerRemote$2');
}

/**
 * The CSIT clone to read vm.robot from: `QUR_CSIT_REPO`, else the mirror a developer's tooling keeps beside the
 * checkout (`../.mirror/FDio+csit/repo`, `/work/.mirror/FDio+csit/repo`). CSIT is in no package registry, so,
 * as with Robot itself, a machine without a clone cannot run this check: it is then reported as not run.
 */
function findCsitRepo(): string | undefined {
  if (process.env.QUR_CSIT_REPO) return process.env.QUR_CSIT_REPO;
  const candidates = [join(ROOT, '..', '.mirror', 'FDio+csit', 'repo'), '/work/.mirror/FDio+csit/repo'];
  return candidates.find((dir) => existsSync(dir));
}
const CSIT_REPO = findCsitRepo();
if (!CSIT_REPO) {
  console.warn(
    'CSIT HEAD vm.robot check NOT RUN: no CSIT clone (set QUR_CSIT_REPO to a clone of https://github.com/FDio/csit). ' +
      'It runs CSIT\'s own vm.robot, which is not part of this project.',
  );
}
const describeWithCsit = CSIT_REPO ? describe : describe.skip;

/** CSIT HEAD's vm.robot and the commit it was read at. */
async function csitVmRobot(): Promise<{ text: string; commit: string }> {
  const repo = CSIT_REPO ?? '';
  const git = (...args: string[]): Promise<string> =>
    execFileAsync('git', ['-C', repo, ...args]).then(
      ({ stdout }) => stdout,
      (error: Error) => {
        throw new Error(`QUR_CSIT_REPO=${repo}: git ${args.join(' ')} failed (is it a CSIT clone?): ${error.message}`);
      },
    );
  return { text: await git('show', `HEAD:${VM_ROBOT}`), commit: (await git('rev-parse', 'HEAD')).trim() };
}

let server: RemoteServer;
let workDir: string;

beforeAll(async () => {
  if (!CSIT_REPO) return;
  await assertRobotAvailable();
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg', qemu_version: '7.2.0' }), { port: 0, log: winston.createLogger({ silent: true }) });
  workDir = mkdtempSync(join(tmpdir(), 'qur-csit-vm-robot-'));
});

afterAll(async () => {
  await server?.stop();
  await closeAllTransports();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

async function robot(mode: 'vm_robot' | 'vm_head', keywords: string): Promise<{ rc: number; stdout: string }> {
  const args = [
    '-m', 'robot', '--outputdir', join(workDir, mode), '--console', 'verbose',
    '--pythonpath', join(ROOT, 'keywords'), '--pythonpath', join(FIXTURES, 'python'),
    '--variable', `QEMU_REMOTE_URI:${server.url}`, '--variable', `MODE:${mode}`, '--variable', `VM_KEYWORDS:${keywords}`, SUITE,
  ];
  return execFileAsync('python3', args, { timeout: 300_000 }).then(
    ({ stdout }) => ({ rc: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ rc: error.code ?? -1, stdout: error.stdout ?? String(error) }),
  );
}

/** What a run did on the DUT of test `name` (`<mode>-<name>`), as the suite's topology library names it. */
async function dutRecords(mode: string, name: string): Promise<string[]> {
  // The iperf3 test's VMs have 5 vCPU threads (its [Setup]): the same dict as the suite built.
  const vcpus = name.includes('iperf3') ? 5 : 3;
  const script = `import json, head_topology; print(json.dumps(head_topology.head_dry_run_dut(${JSON.stringify(`${mode}-${name}`)}, ${vcpus})))`;
  const { stdout } = await execFileAsync('python3', ['-c', script], { cwd: HEAD_DIR });
  const show = (record: DryRunRecord): string =>
    record.kind === 'exec' ? `exec ${record.commandLine}` : record.kind === 'writeFile' ? `write ${record.path} ${record.mode ?? ''}\n${record.content}` : record.kind;
  return dryRunTransport(parseNode(JSON.parse(stdout) as Record<string, unknown>)).records.map(show);
}

describeWithCsit('CSIT HEAD\'s own vm.robot, ported by its library imports, against the server', () => {
  it('changes exactly the three QemuManager imports (lines 53, 106, 159 at 78e52b9c) and nothing else', async () => {
    const { text } = await csitVmRobot();
    const before = text.split('\n');
    const after = portVmRobot(text).split('\n');
    const changed = before.flatMap((line, index) => (line === after[index] ? [] : [`${index + 1}: ${after[index]}`]));
    expect([after.length, changed]).toEqual([
      before.length,
      [53, 106, 159].map((line) => `${line}: | | Import Library | QemuManagerRemote | \${nodes}`),
    ]);
  });

  it('runs HEAD\'s suites\' calls; every DUT sees exactly what keywords/vm_head.resource does for the same calls', async () => {
    const { text, commit } = await csitVmRobot();
    const ported = join(workDir, 'vm.robot');
    writeFileSync(ported, portVmRobot(text));
    const own = await robot('vm_robot', ported);
    const total = TESTS.length + 1;
    expect([commit, own.rc, own.stdout]).toEqual([commit, 0, expect.stringContaining(`${total} tests, ${total} passed, 0 failed`)]);
    const resource = await robot('vm_head', join(ROOT, 'keywords', 'vm_head.resource'));
    expect([resource.rc, resource.stdout]).toEqual([0, expect.stringContaining(`${total} tests, ${total} passed, 0 failed`)]);
    for (const name of TESTS) {
      const [viaVmRobot, viaResource] = [await dutRecords('vm_robot', name), await dutRecords('vm_head', name)];
      // Each VM was started and killed: never an empty comparison.
      expect([name, viaVmRobot.some((line) => line.includes('qemu-system-x86_64')), viaVmRobot.some((line) => line.includes('@@qemu-utils-remote') || line.includes('kill'))]).toEqual([name, true, true]);
      expect([name, viaVmRobot]).toEqual([name, viaResource]);
    }
    // The passtrough test booted HEAD's 2vfpt hook: both functions passed through, checked first.
    const passthrough = await dutRecords('vm_robot', TESTS[5]);
    expect(passthrough.some((line) => line.includes('-device vfio-pci,host=0000:18:00.1,addr=6.0 -device vfio-pci,host=0000:18:00.0,addr=7.0'))).toBe(true);
    expect(passthrough.some((line) => line.includes('/iommu_group'))).toBe(true);
    const dut2 = [await dutRecords('vm_robot', `${TESTS[3]}-dut2`), await dutRecords('vm_head', `${TESTS[3]}-dut2`)];
    expect(dut2[0].length).toBeGreaterThan(0);
    expect(dut2[0]).toEqual(dut2[1]);
    // No teardown action: QemuManagerRemote ended its session as the test ended, killing the VM (its own pid).
    const orphan = await dutRecords('vm_robot', 'No teardown action: the VMs end with the test');
    expect([orphan.some((line) => line.includes('qemu-system-x86_64')), orphan.some((line) => line.includes('pid=7001\n'))]).toEqual([true, true]);
    expect(server.sessions()).toEqual([]);
  });
});
