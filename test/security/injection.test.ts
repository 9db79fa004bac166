/**
 * Shell injection: keyword arguments carrying shell metacharacters reach a REAL node as data, never as
 * commands. Through the real server, driven by Python's xmlrpc.client as Robot drives it, on the private
 * sshd (the NOPASSWD-sudo test user, as CSIT's testuser) and on `transport: local`. Each payload plants `touch /tmp/pwned-<run>-<variant>`;
 * a control first proves that every payload does create its marker when pasted into a command naively.
 *
 * VMs never start: QEMU's binary path points to nothing, so `Qemu Start` fails at once (after its command
 * line went through the node's shell). VM ids 140..249 are used; Build Qemu finds its install directory
 * already there, so it downloads nothing.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { execCmd, parseNode } from '../../src/node';
import { startRemoteServer, type RemoteServer } from '../../src/remote/server';
import { captureServerLog, tearDownNodeServer } from '../support/servers';
import { captureNodeLog, describeSsh, passwordNodeDict, sshdEnv } from '../support/sshd';
import { FIXTURES_DIR } from '../support/fixtures';
import { py, pyJson } from '../support/xmlrpc';

const RUN = `${process.pid}-${Date.now()}`;
const MARKER_PREFIX = `pwned-${RUN}-`;

interface Variant {
  name: string;
  payload(marker: string): string;
  /** The naive command a careless port would build, for the control. */
  naive(payload: string): string;
}

/** Payloads for every quoting context, and how each breaks out of the context it targets. */
const VARIANTS: Variant[] = [
  { name: 'semicolon', payload: (m) => `; touch ${m}`, naive: (p) => `echo x${p}` },
  { name: 'single-quote', payload: (m) => `'; touch ${m}; '`, naive: (p) => `echo 'x${p}'` },
  { name: 'double-quote', payload: (m) => `"; touch ${m}; "`, naive: (p) => `echo "x${p}"` },
  { name: 'subshell', payload: (m) => `$(touch ${m})`, naive: (p) => `echo "x${p}"` },
  { name: 'backticks', payload: (m) => `\`touch ${m}\``, naive: (p) => `echo "x${p}"` },
  { name: 'newline', payload: (m) => `\ntouch ${m}\n`, naive: (p) => `echo x${p}` },
  { name: 'and', payload: (m) => ` && touch ${m}`, naive: (p) => `echo x${p}` },
  { name: 'pipe', payload: (m) => ` | touch ${m}`, naive: (p) => `echo x${p}` },
  { name: 'redirect', payload: (m) => ` > ${m}`, naive: (p) => `echo x${p}` },
  { name: 'no-spaces', payload: (m) => `$(touch\${IFS}${m})`, naive: (p) => `echo x${p}` },
];

function marker(variant: string): string {
  return `/tmp/${MARKER_PREFIX}${variant}`;
}

function markersPresent(): string[] {
  return readdirSync('/tmp').filter((name) => name.startsWith(MARKER_PREFIX));
}

interface Step {
  keyword: string;
  status: string;
  error?: string;
  /** For file checks: what the scenario read back from the node. */
  content?: string;
}

interface ScenarioResult {
  scenario: string;
  variant: string;
  steps: Step[];
}

/** What a clear failure of each keyword says (never an internal error, never a bare stack). */
const CLEAR_FAILURE: Record<string, RegExp> = {
  qemu_init: /^QEMU: (img|bin_path) must be|^Keyword 'Qemu Init' argument 'qemu_id' got value [^]* that cannot be converted to int\.$|^Qemu Init '\w+' must be a single line, got |Unknown VM image option/,
  qemu_start: /^QEMU: Start failed on (127\.0\.0\.1|localhost)! rc \d+: .*(command not found|No such file or directory)/s,
  qemu_version: /^Command execution failed: .*qemu-system-x86_64' --version"\n.*(command not found|No such file or directory)|^Cannot connect to /s,
  configure_kernelvm_vnf: /^QEMU: (Unsupported VNF|.*(template|line break|not a MAC))|^QEMU: VNF template|\.exec|^Create Kernelvm Config Vpp: mac1 must be a single line/,
  qemu_set_affinity: /^QEMU: host CPU .* is not a CPU number or list like 2 or 2-3$/s,
  get_qemu_pids: /^Get Qemu Pids: VM \d+ on \S+ is not running \(runstate (new|idle), needs running\): this session has not started it; run Qemu Start first$/,
  build_qemu: /^QEMU: Build failed on|must|line break/,
  qemu_add_vhost_user_if: /socket|line break|NUL/,
};

let server: RemoteServer;
let scratch: string;
const serverLog = captureServerLog();
let nodeLog: ReturnType<typeof captureNodeLog>;

beforeAll(async () => {
  nodeLog = captureNodeLog();
  scratch = mkdtempSync('/tmp/qur-inject-');
  chmodSync(scratch, 0o755);
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg' }), { port: 0, log: serverLog.log });
});

afterAll(async () => {
  await tearDownNodeServer(server, nodeLog, scratch);
  for (const name of markersPresent()) rmSync(join('/tmp', name), { force: true });
});

test('control: each payload, pasted naively into a command on this node, does create its marker', async () => {
  const node = parseNode({ host: 'localhost', transport: 'local' });
  for (const variant of VARIANTS) {
    const path = marker(`control-${variant.name}`);
    await execCmd(node, variant.naive(variant.payload(path)));
    expect([variant.name, existsSync(path)]).toEqual([variant.name, true]);
    rmSync(path, { force: true });
  }
});

/**
 * Runs every scenario with every payload on `node` (sessions in parallel, one VM id each) and returns what
 * each step answered. The Python side reads back the files Configure Kernelvm Vnf wrote.
 */
async function runScenarios(nodeDict: Record<string, unknown>, kind: string): Promise<ScenarioResult[]> {
  const payloads = Object.fromEntries(VARIANTS.map((variant) => [variant.name, variant.payload(marker(`${kind}-${variant.name}`))]));
  // Build Qemu finds `<qemu_install_dir>-base` present and stops there ("nothing to do"): no download.
  for (const [name, payload] of Object.entries(payloads)) mkdirSync(join(scratch, `install-${name}${payload}-base`), { recursive: true });
  const script = `import sys; sys.path.insert(0, ${JSON.stringify(FIXTURES_DIR)})
from injection_scenarios import run_scenarios
result = run_scenarios(run, ${pyJson(nodeDict)}, ${pyJson(payloads)}, ${JSON.stringify(scratch)}, ${JSON.stringify(kind)})
`;
  return (await py(server.url, script, 300_000)) as ScenarioResult[];
}

function checkResults(results: ScenarioResult[], payloadOf: (variant: string) => string): void {
  expect(results).toHaveLength(100);
  const unclear: string[] = [];
  for (const { scenario, variant, steps } of results) {
    const initFailed = steps[0]?.keyword === 'qemu_init' && steps[0].status === 'FAIL';
    for (const step of steps) {
      const where = `${scenario}/${variant}: ${step.keyword}`;
      if (step.keyword === 'qemu_close') {
        if (step.status !== 'PASS') unclear.push(`${where} did not pass: ${step.error ?? ''}`);
        continue;
      }
      if (step.status !== 'FAIL') continue;
      const error = step.error ?? '';
      const expected = CLEAR_FAILURE[step.keyword];
      const noInstance = initFailed && error.startsWith('No QemuUtils instance in this session');
      if (!noInstance && !(expected && expected.test(error))) unclear.push(`${where}: ${JSON.stringify(error.slice(0, 400))}`);
    }
    // Where the argument was accepted, it reached the node's shell as one word: QEMU's start command ran
    // and its (missing) binary was the only thing the shell complained about.
    const start = steps.find((step) => step.keyword === 'qemu_start');
    if (start && !initFailed) expect([scenario, variant, start.status]).toEqual([scenario, variant, 'FAIL']);
    const version = steps.find((step) => step.keyword === 'qemu_version');
    if (version && !initFailed) expect(version.error ?? '').toContain(`bin${payloadOf(variant)}/qemu-system-x86_64`);
    const written = steps.find((step) => step.content !== undefined);
    if (written) expect(written.content).toContain(`mac1${payloadOf(variant)}`);
  }
  expect(unclear).toEqual([]);
  // Arguments without a line break are accepted everywhere but the CPU list and the VM id, so the node
  // really ran the commands carrying them.
  const semicolon = results.filter((result) => result.variant === 'semicolon');
  for (const result of semicolon.filter((entry) => !['cpu-list', 'qemu-id'].includes(entry.scenario))) {
    expect([result.scenario, result.steps[0]?.status]).toEqual([result.scenario, 'PASS']);
  }
  const statuses = (scenario: string): string[] => semicolon.find((result) => result.scenario === scenario)?.steps.map((step) => `${step.keyword} ${step.status}`) ?? [];
  // The files were written (with the payload inside), and the build script ran with the odd options.
  expect(statuses('template-kwargs')).toEqual(['qemu_init PASS', 'configure_kernelvm_vnf PASS', 'qemu_close PASS']);
  expect(statuses('build-options')).toEqual(['qemu_init PASS', 'build_qemu PASS', 'qemu_close PASS']);
  expect(statuses('vnf-name')).toEqual(['qemu_init PASS', 'configure_kernelvm_vnf FAIL', 'qemu_init PASS', 'configure_kernelvm_vnf PASS', 'qemu_close PASS']);
  expect(serverLog.text()).not.toMatch(/internal error/);
}

describeSsh('payloads in keyword arguments stay data on a real node', () => {
  test('over SSH (the private sshd, the NOPASSWD-sudo test user): no marker anywhere, failures say what failed', async () => {
    // The sudo user as in CSIT (root's login shell here sources a slow .bashrc, which under load makes
    // parallel commands hit their timeouts).
    const results = await runScenarios(passwordNodeDict(sshdEnv()), 'ssh');
    expect(markersPresent()).toEqual([]);
    const payloads = new Map(VARIANTS.map((variant) => [variant.name, variant.payload(marker(`ssh-${variant.name}`))]));
    checkResults(results, (variant) => payloads.get(variant) ?? '');
  }, 300_000);
});

test('on transport: local (the server host itself): no marker anywhere, failures say what failed', async () => {
  const results = await runScenarios({ host: 'localhost', transport: 'local' }, 'local');
  expect(markersPresent()).toEqual([]);
  const payloads = new Map(VARIANTS.map((variant) => [variant.name, variant.payload(marker(`local-${variant.name}`))]));
  checkResults(results, (variant) => payloads.get(variant) ?? '');
}, 300_000);
