/**
 * What a vfio-pci passthrough NIC (`Add Vfio Pci If`) needs from its host before QEMU starts: the PCI
 * function exists, is bound to vfio-pci, and its IOMMU group is viable (every member bound to vfio-pci or to
 * no driver: the kernel hands a group to one user only). HEAD passed the address to QEMU unchecked, and a
 * wrong one surfaced as QEMU's own `vfio ... failed to open /dev/vfio/N` after the start. One node command
 * reads every device's state from sysfs; the parser and the judgement are pure.
 */
import { shellQuote } from '../../node/quote';
import { QemuConfigError } from '../errors';

export const VFIO_PCI_DRIVER = 'vfio-pci';
export const DEFAULT_SYSFS_ROOT = '/sys';

/** A PCI function as sysfs names it: domain:bus:device.function, lower-case hex. */
const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

export interface VfioGroupMember {
  pci: string;
  /** The bound driver's name; null when unbound. */
  driver: string | null;
}

export interface VfioDeviceState {
  pci: string;
  present: boolean;
  driver: string | null;
  /** The IOMMU group number; null when the device has none (no IOMMU, no no-IOMMU mode). */
  group: string | null;
  members: VfioGroupMember[];
}

/** `pci` in sysfs's spelling; anything else than a PCI address is refused before it reaches a shell. */
export function sysfsPciAddress(pci: string): string {
  const lower = pci.toLowerCase();
  if (!PCI_ADDRESS.test(lower)) throw new QemuConfigError(`QEMU: vfio-pci device ${JSON.stringify(pci)} is not a PCI address like 0000:86:00.1`);
  return lower;
}

/**
 * One round trip, no sudo (sysfs links are world-readable): per device a tagged line each for absent,
 * driver, group (or nogroup) and every group member with its driver.
 */
export function vfioCheckCommand(pcis: readonly string[], sysfsRoot: string = DEFAULT_SYSFS_ROOT): string {
  const devices = pcis.map((pci) => shellQuote(sysfsPciAddress(pci))).join(' ');
  const root = shellQuote(`${sysfsRoot.replace(/\/+$/, '')}/bus/pci/devices`);
  return (
    `for d in ${devices}; do p=${root}/"$d"; ` +
    `if [ ! -e "$p" ]; then printf 'absent %s\\n' "$d"; continue; fi; ` +
    `drv=$(readlink "$p/driver" 2>/dev/null); printf 'driver %s %s\\n' "$d" "\${drv##*/}"; ` +
    `grp=$(readlink "$p/iommu_group" 2>/dev/null); if [ -z "$grp" ]; then printf 'nogroup %s\\n' "$d"; continue; fi; ` +
    `printf 'group %s %s\\n' "$d" "\${grp##*/}"; ` +
    `for m in "$p"/iommu_group/devices/*; do md=$(readlink "$m/driver" 2>/dev/null); printf 'member %s %s %s\\n' "$d" "\${m##*/}" "\${md##*/}"; done; ` +
    `done`
  );
}

/** The states `vfioCheckCommand` printed, one per device asked for, in that order. */
export function parseVfioCheck(output: string, pcis: readonly string[]): VfioDeviceState[] {
  const states = new Map<string, VfioDeviceState>();
  for (const pci of pcis.map(sysfsPciAddress)) states.set(pci, { pci, present: false, driver: null, group: null, members: [] });
  const seen = new Set<string>();
  for (const line of output.split('\n')) {
    const [tag, pci, first, second] = line.trim().split(/\s+/);
    const state = pci === undefined ? undefined : states.get(pci);
    if (state === undefined) continue;
    seen.add(state.pci);
    if (tag === 'driver') {
      state.present = true;
      state.driver = first || null;
    } else if (tag === 'group') {
      state.group = first ?? null;
    } else if (tag === 'member' && first !== undefined) {
      state.members.push({ pci: first, driver: second || null });
    }
  }
  const unanswered = [...states.keys()].filter((pci) => !seen.has(pci));
  if (unanswered.length > 0) {
    throw new QemuConfigError(`QEMU: the vfio-pci check printed nothing for ${unanswered.join(', ')}; its output was: ${output.trim() || '(none)'}`);
  }
  return [...states.values()];
}

/** What is wrong with one device for passthrough, in words a test engineer can act on; empty when usable. */
export function vfioProblems(state: VfioDeviceState, host: string, sysfsRoot: string = DEFAULT_SYSFS_ROOT): string[] {
  const devicePath = `${sysfsRoot.replace(/\/+$/, '')}/bus/pci/devices/${state.pci}`;
  if (!state.present) return [`${state.pci} does not exist on ${host} (no ${devicePath}; lspci -D lists the host's PCI functions)`];
  const problems: string[] = [];
  if (state.driver !== VFIO_PCI_DRIVER) {
    problems.push(
      `${state.pci} is bound to ${state.driver === null ? 'no driver' : state.driver}, not ${VFIO_PCI_DRIVER} ` +
        `(bind it: echo ${VFIO_PCI_DRIVER} > ${devicePath}/driver_override; ${state.driver === null ? '' : `echo ${state.pci} > ${devicePath}/driver/unbind; `}echo ${state.pci} > ${sysfsRoot.replace(/\/+$/, '')}/bus/pci/drivers_probe)`,
    );
  }
  if (state.group === null) {
    problems.push(`${state.pci} has no IOMMU group (no ${devicePath}/iommu_group): ${host} runs without an IOMMU (intel_iommu=on / amd_iommu=on on its kernel command line) and without vfio's no-IOMMU mode`);
  } else {
    const others = state.members.filter((member) => member.driver !== null && member.driver !== VFIO_PCI_DRIVER);
    if (others.length > 0) {
      problems.push(
        `IOMMU group ${state.group} of ${state.pci} is not viable: ${others.map((member) => `${member.pci} is bound to ${member.driver ?? 'no driver'}`).join(', ')} ` +
          `(every member of the group must be bound to ${VFIO_PCI_DRIVER} or to no driver)`,
      );
    }
  }
  return problems;
}

/** Fails naming every device and what is wrong with it; passes when all can be passed through. */
export function requireVfioUsable(states: readonly VfioDeviceState[], host: string, sysfsRoot: string = DEFAULT_SYSFS_ROOT): void {
  const problems = states.flatMap((state) => vfioProblems(state, host, sysfsRoot));
  if (problems.length > 0) throw new QemuConfigError(`QEMU: vfio-pci passthrough not possible on ${host}: ${problems.join('; ')}`);
}
