/**
 * The NUMA node NF CPUs go on: the one of the NICs (CSIT HEAD `Topology.get_interfaces_numa_node`), read from
 * sysfs in one command, or given as data.
 */
import { shellQuote } from '../../node/quote';
import { CpuTopologyError } from './errors';

/** A NIC's NUMA node: a node number, -1 (the kernel does not know), or undefined (not known at all). */
export type NicNumaNode = number | undefined;

/**
 * HEAD's rule: the most common NUMA node of the NICs (ties: the first seen), unknown ones skipped; if that is -1
 * and another value exists, the other; nothing known → 0.
 */
export function chooseNumaNode(nicNodes: readonly NicNumaNode[]): number {
  const counts = new Map<number, number>();
  for (const value of nicNodes) if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  // Map keeps insertion order and sort is stable, so ties keep the first seen as Python's Counter does.
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([node]) => node);
  if (ranked.length === 0) return 0;
  if (ranked[0] !== -1) return ranked[0];
  return ranked[1] ?? 0;
}

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;

/** Checks a PCI address as sysfs names devices (`0000:18:00.0`). */
export function pciAddress(value: string): string {
  if (!PCI_ADDRESS.test(value)) throw new CpuTopologyError(`NIC PCI address must look like 0000:18:00.0, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

const MISSING = 'missing';

/** One command printing `<pci> <numa_node>` per NIC, or `<pci> missing` when sysfs has no such device. */
export function nicNumaCommand(pcis: readonly string[]): string {
  const words = pcis.map((pci) => shellQuote(pciAddress(pci))).join(' ');
  const script = `for p in ${words}; do f="/sys/bus/pci/devices/$p/numa_node"; if [ -r "$f" ]; then echo "$p $(cat "$f")"; else echo "$p ${MISSING}"; fi; done`;
  return `sh -c ${shellQuote(script)}`;
}

/** Reads `nicNumaCommand`'s output back, in the order the NICs were asked. */
export function parseNicNuma(output: string, pcis: readonly string[], host = 'the node'): NicNumaNode[] {
  const found = new Map<string, NicNumaNode>();
  for (const line of output.split('\n')) {
    const match = /^(\S+) (-?\d+|missing)$/.exec(line.trim());
    if (match) found.set(match[1], match[2] === MISSING ? undefined : Number(match[2]));
  }
  return pcis.map((pci) => {
    const address = pciAddress(pci);
    if (!found.has(address)) throw new CpuTopologyError(`Reading the NUMA node of NIC ${address} on ${host} gave no answer for it: ${JSON.stringify(output.trim())}`);
    return found.get(address);
  });
}
