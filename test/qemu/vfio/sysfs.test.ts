/**
 * The vfio-pci check on real sysfs: this host's own /sys (no IOMMU here, so every real device is refused,
 * each for what it really is), and, for the group cases this host cannot show, a sysfs tree of links in a
 * temporary directory laid out as the kernel's. Run through a local node: the real command, the real shell.
 */
import { readdirSync, readlinkSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseNode } from '../../../src/node';
import { checkVfioDevices } from '../../../src/qemu/vfio';
import { RecordingLog } from '../../support/recording-log';

const local = parseNode({ host: 'localhost', transport: 'local' });
const call = () => ({ log: new RecordingLog() });

/** This host's PCI functions with their driver (null when unbound) and IOMMU group link, from /sys itself. */
function realDevices(): { pci: string; driver: string | null; group: boolean }[] {
  const root = '/sys/bus/pci/devices';
  return readdirSync(root).map((pci) => ({
    pci,
    driver: existsSync(join(root, pci, 'driver')) ? basename(readlinkSync(join(root, pci, 'driver'))) : null,
    group: existsSync(join(root, pci, 'iommu_group')),
  }));
}

describe('vfio-pci check on this host\'s /sys', () => {
  const devices = realDevices();

  it('this host has PCI functions (the test needs one bound to a driver and one without an IOMMU group)', () => {
    expect(devices.length).toBeGreaterThan(0);
  });

  it('a bound device is refused for its driver (and its missing IOMMU group), named', async () => {
    const bound = devices.find((device) => device.driver !== null && device.driver !== 'vfio-pci');
    if (bound === undefined) throw new Error(`no PCI function bound to a driver other than vfio-pci on this host: ${JSON.stringify(devices)}`);
    const refusal = checkVfioDevices(local, [bound.pci], call());
    await expect(refusal).rejects.toThrow(`${bound.pci} is bound to ${String(bound.driver)}, not vfio-pci`);
    if (!bound.group) await expect(checkVfioDevices(local, [bound.pci], call())).rejects.toThrow(`${bound.pci} has no IOMMU group`);
  });

  it('an address that is not on the host is refused as absent, beside a real one, in one message', async () => {
    const absent = '0000:ff:1f.7';
    expect(devices.some((device) => device.pci === absent)).toBe(false);
    await expect(checkVfioDevices(local, [absent, devices[0].pci], call())).rejects.toThrow(
      new RegExp(`^QEMU: vfio-pci passthrough not possible on localhost: ${absent} does not exist on localhost .*; ${devices[0].pci} `),
    );
  });
});

describe('vfio-pci check on a sysfs tree laid out as the kernel\'s', () => {
  let root: string;

  /** `pci` in group `group`, bound to `driver` (none: unbound); links as the kernel makes them. */
  function device(pci: string, driver: string | null, group: string | null): void {
    const path = join(root, 'devices', 'pci0000:00', pci);
    mkdirSync(path, { recursive: true });
    mkdirSync(join(root, 'bus', 'pci', 'devices'), { recursive: true });
    symlinkSync(`../../../devices/pci0000:00/${pci}`, join(root, 'bus', 'pci', 'devices', pci));
    if (driver !== null) {
      mkdirSync(join(root, 'bus', 'pci', 'drivers', driver), { recursive: true });
      symlinkSync(`../../../bus/pci/drivers/${driver}`, join(path, 'driver'));
    }
    if (group !== null) {
      const members = join(root, 'kernel', 'iommu_groups', group, 'devices');
      mkdirSync(members, { recursive: true });
      symlinkSync(`../../../../devices/pci0000:00/${pci}`, join(members, pci));
      symlinkSync(`../../../kernel/iommu_groups/${group}`, join(path, 'iommu_group'));
    }
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'qur-sysfs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('passes devices on vfio-pci whose groups hold only vfio-pci or unbound members', async () => {
    device('0000:86:00.0', 'vfio-pci', '40');
    device('0000:86:00.1', 'vfio-pci', '41');
    device('0000:86:00.2', null, '41');
    const states = await checkVfioDevices(local, ['0000:86:00.0', '0000:86:00.1'], call(), root);
    expect(states.map((state) => [state.pci, state.driver, state.group, state.members.map((member) => `${member.pci}=${member.driver ?? '-'}`)])).toEqual([
      ['0000:86:00.0', 'vfio-pci', '40', ['0000:86:00.0=vfio-pci']],
      ['0000:86:00.1', 'vfio-pci', '41', ['0000:86:00.1=vfio-pci', '0000:86:00.2=-']],
    ]);
  });

  it('refuses a group shared with a function still on its NIC driver, naming both', async () => {
    device('0000:86:00.0', 'vfio-pci', '40');
    device('0000:86:00.1', 'ixgbe', '40');
    await expect(checkVfioDevices(local, ['0000:86:00.0'], call(), root)).rejects.toThrow(
      'IOMMU group 40 of 0000:86:00.0 is not viable: 0000:86:00.1 is bound to ixgbe (every member of the group must be bound to vfio-pci or to no driver)',
    );
  });

  it('refuses an unbound function and one without a group', async () => {
    device('0000:86:00.0', null, '40');
    device('0000:86:00.1', 'vfio-pci', null);
    await expect(checkVfioDevices(local, ['0000:86:00.0', '0000:86:00.1'], call(), root)).rejects.toThrow(
      /0000:86:00\.0 is bound to no driver, not vfio-pci .*; 0000:86:00\.1 has no IOMMU group/,
    );
  });
});
