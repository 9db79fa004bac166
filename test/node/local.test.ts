/**
 * `transport: local`: same interface and rules as ssh, with child processes on this host.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { CommandFailedError, CommandTimeoutError, UnixSocketError } from '../../src/node/errors';
import { closeAllTransports, connectUnixSocket, execCmd, execCmdNoError, writeFile } from '../../src/node/exec';
import { parseNode } from '../../src/node/node';

const local = parseNode({ host: 'localhost', transport: 'local' });

function nextData(stream: Duplex): Promise<string> {
  return new Promise((resolve) => stream.once('data', (chunk: Buffer) => resolve(chunk.toString())));
}

describe('local transport', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qur-local-'));
  });

  afterAll(async () => {
    await closeAllTransports();
    rmSync(dir, { recursive: true, force: true });
  });

  test('rc, stdout and stderr through /bin/sh -c', async () => {
    expect(await execCmd(local, 'echo out; echo err >&2; exit 4')).toEqual({ rc: 4, stdout: 'out\n', stderr: 'err\n' });
    expect((await execCmd(local, 'printf "%s" "$0"')).stdout).toBe('/bin/sh');
  });

  test('sudo is the literal `sudo -S` prefix', async () => {
    expect((await execCmd(local, 'id -u', { sudo: true })).stdout).toBe('0\n');
  });

  test('stdin, and EOF when none', async () => {
    expect((await execCmd(local, 'tr a-z A-Z', { stdin: 'abc' })).stdout).toBe('ABC');
    expect((await execCmd(local, 'cat; echo eof')).stdout).toBe('eof\n');
  });

  test('timeout kills the whole process group and reports partial output', async () => {
    const marker = join(dir, 'survivor');
    const error = await execCmd(local, `echo started; (sleep 2; touch ${marker}) & sleep 30`, { timeout: 0.5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect(error).toMatchObject({ stdout: 'started\n', timeout: 0.5 });
    expect((error as Error).message).toMatch(/^Timeout exception during execution of command: echo started;/);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(existsSync(marker)).toBe(false);
  });

  test('exit signal', async () => {
    expect(await execCmd(local, 'kill -TERM $$')).toMatchObject({ rc: null, exitSignal: 'SIGTERM' });
  });

  test('abort signal stops the command', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    expect(await execCmd(local, 'echo a; sleep 20', { signal: controller.signal })).toMatchObject({ rc: null, aborted: true, stdout: 'a\n' });
  });

  test('execCmdNoError message', async () => {
    await expect(execCmdNoError(local, 'echo bad >&2; false')).rejects.toThrow(new CommandFailedError('x', { rc: 1, stdout: '', stderr: '' }, 'Command execution failed: "echo bad >&2; false"\nbad\n'));
  });

  test('writeFile: verbatim content via stdin, mode, sudo', async () => {
    const path = join(dir, "it's a file");
    const content = "$HOME `id` $(true) 'q' \"dq\" é\n";
    await writeFile(local, path, content, { mode: '600' });
    expect(readFileSync(path, 'utf8')).toBe(content);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await writeFile(local, path, 'sudo\n', { sudo: true, mode: '0644' });
    expect(readFileSync(path, 'utf8')).toBe('sudo\n');
    await expect(writeFile(local, join(dir, 'no/such/dir/file'), 'x')).rejects.toThrow(/Cannot write .*no\/such\/dir\/file on the local host: .*(No such file or directory|Directory nonexistent)/);
  });

  describe('unix sockets', () => {
    let server: Server;
    let path: string;

    beforeAll(async () => {
      path = join(dir, 'peer.sock');
      server = createServer((socket) => {
        socket.write('hello\n');
        socket.on('data', (chunk) => socket.write(`pong:${chunk.toString()}`));
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(path, resolve));
    });

    afterAll(() => new Promise((resolve) => server.close(resolve)));

    test.each([['direct', false], ['sudo socat', true]])('%s', async (_label, sudo) => {
      const stream = await connectUnixSocket(local, path, { sudo });
      expect(await nextData(stream)).toBe('hello\n');
      stream.write('ping\n');
      expect(await nextData(stream)).toBe('pong:ping\n');
      stream.destroy();
    });

    test('a missing socket is a clear UnixSocketError', async () => {
      await expect(connectUnixSocket(local, join(dir, 'missing.sock'))).rejects.toThrow(UnixSocketError);
      await expect(connectUnixSocket(local, join(dir, 'missing.sock'), { sudo: true })).rejects.toThrow(/sudo socat failed: socat exited \(rc 1\).*No such file or directory/s);
    });
  });
});
