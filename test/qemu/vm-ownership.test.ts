/** The VM ownership registry, node identity and how a found VM's origin is told from what the node shows. */
import { parseNode } from '../../src/node';
import { QemuUtils } from '../../src/qemu/qemu-utils';
import { leftoverOrigin, nodeKey, ownerMarker, VmOwnedError, VmOwnership } from '../../src/qemu/vm-ownership';

const node = (host: string, extra: Record<string, unknown> = {}) => parseNode({ host, port: 22, username: 'u', password: 'p', type: 'DUT', ...extra });

describe('nodeKey', () => {
  it('spells one machine one way: case, trailing dot, IPv6 brackets, loopback names; the account does not matter', () => {
    expect(nodeKey(node('DUT1.Example.org.'))).toBe(nodeKey(node('dut1.example.org')));
    expect(nodeKey(node('localhost'))).toBe(nodeKey(node('127.0.0.1')));
    expect(nodeKey(node('[::1]'))).toBe(nodeKey(node('127.0.0.1')));
    expect(nodeKey(node('dut1', { username: 'other' }))).toBe(nodeKey(node('dut1')));
  });

  it('tells ports, dry-run nodes and other hosts apart', () => {
    expect(nodeKey(node('dut1', { port: 2222 }))).not.toBe(nodeKey(node('dut1')));
    expect(nodeKey(node('dut1', { transport: 'dry-run' }))).not.toBe(nodeKey(node('dut1')));
    expect(nodeKey(node('dut2'))).not.toBe(nodeKey(node('dut1')));
  });
});

describe('VmOwnership', () => {
  it('a second session claiming the same VM fails naming the holder; the holder may claim again; release frees it', () => {
    const registry = new VmOwnership();
    registry.claim(node('dut1'), 1, '/worker0');
    registry.claim(node('DUT1'), 1, '/worker0');
    let refused: unknown;
    try {
      registry.claim(node('dut1.'), 1, '/worker1');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(VmOwnedError);
    expect((refused as VmOwnedError).holder).toBe('/worker0');
    expect((refused as Error).message).toMatch(/^QEMU: VM 1 on u@dut1\.:22 belongs to session \/worker0 of this server, which is still open; use another qemu_id/);
    registry.claim(node('dut1'), 2, '/worker1');
    registry.release(node('dut1'), 1, '/worker1');
    expect(registry.holderOf(node('dut1'), 1)).toBe('/worker0');
    registry.releaseHolder('/worker0');
    expect(registry.holderOf(node('dut1'), 1)).toBeUndefined();
    registry.claim(node('dut1'), 1, '/worker1');
    expect(registry.describe()).toEqual(['VM 2 on u@dut1:22: /worker1', 'VM 1 on u@dut1:22: /worker1']);
  });

  it('QemuUtils claims its VM when made with an owner, and not without one', () => {
    const registry = new VmOwnership();
    const dict = { host: 'own-dut', port: 22, username: 'u', type: 'DUT', transport: 'dry-run' };
    new QemuUtils(dict, { qemuId: 3 }, undefined, undefined, { registry, holder: '/a' });
    expect(registry.holderOf(parseNode(dict), 3)).toBe('/a');
    expect(() => new QemuUtils(dict, { qemuId: 3 }, undefined, undefined, { registry, holder: '/b' })).toThrow(/belongs to session \/a/);
    expect(() => new QemuUtils(dict, { qemuId: 3 })).not.toThrow();
  });
});

describe('leftoverOrigin', () => {
  const self = { host: 'srv', pid: 100 };
  const marked = (text: string, times: [number, number] = [1000, 999]) => ({ pid: 7, marker: text, pidfileTime: times[0], markerTime: times[1] });
  const alive = (pid: number) => pid === 200;

  it('no marker, or one older than the pid file by more than a start takes: another process, with its command', () => {
    expect(leftoverOrigin({ pid: 7, command: 'qemu-system-x86_64 -pidfile /var/run/qemu_1.pid' }, self, alive)).toEqual({
      origin: 'other-process',
      summary: 'a VM of another process',
      detail: 'not started by a qemu-utils-remote server (no owner marker for pid 7); its command: qemu-system-x86_64 -pidfile /var/run/qemu_1.pid',
    });
    expect(leftoverOrigin(marked('qemu-utils-remote host=srv pid=300 session=/x', [5000, 999]), self, alive).origin).toBe('other-process');
    expect(leftoverOrigin(marked('something else'), self, alive).origin).toBe('other-process');
  });

  it('a marker of this host: this run, a previous run (server gone) or another server (alive); another host: another server', () => {
    expect(leftoverOrigin(marked('qemu-utils-remote host=srv pid=100 session=/x'), self, alive)).toMatchObject({ origin: 'this-run', summary: 'a VM this server started earlier' });
    expect(leftoverOrigin(marked('qemu-utils-remote host=srv pid=300 session=/x'), self, alive)).toEqual({
      origin: 'previous-run',
      summary: 'a VM left by a previous server run',
      detail: 'started by server pid 300 on srv for session /x; that server has ended',
    });
    expect(leftoverOrigin(marked('qemu-utils-remote host=srv pid=200 session=/y'), self, alive)).toMatchObject({ origin: 'other-server', detail: expect.stringMatching(/that server still runs$/) });
    expect(leftoverOrigin(marked('qemu-utils-remote host=elsewhere pid=100 session=/y'), self, alive).origin).toBe('other-server');
  });

  it('the marker a server writes reads back as its own', () => {
    const registry = new VmOwnership();
    const text = ownerMarker({ registry, holder: '/w1' }, self);
    expect(text).toBe('qemu-utils-remote host=srv pid=100 session=/w1');
    expect(leftoverOrigin(marked(text), self, alive).origin).toBe('this-run');
  });
});
