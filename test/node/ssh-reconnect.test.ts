/**
 * sshd dying under a live connection. Uses its own sshd instance (`sshd-restart`, port 2223 or
 * QUR_SSHD_RESTART_PORT) so the other SSH test files are not disturbed.
 */
import { ConnectionLostError, NodeConnectionError } from '../../src/node/errors';
import { closeAllTransports, execCmd, transportFor } from '../../src/node/exec';
import { parseNode } from '../../src/node/node';
import type { SshTransport } from '../../src/node/ssh';
import type { Node } from '../../src/node/types';
import { captureNodeLog, describeSsh, rootKeyNodeDict, sshdEnv, startSshdInstance, stopSshdInstance } from '../support/sshd';

const INSTANCE = 'sshd-restart';
const PORT = Number(process.env.QUR_SSHD_RESTART_PORT ?? 2223);

describeSsh('ssh reconnect after sshd was killed (real sshd, own instance)', () => {
  let node: Node;
  let log: ReturnType<typeof captureNodeLog>;

  beforeAll(() => {
    log = captureNodeLog();
    sshdEnv(); // the main instance must be set up: this one reuses its packages and test user
    node = parseNode(rootKeyNodeDict(startSshdInstance(INSTANCE, PORT)));
  });

  afterAll(async () => {
    await closeAllTransports();
    stopSshdInstance(INSTANCE, PORT);
    log.restore();
  });

  test('killed mid-command: a clear error, nothing re-run; refused while down; the next command reconnects', async () => {
    const transport = transportFor(node) as SshTransport;
    expect((await execCmd(node, 'echo before')).stdout).toBe('before\n');
    expect(transport.connectionsMade).toBe(1);

    const running = execCmd(node, 'echo started; sleep 30; echo finished');
    const outcome = running.catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 700));
    stopSshdInstance(INSTANCE, PORT);

    const error = await outcome;
    expect(error).toBeInstanceOf(ConnectionLostError);
    const lost = error as ConnectionLostError;
    expect(lost.message).toMatch(new RegExp(`^Connection to root@127\\.0\\.0\\.1:${PORT} was lost while running command: echo started; sleep 30; echo finished\\n`));
    expect(lost.message).toContain('it was not re-run');
    expect(lost.stdout).toBe('started\n');

    const down = await execCmd(node, 'true').catch((e: unknown) => e);
    expect(down).toBeInstanceOf(NodeConnectionError);
    expect((down as NodeConnectionError).failure).toBe('refused');

    startSshdInstance(INSTANCE, PORT);
    expect((await execCmd(node, 'echo back')).stdout).toBe('back\n');
    expect(transport.connectionsMade).toBe(2);
  });

  test('a connection that died while idle is replaced transparently', async () => {
    const transport = transportFor(node) as SshTransport;
    await execCmd(node, 'true');
    const before = transport.connectionsMade;
    stopSshdInstance(INSTANCE, PORT);
    startSshdInstance(INSTANCE, PORT);
    expect((await execCmd(node, 'echo again')).stdout).toBe('again\n');
    expect(log.lines.some((line) => line.startsWith(`Reconnecting to root@127.0.0.1:${PORT}`) || line.includes('closed'))).toBe(true);
    expect(transport.connectionsMade).toBe(before + 1);
  });
});
