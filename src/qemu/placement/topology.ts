/**
 * The host CPU topology CPU placement works on, from one node command (`lscpu -p=CPU,CORE,SOCKET,NODE`), or
 * given as data. SMT siblings come from the core column, not from a CPU's position in the list: CSIT HEAD
 * assumed a node's siblings are the second half of its CPU list (csit-head.md §9.9), which is the kernel's
 * usual numbering but not a rule (it breaks with some CPUs offline, or firmware that numbers threads
 * adjacently).
 */
import { formatCpuList } from '../manager/cpus';
import { CpuTopologyError } from './errors';

/** One online logical CPU as lscpu lists it. */
export interface CpuTopologyEntry {
  cpu: number;
  /** Logical core id (lscpu's CORE: unique over the whole host). */
  core: number;
  socket: number;
  /** NUMA node; lscpu prints an empty field without NUMA, read as 0. */
  node: number;
}

export interface CpuTopology {
  /** Online CPUs in lscpu order. */
  readonly cpus: readonly CpuTopologyEntry[];
}

/** One command, world-readable, lists online CPUs only (offline ones cannot be pinned to). */
export const LSCPU_COMMAND = 'lscpu -p=CPU,CORE,SOCKET,NODE';

const COLUMNS = ['CPU', 'CORE', 'SOCKET', 'NODE'] as const;
type Column = (typeof COLUMNS)[number];

/**
 * Parses `lscpu -p` output: `#` lines are comments, the last of them naming the columns (`# CPU,Core,Socket,Node`).
 * The four columns are found by that header when there is one, so plain `lscpu -p` (which adds cache columns
 * after NODE) and CSIT's stored `cpuinfo` rows read the same; without a header the first four are taken in
 * that order.
 */
export function parseLscpu(text: string, host = 'the node'): CpuTopology {
  const lines = text.split('\n').map((line) => line.trim());
  const header = lines.filter((line) => line.startsWith('#')).pop();
  const names = header ? header.slice(1).trim().split(',').map((name) => name.trim().toUpperCase()) : [];
  const position = (column: Column, fallback: number): number => {
    const found = names.indexOf(column);
    if (found >= 0) return found;
    if (header && names.length > 1) throw new CpuTopologyError(`lscpu output of ${host} has no ${column} column (header: ${header}); run ${LSCPU_COMMAND}`);
    return fallback;
  };
  const at = Object.fromEntries(COLUMNS.map((column, index) => [column, position(column, index)])) as Record<Column, number>;
  const cpus: CpuTopologyEntry[] = [];
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(',');
    const number = (column: Column, emptyAs?: number): number => {
      const value = (fields[at[column]] ?? '').trim();
      if (value === '' && emptyAs !== undefined) return emptyAs;
      if (!/^\d+$/.test(value)) throw new CpuTopologyError(`lscpu output of ${host}: ${column} is not a number in line ${JSON.stringify(line)}`);
      return Number(value);
    };
    cpus.push({ cpu: number('CPU'), core: number('CORE'), socket: number('SOCKET', 0), node: number('NODE', 0) });
  }
  return cpuTopology(cpus, host);
}

/** Validates topology given as data: at least one CPU, each listed once. */
export function cpuTopology(cpus: readonly CpuTopologyEntry[], host = 'the node'): CpuTopology {
  if (cpus.length === 0) throw new CpuTopologyError(`lscpu output of ${host} lists no CPU; run ${LSCPU_COMMAND} there`);
  const seen = new Set<number>();
  for (const entry of cpus) {
    for (const [key, value] of Object.entries(entry)) {
      if (!Number.isInteger(value) || (value as number) < 0) throw new CpuTopologyError(`CPU topology of ${host}: ${key} must be an integer >= 0, got ${JSON.stringify(value)}`);
    }
    if (seen.has(entry.cpu)) throw new CpuTopologyError(`CPU topology of ${host} lists CPU ${entry.cpu} twice`);
    seen.add(entry.cpu);
  }
  return { cpus: cpus.map((entry) => ({ ...entry })) };
}

/** Threads of each core, keyed by socket and core, in lscpu order. */
function coresOf(cpus: readonly CpuTopologyEntry[]): CpuTopologyEntry[][] {
  const cores = new Map<string, CpuTopologyEntry[]>();
  for (const entry of cpus) {
    const key = `${entry.socket}/${entry.core}`;
    const threads = cores.get(key);
    if (threads) threads.push(entry);
    else cores.set(key, [entry]);
  }
  return [...cores.values()];
}

/** SMT is on when some core runs more than one online thread (HEAD compared the two halves of lscpu's rows). */
export function isSmtEnabled(topology: CpuTopology): boolean {
  return coresOf(topology.cpus).some((threads) => threads.length > 1);
}

export function numaNodesOf(topology: CpuTopology): number[] {
  return [...new Set(topology.cpus.map((entry) => entry.node))].sort((a, b) => a - b);
}

/**
 * The CPUs of one NUMA node in the order HEAD indexes them: the first thread of every core (lscpu order), then,
 * with `smtUsed`, the second thread of every core in the same order, so that entry `i + sib` is the sibling of
 * entry `i` by construction. `sib` is the number of cores.
 */
export interface NodeCpuList {
  numaNode: number;
  cpus: number[];
  /** Offset of a CPU's sibling in `cpus` (0 without SMT in use). */
  sib: number;
  /** With SMT in use: CPUs of cores whose sibling is offline, left out of `cpus`. */
  singleThreadCores: number[];
}

export function nodeCpuList(topology: CpuTopology, numaNode: number, smtUsed: boolean, host = 'the node'): NodeCpuList {
  const onNode = topology.cpus.filter((entry) => entry.node === numaNode);
  if (onNode.length === 0) {
    throw new CpuTopologyError(
      `No CPU on NUMA node ${numaNode} of ${host}: its CPUs are on node(s) ${numaNodesOf(topology).join(', ')} (${formatCpuList(topology.cpus.map((e) => e.cpu))})`,
    );
  }
  const cores = coresOf(onNode);
  if (!smtUsed) return { numaNode, cpus: cores.map((threads) => threads[0].cpu), sib: 0, singleThreadCores: [] };
  // A core with a thread offline has no sibling to give: with SMT in use it is left out, and said so.
  const paired = cores.filter((threads) => threads.length > 1);
  const singleThreadCores = cores.filter((threads) => threads.length === 1).map((threads) => threads[0].cpu);
  return { numaNode, cpus: [...paired.map((t) => t[0].cpu), ...paired.map((t) => t[1].cpu)], sib: paired.length, singleThreadCores };
}
