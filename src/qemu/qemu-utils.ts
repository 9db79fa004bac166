/**
 * The port of CSIT's QemuUtils (2019): one instance describes one VM on one node, builds its QEMU command
 * line, writes its guest configuration, starts, pins and kills it.
 *
 * Method names are the original's in camelCase; Robot reaches them through `src/library`. Where this
 * differs from the original, `docs/deviations.md` says how and why.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CommandFailedError,
  connectUnixSocket,
  execCmd,
  execCmdNoError,
  NodeConnectionError,
  nodeLabel,
  parseNode,
  writeFile,
  type Node,
} from '../node';
import { shellJoin, shellQuote } from '../node/quote';
import { waitForKernelvmBoot, waitForNestedvmBoot, processGoneCommand, saysProcessGone } from './boot';
import { leftoverProbeCommand, parseVmCleanupOutput, vmCleanupCommand, type LeftoverVm, type VmCleanupReport } from './cleanup';
import { NO_CALL_CONTEXT, type CallContext } from './call';
import { QemuConfigError, QemuStartError, QemuStateError, QemuVersionError } from './errors';
import { checkHugePages } from './hugepages';
import { onNodeStep } from './node-step';
import { QmpClient, type JsonObject, type JsonValue } from './monitor';
import { QemuOptions, type HostProfile } from './options';
import {
  addDefaultParams,
  addKernelvmParams,
  addNestedvmParams,
  addVhostUserIfParams,
  GUEST_ARCHES,
  VM_TYPES,
  type GuestArch,
  type VmLayout,
  type VmType,
} from './params';
import { resolveAccelerator } from './accelerator';
import { DEFAULT_SETTINGS, parseInteger, type QemuSettings } from './settings';
import { safeSubstitute, TemplateStore } from './template';
import { kernelvmTestpmdCommandLine } from './testpmd';
import { coerceVersion, parseQemuVersionOutput, versionAtLeast } from './version';
import { jumboFramesArg, macArg, queuesArg, templateValues, type VnfKwargs } from './vnf-args';
import { kernelvmVppStartupConfig } from './vpp-config';

export const DEFAULT_IMAGE = '/var/lib/vm/vhost-nested.img';
export const DEFAULT_BIN_PATH = '/usr/bin';
/** The original's boot budgets: kernelvm 60 tries of about 1 s, nestedvm 12 + 12 tries of 5 s. */
export const DEFAULT_BOOT_TIMEOUT: Readonly<Record<VmType, number>> = { kernelvm: 60, nestedvm: 120 };
/**
 * Under TCG a guest boots tens of times slower than under KVM, and on a loaded 2-core host a testpmd
 * kernelvm took 128 s. Failures (QEMU exiting, a panic, a power-down) are detected at once whatever the
 * budget, so a generous one only matters for a guest that hangs silently.
 */
export const TCG_BOOT_TIMEOUT: Readonly<Record<VmType, number>> = { kernelvm: 300, nestedvm: 300 };
/** How long a SIGKILLed QEMU may take to go (it frees its guest memory first). */
const KILL_WAIT_SECONDS = 10;
/** Lines of each removed file shown in the log (the original `cat`ted whole files). */
const KILL_SHOWN_LINES = 200;
/** The build script `Build Qemu` ships to the node. */
export const BUILD_SCRIPT = resolve(__dirname, '..', '..', 'node-scripts', 'qemu_build.sh');
/** Lines of the build's output a failed `Build Qemu` shows (configure and make say what broke at the end). */
const BUILD_TAIL_LINES = 20;

/** The original constructor's arguments (`node` aside). */
export interface QemuInitArgs {
  qemuId?: number;
  smp?: number;
  mem?: number;
  vnf?: string | null;
  img?: string;
  binPath?: string;
  /** Overrides the choice by image path ('/var/lib/vm/' nestedvm, '/opt/boot/vmlinuz' kernelvm). */
  vmType?: VmType | null;
}

export interface VmInterfaceInfo {
  mac_address: string;
  socket: string;
  name?: string;
}

/** The VM node dict `Qemu Start` returns, keys as the original's. */
export interface VmInfo {
  host: string;
  type: 'VM';
  port: number;
  serial: number;
  username: string;
  password: string;
  interfaces: Record<string, VmInterfaceInfo>;
  host_port?: number;
  host_username?: string;
  host_password?: string;
}

export interface VhostUserIfOptions {
  server?: boolean;
  jumboFrames?: boolean;
  queueSize?: number | null;
  queues?: number;
}

export interface BuildQemuOptions {
  forceInstall?: boolean;
  applyPatch?: boolean;
}

/** Files this instance made on the node, by the original's `_temp` key; only these are ever removed. */
type FileKind = 'config' | 'runtime' | 'socket';

function vmTypeOf(img: string, override: VmType | null | undefined): VmType {
  if (override) {
    if (!VM_TYPES.includes(override)) throw new QemuConfigError(`QEMU: vm_type must be one of ${VM_TYPES.join(', ')}, got ${JSON.stringify(override)}`);
    return override;
  }
  if (img.includes('/var/lib/vm/')) return 'nestedvm';
  if (img.includes('/opt/boot/vmlinuz')) return 'kernelvm';
  throw new QemuConfigError(
    `QEMU: Unknown VM image option! ${JSON.stringify(img)} is neither under /var/lib/vm/ (nestedvm disk image) nor ` +
      `/opt/boot/vmlinuz* (kernelvm kernel); give vm_type=nestedvm or vm_type=kernelvm for other paths`,
  );
}

export class QemuUtils {
  readonly node: Node;
  readonly settings: QemuSettings;
  readonly vmType: VmType;
  private readonly layout: VmLayout;
  private readonly binPath: string;
  private readonly vnf: string | null;
  private readonly templates: TemplateStore;
  private readonly vmInfo: VmInfo;
  /** The original's `_temp`: every file the VM involves, by key (`pidfile`, `qmp`, `vhost1`, ...). */
  private readonly temp = new Map<string, string>();
  /** Of those, what this instance created on the node (path -> kind): the only files it removes. */
  private readonly created = new Map<string, FileKind>();
  /** vhost-user sockets QEMU creates (server mode), which it leaves behind when killed. */
  private readonly serverSockets: string[] = [];
  private params = new QemuOptions();
  private vhostId = 0;
  private vnfBin: string | undefined;
  private hostProfile: HostProfile | undefined;
  /** Set between a start command that succeeded and a kill. */
  private vmPid: number | undefined;
  private startAttempted = false;
  /** Whether the node was asked for a VM left on our pid file by a previous server run. */
  private leftoverChecked = false;
  /** Such a VM, found and not yet removed. */
  private leftover: LeftoverVm | undefined;
  /** The cleanup of a failed start, which a shutdown's `close()` may overlap when it cut the keyword. */
  private pendingCleanup: Promise<void> = Promise.resolve();

  constructor(node: Node | Record<string, unknown>, args: QemuInitArgs = {}, settings: QemuSettings = { ...DEFAULT_SETTINGS }) {
    this.node = isParsedNode(node) ? node : parseNode(node);
    this.settings = settings;
    const arch = this.node.arch;
    if (!(GUEST_ARCHES as readonly string[]).includes(arch)) {
      throw new QemuConfigError(`QEMU: node arch ${JSON.stringify(arch)} is not supported; use one of ${GUEST_ARCHES.join(', ')}`);
    }
    const qemuId = parseInteger(args.qemuId ?? 1, 'qemu_id', 0, 255);
    const smp = parseInteger(args.smp ?? 1, 'smp', 1, 1024);
    const mem = parseInteger(args.mem ?? 512, 'mem', 1);
    const img = args.img ?? DEFAULT_IMAGE;
    if (img === '' || /[\0\n]/.test(img)) throw new QemuConfigError(`QEMU: img must be a path, got ${JSON.stringify(img)}`);
    this.binPath = args.binPath ?? DEFAULT_BIN_PATH;
    if (this.binPath === '' || /[\0\n]/.test(this.binPath)) throw new QemuConfigError(`QEMU: bin_path must be a directory, got ${JSON.stringify(this.binPath)}`);
    this.vnf = args.vnf ?? null;
    this.vmType = vmTypeOf(img, args.vmType);
    this.templates = new TemplateStore(settings.templateDir);

    this.vmInfo = {
      host: this.node.host,
      type: 'VM',
      port: 10021 + qemuId,
      serial: 4555 + qemuId,
      username: 'cisco',
      password: 'cisco',
      interfaces: {},
    };
    if (this.node.port !== 22) {
      this.vmInfo.host_port = this.node.port;
      this.vmInfo.host_username = this.node.username;
      if (this.node.password !== undefined) this.vmInfo.host_password = this.node.password;
    }

    this.layout = {
      qemuId,
      smp,
      mem,
      img,
      arch: arch as GuestArch,
      pidfile: `/var/run/qemu_${qemuId}.pid`,
      qmp: `/var/run/qmp_${qemuId}.sock`,
      qga: `/var/run/qga_${qemuId}.sock`,
      log: `/tmp/serial_${qemuId}.log`,
      ini: `/etc/vm_init_${qemuId}.conf`,
      sshPort: this.vmInfo.port,
      serialPort: this.vmInfo.serial,
    };
    this.temp.set('pidfile', this.layout.pidfile);
    this.temp.set('qmp', this.layout.qmp);
    if (this.vmType === 'nestedvm') {
      this.temp.set('qga', this.layout.qga);
    } else {
      this.temp.set('log', this.layout.log);
      this.temp.set('ini', this.layout.ini);
    }
    this.addParams();
  }

  get qemuId(): number {
    return this.layout.qemuId;
  }

  /** Whether a VM started by this instance may still be running. */
  get running(): boolean {
    return this.vmPid !== undefined;
  }

  /** The temporary files the VM involves, by the original's keys. */
  tempFiles(): Record<string, string> {
    return Object.fromEntries(this.temp);
  }

  /** The files this instance created on the node and would remove. */
  createdFiles(): string[] {
    return [...this.created.keys()];
  }

  // ---- command line ------------------------------------------------------------------------------------

  /** `add_params`: the default parameters, then those of the VM type. */
  addParams(): void {
    this.addDefaultParams();
    if (this.vmType === 'nestedvm') this.addNestedvmParams();
    else this.addKernelvmParams();
  }

  addDefaultParams(): void {
    addDefaultParams(this.params, this.layout, this.settings);
  }

  addNestedvmParams(): void {
    addNestedvmParams(this.params, this.layout);
  }

  addKernelvmParams(): void {
    addKernelvmParams(this.params, this.layout, this.settings);
  }

  /** `qemu_add_vhost_user_if`: one more vhost-user NIC; records it in the VM dict's `interfaces`. */
  qemuAddVhostUserIf(socket: string, options: VhostUserIfOptions = {}): VmInterfaceInfo & { name: string } {
    const index = this.vhostId + 1;
    const server = options.server ?? true;
    const added = addVhostUserIfParams(this.params, this.layout, index, {
      socket,
      server,
      jumboFrames: options.jumboFrames ?? false,
      queueSize: options.queueSize ?? undefined,
      queues: options.queues ?? 1,
    });
    this.vhostId = index;
    this.vmInfo.interfaces[added.name] = { mac_address: added.mac, socket };
    this.temp.set(added.name, socket);
    if (server) this.serverSockets.push(socket);
    return { name: added.name, mac_address: added.mac, socket };
  }

  private qemuBinary(): string {
    return `${this.binPath.replace(/\/+$/, '')}/qemu-system-${this.layout.arch}`;
  }

  /** The exact command `Qemu Start` runs (with `sudo -S ` in front). */
  async qemuGetCommandLine(call: CallContext = NO_CALL_CONTEXT): Promise<string> {
    const host = await this.resolveHostProfile(call);
    return `${shellQuote(this.qemuBinary())} ${this.params.render(host)}`;
  }

  /** The QEMU version and accelerator the command line is written for; asked of the node once. */
  private async resolveHostProfile(call: CallContext): Promise<HostProfile> {
    if (this.hostProfile) return this.hostProfile;
    return this.step(call, `asking for the QEMU version and accelerator (${this.qemuBinary()})`, () => this.askHostProfile(call));
  }

  private async askHostProfile(call: CallContext): Promise<HostProfile> {
    let version = this.settings.qemuVersion === undefined ? undefined : coerceVersion(this.settings.qemuVersion);
    if (version === undefined) {
      const result = await execCmd(this.node, `${shellQuote(this.qemuBinary())} --version`, { sudo: true, timeout: 60, signal: call.signal });
      const found = result.rc === 0 ? parseQemuVersionOutput(result.stdout) : undefined;
      version = found === undefined ? undefined : coerceVersion(found);
      if (version === undefined) {
        call.log.warn(
          `QEMU version of ${this.qemuBinary()} on ${this.node.host} unknown (rc ${String(result.rc)}: ` +
            `${(result.stderr || result.stdout).trim().slice(0, 200)}); writing the command line as for QEMU 2.x ` +
            `(-balloon none, server,nowait). Set qemu_version=... to choose.`,
        );
        // Not cached: the binary may appear later (`Build Qemu`).
        return { accelerator: await resolveAccelerator(this.node, this.qemuBinary(), this.layout.arch, this.settings, call), features: {} };
      }
    }
    const accelerator = await resolveAccelerator(this.node, this.qemuBinary(), this.layout.arch, this.settings, call);
    this.hostProfile = { accelerator, features: { version } };
    call.log.debug(`QEMU ${version.version} with ${accelerator} on ${this.node.host}`);
    return this.hostProfile;
  }

  // ---- kernelvm guest configuration ------------------------------------------------------------------

  private requireKernelvm(keyword: string): void {
    if (this.vmType !== 'kernelvm') {
      throw new QemuStateError(`${keyword} configures a kernelvm guest, but this VM is a ${this.vmType} (img ${this.layout.img})`);
    }
  }

  /** Writes a file on the node as root, replacing (not writing through) whatever is there. */
  private async writeNodeFile(call: CallContext, path: string, content: string, mode?: string): Promise<void> {
    await this.step(call, `writing ${path}`, async () => {
      // rm first, as the original did: tee would otherwise follow a symlink planted at a predictable path.
      await execCmdNoError(this.node, `rm -f ${shellQuote(path)}`, { sudo: true });
      await writeFile(this.node, path, content, { sudo: true, ...(mode === undefined ? {} : { mode }) });
    });
    this.created.set(path, 'config');
  }

  /** One step of the running keyword on this node: a node-layer failure names the keyword, the node and the step. */
  private step<T>(call: CallContext, step: string, run: () => Promise<T>): Promise<T> {
    return onNodeStep(call, this.node, step, run);
  }

  /** `create_kernelvm_config_vpp`: VPP startup config and the VNF's exec file from its template. */
  async createKernelvmConfigVpp(kwargs: VnfKwargs, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    const keyword = 'Create Kernelvm Config Vpp';
    this.requireKernelvm(keyword);
    const jumboFrames = jumboFramesArg(kwargs, keyword);
    const values = templateValues(kwargs, keyword);
    if (this.node.type !== 'DUT') {
      throw new QemuConfigError(`Startup config can only be applied to DUT node. Node ${this.node.host} has type ${JSON.stringify(this.node.type)}`);
    }
    const startup = `/etc/vpp/vm_startup_${this.layout.qemuId}.conf`;
    const running = `/etc/vpp/vm_running_${this.layout.qemuId}.exec`;
    const template = await this.templates.execTemplate(this.vnf ?? '');
    this.temp.set('startup', startup);
    this.temp.set('running', running);
    this.vnfBin = `/usr/bin/vpp -c ${shellQuote(startup)}`;
    await this.step(call, 'creating /etc/vpp', () => execCmdNoError(this.node, 'mkdir -p /etc/vpp', { sudo: true }));
    await this.writeNodeFile(call, startup, kernelvmVppStartupConfig({ smp: this.layout.smp, runningExec: running, jumboFrames }));
    await this.writeNodeFile(call, running, safeSubstitute(template, values));
    call.log.debug(`Wrote ${startup} and ${running} on ${this.node.host}`);
  }

  private testpmdProgram(): string {
    return this.settings.testpmdBin ?? `${this.settings.dpdkPath.replace(/\/+$/, '')}/${this.layout.arch}-native-linuxapp-gcc/app/testpmd`;
  }

  /** `create_kernelvm_config_testpmd_io`: the VNF command line, testpmd in io forwarding. */
  createKernelvmConfigTestpmdIo(kwargs: VnfKwargs): string {
    const keyword = 'Create Kernelvm Config Testpmd Io';
    this.requireKernelvm(keyword);
    this.vnfBin = kernelvmTestpmdCommandLine({
      smp: this.layout.smp,
      queues: queuesArg(kwargs, keyword),
      jumboFrames: jumboFramesArg(kwargs, keyword),
      mainLcoreFlag: this.settings.testpmdMainLcoreFlag,
      program: this.testpmdProgram(),
    });
    return this.vnfBin;
  }

  /** `create_kernelvm_config_testpmd_mac`: testpmd in mac forwarding towards `vif1_mac` / `vif2_mac`. */
  createKernelvmConfigTestpmdMac(kwargs: VnfKwargs): string {
    const keyword = 'Create Kernelvm Config Testpmd Mac';
    this.requireKernelvm(keyword);
    this.vnfBin = kernelvmTestpmdCommandLine({
      smp: this.layout.smp,
      queues: queuesArg(kwargs, keyword),
      jumboFrames: jumboFramesArg(kwargs, keyword),
      peers: { vif1Mac: macArg(kwargs, 'vif1_mac', keyword), vif2Mac: macArg(kwargs, 'vif2_mac', keyword) },
      mainLcoreFlag: this.settings.testpmdMainLcoreFlag,
      program: this.testpmdProgram(),
    });
    return this.vnfBin;
  }

  /** `create_kernelvm_init`: the guest init script from `init.sh`, executable. */
  async createKernelvmInit(kwargs: VnfKwargs, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    const keyword = 'Create Kernelvm Init';
    this.requireKernelvm(keyword);
    const values = templateValues(kwargs, keyword);
    const template = await this.templates.initTemplate();
    await this.writeNodeFile(call, this.layout.ini, safeSubstitute(template, values), '755');
    call.log.debug(`Wrote ${this.layout.ini} on ${this.node.host}`);
  }

  /** `configure_kernelvm_vnf`: the VNF's configuration (chosen by `vnf`), then the init script running it. */
  async configureKernelvmVnf(kwargs: VnfKwargs, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    this.requireKernelvm('Configure Kernelvm Vnf');
    const vnf = this.vnf;
    if (vnf === null) throw new QemuConfigError('QEMU: Unsupported VNF! vnf is None: give vnf=... (vpp_chain_ip4, testpmd_io, testpmd_mac, ...) to Qemu Init');
    if (vnf.includes('vpp')) await this.createKernelvmConfigVpp(kwargs, call);
    else if (vnf.includes('testpmd_io')) this.createKernelvmConfigTestpmdIo(kwargs);
    else if (vnf.includes('testpmd_mac')) this.createKernelvmConfigTestpmdMac(kwargs);
    else throw new QemuConfigError(`QEMU: Unsupported VNF! ${JSON.stringify(vnf)} names none of vpp*, testpmd_io, testpmd_mac`);
    await this.createKernelvmInit({ vnf_bin: this.vnfBin }, call);
  }

  // ---- start, boot, kill -------------------------------------------------------------------------------

  /** `qemu_start`: huge page check, start QEMU, wait for the guest; returns the VM node dict. */
  async qemuStart(call: CallContext = NO_CALL_CONTEXT): Promise<VmInfo> {
    if (this.running) throw new QemuStateError(`QEMU: VM ${this.layout.qemuId} on ${this.node.host} is already running (pid ${String(this.vmPid)}); Qemu Kill it first`);
    await this.pendingCleanup;
    if (!this.startAttempted && (!this.leftoverChecked || this.leftover !== undefined)) await this.refuseLeftover(call);
    const host = await this.resolveHostProfile(call);
    const command = `${shellQuote(this.qemuBinary())} ${this.params.render(host)}`;
    const started = performance.now();
    try {
      await this.step(call, 'checking huge pages', () =>
        checkHugePages(this.node, this.settings.hugepageMount, this.layout.mem, { allocate: this.settings.allocateHugepages }, call),
      );
      this.startAttempted = true;
      this.created.set(this.layout.pidfile, 'runtime');
      this.created.set(this.layout.qmp, 'socket');
      if (this.vmType === 'nestedvm') this.created.set(this.layout.qga, 'socket');
      else this.created.set(this.layout.log, 'runtime');
      for (const socket of this.serverSockets) this.created.set(socket, 'socket');
      call.log.info(`Starting VM ${this.layout.qemuId} on ${this.node.host}: sudo -S ${command}`);
      const launched = performance.now();
      const result = await this.step(call, `starting QEMU (VM ${this.layout.qemuId})`, () =>
        execCmd(this.node, command, { sudo: true, timeout: this.settings.startTimeout, signal: call.signal }),
      );
      if (result.rc !== 0) {
        // QEMU refused (or died before daemonizing): what it said, and whatever the guest printed, in one round trip.
        const report = await this.cleanUpFailedStart(call);
        const why = result.aborted ? 'the start was aborted (server shutting down)' : `rc ${String(result.rc)}${result.exitSignal ? ` (${result.exitSignal})` : ''}`;
        throw new QemuStartError(
          `QEMU: Start failed on ${this.node.host}! ${why}: ${tailLines(result.stderr || result.stdout) || '(no output)'}${serialTail(report?.files.get(this.layout.log))}`,
        );
      }
      const daemonized = performance.now();
      this.vmPid = await this.readPid(call);
      const timeoutSeconds = this.bootTimeoutSeconds(host.accelerator);
      const marker = await this.step(call, `waiting for VM ${this.layout.qemuId} to boot`, () => this.waitUntilVmBoot(timeoutSeconds, call));
      const booted = performance.now();
      call.log.info(
        `VM ${this.layout.qemuId} (pid ${String(this.vmPid)}) booted on ${this.node.host} in ${seconds(booted - launched)} ` +
          `(QEMU started in ${seconds(daemonized - launched)}, boot detected by ${marker}; keyword total ${seconds(booted - started)}, ` +
          `boot_timeout ${timeoutSeconds} s, ${host.accelerator})`,
      );
    } catch (error) {
      if (this.startAttempted) await this.cleanUpFailedStart(call);
      throw error;
    }
    return copyVmInfo(this.vmInfo);
  }

  /** The setting, else the original's budget; under TCG (tens of times slower than KVM) a larger one. */
  private bootTimeoutSeconds(accelerator: 'kvm' | 'tcg'): number {
    return this.settings.bootTimeout ?? (accelerator === 'tcg' ? TCG_BOOT_TIMEOUT : DEFAULT_BOOT_TIMEOUT)[this.vmType];
  }

  /** Waits for the guest; returns what showed it booted, for the log. */
  private async waitUntilVmBoot(timeoutSeconds: number, call: CallContext): Promise<string> {
    if (this.vmType === 'kernelvm') {
      const marker = await waitForKernelvmBoot(this.node, { log: this.layout.log, timeoutSeconds, pid: this.vmPid, call });
      return `'${marker}' in ${this.layout.log}`;
    }
    this.vmInfo.interfaces = await waitForNestedvmBoot(this.node, this.vmInfo.interfaces, {
      qga: this.layout.qga,
      timeoutSeconds,
      pid: this.vmPid,
      consolePort: this.layout.serialPort,
      call,
    });
    return `the guest agent on ${this.layout.qga}`;
  }

  /**
   * Every file the original naming scheme gives this id: what a VM of either type left by a previous server
   * run may own. Never vhost-user sockets (their names are the suite's) nor other ids' files.
   */
  private filesOfId(): string[] {
    const id = this.layout.qemuId;
    return [
      this.layout.pidfile, this.layout.qmp, this.layout.qga, this.layout.log, this.layout.ini,
      `/etc/vpp/vm_startup_${id}.conf`, `/etc/vpp/vm_running_${id}.exec`,
    ];
  }

  private noteLeftover(found: LeftoverVm | undefined, call: CallContext): void {
    this.leftoverChecked = true;
    this.leftover = found;
    if (found === undefined) return;
    call.log.warn(
      `A VM left by a previous server run holds ${this.layout.pidfile} on ${this.node.host} (pid ${found.pid}); ` +
        `files found: ${found.files.join(' ') || '(none)'}`,
    );
  }

  /** Fails `Qemu Start` while a VM left by a previous server run holds our pid file and sockets. */
  private async refuseLeftover(call: CallContext): Promise<void> {
    const result = await this.step(call, `looking for a VM a previous server run left on ${this.layout.pidfile}`, () =>
      execCmd(this.node, leftoverProbeCommand(this.layout.pidfile, this.filesOfId()), { sudo: true, timeout: 30, signal: call.signal }),
    );
    this.noteLeftover(parseVmCleanupOutput(result.stdout).leftover, call);
    if (this.leftover === undefined) return;
    throw new QemuStateError(
      `QEMU: a VM left by a previous server run holds ${this.layout.pidfile} (pid ${this.leftover.pid}); ` +
        `run Qemu Kill or Qemu Close in this session to remove it, or use another qemu_id (node ${this.node.host})`,
    );
  }

  /** The pid QEMU wrote, or undefined. */
  private async readPid(call: CallContext): Promise<number | undefined> {
    const result = await this.step(call, `reading ${this.layout.pidfile}`, () => execCmd(this.node, `cat ${shellQuote(this.layout.pidfile)}`, { sudo: true, timeout: 10 }));
    const text = result.stdout.trim();
    return result.rc === 0 && /^\d+$/.test(text) ? Number(text) : undefined;
  }

  private async requirePid(keyword: string, call: CallContext): Promise<number> {
    const pid = this.vmPid ?? (this.startAttempted ? await this.readPid(call) : undefined);
    if (pid === undefined) throw new QemuStateError(`${keyword}: VM ${this.layout.qemuId} on ${this.node.host} is not running; run Qemu Start first`);
    return pid;
  }

  /**
   * One node command: SIGKILLs our QEMU if the pid file names a process started with our pid file, waits
   * until it is gone, shows the tails of the files being removed, and removes the created files of `kinds`.
   */
  private async killAndRemove(call: CallContext, kinds: readonly FileKind[], kill = true, adopt = false): Promise<VmCleanupReport> {
    const remove = [...this.created].filter(([, kind]) => kinds.includes(kind)).map(([path]) => path);
    const show = remove.filter((path) => this.created.get(path) !== 'socket');
    if (!kill && remove.length === 0) return { outcome: 'not-running', files: new Map() };
    const command = vmCleanupCommand({
      kill,
      ...(adopt ? { adopt: this.filesOfId() } : {}),
      pidfile: this.layout.pidfile,
      ...(this.vmPid === undefined ? {} : { pid: this.vmPid }),
      show,
      showLines: KILL_SHOWN_LINES,
      remove,
      maxWaitSeconds: KILL_WAIT_SECONDS,
    });
    // No abort signal: cleanup must run even when the keyword is being aborted.
    const what = adopt
      ? `looking for a VM a previous server run left on ${this.layout.pidfile}${remove.length > 0 ? ` and removing the files of VM ${this.layout.qemuId}` : ''}`
      : kill
      ? `killing VM ${this.layout.qemuId}${this.vmPid === undefined ? '' : ` (pid ${this.vmPid})`}${remove.length > 0 ? ' and removing its files' : ''}`
      : `removing the files of VM ${this.layout.qemuId}`;
    const result = await this.step(call, what, () => execCmd(this.node, command, { sudo: true, timeout: KILL_WAIT_SECONDS + 30 }));
    const report = parseVmCleanupOutput(result.stdout);
    if (adopt) this.noteLeftover(report.leftover, call);
    if (result.rc !== 0) {
      throw new QemuStateError(`QEMU: cleaning up VM ${this.layout.qemuId} on ${this.node.host} failed (rc ${String(result.rc)}): ${tailLines(result.stderr || result.stdout, 5)}`);
    }
    if (report.outcome === 'killed') call.log.debug(`Killed QEMU process ${String(report.pid)} of VM ${this.layout.qemuId} on ${this.node.host}`);
    if (report.outcome === 'survived') call.log.warn(`QEMU process ${String(report.pid)} on ${this.node.host} still runs ${KILL_WAIT_SECONDS} s after SIGKILL`);
    for (const [path, text] of report.files) call.log.trace(`${path} (last ${KILL_SHOWN_LINES} lines):\n${text}`);
    for (const path of remove) this.created.delete(path);
    if (remove.length > 0) call.log.debug(`Removed on ${this.node.host}: ${remove.join(' ')}`);
    if (this.leftover !== undefined && report.outcome !== 'survived') {
      call.log.warn(`Removed the VM left by a previous server run on ${this.node.host}: pid ${this.leftover.pid}, ${this.filesOfId().join(' ')}`);
      this.leftover = undefined;
    }
    return report;
  }

  /**
   * After a failed start: this VM killed, its runtime files removed. The guest configuration stays, for a
   * corrected `Qemu Start`; `Qemu Kill` / `Qemu Close` remove it. Never throws: the start's error matters more.
   */
  private async cleanUpFailedStart(call: CallContext): Promise<VmCleanupReport | undefined> {
    const cleanup = this.killAndRemove(call, ['runtime', 'socket']).then(
      (report) => report,
      (error: unknown) => {
        call.log.warn(`Cleaning up after the failed start on ${this.node.host} failed too: ${(error as Error).message}`);
        return undefined;
      },
    );
    this.pendingCleanup = cleanup.then(() => undefined);
    try {
      return await cleanup;
    } finally {
      this.vmPid = undefined;
      this.startAttempted = false;
    }
  }

  /** `qemu_kill`: kills this instance's VM (by its pid file) and removes only the files this instance created. */
  async qemuKill(call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    await this.pendingCleanup;
    // An instance that started nothing may find a VM a previous server run left on its pid file: adopt it.
    const adopt = !this.running && !this.startAttempted && (!this.leftoverChecked || this.leftover !== undefined);
    const kill = this.running || this.startAttempted || adopt;
    await this.killAndRemove(call, ['config', 'runtime', 'socket'], kill, adopt);
    this.vmPid = undefined;
    this.startAttempted = false;
  }

  /**
   * `qemu_kill_all`: `pkill -SIGKILL qemu` on the node, as the original: it kills EVERY process whose name
   * contains "qemu" (other sessions' and other users' VMs, qemu-ga, qemu-nbd). Then removes this instance's files.
   */
  async qemuKillAll(call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    call.log.warn(`Qemu Kill All: killing EVERY process named like "qemu" on ${this.node.host} (pkill -SIGKILL qemu), not only this session's VM`);
    await this.pendingCleanup;
    const pid = this.vmPid ?? (this.startAttempted ? await this.readPid(call) : undefined);
    await this.step(call, 'killing every QEMU (pkill -SIGKILL qemu)', () => execCmd(this.node, 'pkill -SIGKILL qemu', { sudo: true }));
    if (pid !== undefined) {
      const gone = await this.step(call, `waiting for QEMU process ${pid} to go`, () =>
        execCmd(this.node, processGoneCommand(pid, KILL_WAIT_SECONDS), { timeout: KILL_WAIT_SECONDS + 30 }),
      );
      if (!saysProcessGone(gone.stdout)) call.log.warn(`QEMU process ${pid} on ${this.node.host} still runs ${KILL_WAIT_SECONDS} s after SIGKILL`);
    }
    this.vmPid = undefined;
    this.startAttempted = false;
    await this.killAndRemove(call, ['config', 'runtime', 'socket'], false);
  }

  /** Ends the instance: kills its VM if still running and removes its files. Safe to call more than once. */
  async close(call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    await this.pendingCleanup;
    const mayFindLeftover = !this.leftoverChecked || this.leftover !== undefined;
    if (!(this.running || this.startAttempted || this.created.size > 0 || mayFindLeftover)) return;
    // Whether a VM may run on the node that this instance is answerable for: its own, or a leftover it found.
    const vmMayRun = this.running || this.startAttempted || this.leftover !== undefined;
    const pid = this.vmPid ?? this.leftover?.pid;
    const files = this.createdFiles();
    try {
      await this.qemuKill(call);
    } catch (error) {
      if (!(error instanceof NodeConnectionError)) throw error;
      if (vmMayRun) {
        throw new QemuStateError(
          `QEMU: VM ${this.layout.qemuId}${pid === undefined ? '' : ` (pid ${pid})`} on ${nodeLabel(this.node)} could not be checked or ` +
            `killed, it may still be running there; its files stay too. Kill it on the node (${this.layout.pidfile}) or run ` +
            `Qemu Kill with the same qemu_id in a new session once the node is back. ${error.message}`,
          { cause: error },
        );
      }
      // Started nothing: only the look for a previous server run's VM (and the removal of guest configuration
      // files) failed. Closing must not fail a teardown over a node that is down; say what was not done.
      call.log.warn(
        `${error.message}\nThis session started no VM there, so it is closed all the same; not checked for a VM a previous ` +
          `server run left on ${this.layout.pidfile}${files.length > 0 ? `, and not removed: ${files.join(' ')}` : ''}.`,
      );
      // Said once: the session's end (which closes again) must not repeat the attempt and the warning.
      this.leftoverChecked = true;
      this.created.clear();
    }
  }

  // ---- pinning ------------------------------------------------------------------------------------------

  /** `get_qemu_pids`: the vCPU thread ids, in vCPU order (QMP `query-cpus-fast`). */
  async getQemuPids(call: CallContext = NO_CALL_CONTEXT): Promise<string[]> {
    const pid = await this.requirePid('Get Qemu Pids', call);
    try {
      const client = await this.connectQmp(call);
      try {
        const threads = await client.queryCpusFast({ signal: call.signal });
        return [...threads].sort((a, b) => a.cpuIndex - b.cpuIndex).map((thread) => String(thread.threadId));
      } finally {
        await client.close();
      }
    } catch (error) {
      if (call.signal?.aborted) throw error;
      call.log.debug(`QMP query-cpus-fast failed (${(error as Error).message}); reading vCPU threads from /proc/${pid}/task`);
      return this.vcpuThreadsFromProc(pid, call);
    }
  }

  /** With `debug-threads=on` vCPU threads are named `CPU <n>/KVM` (or `/TCG`); ordered by n. */
  private async vcpuThreadsFromProc(pid: number, call: CallContext): Promise<string[]> {
    const result = await this.step(call, `reading the vCPU threads of QEMU process ${pid}`, () =>
      execCmdNoError(this.node, `sh -c ${shellQuote(`grep -H . /proc/${pid}/task/*/comm`)}`, {
        sudo: true,
        message: `QEMU: reading vCPU threads of process ${pid} failed on ${this.node.host}`,
      }),
    );
    return parseVcpuThreads(result.stdout);
  }

  /** `qemu_set_affinity`: pins vCPU n to `hostCpus[n]` (taskset). On failure kills this VM (only). */
  async qemuSetAffinity(hostCpus: ReadonlyArray<string | number>, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    const cpus = hostCpus.map((cpu) => {
      const text = String(cpu).trim();
      if (!/^\d+([-,]\d+)*$/.test(text)) throw new QemuConfigError(`QEMU: host CPU ${JSON.stringify(cpu)} is not a CPU number or list like 2 or 2-3`);
      return text;
    });
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const threads = await this.getQemuPids(call);
        if (threads.length !== cpus.length) {
          if (attempt === 3) {
            throw new QemuStateError(
              `Failed to set Qemu threads affinity! VM ${this.layout.qemuId} has ${threads.length} vCPU threads, ${cpus.length} host CPUs were given`,
            );
          }
          await sleep(1000, undefined, { signal: call.signal });
          continue;
        }
        for (const [index, thread] of threads.entries()) {
          await this.step(call, `pinning vCPU thread ${thread} to CPU ${cpus[index]}`, () =>
            execCmdNoError(this.node, `taskset -pc ${cpus[index]} ${thread}`, { sudo: true, message: `QEMU: Set affinity failed on ${this.node.host}!` }),
          );
        }
        call.log.info(`Pinned VM ${this.layout.qemuId} vCPUs ${threads.map((thread, index) => `${index}(tid ${thread})->${cpus[index]}`).join(' ')}`);
        return;
      }
    } catch (error) {
      await this.killAfterError(call);
      throw error;
    }
  }

  /** `qemu_set_scheduler_policy`: SCHED_RR priority 1 for every vCPU thread. On failure kills this VM (only). */
  async qemuSetSchedulerPolicy(call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    try {
      for (const thread of await this.getQemuPids(call)) {
        await this.step(call, `setting SCHED_RR on vCPU thread ${thread}`, () =>
          execCmdNoError(this.node, `chrt -r -p 1 ${thread}`, { sudo: true, message: `QEMU: Set SCHED_RR failed on ${this.node.host}` }),
        );
      }
    } catch (error) {
      await this.killAfterError(call);
      throw error;
    }
  }

  private async killAfterError(call: CallContext): Promise<void> {
    try {
      await this.qemuKill(call);
    } catch (cleanupError) {
      call.log.warn(`Killing VM ${this.layout.qemuId} after the error failed too: ${(cleanupError as Error).message}`);
    }
  }

  // ---- QMP, version, build ----------------------------------------------------------------------------

  private async connectQmp(call: CallContext): Promise<QmpClient> {
    const logger = { debug: (message: string) => call.log.debug(message), warn: (message: string) => call.log.warn(message) };
    return this.step(call, `connecting to QMP on ${this.layout.qmp}`, () =>
      QmpClient.connect(() => connectUnixSocket(this.node, this.layout.qmp, { sudo: true }), { logger, signal: call.signal }),
    );
  }

  /**
   * `_qemu_qmp_exec`, made public: runs a QMP command on the VM's monitor and returns `{"return": ...}`.
   * A QMP error reply fails with its class and description.
   */
  async qemuQmpExec(command: string, args?: JsonObject | null, call: CallContext = NO_CALL_CONTEXT): Promise<{ return: JsonValue }> {
    if (!/^[A-Za-z0-9_-]+$/.test(command)) throw new QemuConfigError(`QMP command must be a name like query-status, got ${JSON.stringify(command)}`);
    await this.requirePid('Qemu Qmp Exec', call);
    const client = await this.connectQmp(call);
    try {
      return { return: await client.execute(command, args ?? undefined, { signal: call.signal }) };
    } finally {
      await client.close();
    }
  }

  /** `qemu_version`: the version string, or whether it is at least `version`. */
  async qemuVersion(version?: string | null, call: CallContext = NO_CALL_CONTEXT): Promise<string | boolean> {
    const command = `${shellQuote(this.qemuBinary())} --version`;
    const result = await this.step(call, `asking for the QEMU version (${this.qemuBinary()} --version)`, () =>
      execCmdNoError(this.node, command, { sudo: true, timeout: 60, signal: call.signal }),
    );
    const found = parseQemuVersionOutput(result.stdout);
    if (found === undefined) throw new QemuVersionError(`QEMU: no "QEMU emulator version" in the output of ${command} on ${this.node.host}: ${result.stdout.trim().slice(0, 200)}`);
    return version ? versionAtLeast(found, version) : found;
  }

  /** `build_qemu`: ships the build script to `node` and runs it there with the original's options. */
  async buildQemu(nodeDict: Node | Record<string, unknown>, options: BuildQemuOptions = {}, call: CallContext = NO_CALL_CONTEXT): Promise<void> {
    const node = isParsedNode(nodeDict) ? nodeDict : parseNode(nodeDict);
    const scriptDir = this.settings.remoteScriptDir.replace(/\/+$/, '');
    const script = `${scriptDir}/qemu_build.sh`;
    const content = await readFile(BUILD_SCRIPT, 'utf8');
    await onNodeStep(call, node, `copying the build script to ${script}`, async () => {
      await execCmdNoError(node, `mkdir -p ${shellQuote(scriptDir)}`, { sudo: true });
      await writeFile(node, script, content, { sudo: true, mode: '755' });
    });
    const args = [
      `--version=${this.settings.qemuInstallVersion}`,
      `--directory=${this.settings.qemuInstallDir}${options.applyPatch ? '-patch' : '-base'}`,
      ...(options.forceInstall ? ['--force'] : []),
      ...(options.applyPatch ? ['--patch'] : []),
      `--target-list=${node.arch}-softmmu`,
    ];
    // `sudo -E` as the original: the build downloads, and proxy settings must reach it.
    const command = `sudo -E sh ${shellJoin([script, ...args])}`;
    call.log.info(`Building QEMU on ${node.host}: ${command}`);
    // One stream, so the tail in a failure shows the script's messages in the order they came.
    const result = await onNodeStep(call, node, 'building QEMU', () => execCmd(node, `${command} 2>&1`, { timeout: 1000, signal: call.signal }));
    if (result.rc !== 0) {
      const why = result.aborted ? 'aborted (server shutting down)' : `rc ${String(result.rc)}${result.exitSignal ? ` (${result.exitSignal})` : ''}`;
      throw new CommandFailedError(
        command,
        result,
        `QEMU: Build failed on ${node.host}! ${command} gave ${why}; last ${BUILD_TAIL_LINES} lines of its output:\n${tailLines(result.stdout, BUILD_TAIL_LINES) || '(no output)'}`,
      );
    }
    call.log.debug(result.stdout);
    this.hostProfile = undefined;
  }
}

function isParsedNode(value: Node | Record<string, unknown>): value is Node {
  return typeof value.transport === 'string' && Array.isArray(value.dryRunResponses) && typeof value.raw === 'object';
}

function tailLines(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * A deep copy built from literals of this realm. `structuredClone` makes its objects in Node's main realm,
 * which a caller in another realm (a jest sandbox, a vm context) does not see as plain objects.
 */
function copyVmInfo(info: VmInfo): VmInfo {
  const interfaces: Record<string, VmInterfaceInfo> = {};
  for (const [key, value] of Object.entries(info.interfaces)) interfaces[key] = { ...value };
  return { ...info, interfaces };
}

function serialTail(log: string | undefined): string {
  return log && log.trim() ? `\nSerial log tail:\n${tailLines(log)}` : '';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Thread ids of `CPU <n>/...` threads from `grep -H . /proc/<pid>/task/<tid>/comm` output, by n. */
export function parseVcpuThreads(grepOutput: string): string[] {
  const threads: { index: number; tid: string }[] = [];
  for (const line of grepOutput.split('\n')) {
    const found = /\/task\/(\d+)\/comm:CPU (\d+)\//.exec(line);
    if (found) threads.push({ tid: found[1], index: Number(found[2]) });
  }
  return threads.sort((a, b) => a.index - b.index).map((thread) => thread.tid);
}

