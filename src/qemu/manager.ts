/**
 * The port of CSIT's QemuManager (2019): the kernel VMs of `nf_chains` x `nf_nodes` network-function chains
 * on every DUT of a topology, each one a QemuUtils instance. It derives ids, names, vhost-user sockets, MACs,
 * queues and CPUs as the original did, starts all VMs with their boot waits overlapped (the original started
 * them one after another), and kills only the VMs it constructed.
 */
import { execCmd, execCmdNoError, parseNode } from '../node';
import { shellQuote } from '../node/quote';
import type { CallContext } from './call';
import { QemuConfigError, QemuError, QemuStartError, QemuStateError } from './errors';
import { constructPlan, MANAGER_DEFAULT_MEM, MANAGER_DEFAULT_SOCKET_DIR, type ConstructPlan, type ConstructVmsArgs, type NfCpus } from './manager/construct-args';
import { formatCpuList, hostCpuArg, nfCpuSlice, parseCpuList } from './manager/cpus';
import { diagnosticsLines, vmDiagnostics } from './manager/diagnostics';
import { constructHeadVmsOnNode, HEAD_SOCKET_DIR, headConstructPlan } from './manager/head-construct';
import { reason, vmCall } from './manager/vm-call';
import { reportBoots, type BootTimeline } from './artifacts';
import { pinnedCpusCsv } from './placement';
import type { KillAllVmsOptions, ManagedVm, ManagedVmSummary, StartAllVmsOptions } from './manager/types';
import { QemuUtils, type VmInfo } from './qemu-utils';
import { DEFAULT_SETTINGS, type QemuSettings } from './settings';
import { NO_SERVER_LOG, type ServerEventLog } from './server-log';

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `nf_chains` x `nf_nodes` VMs need at most 255 ids (MACs carry the id in one byte). */
const MAX_VMS_PER_NODE = 255;

export class QemuManager {
  /** The topology `nodes` dict, as given. */
  readonly nodes: Readonly<Record<string, unknown>>;
  readonly settings: QemuSettings;
  private machines: ManagedVm[] = [];
  private vnf = '';
  private mem = MANAGER_DEFAULT_MEM;
  private socketDir = MANAGER_DEFAULT_SOCKET_DIR;
  /** contract=head: HEAD's `machines` is None until `initialize()`. */
  private initialized = false;
  /** contract=head: the VM dicts of the last `Start All VMs`, for the Robot layer to put into `${nodes}`. */
  private startedDicts: Record<string, VmInfo> = {};

  /** `serverLog`: where its VMs' QMP events are written as they come (the server's log), as for a VM session's. */
  constructor(
    nodes: Record<string, unknown>,
    settings: QemuSettings = { ...DEFAULT_SETTINGS },
    private readonly serverLog: ServerEventLog = NO_SERVER_LOG,
  ) {
    if (!isRecord(nodes)) throw new QemuConfigError('QemuManager: nodes must be the topology nodes dict ({DUT1: {...}, ...})');
    const duts = Object.entries(nodes).filter(([, node]) => isRecord(node) && node.type === 'DUT');
    if (duts.length === 0) {
      throw new QemuConfigError(`QemuManager: no node with type DUT in nodes (keys: ${Object.keys(nodes).join(', ') || 'none'}); VMs are built on DUTs only`);
    }
    this.nodes = nodes;
    this.settings = settings;
  }

  /** Topology keys of the DUTs, in the dict's order (the original's loop order). */
  get dutKeys(): string[] {
    return Object.entries(this.nodes)
      .filter(([, node]) => isRecord(node) && node.type === 'DUT')
      .map(([key]) => key);
  }

  get vms(): readonly ManagedVm[] {
    return this.machines;
  }

  summaries(): ManagedVmSummary[] {
    return this.machines.map((machine) => ({
      name: machine.name,
      node: machine.dut,
      host: machine.vm.node.host,
      qemu_id: machine.qemuId,
      smp: machine.cpus.length,
      mem: this.mem,
      vnf: this.vnf,
      cpus: [...machine.cpus],
      sockets: [...machine.sockets],
      mac1: machine.mac1,
      mac2: machine.mac2,
      vif1_mac: machine.vif1Mac,
      vif2_mac: machine.vif2Mac,
      queues: machine.queues,
    }));
  }

  // ---- construction -------------------------------------------------------------------------------------

  /**
   * `construct_vms_on_all_nodes`: builds (and configures on the nodes) the VMs of every DUT. VMs constructed
   * before are ended first (killed if running, their files removed); the original merely forgot them.
   */
  async constructVmsOnAllNodes(input: ConstructVmsArgs, call: CallContext): Promise<ManagedVmSummary[]> {
    const keyword = 'Construct VMs On All Nodes';
    const args = constructPlan(input, keyword);
    if (this.machines.length > 0) {
      call.log.info(`${keyword}: ending the ${this.machines.length} VM(s) constructed before`);
      await this.close(call);
    }
    const perNode = args.nfChains * args.nfNodes;
    const idBase = args.firstQemuId - 1;
    if (idBase + perNode > MAX_VMS_PER_NODE) {
      throw new QemuConfigError(`${keyword}: ${perNode} VMs per node from first_qemu_id ${idBase + 1}; the last id may be at most ${MAX_VMS_PER_NODE} (the qemu id is one byte of the MACs)`);
    }
    this.vnf = args.vnf;
    this.mem = args.mem;
    this.socketDir = args.socketDir;
    const queues = args.autoScale ? args.rxqCountInt : 1;
    const dataCores = args.autoScale ? args.cpuCountInt : 1;
    const skip = args.skipCpus ?? 2 + args.cpuCountInt;
    const explicit = args.nfCpus;
    if (Array.isArray(explicit) && explicit.length !== perNode) {
      throw new QemuConfigError(`${keyword}: nf_cpus has ${explicit.length} CPU list(s), but each DUT gets ${perNode} VM(s) (nf_chains ${args.nfChains} x nf_nodes ${args.nfNodes})`);
    }

    try {
      for (const dut of this.dutKeys) {
        const hostCpus = explicit === undefined ? (args.hostCpus ? [...args.hostCpus] : await this.onlineCpus(dut, call)) : undefined;
        for (let chain = 1; chain <= args.nfChains; chain++) {
          for (let nfNode = 1; nfNode <= args.nfNodes; nfNode++) {
            const qemuId = idBase + (chain - 1) * args.nfNodes + nfNode;
            const name = `${dut}_${qemuId}`;
            const cpus =
              explicit !== undefined
                ? this.explicitCpus(explicit, qemuId - idBase - 1, name, keyword)
                : nfCpuSlice({ cpuList: hostCpus ?? [], nfChains: args.nfChains, nfNodes: args.nfNodes, nfChain: chain, nfNode, nfDtc: dataCores, skipCnt: skip }).map(String);
            const vif1Mac = nfNode === 1 ? (args.tgIf1Mac ?? null) : `52:54:00:00:${hex2(qemuId - 1)}:02`;
            const vif2Mac = nfNode === args.nfNodes ? (args.tgIf2Mac ?? null) : `52:54:00:00:${hex2(qemuId + 1)}:01`;
            await this.constructVm({ dut, name, qemuId, cpus, vif1Mac, vif2Mac, queues, args }, call);
          }
        }
      }
    } catch (error) {
      // Whatever was written for the VMs built so far goes: a half-constructed set is never left behind.
      await this.close(call).catch((cleanupError: unknown) => call.log.warn(`Cleaning up after the failed construction failed too: ${reason(cleanupError)}`));
      throw error;
    }
    const summaries = this.summaries();
    call.log.info(
      `Constructed ${summaries.length} VM(s): ${summaries.map((vm) => `${vm.name} (id ${vm.qemu_id}, CPUs ${vm.cpus.join(',')}, ${vm.sockets.join(' ')})`).join('; ')}`,
    );
    return summaries;
  }

  // ---- contract=head: HEAD's QemuManager (csit-head.md §2) -----------------------------------------------

  /** HEAD's `initialize()`: forgets the VMs (here: ends them first, so none is left running unowned). */
  async initialize(call: CallContext): Promise<void> {
    if (this.machines.length > 0) await this.close(call);
    this.initialized = true;
  }

  /** HEAD's `construct_vms_on_node(node=..., **kwargs)`: the VMs of one DUT, added to those constructed since `initialize`. */
  async constructVmsOnNode(node: string, kwargs: Readonly<Record<string, unknown>>, call: CallContext): Promise<ManagedVmSummary[]> {
    const keyword = 'Construct VMs On Node';
    if (!this.initialized) throw new QemuStateError(`${keyword}: run Initialize first (HEAD's manager has no machines before it)`);
    for (const key of ['nf_chain', 'nf_node'] as const) {
      if (kwargs[key] !== undefined) call.log.warn(`${keyword}: ${key} ignored: the manager loops over every chain and node`);
    }
    const plan = headConstructPlan(kwargs, keyword);
    if (this.machines.some((machine) => machine.dut === node)) throw new QemuStateError(`${keyword}: ${node} already has VMs since Initialize; run Initialize again first`);
    this.vnf = plan.vnf;
    this.socketDir = HEAD_SOCKET_DIR;
    this.mem = plan.mem;
    try {
      await constructHeadVmsOnNode(this.nodes, node, plan, this.settings, this.serverLog, (machine) => this.machines.push(machine), call);
    } catch (error) {
      const own = this.machines.filter((machine) => machine.dut === node);
      this.machines = this.machines.filter((machine) => machine.dut !== node);
      await Promise.allSettled(own.map((machine) => machine.vm.close(vmCall(call, machine.name))));
      throw error;
    }
    return this.summaries().filter((vm) => vm.node === node);
  }

  /** HEAD's `construct_vms_on_all_nodes(**kwargs)`: `initialize()`, then every DUT in topology order. */
  async constructHeadVmsOnAllNodes(kwargs: Readonly<Record<string, unknown>>, call: CallContext): Promise<ManagedVmSummary[]> {
    await this.initialize(call);
    try {
      for (const dut of this.dutKeys) await this.constructVmsOnNode(dut, kwargs, call);
    } catch (error) {
      // As 2019's: a half-constructed set (DUT1 built, DUT2 failed) is never left behind.
      await this.close(call).catch((cleanupError: unknown) => call.log.warn(`Cleaning up after the failed construction failed too: ${reason(cleanupError)}`));
      throw error;
    }
    return this.summaries();
  }

  /** HEAD's `start_all_vms(pinning)`: starts (and pins) every VM; returns the pinned CPUs as CSV (`3,4,60`; `''` unpinned). */
  async startAllVmsHead(pinning: boolean, call: CallContext): Promise<string> {
    const vms = await this.startAllVms({ pinning }, call);
    this.startedDicts = vms;
    call.log.info(`VM dicts: ${JSON.stringify(vms)}`);
    return pinnedCpusCsv(this.machines.map((machine) => machine.cpus.map(Number)), pinning);
  }

  /** The VM dicts, by name, of the started VMs still running (HEAD's `nodes[name]` entries). */
  runningVmDicts(): Record<string, VmInfo> {
    const running = new Set(this.machines.filter((machine) => machine.vm.running).map((machine) => machine.name));
    return Object.fromEntries(Object.entries(this.startedDicts).filter(([name]) => running.has(name)));
  }

  /** `position`: the VM's place on its DUT, from 0. */
  private explicitCpus(nfCpus: NfCpus, position: number, name: string, keyword: string): string[] {
    const entry = Array.isArray(nfCpus) ? (nfCpus as readonly (readonly (string | number)[])[])[position] : (nfCpus as Readonly<Record<string, readonly (string | number)[]>>)[name];
    if (entry === undefined) {
      throw new QemuConfigError(`${keyword}: nf_cpus has no CPU list for VM ${name}; give one per VM name (${name}: [2, 3]) or one list per VM in order`);
    }
    if (!Array.isArray(entry) || entry.length === 0) throw new QemuConfigError(`${keyword}: nf_cpus for ${name} must be a non-empty list of CPUs (one per vCPU), got ${JSON.stringify(entry)}`);
    return entry.map((cpu: unknown, index: number) => hostCpuArg(cpu, `${keyword}: nf_cpus for ${name}, entry ${index}`));
  }

  private async onlineCpus(dut: string, call: CallContext): Promise<number[]> {
    const node = parseNode(this.nodes[dut]);
    const result = await execCmd(node, 'cat /sys/devices/system/cpu/online', { timeout: 30, ...(call.signal === undefined ? {} : { signal: call.signal }) });
    try {
      if (result.rc !== 0) throw new QemuConfigError(`rc ${String(result.rc)}: ${result.stderr.trim()}`);
      return parseCpuList(result.stdout, `online CPUs of ${dut}`);
    } catch (error) {
      throw new QemuConfigError(`Construct VMs On All Nodes: cannot read the online CPUs of ${dut} (${node.host}): ${reason(error)}. Give nf_cpus=... or host_cpus=...`);
    }
  }

  private async constructVm(
    spec: { dut: string; name: string; qemuId: number; cpus: string[]; vif1Mac: string | null; vif2Mac: string | null; queues: number; args: ConstructPlan },
    call: CallContext,
  ): Promise<void> {
    const { dut, name, qemuId, cpus, vif1Mac, vif2Mac, queues, args } = spec;
    const vm = new QemuUtils(
      this.nodes[dut] as Record<string, unknown>,
      { qemuId, smp: cpus.length, mem: this.mem, vnf: args.vnf, img: args.img, vmType: 'kernelvm' },
      this.settings,
      this.serverLog,
      call.owner,
    );
    const mac1 = `52:54:00:00:${hex2(qemuId)}:01`;
    const mac2 = `52:54:00:00:${hex2(qemuId)}:02`;
    const sockets: [string, string] = [`${this.socketDir}/sock-${qemuId}-1`, `${this.socketDir}/sock-${qemuId}-2`];
    const machine: ManagedVm = { name, dut, qemuId, cpus, sockets, mac1, mac2, vif1Mac, vif2Mac, queues, vm };
    // Registered before configuring, so a failure below still removes what was written.
    this.machines.push(machine);
    await vm.configureKernelvmVnf(
      { mac1, mac2, ...(vif1Mac === null ? {} : { vif1_mac: vif1Mac }), ...(vif2Mac === null ? {} : { vif2_mac: vif2Mac }), queues, jumbo_frames: args.jumbo },
      vmCall(call, name),
    );
    for (const socket of sockets) vm.qemuAddVhostUserIf(socket, { jumboFrames: args.jumbo, queues, queueSize: args.perfQemuQsz });
  }

  private requireVms(keyword: string): void {
    if (this.machines.length === 0) throw new QemuStateError(`${keyword}: this manager has no VMs; run Construct VMs On All Nodes first`);
  }

  // ---- start, pin, kill --------------------------------------------------------------------------------

  /**
   * `start_all_vms`: starts every VM at once and waits for their boots together; with `pinning`, pins each
   * VM as soon as it has booted. When one VM fails, the others' waits are cut short and every VM this call
   * started is killed, then the call fails naming each VM's outcome. Returns the VM dicts by name (the
   * original put them into `nodes[name]`).
   */
  async startAllVms(options: StartAllVmsOptions, call: CallContext): Promise<Record<string, VmInfo>> {
    const keyword = 'Start All VMs';
    this.requireVms(keyword);
    const running = this.machines.filter((machine) => machine.vm.running).map((machine) => machine.name);
    if (running.length > 0) throw new QemuStateError(`${keyword}: ${running.join(', ')} already run(s); Kill All VMs first`);
    await this.ensureSocketDirs(call);

    const stop = new AbortController();
    const signal = call.signal === undefined ? stop.signal : AbortSignal.any([stop.signal, call.signal]);
    let firstFailure: string | undefined;
    const begun = Date.now();
    const bootSeconds: Record<string, number> = {};
    const outcomes = await Promise.allSettled(
      this.machines.map(async (machine) => {
        const context = vmCall(call, machine.name, signal);
        const started = Date.now();
        try {
          const info = await machine.vm.qemuStart(context, { report: false });
          bootSeconds[machine.name] = (Date.now() - started) / 1000;
          context.log.info(`booted in ${bootSeconds[machine.name].toFixed(1)} s`);
          if (options.pinning) {
            await machine.vm.qemuSetAffinity(machine.cpus, context);
            machine.vm.bootTimeline?.mark('pinned');
          }
          return info;
        } catch (error) {
          if (firstFailure === undefined) {
            firstFailure = machine.name;
            stop.abort(new QemuStartError(`${machine.name} failed`));
          }
          throw error;
        }
      }),
    );
    const elapsed = (Date.now() - begun) / 1000;
    this.reportBoots(keyword, outcomes, call);
    const failed = outcomes.some((outcome) => outcome.status === 'rejected');
    if (!failed) {
      const sum = Object.values(bootSeconds).reduce((total, seconds) => total + seconds, 0);
      call.log.info(`All ${this.machines.length} VM(s) booted in ${elapsed.toFixed(1)} s (boot waits overlapped; one after another would take about ${sum.toFixed(1)} s)`);
      return Object.fromEntries(this.machines.map((machine, index) => [machine.name, (outcomes[index] as PromiseFulfilledResult<VmInfo>).value]));
    }

    // A failed VM cleaned up after itself (QemuUtils does); those that started are killed here.
    await Promise.allSettled(
      this.machines.map(async (machine, index) => {
        if (outcomes[index].status === 'fulfilled' || machine.vm.running) await machine.vm.qemuKill(vmCall(call, machine.name));
      }),
    );
    const report = this.machines.map((machine, index) => {
      const outcome = outcomes[index];
      if (outcome.status === 'fulfilled') return `${machine.name}: booted, killed because ${firstFailure ?? 'another VM'} failed`;
      if (machine.name !== firstFailure && stop.signal.aborted && !(call.signal?.aborted ?? false)) {
        // Its own message would blame the abort (read as a server shutdown); the cause is the other VM.
        return `${machine.name}: boot wait stopped because ${firstFailure ?? 'another VM'} failed; killed`;
      }
      return `${machine.name}: ${reason(outcome.reason)}`;
    });
    const failures = outcomes.filter((outcome) => outcome.status === 'rejected').length;
    throw new QemuStartError(`${keyword}: ${firstFailure ?? 'a VM'} failed${failures > 1 ? ` (${failures} of ${this.machines.length} VMs did not start)` : ''}; none of this manager's VMs is left running.\n${report.join('\n')}`);
  }

  /** Every VM's boot on one time axis in the Robot log, one line each in the server log. */
  private reportBoots(keyword: string, outcomes: readonly PromiseSettledResult<unknown>[], call: CallContext): void {
    const timelines: BootTimeline[] = [];
    this.machines.forEach((machine, index) => {
      const timeline = machine.vm.bootTimeline;
      if (timeline === undefined) return;
      timeline.name = machine.name;
      // Pinning is not part of the VM's own start: its failure is marked here.
      const outcome = outcomes[index];
      if (outcome.status === 'rejected') timeline.failed(reason(outcome.reason));
      timelines.push(timeline);
    });
    const failed = timelines.filter((timeline) => timeline.outcome === 'failed').length;
    reportBoots(`${keyword}: ${timelines.length} VM(s)${failed > 0 ? `, ${failed} failed` : ''}`, timelines, call.log, this.serverLog);
  }

  /** vhost-user server sockets need their directory (VPP creates `/var/run/vpp`; without VPP nobody does). */
  private async ensureSocketDirs(call: CallContext): Promise<void> {
    const seen = new Set<string>();
    for (const machine of this.machines) {
      if (seen.has(machine.dut)) continue;
      seen.add(machine.dut);
      await execCmdNoError(machine.vm.node, `mkdir -p ${shellQuote(this.socketDir)}`, {
        sudo: true,
        timeout: 30,
        ...(call.signal === undefined ? {} : { signal: call.signal }),
        message: `Start All VMs: cannot create the vhost-user socket directory ${this.socketDir} on ${machine.dut}`,
      });
    }
  }

  /** `set_scheduler_all_vms`: SCHED_RR priority 1 on every vCPU thread of every VM. */
  async setSchedulerAllVms(call: CallContext): Promise<void> {
    const keyword = 'Set Scheduler All VMs';
    this.requireVms(keyword);
    await this.forEachVm(keyword, call, (machine, context) => machine.vm.qemuSetSchedulerPolicy(context));
  }

  /** `kill_all_vms`: kills every VM this manager constructed and removes their files; nothing else. */
  async killAllVms(options: KillAllVmsOptions, call: CallContext): Promise<void> {
    const keyword = 'Kill All VMs';
    try {
      await this.forEachVm(keyword, call, (machine, context) => machine.vm.qemuKill(context));
    } finally {
      if (options.force) await this.killStrays(call);
    }
  }

  /** Runs `body` for every VM at once; fails after all ran, naming each VM that failed. */
  private async forEachVm(keyword: string, call: CallContext, body: (machine: ManagedVm, context: CallContext) => Promise<unknown>): Promise<void> {
    const outcomes = await Promise.allSettled(this.machines.map((machine) => body(machine, vmCall(call, machine.name))));
    const failures = outcomes
      .map((outcome, index) => (outcome.status === 'rejected' ? `${this.machines[index].name}: ${reason(outcome.reason)}` : undefined))
      .filter((line): line is string => line !== undefined);
    if (failures.length > 0) throw new QemuError(`${keyword}: ${failures.length} of ${this.machines.length} VM(s) failed:\n${failures.join('\n')}`);
  }

  /** SIGKILLs processes whose command line names one of our pid files: only QEMUs this manager started. */
  private async killStrays(call: CallContext): Promise<void> {
    for (const machine of this.machines) {
      const pidfile = machine.vm.tempFiles().pidfile;
      if (pidfile === undefined) continue;
      // `[q]` keeps the pattern from matching the sudo/sh processes that carry it on their own command line.
      const pattern = `[q]emu-system-[^ ]* .*-pidfile ${pidfile.replace(/[.[\]\\^$*+?(){}|]/g, '\\$&')}( |$)`;
      const result = await execCmd(machine.vm.node, `pkill -SIGKILL -f -- ${shellQuote(pattern)}`, { sudo: true, timeout: 30 });
      if (result.rc === 0) call.log.warn(`[${machine.name}] Kill All VMs force: killed a QEMU still running with pid file ${pidfile}`);
    }
  }

  /** Diagnostics of every VM (see `vmDiagnostics`). */
  async diagnostics(lines: number | null | undefined, call: CallContext): Promise<string> {
    diagnosticsLines(lines);
    if (this.machines.length === 0) return 'VM manager: no VMs constructed';
    const reports: string[] = [];
    for (const machine of this.machines) reports.push(await vmDiagnostics(machine.vm, machine.name, { lines }, call));
    return reports.join('\n');
  }

  /** Ends the manager: kills its VMs if running and removes their files. Safe to call more than once. */
  async close(call: CallContext): Promise<void> {
    const machines = this.machines;
    try {
      await this.forEachVm('Closing the VM manager', call, (machine, context) => machine.vm.close(context));
    } finally {
      if (this.machines === machines) this.machines = [];
    }
  }
}

export { formatCpuList, parseCpuList, nfCpuSlice };
export { HEAD_CONSTRUCT_DEFAULTS, HEAD_CONSTRUCT_KWARGS } from './manager/head-construct';
export { CONSTRUCT_VMS_DEFAULTS, MANAGER_DEFAULT_KERNEL, MANAGER_DEFAULT_MEM, MANAGER_DEFAULT_SOCKET_DIR, type ConstructVmsArgs, type NfCpus } from './manager/construct-args';
export type { KillAllVmsOptions, ManagedVm, ManagedVmSummary, StartAllVmsOptions } from './manager/types';
