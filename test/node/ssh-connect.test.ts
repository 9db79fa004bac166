/**
 * Connecting: authentication, refused ports, host-key policy, connect timeout, session-limit adaptation.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeConnectionError } from '../../src/node/errors';
import { closeAllTransports, execCmd, transportFor } from '../../src/node/exec';
import { parseNode } from '../../src/node/node';
import type { SshTransport } from '../../src/node/ssh';
import { captureNodeLog, describeSsh, passwordNodeDict, rootKeyNodeDict, sshdEnv, type SshdEnv } from '../support/sshd';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

async function connectError(dict: Record<string, unknown>): Promise<NodeConnectionError> {
  const error = await execCmd(parseNode(dict), 'true').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NodeConnectionError);
  return error as NodeConnectionError;
}

describeSsh('ssh connect and host keys (real sshd)', () => {
  let env: SshdEnv;
  let scratch: string;
  let log: ReturnType<typeof captureNodeLog>;
  let logged: string[];

  beforeAll(() => {
    env = sshdEnv();
    scratch = mkdtempSync(join(tmpdir(), 'qur-ssh-connect-'));
    log = captureNodeLog();
    logged = log.lines;
  });

  afterAll(async () => {
    await closeAllTransports();
    log.restore();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('wrong password: auth-failed naming user, host and port', async () => {
    const error = await connectError(passwordNodeDict(env, { password: 'not-the-password' }));
    expect(error.failure).toBe('auth-failed');
    expect(error.message).toBe(
      `Cannot connect to ${env.passwordUser}@127.0.0.1:${env.port}: authentication failed (check username, password or priv_key) [All configured authentication methods failed]`,
    );
    // The right password on the same host and user still works: failed connections are not pooled for it.
    expect((await execCmd(parseNode(passwordNodeDict(env)), 'id -un')).stdout).toBe(`${env.passwordUser}\n`);
  });

  test('an account that does not exist is refused as auth-failed too', async () => {
    const error = await connectError(rootKeyNodeDict(env, { username: 'qur-no-such-user' }));
    expect(error.failure).toBe('auth-failed');
  });

  test('refused port fails fast with a clear message', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const started = Date.now();
    const error = await connectError(rootKeyNodeDict(env, { port }));
    // Refused at once, not left to the default connect_timeout of 10 s.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toMatchObject({ failure: 'refused', host: '127.0.0.1', port });
    expect(error.message).toMatch(new RegExp(`^Cannot connect to root@127\\.0\\.0\\.1:${port}: connection refused \\(is sshd running`));
  });

  test('a peer that never speaks SSH times out after connect_timeout', async () => {
    const silent = createServer(() => undefined);
    const port = await listen(silent);
    try {
      const started = Date.now();
      const error = await connectError(rootKeyNodeDict(env, { port, connect_timeout: 1 }));
      expect(error.failure).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      silent.close();
    }
  });

  test('without a host-key policy the key is accepted and the fingerprint logged (what CSIT did)', async () => {
    logged.length = 0;
    await execCmd(parseNode(rootKeyNodeDict(env, { connect_timeout: 9 })), 'true');
    expect(logged.some((line) => line.includes(`Accepted host key ${env.hostKeyFingerprint} of root@127.0.0.1:${env.port} without verification`))).toBe(true);
  });

  test('pinned fingerprint: the right one connects, a wrong one is refused as a mismatch', async () => {
    expect((await execCmd(parseNode(rootKeyNodeDict(env, { host_key_fingerprint: env.hostKeyFingerprint })), 'echo pinned')).stdout).toBe('pinned\n');
    const wrong = 'SHA256:' + 'x'.repeat(43);
    const error = await connectError(rootKeyNodeDict(env, { host_key_fingerprint: wrong }));
    expect(error.failure).toBe('host-key-mismatch');
    expect(error.message).toContain(`server offered ${env.hostKeyFingerprint}, pinned ${wrong}`);
  });

  test('known_hosts: plain and hashed entries connect; another key is a mismatch; no entry is refused', async () => {
    expect((await execCmd(parseNode(rootKeyNodeDict(env, { known_hosts: env.knownHostsPath })), 'echo known')).stdout).toBe('known\n');

    const hashed = join(scratch, 'hashed_known_hosts');
    writeFileSync(hashed, readFileSync(env.knownHostsPath));
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/);
    expect((await execCmd(parseNode(rootKeyNodeDict(env, { known_hosts: hashed, connect_timeout: 8 })), 'echo hashed')).stdout).toBe('hashed\n');

    const otherKey = join(scratch, 'other_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const [type, blob] = readFileSync(`${otherKey}.pub`, 'utf8').split(' ');
    const wrongFile = join(scratch, 'wrong_known_hosts');
    writeFileSync(wrongFile, `# reinstalled host\n[127.0.0.1]:${env.port} ${type} ${blob}\n`);
    const mismatch = await connectError(rootKeyNodeDict(env, { known_hosts: wrongFile }));
    expect(mismatch.failure).toBe('host-key-mismatch');
    expect(mismatch.message).toContain(`server offered ${env.hostKeyFingerprint}, which does not match the entry in ${wrongFile}`);

    const emptyFile = join(scratch, 'empty_known_hosts');
    writeFileSync(emptyFile, `[127.0.0.1]:1 ${type} ${blob}\n`);
    const unknown = await connectError(rootKeyNodeDict(env, { known_hosts: emptyFile }));
    expect(unknown.failure).toBe('host-key-unknown');

    const missing = await connectError(rootKeyNodeDict(env, { known_hosts: join(scratch, 'nope') }));
    expect(missing.message).toMatch(/Cannot read known_hosts file .*nope/);
  });

  test('a server limit below max_sessions: refused channels are retried and the limit adapts', async () => {
    const node = parseNode(passwordNodeDict(env, { max_sessions: 20 }));
    logged.length = 0;
    // Commands long enough that the refusals persist: brief refusals at the limit are sshd freeing sessions late.
    const results = await Promise.all(Array.from({ length: 25 }, (_, index) => execCmd(node, `sleep 1.5; echo ${index}`)));
    expect(results.map((result) => result.stdout)).toEqual(Array.from({ length: 25 }, (_, index) => `${index}\n`));
    expect(logged.some((line) => /keeps refusing channels with \d+ open: session limit now \d+/.test(line))).toBe(true);
    const transport = transportFor(node) as SshTransport;
    expect(transport.channelLimit).toBeLessThan(20);
    expect(transport.connectionsMade).toBe(1);
  });
});
