/**
 * Faults around a running keyword, through the real server and Python's xmlrpc.client: a Robot client
 * that gives up mid-call, nodes that refuse or never answer, sshd stopped in the middle of a command. Each
 * must give a clear FAIL naming the node, leave the session usable and leave nothing running.
 *
 * The slow keyword is a real one: `Qemu Version` runs `<bin_path>/qemu-system-x86_64 --version`, and
 * bin_path points to a script that sleeps first while a flag file exists. Started with `-pidfile`, the same
 * script plays a QEMU that daemonized and booted: it leaves a process whose command line names the pid
 * file (what Qemu Kill looks for) and writes the boot marker to the serial log. sshd is stopped on an
 * instance of its own (`sshd-faults`, port QUR_SSHD_FAULTS_PORT or 2224) so other test files are not disturbed.
 *
 * A node failure names the keyword, the node and the step: "Qemu Start on node u@h:p failed while ...".
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote/server';
import { captureServerLog, tearDownNodeServer, waitFor } from '../support/servers';
import { captureNodeLog, describeSsh, passwordNodeDict, sshdEnv, startSshdInstance, stopSshdInstance } from '../support/sshd';
import { py, runPython } from '../support/xmlrpc';

const FAULTS_INSTANCE = 'sshd-faults';
const FAULTS_PORT = Number(process.env.QUR_SSHD_FAULTS_PORT ?? 2224);
const FAKE_VERSION = '7.2.99';

interface Result {
  status: string;
  return?: unknown;
  error?: string;
  output?: string;
}

let server: RemoteServer;
let scratch: string;
let binDir: string;
const serverLog = captureServerLog();
let nodeLog: ReturnType<typeof captureNodeLog>;

/** Makes the fake QEMU sleep `seconds` before answering (0: answer at once). */
function setSlow(seconds: number): void {
  if (seconds > 0) writeFileSync(join(binDir, 'slow'), String(seconds));
  else rmSync(join(binDir, 'slow'), { force: true });
}

/** Processes running the fake QEMU, whoever started them. */
function fakeQemuProcesses(): string[] {
  try {
    return execFileSync('pgrep', ['-f', join(binDir, 'qemu-system-x86_64')], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function listenOnFreePort(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  nodeLog = captureNodeLog();
  scratch = mkdtempSync('/tmp/qur-faults-');
  chmodSync(scratch, 0o755);
  binDir = join(scratch, 'bin');
  mkdirSync(binDir);
  writeFileSync(
    join(binDir, 'qemu-system-x86_64'),
    [
      '#!/bin/sh',
      'pidfile=; prev=',
      'for arg in "$@"; do if [ "$prev" = -pidfile ]; then pidfile=$arg; fi; prev=$arg; done',
      'if [ -n "$pidfile" ]; then',
      // `; :` keeps sh from exec-ing sleep, so the process keeps this command line (with the pid file).
      `  sh -c 'sleep 300; :' fake-qemu -pidfile "$pidfile" </dev/null >/dev/null 2>&1 &`,
      '  echo $! > "$pidfile"',
      '  id=${pidfile##*qemu_}; echo "Press enter to exit" > "/tmp/serial_${id%.pid}.log"',
      '  exit 0',
      'fi',
      'flag="$(dirname "$0")/slow"',
      'if [ -e "$flag" ]; then sleep "$(cat "$flag")"; fi',
      `echo "QEMU emulator version ${FAKE_VERSION}"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(binDir, 'qemu-system-x86_64'), 0o755);
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg' }), { port: 0, log: serverLog.log });
});

afterAll(async () => {
  await tearDownNodeServer(server, nodeLog, scratch);
});

function initArgs(qemuId: number): string {
  // mem 2: one huge page, so a fake start never competes with real VMs for them.
  return `{'qemu_id': ${qemuId}, 'mem': 2, 'img': '/opt/boot/vmlinuz', 'bin_path': ${JSON.stringify(binDir)}}`;
}

/** `Qemu Version`'s step, as its failures name it. */
function versionStep(): string {
  return `asking for the QEMU version \\(${escapeRegExp(binDir)}/qemu-system-x86_64 --version\\)`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('a client that disconnects mid-call: the keyword is cancelled and that is logged, the session stays usable', async () => {
  const node = { host: 'localhost', transport: 'local' };
  await py(server.url, `result = run('qemu_init', [${JSON.stringify(node)}], ${initArgs(241)}, path='/gone')`);
  setSlow(3);
  // Robot's timeout closes the socket the same way.
  const gone = await runPython(
    server.url,
    `
import socket
socket.setdefaulttimeout(0.5)
result = run('qemu_version', path='/gone')
`,
  );
  expect(gone.error).toEqual({ type: 'TimeoutError', message: 'timed out' });
  setSlow(0);
  // Queued behind the abandoned call, in the same session: answered once it is done.
  const after = (await py(server.url, "result = [run('qemu_version', path='/gone'), run('qemu_close', path='/gone')]")) as Result[];
  expect(after.map((result) => [result.status, result.return ?? null])).toEqual([
    ['PASS', FAKE_VERSION],
    ['PASS', null],
  ]);
  const calls = serverLog.records().filter((record) => record.message === 'call' && record.session === '/gone' && record.keyword === 'qemu_version');
  // The abandoned call's signal fired when its client went: its node command was killed, the keyword failed.
  expect(calls.map((record) => record.status)).toEqual(['FAIL', 'PASS']);
  expect(serverLog.records().some((record) => record.message === 'client gone: cancelling the keyword' && record.session === '/gone' && record.keyword === 'qemu_version')).toBe(true);
  expect(serverLog.records().some((record) => record.message === 'client left before the result was sent' && record.session === '/gone')).toBe(true);
  expect(fakeQemuProcesses()).toEqual([]);
  expect(server.sessions()).toEqual([]);
}, 60_000);

describeSsh('unreachable nodes and sshd stopped mid-keyword', () => {
  test('a refused port and a peer that never speaks SSH: a clear FAIL naming keyword, node and step within the connect timeout; Qemu Close warns and passes', async () => {
    const closed = createServer();
    const refusedPort = await listenOnFreePort(closed);
    await new Promise((resolve) => closed.close(resolve));
    // Accepts TCP and then says nothing, like a blackholed or wedged host.
    const silent = createServer(() => undefined);
    const silentPort = await listenOnFreePort(silent);
    try {
      const env = sshdEnv();
      const refused = passwordNodeDict(env, { port: refusedPort });
      const blackhole = passwordNodeDict(env, { port: silentPort, connect_timeout: 2 });
      const result = (await py(
        server.url,
        `
import time
out = {}
for name, node, qemu_id in (('refused', ${JSON.stringify(refused)}, 242), ('blackhole', ${JSON.stringify(blackhole)}, 243)):
    path = '/unreachable-' + name
    init = run('qemu_init', [node], {'qemu_id': qemu_id, 'img': '/opt/boot/vmlinuz', 'bin_path': ${JSON.stringify(binDir)}}, path=path)
    started = time.monotonic()
    version = run('qemu_version', path=path)
    seconds = time.monotonic() - started
    start = run('qemu_start', path=path)
    after = [run('qemu_add_vhost_user_if', ['/run/vpp/sock-x'], path=path), run('qemu_close', path=path)]
    close_output = after[-1].get('output')
    after = [a['status'] if a['status'] == 'PASS' else a.get('error') for a in after]
    out[name] = {'init': init['status'], 'version': version.get('error'), 'seconds': seconds, 'start': start.get('error'), 'after': after, 'closeOutput': close_output}
result = out
`,
      )) as Record<string, { init: string; version: string; seconds: number; start: string; after: string[]; closeOutput: string }>;
      const user = env.passwordUser;
      process.stdout.write(`faults: refused node:\n  ${result.refused?.version}\n  ${result.refused?.start}\n  Qemu Close: ${result.refused?.closeOutput}\n`);
      const on = (port: number): string => `on node ${user}@127\\.0\\.0\\.1:${port} failed while`;
      // Qemu Close looks for a VM a previous server run left with this VM id, so it needs the node too. This
      // session started nothing there: a WARN saying what was not checked, and Close passes.
      const closeWarns = (port: number, cause: string): RegExp =>
        new RegExp(
          `^\\*WARN:\\d+\\* Qemu Close ${on(port)} looking for a VM a previous server run left on /var/run/qemu_\\d+\\.pid: cannot connect: ${cause}` +
            `.*\\nThis session started no VM there, so it is closed all the same; not checked for a VM a previous server run left on /var/run/qemu_\\d+\\.pid\\.$`,
        );
      expect(result.refused).toEqual(expect.objectContaining({ init: 'PASS', after: ['PASS', 'PASS'] }));
      expect(result.refused?.closeOutput).toMatch(closeWarns(refusedPort, 'connection refused'));
      expect(result.refused?.version).toBe(
        `NodeConnectionError: Qemu Version on node ${user}@127.0.0.1:${refusedPort} failed while asking for the QEMU version (${binDir}/qemu-system-x86_64 --version): ` +
          `cannot connect: connection refused (is sshd running and listening on that port?) [connect ECONNREFUSED 127.0.0.1:${refusedPort}]`,
      );
      // Refused at once, not left to the default connect_timeout of 10 s.
      expect(result.refused?.seconds).toBeLessThan(10);
      expect(result.refused?.start).toMatch(
        new RegExp(`^NodeConnectionError: Qemu Start ${on(refusedPort)} looking for a VM a previous server run left on /var/run/qemu_242\\.pid: cannot connect: connection refused`),
      );
      expect(result.blackhole).toEqual(expect.objectContaining({ init: 'PASS', after: ['PASS', 'PASS'] }));
      expect(result.blackhole?.closeOutput).toMatch(closeWarns(silentPort, 'timed out'));
      expect(result.blackhole?.version).toMatch(new RegExp(`^NodeConnectionError: Qemu Version ${on(silentPort)} ${versionStep()}: cannot connect: timed out`));
      // connect_timeout 2 s, plus this loaded machine's scheduling.
      expect(result.blackhole?.seconds).toBeGreaterThanOrEqual(1.9);
      expect(result.blackhole?.seconds).toBeLessThan(6);
      // Qemu Close ended both sessions.
      expect(server.sessions()).toEqual([]);
    } finally {
      silent.close();
    }
  }, 60_000);

  test('sshd stopped mid-keyword: FAIL naming keyword, node, step and command, nothing left running, the next call reconnects', async () => {
    sshdEnv(); // the main instance must be set up: this one reuses its packages and test user
    const env = startSshdInstance(FAULTS_INSTANCE, FAULTS_PORT);
    try {
      const node = passwordNodeDict(env);
      await py(server.url, `result = run('qemu_init', [${JSON.stringify(node)}], ${initArgs(244)}, path='/sshd-stop')`);
      setSlow(30);
      const running = py(server.url, "result = run('qemu_version', path='/sshd-stop')", 90_000) as Promise<Result>;
      await waitFor('the fake QEMU to run on the node', () => fakeQemuProcesses().length > 0, 30_000);
      const stoppedAt = Date.now();
      stopSshdInstance(FAULTS_INSTANCE, FAULTS_PORT);
      const failed = await running;
      // On the lost connection, before the fake QEMU's 30 s would have answered.
      expect(Date.now() - stoppedAt).toBeLessThan(30_000);
      expect(failed.status).toBe('FAIL');
      expect(failed.error).toMatch(
        new RegExp(
          `^ConnectionLostError: Qemu Version on node ${env.passwordUser}@127\\.0\\.0\\.1:${FAULTS_PORT} failed while ${versionStep()}: ` +
            `Connection to ${env.passwordUser}@127\\.0\\.0\\.1:${FAULTS_PORT} was lost while running command: ` +
            `sudo -S ${binDir}/qemu-system-x86_64 --version\\n`,
        ),
      );
      expect(failed.error).toContain('it was not re-run');
      process.stdout.write(`faults: sshd stopped mid-keyword (${Date.now() - stoppedAt} ms to FAIL):\n  ${failed.error?.split('\n')[0]}\n`);
      await waitFor('nothing left running on the node', () => fakeQemuProcesses().length === 0, 10_000);

      // While sshd is down: a prompt, clear refusal; the session is still there.
      setSlow(0);
      const down = (await py(server.url, "result = run('qemu_version', path='/sshd-stop')")) as Result;
      expect(down.error).toMatch(
        new RegExp(`^NodeConnectionError: Qemu Version on node ${env.passwordUser}@127\\.0\\.0\\.1:${FAULTS_PORT} failed while ${versionStep()}: cannot connect: connection refused`),
      );

      startSshdInstance(FAULTS_INSTANCE, FAULTS_PORT);
      const back = (await py(server.url, "result = [run('qemu_version', path='/sshd-stop'), run('qemu_close', path='/sshd-stop')]")) as Result[];
      expect(back.map((result) => [result.status, result.return ?? null])).toEqual([
        ['PASS', FAKE_VERSION],
        ['PASS', null],
      ]);
      expect(server.sessions()).toEqual([]);
      expect(nodeLog.lines.some((line) => line.includes(`127.0.0.1:${FAULTS_PORT}`) && /closed|Reconnecting/.test(line))).toBe(true);
    } finally {
      setSlow(0);
      stopSshdInstance(FAULTS_INSTANCE, FAULTS_PORT);
    }
  }, 120_000);
  test('Qemu Close on a node gone down while its VM runs: FAIL naming the VM, pid and node; a new session cleans it up later', async () => {
    sshdEnv();
    const env = startSshdInstance(FAULTS_INSTANCE, FAULTS_PORT);
    const id = 245;
    const pidfile = `/var/run/qemu_${id}.pid`;
    let pid: number | undefined;
    try {
      const node = passwordNodeDict(env);
      const started = (await py(
        server.url,
        `result = [run('qemu_init', [${JSON.stringify(node)}], ${initArgs(id)}, path='/vm-down'), run('qemu_start', path='/vm-down')]`,
      )) as Result[];
      expect(started.map((step) => [step.status, step.error ?? null])).toEqual([
        ['PASS', null],
        ['PASS', null],
      ]);
      pid = Number(readFileSync(pidfile, 'utf8').trim());
      stopSshdInstance(FAULTS_INSTANCE, FAULTS_PORT);

      const close = (await py(server.url, "result = run('qemu_close', path='/vm-down')")) as Result;
      const target = `${env.passwordUser}@127\\.0\\.0\\.1:${FAULTS_PORT}`;
      process.stdout.write(`faults: Qemu Close with the node down and its VM running:\n  ${close.error}\n`);
      expect(close.status).toBe('FAIL');
      expect(close.error).toMatch(
        new RegExp(
          `^QEMU: VM ${id} \\(pid ${pid}\\) on ${target} could not be checked or killed, it may still be running there; its files stay too\\. ` +
            `.* Qemu Close on node ${target} failed while killing VM ${id} \\(pid ${pid}\\) and removing its files: cannot connect: connection refused`,
        ),
      );
      // The session ended all the same; the fake VM really is still there.
      expect(server.sessions()).toEqual([]);
      expect(existsSync(`/proc/${pid}`)).toBe(true);

      // Once the node is back, a new session with the same qemu_id finds the VM and removes it with its files.
      startSshdInstance(FAULTS_INSTANCE, FAULTS_PORT);
      const later = (await py(
        server.url,
        `result = [run('qemu_init', [${JSON.stringify(node)}], ${initArgs(id)}, path='/vm-back'), run('qemu_kill', path='/vm-back'), run('qemu_close', path='/vm-back')]`,
      )) as Result[];
      expect(later.map((step) => step.status)).toEqual(['PASS', 'PASS', 'PASS']);
      // This very server started it, for a session that has ended since.
      expect(later[1]?.output).toMatch(new RegExp(`Removed a VM this server started earlier on 127\\.0\\.0\\.1: pid ${pid}, .*for session /vm-down, which no longer holds it`));
      await waitFor('the fake VM to be gone', () => !existsSync(`/proc/${pid}/cmdline`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), 10_000);
      expect([pidfile, `/tmp/serial_${id}.log`].filter((path) => existsSync(path))).toEqual([]);
    } finally {
      if (pid !== undefined && existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
      rmSync(pidfile, { force: true });
      rmSync(`/tmp/serial_${id}.log`, { force: true });
      stopSshdInstance(FAULTS_INSTANCE, FAULTS_PORT);
    }
  }, 120_000);
});
