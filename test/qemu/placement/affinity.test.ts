import { CpuPlacementError, QemuConfigError } from '../../../src/qemu';
import { chooseNumaNode, parseLscpu, pinnedCpusCsv, placeAllNfs, placeNf, type NfPlacementRequest } from '../../../src/qemu/placement';
import { AARCH64_72, SMT_8_CORES, X86_2X28_SMT, lscpuText } from '../../support/cpu-topology';

const x86 = parseLscpu(X86_2X28_SMT);
const arm = parseLscpu(AARCH64_72);
const smt8 = parseLscpu(SMT_8_CORES);

type Shape = Omit<NfPlacementRequest, 'nfChain' | 'nfNode'>;
const cpusOf = (topology: typeof x86, request: Shape, numaNode = 0): number[][] => placeAllNfs(topology, numaNode, request).map((placement) => placement.cpus);

describe('CPU placement: every worked example of csit-head.md §3', () => {
  it('1×1, vs_dtc 1, nf_dtc 1/1 → [3,4,60]; nf_dtc 0.5/2 → [3,4]', () => {
    expect(cpusOf(x86, { nfChains: 1, nfNodes: 1, vsDtc: 1, nfDtc: 1, nfDtcr: 1 })).toEqual([[3, 4, 60]]);
    expect(cpusOf(x86, { nfChains: 1, nfNodes: 1, vsDtc: 1, nfDtc: 0.5, nfDtcr: 2 })).toEqual([[3, 4]]);
  });

  it("2×1, vs_dtc 1, 1/1 → [3,4,60], [59,5,61]: VM2's main is the sibling of VM1's", () => {
    expect(cpusOf(x86, { nfChains: 2, nfNodes: 1, vsDtc: 1, nfDtc: 1, nfDtcr: 1 })).toEqual([
      [3, 4, 60],
      [59, 5, 61],
    ]);
  });

  it('1×6, vs_dtc 1, 0.5/2 → data threads on the siblings from the second round', () => {
    expect(cpusOf(x86, { nfChains: 1, nfNodes: 6, vsDtc: 1, nfDtc: 0.5, nfDtcr: 2 })).toEqual([
      [3, 6],
      [4, 7],
      [5, 8],
      [59, 62],
      [60, 63],
      [61, 64],
    ]);
  });

  it('1×2, vs_dtc 2, auto_scale (nf_dtc := vs_dtc = 2) → [4,5,6,61,62], [60,7,8,63,64]', () => {
    expect(cpusOf(x86, { nfChains: 1, nfNodes: 2, vsDtc: 2, nfDtc: 1, nfDtcr: 1, autoScale: true })).toEqual([
      [4, 5, 6, 61, 62],
      [60, 7, 8, 63, 64],
    ]);
  });

  it('1×1 with the NICs on NUMA 1, or on -1 and 1 → [31,32,88]', () => {
    expect(cpusOf(x86, { nfChains: 1, nfNodes: 1, vsDtc: 1, nfDtc: 1 }, chooseNumaNode([1, 1]))).toEqual([[31, 32, 88]]);
    expect(cpusOf(x86, { nfChains: 1, nfNodes: 1, vsDtc: 1, nfDtc: 1 }, chooseNumaNode([-1, 1]))).toEqual([[31, 32, 88]]);
  });

  it('iperf3: 1×2, vs_dtc 1, nf_dtc 4 fixed, smt_used False → shared main 3, CSV as Start All VMs returns it', () => {
    const request: Shape = { nfChains: 1, nfNodes: 2, vsDtc: 1, nfDtc: 4, nfDtcr: 1, autoScale: true, fixedAutoScale: true, smtUsed: false };
    const cpus = cpusOf(x86, request);
    expect(cpus).toEqual([
      [3, 4, 5, 6, 7],
      [3, 8, 9, 10, 11],
    ]);
    expect(pinnedCpusCsv(cpus)).toBe('3,4,5,6,7,3,8,9,10,11');
  });

  it('device: vs_dtc 0 with auto_scale (→ nf_dtc 0) → [2], one vCPU', () => {
    const [placement] = placeAllNfs(x86, 0, { nfChains: 1, nfNodes: 1, vsDtc: 0, nfDtc: 1, autoScale: true });
    expect(placement.cpus).toEqual([2]);
    expect(placement.smp).toBe(1);
    expect(placement.nfDtc).toBe(0);
  });

  it('1×1, vs_dtc 4, nf_dtc 4/1 (testpmd 4c) → 9 vCPUs', () => {
    const [placement] = placeAllNfs(x86, 0, { nfChains: 1, nfNodes: 1, vsDtc: 4, nfDtc: 4, nfDtcr: 1 });
    expect(placement.cpus).toEqual([6, 7, 8, 9, 10, 63, 64, 65, 66]);
    expect(placement.smp).toBe(9);
  });

  it("aarch64, 72 cores, no SMT: 1/1 → [3,4]; 0.5/2 → 'Cannot allocate if SMT is not enabled!'", () => {
    expect(cpusOf(arm, { nfChains: 1, nfNodes: 1, vsDtc: 1, nfDtc: 1, nfDtcr: 1 })).toEqual([[3, 4]]);
    expect(() => cpusOf(arm, { nfChains: 1, nfNodes: 1, vsDtc: 1, nfDtc: 0.5, nfDtcr: 2 })).toThrow(/^Cannot allocate if SMT is not enabled! Asked: nf_dtc 0\.5 .*Host: the node runs one thread per core\.$/);
  });

  it("8-core SMT: 1×4, vs_dtc 1, 1/1 → 'Not enough CPU cores…'", () => {
    let error: unknown;
    try {
      cpusOf(smt8, { nfChains: 1, nfNodes: 4, vsDtc: 1, nfDtc: 1, nfDtcr: 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CpuPlacementError);
    expect(error).toBeInstanceOf(QemuConfigError);
    expect((error as CpuPlacementError).failure).toBe('not-enough-cores');
    expect((error as Error).message).toBe(
      'Not enough CPU cores available for placement! Asked: 1x4 NFs, vs_dtc 1, nf_dtc 1, nf_mtcr 2, nf_dtcr 1: 9 cores = 3 skipped ' +
        '(system 1 + vswitch main 1 + vs_dtc 1) + 2 main + 4 data. Host: NUMA node 0 of the node has 8 SMT cores (CPUs 0-7; SMT on).',
    );
  });

  it('8-core SMT: 1×2, vs_dtc 2, 3/1 → HEAD gives [4,5,6,7,13,14,15], [12,8,9,10]; here it fails unless HEAD’s check is asked for', () => {
    const request: Shape = { nfChains: 1, nfNodes: 2, vsDtc: 2, nfDtc: 3, nfDtcr: 1 };
    expect(cpusOf(smt8, { ...request, headCapacityCheck: true })).toEqual([
      [4, 5, 6, 7, 13, 14, 15],
      [12, 8, 9, 10],
    ]);
    // VM2's data CPUs 8-10 are the siblings of the system's and the vswitch's CPUs 0-2 (deviations.md §6).
    expect(() => cpusOf(smt8, request)).toThrow(/^Not enough CPU cores available for placement! Asked: .*: 11 cores = 4 skipped .* \+ 1 main \+ 6 data\. Host: NUMA node 0 of the node has 8 SMT cores/);
  });
});

describe('CPU placement: HEAD rules around the examples', () => {
  it('NUMA node of the NICs: most common, unknown skipped, -1 only when nothing else, none → 0', () => {
    expect(chooseNumaNode([])).toBe(0);
    expect(chooseNumaNode([undefined, undefined])).toBe(0);
    expect(chooseNumaNode([undefined, 1])).toBe(1);
    expect(chooseNumaNode([-1])).toBe(0);
    expect(chooseNumaNode([-1, -1])).toBe(0);
    expect(chooseNumaNode([-1, 1])).toBe(1);
    expect(chooseNumaNode([1, -1])).toBe(1);
    expect(chooseNumaNode([0, 1, 1])).toBe(1);
    // A tie goes to the first seen, as Python's Counter.most_common orders it.
    expect(chooseNumaNode([1, 0])).toBe(1);
    expect(chooseNumaNode([0, 1])).toBe(0);
  });

  it("smt_used True on a host without SMT: 'SMT is not enabled.'", () => {
    expect(() => placeNf(arm, 0, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 1, nfDtc: 1, smtUsed: true })).toThrow(/^SMT is not enabled\. Asked: smt_used=True, .*Host: the node runs one thread per core \(0-71\)\.$/);
  });

  it('fractional nf_dtc on an SMT host with smt_used False is refused as without SMT', () => {
    expect(() => placeNf(x86, 0, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 1, nfDtc: 0.5, nfDtcr: 2, smtUsed: false })).toThrow(/^Cannot allocate if SMT is not enabled! .*has SMT, but smt_used is False/);
  });

  it('validates instead of coercing: nf_dtcr, nf_dtc, chain and node ids', () => {
    const base: NfPlacementRequest = { nfChains: 1, nfNodes: 2, nfChain: 1, nfNode: 1, vsDtc: 1, nfDtc: 1 };
    expect(() => placeNf(x86, 0, { ...base, nfDtcr: 1.5 })).toThrow(new CpuPlacementError('nf_dtcr must be an integer >= 1, got 1.5.', 'invalid-argument', 'nf_dtcr=1.5'));
    expect(() => placeNf(x86, 0, { ...base, nfDtc: 1.5 })).toThrow(/^nf_dtc must be an integer >= 0, or a fraction below 1/);
    expect(() => placeNf(x86, 0, { ...base, nfNode: 3 })).toThrow(/NodeID is out of range!\): must be 1\.\.2/);
    expect(() => placeNf(x86, 0, { ...base, nfChain: 2 })).toThrow(/ChainID is out of range!/);
    expect(() => placeAllNfs(x86, 0, { nfChains: 0, nfNodes: 1, vsDtc: 1, nfDtc: 1 })).toThrow(CpuPlacementError);
  });

  it('skip_cpus replaces HEAD\'s 1 + 1 + vs_dtc: a 2-CPU host fits 1×1 as [0,1] and 1×2 with nf_dtcr 2 as [0,1] twice', () => {
    const twoCpus = parseLscpu(lscpuText({ sockets: 1, coresPerSocket: 2, threadsPerCore: 1 }));
    expect(() => placeNf(twoCpus, 0, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 1, nfDtc: 1 })).toThrow(/^Not enough CPU cores available for placement!.*3 skipped \(system 1 \+ vswitch main 1 \+ vs_dtc 1\)/);
    const [one] = placeAllNfs(twoCpus, 0, { nfChains: 1, nfNodes: 1, vsDtc: 1, nfDtc: 1, skipCpus: 0 }, 'bed');
    expect([one.cpus, one.skipCnt]).toEqual([[0, 1], 0]);
    expect(one.explanation).toContain('skip 0 (skip_cpus)');
    expect(cpusOf(twoCpus, { nfChains: 1, nfNodes: 2, vsDtc: 1, nfDtc: 1, nfDtcr: 2, skipCpus: 0 })).toEqual([[0, 1], [0, 1]]);
    expect(() => placeNf(twoCpus, 0, { nfChains: 1, nfNodes: 2, nfChain: 1, nfNode: 1, vsDtc: 1, nfDtc: 1, skipCpus: 0 })).toThrow(/3 cores = 0 skipped \(skip_cpus\) \+ 1 main \+ 2 data/);
    expect(() => placeNf(twoCpus, 0, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 1, nfDtc: 1, skipCpus: -1 })).toThrow(/^skip_cpus must be an integer >= 0/);
  });

  it('a NUMA node without CPUs names the nodes that have some', () => {
    expect(() => placeNf(x86, 3, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 1, nfDtc: 1 })).toThrow('No CPU on NUMA node 3 of the node: its CPUs are on node(s) 0, 1 (0-111)');
  });

  it('explains the placement: NUMA node, siblings, skip count, vCPU order', () => {
    const [first, second] = placeAllNfs(x86, 0, { nfChains: 2, nfNodes: 1, vsDtc: 1, nfDtc: 1 }, 'dut1');
    expect(first.explanation).toBe(
      'NF 1 of chain 1 (2x1 NFs, vs_dtc 1, nf_dtc 1, nf_mtcr 2, nf_dtcr 1) on NUMA node 0 of dut1, CPUs 0-27,56-83 (SMT on, siblings at +28 in that list); ' +
        'skip 3 (system 1 + vswitch main 1 + vs_dtc 1); main 3, shared by up to 2 NFs; data 4; their siblings 60; vCPUs 0..2 -> 3,4,60 (smp 3)',
    );
    expect(second.explanation).toContain('main 59 (sibling: second round of main cores)');
    expect(second).toMatchObject({ mainCpu: 59, dataCpus: [5], siblingCpus: [61], numaNode: 0, smtUsed: true, skipCnt: 3 });
  });

  it("unpinned VMs give HEAD's empty CSV", () => {
    expect(pinnedCpusCsv([[3, 4, 60]], false)).toBe('');
    expect(pinnedCpusCsv([[3, 4, 60]])).toBe('3,4,60');
  });

  it('takes the real siblings from the core column, not the second half of the list', () => {
    // 4 cores whose threads are numbered adjacently (0/1, 2/3, ...): HEAD would pair CPU 2 with 6.
    const adjacent = parseLscpu(['# CPU,Core,Socket,Node', '0,0,0,0', '1,0,0,0', '2,1,0,0', '3,1,0,0', '4,2,0,0', '5,2,0,0', '6,3,0,0', '7,3,0,0'].join('\n'));
    expect(placeNf(adjacent, 0, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 0, nfDtc: 1 }).cpus).toEqual([4, 6, 7]);
    // Core 1's sibling offline: with SMT in use, core 1 is left out and the log says so.
    const holed = parseLscpu(['# CPU,Core,Socket,Node', '0,0,0,0', '1,1,0,0', '2,2,0,0', '3,3,0,0', '4,0,0,0', '6,2,0,0', '7,3,0,0'].join('\n'));
    const placement = placeNf(holed, 0, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 0, nfDtc: 0, smtUsed: true });
    expect(placement.cpus).toEqual([3]);
    expect(placement.explanation).toContain('left out with SMT in use (sibling offline): 1');
  });

  it('places on the NICs’ node of a multi-socket host whose NUMA nodes are not its sockets', () => {
    const fourNodes = parseLscpu(lscpuText({ sockets: 2, coresPerSocket: 8, threadsPerCore: 2, nodeOfSocket: (socket) => socket * 2 }));
    expect(placeNf(fourNodes, 2, { nfChains: 1, nfNodes: 1, nfChain: 1, nfNode: 1, vsDtc: 1, nfDtc: 1 }).cpus).toEqual([11, 12, 28]);
  });
});
