/** The vfio-pci check on a node: one command, then the pure judgement of check.ts. */
import { execCmd, type Node } from '../../node';
import type { CallContext } from '../call';
import { QemuConfigError } from '../errors';
import { onNodeStep } from '../node-step';
import { DEFAULT_SYSFS_ROOT, parseVfioCheck, requireVfioUsable, vfioCheckCommand, type VfioDeviceState } from './check';

/** Reads every device's state from the node's sysfs (root `sysfsRoot`) and fails unless all can be passed through. */
export async function checkVfioDevices(node: Node, pcis: readonly string[], call: CallContext, sysfsRoot: string = DEFAULT_SYSFS_ROOT): Promise<VfioDeviceState[]> {
  if (pcis.length === 0) return [];
  const command = vfioCheckCommand(pcis, sysfsRoot);
  const result = await onNodeStep(call, node, `checking the vfio-pci devices ${pcis.join(', ')}`, () => execCmd(node, command, { timeout: 60, signal: call.signal }));
  if (result.rc !== 0) {
    throw new QemuConfigError(`QEMU: checking the vfio-pci devices ${pcis.join(', ')} on ${node.host} failed (rc ${String(result.rc)}): ${(result.stderr || result.stdout).trim() || '(no output)'}`);
  }
  const states = parseVfioCheck(result.stdout, pcis);
  requireVfioUsable(states, node.host, sysfsRoot);
  call.log.info(`vfio-pci devices on ${node.host}: ${states.map((state) => `${state.pci} (IOMMU group ${state.group ?? '?'}, ${state.members.length} member(s))`).join(', ')}`);
  return states;
}
