/**
 * CPU placement of NF VMs as CSIT HEAD computes it (`CpuUtils.get_affinity_nf` → `cpu_slice_of_list_for_nf`):
 * pure arithmetic over one NUMA node's CPU list, explained in words for the log. Deviations from HEAD (each in
 * docs/deviations.md §6): arguments are validated instead of coerced, the capacity check counts every data
 * core (`dt_req · nf_dtc`), and siblings are the real ones (see topology.ts).
 */
import { formatCpuList } from '../manager/cpus';
import { CpuPlacementError } from './errors';
import { isSmtEnabled, nodeCpuList, type CpuTopology } from './topology';

/** HEAD's Constants.CPU_CNT_SYSTEM and CPU_CNT_MAIN: CPUs left to the host and to the vswitch's main thread. */
export const CPU_CNT_SYSTEM = 1;
export const CPU_CNT_MAIN = 1;

export interface NfPlacementRequest {
  nfChains: number;
  nfNodes: number;
  /** 1-based. */
  nfChain: number;
  /** 1-based. */
  nfNode: number;
  /** Data cores of the vswitch: CPUs skipped after the system's and the vswitch main's. */
  vsDtc: number;
  /** Data cores per NF: an integer >= 0, or a fraction below 1 (HEAD's 0.5) for one SMT thread. */
  nfDtc: number;
  /** NFs sharing one main core (HEAD: 2). */
  nfMtcr?: number;
  /** NFs sharing one data core (HEAD: 1); an integer >= 1. */
  nfDtcr?: number;
  /** Robot's `${smt_used}`: overrides what the topology says (False on an SMT host = first threads only). */
  smtUsed?: boolean;
  /** QemuManager's auto_scale: nf_dtc becomes vs_dtc, unless fixedAutoScale. Absent = nf_dtc as given. */
  autoScale?: boolean;
  fixedAutoScale?: boolean;
  /**
   * HEAD's capacity check, which counts one data core per NF whatever nf_dtc is and so hands out CPUs past the
   * node's cores (siblings of the system's CPUs) or short lists. Only for reproducing HEAD; default false.
   */
  headCapacityCheck?: boolean;
  /** CPUs skipped before the NFs' instead of HEAD's system + vswitch main + vs_dtc (a host smaller than a CSIT testbed). */
  skipCpus?: number;
}

/** Where one NF's vCPUs go. vCPU i is pinned to `cpus[i]`. */
export interface NfPlacement {
  nfChain: number;
  nfNode: number;
  /** `[main, data..., siblings...]`, as HEAD's affinity list. */
  cpus: number[];
  smp: number;
  mainCpu: number;
  dataCpus: number[];
  siblingCpus: number[];
  numaNode: number;
  smtUsed: boolean;
  skipCnt: number;
  /** nf_dtc after auto_scale. */
  nfDtc: number;
  /** Why these CPUs, for the caller's log. */
  explanation: string;
}

/** QemuManager's rule: with auto_scale (and not fixed_auto_scale) an NF gets as many data cores as the vswitch. */
export function effectiveNfDtc(request: Pick<NfPlacementRequest, 'vsDtc' | 'nfDtc' | 'autoScale' | 'fixedAutoScale'>): number {
  return request.autoScale && !request.fixedAutoScale ? request.vsDtc : request.nfDtc;
}

function invalid(what: string, value: unknown, rule: string): CpuPlacementError {
  return new CpuPlacementError(`${what} ${rule}, got ${JSON.stringify(value)}.`, 'invalid-argument', `${what}=${JSON.stringify(value)}`);
}

function integer(what: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw invalid(what, value, `must be an integer >= ${min}`);
  return value;
}

function describeAsk(r: Required<Pick<NfPlacementRequest, 'nfChains' | 'nfNodes' | 'vsDtc' | 'nfDtc' | 'nfMtcr' | 'nfDtcr'>>): string {
  return `${r.nfChains}x${r.nfNodes} NFs, vs_dtc ${r.vsDtc}, nf_dtc ${r.nfDtc}, nf_mtcr ${r.nfMtcr}, nf_dtcr ${r.nfDtcr}`;
}

/** One NF's CPUs on `numaNode` of `topology` (`host` only names the node in messages). */
export function placeNf(topology: CpuTopology, numaNode: number, request: NfPlacementRequest, host = 'the node'): NfPlacement {
  const nfChains = integer('nf_chains', request.nfChains, 1);
  const nfNodes = integer('nf_nodes', request.nfNodes, 1);
  const nfChain = integer('nf_chain', request.nfChain, 1);
  const nfNode = integer('nf_node', request.nfNode, 1);
  if (nfChain > nfChains) throw invalid('nf_chain', nfChain, `is out of range (ChainID is out of range!): must be 1..${nfChains}`);
  if (nfNode > nfNodes) throw invalid('nf_node', nfNode, `is out of range (NodeID is out of range!): must be 1..${nfNodes}`);
  const vsDtc = integer('vs_dtc', request.vsDtc, 0);
  const nfMtcr = integer('nf_mtcr', request.nfMtcr ?? 2, 1);
  // HEAD silently turned a non-int nf_dtcr (Robot's "1") into 2.
  const nfDtcr = integer('nf_dtcr', request.nfDtcr ?? 1, 1);
  const nfDtc = effectiveNfDtc(request);
  const fractional = !Number.isInteger(nfDtc);
  if (!(nfDtc >= 0) || (fractional && nfDtc >= 1)) throw invalid('nf_dtc', nfDtc, 'must be an integer >= 0, or a fraction below 1 (0.5: one SMT thread)');
  const ask = describeAsk({ nfChains, nfNodes, vsDtc, nfDtc, nfMtcr, nfDtcr });

  const hostSmt = isSmtEnabled(topology);
  const smtUsed = request.smtUsed ?? hostSmt;
  const smtText = hostSmt ? 'SMT on' : 'no SMT';
  if (smtUsed && !hostSmt) {
    throw new CpuPlacementError('SMT is not enabled.', 'smt-not-enabled', `smt_used=True, ${ask}`, `${host} runs one thread per core (${formatCpuList(topology.cpus.map((e) => e.cpu))})`);
  }
  if (fractional && !smtUsed) {
    throw new CpuPlacementError(
      'Cannot allocate if SMT is not enabled!',
      'smt-required',
      `nf_dtc ${nfDtc} (one SMT thread per NF), ${ask}`,
      `${host} ${hostSmt ? 'has SMT, but smt_used is False' : 'runs one thread per core'}`,
    );
  }
  const dtc = fractional ? 1 : nfDtc;
  const list = nodeCpuList(topology, numaNode, smtUsed, host);
  const { cpus, sib } = list;
  const cores = smtUsed ? sib : cpus.length;
  const skipCnt = request.skipCpus === undefined ? CPU_CNT_SYSTEM + CPU_CNT_MAIN + vsDtc : integer('skip_cpus', request.skipCpus, 0);
  const skipWhy = request.skipCpus === undefined ? `system ${CPU_CNT_SYSTEM} + vswitch main ${CPU_CNT_MAIN} + vs_dtc ${vsDtc}` : 'skip_cpus';
  const nfCount = nfChains * nfNodes;
  const mtReq = Math.ceil(nfCount / nfMtcr);
  const dtReq = Math.ceil(nfCount / nfDtcr);
  const dataCores = request.headCapacityCheck ? dtReq : dtReq * dtc;
  if (skipCnt + mtReq + dataCores > cores) {
    throw new CpuPlacementError(
      'Not enough CPU cores available for placement!',
      'not-enough-cores',
      `${ask}: ${skipCnt + mtReq + dataCores} cores = ${skipCnt} skipped (${skipWhy}) + ${mtReq} main + ${dataCores} data`,
      `NUMA node ${numaNode} of ${host} has ${cores} ${smtUsed ? 'SMT cores' : 'cores'} (CPUs ${formatCpuList(cpus.slice(0, cores))}; ${smtText}${smtUsed ? '' : ', smt_used False'})`,
    );
  }

  const offset = nfNode - 1 + (nfChain - 1) * nfNodes;
  let mtSkip = skipCnt + (offset % mtReq);
  let dtSkip = skipCnt + mtReq + (offset % dtReq) * dtc;
  let dataCpus = cpus.slice(dtSkip, dtSkip + dtc);
  let siblingCpus: number[] = [];
  const mainOnSibling = smtUsed && Math.floor(offset / mtReq) % 2 === 1;
  const dataOnSibling = smtUsed && fractional && Math.floor(offset / dtReq) % 2 === 1;
  if (smtUsed) {
    if (mainOnSibling) mtSkip += sib;
    dtSkip += sib;
    if (!fractional) siblingCpus = cpus.slice(dtSkip, dtSkip + dtc);
    else if (dataOnSibling) dataCpus = cpus.slice(dtSkip, dtSkip + dtc);
  }
  const mainCpu = cpus[mtSkip];
  const result = [mainCpu, ...dataCpus, ...siblingCpus];

  const why = [
    `NF ${nfNode} of chain ${nfChain} (${ask}) on NUMA node ${numaNode} of ${host}, CPUs ${formatCpuList(cpus)} (${smtText}, ${smtUsed ? `siblings at +${sib} in that list` : 'first threads only'})`,
    list.singleThreadCores.length > 0 ? `left out with SMT in use (sibling offline): ${formatCpuList(list.singleThreadCores)}` : undefined,
    `skip ${skipCnt} (${skipWhy})`,
    `main ${mainCpu}${mainOnSibling ? ' (sibling: second round of main cores)' : ''}, shared by up to ${nfMtcr} NFs`,
    `data ${dataCpus.length > 0 ? dataCpus.join(',') : 'none'}${dataOnSibling ? ' (sibling thread: second round of data cores)' : ''}${fractional ? ` (nf_dtc ${nfDtc}: one thread)` : ''}`,
    siblingCpus.length > 0 ? `their siblings ${siblingCpus.join(',')}` : undefined,
    `vCPUs 0..${result.length - 1} -> ${result.join(',')} (smp ${result.length})`,
  ];
  return {
    nfChain,
    nfNode,
    cpus: result,
    smp: result.length,
    mainCpu,
    dataCpus,
    siblingCpus,
    numaNode,
    smtUsed,
    skipCnt,
    nfDtc,
    explanation: why.filter((part): part is string => part !== undefined).join('; '),
  };
}

/** Every NF of a DUT in QemuManager's order (chain by chain, node by node): VM `qemu_id` n is entry n-1. */
export function placeAllNfs(topology: CpuTopology, numaNode: number, request: Omit<NfPlacementRequest, 'nfChain' | 'nfNode'>, host = 'the node'): NfPlacement[] {
  const placements: NfPlacement[] = [];
  integer('nf_chains', request.nfChains, 1);
  integer('nf_nodes', request.nfNodes, 1);
  for (let nfChain = 1; nfChain <= request.nfChains; nfChain++) {
    for (let nfNode = 1; nfNode <= request.nfNodes; nfNode++) placements.push(placeNf(topology, numaNode, { ...request, nfChain, nfNode }, host));
  }
  return placements;
}

/** HEAD's `Start All VMs` return: every pinned VM's CPU list, in start order, joined by commas; `''` unpinned. */
export function pinnedCpusCsv(affinities: readonly (readonly number[])[], pinning = true): string {
  return pinning ? affinities.flat().join(',') : '';
}
