/**
 * A real pabot run (python3 -m pabot.pabot, outside the project) of test/fixtures/robot/pabot_two_workers.robot: 2
 * workers, one server, one DUT (127.0.0.1 over the test sshd), keywords/ as they ship. Both tests pass with
 * the workers' default ids (1 and 21), each VM's pid file and owner marker name its own worker's session,
 * both QEMUs ran at once, and none is left. Fails, saying so, when pabot is not importable.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { closeAllTransports } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { pausedQemuBinPath } from '../support/paused-qemu';
import { captureServerLog } from '../support/servers';
import { describeSsh, rootKeyNodeDict, sshdEnv } from '../support/sshd';

const execFileAsync = promisify(execFile);
const SUITE = join(__dirname, '..', 'fixtures', 'robot', 'pabot_two_workers.robot');

describeSsh('pabot: two workers, one server, one DUT', () => {
  let server: RemoteServer;
  let dir: string;

  beforeAll(async () => {
    const probe = spawnSync('python3', ['-c', 'import pabot, robot'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`pabot is not importable by python3 (pip install robotframework-pabot outside the project): ${probe.stderr.trim()}`);
    server = await startRemoteServer(createQemuLibrary({ accel: 'tcg' }), { port: 0, log: captureServerLog('warn').log });
    dir = mkdtempSync(join(tmpdir(), 'qur-pabot-'));
    chmodSync(dir, 0o755);
  });

  afterAll(async () => {
    await server?.stop();
    await closeAllTransports();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('both tests pass with ids 1 and 21, each VM its own worker\'s, both at once; nothing is left', async () => {
    const variables = join(dir, 'vars.py');
    const record = join(dir, 'record.txt');
    writeFileSync(record, '');
    writeFileSync(variables, `NODE = ${JSON.stringify(rootKeyNodeDict(sshdEnv()))}\nBIN_PATH = ${JSON.stringify(pausedQemuBinPath(dir))}\nRECORD = ${JSON.stringify(record)}\nQEMU_REMOTE_URI = ${JSON.stringify(server.url)}\n`);
    let stdout: string;
    try {
      ({ stdout } = await execFileAsync('python3', ['-m', 'pabot.pabot', '--command', 'python3', '-m', 'robot', '--end-command', '--processes', '2', '--testlevelsplit', '--outputdir', join(dir, 'out'), '--variablefile', variables, SUITE], { timeout: 240_000, cwd: dir }));
    } catch (error) {
      stdout = `${(error as { stdout?: string }).stdout ?? ''}\n${String(error)}`;
    }
    // On failure, the failing keywords' messages from Robot's output say why.
    const output = join(dir, 'out', 'output.xml');
    const failures = existsSync(output) ? (readFileSync(output, 'utf8').match(/<(?:msg [^>]*level="FAIL"|status status="FAIL")[^>]*>[^<]+/g) ?? []) : [];
    expect(`${stdout}\n${failures.join('\n')}`).toMatch(/2 tests, 2 passed, 0 failed/);
    const vms = readFileSync(record, 'utf8').trim().split('\n').map((line) => {
      const [id, pid, ...marker] = line.split(' ');
      return { id: Number(id), pid: Number(pid), session: /session=(\S+)/.exec(marker.join(' '))?.[1] };
    }).sort((a, b) => a.id - b.id);
    expect(vms.map((vm) => vm.id)).toEqual([1, 21]);
    expect(vms[0].pid).not.toBe(vms[1].pid);
    expect(new Set(vms.map((vm) => vm.session)).size).toBe(2);
    for (const vm of vms) expect(vm.session).toMatch(/^\/pabot\d+\/vm$/);
    for (const vm of vms) {
      // No QEMU of that pid file any more (a reaped-late zombie has no command line, so it does not count).
      expect(spawnSync('pgrep', ['-f', '--', `-pidfile /var/run/qemu_${vm.id}.pid`]).status).toBe(1);
      expect(existsSync(`/var/run/qemu_${vm.id}.pid`)).toBe(false);
      expect(existsSync(`/var/run/qemu_${vm.id}.owner`)).toBe(false);
    }
    expect(server.sessions()).toEqual([]);
  }, 300_000);
});
