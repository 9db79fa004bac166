/**
 * Placement inputs read from a node: its CPU topology (one command) and its NICs' NUMA nodes (one command),
 * then HEAD's placement for every NF of that node.
 */
import { execCmd, type Node } from '../../node';
import { placeAllNfs, type NfPlacement, type NfPlacementRequest } from './affinity';
import { CpuTopologyError } from './errors';
import { chooseNumaNode, nicNumaCommand, parseNicNuma, type NicNumaNode } from './numa';
import { LSCPU_COMMAND, parseLscpu, type CpuTopology } from './topology';

function failure(node: Node, what: string, command: string, result: { rc: number | null; stdout: string; stderr: string }): CpuTopologyError {
  const output = (result.stderr || result.stdout).trim().split('\n').slice(-5).join(' / ');
  return new CpuTopologyError(`Reading ${what} of ${node.host} failed: \`${command}\` gave rc ${String(result.rc)}: ${output}`);
}

export async function readCpuTopology(node: Node): Promise<CpuTopology> {
  const result = await execCmd(node, LSCPU_COMMAND, { timeout: 30 });
  if (result.rc !== 0) throw failure(node, 'the CPU topology', LSCPU_COMMAND, result);
  return parseLscpu(result.stdout, node.host);
}

/** NUMA node per NIC PCI address (sysfs `numa_node`); a device sysfs does not know is `undefined`. */
export async function readNicNumaNodes(node: Node, pcis: readonly string[]): Promise<NicNumaNode[]> {
  if (pcis.length === 0) return [];
  const command = nicNumaCommand(pcis);
  const result = await execCmd(node, command, { timeout: 30 });
  if (result.rc !== 0) throw failure(node, 'the NICs\' NUMA nodes', command, result);
  return parseNicNuma(result.stdout, pcis, node.host);
}

export interface HostPlacementInputs {
  topology: CpuTopology;
  numaNode: number;
  /** Each NIC asked and what sysfs said. */
  nics: { pci: string; numaNode: NicNumaNode }[];
  /** Why this NUMA node, for the log. */
  numaReason: string;
}

/** Explains HEAD's NUMA choice in words. */
export function numaReason(nics: readonly { pci: string; numaNode: NicNumaNode }[], chosen: number): string {
  if (nics.length === 0) return `NUMA node ${chosen}: no NIC given`;
  const seen = nics.map(({ pci, numaNode }) => `${pci} ${numaNode === undefined ? 'not in sysfs (skipped)' : `on ${numaNode}`}`).join(', ');
  return `NUMA node ${chosen} from the NICs (${seen}): the most common known node, -1 only if nothing else, none known → 0`;
}

/**
 * The node's topology and the NUMA node of its NICs (HEAD's `${<DUT>_if1}`/`${<DUT>_if2}`; absent ones are
 * skipped, as HEAD skips a None key). Two commands, none with sudo.
 */
export async function readPlacementInputs(node: Node, nicPcis: readonly (string | undefined)[]): Promise<HostPlacementInputs> {
  const pcis = nicPcis.filter((pci): pci is string => pci !== undefined && pci !== '');
  const topology = await readCpuTopology(node);
  const values = await readNicNumaNodes(node, pcis);
  const nics = pcis.map((pci, index) => ({ pci, numaNode: values[index] }));
  const numaNode = chooseNumaNode(values);
  return { topology, numaNode, nics, numaReason: numaReason(nics, numaNode) };
}

/** HEAD's `get_affinity_nf` for every NF of the node, each explanation starting with the NUMA choice. */
export async function placeNfsOnNode(node: Node, nicPcis: readonly (string | undefined)[], request: Omit<NfPlacementRequest, 'nfChain' | 'nfNode'>): Promise<NfPlacement[]> {
  const inputs = await readPlacementInputs(node, nicPcis);
  return placeAllNfs(inputs.topology, inputs.numaNode, request, node.host).map((placement) => ({ ...placement, explanation: `${inputs.numaReason}. ${placement.explanation}` }));
}
