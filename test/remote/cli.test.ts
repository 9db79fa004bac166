/** The `qemu-utils-remote` command as a real process: options, output lines, port file, signals, safety. */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { py, pyError } from '../support/xmlrpc';
import { buildCli, demoCli, killLeftovers, removeBuild, runCli, startCli, type StartedCli } from '../support/cli';

/** The product command, and the test launcher that adds `--library demo`. */
let cli: string;
let demo: string;
let scratch: string;

beforeAll(() => {
  cli = buildCli();
  demo = demoCli(cli);
  scratch = mkdtempSync(join(tmpdir(), 'qur-cli-'));
});

afterEach(() => {
  killLeftovers();
});

afterAll(() => {
  removeBuild(cli);
});

describe('command line', () => {
  test('--help and --version', async () => {
    const help = runCli(cli, ['--help']);
    expect(await help.exited).toEqual({ code: 0, signal: null });
    expect(help.stdout()).toMatch(/^Usage: qemu-utils-remote \[options\]/);
    for (const option of ['--host', '--port', '--port-file', '--allow-stop', '--no-allow-stop', '--max-sessions', '--session-lease', '--log-level', '--log-json', '--credentials-file', '--library', '--qemu-option']) {
      expect(help.stdout()).toContain(option);
    }
    const version = runCli(cli, ['--version']);
    expect(await version.exited).toEqual({ code: 0, signal: null });
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout()).toBe(`qemu-utils-remote ${manifest.version}\n`);
  });

  test('usage errors exit 2 with a pointer to --help; credentials on argv are refused', async () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--port', 'x'], /--port must be a whole number/],
      [['--port', '70000'], /--port must be 0-65535/],
      [['--library', 'demo'], /--library must be qemu, got 'demo'/],
      [['--qemu-option', 'novalue'], /--qemu-option takes KEY=VALUE/],
      [['--log-level', 'loud'], /--log-level must be one of error, warn, info, debug, silent/],
      [['--allow-stop', '--no-allow-stop'], /not both/],
      [['--session-lease', '1h'], /--session-lease \(or QEMU_UTILS_REMOTE_SESSION_LEASE\) takes seconds, 0 for never, got '1h'/],
      [['--password', 'x'], /Credentials are never taken from the command line/],
      [['--credentials=u:p'], /Credentials are never taken from the command line/],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const run = runCli(cli, args);
        expect(await run.exited).toEqual({ code: 2, signal: null });
        expect(run.stderr()).toMatch(message);
        expect(run.stderr()).toContain('Run qemu-utils-remote --help');
      }),
    );
  });

  test('a port in use, or a public address without credentials, fail to start with a clear message', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blocker.address() as { port: number }).port;
      const busy = runCli(demo, ['--library', 'demo', '--port', String(port)]);
      expect(await busy.exited).toEqual({ code: 1, signal: null });
      expect(busy.stderr()).toMatch(new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*pick another with --port`));
    } finally {
      blocker.close();
    }
    const open = runCli(demo, ['--library', 'demo', '--host', '0.0.0.0', '--port', '0']);
    expect(await open.exited).toEqual({ code: 1, signal: null });
    expect(open.stderr()).toMatch(/Refusing to listen on 0\.0\.0\.0 without credentials/);
  });
});

describe('running server', () => {
  test.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s stops it gracefully: stopped line, port file removed, exit 0', async (signal) => {
    const portFile = join(scratch, `port-${signal}`);
    const server = await startCli(demo, ['--library', 'demo', '--port', '0', '--port-file', portFile]);
    expect(server.stdout()).toBe(`Robot Framework remote server at 127.0.0.1:${server.port} started.\n`);
    expect(readFileSync(portFile, 'utf8')).toBe(String(server.port));
    expect(await py(server.url, "result = run('echo', ['hi'])")).toEqual({ status: 'PASS', return: 'hi' });
    server.child.kill(signal);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toBe(
      `Robot Framework remote server at 127.0.0.1:${server.port} started.\nRobot Framework remote server at 127.0.0.1:${server.port} stopped.\n`,
    );
    expect(existsSync(portFile)).toBe(false);
  });

  test('a signal during a keyword lets it finish (it sees the stop); a second signal cuts a stubborn one', async () => {
    const server = await startCli(demo, ['--library', 'demo', '--port', '0', '--grace-period', '30', '--log-json', '--log-level', 'debug']);
    const polite = py(server.url, "result = run('sleep_seconds', [60], path='/polite')");
    const stubborn = py(server.url, "result = run('sleep_seconds', [60, False], path='/stubborn')");
    await waitForLog(server, 2, 'sleep_seconds');
    server.child.kill('SIGTERM');
    expect(await polite).toEqual(expect.objectContaining({ status: 'FAIL', error: 'Sleep aborted: the server is stopping.' }));
    const started = Date.now();
    server.child.kill('SIGINT');
    expect(await stubborn).toEqual(expect.objectContaining({ status: 'FAIL', error: expect.stringMatching(/^Keyword 'Sleep Seconds' was cut/) }));
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // The second signal cuts at once, well within the 30 s grace period the first one started.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('Stop Remote Server stops it; --no-allow-stop refuses', async () => {
    const stoppable = await startCli(demo, ['--library', 'demo', '--port', '0']);
    const refusing = await startCli(demo, ['--library', 'demo', '--port', '0', '--no-allow-stop']);
    expect(await py(stoppable.url, "result = run('stop_remote_server')")).toEqual({ status: 'PASS', return: true });
    expect(await stoppable.exited).toEqual({ code: 0, signal: null });
    expect(stoppable.stdout()).toMatch(/stopped\.\n$/);
    expect(await py(refusing.url, "result = [call('stop_remote_server'), run('echo', ['alive'])['return']]")).toEqual([false, 'alive']);
    refusing.child.kill('SIGTERM');
    expect(await refusing.exited).toEqual({ code: 0, signal: null });
  });

  test('credentials from the environment or a file; a public bind works with them and refuses remote stopping', async () => {
    const file = join(scratch, 'credentials');
    writeFileSync(file, 'filer:from-file\n');
    chmodSync(file, 0o600);
    const fromEnv = await startCli(demo, ['--library', 'demo', '--port', '0', '--host', '0.0.0.0', '--log-json'], {
      QEMU_UTILS_REMOTE_CREDENTIALS: 'enver:from-env',
    });
    const fromFile = await startCli(demo, ['--library', 'demo', '--port', '0', '--credentials-file', file]);
    const local = `http://127.0.0.1:${fromEnv.port}`;
    expect(await pyError(local, "result = run('echo', [1])")).toEqual({ type: 'ProtocolError', status: 401, message: 'Unauthorized' });
    expect(await py(local, "result = run('echo', [1], auth='enver:from-env')")).toEqual({ status: 'PASS', return: 1 });
    expect(await pyError(fromFile.url, "result = run('echo', [1], auth='enver:from-env')")).toEqual(expect.objectContaining({ status: 401 }));
    expect(await py(fromFile.url, "result = run('echo', [2], auth='filer:from-file')")).toEqual({ status: 'PASS', return: 2 });
    // Stopping is opt-in on a public bind: the method answers false and the server keeps serving.
    expect(await py(local, "result = [call('stop_remote_server', auth='enver:from-env'), run('echo', ['alive'], auth='enver:from-env')['return']]")).toEqual([false, 'alive']);
    for (const server of [fromEnv, fromFile]) server.child.kill('SIGTERM');
    await Promise.all([fromEnv.exited, fromFile.exited]);
    expect(fromEnv.stderr() + fromFile.stderr()).not.toMatch(/from-env|from-file/);
  });

  test('--log-json, --log-level and --max-sessions', async () => {
    const server = await startCli(demo, ['--library', 'demo', '--port', '0', '--log-json', '--max-sessions', '1']);
    const quiet = await startCli(demo, ['--library', 'demo', '--port', '0', '--log-level', 'warn']);
    const result = (await py(server.url, "result = [run('open_counter', path='/one'), run('open_counter', path='/two')]")) as { status: string; error?: string }[];
    expect(result[1]?.error).toMatch(/^Cannot open session 'two': the server already has 1 live sessions, its limit \(--max-sessions 1\)/);
    await py(quiet.url, "result = run('echo', [1])");
    for (const running of [server, quiet]) running.child.kill('SIGTERM');
    await Promise.all([server.exited, quiet.exited]);
    const records = server.stderr().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.filter((record) => record.message === 'call').map((record) => [record.session, record.keyword, record.status])).toEqual([
      ['/one', 'open_counter', 'PASS'],
      ['/two', 'open_counter', 'FAIL'],
    ]);
    expect(records.find((record) => record.message === 'disposed instance')).toEqual(expect.objectContaining({ session: '/one' }));
    expect(quiet.stderr()).not.toMatch(/call/);
  });

  test('the session lease: an hour by default, QEMU_UTILS_REMOTE_SESSION_LEASE, and --session-lease over it', async () => {
    const leaseOf = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<unknown> => {
      const server = await startCli(demo, ['--library', 'demo', '--port', '0', '--log-json', ...args], env);
      server.child.kill('SIGTERM');
      await server.exited;
      const records = server.stderr().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      return records.find((record) => record.message === 'serving')?.sessionLeaseSeconds;
    };
    const env = { QEMU_UTILS_REMOTE_SESSION_LEASE: '90' };
    expect(await Promise.all([leaseOf([]), leaseOf([], env), leaseOf(['--session-lease', '0'], env), leaseOf(['--session-lease', '2.5'])])).toEqual([3600, 90, 0, 2.5]);
  });

  test('--library qemu (the default) serves the QemuUtils library', async () => {
    const server = await startCli(cli, ['--port', '0', '--qemu-option', 'accel=tcg']);
    const info = (await py(server.url, "result = call('get_library_information', path='/vm1')")) as Record<string, unknown>;
    expect(Object.keys(info)).toEqual(expect.arrayContaining(['__intro__', '__init__', 'stop_remote_server']));
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});

/** Waits until the server has bound `count` calls of `keyword` (its debug log says so just before running them). */
async function waitForLog(server: StartedCli, count: number, keyword: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const bound = server
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"message":"arguments"') && line.includes(`"keyword":"${keyword}"`));
    if (bound.length >= count) return;
    if (Date.now() > deadline) throw new Error(`${keyword} did not start ${count} times:\n${server.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
