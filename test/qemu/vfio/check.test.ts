/** The vfio-pci check's pure parts: the node command's output parsed, and every refusal worded. */
import { QemuConfigError } from '../../../src/qemu';
import { parseVfioCheck, requireVfioUsable, sysfsPciAddress, vfioCheckCommand, vfioProblems } from '../../../src/qemu/vfio';

const A = '0000:86:00.0';
const B = '0000:86:00.1';

describe('vfio-pci check: command and parser', () => {
  it('one command for every device, each address quoted, the sysfs root given', () => {
    const command = vfioCheckCommand([A, '0000:AF:00.1'], '/tmp/fake sys/');
    expect(command.startsWith(`for d in ${A} 0000:af:00.1; do p='/tmp/fake sys/bus/pci/devices'/"$d"; `)).toBe(true);
    expect(() => vfioCheckCommand(["0000:86:00.0'; reboot; '"])).toThrow(QemuConfigError);
    expect(() => sysfsPciAddress('86:00.0')).toThrow(/not a PCI address like 0000:86:00.1/);
  });

  it('parses absent, unbound, bound, group and members; a device with no line at all fails', () => {
    const output = [
      `absent ${A}`,
      `driver ${B} vfio-pci`,
      `group ${B} 12`,
      `member ${B} ${B} vfio-pci`,
      `member ${B} 0000:86:00.2 `,
      '',
    ].join('\n');
    expect(parseVfioCheck(output, [A, B])).toEqual([
      { pci: A, present: false, driver: null, group: null, members: [] },
      { pci: B, present: true, driver: 'vfio-pci', group: '12', members: [{ pci: B, driver: 'vfio-pci' }, { pci: '0000:86:00.2', driver: null }] },
    ]);
    expect(() => parseVfioCheck(`absent ${A}\n`, [A, B])).toThrow(`printed nothing for ${B}`);
  });
});

describe('vfio-pci check: refusals', () => {
  const usable = { pci: B, present: true, driver: 'vfio-pci', group: '12', members: [{ pci: B, driver: 'vfio-pci' }, { pci: '0000:86:00.2', driver: null }] };

  it('a viable device passes: bound to vfio-pci, the other members on vfio-pci or on no driver', () => {
    expect(vfioProblems(usable, 'dut1')).toEqual([]);
    expect(() => requireVfioUsable([usable], 'dut1')).not.toThrow();
  });

  it('absent, wrong driver, no driver, no group, a group member on another driver: each named with its device', () => {
    expect(vfioProblems({ pci: A, present: false, driver: null, group: null, members: [] }, 'dut1')).toEqual([
      `${A} does not exist on dut1 (no /sys/bus/pci/devices/${A}; lspci -D lists the host's PCI functions)`,
    ]);
    expect(vfioProblems({ ...usable, driver: 'i40e' }, 'dut1')).toEqual([
      `${B} is bound to i40e, not vfio-pci (bind it: echo vfio-pci > /sys/bus/pci/devices/${B}/driver_override; echo ${B} > /sys/bus/pci/devices/${B}/driver/unbind; echo ${B} > /sys/bus/pci/drivers_probe)`,
    ]);
    expect(vfioProblems({ ...usable, driver: null }, 'dut1')[0]).toMatch(new RegExp(`^${B} is bound to no driver, not vfio-pci`));
    expect(vfioProblems({ ...usable, group: null, members: [] }, 'dut1')).toEqual([
      `${B} has no IOMMU group (no /sys/bus/pci/devices/${B}/iommu_group): dut1 runs without an IOMMU (intel_iommu=on / amd_iommu=on on its kernel command line) and without vfio's no-IOMMU mode`,
    ]);
    expect(vfioProblems({ ...usable, members: [...usable.members, { pci: '0000:86:00.3', driver: 'i40e' }] }, 'dut1')).toEqual([
      `IOMMU group 12 of ${B} is not viable: 0000:86:00.3 is bound to i40e (every member of the group must be bound to vfio-pci or to no driver)`,
    ]);
    expect(() => requireVfioUsable([usable, { pci: A, present: false, driver: null, group: null, members: [] }], 'dut1')).toThrow(
      new RegExp(`^QEMU: vfio-pci passthrough not possible on dut1: ${A} does not exist`),
    );
  });
});
