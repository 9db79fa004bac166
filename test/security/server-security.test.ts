/**
 * The server's security defaults, checked from outside as a user meets them: loopback by default, no
 * public bind without credentials, Basic auth that runs nothing on a wrong or missing credential and logs
 * no secret, remote stopping off on public binds, and secrets from node dicts never in the server log nor
 * in anything a keyword returns (output, error, traceback), also when the keyword fails.
 *
 * SSH host-key pinning against a different key (fingerprint and known_hosts) is tested in
 * test/node/ssh-connect.test.ts ('pinned fingerprint: ... a wrong one is refused as a mismatch', 'known_hosts:
 * ... another key is a mismatch; no entry is refused').
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { closeAllTransports } from '../../src/node';
import { startRemoteServer, type RemoteServer } from '../../src/remote/server';
import { createServerLog } from '../../src/remote/server-log';
import { demoCli, killLeftovers, runCli, startCli } from '../support/cli';
import { captureServerLog } from '../support/servers';
import { captureNodeLog, describeSsh, passwordNodeDict, sshdEnv } from '../support/sshd';
import { py, runPython } from '../support/xmlrpc';
import { builtCli } from '../support/build';

let scratch: string;
let cli: string;

beforeAll(() => {
  scratch = mkdtempSync('/tmp/qur-security-');
  chmodSync(scratch, 0o755);
  cli = demoCli(builtCli());
}, 120_000);

afterAll(() => {
  killLeftovers();
  rmSync(scratch, { recursive: true, force: true });
});

/** This machine's non-loopback IPv4 address, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(3000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

describe('binding', () => {
  test('the default bind is loopback only: not reachable on the machine’s other address', async () => {
    const server = await startCli(cli, ['--library', 'demo', '--port', '0']);
    try {
      expect(server.stdout()).toBe(`Robot Framework remote server at 127.0.0.1:${server.port} started.\n`);
      expect(await canConnect('127.0.0.1', server.port)).toBe(true);
      const external = externalAddress();
      if (external) expect(await canConnect(external, server.port)).toBe(false);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  test('a non-loopback bind without credentials refuses to start: clear message, exit 1, nothing listening', async () => {
    const hosts = ['0.0.0.0', '::', externalAddress()].filter((host): host is string => host !== undefined);
    const runs = hosts.map((host) => ({ host, run: runCli(cli, ['--library', 'demo', '--host', host, '--port', '0']) }));
    for (const { host, run } of runs) {
      expect([host, await run.exited]).toEqual([host, { code: 1, signal: null }]);
      expect(run.stdout()).toBe('');
      expect(run.stderr()).toContain(`Refusing to listen on ${host} without credentials: anyone who reaches it could run keywords.`);
    }
  });

  test('remote stopping is off on a public bind unless --allow-stop, and on by default on loopback', async () => {
    const env = { QEMU_UTILS_REMOTE_CREDENTIALS: 'robot:stop-test-secret' };
    const guarded = await startCli(cli, ['--library', 'demo', '--host', '0.0.0.0', '--port', '0'], env);
    const opted = await startCli(cli, ['--library', 'demo', '--host', '0.0.0.0', '--port', '0', '--allow-stop'], env);
    const local = await startCli(cli, ['--library', 'demo', '--port', '0']);
    const auth = "auth='robot:stop-test-secret'";
    const refused = await py(`http://127.0.0.1:${guarded.port}`, `result = [call('stop_remote_server', ${auth}), run('stop_remote_server', ${auth})['return'], run('echo', ['alive'], ${auth})['return']]`);
    expect(refused).toEqual([false, false, 'alive']);
    expect(guarded.child.exitCode).toBeNull();
    expect(await py(`http://127.0.0.1:${opted.port}`, `result = call('stop_remote_server', ${auth})`)).toBe(true);
    expect(await py(local.url, "result = call('stop_remote_server')")).toBe(true);
    expect(await opted.exited).toEqual({ code: 0, signal: null });
    expect(await local.exited).toEqual({ code: 0, signal: null });
    guarded.child.kill('SIGTERM');
    expect(await guarded.exited).toEqual({ code: 0, signal: null });
  });

  test('the same default when the server is started from code', async () => {
    const server = await startRemoteServer(createQemuLibrary(), {
      host: '0.0.0.0',
      port: 0,
      credentials: { user: 'robot', password: 'api-secret' },
      log: createServerLog({ level: 'silent' }),
    });
    try {
      expect(await py(`http://127.0.0.1:${server.port}`, "result = call('stop_remote_server', auth='robot:api-secret')")).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

/** An in-process QEMU-library server whose JSON log lines are kept. */
async function loggedServer(options: { credentials?: { user: string; password: string } } = {}): Promise<{ server: RemoteServer; log: () => string }> {
  const captured = captureServerLog();
  const server = await startRemoteServer(createQemuLibrary({ accel: 'tcg' }), { port: 0, log: captured.log, ...options });
  return { server, log: captured.text };
}

describe('HTTP Basic auth', () => {
  const user = 'robot';
  const password = 'B4sic-Auth-S3cret';
  let guarded: Awaited<ReturnType<typeof loggedServer>>;
  let fakeBin: string;

  beforeAll(async () => {
    guarded = await loggedServer({ credentials: { user, password } });
    // `Qemu Version` runs this: a file appears when a keyword really ran.
    fakeBin = join(scratch, 'auth-bin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'qemu-system-x86_64'), `#!/bin/sh\ntouch ${join(scratch, 'ran')}\necho "QEMU emulator version 7.2.0"\n`);
    chmodSync(join(fakeBin, 'qemu-system-x86_64'), 0o755);
  });

  afterAll(async () => {
    await guarded?.server.stop();
  });

  test('a wrong user, a wrong password, no header or a malformed one: 401, nothing run, no secret logged', async () => {
    const node = { host: 'localhost', transport: 'local' };
    // An id no other test file uses: the sessions' end looks for a VM on it (this host), and would remove another's.
    const calls = `[('qemu_init', [${JSON.stringify(node)}], {'qemu_id': 247, 'img': '/opt/boot/vmlinuz', 'bin_path': ${JSON.stringify(fakeBin)}}), ('qemu_version', [], None)]`;
    const base64 = (text: string): string => Buffer.from(text).toString('base64');
    const headers = [
      undefined,
      `Basic ${base64(`${user}:Wr0ng-Pa55word`)}`,
      `Basic ${base64(`r0b0t-Wr0ng-User:${password}`)}`,
      `Basic ${base64(`${user}${password}`)}`,
      `Bearer ${password}`,
      'Basic !!!not-base64!!!',
      `Basic ${base64(`${user}:${password.slice(0, -1)}`)}`,
    ];
    const result = (await py(
      guarded.server.url,
      `
null = None
statuses = []
for header in ${JSON.stringify(headers)}:
    for name, args, kwargs in ${calls}:
        body = dumps([name, args] + ([kwargs] if kwargs else []), 'run_keyword').encode()
        statuses.append(raw(body, path='/guarded', headers={'Authorization': header} if header else {})[0])
result = statuses
`,
    )) as number[];
    expect(result).toEqual(Array(headers.length * 2).fill(401));
    expect(existsSync(join(scratch, 'ran'))).toBe(false);
    expect(guarded.server.sessions()).toEqual([]);
    const log = guarded.log();
    expect(log).not.toContain('"message":"call"');
    expect(log.match(/"message":"rejected request"/g)).toHaveLength(headers.length * 2);
    for (const secret of [password, 'Wr0ng-Pa55word', 'r0b0t-Wr0ng-User', base64(`${user}:${password}`), base64(`${user}:Wr0ng-Pa55word`)]) {
      expect([secret, log.includes(secret)]).toEqual([secret, false]);
    }

    // Control: with the right credentials the same calls do run.
    const ran = (await py(guarded.server.url, `result = [run(name, args, kwargs, path='/guarded', auth='${user}:${password}')['status'] for name, args, kwargs in ${calls}] + [run('qemu_close', path='/guarded', auth='${user}:${password}')['status']]`)) as string[];
    expect(ran).toEqual(['PASS', 'PASS', 'PASS']);
    expect(existsSync(join(scratch, 'ran'))).toBe(true);
    expect(guarded.log()).not.toContain(password);
  });
});

describeSsh('secrets in node dicts', () => {
  let server: Awaited<ReturnType<typeof loggedServer>>;
  let nodeLog: ReturnType<typeof captureNodeLog>;

  beforeAll(async () => {
    nodeLog = captureNodeLog();
    server = await loggedServer();
  });

  afterAll(async () => {
    await server?.server.stop();
    await closeAllTransports();
    nodeLog?.restore();
  });

  test('password and priv_key never reach the server log (debug) nor keyword output, error or traceback, also on failure', async () => {
    const env = sshdEnv();
    const key = readFileSync(env.keyPath, 'utf8');
    // The key's body lines: any of them in a log would leak it.
    const keyLines = key.split('\n').filter((line) => line.length > 40 && !line.startsWith('-----'));
    const good = passwordNodeDict(env, { priv_key: key });
    const numericPassword = 918273645;
    const scenarios: [string, Record<string, unknown>, string[]][] = [
      ['works', good, ['qemu_version', 'qemu_get_command_line', 'qemu_start', 'qemu_close']],
      ['wrong password', { ...passwordNodeDict(env, { password: 'Wr0ng-Node-S3cret' }) }, ['qemu_version', 'qemu_close']],
      ['numeric password (YAML)', { ...good, password: numericPassword }, []],
      ['numeric priv_key', { ...good, priv_key: numericPassword + 1 }, []],
      ['priv_key that is no key', { ...good, priv_key: '-----BEGIN RSA PRIVATE KEY-----\nN0t-A-K3y-But-S3cret\n-----END RSA PRIVATE KEY-----\n' }, []],
      ['bad port', { ...good, port: '22a' }, []],
      ['refused port', { ...good, port: 1 }, ['qemu_version', 'qemu_close']],
    ];
    const results = (await py(
      server.server.url,
      `
out = []
for index, (name, node, keywords) in enumerate(${JSON.stringify(scenarios)}):
    path = '/secrets-%d' % index
    steps = [run('qemu_init', [node], {'qemu_id': 246, 'img': '/opt/boot/vmlinuz', 'bin_path': ${JSON.stringify(join(scratch, 'no-such-bin'))}}, path=path)]
    steps += [run(keyword, path=path) for keyword in keywords]
    steps += [run('build_qemu', [node], path=path)] if name != 'works' else []
    out.append([name, steps])
result = out
`,
      120_000,
    )) as [string, Record<string, unknown>[]][];

    const byName = new Map(results);
    // The node was reached (the command line asked it for QEMU's version); QEMU itself is not there.
    expect(byName.get('works')?.map((step) => step.status)).toEqual(['PASS', 'FAIL', 'PASS', 'FAIL', 'PASS']);
    expect(byName.get('wrong password')?.[1]?.error).toMatch(/^NodeConnectionError: Qemu Version on node qurtest@127\.0\.0\.1:\d+ failed while asking for the QEMU version \(.*\): cannot connect: authentication failed/);
    expect(byName.get('numeric password (YAML)')?.[0]?.error).toBe("InvalidNodeError: Node '127.0.0.1': 'password' must be a string, got a number (value not shown)");
    expect(byName.get('numeric priv_key')?.[0]?.error).toBe("InvalidNodeError: Node '127.0.0.1': 'priv_key' must be a string, got a number (value not shown)");
    expect(byName.get('priv_key that is no key')?.[0]?.error).toMatch(/'priv_key' is not a usable private key/);

    const secrets = [env.password, 'Wr0ng-Node-S3cret', String(numericPassword), String(numericPassword + 1), 'N0t-A-K3y-But-S3cret', ...keyLines];
    const returned = JSON.stringify(results);
    const logged = server.log() + nodeLog.lines.join('\n');
    expect(logged).toContain('"message":"arguments"'); // debug level really logged the bound arguments
    const leaks = secrets.filter((secret) => returned.includes(secret) || logged.includes(secret)).map((secret) => `${secret.slice(0, 12)}... in ${returned.includes(secret) ? 'keyword results' : 'logs'}`);
    expect(leaks).toEqual([]);
  }, 120_000);
});

test('the CLI server log (text, debug) carries no credential from the environment or a request', async () => {
  const server = await startCli(cli, ['--library', 'demo', '--port', '0', '--log-level', 'debug'], { QEMU_UTILS_REMOTE_CREDENTIALS: 'robot:Cl1-S3cret' });
  const rejected = await runPython(server.url, "result = run('login', ['robot', 'Arg-S3cret'], auth='robot:Wr0ng-Cl1')");
  expect(rejected.error).toEqual({ type: 'ProtocolError', status: 401, message: 'Unauthorized' });
  expect(await py(server.url, "result = run('login', ['robot'], {'password': 'Arg-S3cret'}, auth='robot:Cl1-S3cret')['status']")).toBe('PASS');
  server.child.kill('SIGTERM');
  await server.exited;
  expect(server.stderr()).toMatch(/rejected request/);
  for (const secret of ['Cl1-S3cret', 'Wr0ng-Cl1', 'Arg-S3cret']) expect([secret, server.stderr().includes(secret)]).toEqual([secret, false]);
});
