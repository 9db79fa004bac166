/**
 * `contract=head`: CSIT HEAD's QemuManager construction (csit-head.md §2). The kwargs vm.robot passes, checked
 * once; the VMs of one DUT composed as HEAD's `_c_default` / `_c_iperf3` hooks compose them (Add Default
 * Params, Add Kernelvm Params, Configure Kernelvm Vnf, Add Vhost User If / Add Net User), with their CPUs and
 * smp from the placement module (HEAD's `get_affinity_nf`), each placement's explanation logged.
 */
import { parseNode } from '../../node';
import type { CallContext } from '../call';
import { describeValue, requireBoolean, requireInteger } from '../checks';
import { QemuConfigError } from '../errors';
import type { ManagedVm } from './types';
import { placeNfsOnNode } from '../placement';
import { QemuUtils } from '../qemu-utils';
import type { QemuSettings } from '../settings';
import type { ServerEventLog } from '../server-log';
import { head2vfptValues, isHead2vfptHook } from './head-2vfpt';
import { vmCall } from './vm-call';

/** HEAD's `Constants.QEMU_VM_KERNEL`, its sockets' directory and every VM's memory. */
export const HEAD_KERNEL = '/opt/boot/vmlinuz';
export const HEAD_SOCKET_DIR = '/run/vpp';
export const HEAD_MEM = 4096;

/** vm.robot's defaults (HEAD's Python has none); the other kwargs must be given, as HEAD's KeyError demands. */
export const HEAD_CONSTRUCT_DEFAULTS = Object.freeze({
  nf_chains: 1,
  nf_nodes: 1,
  jumbo: false,
  perf_qemu_qsz: 1024,
  use_tuned_cfs: false,
  auto_scale: true,
  fixed_auto_scale: false,
  vnf: 'vpp',
  nf_mtcr: 2,
  page_size: '',
  virtio_feature_mask: 0,
  first_qemu_id: 1,
  mem: HEAD_MEM,
  img: HEAD_KERNEL,
});

/** Every kwarg HEAD's manager or hooks read, plus `smt_used` (HEAD's Robot variable `${smt_used}`). */
export const HEAD_CONSTRUCT_KWARGS = Object.freeze([
  'nf_chains', 'nf_nodes', 'jumbo', 'perf_qemu_qsz', 'use_tuned_cfs', 'auto_scale', 'fixed_auto_scale', 'vnf',
  'tg_pf1_mac', 'tg_pf2_mac', 'vs_dtc', 'nf_dtc', 'nf_dtcr', 'nf_mtcr', 'rxq_count_int', 'virtio_feature_mask',
  'page_size', 'if1', 'if2', 'smt_used', 'nf_chain', 'nf_node',
  // Past HEAD, for hosts smaller than a CSIT testbed (HEAD hard-codes them): docs/deviations.md.
  'first_qemu_id', 'mem', 'img', 'skip_cpus',
]);

export interface HeadConstructPlan {
  nfChains: number;
  nfNodes: number;
  jumbo: boolean;
  /** Ring size; HEAD's falsy value gives none. */
  perfQemuQsz: number | null;
  autoScale: boolean;
  fixedAutoScale: boolean;
  vnf: string;
  tgPf1Mac: string | null;
  tgPf2Mac: string | null;
  vsDtc: number;
  nfDtc: number;
  nfDtcr: number;
  nfMtcr: number;
  rxqCountInt: number;
  virtioFeatureMask: number;
  pageSize: string;
  /** HEAD's `${<DUT>_if1}`/`${<DUT>_if2}`: a PCI address, or a key of the node's `interfaces`. */
  if1: string | null;
  if2: string | null;
  smtUsed: boolean | undefined;
  /** Past HEAD: the first VM's qemu_id (HEAD: 1), its memory in MB (HEAD: 4096), its kernel prefix (HEAD: /opt/boot/vmlinuz). */
  firstQemuId: number;
  mem: number;
  img: string;
  /** Past HEAD: CPUs skipped before the NFs' (HEAD: 1 system + 1 vswitch main + vs_dtc). */
  skipCpus: number | undefined;
}

const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function given(kwargs: Readonly<Record<string, unknown>>, key: string): boolean {
  return kwargs[key] !== undefined && kwargs[key] !== null;
}

function required(kwargs: Readonly<Record<string, unknown>>, key: string, keyword: string): unknown {
  if (!given(kwargs, key)) throw new QemuConfigError(`${keyword}: ${key}=... is required under contract=head (vm.robot passes it; HEAD's QemuManager has no default)`);
  return kwargs[key];
}

function text(value: unknown, key: string, keyword: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new QemuConfigError(`${keyword}: ${key} must be text, got ${describeValue(value)}`);
  return value;
}

/** HEAD's kwargs (already converted to numbers and booleans by the caller) checked, vm.robot's defaults applied. */
export function headConstructPlan(kwargs: Readonly<Record<string, unknown>>, keyword: string): HeadConstructPlan {
  const unknown = Object.keys(kwargs).filter((key) => !HEAD_CONSTRUCT_KWARGS.includes(key));
  if (unknown.length > 0) throw new QemuConfigError(`${keyword}: unknown argument(s) ${unknown.join(', ')} under contract=head; HEAD's are ${HEAD_CONSTRUCT_KWARGS.join(', ')}`);
  const d = HEAD_CONSTRUCT_DEFAULTS;
  const pick = <K extends keyof typeof d>(key: K): unknown => (given(kwargs, key) ? kwargs[key] : d[key]);
  const vnf = pick('vnf');
  if (typeof vnf !== 'string' || vnf === '') throw new QemuConfigError(`${keyword}: vnf must be a VNF name, got ${describeValue(vnf)}`);
  const nfDtc = required(kwargs, 'nf_dtc', keyword);
  if (typeof nfDtc !== 'number' || !Number.isFinite(nfDtc) || nfDtc < 0) throw new QemuConfigError(`${keyword}: nf_dtc must be a number of cores >= 0 (0.5 = one SMT thread), got ${describeValue(nfDtc)}`);
  const qsz = pick('perf_qemu_qsz');
  const mac = (key: 'tg_pf1_mac' | 'tg_pf2_mac'): string | null => {
    const value = text(kwargs[key], key, keyword);
    if (value === null && vnf !== 'testpmd_io' && vnf !== 'iperf3') throw new QemuConfigError(`${keyword}: vnf=${vnf} needs ${key}=... (the TG port MAC the chain's ${key === 'tg_pf1_mac' ? 'first' : 'last'} NF sends to)`);
    if (value !== null && !MAC.test(value)) throw new QemuConfigError(`${keyword}: ${key} must be a MAC address like 3c:fd:fe:00:00:01, got ${JSON.stringify(value)}`);
    return value;
  };
  const pageSize = text(pick('page_size'), 'page_size', keyword) ?? '';
  return {
    nfChains: requireInteger(pick('nf_chains'), 'nf_chains', 1, 255),
    nfNodes: requireInteger(pick('nf_nodes'), 'nf_nodes', 1, 255),
    jumbo: requireBoolean(pick('jumbo'), 'jumbo'),
    perfQemuQsz: qsz === 0 || qsz === false ? null : requireInteger(qsz, 'perf_qemu_qsz', 1),
    autoScale: requireBoolean(pick('auto_scale'), 'auto_scale'),
    fixedAutoScale: requireBoolean(pick('fixed_auto_scale'), 'fixed_auto_scale'),
    vnf,
    tgPf1Mac: mac('tg_pf1_mac'),
    tgPf2Mac: mac('tg_pf2_mac'),
    vsDtc: requireInteger(required(kwargs, 'vs_dtc', keyword), 'vs_dtc', 0),
    nfDtc,
    // HEAD turns a non-int nf_dtcr into 2 silently; here it must be an integer.
    nfDtcr: requireInteger(required(kwargs, 'nf_dtcr', keyword), 'nf_dtcr', 1),
    nfMtcr: requireInteger(pick('nf_mtcr'), 'nf_mtcr', 1),
    rxqCountInt: requireInteger(required(kwargs, 'rxq_count_int', keyword), 'rxq_count_int', 1, 1024),
    // HEAD's None crashed (§9.4): None is 0 here.
    virtioFeatureMask: requireInteger(pick('virtio_feature_mask'), 'virtio_feature_mask', 0),
    pageSize,
    if1: text(kwargs.if1, 'if1', keyword),
    if2: text(kwargs.if2, 'if2', keyword),
    smtUsed: given(kwargs, 'smt_used') ? requireBoolean(kwargs.smt_used, 'smt_used') : undefined,
    firstQemuId: requireInteger(pick('first_qemu_id'), 'first_qemu_id', 1, 255),
    mem: requireInteger(pick('mem'), 'mem', 1),
    img: text(pick('img'), 'img', keyword) ?? HEAD_KERNEL,
    skipCpus: given(kwargs, 'skip_cpus') ? requireInteger(kwargs.skip_cpus, 'skip_cpus', 0) : undefined,
  };
}

const PCI = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;

/** A NIC given as a PCI address, or as the key of one of the node's `interfaces` (its `pci_address`). */
export function nicPci(nodeDict: Readonly<Record<string, unknown>>, value: string | null, what: string, keyword: string): string | undefined {
  if (value === null) return undefined;
  if (PCI.test(value)) return value;
  const interfaces = isRecord(nodeDict.interfaces) ? nodeDict.interfaces : {};
  const entry = interfaces[value];
  if (isRecord(entry) && typeof entry.pci_address === 'string') return entry.pci_address;
  throw new QemuConfigError(`${keyword}: ${what}=${JSON.stringify(value)} is neither a PCI address (0000:18:00.0) nor a key of this node's interfaces with a pci_address (keys: ${Object.keys(interfaces).join(', ') || 'none'})`);
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}

/** testpmd_mac's peers are host VPP's vhost ports (HEAD's `Topology.get_interface_mac(node, "vhost<n>")`). */
function vhostPortMac(nodeDict: Readonly<Record<string, unknown>>, name: string): string | null {
  const interfaces = isRecord(nodeDict.interfaces) ? nodeDict.interfaces : {};
  for (const [key, entry] of Object.entries(interfaces)) {
    if (isRecord(entry) && (key === name || entry.name === name) && typeof entry.mac_address === 'string') return entry.mac_address;
  }
  return null;
}

function passthroughPci(pci: string | undefined, key: 'if1' | 'if2', vnf: string): string {
  if (pci === undefined) throw new QemuConfigError(`Construct VMs On Node: vnf=${vnf} passes the NICs through: give ${key}=... (a PCI address or a key of the node's interfaces; vm.robot's passtrough keyword passes \${DUT1_\${int}1}[0] / 2)`);
  return pci;
}

/**
 * Builds HEAD's VMs of DUT `dut`: placement first (one topology read, one NIC NUMA read), then per VM the hook.
 * `register` takes each VM before it writes anything, so the caller can clean up after a failure.
 */
export async function constructHeadVmsOnNode(
  nodes: Readonly<Record<string, unknown>>,
  dut: string,
  plan: HeadConstructPlan,
  settings: QemuSettings,
  serverLog: ServerEventLog,
  register: (machine: ManagedVm) => void,
  call: CallContext,
): Promise<void> {
  const keyword = 'Construct VMs On Node';
  const nodeDict = nodes[dut];
  if (!isRecord(nodeDict) || nodeDict.type !== 'DUT') throw new QemuConfigError(`${keyword}: node=${dut} is not a DUT of the topology (DUTs: ${Object.entries(nodes).filter(([, n]) => isRecord(n) && n.type === 'DUT').map(([k]) => k).join(', ') || 'none'})`);
  const node = parseNode(nodeDict);
  const pcis = [nicPci(nodeDict, plan.if1, 'if1', keyword), nicPci(nodeDict, plan.if2, 'if2', keyword)];
  const placements = await placeNfsOnNode(node, pcis, {
    nfChains: plan.nfChains,
    nfNodes: plan.nfNodes,
    vsDtc: plan.vsDtc,
    nfDtc: plan.nfDtc,
    nfMtcr: plan.nfMtcr,
    nfDtcr: plan.nfDtcr,
    autoScale: plan.autoScale,
    fixedAutoScale: plan.fixedAutoScale,
    ...(plan.smtUsed === undefined ? {} : { smtUsed: plan.smtUsed }),
    ...(plan.skipCpus === undefined ? {} : { skipCpus: plan.skipCpus }),
  });
  const queues = plan.autoScale ? plan.rxqCountInt : 1;
  const idBase = plan.firstQemuId - 1;
  if (idBase + plan.nfChains * plan.nfNodes > 255) {
    throw new QemuConfigError(`${keyword}: ${plan.nfChains * plan.nfNodes} VMs from first_qemu_id ${plan.firstQemuId}; the last id may be at most 255 (the qemu id is one byte of the MACs)`);
  }
  for (let chain = 1; chain <= plan.nfChains; chain++) {
    for (let nfNode = 1; nfNode <= plan.nfNodes; nfNode++) {
      const qemuId = idBase + (chain - 1) * plan.nfNodes + nfNode;
      const name = `${dut}_${qemuId}`;
      const placement = placements[qemuId - idBase - 1];
      call.log.info(`[${name}] CPUs ${placement.cpus.join(',')} (smp ${placement.smp}): ${placement.explanation}`);
      const idx1 = (chain - 1) * plan.nfNodes * 2 + 2 * nfNode - 1;
      const vif1Mac = plan.vnf === 'testpmd_mac' ? vhostPortMac(nodeDict, `vhost${idx1}`) : nfNode === 1 ? plan.tgPf1Mac : `52:54:00:00:${hex2(qemuId - 1)}:02`;
      const vif2Mac = plan.vnf === 'testpmd_mac' ? vhostPortMac(nodeDict, `vhost${idx1 + 1}`) : nfNode === plan.nfNodes ? plan.tgPf2Mac : `52:54:00:00:${hex2(qemuId + 1)}:01`;
      const iperf3 = plan.vnf === 'iperf3';
      // page_size reaches `_c_default` only; HEAD's other hooks leave it empty (§9.6). The 2vfpt guests run VPP,
      // whose startup.conf needs a page size: they get the suite's (deviations P.2).
      const vm = new QemuUtils(node, { qemuId, smp: placement.smp, mem: plan.mem, vnf: plan.vnf, img: plan.img, vmType: 'kernelvm', pageSize: iperf3 ? '' : plan.pageSize }, settings, serverLog, call.owner);
      const mac1 = `52:54:00:00:${hex2(qemuId)}:01`;
      const mac2 = `52:54:00:00:${hex2(qemuId)}:02`;
      const sockets: [string, string] = [`${HEAD_SOCKET_DIR}/sock-${qemuId}-1`, `${HEAD_SOCKET_DIR}/sock-${qemuId}-2`];
      register({ name, dut, qemuId, cpus: placement.cpus.map(String), sockets, mac1, mac2, vif1Mac, vif2Mac, queues, vm });
      const context = vmCall(call, name);
      vm.addDefaultParams();
      vm.addKernelvmParams();
      const vhost = { jumbo: plan.jumbo, queues, queueSize: plan.perfQemuQsz, virtioFeatureMask: plan.virtioFeatureMask };
      if (isHead2vfptHook(plan.vnf)) {
        await vm.configureKernelvmVnf({ ...head2vfptValues(plan.vnf, name), queues, jumbo: plan.jumbo }, context);
        // HEAD's order: if2's function first (slot 6), then if1's.
        vm.addVfioPciIf(passthroughPci(pcis[1], 'if2', plan.vnf));
        vm.addVfioPciIf(passthroughPci(pcis[0], 'if1', plan.vnf));
      } else if (iperf3) {
        await vm.configureKernelvmVnf({ queues, jumbo: plan.jumbo }, context);
        vm.addNetUser();
        vm.addVhostUserIf(sockets[0], { ...vhost, server: false }, context);
      } else {
        await vm.configureKernelvmVnf(
          { mac1, mac2, ...(vif1Mac === null ? {} : { vif1_mac: vif1Mac }), ...(vif2Mac === null ? {} : { vif2_mac: vif2Mac }), queues, jumbo: plan.jumbo },
          context,
        );
        for (const socket of sockets) vm.addVhostUserIf(socket, vhost, context);
      }
    }
  }
}
