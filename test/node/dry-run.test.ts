import type { Duplex } from 'node:stream';
import { DryRunTransport } from '../../src/node/dry-run';
import { CommandFailedError, InvalidCommandError, InvalidNodeError, UnixSocketError } from '../../src/node/errors';
import {
  closeAllTransports,
  connectUnixSocket,
  dryRunLog,
  dryRunTransport,
  execCmd,
  execCmdNoError,
  transportFor,
  writeFile,
} from '../../src/node/exec';
import { parseNode } from '../../src/node/node';

const dryNode = (extra: Record<string, unknown> = {}) =>
  parseNode({
    host: 'dut1',
    port: 22,
    username: 'root',
    transport: 'dry-run',
    dry_run_responses: [
      { match: 'qemu-system-x86_64 --version', stdout: 'QEMU emulator version 7.2.22\n' },
      { match: '^cat /var/run/qemu_\\d+\\.pid$', regex: true, stdout: '4242\n' },
      { match: 'false', rc: 1, stderr: 'it failed\n' },
    ],
    ...extra,
  });

function readLine(stream: Duplex): Promise<string> {
  return new Promise((resolve) => stream.once('data', (chunk: Buffer) => resolve(chunk.toString())));
}

afterEach(() => closeAllTransports());

describe('dry-run transport', () => {
  test('records every exec, file write and socket connect, in order, with sudo, stdin and timeout', async () => {
    const node = dryNode();
    await execCmd(node, 'mkdir -p /tmp/vm', { sudo: true });
    await writeFile(node, '/etc/vpp/vm 1.conf', 'unix { nodaemon }\n', { sudo: true, mode: '644' });
    await execCmd(node, 'cat', { stdin: 'hello', timeout: 5 });
    await expect(connectUnixSocket(node, '/run/qmp.sock')).rejects.toThrow(UnixSocketError);

    expect(dryRunLog(node)).toEqual([
      { kind: 'exec', command: 'mkdir -p /tmp/vm', commandLine: 'sudo -S mkdir -p /tmp/vm', sudo: true, timeout: 600, result: { rc: 0, stdout: '', stderr: '' } },
      {
        kind: 'writeFile',
        path: '/etc/vpp/vm 1.conf',
        content: 'unix { nodaemon }\n',
        mode: '644',
        sudo: true,
        commandLine: "sudo -S tee '/etc/vpp/vm 1.conf' >/dev/null && sudo -S chmod 644 '/etc/vpp/vm 1.conf'",
      },
      { kind: 'exec', command: 'cat', commandLine: 'cat', sudo: false, timeout: 5, stdin: 'hello', result: { rc: 0, stdout: '', stderr: '' } },
      { kind: 'connectUnixSocket', path: '/run/qmp.sock', via: 'auto', connected: false },
    ]);
    expect(dryRunTransport(node).commandLines()).toEqual(['sudo -S mkdir -p /tmp/vm', 'cat']);
  });

  test('answers from the first matching canned response (substring or regex), else rc 0 and no output', async () => {
    const node = dryNode();
    expect(await execCmd(node, 'qemu-system-x86_64 --version')).toEqual({ rc: 0, stdout: 'QEMU emulator version 7.2.22\n', stderr: '' });
    expect((await execCmd(node, 'cat /var/run/qemu_1.pid')).stdout).toBe('4242\n');
    expect((await execCmd(node, 'sudo cat /var/run/qemu_1.pid')).stdout).toBe('');
    expect(await execCmd(node, 'false')).toEqual({ rc: 1, stdout: '', stderr: 'it failed\n' });
    expect(await execCmd(node, 'anything else')).toEqual({ rc: 0, stdout: '', stderr: '' });
  });

  test('canned responses match the command line as sent, sudo prefix included', async () => {
    const node = dryNode({ dry_run_responses: [{ match: '^sudo -S ls$', regex: true, stdout: 'elevated' }] });
    expect((await execCmd(node, 'ls', { sudo: true })).stdout).toBe('elevated');
    expect((await execCmd(node, 'ls')).stdout).toBe('');
  });

  test('execCmdNoError: CSIT message with the command as given plus stderr, or the caller message verbatim', async () => {
    const node = dryNode();
    const error = await execCmdNoError(node, 'false', { sudo: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as CommandFailedError).message).toBe('Command execution failed: "false"\nit failed\n');
    expect(error).toMatchObject({ rc: 1, stderr: 'it failed\n', command: 'false' });
    await expect(execCmdNoError(node, 'false', { message: 'QEMU: Start failed on dut1' })).rejects.toThrow(/^QEMU: Start failed on dut1$/);
    expect((await execCmdNoError(node, 'qemu-system-x86_64 --version')).stdout).toMatch(/7\.2\.22/);
  });

  test('empty or missing command is refused like CSIT', async () => {
    const node = dryNode();
    await expect(execCmd(node, '')).rejects.toThrow(new InvalidCommandError('Empty command parameter'));
    await expect(execCmd(node, null as unknown as string)).rejects.toThrow('Command parameter is None');
    expect(dryRunLog(node)).toEqual([]);
  });

  test('a canned socket peer answers connectUnixSocket', async () => {
    const node = dryNode();
    dryRunTransport(node).setUnixSocketPeer('/run/qmp.sock', (peer) => {
      peer.write('{"QMP": {}}\n');
      peer.on('data', (chunk: Buffer) => peer.write(`echo:${chunk.toString()}`));
    });
    const socket = await connectUnixSocket(node, '/run/qmp.sock');
    expect(await readLine(socket)).toBe('{"QMP": {}}\n');
    socket.write('ping');
    expect(await readLine(socket)).toBe('echo:ping');
    socket.destroy();
    expect(dryRunLog(node).at(-1)).toEqual({ kind: 'connectUnixSocket', path: '/run/qmp.sock', via: 'auto', connected: true });
  });

  test('streams canned output to onStdout/onStderr and honours an aborted signal', async () => {
    const node = dryNode();
    const chunks: string[] = [];
    await execCmd(node, 'false', { onStderr: (chunk) => chunks.push(chunk.toString()) });
    expect(chunks).toEqual(['it failed\n']);
    const controller = new AbortController();
    controller.abort();
    expect(await execCmd(node, 'sleep 10', { signal: controller.signal })).toMatchObject({ rc: null, aborted: true });
  });

  test('the same dict shares one transport (and log); another host or response set does not', () => {
    const a = transportFor(dryNode());
    expect(transportFor(dryNode())).toBe(a);
    expect(transportFor(dryNode({ host: 'dut2' }))).not.toBe(a);
    expect(transportFor(dryNode({ dry_run_responses: [] }))).not.toBe(a);
    expect(a).toBeInstanceOf(DryRunTransport);
  });

  test('response sets too long to keep their digest still share or part by content, each new dict parsed anew', () => {
    const long = (stdout: string) => dryNode({ dry_run_responses: [{ match: 'cat /proc/meminfo', stdout: stdout.repeat(2000) }] });
    const a = transportFor(long('HugePages_Total: 8\n'));
    expect(transportFor(long('HugePages_Total: 8\n'))).toBe(a);
    expect(transportFor(long('HugePages_Total: 9\n'))).not.toBe(a);
  });

  test('dryRunLog of a non dry-run node says why it has none', () => {
    const local = parseNode({ host: 'localhost', transport: 'local' });
    expect(() => dryRunLog(local)).toThrow(InvalidNodeError);
    expect(() => dryRunLog(local)).toThrow(/not 'dry-run'/);
  });
});
