/**
 * The VM manager keywords of CSIT HEAD's QemuManager (`contract=head`, csit-head.md §2): `Initialize`,
 * `Construct VMs On Node`, and HEAD's branch of `Construct VMs On All Nodes`; vm.robot's free kwargs converted
 * by Robot's rules. Built with manager-keywords.ts's `managerKeyword` (passed in: no import cycle at load).
 */
import { CONSTRUCT_VMS_DEFAULTS, QemuManager } from '../qemu/manager';
import type { CallContext } from '../qemu';
import { KeywordError, type BoundArguments, type KeywordDefinition } from '../remote/library';
import type { managerKeyword as managerKeywordFactory, QemuSession } from './manager-keywords';
import { integerFromText, robotBool } from './robot-values';

const HEAD_BOOLEANS = new Set(['jumbo', 'use_tuned_cfs', 'auto_scale', 'fixed_auto_scale', 'smt_used']);
const HEAD_INTEGERS = new Set(['nf_chains', 'nf_nodes', 'perf_qemu_qsz', 'vs_dtc', 'nf_dtcr', 'nf_mtcr', 'rxq_count_int', 'virtio_feature_mask', 'nf_chain', 'nf_node', 'first_qemu_id', 'mem', 'skip_cpus']);
/** The 2019 signature's arguments HEAD's vm.robot passes too (their defaults are vm.robot's). */
const SHARED_WITH_HEAD = ['nf_chains', 'nf_nodes', 'jumbo', 'perf_qemu_qsz', 'use_tuned_cfs', 'auto_scale', 'vnf', 'rxq_count_int'];

/** The 2019 signature's arguments HEAD has not, with their defaults: another value under head is a mistake. */
const CONSTRUCT_2019_ONLY: Readonly<Record<string, unknown>> = {
  tg_if1_mac: null, tg_if2_mac: null, cpu_count_int: CONSTRUCT_VMS_DEFAULTS.cpuCountInt, nf_cpus: null, host_cpus: null, skip_cpus: null,
  mem: CONSTRUCT_VMS_DEFAULTS.mem, img: CONSTRUCT_VMS_DEFAULTS.img, socket_dir: CONSTRUCT_VMS_DEFAULTS.socketDir, first_qemu_id: CONSTRUCT_VMS_DEFAULTS.firstQemuId,
};

/** HEAD's free kwargs by Robot's rules: booleans and integers from text, `nf_dtc` a number (0.5), None (`''`) absent. */
export function headKwargs(raw: Readonly<Record<string, unknown>>, keyword: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === '' || value === null || value === undefined) continue;
    if (HEAD_BOOLEANS.has(key)) out[key] = robotBool(value, `${keyword}: ${key}`);
    else if (HEAD_INTEGERS.has(key)) out[key] = key === 'perf_qemu_qsz' && (value === false || value === 'False') ? 0 : integerFromText(value);
    else if (key === 'nf_dtc') out[key] = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
    else out[key] = value;
  }
  return out;
}

function requireHead(manager: QemuManager, keyword: string): void {
  if (manager.settings.contract !== 'head') {
    throw new KeywordError(`${keyword} is CSIT HEAD's QemuManager keyword: give Qemu Manager Init contract=head (this manager follows ${manager.settings.contract})`);
  }
}

/** HEAD's `construct_vms_on_all_nodes(**kwargs)` from the keyword's bound arguments (named and free). */
export function constructHeadOnAllNodes(manager: QemuManager, args: BoundArguments, call: CallContext): Promise<unknown> {
  const extra = (args.kwargs ?? {}) as Record<string, unknown>;
  const only2019 = Object.keys(CONSTRUCT_2019_ONLY).filter((key) => args[key] !== undefined && args[key] !== '' && args[key] !== CONSTRUCT_2019_ONLY[key]);
  if (only2019.length > 0) {
    throw new KeywordError(`Construct VMs On All Nodes: ${only2019.join(', ')} belong to the 2019 contract; under contract=head give HEAD's (tg_pf1_mac, tg_pf2_mac, vs_dtc, nf_dtc, ...)`);
  }
  const shared = Object.fromEntries(SHARED_WITH_HEAD.map((key) => [key, args[key]]));
  return manager.constructHeadVmsOnAllNodes(headKwargs({ ...shared, ...extra }, 'Construct VMs On All Nodes'), call);
}

/** `Initialize` and `Construct VMs On Node`. */
export function headManagerKeywords(managerKeyword: typeof managerKeywordFactory): KeywordDefinition<QemuSession>[] {
  const initialize = managerKeyword(
    {
      name: 'initialize',
      tags: ['lifecycle', 'csit head'],
      parameters: [],
      doc: `CSIT HEAD's \`QemuManager.initialize\` (\`contract=head\`): starts a new set of VMs for \`Construct VMs On
Node\`. VMs constructed before are ended first (killed if running, files removed); HEAD merely forgot them.

Example:
| vnf_manager.Initialize |`,
    },
    async (manager, _args, call) => {
      requireHead(manager, 'Initialize');
      await manager.initialize(call);
    },
  );

  const constructOnNode = managerKeyword(
    {
      name: 'construct_vms_on_node',
      tags: ['lifecycle', 'csit head'],
      returnType: 'list[dict]',
      parameters: [{ name: 'node', type: 'str' }, { name: 'kwargs', kind: 'var-named' }],
      doc: `CSIT HEAD's \`construct_vms_on_node(node, **kwargs)\` (\`contract=head\`, after \`Initialize\`): builds
the VMs of \`nf_chains\` x \`nf_nodes\` NFs on DUT \`node\` (a topology key) and writes their guest files.
kwargs as vm.robot passes them: \`nf_chains\`, \`nf_nodes\`, \`jumbo\`, \`perf_qemu_qsz\`, \`use_tuned_cfs\` (no
effect), \`auto_scale\`, \`fixed_auto_scale\`, \`vnf\` (defaults as vm.robot), and required \`vs_dtc\`,
\`nf_dtc\` (0.5 = one SMT thread), \`nf_dtcr\`, \`rxq_count_int\`, \`tg_pf1_mac\`/\`tg_pf2_mac\` (not for
testpmd_io, iperf3); optional \`nf_mtcr\` (2), \`virtio_feature_mask\` (0), \`page_size\` ('' = 2M), \`smt_used\`
(HEAD's \`\${smt_used}\`), \`if1\`/\`if2\` (HEAD's \`\${<node>_if1/2}\`: PCI addresses or keys of the node's
interfaces; their NUMA node picks the CPUs, none given = NUMA 0). Past HEAD, for hosts smaller than a CSIT
testbed: \`first_qemu_id\` (1), \`mem\` (4096), \`img\` (/opt/boot/vmlinuz: the kernel and initrd are the newest
matching pair of \`<img>*\` and \`initrd.img*\` beside it), \`skip_cpus\` (HEAD's 1 + 1 + vs_dtc).

Each VM: \`qemu_id\` (c-1)·nf_nodes+k, name \`<node>_<id>\`, 4096 MB, kernel /opt/boot/vmlinuz; CPUs from HEAD's
placement (\`get_affinity_nf\`: the node's \`lscpu\` topology and the NICs' NUMA node, one command each; the
explanation is logged), \`smp\` their count; composed as HEAD's hooks: Add Default Params, Add Kernelvm Params,
the VNF's guest files, then (\`_c_default\`) Add Vhost User If \`/run/vpp/sock-<id>-1\` and \`-2\` with \`jumbo\`,
\`queues\` (\`rxq_count_int\` with \`auto_scale\`, else 1), \`queue_size=perf_qemu_qsz\` and \`virtio_feature_mask\`,
or (iperf3) Add Net User and one client vhost-user NIC. Returns the VM summaries of that node.

Example:
| vnf_manager.Initialize |
| vnf_manager.Construct VMs On Node | node=DUT1 | nf_nodes=\${2} | vnf=iperf3 | vs_dtc=\${1} | nf_dtc=\${4} | nf_dtcr=\${1} | rxq_count_int=\${1} | fixed_auto_scale=\${True} | smt_used=\${False} |`,
    },
    (manager, args, call) => {
      requireHead(manager, 'Construct VMs On Node');
      return manager.constructVmsOnNode(String(args.node), headKwargs((args.kwargs ?? {}) as Record<string, unknown>, 'Construct VMs On Node'), call);
    },
  );

  const vmDicts = managerKeyword(
    {
      name: 'get_vm_dicts',
      tags: ['csit head'],
      returnType: 'dict',
      parameters: [],
      doc: `The VM dicts, by HEAD's name (\`DUT1_1\`), of the VMs \`Start All VMs\` started that still run
(\`contract=head\`). HEAD's \`start_all_vms\` put each into the caller's \`\${nodes}\`; a remote library cannot
mutate the caller's dict, so keywords/vm_head.resource does it with this keyword's answer.

Example:
| \${vms}= | vnf_manager.Get VM Dicts |`,
    },
    (manager) => {
      requireHead(manager, 'Get VM Dicts');
      return Promise.resolve(manager.runningVmDicts());
    },
  );

  return [initialize, constructOnNode, vmDicts];
}
