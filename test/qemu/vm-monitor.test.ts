/**
 * VmMonitor against a real, paused, cheap QEMU: the node is a dry-run node whose QMP socket is relayed to
 * that QEMU's, so the relay can be cut as a broken SSH channel would be. One held connection serves every
 * command; events reach the server log at once, the Robot log once, and `Wait For Qemu Event`.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { dryRunTransport, type Node } from '../../src/node';
import { QemuConfigError, QemuStateError } from '../../src/qemu/errors';
import { vmIdentity, type VmIdentity } from '../../src/qemu/vm-identity';
import { SET_LINK_EVENT, VmMonitor, type ServerEventLog } from '../../src/qemu/vm-monitor';
import { dryRunNode, records } from '../support/dry-run-node';
import { connectUnixPath, killChild, makeTempDir, QEMU, removeDir, requireBinary, spawnUntilSocket } from '../support/monitor';
import { RecordingLog } from '../support/recording-log';

class ServerLog implements ServerEventLog {
  readonly lines: string[] = [];
  info(message: string): void { this.lines.push(`info ${message}`); }
  warn(message: string): void { this.lines.push(`warn ${message}`); }
  debug(message: string): void { this.lines.push(`debug ${message}`); }
}

let dir: string | undefined;
let qemu: ChildProcess | undefined;
let monitor: VmMonitor | undefined;

beforeAll(() => {
  requireBinary(QEMU, 'apt-get install -y qemu-system-x86');
});

afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
  await killChild(qemu);
  qemu = undefined;
  removeDir(dir);
  dir = undefined;
});

interface Bed {
  node: Node;
  identity: VmIdentity;
  serverLog: ServerLog;
  /** The relays opened so far, newest last; destroying one is a transport that broke. */
  relays: Duplex[];
}

/** A paused QEMU with one user-mode NIC whose netdev is called `vhost1`, as the VM dict's first NIC. */
async function start(): Promise<Bed> {
  dir = makeTempDir('vm-monitor-');
  const qmpPath = join(dir, 'qmp.sock');
  const args = ['-S', '-machine', 'pc,accel=tcg', '-nodefaults', '-display', 'none', '-m', '64',
    '-netdev', 'user,id=vhost1', '-device', 'virtio-net-pci,netdev=vhost1', '-qmp', `unix:${qmpPath},server=on,wait=off`];
  qemu = (await spawnUntilSocket(QEMU, args, qmpPath)).child;
  const node = dryRunNode();
  const identity = vmIdentity(node, { qemuId: 80, vmType: 'kernelvm' });
  identity.vmInfo.interfaces.vhost1 = { mac_address: '52:54:00:00:50:01', socket: '/tmp/qur-qmp-80-1.sock' };
  const relays: Duplex[] = [];
  dryRunTransport(node).setUnixSocketPeer(identity.layout.qmp, (peer) => {
    relays.push(peer);
    connectUnixPath(qmpPath).then((socket) => {
      peer.pipe(socket).pipe(peer);
      peer.on('close', () => socket.destroy());
      socket.on('close', () => peer.destroy());
      // QEMU quitting may reset the relay's connection: that is the monitor closing, not a test failure.
      socket.on('error', () => peer.destroy());
    }, () => peer.destroy());
  });
  const serverLog = new ServerLog();
  monitor = new VmMonitor(identity, serverLog, () => true);
  return { node, identity, serverLog, relays };
}

function connects(node: Node): number {
  return records(node).filter((record) => record.kind === 'connectUnixSocket').length;
}

const call = (log = new RecordingLog()): { log: RecordingLog } => ({ log });

describe('VmMonitor', () => {
  it('holds one connection for every command, logs events to the server at once and to the Robot log once', async () => {
    const bed = await start();
    const vm = monitor as VmMonitor;
    await vm.open(call());
    await vm.withClient(call(), (client) => client.execute('cont'));
    await vm.withClient(call(), (client) => client.execute('stop'));
    const status = await vm.withClient(call(), (client) => client.queryStatus());
    expect(status).toEqual({ status: 'paused', running: false });
    expect(connects(bed.node)).toBe(1);

    // The STOP came before its reply: it is in the buffer, and in the server log, by the time stop returned.
    expect(bed.serverLog.lines.filter((line) => line.startsWith('info QMP event'))).toEqual([
      expect.stringMatching(/^info QMP event of VM 80 on testuser@dut-\S+:22: RESUME \{\} at \d{4}-/),
      expect.stringMatching(/^info QMP event of VM 80 on testuser@dut-\S+:22: STOP \{\} at \d{4}-/),
    ]);
    const robot = new RecordingLog();
    vm.report(robot);
    expect(robot.lines).toEqual([expect.stringMatching(/^INFO QMP event of VM 80 .*: RESUME \{\}/), expect.stringMatching(/^INFO QMP event of VM 80 .*: STOP \{\}/)]);
    const again = new RecordingLog();
    vm.report(again);
    expect(again.lines).toEqual([]);
  });

  it('Wait For Qemu Event takes an event that came before the call, each only once, and fails naming what came', async () => {
    await start();
    const vm = monitor as VmMonitor;
    await vm.open(call());
    await vm.withClient(call(), (client) => client.execute('cont'));
    await vm.withClient(call(), (client) => client.execute('stop'));
    const resumed = await vm.waitForEvent('resume', undefined, 30, call());
    expect(resumed).toMatchObject({ event: 'RESUME', data: {}, source: 'qemu', timestamp: { seconds: expect.any(Number) } });
    const stopped = await vm.waitForEvent('STOP', {}, 30, call());
    expect(stopped.event).toBe('STOP');
    // The STOP was returned by the previous wait: a second wait needs a new one.
    await expect(vm.waitForEvent('STOP', undefined, 0.2, call())).rejects.toThrow(
      /^Wait For Qemu Event: no STOP event from VM 80 on testuser@dut-\S+:22 within 0\.2 s; events since the previous wait: none\.$/,
    );
    const waiting = vm.waitForEvent('SHUTDOWN', { guest: 'False', reason: 'host-qmp-quit' }, 30, call());
    await vm.withClient(call(), (client) => client.execute('cont'));
    await vm.withClient(call(), (client) => client.quit());
    expect(await waiting).toMatchObject({ event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } });
    await expect(vm.waitForEvent('GUEST_PANICKED', { action: 'pause' }, 0.2, call())).rejects.toThrow(
      /no GUEST_PANICKED event with data \{"action":"pause"\} from VM 80 .* (within 0\.2 s|and its VM is not running \(Qemu Start it first, or it has ended\)); events since the previous wait: none\. The monitor is not connected now/,
    );
  });

  it('a failed wait lists the events it saw, and the next wait starts after them', async () => {
    await start();
    const vm = monitor as VmMonitor;
    await vm.open(call());
    await vm.withClient(call(), (client) => client.execute('cont'));
    await expect(vm.waitForEvent('STOP', undefined, 0.2, call())).rejects.toThrow(/within 0\.2 s; events since the previous wait: RESUME \{\} at \d{4}-\S+\.$/);
    await expect(vm.waitForEvent('RESUME', undefined, 0.2, call())).rejects.toThrow(/events since the previous wait: none\./);
    await expect(vm.waitForEvent('no such', undefined, 1, call())).rejects.toThrow(QemuConfigError);
  });

  it('reconnects when the transport breaks, and reads the events that come after', async () => {
    const bed = await start();
    const vm = monitor as VmMonitor;
    await vm.open(call());
    bed.relays[0].destroy();
    while (connects(bed.node) < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    // The second connection is the held one as soon as its handshake is done.
    while (!bed.serverLog.lines.some((line) => line.includes('reconnected'))) await new Promise((resolve) => setTimeout(resolve, 50));
    await vm.withClient(call(), (client) => client.execute('cont'));
    expect((await vm.waitForEvent('RESUME', undefined, 30, call())).event).toBe('RESUME');
    expect(connects(bed.node)).toBe(2);
    expect(bed.serverLog.lines).toContainEqual(expect.stringMatching(/^info QMP of VM 80 .* reconnected; events in between were not seen$/));
  });

  it('does not reconnect once the VM is no longer running (killed behind its back)', async () => {
    const bed = await start();
    let runs = true;
    const vm = new VmMonitor(bed.identity, bed.serverLog, () => true, () => runs);
    try {
      await vm.open(call());
      runs = false;
      bed.relays[0].destroy();
      while (!bed.serverLog.lines.some((line) => line.includes('closed;'))) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(bed.serverLog.lines).toContainEqual(expect.stringMatching(/^debug QMP connection of VM 80 .* closed; the VM is not running, so no reconnect$/));
      expect(connects(bed.node)).toBe(1);
    } finally {
      await vm.close();
    }
  });

  it('Qemu Set Link runs set_link on the NIC the VM dict names and logs its own event; an unknown NIC is named', async () => {
    const bed = await start();
    const vm = monitor as VmMonitor;
    await vm.open(call());
    expect(await vm.setLink('1', false, call())).toBe('vhost1');
    expect(await vm.setLink('vhost1', true, call())).toBe('vhost1');
    const down = await vm.waitForEvent(SET_LINK_EVENT, { interface: 'vhost1', up: false }, 30, call());
    expect(down).toEqual({ event: SET_LINK_EVENT, data: { interface: 'vhost1', netdev: 'vhost1', up: false }, source: 'qemu-utils' });
    const robot = new RecordingLog();
    vm.report(robot);
    expect(robot.lines).toEqual([
      expect.stringMatching(/QEMU_UTILS_SET_LINK \{"interface":"vhost1","netdev":"vhost1","up":false\} \(logged by QemuUtils, not by QEMU\)$/),
      expect.stringMatching(/QEMU_UTILS_SET_LINK \{"interface":"vhost1","netdev":"vhost1","up":true\} \(logged by QemuUtils, not by QEMU\)$/),
    ]);
    await expect(vm.setLink('vhost2', false, call())).rejects.toThrow(/^Qemu Set Link: VM 80 on \S+ has no vhost-user NIC "vhost2"; its NICs: vhost1$/);
    expect(bed.serverLog.lines.filter((line) => line.includes(SET_LINK_EVENT))).toHaveLength(2);
  });

  it('without a QMP socket on the command line nothing is opened and a wait says why', async () => {
    const node = dryRunNode();
    const identity = vmIdentity(node, { qemuId: 81, vmType: 'kernelvm' }, 'head');
    const vm = new VmMonitor(identity, new ServerLog(), () => false);
    await vm.open(call());
    expect(connects(node)).toBe(0);
    await expect(vm.waitForEvent('STOP', undefined, 1, call())).rejects.toThrow(QemuStateError);
    await expect(vm.waitForEvent('STOP', undefined, 1, call())).rejects.toThrow(/has no QMP monitor on its command line \(CSIT HEAD's kernelvm adds none\)/);
  });
});
