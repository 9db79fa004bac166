/**
 * The QemuUtils keywords: each original public method under its original name (Robot shows
 * `qemu_add_vhost_user_if` as `Qemu Add Vhost User If`), with the original's arguments and defaults, bound to
 * the session's QemuUtils instance.
 */
import {
  QEMU_INIT_DEFAULTS,
  QemuUtils,
  VHOST_USER_IF_DEFAULTS,
  VM_TYPES,
  mergeSettings,
  type CallContext,
  type QemuSettings,
  type ServerEventLog,
  type VmType,
} from '../qemu';
import { asKeywordFailure, callOf, vmOwnerOf } from './keyword-support';
import { integerFromText, robotArguments, robotBool } from './robot-values';
import { artifactQemuKeywords } from './artifact-keywords';
import { headQemuKeywords } from './head-keywords';
import { guestQemuKeywords } from './guest-keywords';
import { eventKeywords } from './event-keywords';
import { hostQemuKeywords } from './host-keywords';
import { SETTING_PARAMETERS, settingsFromArguments } from './settings-arguments';
import { KeywordError, type BoundArguments, type KeywordContext, type KeywordDefinition, type ParameterDefinition } from '../remote/library';

export type QemuKeyword = KeywordDefinition<QemuUtils>;

/** What the binding hands `Qemu Init`, converted to the declared types (`robotArguments`). */
interface InitArguments {
  node: Record<string, unknown>;
  qemu_id?: number | null;
  smp?: number | null;
  mem?: number | null;
  vnf?: string | null;
  img?: string | null;
  bin_path?: string | null;
  vm_type?: VmType | null;
  page_size?: string | null;
}

interface VhostUserIfArguments {
  socket: string;
  server?: boolean | null;
  jumbo_frames?: boolean | null;
  queue_size?: number | null;
  queues?: number | null;
  reconnect?: number | null;
}




/** The session's instance; the server guarantees one for `uses` keywords. */
function instanceOf(context: KeywordContext<QemuUtils>): QemuUtils {
  if (!context.instance) throw new KeywordError('No QemuUtils instance in this session: run `Qemu Init` first.');
  return context.instance;
}

/** A `uses` keyword: runs `body` on the session's instance, reporting domain errors as the original did. */
export function uses(
  definition: Omit<QemuKeyword, 'instance' | 'run'>,
  body: (vm: QemuUtils, args: BoundArguments, call: CallContext) => Promise<unknown> | unknown,
): QemuKeyword {
  return {
    ...definition,
    instance: 'uses',
    async run(context, args) {
      const vm = instanceOf(context);
      try {
        return await body(vm, args, callOf(context, definition.name));
      } catch (error) {
        throw asKeywordFailure(error);
      } finally {
        // The VM's QMP events since the session's previous keyword, in this keyword's log.
        vm.reportEvents(context.log);
      }
    },
  };
}


/**
 * The free named arguments of the kernelvm keywords reach the library unconverted (`jumbo_frames=False` is
 * the text 'False', which the original took for true): the known ones are converted by Robot's rules.
 */
function vnfKwargs(args: BoundArguments, keyword: string): Record<string, unknown> {
  const kwargs = { ...(args.kwargs as Record<string, unknown> | undefined) };
  if (kwargs.jumbo_frames !== undefined) kwargs.jumbo_frames = robotBool(kwargs.jumbo_frames, `${keyword}: jumbo_frames`);
  if (kwargs.queues !== undefined) kwargs.queues = integerFromText(kwargs.queues);
  return kwargs;
}

const NODE_PARAMETER: ParameterDefinition = { name: 'node', type: 'dict' };
const KWARGS: ParameterDefinition = { name: 'kwargs', kind: 'var-named' };

/**
 * Named-only `Qemu Init` arguments: `vm_type`, CSIT HEAD's `page_size` (named-only: HEAD's 7th positional is
 * 2019's `bin_path` here) with HEAD's default, and every setting, defaulting to None (= server-wide/default).
 */
const INIT_SETTING_PARAMETERS: ParameterDefinition[] = [
  { name: 'vm_type', kind: 'named-only', default: null, type: `Literal[${VM_TYPES.map((type) => `'${type}'`).join(', ')}] | None` },
  { name: 'page_size', kind: 'named-only', default: QEMU_INIT_DEFAULTS.pageSize, type: 'str' },
  ...SETTING_PARAMETERS,
];

const KERNELVM_KWARGS_DOC = `Free named arguments, as in the original: \`jumbo_frames\` (always needed, converted with Robot's boolean
rules, so \`jumbo_frames=False\` is false), \`queues\` (testpmd), \`vif1_mac\` and \`vif2_mac\` (testpmd_mac and the
VPP templates), \`mac1\` and \`mac2\` (VPP templates). Values fill \`$name\` / \`\${name}\` placeholders of the VNF's
template as Python's \`string.Template.safe_substitute\` does.`;

/** `serverLog`: the server's own log, where each VM's QMP events are written as they come. */
export function qemuKeywords(serverSettings: Partial<QemuSettings>, serverLog?: ServerEventLog): QemuKeyword[] {
  const qemuInit: QemuKeyword = {
    name: 'qemu_init',
    instance: 'creates',
    tags: ['session'],
    parameters: [
      NODE_PARAMETER,
      { name: 'qemu_id', default: QEMU_INIT_DEFAULTS.qemuId, type: 'int' },
      { name: 'smp', default: QEMU_INIT_DEFAULTS.smp, type: 'int' },
      { name: 'mem', default: QEMU_INIT_DEFAULTS.mem, type: 'int' },
      { name: 'vnf', default: QEMU_INIT_DEFAULTS.vnf, type: 'str | None' },
      { name: 'img', default: QEMU_INIT_DEFAULTS.img, type: 'str' },
      { name: 'bin_path', default: QEMU_INIT_DEFAULTS.binPath, type: 'str' },
      ...INIT_SETTING_PARAMETERS,
    ],
    doc: `Creates this session's QemuUtils instance: one VM on \`node\` (the original constructor).

\`qemu_id\` numbers the VM on its host: it names the temporary files (\`/var/run/qemu_<id>.pid\`, ...), the
MACs (\`52:54:00:00:<id>:..\`) and the host ports (SSH \`10021+id\`, console \`4555+id\`). \`smp\` is the vCPU
count, \`mem\` the memory in MB (backed by host huge pages). \`vnf\` names the kernelvm workload
(\`vpp_chain_ip4\`, \`vpp_chain_l2xc\`, \`testpmd_io\`, \`testpmd_mac\`). \`img\` is the nestedvm disk image
(under \`/var/lib/vm/\`) or the kernelvm kernel (\`/opt/boot/vmlinuz\`, the newest \`vmlinuz*\` is booted).
\`bin_path\` is the directory of \`qemu-system-<arch>\`. \`page_size\` is CSIT HEAD's (\`contract=head\` only):
\`2M\` (or HEAD's empty default) backs the VM with \`/dev/hugepages\` (\`hugepage_mount\`) and gives the guest
\`hugepages=512 hugepagesz=2M\`; \`1G\` uses \`/dev/hugepages1G\` (the host must mount it) and \`hugepages=3 hugepagesz=1G\`.

With \`contract=head\` the instance follows CSIT HEAD's QemuUtils: no parameters are added here (call
\`Add Default Params\`, \`Add Kernelvm Params\` and the NIC keywords, as HEAD's QemuManager does), files are under
\`/run\` (\`/run/qemu_<id>.pid\`), the VM dict has \`testuser\`/\`Csit1234\`, and \`img\` defaults to
\`/var/lib/vm/image.iso\`.

Named-only arguments: \`vm_type\` (\`nestedvm\`/\`kernelvm\`, for image paths the original did not know), \`page_size\`, and the
settings listed in the library introduction (\`accel\`, \`cpu_model\`, \`kernel_args\`, ...), which override the
server-wide ones for this VM. The node is not contacted until a keyword needs it.

Calling \`Qemu Init\` again ends the previous instance first (its VM is killed, its files removed).
One owner per VM: when another live session of this server holds the same \`qemu_id\` on the same node
(host and port), \`Qemu Init\` fails naming that session, and writes nothing.

Example:
| Qemu Init | \${nodes['DUT1']} | qemu_id=\${1} | smp=\${2} | mem=\${1024} | vnf=testpmd_io | img=/opt/boot/vmlinuz |
| Qemu Init | \${nodes['DUT1']} | img=/opt/boot/vmlinuz-testbed | accel=tcg | kernel_args=pci=nomsi |
| Qemu Init | \${nodes['DUT1']} | qemu_id=\${1} | smp=\${3} | mem=\${4096} | vnf=vppip4_2vhostvr1024 | img=/opt/boot/vmlinuz | page_size=2M | contract=head |`,
    async run(context, args) {
      try {
        const a = robotArguments<InitArguments>(args);
        const vmArgs = { qemuId: a.qemu_id, smp: a.smp, mem: a.mem, vnf: a.vnf, img: a.img, binPath: a.bin_path, vmType: a.vm_type, pageSize: a.page_size };
        const instance = new QemuUtils(a.node, vmArgs, mergeSettings(serverSettings, settingsFromArguments(args, 'Qemu Init')), serverLog, vmOwnerOf(context));
        context.log.debug(`QemuUtils instance for VM ${instance.qemuId} (${instance.vmType}) on ${instance.node.host}`);
        return { instance };
      } catch (error) {
        throw asKeywordFailure(error);
      }
    },
  };

  const qemuClose: QemuKeyword = {
    name: 'qemu_close',
    instance: 'ends',
    tags: ['session'],
    parameters: [],
    doc: `Ends this session's QemuUtils instance: kills its VM if it still runs and removes the files the
instance created on the node. Does nothing when there is no instance, so it is safe in any teardown.
Like \`Qemu Kill\`, it also removes a VM no live session of this server holds but that runs on this
\`qemu_id\` (a live QEMU started with its pid file: a previous server run's, another server's or another
process's, as the warning says), with that id's files, and logs a warning naming them. Another live
session's VM is never touched. On a node that cannot be
reached it passes with a warning when this session started no VM there, and fails naming the VM, its pid and
the node when its VM may still run there; the session ends either way.

Example:
| [Teardown] | Qemu Close |`,
    async run(context) {
      try {
        await context.instance?.close(callOf(context, 'qemu_close'));
      } catch (error) {
        throw asKeywordFailure(error);
      }
    },
  };

  const noArgs = (name: string, tags: string[], doc: string, body: (vm: QemuUtils, call: CallContext) => Promise<unknown> | unknown, returnType?: string): QemuKeyword =>
    uses({ name, tags, parameters: [], doc, ...(returnType ? { returnType } : {}) }, (vm, _args, call) => body(vm, call));

  const withKwargs = (name: string, doc: string, body: (vm: QemuUtils, kwargs: Record<string, unknown>, call: CallContext) => Promise<unknown> | unknown): QemuKeyword =>
    uses({ name, tags: ['kernelvm'], parameters: [KWARGS], doc }, async (vm, args, call) => {
      await body(vm, vnfKwargs(args, call.keyword ?? name), call);
      return undefined;
    });

  return [
    qemuInit,
    qemuClose,
    noArgs(
      'add_params',
      ['command line'],
      `Adds the default QEMU parameters, then those of the VM type (the original \`add_params\`).

\`Qemu Init\` already did this: calling it again appends the same options a second time, as the original did.
With \`contract=head\` (no automatic parameters, and no \`add_params\` in HEAD) it adds HEAD's default and
kernelvm parameters.

Example:
| Add Params |`,
      (vm) => vm.addParams(),
    ),
    noArgs(
      'add_default_params',
      ['command line'],
      `Adds the default QEMU parameters: daemonize, pid file, CPU model, machine and accelerator, SMP,
huge-page backed memory, NUMA node, and \`-balloon none\` on QEMU older than 4.2. Appends to what is there.

With \`contract=head\`, CSIT HEAD's: \`-daemonize -nodefaults -name vnf<id>,debug-threads=on -no-user-config
-nographic -enable-kvm -pidfile /run/qemu_<id>.pid -cpu host -machine ... -smp ... -object
memory-backend-file,...,mem-path=<P>,share=on -m <mem>M -numa node,memdev=mem\`, P \`/dev/hugepages1G\` for
\`page_size=1G\`, else \`/dev/hugepages\`; no \`-monitor\`/\`-display\`/\`-vga\`/\`-balloon\`.

Example:
| Add Default Params |`,
      (vm) => vm.addDefaultParams(),
    ),
    noArgs(
      'add_nestedvm_params',
      ['command line'],
      `Adds the nestedvm parameters: management NIC with SSH forwarded from host port 10021+id, the disk
image, QMP socket, TCP console on port 4555+id and the guest agent socket. Appends to what is there.

Example:
| Add Nestedvm Params |`,
      (vm) => vm.addNestedvmParams(),
    ),
    noArgs(
      'add_kernelvm_params',
      ['command line', 'kernelvm'],
      `Adds the kernelvm parameters: serial log, the host's / as read-only 9p root, the newest
\`<img>*\` kernel with its command line (\`kernel_args\` appended), and a QMP socket. Appends to what is there.

With \`contract=head\`, CSIT HEAD's: \`-serial file:/tmp/serial_<id>.log\`, the 9p root with \`mount_tag=virtioroot\`,
\`-kernel\` and \`-initrd\`, and \`-append 'ro rootfstype=9p rootflags=trans=virtio root=virtioroot console=ttyS0
tsc=reliable hugepages=512 hugepagesz=2M init=/etc/vm_init_<id>.conf fastboot'\` (\`hugepages=3 hugepagesz=1G\`
for \`page_size=1G\`, \`ttyAMA0\` on aarch64, \`kernel_args\` after \`fastboot\`); no QMP socket. Kernel and initrd
are read from the node when the command line is first written (\`Qemu Get Command Line\`, \`Qemu Start\`): of
the files \`<img>*\` and \`initrd.img*\` beside them, the newest kernel (version order) that has an initrd of
the same version (\`vmlinuz-6.8.0-90-generic\` with \`initrd.img-6.8.0-90-generic\`). HEAD took the last of each
list independently, which booted a kernel with another's initrd (CSIT-1877); no matching pair fails naming
every kernel and initrd found.

Example:
| Add Kernelvm Params |`,
      (vm) => vm.addKernelvmParams(),
    ),
    withKwargs(
      'create_kernelvm_config_vpp',
      `Writes the VPP VNF's startup config (\`/etc/vpp/vm_startup_<id>.conf\`) and its CLI exec file
(\`/etc/vpp/vm_running_<id>.exec\`, from the template named by \`vnf\`) on the node, and makes
\`/usr/bin/vpp -c <startup>\` the VNF command. Usually called through \`Configure Kernelvm Vnf\`.

${KERNELVM_KWARGS_DOC}

Example:
| Create Kernelvm Config Vpp | mac1=52:54:00:00:01:01 | mac2=52:54:00:00:01:02 | vif1_mac=\${tg_if1_mac} | vif2_mac=\${tg_if2_mac} | jumbo_frames=\${False} |`,
      (vm, kwargs, call) => vm.createKernelvmConfigVpp(kwargs, call),
    ),
    withKwargs(
      'create_kernelvm_config_testpmd_io',
      `Makes testpmd in io forwarding the VNF command (\`<dpdk_path>/<arch>-native-linuxapp-gcc/app/testpmd\`
or \`testpmd_bin\`), with one forwarding core per vCPU but the first. Usually called through
\`Configure Kernelvm Vnf\`.

${KERNELVM_KWARGS_DOC}

Example:
| Create Kernelvm Config Testpmd Io | queues=\${1} | jumbo_frames=\${False} |`,
      (vm, kwargs) => vm.createKernelvmConfigTestpmdIo(kwargs),
    ),
    withKwargs(
      'create_kernelvm_config_testpmd_mac',
      `Makes testpmd in mac forwarding the VNF command, sending port 0's traffic to \`vif1_mac\` and port 1's
to \`vif2_mac\`. Usually called through \`Configure Kernelvm Vnf\`.

${KERNELVM_KWARGS_DOC}

Example:
| Create Kernelvm Config Testpmd Mac | queues=\${1} | jumbo_frames=\${False} | vif1_mac=\${tg_if1_mac} | vif2_mac=52:54:00:00:02:01 |`,
      (vm, kwargs) => vm.createKernelvmConfigTestpmdMac(kwargs),
    ),
    withKwargs(
      'create_kernelvm_init',
      `Writes the guest init script \`/etc/vm_init_<id>.conf\` (executable) from the \`init.sh\` template, whose
\`$vnf_bin\` placeholder is the VNF command. The script mounts what the VNF needs, hands the virtio NICs to
uio_pci_generic, runs the VNF in the foreground and powers the guest off when it ends.

Example:
| Create Kernelvm Init | vnf_bin=/usr/bin/dpdk-testpmd -v -l 0-1 -- --forward-mode=io |`,
      (vm, kwargs, call) => vm.createKernelvmInit(kwargs, call),
    ),
    withKwargs(
      'configure_kernelvm_vnf',
      `Configures the kernelvm's VNF, chosen by the \`vnf\` given to \`Qemu Init\` (a name containing \`vpp\`,
\`testpmd_io\` or \`testpmd_mac\`), then writes the init script that runs it. Files are written on the node
without passing their content through a shell.

${KERNELVM_KWARGS_DOC}

Example:
| Configure Kernelvm Vnf | mac1=52:54:00:00:01:01 | mac2=52:54:00:00:01:02 | vif1_mac=\${vif1_mac} | vif2_mac=\${vif2_mac} | queues=\${1} | jumbo_frames=\${False} |`,
      (vm, kwargs, call) => vm.configureKernelvmVnf(kwargs, call),
    ),
    noArgs(
      'get_qemu_pids',
      ['pinning'],
      `Returns the host thread ids of the VM's vCPUs, in vCPU order (from QMP \`query-cpus-fast\`; from the
\`CPU <n>/...\` thread names when QMP is unreachable).

Example:
| \${tids}= | Get Qemu Pids |`,
      (vm, call) => vm.getQemuPids(call),
      'list[str]',
    ),
    uses(
      {
        name: 'qemu_set_affinity',
        tags: ['pinning'],
        parameters: [{ name: 'host_cpus', kind: 'var-positional' }],
        doc: `Pins vCPU n to the n-th of \`host_cpus\` (taskset), one host CPU (or CPU list) per vCPU. Tries three
times a second apart while the thread count differs. On failure kills this VM (only this one) and fails.

Example:
| Qemu Set Affinity | 2 | 3 |
| Qemu Set Affinity | @{nf_cpus} |`,
      },
      (vm, args, call) => vm.qemuSetAffinity(args.host_cpus as (string | number)[], call),
    ),
    noArgs(
      'qemu_set_scheduler_policy',
      ['pinning'],
      `Sets SCHED_RR with priority 1 on every vCPU thread (chrt). On failure kills this VM (only this one).

Example:
| Qemu Set Scheduler Policy |`,
      async (vm, call) => {
        await vm.qemuSetSchedulerPolicy(call);
      },
    ),
    uses(
      {
        name: 'qemu_add_vhost_user_if',
        tags: ['vhost-user', 'command line'],
        parameters: [
          { name: 'socket', type: 'str' },
          { name: 'server', default: VHOST_USER_IF_DEFAULTS.server, type: 'bool' },
          { name: 'jumbo_frames', default: VHOST_USER_IF_DEFAULTS.jumboFrames, type: 'bool' },
          { name: 'queue_size', default: VHOST_USER_IF_DEFAULTS.queueSize, type: 'int | None' },
          { name: 'queues', default: VHOST_USER_IF_DEFAULTS.queues, type: 'int' },
          { name: 'reconnect', default: VHOST_USER_IF_DEFAULTS.reconnect, type: 'int | None' },
        ],
        doc: `Adds a vhost-user NIC on the unix socket \`socket\`: QEMU listens on it when \`server\` is true
(QEMU's start then waits until the peer, e.g. VPP, connects), else connects to it. NIC n gets MAC
\`52:54:00:00:<id>:<n>\` and PCI slot n+5 (at most 26 NICs). \`jumbo_frames\` enables mergeable buffers with
MTU 9200, \`queue_size\` sets the rx/tx ring sizes, \`queues\` the queue pairs. The NIC is recorded as
\`vhost<n>\` in the VM dict's \`interfaces\`.

\`reconnect\` (not in the original nor in CSIT HEAD; needs \`server=False\`) makes QEMU reconnect every
\`reconnect\` seconds after the peer went away (\`,reconnect=N\` on the chardev), so a restarted host vhost-user
server (VPP, testpmd) gets the VM's NIC back without a VM restart. None (the default) adds nothing.

Example:
| Qemu Add Vhost User If | /run/vpp/sock-1-1 |
| Qemu Add Vhost User If | /run/vpp/sock-1-2 | jumbo_frames=\${False} | queue_size=\${1024} | queues=\${1} |
| Qemu Add Vhost User If | /run/vpp/sock-1-1 | server=\${False} | reconnect=\${1} |`,
      },
      (vm, args) => {
        const a = robotArguments<VhostUserIfArguments>(args);
        vm.qemuAddVhostUserIf(a.socket, { server: a.server, jumboFrames: a.jumbo_frames, queueSize: a.queue_size, queues: a.queues, reconnect: a.reconnect });
      },
    ),
    ...headQemuKeywords(uses),
    ...guestQemuKeywords(uses),
    ...eventKeywords(uses),
    ...artifactQemuKeywords(uses),
    noArgs(
      'qemu_start',
      ['lifecycle'],
      `Starts the VM and returns its node dict once it has booted: checks the host's free huge pages
(allocating when \`allocate_hugepages\` is set), runs QEMU, then waits for the VNF's start-up text in the
serial log (kernelvm: \`Press enter to exit\` for testpmd, VPP's version banner), streamed from the node so
the keyword returns as soon as it appears, or for the guest agent (nestedvm, whose interface names are then
read by MAC). QEMU exiting, a kernel panic or a power-down fail at once; \`boot_timeout\` only bounds a guest
that hangs silently. On failure kills this VM, removes its runtime files and fails with QEMU's error output
and the serial log's (or console's) tail. The log shows how long the start and the boot took.

The dict: \`host\`, \`type\` (VM), \`port\` (SSH, 10021+id), \`serial\` (4555+id), \`username\`, \`password\`
(\`cisco\`/\`cisco\`; \`testuser\`/\`Csit1234\` under \`contract=head\`), \`interfaces\` (\`vhost<n>\`: \`mac_address\`,
\`socket\`, and \`name\` for nestedvm), and \`host_port\`, \`host_username\`, \`host_password\` for a node whose SSH port
is not 22. Under \`contract=head\` only what was added is started; with no parameters at all it fails at once.

Example:
| \${vm}= | Qemu Start |`,
      (vm, call) => vm.qemuStart(call),
      'dict',
    ),
    noArgs(
      'qemu_kill',
      ['lifecycle'],
      `Kills this instance's VM (SIGKILL to the process named in its pid file, after checking it is that
QEMU), waits until it is gone, and removes the files this instance created. Other VMs and files are
untouched; client-mode vhost-user sockets belong to their server and are kept. In a session that has
not started its VM, it also kills a VM a previous server run (restarted or crashed) left on this
\`qemu_id\` (only a QEMU started with its pid file), and removes that id's pid file, sockets, serial
log, init script and VPP files, with a warning naming the pid and the files.

Example:
| Qemu Kill |`,
      (vm, call) => vm.qemuKill(call),
    ),
    noArgs(
      'qemu_kill_all',
      ['lifecycle'],
      `*Kills every QEMU on the host*, as the original did: \`pkill -SIGKILL qemu\` hits every process whose
name contains "qemu", including other sessions' and other users' VMs, qemu-ga and qemu-nbd. Then removes
this instance's files. Prefer \`Qemu Kill\` (or \`Qemu Close\`), which touch only this session's VM.

Example:
| Qemu Kill All |`,
      (vm, call) => vm.qemuKillAll(call),
    ),
    ...hostQemuKeywords(uses),
  ];
}
