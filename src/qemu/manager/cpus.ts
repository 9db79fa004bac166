/**
 * Host CPUs for the VMs of a QemuManager: either given per VM, or derived as CSIT's
 * `CpuUtils.cpu_slice_of_list_for_nf` derives them, simplified: no SMT siblings and no NUMA node choice (the
 * node's online CPUs, or the list given, are used in order). Without SMT that is exactly the original's
 * arithmetic, except that the capacity check also counts data-plane cores beyond the first (the original's
 * check did not, and handed out short lists).
 */
import { QemuConfigError } from '../errors';

export interface NfCpuSliceArgs {
  /** Host CPUs to place NFs on, in order. */
  cpuList: readonly number[];
  nfChains: number;
  nfNodes: number;
  /** 1-based. */
  nfChain: number;
  /** 1-based. */
  nfNode: number;
  /** Data-plane cores per NF. */
  nfDtc: number;
  /** NFs sharing one main-thread core (2019: 2). */
  nfMtcr?: number;
  /** NFs sharing one data-plane core (2019: 1). */
  nfDtcr?: number;
  /** CPUs left for the system and the vswitch (2019: 2 + cpu_count_int). */
  skipCnt: number;
}

/** The CPUs of one NF: its main-thread CPU first, then its data-plane CPUs (vCPU n is pinned to entry n). */
export function nfCpuSlice(args: NfCpuSliceArgs): number[] {
  const { cpuList, nfChains, nfNodes, nfChain, nfNode, nfDtc, skipCnt } = args;
  const nfMtcr = args.nfMtcr ?? 2;
  const nfDtcr = args.nfDtcr ?? 1;
  if (nfChain < 1 || nfChain > nfChains) throw new QemuConfigError(`ChainID is out of range! nf_chain ${nfChain} is not in 1..${nfChains}`);
  if (nfNode < 1 || nfNode > nfNodes) throw new QemuConfigError(`NodeID is out of range! nf_node ${nfNode} is not in 1..${nfNodes}`);
  const nfCount = nfChains * nfNodes;
  const mainRequired = Math.ceil(nfCount / nfMtcr);
  const dataRequired = Math.ceil(nfCount / nfDtcr);
  const needed = skipCnt + mainRequired + dataRequired * nfDtc;
  if (needed > cpuList.length) {
    throw new QemuConfigError(
      `Not enough CPU cores available for placement! ${nfCount} NF(s) with ${nfDtc} data-plane core(s) each need ` +
        `${needed} CPUs (${skipCnt} skipped for system and vswitch + ${mainRequired} main + ${dataRequired * nfDtc} data-plane), ` +
        `the host offers ${cpuList.length} (${formatCpuList(cpuList)}). Give nf_cpus=... per VM, or host_cpus=... / fewer skipped CPUs.`,
    );
  }
  const offset = nfNode - 1 + (nfChain - 1) * nfNodes;
  const mainSkip = skipCnt + (offset % mainRequired);
  const dataSkip = skipCnt + mainRequired + (offset % dataRequired) * nfDtc;
  return [cpuList[mainSkip], ...cpuList.slice(dataSkip, dataSkip + nfDtc)];
}

/** Parses Linux CPU list syntax (`0-3,6,8-9`, as in /sys/devices/system/cpu/online). */
export function parseCpuList(text: string, what = 'CPU list'): number[] {
  const trimmed = text.trim();
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(trimmed)) throw new QemuConfigError(`${what} must look like 0-3,6, got ${JSON.stringify(text)}`);
  const cpus: number[] = [];
  for (const part of trimmed.split(',')) {
    const [first, last] = part.split('-').map(Number);
    const end = last ?? first;
    if (end < first) throw new QemuConfigError(`${what}: range ${part} runs backwards`);
    for (let cpu = first; cpu <= end; cpu++) cpus.push(cpu);
  }
  return cpus;
}

/** `[0,1,2,5]` -> `0-2,5`. */
export function formatCpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  let start: number | undefined;
  let previous: number | undefined;
  const flush = (): void => {
    if (start === undefined || previous === undefined) return;
    parts.push(start === previous ? String(start) : `${start}-${previous}`);
  };
  for (const cpu of cpus) {
    if (previous !== undefined && cpu === previous + 1) {
      previous = cpu;
      continue;
    }
    flush();
    start = cpu;
    previous = cpu;
  }
  flush();
  return parts.join(',');
}

/** One host CPU given by a user: a CPU number, or a CPU list (`2-3`) as `taskset -pc` takes it. */
export function hostCpuArg(value: unknown, what: string): string {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^\d+([-,]\d+)*$/.test(text)) {
    throw new QemuConfigError(`${what} must be a CPU number or list like 2 or 2-3, got ${JSON.stringify(value)}`);
  }
  return text;
}
