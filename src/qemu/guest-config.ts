/**
 * The kernelvm guest's configuration on the node: the VNF's command (VPP with its startup config and exec
 * file, or testpmd) and the init script that runs it (the original's `create_kernelvm_*`).
 */
import { execCmdNoError } from '../node';
import { shellQuote } from '../node/quote';
import type { CallContext } from './call';
import { QemuConfigError, QemuStateError } from './errors';
import { onNodeStep } from './node-step';
import { headKernelvmPayload, writeHeadPayload, type HeadBootMarker } from './payloads';
import type { QemuSettings } from './settings';
import { safeSubstitute, TemplateGenerations, TemplateStore } from './template';
import { kernelvmTestpmdCommandLine } from './testpmd';
import type { VmFiles } from './vm-files';
import type { VmIdentity } from './vm-identity';
import { jumboFramesArg, macArg, queuesArg, templateValues, type VnfKwargs } from './vnf-args';
import { kernelvmVppStartupConfig } from './vpp-config';

/** VppConfigGenerator.set_node's refusal, as the 2019 original spelled it. */
export const NOT_A_DUT = 'Startup config can only be applied to DUTnode.';

export class GuestConfig {
  private readonly templates: TemplateStore;
  /** The VNF command the init script runs, once a `Create Kernelvm Config *` made it. */
  private vnfBin: string | undefined;
  /** Under `contract=head`, the marker and budget of the payload `Configure Kernelvm Vnf` wrote, for the boot wait. */
  private headBoot: HeadBootMarker | undefined;

  constructor(
    private readonly identity: VmIdentity,
    private readonly files: VmFiles,
    private readonly settings: QemuSettings,
  ) {
    this.templates = new TemplateStore(settings.templateDir);
  }

  private requireKernelvm(keyword: string): void {
    if (this.identity.vmType !== 'kernelvm') {
      throw new QemuStateError(`${keyword} configures a kernelvm guest, but this VM is a ${this.identity.vmType} (img ${this.identity.layout.img})`);
    }
  }

  /** `create_kernelvm_config_vpp`: VPP startup config and the VNF's exec file from its template. */
  async createKernelvmConfigVpp(kwargs: VnfKwargs, call: CallContext): Promise<void> {
    const keyword = 'Create Kernelvm Config Vpp';
    this.requireKernelvm(keyword);
    const { node, layout } = this.identity;
    // The original's order: the node first (VppConfigGenerator.set_node), then the kwargs.
    if (node.type !== 'DUT') {
      // The original's text byte for byte (two literals joined without a space): suites may match it whole,
      // so what the node is goes to the log.
      call.log.info(`${keyword}: node ${node.host} has type ${JSON.stringify(node.type)}; the VPP startup config is only written to a node of type DUT`);
      throw new QemuConfigError(NOT_A_DUT);
    }
    const jumboFrames = jumboFramesArg(kwargs, keyword);
    const values = templateValues(kwargs, keyword);
    const startup = `/etc/vpp/vm_startup_${layout.qemuId}.conf`;
    const running = `/etc/vpp/vm_running_${layout.qemuId}.exec`;
    // Before anything reaches the node: the original wrote startup.conf and removed the exec file, then
    // failed opening an unknown template, leaving a half-configured guest.
    const template = await this.templates.execTemplate(this.identity.vnf ?? '');
    this.files.note('startup', startup);
    this.files.note('running', running);
    this.vnfBin = `/usr/bin/vpp -c ${shellQuote(startup)}`;
    await onNodeStep(call, node, 'creating /etc/vpp', () => execCmdNoError(node, 'mkdir -p /etc/vpp', { sudo: true }));
    await this.files.writeNodeFile(call, startup, kernelvmVppStartupConfig({ smp: layout.smp, runningExec: running, jumboFrames }));
    await this.files.writeNodeFile(call, running, safeSubstitute(template, values));
    call.log.debug(`Wrote ${startup} and ${running} on ${node.host}`);
  }

  private testpmdProgram(): string {
    return this.settings.testpmdBin ?? `${this.settings.dpdkPath.replace(/\/+$/, '')}/${this.identity.layout.arch}-native-linuxapp-gcc/app/testpmd`;
  }

  /** `create_kernelvm_config_testpmd_io`: the VNF command line, testpmd in io forwarding. */
  createKernelvmConfigTestpmdIo(kwargs: VnfKwargs): string {
    return this.testpmd('Create Kernelvm Config Testpmd Io', kwargs, false);
  }

  /** `create_kernelvm_config_testpmd_mac`: testpmd in mac forwarding towards `vif1_mac` / `vif2_mac`. */
  createKernelvmConfigTestpmdMac(kwargs: VnfKwargs): string {
    return this.testpmd('Create Kernelvm Config Testpmd Mac', kwargs, true);
  }

  /** The testpmd VNF command; `macForwarding` sends each port's traffic to its peer MAC. */
  private testpmd(keyword: string, kwargs: VnfKwargs, macForwarding: boolean): string {
    this.requireKernelvm(keyword);
    const queues = queuesArg(kwargs, keyword);
    const jumboFrames = jumboFramesArg(kwargs, keyword);
    const peers = macForwarding ? { peers: { vif1Mac: macArg(kwargs, 'vif1_mac', keyword), vif2Mac: macArg(kwargs, 'vif2_mac', keyword) } } : {};
    this.vnfBin = kernelvmTestpmdCommandLine({
      smp: this.identity.layout.smp,
      queues,
      jumboFrames,
      ...peers,
      mainLcoreFlag: this.settings.testpmdMainLcoreFlag,
      program: this.testpmdProgram(),
    });
    return this.vnfBin;
  }

  /** The boot marker of the HEAD payload last configured; undefined once a 2019 init script replaced it. */
  get bootMarker(): HeadBootMarker | undefined {
    return this.headBoot;
  }

  /** `create_kernelvm_init`: the guest init script from `init.sh`, executable. */
  async createKernelvmInit(kwargs: VnfKwargs, call: CallContext): Promise<void> {
    const keyword = 'Create Kernelvm Init';
    this.requireKernelvm(keyword);
    this.headBoot = undefined;
    const values = templateValues(kwargs, keyword);
    const template = await this.templates.initTemplate();
    const ini = this.identity.layout.ini;
    await this.files.writeNodeFile(call, ini, safeSubstitute(template, values), '755');
    call.log.debug(`Wrote ${ini} on ${this.identity.node.host}`);
  }

  /** `configure_kernelvm_vnf`: the VNF's configuration (chosen by `vnf`), then the init script running it. */
  async configureKernelvmVnf(kwargs: VnfKwargs, call: CallContext): Promise<void> {
    this.requireKernelvm('Configure Kernelvm Vnf');
    const vnf = this.identity.vnf;
    if (vnf === null) throw new QemuConfigError('QEMU: Unsupported VNF! vnf is None: give vnf=... (vpp_chain_ip4, testpmd_io, testpmd_mac, ...) to Qemu Init');
    if (this.settings.contract === 'head') return this.configureHeadVnf(vnf, kwargs, call);
    if (vnf.includes('vpp')) await this.createKernelvmConfigVpp(kwargs, call);
    else if (vnf.includes('testpmd_io')) this.createKernelvmConfigTestpmdIo(kwargs);
    else if (vnf.includes('testpmd_mac')) this.createKernelvmConfigTestpmdMac(kwargs);
    else throw new QemuConfigError(`QEMU: Unsupported VNF! ${JSON.stringify(vnf)} names none of vpp*, testpmd_io, testpmd_mac`);
    await this.createKernelvmInit({ vnf_bin: this.vnfBin }, call);
  }

  /**
   * HEAD's `configure_kernelvm_vnf`: the payload of the chosen template generation (`head` by default):
   * startup.conf and .exec for VPP, testpmd's or iperf3's init, or a custom VNF's command, files and marker,
   * rendered and checked whole before anything is written.
   */
  private async configureHeadVnf(vnf: string, kwargs: VnfKwargs, call: CallContext): Promise<void> {
    const keyword = 'Configure Kernelvm Vnf';
    const { node, layout } = this.identity;
    if (vnf.includes('vpp') && node.type !== 'DUT') {
      call.log.info(`${keyword}: node ${node.host} has type ${JSON.stringify(node.type)}; the VPP startup config is only written to a node of type DUT`);
      throw new QemuConfigError(NOT_A_DUT);
    }
    const templates = await new TemplateGenerations(this.settings.templateDir).generation(this.settings.payloadGeneration ?? 'head');
    const payload = await headKernelvmPayload({
      vnf,
      qemuId: layout.qemuId,
      smp: layout.smp,
      pageSize: layout.pageSize ?? '2M',
      kwargs,
      templates,
      ...(this.settings.testpmdBin === undefined ? {} : { testpmdProgram: this.settings.testpmdBin }),
    });
    this.vnfBin = payload.vnfBin;
    await writeHeadPayload(payload, { node, files: this.files, ini: layout.ini }, call);
    this.headBoot = payload.boot;
  }
}
