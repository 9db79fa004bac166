import { CommandFailedError, ConnectionLostError, NodeConnectionError, UnixSocketError } from '../../src/node';
import { SILENT_LOG } from '../../src/qemu/call';
import { onNodeStep, withStep } from '../../src/qemu/node-step';

const NODE = { username: 'testuser', host: '10.0.0.1', port: 22 };

describe('withStep / onNodeStep: node failures name the keyword, the node and the step', () => {
  it('keeps the class, the fields and the original (as cause); the connect text does not name the node twice', () => {
    const original = new NodeConnectionError(NODE, 'refused', 'connect ECONNREFUSED 10.0.0.1:22');
    const named = withStep(original, NODE, 'checking huge pages', 'Qemu Start') as NodeConnectionError;
    expect(named).toBeInstanceOf(NodeConnectionError);
    expect(named.name).toBe('NodeConnectionError');
    expect(named.message).toBe(
      'Qemu Start on node testuser@10.0.0.1:22 failed while checking huge pages: cannot connect: connection refused ' +
        '(is sshd running and listening on that port?) [connect ECONNREFUSED 10.0.0.1:22]',
    );
    expect([named.failure, named.host, named.port, named.detail]).toEqual(['refused', '10.0.0.1', 22, 'connect ECONNREFUSED 10.0.0.1:22']);
    expect(named.cause).toBe(original);
    expect(named.stack?.split('\n')[0]).toBe(`NodeConnectionError: ${named.message}`);
    expect(String(named)).toBe(`NodeConnectionError: ${named.message}`);
  });

  it('leaves a shared error as it was: two calls that waited for one failed connect each name their own step', async () => {
    const shared = new NodeConnectionError(NODE, 'timeout', 'Timed out while waiting for handshake');
    const text = shared.message;
    const failing = Promise.reject(shared);
    failing.catch(() => undefined);
    const [start, version] = await Promise.allSettled([
      onNodeStep({ log: SILENT_LOG, keyword: 'Qemu Start' }, NODE, 'checking huge pages', () => failing),
      onNodeStep({ log: SILENT_LOG, keyword: 'Qemu Version' }, NODE, 'asking for the QEMU version', () => failing),
    ]);
    expect(shared.message).toBe(text);
    expect(start).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/^Qemu Start on node testuser@10\.0\.0\.1:22 failed while checking huge pages: cannot connect: timed out/) } });
    expect(version).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/^Qemu Version on node .* failed while asking for the QEMU version: cannot connect: timed out/) } });
  });

  it('the innermost step wins; lost connections and sockets are named too; failed commands keep the original wording', async () => {
    const lost = new ConnectionLostError(NODE, 'sudo -S cat /var/run/qemu_1.pid', { stdout: '', stderr: '' }, 'socket closed');
    const inner = onNodeStep({ log: SILENT_LOG }, NODE, 'reading /var/run/qemu_1.pid', () => Promise.reject(lost));
    const outer = await onNodeStep({ log: SILENT_LOG, keyword: 'Qemu Kill' }, NODE, 'killing VM 1', () => inner).catch((error: unknown) => error as ConnectionLostError);
    expect(outer).toBeInstanceOf(ConnectionLostError);
    expect(outer.message).toMatch(/^QemuUtils on node testuser@10\.0\.0\.1:22 failed while reading \/var\/run\/qemu_1\.pid: Connection to testuser@10\.0\.0\.1:22 was lost/);
    expect(outer.command).toBe('sudo -S cat /var/run/qemu_1.pid');

    const socket = withStep(new UnixSocketError('/var/run/qmp_1.sock', 'testuser@10.0.0.1:22', 'refused'), NODE, 'connecting to QMP', 'Qemu Qmp Exec') as Error;
    expect(socket.message).toBe('Qemu Qmp Exec on node testuser@10.0.0.1:22 failed while connecting to QMP: Cannot connect to unix socket /var/run/qmp_1.sock on testuser@10.0.0.1:22: refused');

    const failed = new CommandFailedError('taskset -pc 2 1234', { rc: 1, stdout: '', stderr: 'no such pid' }, 'QEMU: Set affinity failed on 10.0.0.1!');
    expect(withStep(failed, NODE, 'pinning', 'Qemu Set Affinity')).toBe(failed);
    const plain = new Error('not a node failure');
    expect(withStep(plain, NODE, 'pinning', 'Qemu Set Affinity')).toBe(plain);
  });
});
