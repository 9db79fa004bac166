/**
 * The port of CSIT's QemuUtils (2019): one instance describes one VM on one node, builds its QEMU command
 * line, writes its guest configuration, starts, pins and kills it.
 *
 * Method names are the original's in camelCase; Robot reaches them through `src/library`. Where this
 * differs from the original, `docs/deviations.md` says how and why. This class is the facade: who the VM
 * is (`vm-identity.ts`), its files (`vm-files.ts`), its lifecycle (`vm-lifecycle.ts`, one runstate in
 * `vm-runstate.ts`), the guest configuration (`guest-config.ts`), pinning and QMP (`pinning.ts`), the
 * node's QEMU (`host-profile.ts`) and `Build Qemu` (`build.ts`) each live in a module of their own.
 */
import { type Node } from '../node';
import { shellQuote } from '../node/quote';
import { reportBoots, vmArtifactNow, type BootTimeline, type VmArtifact } from './artifacts';
import { buildQemu, type BuildQemuOptions } from './build';
import { NO_CALL_CONTEXT, type CallContext, type QemuLog } from './call';
import { GuestConfig } from './guest-config';
import { checkGuestExecOptions, guestExec, type GuestCommandResult, type GuestExecOptions } from './guest';
import { HostProfileCache } from './host-profile';
import type { JsonObject, JsonValue } from './monitor';
import { findKernelvmBootFiles } from './head-boot';
import { checkVfioDevices } from './vfio';
import { NET_USER_DEFAULTS, addHeadDefaultParams, addHeadKernelvmParams, addHeadNetUser, addHeadVfioPciIf, addHeadVhostUserIf } from './head-params';
import { QemuOptions, type HostProfile, type KernelvmBootFiles } from './options';
import { addDefaultParams, addKernelvmParams, addNestedvmParams, addVhostUserIfParams, type VmType } from './params';
import { VmPinning } from './pinning';
import { QemuConfigError } from './errors';
import { DEFAULT_SETTINGS, type QemuSettings } from './settings';
import { VmFiles } from './vm-files';
import { nodeOf, qemuBinary, vmIdentity, type QemuInitArgs, type VmIdentity, type VmInfo, type VmInterfaceInfo } from './vm-identity';
import { VmLifecycle } from './vm-lifecycle';
import { NO_SERVER_LOG, VmMonitor, type EventReply, type ServerEventLog } from './vm-monitor';
import type { VmOwner } from './vm-ownership';
import type { Runstate } from './vm-runstate';
import type { VnfKwargs } from './vnf-args';

export { BUILD_QEMU_DEFAULTS, BUILD_SCRIPT, type BuildQemuOptions } from './build';
export { bootFileGlobs, bootFilesCommand, compareVersions, pairBootFiles } from './head-boot';
export { HUGEPAGE_MOUNT_1G, NET_USER_DEFAULTS, VIRTIO_FEATURE_BITS, headMemPath } from './head-params';
export { parseVcpuThreads } from './pinning';
export { DEFAULT_BIN_PATH, DEFAULT_IMAGE, HEAD_DEFAULT_IMAGE, PAGE_SIZES, QEMU_INIT_DEFAULTS, type QemuInitArgs, type VmInfo, type VmInterfaceInfo } from './vm-identity';
export { DEFAULT_BOOT_TIMEOUT, TCG_BOOT_TIMEOUT } from './vm-lifecycle';
export type { Runstate } from './vm-runstate';

export interface VhostUserIfOptions {
  server?: boolean | null;
  jumboFrames?: boolean | null;
  queueSize?: number | null;
  queues?: number | null;
  /** Client mode only: QEMU reconnects every N seconds after the peer went away. Not in the original. */
  reconnect?: number | null;
}

/**
 * `qemu_add_vhost_user_if`'s defaults, the original's, which the published keyword signature shows too;
 * `reconnect` is ours (neither 2019 nor CSIT HEAD has it), None adds nothing to the line.
 */
export const VHOST_USER_IF_DEFAULTS = Object.freeze({ server: true, jumboFrames: false, queueSize: null, queues: 1, reconnect: null });

/** CSIT HEAD's `add_vhost_user_if` options. */
export interface HeadVhostUserIfOptions {
  server?: boolean | null;
  jumbo?: boolean | null;
  queueSize?: number | null;
  queues?: number | null;
  virtioFeatureMask?: number | null;
}

/** CSIT HEAD's `add_vhost_user_if` defaults, as its signature has them (a None mask means 0 here). */
export const HEAD_VHOST_USER_IF_DEFAULTS = Object.freeze({ server: true, jumbo: false, queueSize: null, queues: 1, virtioFeatureMask: null });

export class QemuUtils {
  readonly node: Node;
  readonly settings: QemuSettings;
  readonly vmType: VmType;
  private readonly identity: VmIdentity;
  private readonly files: VmFiles;
  private readonly host: HostProfileCache;
  private readonly lifecycle: VmLifecycle;
  private readonly guest: GuestConfig;
  private readonly pinning: VmPinning;
  private readonly monitor: VmMonitor;
  private params = new QemuOptions();
  /** HEAD's `_nic_id` (2019's vhost count): vhost-user and vfio-pci NICs share it, and so their slots. */
  private nicId = 0;
  /** Set once HEAD's `-kernel`/`-initrd` are on the line: they are read from the node before rendering. */
  private needsBootFiles = false;
  private bootFiles: KernelvmBootFiles | undefined;
  private hasNetUser = false;
  /** The host PCI functions of `Add Vfio Pci If`, checked on the node before the start. */
  private readonly vfioDevices: string[] = [];

  /**
   * `serverLog`: where the VM's QMP events and boots are written as they come (the server's log). `owner`:
   * the session making the VM, which claims it (`vm-ownership.ts`); none for the domain used alone.
   */
  constructor(
    node: Node | Record<string, unknown>,
    args: QemuInitArgs = {},
    settings: QemuSettings = { ...DEFAULT_SETTINGS },
    private readonly serverLog: ServerEventLog = NO_SERVER_LOG,
    owner?: VmOwner,
  ) {
    this.node = nodeOf(node);
    this.settings = settings;
    this.identity = vmIdentity(this.node, args, settings.contract, owner);
    this.vmType = this.identity.vmType;
    this.files = new VmFiles(this.node, this.identity.layout, this.vmType);
    this.host = new HostProfileCache(this.node, qemuBinary(this.identity), this.identity.layout.arch, settings);
    this.guest = new GuestConfig(this.identity, this.files, settings);
    this.lifecycle = new VmLifecycle(
      this.identity,
      this.files,
      settings,
      (call) => {
        // A bare binary does not daemonize: the start would hang for start_timeout instead of failing.
        if (this.params.length === 0) {
          throw new QemuConfigError(`QEMU: VM ${this.qemuId} has no parameters to start with: under contract=head call Add Default Params, Add Kernelvm Params and the NIC keywords first`);
        }
        return this.checkedStartCommand(call);
      },
      () => this.guest.bootMarker,
    );
    this.monitor = new VmMonitor(this.identity, serverLog, () => this.params.has('qmp'), () => this.lifecycle.runstate.started);
    this.pinning = new VmPinning(this.identity, this.lifecycle, this.monitor);
    // CSIT HEAD has no automatic parameters: its callers add them (ce12c26).
    if (settings.contract === '2019') this.addParams();
  }

  /** `2019` or `head`: which CSIT QemuUtils the shared names follow for this VM. */
  get contract(): QemuSettings['contract'] {
    return this.settings.contract;
  }

  get qemuId(): number {
    return this.identity.layout.qemuId;
  }

  /** Whether a VM started by this instance may still be running (its pid is known). */
  get running(): boolean {
    return this.lifecycle.runstate.pid !== undefined;
  }

  /** Where the VM's lifecycle is: `new`, `idle`, `leftover`, `starting`, `running` or `cleaning-up`. */
  get runstate(): Runstate {
    return this.lifecycle.runstate.current;
  }

  /** The temporary files the VM involves, by the original's keys. */
  tempFiles(): Record<string, string> {
    return this.files.tempFiles();
  }

  /** The files this instance created on the node and would remove. */
  createdFiles(): string[] {
    return this.files.createdFiles();
  }

  // ---- command line ------------------------------------------------------------------------------------

  /** `add_params`: the default parameters, then those of the VM type. */
  addParams(): void {
    this.addDefaultParams();
    if (this.vmType === 'nestedvm') this.addNestedvmParams();
    else this.addKernelvmParams();
  }

  /** `add_default_params`: 2019's, or under `contract=head` HEAD's (`-nographic`, `page_size`'s mem-path). */
  addDefaultParams(): void {
    if (this.contract === 'head') addHeadDefaultParams(this.params, this.identity.layout, this.settings);
    else addDefaultParams(this.params, this.identity.layout, this.settings);
  }

  addNestedvmParams(): void {
    addNestedvmParams(this.params, this.identity.layout);
  }

  /** `add_kernelvm_params`: 2019's, or under `contract=head` HEAD's (`-serial file:`, paired `-kernel`/`-initrd`). */
  addKernelvmParams(): void {
    if (this.contract === 'head') {
      addHeadKernelvmParams(this.params, this.identity.layout, this.settings);
      this.needsBootFiles = true;
    } else {
      addKernelvmParams(this.params, this.identity.layout, this.settings);
    }
  }

  /** HEAD's `add_net_user`: the management NIC with SSH forwarded from host port 10021+id. */
  addNetUser(net: string | null = NET_USER_DEFAULTS.net): void {
    if (this.hasNetUser) throw new QemuConfigError(`QEMU: VM ${this.qemuId} already has its management NIC (netdev id mgmt); Add Net User once`);
    addHeadNetUser(this.params, this.identity.layout, net ?? NET_USER_DEFAULTS.net);
    this.hasNetUser = true;
  }

  /**
   * HEAD's `add_vhost_user_if`: one more vhost-user NIC, csum/gso from `virtio_feature_mask` (bits 0 and 6),
   * no `mrg_rxbuf`; `jumbo` only logged, as HEAD does. Recorded in the VM dict's `interfaces`.
   */
  addVhostUserIf(socket: string, options: HeadVhostUserIfOptions = {}, call: CallContext = NO_CALL_CONTEXT): VmInterfaceInfo & { name: string } {
    const index = this.nicId + 1;
    const server = options.server ?? HEAD_VHOST_USER_IF_DEFAULTS.server;
    const added = addHeadVhostUserIf(this.params, this.identity.layout, index, {
      socket,
      server,
      queues: options.queues ?? HEAD_VHOST_USER_IF_DEFAULTS.queues,
      virtioFeatureMask: options.virtioFeatureMask ?? 0,
      ...(options.queueSize === null || options.queueSize === undefined ? {} : { queueSize: options.queueSize }),
    });
    if (options.jumbo) call.log.debug('Jumbo frames temporarily disabled!');
    return this.recordVhostNic(index, added, socket, server);
  }

  /** HEAD's `add_vfio_pci_if`: passes host PCI function `pci` through as the next NIC (same counter as vhost-user). */
  addVfioPciIf(pci: string): void {
    const index = this.nicId + 1;
    addHeadVfioPciIf(this.params, index, pci);
    this.nicId = index;
    this.vfioDevices.push(pci);
  }

  /** `qemu_add_vhost_user_if`: one more vhost-user NIC; records it in the VM dict's `interfaces`. */
  qemuAddVhostUserIf(socket: string, options: VhostUserIfOptions = {}): VmInterfaceInfo & { name: string } {
    const index = this.nicId + 1;
    const server = options.server ?? VHOST_USER_IF_DEFAULTS.server;
    const added = addVhostUserIfParams(this.params, this.identity.layout, index, {
      socket,
      server,
      jumboFrames: options.jumboFrames ?? VHOST_USER_IF_DEFAULTS.jumboFrames,
      queueSize: options.queueSize ?? undefined,
      queues: options.queues ?? VHOST_USER_IF_DEFAULTS.queues,
      ...(options.reconnect === null || options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
    });
    return this.recordVhostNic(index, added, socket, server);
  }

  /** A vhost-user NIC just added, 2019's or HEAD's: counted, in the VM dict, and its socket among the VM's files. */
  private recordVhostNic(index: number, added: { name: string; mac: string }, socket: string, server: boolean): VmInterfaceInfo & { name: string } {
    this.nicId = index;
    this.identity.vmInfo.interfaces[added.name] = { mac_address: added.mac, socket };
    this.files.addVhostSocket(added.name, socket, server);
    return { name: added.name, mac_address: added.mac, socket };
  }

  /** The exact command `Qemu Start` runs (with `sudo -S ` in front). */
  async qemuGetCommandLine(call: CallContext = NO_CALL_CONTEXT): Promise<string> {
    return (await this.startCommand(call)).command;
  }

  /** The start's line, once the passthrough devices were found usable on the node (HEAD never checked them). */
  private async checkedStartCommand(call: CallContext): Promise<{ host: HostProfile; command: string }> {
    await checkVfioDevices(this.node, this.vfioDevices, call);
    return this.startCommand(call);
  }

  /** The host facts the line depends on (and HEAD's kernel/initrd pair, read once), then the line. */
  private async startCommand(call: CallContext): Promise<{ host: HostProfile; command: string }> {
    const host = await this.host.resolve(call);
    if (this.needsBootFiles && this.bootFiles === undefined) {
      this.bootFiles = await findKernelvmBootFiles(this.node, this.identity.layout.img, call);
    }
    const rendered = this.bootFiles === undefined ? host : { ...host, kernelvmBoot: this.bootFiles };
    // Under contract=head nothing may have been added yet: the bare binary, no trailing space.
    const options = this.params.render(rendered);
    return { host, command: options === '' ? shellQuote(qemuBinary(this.identity)) : `${shellQuote(qemuBinary(this.identity))} ${options}` };
  }

  // ---- kernelvm guest configuration ------------------------------------------------------------------

  /** `create_kernelvm_config_vpp`: VPP startup config and the VNF's exec file from its template. */
  createKernelvmConfigVpp(kwargs: VnfKwargs, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    return this.guest.createKernelvmConfigVpp(kwargs, call);
  }

  /** `create_kernelvm_config_testpmd_io`: the VNF command line, testpmd in io forwarding. */
  createKernelvmConfigTestpmdIo(kwargs: VnfKwargs): string {
    return this.guest.createKernelvmConfigTestpmdIo(kwargs);
  }

  /** `create_kernelvm_config_testpmd_mac`: testpmd in mac forwarding towards `vif1_mac` / `vif2_mac`. */
  createKernelvmConfigTestpmdMac(kwargs: VnfKwargs): string {
    return this.guest.createKernelvmConfigTestpmdMac(kwargs);
  }

  /** `create_kernelvm_init`: the guest init script from `init.sh`, executable. */
  createKernelvmInit(kwargs: VnfKwargs, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    return this.guest.createKernelvmInit(kwargs, call);
  }

  /** `configure_kernelvm_vnf`: the VNF's configuration (chosen by `vnf`), then the init script running it. */
  configureKernelvmVnf(kwargs: VnfKwargs, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    return this.guest.configureKernelvmVnf(kwargs, call);
  }

  // ---- start, boot, kill -------------------------------------------------------------------------------

  /**
   * `qemu_start`: huge page check, start QEMU, wait for the guest; returns the VM node dict. Its boot
   * timeline goes into the log unless `report` is false (the manager shows all its VMs' in one).
   */
  async qemuStart(call: CallContext = NO_CALL_CONTEXT, options: { report?: boolean } = {}): Promise<VmInfo> {
    try {
      const info = await this.lifecycle.qemuStart(call);
      await this.monitor.open(call);
      return info;
    } finally {
      const timeline = this.lifecycle.bootTimeline;
      if (options.report !== false && timeline !== undefined) reportBoots(`Boot of VM ${this.qemuId}`, [timeline], call.log, this.serverLog);
    }
  }

  /** The figures of the last `Qemu Start` (start command sent, QEMU up, booted), for a boot timeline. */
  get bootTimeline(): BootTimeline | undefined {
    return this.lifecycle.bootTimeline;
  }

  /**
   * The console and configuration of the VM: read now while it runs, else as its kill or failed start
   * saved them (`src/qemu/artifacts`).
   */
  qemuGetVmArtifact(keyword: string, call: CallContext = NO_CALL_CONTEXT): Promise<VmArtifact> {
    const vm = `VM ${this.qemuId} on ${this.node.host}`;
    return vmArtifactNow({ running: this.lifecycle.runstate.started, node: this.node, consolePath: this.identity.layout.log, artifacts: this.lifecycle.artifacts, vm }, keyword, call);
  }

  /** `qemu_kill`: kills this instance's VM (by its pid file) and removes only the files this instance created. */
  qemuKill(call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    return this.releasingMonitor(call, () => this.lifecycle.qemuKill(call));
  }

  /** The monitor is let go before the kill (no reconnects to a dying QEMU); what it saw reaches the log. */
  private async releasingMonitor(call: CallContext, kill: () => Promise<void>): Promise<void> {
    await this.monitor.close();
    this.monitor.report(call.log);
    await kill();
  }

  /**
   * `qemu_kill_all`: `pkill -SIGKILL qemu` on the node, as the original: it kills EVERY process whose name
   * contains "qemu" (other sessions' and other users' VMs, qemu-ga, qemu-nbd). Then removes this instance's files.
   */
  qemuKillAll(call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    return this.releasingMonitor(call, () => this.lifecycle.qemuKillAll(call));
  }

  /** Ends the instance: kills its VM if still running and removes its files. Safe to call more than once. */
  close(call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    return this.releasingMonitor(call, () => this.lifecycle.close(call));
  }

  // ---- QMP events, link ------------------------------------------------------------------------------

  /** The VM's QMP events not yet logged, into `log` (each keyword of the session calls this). */
  reportEvents(log: QemuLog): void {
    this.monitor.report(log);
  }

  /** `wait_for_qemu_event`: the first `name` event (data holding `data`) after the previous wait's. */
  waitForQemuEvent(name: string, data: Record<string, unknown> | undefined, timeoutSeconds: number, call: CallContext = NO_CALL_CONTEXT): Promise<EventReply> {
    return this.monitor.waitForEvent(name, data, timeoutSeconds, call);
  }

  /** `qemu_set_link`: QMP `set_link` on a vhost-user NIC (VM dict key, guest name or number); returns its netdev id. */
  async qemuSetLink(nic: string | number, up: boolean, call: CallContext = NO_CALL_CONTEXT): Promise<string> {
    await this.lifecycle.requirePid('Qemu Set Link', call);
    return this.monitor.setLink(nic, up, call);
  }

  // ---- pinning, QMP ----------------------------------------------------------------------------------

  /** `get_qemu_pids`: the vCPU thread ids, in vCPU order (QMP `query-cpus-fast`). */
  getQemuPids(call: CallContext = NO_CALL_CONTEXT): Promise<string[]> {
    return this.pinning.getQemuPids(call);
  }

  /** `qemu_set_affinity`: pins vCPU n to `hostCpus[n]` (taskset). On failure kills this VM (only). */
  qemuSetAffinity(hostCpus: ReadonlyArray<string | number>, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    return this.pinning.qemuSetAffinity(hostCpus, call);
  }

  /** `qemu_set_scheduler_policy`: SCHED_RR priority 1 for every vCPU thread. On failure kills this VM (only). */
  qemuSetSchedulerPolicy(call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    return this.pinning.qemuSetSchedulerPolicy(call);
  }

  /**
   * `_qemu_qmp_exec`, made public: runs a QMP command on the VM's monitor and returns `{"return": ...}`.
   * A QMP error reply fails with its class and description.
   */
  qemuQmpExec(command: string, args?: JsonObject | null, call: CallContext = NO_CALL_CONTEXT): Promise<{ return: JsonValue }> {
    return this.pinning.qemuQmpExec(command, args, call);
  }

  /**
   * A command inside the running VM (`/bin/sh -c`), through its guest agent (nestedvm's default) or over SSH
   * to the guest's sshd with the VM dict's credentials: rc, stdout and stderr, bounded, also in the log.
   */
  async qemuGuestExec(command: string, options: GuestExecOptions, call: CallContext = NO_CALL_CONTEXT): Promise<GuestCommandResult> {
    checkGuestExecOptions(command, options);
    await this.lifecycle.requirePid('Qemu Guest Exec', call);
    return guestExec({ node: this.node, layout: this.identity.layout, vmType: this.vmType, vmInfo: this.identity.vmInfo }, command, options, call);
  }

  // ---- version, build ----------------------------------------------------------------------------------

  /** `qemu_version`: the version string, or whether it is at least `version`. */
  qemuVersion(version?: string | null, call: CallContext = NO_CALL_CONTEXT): Promise<string | boolean> {
    return this.host.qemuVersion(version, call);
  }

  /** `build_qemu`: ships the build script to `node` and runs it there with the original's options. */
  async buildQemu(nodeDict: Node | Record<string, unknown>, options: BuildQemuOptions = {}, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    await buildQemu(nodeOf(nodeDict), this.settings, options, call);
    this.host.forget();
  }
}
