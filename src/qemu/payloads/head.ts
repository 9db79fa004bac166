/**
 * CSIT HEAD's kernelvm guest payload as one value: the files to write on the node, the VNF command, the init
 * script and the boot marker, from the VNF name, the VM and the `Configure Kernelvm Vnf` kwargs. Nothing
 * here touches a node; the caller writes `files` and `init` (as GuestConfig does for 2019).
 */
import { QemuConfigError } from '../errors';
import { substituteAll, type TemplateStore } from '../template';
import { jumboFramesArg, macArg, queuesArg, templateValues, type VnfKwargs } from '../vnf-args';
import { customPayload } from './custom';
import { headBootMarker, headVnfFamily, type HeadBootMarker, type HeadVnfFamily } from './head-boot';
import { headIperf3InitValues } from './head-iperf3';
import { headTestpmdCommandLine } from './head-testpmd';
import { headVppFeatures, headVppFiles, headVppStartupConfig, headVppVnfBin } from './head-vpp';

const KEYWORD = 'Configure Kernelvm Vnf';

export interface HeadPayloadRequest {
  vnf: string;
  qemuId: number;
  smp: number;
  /** The VM's page size (`2M`, `1G`), for VPP's startup.conf. */
  pageSize: string;
  kwargs: VnfKwargs;
  /** The payload generation (`TemplateGenerations.generation(...)`, `head` by default). */
  templates: TemplateStore;
  /** testpmd's path; HEAD's `/opt/dpdk/build/app/dpdk-testpmd` when absent. */
  testpmdProgram?: string;
}

/** A guest file on the node; `temp` is its key among the VM's temporary files (kill removes it). */
export interface HeadGuestFile {
  /** `startup`, `running` (VPP) or `vnf_file<n>` (custom). */
  temp: string;
  path: string;
  content: string;
}

export interface HeadPayload {
  family: HeadVnfFamily;
  /** Written before the init script, in this order. */
  files: HeadGuestFile[];
  vnfBin: string;
  /** The init script's template file name and its text, for `/etc/vm_init_<id>.conf` (mode 755). */
  init: { template: string; content: string };
  boot: HeadBootMarker;
}

async function vppPayload(request: HeadPayloadRequest): Promise<Pick<HeadPayload, 'files' | 'vnfBin'>> {
  const { vnf, qemuId, kwargs } = request;
  const vhost = headVppFeatures(vnf).vhost;
  // HEAD needs queues and jumbo for the dpdk section only; asked first, as HEAD's KeyError came before writing.
  const dpdk = vhost ? { queues: queuesArg(kwargs, KEYWORD), jumbo: jumboFramesArg(kwargs, KEYWORD, 'jumbo') } : {};
  const values = templateValues(kwargs, KEYWORD);
  // The template is chosen and filled before anything is written: an unknown VNF or a missing value fails clean.
  const running = substituteAll(await request.templates.execTemplate(vnf), values, `${vnf}.exec`);
  const startup = headVppStartupConfig({ vnf, qemuId, smp: request.smp, pageSize: request.pageSize, ...dpdk });
  const paths = headVppFiles(qemuId);
  return {
    files: [
      { temp: 'startup', path: paths.startup, content: startup },
      { temp: 'running', path: paths.running, content: running },
    ],
    vnfBin: headVppVnfBin(qemuId),
  };
}

function testpmdVnfBin(request: HeadPayloadRequest, mac: boolean): string {
  const { kwargs } = request;
  return headTestpmdCommandLine({
    smp: request.smp,
    queues: queuesArg(kwargs, KEYWORD),
    jumbo: jumboFramesArg(kwargs, KEYWORD, 'jumbo'),
    ...(mac ? { peers: { vif1Mac: macArg(kwargs, 'vif1_mac', KEYWORD), vif2Mac: macArg(kwargs, 'vif2_mac', KEYWORD) } } : {}),
    ...(request.testpmdProgram === undefined ? {} : { program: request.testpmdProgram }),
  });
}

/** The whole HEAD payload of `request.vnf`; fails before anything could be written. */
export async function headKernelvmPayload(request: HeadPayloadRequest): Promise<HeadPayload> {
  const family = headVnfFamily(request.vnf);
  if (family === 'custom') return { family, ...(await customPayload(request.kwargs, request.templates)) };
  const boot = headBootMarker(request.vnf);
  if (family === 'iperf3') {
    const template = 'init_iperf3.sh';
    const values = headIperf3InitValues(request.qemuId);
    return { family, files: [], vnfBin: values.vnf_bin, init: { template, content: substituteAll(await request.templates.initTemplate(template), values, template) }, boot };
  }
  let part: Pick<HeadPayload, 'files' | 'vnfBin'>;
  if (family === 'vpp') part = await vppPayload(request);
  else if (family === 'testpmd_io' || family === 'testpmd_mac') part = { files: [], vnfBin: testpmdVnfBin(request, family === 'testpmd_mac') };
  else throw new QemuConfigError(`QEMU: Unsupported VNF! ${JSON.stringify(request.vnf)}`);
  const template = 'init.sh';
  const init = substituteAll(await request.templates.initTemplate(template), { vnf_bin: part.vnfBin }, template);
  return { family, ...part, init: { template, content: init }, boot };
}
