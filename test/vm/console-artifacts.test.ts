/**
 * What a failed VM test shows in a real Robot log (real Robot, the real server, the bed's sshd as node,
 * real QEMU): a kernelvm whose kernel panics (init= names no file) fails Qemu Start with its whole console,
 * command line and guest files as collapsed blocks; a nestedvm's console is returned on demand while it
 * runs and shown by a failing test's teardown; Start All VMs of 2 VMs puts a boot timeline into the log
 * and one line per VM into the server log. qemu_ids 30-33, 256-512 MB each (512 MB guests with 128 guest
 * huge pages: 256 of them panic the guest).
 * Needs the test bed (`bash scripts/testbed/setup.sh`); QUR_SKIP_VM_TESTS=1 skips it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closeAllTransports } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { captureServerLog, type CapturedServerLog } from '../support/servers';
import { describeWithTestbed } from '../support/testbed';
import { kernelvmSettings, leftovers, vmNodeDict, vmProcesses } from '../support/vm';

const execFileAsync = promisify(execFile);
const SUITE = join(__dirname, '..', 'fixtures', 'robot', 'console-artifacts.robot');
const KERNELVM_ID = 30;
const NESTEDVM_ID = 31;
const FIRST_MANAGER_ID = 32;
const IDS = [KERNELVM_ID, NESTEDVM_ID, FIRST_MANAGER_ID, FIRST_MANAGER_ID + 1];
const SOCKET_DIR = `/run/qur-artifacts-${process.pid}`;
const PEER = `art${process.pid}`;

interface RobotMessage {
  html: boolean;
  text: string;
}
interface RobotTest {
  name: string;
  status: string;
  message: string;
  messages: RobotMessage[];
}

/** Every test of output.xml with every log message under it (setup, body, teardown), as Robot recorded them. */
function readOutput(file: string): RobotTest[] {
  const script = `
import json, sys
from robot.api import ExecutionResult
result = ExecutionResult(sys.argv[1])
tests = []
def messages(item, into):
    for child in getattr(item, 'body', []):
        if getattr(child, 'type', '') == 'MESSAGE':
            into.append({'html': bool(child.html), 'text': child.message})
        else:
            messages(child, into)
    for part in ('setup', 'teardown'):
        sub = getattr(item, part, None)
        if sub:
            messages(sub, into)
def walk(suite):
    for test in suite.tests:
        found = []
        messages(test, found)
        tests.append({'name': test.name, 'status': test.status, 'message': test.message, 'messages': found})
    for child in suite.suites:
        walk(child)
walk(result.suite)
print(json.dumps(tests))
`;
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as RobotTest[];
}

function htmlOf(test: RobotTest | undefined): string {
  return (test?.messages ?? []).filter((message) => message.html).map((message) => message.text).join('\n');
}

describeWithTestbed('The Robot log of failed VM tests: saved consoles, configurations, boot timelines', (testbed) => {
  let server: RemoteServer | undefined;
  let captured: CapturedServerLog;
  let workDir: string;
  let peerStarted = false;

  beforeAll(async () => {
    const bed = testbed();
    captured = captureServerLog('info');
    server = await startRemoteServer(createQemuLibrary({ accel: bed.accel, cpu_model: bed.cpu }, undefined, captured.log), { port: 0, log: captured.log });
    workDir = mkdtempSync(join(tmpdir(), 'qur-artifacts-'));
  });

  afterAll(async () => {
    await server?.stop();
    if (peerStarted) execFileSync('bash', [testbed().hostTestpmdScript, 'stop', PEER], { stdio: 'ignore' });
    // After a failed assertion only: what the server did not remove.
    for (const id of IDS) {
      for (const pid of vmProcesses(id)) process.kill(pid, 'SIGKILL');
      for (const path of leftovers(id)) if (path.startsWith('/')) rmSync(path, { force: true });
    }
    rmSync(SOCKET_DIR, { recursive: true, force: true });
    await closeAllTransports();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('shows the panicked kernelvm console, the nestedvm console and the boot timeline; nothing is left', async () => {
    const bed = testbed();
    for (const id of IDS) expect(leftovers(id)).toEqual([]);
    const sockets = [1, 2].flatMap((n) => [`${SOCKET_DIR}/sock-${FIRST_MANAGER_ID}-${n}`, `${SOCKET_DIR}/sock-${FIRST_MANAGER_ID + 1}-${n}`]);
    execFileSync('bash', [bed.hostTestpmdScript, 'start', PEER, ...sockets], { env: { ...process.env, QUR_TESTPMD_FORWARD: '0' }, stdio: 'pipe' });
    peerStarted = true;
    const settings = { ...kernelvmSettings(bed), guest_hugepages: 128, boot_timeout: 280 };
    const variables = join(workDir, 'variables.json');
    writeFileSync(
      variables,
      JSON.stringify({
        URL: server?.url,
        NODE: vmNodeDict(),
        NODES: { DUT1: { ...vmNodeDict(), type: 'DUT' } },
        BED: bed,
        KERNELVM_ID,
        NESTEDVM_ID,
        FIRST_MANAGER_ID,
        SOCKET_DIR,
        SETTINGS: settings,
        // The later init= wins: the kernel finds no such file and panics at once.
        PANIC_SETTINGS: { ...settings, kernel_args: `${bed.kernelExtraArgs} init=/qur-no-such-init` },
      }),
    );
    const run = await execFileAsync('python3', ['-m', 'robot', '--outputdir', workDir, '--variablefile', variables, SUITE], { timeout: 900_000, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => ({ rc: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ rc: error.code ?? -1, stdout: error.stdout ?? '' }),
    );
    // To read the log yourself: QUR_KEEP_ROBOT_OUTPUT=<dir>.
    const keep = process.env.QUR_KEEP_ROBOT_OUTPUT;
    if (keep) for (const file of ['output.xml', 'log.html']) copyFileSync(join(workDir, file), join(keep, file));
    const tests = readOutput(join(workDir, 'output.xml'));
    const byName = (name: string): RobotTest | undefined => tests.find((test) => test.name === name);
    const summary = tests.map((test) => `${test.name}: ${test.status} ${test.message.slice(0, 300)}`).join('\n');
    expect({ rc: run.rc, summary }).toEqual({ rc: 2, summary: expect.stringMatching(/Two VMs Started Together: PASS/) as unknown });

    // The panicked kernelvm: the failure names the panic, the log carries the whole console and configuration.
    const kernelvm = byName('Panicking Kernelvm');
    expect(kernelvm?.message).toMatch(/the guest kernel panicked: Kernel panic - not syncing/);
    const kernelvmHtml = htmlOf(kernelvm);
    expect(kernelvmHtml).toContain(`VM ${KERNELVM_ID} on 127.0.0.1: Qemu Start failed`);
    expect(kernelvmHtml).toMatch(new RegExp(`<details><summary>Guest console /tmp/serial_${KERNELVM_ID}\\.log \\(\\d+ bytes\\)</summary><pre[^>]*>[^]*Linux version[^]*Kernel panic - not syncing`));
    expect(kernelvmHtml).toContain('init=/qur-no-such-init');
    expect(kernelvmHtml).toContain(`<summary>Guest file /etc/vm_init_${KERNELVM_ID}.conf</summary>`);
    expect(kernelvmHtml).toMatch(new RegExp(`<summary>Boot of VM ${KERNELVM_ID}</summary>[^]*failed at`));

    // The nestedvm: its console read live (with the image's marker), then shown by the failing test's teardown.
    const nestedvm = byName('Nestedvm Failing After Its Boot');
    expect(nestedvm?.message).toBe('The traffic check of this test failed (on purpose)');
    const nestedHtml = htmlOf(nestedvm);
    expect(nestedHtml).toContain(`VM ${NESTEDVM_ID} on 127.0.0.1: running`);
    expect(nestedHtml).toMatch(new RegExp(`<summary>Guest console /tmp/serial_${NESTEDVM_ID}\\.log \\(\\d+ bytes\\)</summary><pre[^>]*>[^]*${bed.nestedMarker}`));
    // Twice: the keyword in the body and the one in the teardown.
    expect(nestedHtml.split(`Guest console /tmp/serial_${NESTEDVM_ID}.log`).length - 1).toBe(2);

    // Start All VMs: one timeline with both VMs, booted and pinned; one server log line per VM.
    const timeline = htmlOf(byName('Two VMs Started Together'));
    expect(timeline).toMatch(/<summary>Start All VMs: 2 VM\(s\)<\/summary>/);
    for (const name of [`DUT1_${FIRST_MANAGER_ID}`, `DUT1_${FIRST_MANAGER_ID + 1}`]) {
      expect(timeline).toMatch(new RegExp(`<tr><td><b>${name}</b>[^]*?<td>[\\d.]+ s</td><td>[\\d.]+ s</td><td>[\\d.]+ s</td><td>[\\d.]+ s</td><td>280 s \\(\\d+%\\)</td><td>booted`));
    }
    // Get VM Console Log: both running VMs' consoles, logged too.
    expect(timeline.split('<summary>Guest console').length - 1).toBe(2);
    const boots = captured.records().filter((record) => record.message === 'VM boot');
    expect(boots.map((record) => [record.vm, record.outcome])).toEqual(
      expect.arrayContaining([[`DUT1_${FIRST_MANAGER_ID}`, 'booted'], [`DUT1_${FIRST_MANAGER_ID + 1}`, 'booted'], [`VM ${KERNELVM_ID} on 127.0.0.1`, 'failed'], [`VM ${NESTEDVM_ID} on 127.0.0.1`, 'booted']]),
    );
    expect(boots.find((record) => record.vm === `DUT1_${FIRST_MANAGER_ID}`)).toMatchObject({ budgetS: 280, pinnedS: expect.any(Number) as unknown });

    for (const id of IDS) expect(leftovers(id)).toEqual([]);
    expect(existsSync(SOCKET_DIR) ? readdirSync(SOCKET_DIR).filter((name) => !name.startsWith('sock-')) : []).toEqual([]);
  }, 1_000_000);
});
