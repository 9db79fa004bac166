import { mapInterfaceNamesByMac, type VmInterfaceEntry } from '../../../src/qemu/monitor/interfaces';

describe('mapInterfaceNamesByMac', () => {
  const vmInterfaces = {
    vhost1: { mac_address: '52:54:00:00:04:01', socket: '/run/vpp/sock-1-1' },
    vhost2: { mac_address: '52:54:00:00:04:02', socket: '/run/vpp/sock-1-2', name: 'old' },
    vhost3: { mac_address: '52:54:00:00:04:03', socket: '/run/vpp/sock-1-3' },
  };

  it('names each VM interface after the guest interface with its MAC, keeping the other keys', () => {
    const result = mapInterfaceNamesByMac(vmInterfaces, [
      { name: 'lo', hardwareAddress: '00:00:00:00:00:00' },
      { name: 'eth1', hardwareAddress: '52:54:00:00:04:02' },
      { name: 'eth0', hardwareAddress: '52:54:00:00:04:01' },
      { name: 'sit0' },
    ]);
    expect(result.interfaces).toEqual({
      vhost1: { mac_address: '52:54:00:00:04:01', socket: '/run/vpp/sock-1-1', name: 'eth0' },
      vhost2: { mac_address: '52:54:00:00:04:02', socket: '/run/vpp/sock-1-2', name: 'eth1' },
      vhost3: { mac_address: '52:54:00:00:04:03', socket: '/run/vpp/sock-1-3' },
    });
    expect(result.unmatched).toEqual(['vhost3']);
  });

  it('does not modify its input', () => {
    const input = { vhost1: { mac_address: '52:54:00:00:04:01' } };
    mapInterfaceNamesByMac(input, [{ name: 'eth0', hardwareAddress: '52:54:00:00:04:01' }]);
    expect(input).toEqual({ vhost1: { mac_address: '52:54:00:00:04:01' } });
  });

  it('matches MACs regardless of case, and takes the last name for a MAC listed twice (as the original dict did)', () => {
    const input: Record<string, VmInterfaceEntry> = { vhost1: { mac_address: '52:54:00:AB:CD:EF' } };
    const result = mapInterfaceNamesByMac(input, [
      { name: 'eth0', hardwareAddress: '52:54:00:ab:cd:ef' },
      { name: 'br0', hardwareAddress: '52:54:00:ab:cd:ef' },
    ]);
    expect(result.interfaces.vhost1.name).toBe('br0');
    expect(result.unmatched).toEqual([]);
  });

  it('leaves entries without a MAC, or facing an empty guest list, unmatched', () => {
    const result = mapInterfaceNamesByMac({ a: {}, b: { mac_address: '52:54:00:00:00:01' } }, []);
    expect(result.unmatched).toEqual(['a', 'b']);
    expect(result.interfaces).toEqual({ a: {}, b: { mac_address: '52:54:00:00:00:01' } });
  });
});
