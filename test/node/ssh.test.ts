/**
 * The ssh transport against the real private sshd (`bash scripts/sshd.sh start`).
 */
import { CommandFailedError, CommandTimeoutError } from '../../src/node/errors';
import { closeAllTransports, execCmd, execCmdNoError, transportFor, writeFile } from '../../src/node/exec';
import { parseNode } from '../../src/node/node';
import { SshTransport } from '../../src/node/ssh';
import type { Node } from '../../src/node/types';
import { captureNodeLog, describeSsh, passwordNodeDict, rootKeyNodeDict, sshdEnv } from '../support/sshd';

describeSsh('ssh transport (real sshd)', () => {
  let root: Node;
  let user: Node;

  let log: ReturnType<typeof captureNodeLog>;

  beforeAll(() => {
    log = captureNodeLog();
    const env = sshdEnv();
    root = parseNode(rootKeyNodeDict(env));
    user = parseNode(passwordNodeDict(env));
  });

  afterAll(async () => {
    await closeAllTransports();
    log.restore();
  });

  test('exec returns rc, stdout and stderr separately', async () => {
    const result = await execCmd(root, 'echo out; echo err >&2; exit 3');
    expect(result).toEqual({ rc: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  test('key auth as root and password auth as the test user', async () => {
    expect((await execCmd(root, 'id -un')).stdout).toBe('root\n');
    expect((await execCmd(user, 'id -un')).stdout).toBe(`${user.username}\n`);
  });

  test('sudo is the literal `sudo -S <cmd>` prefix: only the first simple command is elevated', async () => {
    expect((await execCmd(user, 'id -u', { sudo: true })).stdout).toBe('0\n');
    // The pipe's second command runs as the user, as in CSIT.
    expect((await execCmd(user, 'id -un | cat; id -un', { sudo: true })).stdout).toBe(`root\n${user.username}\n`);
  });

  test('stdin reaches the command; no stdin means EOF, so `sudo -S` wanting a password cannot hang', async () => {
    expect((await execCmd(root, 'tr a-z A-Z', { stdin: 'hello\n' })).stdout).toBe('HELLO\n');
    expect((await execCmd(root, 'cat; echo done')).stdout).toBe('done\n');
  });

  test('non-ASCII output and output split across packets decode intact', async () => {
    const text = 'héllo ✓ 日本語 🚀\n'.repeat(20000);
    const result = await execCmd(root, `python3 -c 'import sys; sys.stdout.write("héllo ✓ 日本語 🚀\\n" * 20000)'`);
    expect(result.stdout).toBe(text);
  });

  test('a timeout closes the channel and reports the partial stdout/stderr like CSIT SSHTimeout', async () => {
    const started = Date.now();
    const error = await execCmd(root, 'echo started; echo warming >&2; sleep 4; echo never', { timeout: 1.5 }).catch((e: unknown) => e);
    // Cut at the timeout, before the command's own `sleep 4` ended.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(error).toBeInstanceOf(CommandTimeoutError);
    const timeoutError = error as CommandTimeoutError;
    expect(timeoutError).toMatchObject({ stdout: 'started\n', stderr: 'warming\n', timeout: 1.5 });
    expect(timeoutError.message).toContain('Timeout exception during execution of command: echo started; echo warming >&2; sleep 4; echo never');
    expect(timeoutError.message).toContain('Current contents of stdout buffer: started\n');
    expect(timeoutError.message).toContain('Current contents of stderr buffer: warming\n');
    // The connection is still good afterwards.
    expect((await execCmd(root, 'echo after')).stdout).toBe('after\n');
  });

  test('on timeout sshd kills the command (honoured for non-root accounts; OpenSSH refuses signals to root sessions)', async () => {
    const marker = `sleep 61.${process.pid}`;
    await expect(execCmd(user, `${marker}; echo never`, { timeout: 1 })).rejects.toThrow(CommandTimeoutError);
    let left = '';
    for (let attempt = 0; attempt < 20; attempt += 1) {
      left = (await execCmd(root, `ps -eo args | grep -F '${marker}' | grep -v grep || true`)).stdout;
      if (left === '') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(left).toBe('');
  });

  test('10 MiB of output arrives complete', async () => {
    const result = await execCmd(root, 'head -c 10485760 /dev/zero | tr "\\0" x; echo; echo tail >&2');
    expect(result.rc).toBe(0);
    expect(result.stdout.length).toBe(10 * 1024 * 1024 + 1);
    expect(result.stdout.startsWith('xxxx')).toBe(true);
    expect(/^x+\n$/.test(result.stdout)).toBe(true);
    expect(result.stderr).toBe('tail\n');
  });

  // As the test user: bash sources ~/.bashrc for sshd's commands, and a heavy root .bashrc (pyenv on the
  // dev machine) would turn this into a benchmark of that file.
  test('50 concurrent commands share one connection, never more than MaxSessions channels at once', async () => {
    const transport = transportFor(user) as SshTransport;
    await execCmd(user, 'true');
    const connectionsBefore = transport.connectionsMade;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => execCmd(user, `sleep 0.05; echo ${index}`)),
    );
    expect(results.map((result) => result.stdout)).toEqual(Array.from({ length: 50 }, (_, index) => `${index}\n`));
    expect(results.every((result) => result.rc === 0)).toBe(true);
    expect(transport.connectionsMade).toBe(connectionsBefore);
    expect(transport.channelLimit).toBe(10);
    expect(transport.peakChannels).toBe(10);
  });

  test('quick commands never lose their exit status (it can arrive in the same packet batch as the open)', async () => {
    const results: Array<number | null> = [];
    for (let run = 0; run < 150; run += 1) results.push((await execCmd(user, 'true')).rc);
    expect(results.filter((rc) => rc !== 0)).toEqual([]);
  });

  test('an exit signal is reported with rc null', async () => {
    const result = await execCmd(root, 'kill -TERM $$');
    expect(result.rc).toBeNull();
    expect(result.exitSignal).toBe('SIGTERM');
    const error = await execCmdNoError(root, 'kill -KILL $$').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect(error).toMatchObject({ rc: null, exitSignal: 'SIGKILL' });
  });

  test('execCmdNoError: CSIT message with stderr, or the caller message verbatim', async () => {
    await expect(execCmdNoError(root, 'ls /nonexistent-dir')).rejects.toThrow(/^Command execution failed: "ls \/nonexistent-dir"\nls: cannot access '\/nonexistent-dir': No such file or directory\n$/);
    await expect(execCmdNoError(root, 'false', { message: 'QEMU: Cannot start' })).rejects.toThrow(/^QEMU: Cannot start$/);
    expect((await execCmdNoError(root, 'echo ok')).stdout).toBe('ok\n');
  });

  test('writeFile streams content through stdin: quotes, $ and backticks land verbatim, mode applied', async () => {
    const dir = (await execCmdNoError(root, 'mktemp -d')).stdout.trim();
    try {
      const content = "it's $HOME `id` $(reboot) \"q\" \\n é\n".repeat(1000);
      const path = `${dir}/a file; with 'quotes'`;
      await writeFile(root, path, content, { mode: '640' });
      expect((await execCmd(root, `cat "${dir}"/a*`)).stdout).toBe(content);
      expect((await execCmd(root, `stat -c %a "${dir}"/a*`)).stdout).toBe('640\n');

      // The unprivileged user writes a root-owned location only with sudo.
      await execCmdNoError(root, `chmod 755 ${dir}`);
      await expect(writeFile(user, `${dir}/root-only`, 'x')).rejects.toThrow(/Cannot write .*root-only on .*Permission denied/);
      await writeFile(user, `${dir}/root-only`, 'elevated\n', { sudo: true, mode: '600' });
      expect((await execCmd(root, `stat -c '%U %a' ${dir}/root-only; cat ${dir}/root-only`)).stdout).toBe('root 600\nelevated\n');
    } finally {
      await execCmd(root, `rm -rf ${dir}`);
    }
  });
});
