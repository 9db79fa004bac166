/**
 * Unix sockets on the node over SSH: direct-streamlocal where the account may open the socket, and the
 * `sudo socat` fallback for a root-only socket with an unprivileged account.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { UnixSocketError } from '../../src/node/errors';
import { closeAllTransports, connectUnixSocket, transportFor } from '../../src/node/exec';
import { parseNode } from '../../src/node/node';
import type { SshTransport } from '../../src/node/ssh';
import type { Node } from '../../src/node/types';
import { captureNodeLog, describeSsh, passwordNodeDict, rootKeyNodeDict, sshdEnv } from '../support/sshd';

/** A QMP-like peer: greets on connect, then answers each line. The sshd runs on this host, so it is "on the node". */
function startPeer(path: string): Promise<Server> {
  const server = createServer((socket) => {
    socket.write('{"greeting": true}\n');
    socket.on('data', (chunk) => socket.write(`pong:${chunk.toString()}`));
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

function nextData(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    stream.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    stream.once('error', reject);
  });
}

async function roundTrip(stream: Duplex): Promise<[string, string]> {
  const greeting = await nextData(stream);
  stream.write('ping\n');
  return [greeting, await nextData(stream)];
}

function ended(stream: Duplex): Promise<void> {
  return new Promise((resolve) => {
    stream.on('close', resolve);
    stream.destroy();
  });
}

describeSsh('unix sockets over ssh (real sshd)', () => {
  let root: Node;
  let user: Node;
  let dir: string;
  let openPath: string;
  let rootOnlyPath: string;
  const servers: Server[] = [];
  let log: ReturnType<typeof captureNodeLog>;

  beforeAll(async () => {
    log = captureNodeLog();
    const env = sshdEnv();
    root = parseNode(rootKeyNodeDict(env));
    user = parseNode(passwordNodeDict(env));
    dir = mkdtempSync(join(tmpdir(), 'qur-sock-'));
    chmodSync(dir, 0o755);
    openPath = join(dir, 'open.sock');
    rootOnlyPath = join(dir, 'root-only.sock');
    servers.push(await startPeer(openPath), await startPeer(rootOnlyPath));
    chmodSync(openPath, 0o666);
    chmodSync(rootOnlyPath, 0o600);
  });

  afterAll(async () => {
    await closeAllTransports();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
    log.restore();
  });

  test('direct-streamlocal: root reaches the socket, greeting included, without a session channel', async () => {
    const stream = await connectUnixSocket(root, openPath, { sudo: false });
    expect(await roundTrip(stream)).toEqual(['{"greeting": true}\n', 'pong:ping\n']);
    expect((transportFor(root) as SshTransport).peakChannels).toBe(0);
    await ended(stream);
  });

  test('an unprivileged account may use a socket it has permission for', async () => {
    const stream = await connectUnixSocket(user, openPath, { sudo: false });
    expect(await roundTrip(stream)).toEqual(['{"greeting": true}\n', 'pong:ping\n']);
    await ended(stream);
  });

  test('a root-only socket: refused to the user without sudo, reached through sudo socat by default', async () => {
    const refused = await connectUnixSocket(user, rootOnlyPath, { sudo: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnixSocketError);
    expect((refused as UnixSocketError).message).toMatch(new RegExp(`^Cannot connect to unix socket ${rootOnlyPath} on qurtest@127\\.0\\.0\\.1:\\d+: sshd refused direct-streamlocal for qurtest`));

    const stream = await connectUnixSocket(user, rootOnlyPath);
    expect(await roundTrip(stream)).toEqual(['{"greeting": true}\n', 'pong:ping\n']);
    // The bridge is an exec channel: it holds one session slot until closed.
    await ended(stream);
  });

  test('sudo: true goes straight to socat', async () => {
    const stream = await connectUnixSocket(user, openPath, { sudo: true });
    expect(await roundTrip(stream)).toEqual(['{"greeting": true}\n', 'pong:ping\n']);
    await ended(stream);
  });

  test('a missing socket: both ways fail, and the error carries socat’s reason', async () => {
    const missing = join(dir, 'missing.sock');
    const direct = await connectUnixSocket(root, missing, { sudo: false }).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(UnixSocketError);
    const both = await connectUnixSocket(user, missing).catch((e: unknown) => e);
    expect(both).toBeInstanceOf(UnixSocketError);
    expect((both as UnixSocketError).message).toMatch(/direct connect failed \(.*open failed\); sudo socat fallback failed: socat exited \(rc 1\): .*No such file or directory/s);
  });

  test('many sockets at once over one connection', async () => {
    const streams = await Promise.all(Array.from({ length: 15 }, () => connectUnixSocket(root, openPath)));
    const answers = await Promise.all(streams.map((stream) => roundTrip(stream)));
    expect(answers.every(([, pong]) => pong === 'pong:ping\n')).toBe(true);
    await Promise.all(streams.map((stream) => ended(stream)));
  });
});
