/**
 * CSIT HEAD's VPP guest (`create_kernelvm_config_vpp` at 78e52b9c, csit-head.md §5.1): the startup.conf of
 * each VNF family, chosen by substrings of the VNF name as HEAD does, and the command the init script runs.
 */
import { QemuConfigError } from '../errors';
import { VppStartupConfig } from '../vpp-config';

/** What HEAD reads from the VNF name (substring tests, in its order). */
export interface HeadVppFeatures {
  /** `*vhost*`: DPDK plugin and `dpdk` section over the two vhost-user NICs. */
  vhost: boolean;
  /** `*2vfpt*`: the AVF plugin (the NICs are passed-through VFs). */
  avf: boolean;
  /** `*ipsec*`: the three crypto plugins. */
  ipsec: boolean;
  /** `*nat*`: `nat { endpoint-dependent }` and the NAT plugin. */
  nat: boolean;
}

export function headVppFeatures(vnf: string): HeadVppFeatures {
  return { vhost: vnf.includes('vhost'), avf: vnf.includes('2vfpt'), ipsec: vnf.includes('ipsec'), nat: vnf.includes('nat') };
}

export interface HeadVppStartupArgs {
  vnf: string;
  qemuId: number;
  smp: number;
  /** The VM's page size (`2M`, `1G`): VPP's heap, default huge page and statseg use it. */
  pageSize: string;
  /** Rx queues per dpdk device (`dev default { num-rx-queues }`); needed for `*vhost*` only. */
  queues?: number;
  /** Jumbo frames keep multi-seg and tx checksum offload; needed for `*vhost*` only. */
  jumbo?: boolean;
}

/** Guest paths of HEAD's VPP files for VM `qemuId`. */
export function headVppFiles(qemuId: number): { startup: string; running: string } {
  return { startup: `/etc/vpp/vm_startup_${qemuId}.conf`, running: `/etc/vpp/vm_running_${qemuId}.exec` };
}

/** The init script's `${vnf_bin}` for a VPP guest. */
export function headVppVnfBin(qemuId: number): string {
  return `/usr/bin/vpp -c ${headVppFiles(qemuId).startup}`;
}

const PAGE_SIZE = /^[1-9][0-9]*[KMG]$/;

/**
 * HEAD's startup.conf, byte for byte (sections unix, socksvr, memory, statseg, buffers, cpu, plugins, then
 * dpdk or nat; VppConfigGenerator's spacing). An empty page size, which HEAD wrote as value-less keys
 * (csit-head.md §9.6), is refused.
 */
export function headVppStartupConfig(args: HeadVppStartupArgs): string {
  if (!PAGE_SIZE.test(args.pageSize)) {
    throw new QemuConfigError(
      `VPP startup config: page size must be like 2M or 1G (VPP's main heap, default huge page and statseg use it), got ${JSON.stringify(args.pageSize)}`,
    );
  }
  const features = headVppFeatures(args.vnf);
  const config = new VppStartupConfig();
  config.addUnixNodaemon();
  config.addUnixCliListen();
  config.addUnixExec(headVppFiles(args.qemuId).running);
  config.addItem(['socksvr', 'socket-name'], '/run/vpp/api.sock');
  config.addItem(['memory', 'main-heap-size'], '512M');
  config.addItem(['memory', 'main-heap-page-size'], args.pageSize);
  config.addItem(['memory', 'default-hugepage-size'], args.pageSize);
  config.addItem(['statseg', 'size'], '512M');
  config.addItem(['statseg', 'page-size'], args.pageSize);
  config.addItem(['statseg', 'per-node-counters'], 'on');
  config.addItem(['buffers', 'buffers-per-numa'], '107520');
  config.addCpuMainCore('0');
  if (args.smp > 1) config.addCpuCorelistWorkers(`1-${args.smp - 1}`);
  config.addPlugin('disable', 'default');
  config.addPlugin('enable', 'ping_plugin.so');
  if (features.avf) config.addPlugin('enable', 'avf_plugin.so');
  if (features.vhost) {
    if (args.queues === undefined || args.jumbo === undefined) {
      throw new QemuConfigError(`VPP startup config of ${args.vnf}: a vhost VNF needs queues and jumbo (the dpdk section uses them)`);
    }
    config.addPlugin('enable', 'dpdk_plugin.so');
    config.addDpdkDev('0000:00:06.0', '0000:00:07.0');
    config.addItem(['dpdk', 'dev default', 'num-rx-queues'], String(args.queues));
    config.addDpdkLogLevel('debug');
    if (!args.jumbo) {
      config.addDpdkNoMultiSeg();
      config.addDpdkNoTxChecksumOffload();
    }
  }
  if (features.ipsec) config.addPlugin('enable', 'crypto_native_plugin.so', 'crypto_ipsecmb_plugin.so', 'crypto_openssl_plugin.so');
  if (features.nat) {
    config.addItem(['nat', 'endpoint-dependent'], '');
    config.addPlugin('enable', 'nat_plugin.so');
  }
  return config.render();
}
