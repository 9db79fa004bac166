/**
 * The VM manager keywords (CSIT's QemuManager) and the session model they share with the QemuUtils keywords:
 * a session holds either one VM (`Qemu Init`) or one VM manager (`Qemu Manager Init`), and each keyword
 * checks it met the kind it works on.
 */
import { QemuUtils, mergeSettings, type CallContext, type QemuSettings, type ServerEventLog } from '../qemu';
import { asKeywordFailure, callOf, OwnedContext, vmOwnerOf } from './keyword-support';
import { CONSTRUCT_VMS_DEFAULTS, HEAD_CONSTRUCT_KWARGS, QemuManager, type ConstructVmsArgs } from '../qemu/manager';
import { DIAGNOSTICS_DEFAULT_LINES, vmDiagnostics } from '../qemu/manager/diagnostics';
import { printableName } from '../remote';
import { KeywordError, type BoundArguments, type KeywordContext, type KeywordDefinition } from '../remote/library';
import { constructHeadOnAllNodes, headManagerKeywords } from './manager-head-keywords';
import { robotArguments } from './robot-values';
import { SETTING_PARAMETERS, settingsFromArguments } from './settings-arguments';

/** What a session holds: one VM, or a manager of many. */
export type QemuSession = QemuUtils | QemuManager;

type SessionKeyword = KeywordDefinition<QemuSession>;

export const MANAGER_SESSION_EXAMPLE = 'Library    Remote    http://127.0.0.1:8270/vnf_manager    AS    vnf_manager';
export const VM_SESSION_EXAMPLE = 'Library    Remote    http://127.0.0.1:8270/DUT1_vm1    AS    DUT1_vm1';

export const NO_INSTANCE_MESSAGE =
  'No QemuUtils instance in this session: run `Qemu Init` first (one session = one URL path = one VM), ' +
  'or `Qemu Manager Init` for a VM manager.';

function wrongKindForVm(keyword: string): string {
  return (
    `This session holds a VM manager (created by Qemu Manager Init), so \`${printableName(keyword)}\` cannot run here: ` +
    `QemuUtils keywords need a session started with Qemu Init. Import the library once more on a path of its own for the VM, e.g. \`${VM_SESSION_EXAMPLE}\`.`
  );
}

function wrongKindForManager(keyword: string): string {
  return (
    `This session holds one VM (created by Qemu Init), so \`${printableName(keyword)}\` cannot run here: ` +
    `VM manager keywords need a session started with Qemu Manager Init. Import the library once more on a path of its own for the manager, e.g. \`${MANAGER_SESSION_EXAMPLE}\`.`
  );
}

/**
 * Makes QemuUtils keywords session-kind aware: a `uses` keyword meeting a VM manager fails saying so; other
 * keywords (`Qemu Init`, `Qemu Close`) see no instance there (Qemu Init replaces a manager as it replaces a
 * VM; Qemu Close ends whatever the session holds, so teardowns never fail on the kind).
 */
export function forVmSessions(keywords: readonly KeywordDefinition<QemuUtils>[]): SessionKeyword[] {
  return keywords.map((keyword) => ({
    ...keyword,
    run(context: KeywordContext<QemuSession>, args: BoundArguments): Promise<unknown> {
      const instance = context.instance;
      if (instance instanceof QemuManager && keyword.instance === 'uses') throw new KeywordError(wrongKindForVm(keyword.name));
      return keyword.run(new OwnedContext<QemuUtils>(context, instance instanceof QemuUtils ? instance : undefined, vmOwnerOf(context)), args);
    },
  }));
}

function managerOf(context: KeywordContext<QemuSession>, keyword: string): QemuManager {
  const instance = context.instance;
  if (instance instanceof QemuManager) return instance;
  if (instance instanceof QemuUtils) throw new KeywordError(wrongKindForManager(keyword));
  throw new KeywordError(NO_INSTANCE_MESSAGE);
}

export function managerKeyword(
  definition: Omit<SessionKeyword, 'instance' | 'run'>,
  body: (manager: QemuManager, args: BoundArguments, call: CallContext) => Promise<unknown>,
): SessionKeyword {
  return {
    ...definition,
    tags: ['manager', ...(definition.tags ?? [])],
    instance: 'uses',
    async run(context, args) {
      const manager = managerOf(context, definition.name);
      try {
        return await body(manager, args, callOf(context, definition.name));
      } catch (error) {
        throw asKeywordFailure(error);
      } finally {
        // Its VMs' QMP events since the session's previous keyword, in this keyword's log (as a VM session's).
        for (const machine of manager.vms) machine.vm.reportEvents(context.log);
      }
    },
  };
}


/** What the binding hands `Construct VMs On All Nodes`, converted to the declared types. */
interface ConstructArguments {
  nf_chains?: number | null;
  nf_nodes?: number | null;
  jumbo?: boolean | null;
  perf_qemu_qsz?: number | null;
  auto_scale?: boolean | null;
  vnf?: string | null;
  tg_if1_mac?: string | null;
  tg_if2_mac?: string | null;
  cpu_count_int?: number | null;
  rxq_count_int?: number | null;
  nf_cpus?: ConstructVmsArgs['nfCpus'];
  host_cpus?: ConstructVmsArgs['hostCpus'];
  skip_cpus?: number | null;
  mem?: number | null;
  img?: string | null;
  socket_dir?: string | null;
  first_qemu_id?: number | null;
}

/** The keyword's snake_case arguments as the domain's; `use_tuned_cfs` changes nothing and is left out. */
function constructArgs(a: ConstructArguments): ConstructVmsArgs {
  return {
    nfChains: a.nf_chains,
    nfNodes: a.nf_nodes,
    jumbo: a.jumbo,
    perfQemuQsz: a.perf_qemu_qsz,
    autoScale: a.auto_scale,
    vnf: a.vnf,
    tgIf1Mac: a.tg_if1_mac,
    tgIf2Mac: a.tg_if2_mac,
    cpuCountInt: a.cpu_count_int,
    rxqCountInt: a.rxq_count_int,
    nfCpus: a.nf_cpus,
    hostCpus: a.host_cpus,
    skipCpus: a.skip_cpus,
    mem: a.mem,
    img: a.img,
    socketDir: a.socket_dir,
    firstQemuId: a.first_qemu_id,
  };
}


export const MANAGER_INTRO = `= VM manager (QemuManager) =

A session can instead hold a *VM manager*, CSIT's QemuManager: the kernel VMs of \`nf_chains\` x \`nf_nodes\`
network-function chains on every DUT of a topology. Give it a session of its own:
| Library | Remote | http://127.0.0.1:8270/vnf_manager | AS | vnf_manager |
| vnf_manager.Qemu Manager Init | \${nodes} | accel=tcg |
| vnf_manager.Construct VMs On All Nodes | nf_chains=\${1} | nf_nodes=\${2} | vnf=testpmd_io |
| \${vms}= | vnf_manager.Start All VMs | pinning=\${True} |
| [Teardown] | vnf_manager.Qemu Manager Close |
\`Start All VMs\` boots the VMs together (overlapped boot waits), \`Kill All VMs\` and \`Qemu Manager Close\` kill
only the VMs the manager constructed. QemuUtils keywords fail in a manager session, and manager keywords in a
VM session, with a message saying which session kind to use. \`Qemu Close\` and \`Qemu Manager Close\` both end
whatever the session holds, so either is safe in a teardown.
`;

/** `serverLog`: the server's own log, where the manager's VMs' QMP events are written as they come. */
export function managerKeywords(serverSettings: Partial<QemuSettings>, serverLog?: ServerEventLog): SessionKeyword[] {
  const init: SessionKeyword = {
    name: 'qemu_manager_init',
    instance: 'creates',
    tags: ['manager', 'session'],
    parameters: [{ name: 'nodes', type: 'dict' }, ...SETTING_PARAMETERS],
    doc: `Creates this session's VM manager (CSIT's \`Import Library | QemuManager | \${nodes}\`) for the topology
\`nodes\` dict: VMs are built on every node with \`type: DUT\`.

The named-only settings (\`accel\`, \`cpu_model\`, \`kernel_args\`, \`boot_timeout\`, \`testpmd_bin\`, ...) apply to
all its VMs, over the server-wide ones, as with \`Qemu Init\`. Nothing is contacted until \`Construct VMs On All
Nodes\`. Calling it again ends the previous manager (or VM) of the session first, killing its VMs.

Example:
| Library | Remote | http://127.0.0.1:8270/vnf_manager | AS | vnf_manager |
| vnf_manager.Qemu Manager Init | \${nodes} |
| vnf_manager.Qemu Manager Init | \${nodes} | accel=tcg | kernel_args=pci=nomsi | boot_timeout=\${120} |`,
    async run(context, args) {
      try {
        const manager = new QemuManager(args.nodes as Record<string, unknown>, mergeSettings(serverSettings, settingsFromArguments(args, 'Qemu Manager Init')), serverLog);
        context.log.debug(`VM manager for ${manager.dutKeys.join(', ')}`);
        return { instance: manager };
      } catch (error) {
        throw asKeywordFailure(error);
      }
    },
  };

  const close: SessionKeyword = {
    name: 'qemu_manager_close',
    instance: 'ends',
    tags: ['manager', 'session'],
    parameters: [],
    doc: `Ends this session's VM manager: kills every VM it constructed that still runs and removes their files.
Ends a VM (\`Qemu Init\`) the same way if that is what the session holds, and does nothing in an empty session,
so it is safe in any teardown.

Example:
| [Teardown] | vnf_manager.Qemu Manager Close |`,
    async run(context) {
      try {
        await context.instance?.close(callOf(context));
      } catch (error) {
        throw asKeywordFailure(error);
      }
    },
  };

  const construct = managerKeyword(
    {
      name: 'construct_vms_on_all_nodes',
      tags: ['lifecycle'],
      returnType: 'list[dict]',
      parameters: [
        { name: 'nf_chains', default: CONSTRUCT_VMS_DEFAULTS.nfChains, type: 'int' },
        { name: 'nf_nodes', default: CONSTRUCT_VMS_DEFAULTS.nfNodes, type: 'int' },
        { name: 'jumbo', default: CONSTRUCT_VMS_DEFAULTS.jumbo, type: 'bool' },
        { name: 'perf_qemu_qsz', default: CONSTRUCT_VMS_DEFAULTS.perfQemuQsz, type: 'int | None' },
        { name: 'use_tuned_cfs', default: false, type: 'bool' },
        { name: 'auto_scale', default: CONSTRUCT_VMS_DEFAULTS.autoScale, type: 'bool' },
        { name: 'vnf', default: CONSTRUCT_VMS_DEFAULTS.vnf, type: 'str' },
        { name: 'tg_if1_mac', default: null, type: 'str | None' },
        { name: 'tg_if2_mac', default: null, type: 'str | None' },
        { name: 'cpu_count_int', default: CONSTRUCT_VMS_DEFAULTS.cpuCountInt, type: 'int' },
        { name: 'rxq_count_int', default: CONSTRUCT_VMS_DEFAULTS.rxqCountInt, type: 'int' },
        { name: 'nf_cpus', kind: 'named-only', default: null, type: 'list | dict | None' },
        { name: 'host_cpus', kind: 'named-only', default: null, type: 'list | str | None' },
        { name: 'skip_cpus', kind: 'named-only', default: null, type: 'int | None' },
        { name: 'mem', kind: 'named-only', default: CONSTRUCT_VMS_DEFAULTS.mem, type: 'int' },
        { name: 'img', kind: 'named-only', default: CONSTRUCT_VMS_DEFAULTS.img, type: 'str' },
        { name: 'socket_dir', kind: 'named-only', default: CONSTRUCT_VMS_DEFAULTS.socketDir, type: 'str' },
        { name: 'first_qemu_id', kind: 'named-only', default: CONSTRUCT_VMS_DEFAULTS.firstQemuId, type: 'int' },
        { name: 'kwargs', kind: 'var-named' },
      ],
      doc: `Builds the kernel VMs of \`nf_chains\` chains of \`nf_nodes\` NFs on every DUT, as CSIT's QemuManager
did, writes their guest configuration on the nodes and returns one dict per VM (\`name\`, \`node\`, \`host\`,
\`qemu_id\`, \`smp\`, \`mem\`, \`vnf\`, \`cpus\`, \`sockets\`, \`mac1\`, \`mac2\`, \`vif1_mac\`, \`vif2_mac\`, \`queues\`).
VMs constructed before by this manager are ended first.

For chain c and NF k (from 1): \`qemu_id\` = (c-1) x nf_nodes + k, name \`<DUT>_<qemu_id>\` (\`DUT1_3\`), vhost-user
server sockets \`<socket_dir>/sock-<id>-1\` and \`-2\` (\`socket_dir\` defaults to the original's /var/run/vpp and
is created when the VMs start), NIC MACs \`mac1\`/\`mac2\` = \`52:54:00:00:<id>:01\`/\`02\`. The VNF's peers:
\`vif1_mac\` is \`tg_if1_mac\` for the first NF of a chain, else the previous NF's \`52:54:00:00:<id-1>:02\`;
\`vif2_mac\` is \`tg_if2_mac\` for the last NF, else the next NF's \`52:54:00:00:<id+1>:01\` (the TG MACs are
required for \`vpp*\` and \`testpmd_mac\`). \`queues\` is \`rxq_count_int\` with \`auto_scale\`, else 1; ring sizes
are \`perf_qemu_qsz\`; \`jumbo\` enables 9200-byte frames. Each VM gets \`mem\` MB (the original's 4096) and boots
\`img\` (the newest \`<img>*\` kernel). \`use_tuned_cfs\` is accepted for CSIT's calls and changes nothing here:
use \`Set Scheduler All VMs\`. \`first_qemu_id\` (default 1, the original's) shifts every id, so that managers of
test runs sharing a host (pabot) use different ids, files, sockets and MACs.

CPUs (one per vCPU; the VM's \`smp\` is their count): \`nf_cpus\` gives them per VM, as a list of CPU lists in
qemu-id order (used on every DUT) or a dict by VM name. Without it they are derived as CSIT's
\`CpuUtils.cpu_slice_of_list_for_nf\` does, simplified: no SMT siblings, no NUMA choice; from \`host_cpus\` (list
or \`2-7\`) or the node's online CPUs, skipping \`skip_cpus\` (default 2 + \`cpu_count_int\`: system, main and
vswitch cores); one main-thread CPU shared by two NFs, then \`cpu_count_int\` (with \`auto_scale\`, else 1)
data-plane CPUs of its own. Too few CPUs fail with the count needed.

Example:
| vnf_manager.Construct VMs On All Nodes | nf_chains=\${1} | nf_nodes=\${2} | jumbo=\${False} | perf_qemu_qsz=\${1024} | auto_scale=\${False} | vnf=testpmd_mac | tg_if1_mac=\${tg_if1_mac} | tg_if2_mac=\${tg_if2_mac} | cpu_count_int=\${1} | rxq_count_int=\${1} |
| \${vms}= | vnf_manager.Construct VMs On All Nodes | nf_nodes=\${2} | vnf=testpmd_io | nf_cpus=\${{ [[0, 1], [0, 1]] }} | mem=\${1024} |

Under \`contract=head\` (\`Qemu Manager Init\`) it is CSIT HEAD's \`construct_vms_on_all_nodes(**kwargs)\`:
\`Initialize\`, then \`Construct VMs On Node\` for every DUT, taking vm.robot's kwargs (see there); of the
arguments above only \`nf_chains\`, \`nf_nodes\`, \`jumbo\`, \`perf_qemu_qsz\`, \`use_tuned_cfs\`, \`auto_scale\`,
\`vnf\` and \`rxq_count_int\` count. Without contract=head, HEAD's kwargs fail naming the setting.
| vnf_manager.Construct VMs On All Nodes | nf_chains=\${1} | nf_nodes=\${1} | vnf=vppip4_2vhostvr1024 | tg_pf1_mac=\${mac1} | tg_pf2_mac=\${mac2} | vs_dtc=\${1} | nf_dtc=\${1} | nf_dtcr=\${1} | rxq_count_int=\${1} | virtio_feature_mask=\${0} | page_size=2M |`,
    },
    (manager, args, call) => {
      const extra = (args.kwargs ?? {}) as Record<string, unknown>;
      if (manager.settings.contract === 'head') return constructHeadOnAllNodes(manager, args, call);
      const unknown = Object.keys(extra);
      if (unknown.length > 0) {
        throw new KeywordError(`Construct VMs On All Nodes got unexpected argument(s) ${unknown.join(', ')}: HEAD's (${HEAD_CONSTRUCT_KWARGS.join(', ')}) need Qemu Manager Init contract=head`);
      }
      return manager.constructVmsOnAllNodes(constructArgs(robotArguments<ConstructArguments>(args)), call);
    },
  );

  const start = managerKeyword(
    {
      name: 'start_all_vms',
      tags: ['lifecycle'],
      returnType: 'dict | str',
      parameters: [{ name: 'pinning', default: false, type: 'bool' }],
      doc: `Starts every VM of the manager at once and waits for all of them to boot, the waits overlapped (the
original started them one after another), and returns their VM dicts by name (\`DUT1_1\`: dict as \`Qemu Start\`
returns). With \`pinning\`, each VM's vCPUs are pinned to its CPUs as soon as it has booted.

If any VM fails to start, boot or pin, the other VMs' waits are cut short, every VM of the manager is killed,
and the keyword fails with each VM's outcome (the failing VM's message carries QEMU's error output or the
serial log tail).

Under \`contract=head\` (\`Qemu Manager Init\`), as CSIT HEAD's \`start_all_vms\`: returns the pinned CPUs of every
VM in construction order as comma-separated text (\`3,4,60\` for a 1x1 chain; empty without \`pinning\`); the VM
dicts are logged.

Example:
| \${vms}= | vnf_manager.Start All VMs | pinning=\${True} |
| \${cpu_wt}= | vnf_manager.Start All VMs | pinning=\${True} | # contract=head |
| Log | \${vms['DUT1_1']['interfaces']} |`,
    },
    (manager, args, call) => (manager.settings.contract === 'head' ? manager.startAllVmsHead(args.pinning === true, call) : manager.startAllVms({ pinning: args.pinning === true }, call)),
  );

  const scheduler = managerKeyword(
    {
      name: 'set_scheduler_all_vms',
      tags: ['pinning'],
      parameters: [],
      doc: `Sets SCHED_RR priority 1 on every vCPU thread of every running VM of the manager (\`Qemu Set Scheduler
Policy\` for each). A VM that fails is killed (that VM only) and the keyword fails naming it.

Example:
| Run Keyword If | \${use_tuned_cfs} | vnf_manager.Set Scheduler All VMs |`,
    },
    async (manager, _args, call) => {
      await manager.setSchedulerAllVms(call);
    },
  );

  const kill = managerKeyword(
    {
      name: 'kill_all_vms',
      tags: ['lifecycle'],
      parameters: [{ name: 'force', default: false, type: 'bool' }],
      doc: `Kills every VM this manager constructed (by its pid file, as \`Qemu Kill\`) and removes their files on
the nodes. *Only this manager's VMs*: unlike the original, \`force\` does not \`pkill\` every qemu on the host;
it additionally kills any process still running with one of this manager's pid files on its command line (a
QEMU whose pid file was lost). Other sessions' VMs, qemu-ga and qemu-nbd are never touched.

Example:
| vnf_manager.Kill All VMs |
| vnf_manager.Kill All VMs | force=\${True} |`,
    },
    async (manager, args, call) => {
      await manager.killAllVms({ force: args.force === true }, call);
    },
  );

  const diagnostics: SessionKeyword = {
    name: 'qemu_log_diagnostics',
    instance: 'uses',
    tags: ['diagnostics'],
    parameters: [{ name: 'lines', default: DIAGNOSTICS_DEFAULT_LINES, type: 'int' }],
    returnType: 'str',
    doc: `Logs, and returns, what helps understand a failed VM test: for the session's VM, or each VM of a VM
manager, whether its QEMU process runs, its files, its exact command line and (kernelvm) the last \`lines\` lines of
its serial log. Never fails because a node cannot answer (the report says so instead), so it fits teardowns.

Example:
| Run Keyword If Test Failed | DUT1_vm1.Qemu Log Diagnostics |
| \${report}= | vnf_manager.Qemu Log Diagnostics | lines=\${50} |`,
    async run(context, args) {
      const { lines } = robotArguments<{ lines?: number | null }>(args);
      const instance = context.instance;
      let report: string;
      if (instance instanceof QemuManager) report = await instance.diagnostics(lines, callOf(context));
      else if (instance instanceof QemuUtils) report = await vmDiagnostics(instance, context.session || '/', { lines }, callOf(context));
      else throw new KeywordError(NO_INSTANCE_MESSAGE);
      context.log.info(report);
      return report;
    },
  };


  const [initialize, constructOnNode, vmDicts] = headManagerKeywords(managerKeyword);
  return [init, close, initialize, constructOnNode, construct, start, vmDicts, scheduler, kill, diagnostics];
}
