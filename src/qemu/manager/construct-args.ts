/**
 * `Construct VMs On All Nodes` arguments: the original's keyword arguments plus the placement knobs, their
 * defaults, and the checks every caller gets (the Robot binding, a TypeScript user), made once.
 */
import { describeValue, isUsablePath, requireBoolean, requireInteger } from '../checks';
import { QemuConfigError } from '../errors';
import { parseCpuList } from './cpus';

/** The original's kernel path (`Constants.QEMU_VM_KERNEL`): the newest `/opt/boot/vmlinuz*` is booted. */
export const MANAGER_DEFAULT_KERNEL = '/opt/boot/vmlinuz';
export const MANAGER_DEFAULT_SOCKET_DIR = '/var/run/vpp';
export const MANAGER_DEFAULT_MEM = 4096;

/** Per-VM host CPUs: a list per VM in construction order (the same on every DUT), or by VM name (`DUT1_1`). */
export type NfCpus = readonly (readonly (string | number)[])[] | Readonly<Record<string, readonly (string | number)[]>>;

/** The arguments as given; absent (or `null` where None has no meaning of its own) means the default. */
export interface ConstructVmsArgs {
  nfChains?: number | null;
  nfNodes?: number | null;
  jumbo?: boolean | null;
  /** vhost-user ring size; `null` leaves QEMU's default. */
  perfQemuQsz?: number | null;
  /** Queue pairs come from `rxqCountInt` when true, else 1; data-plane cores from `cpuCountInt` likewise. */
  autoScale?: boolean | null;
  vnf?: string | null;
  /** MAC the first NF of each chain sends port-0 traffic to (the TG's first interface). */
  tgIf1Mac?: string | null;
  /** MAC the last NF of each chain sends port-1 traffic to (the TG's second interface). */
  tgIf2Mac?: string | null;
  cpuCountInt?: number | null;
  rxqCountInt?: number | null;
  /** Explicit CPUs per VM; otherwise derived from `hostCpus` or the node's online CPUs. */
  nfCpus?: NfCpus | null;
  /** CPUs to derive from (a list, or CPU list text like `2-7`), instead of the node's online CPUs. */
  hostCpus?: readonly (number | string)[] | string | null;
  /** CPUs skipped before NF placement; the original's `2 + cpu_count_int` when absent. */
  skipCpus?: number | null;
  mem?: number | null;
  img?: string | null;
  socketDir?: string | null;
  /**
   * Id of the first VM on each DUT (default 1, as the original). Ids, names, files, sockets and MACs follow
   * from it, so managers of concurrent test runs sharing a host can keep apart.
   */
  firstQemuId?: number | null;
}

/** The original's defaults, which the published keyword signature shows too. */
export const CONSTRUCT_VMS_DEFAULTS = Object.freeze({
  nfChains: 1,
  nfNodes: 1,
  jumbo: false,
  perfQemuQsz: 1024,
  autoScale: true,
  vnf: 'vpp',
  cpuCountInt: 1,
  rxqCountInt: 1,
  mem: MANAGER_DEFAULT_MEM,
  img: MANAGER_DEFAULT_KERNEL,
  socketDir: MANAGER_DEFAULT_SOCKET_DIR,
  firstQemuId: 1,
});

/** The arguments checked, defaults applied. */
export interface ConstructPlan {
  nfChains: number;
  nfNodes: number;
  jumbo: boolean;
  perfQemuQsz: number | null;
  autoScale: boolean;
  vnf: string;
  tgIf1Mac: string | null;
  tgIf2Mac: string | null;
  cpuCountInt: number;
  rxqCountInt: number;
  nfCpus: NfCpus | undefined;
  hostCpus: number[] | undefined;
  skipCpus: number | null;
  mem: number;
  img: string;
  socketDir: string;
  firstQemuId: number;
}

const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nfCpusOf(value: unknown): NfCpus | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    return value.map((entry, index) => {
      if (!Array.isArray(entry)) throw new QemuConfigError(`nf_cpus[${index}] must be a list of CPUs (one per vCPU), got ${JSON.stringify(entry)}`);
      return entry as (string | number)[];
    });
  }
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([name, entry]) => {
        if (!Array.isArray(entry)) throw new QemuConfigError(`nf_cpus['${name}'] must be a list of CPUs (one per vCPU), got ${JSON.stringify(entry)}`);
        return [name, entry as (string | number)[]];
      }),
    );
  }
  throw new QemuConfigError('nf_cpus must be a list of CPU lists (one per VM, in order) or a dict of CPU lists by VM name (DUT1_1: [2, 3])');
}

/** CPU numbers may come as text, as Linux prints them. */
function cpuNumber(value: unknown, what: string): number {
  return requireInteger(typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value, what, 0);
}

function hostCpusOf(value: unknown): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return parseCpuList(value, 'host_cpus');
  if (Array.isArray(value)) return value.map((cpu, index) => cpuNumber(cpu, `host_cpus[${index}]`));
  throw new QemuConfigError('host_cpus must be a list of CPU numbers or a CPU list like 2-7');
}

function macOf(value: string | null | undefined, key: string, keyword: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !MAC.test(value)) throw new QemuConfigError(`${keyword}: ${key} must be a MAC address like 3c:fd:fe:00:00:01, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks `args` against the original's rules and this port's limits; `keyword` names the call in messages. */
export function constructPlan(args: ConstructVmsArgs, keyword: string): ConstructPlan {
  const defaults = CONSTRUCT_VMS_DEFAULTS;
  const vnf = args.vnf ?? defaults.vnf;
  if (typeof vnf !== 'string') throw new QemuConfigError(`${keyword}: vnf must be a VNF name, got ${describeValue(vnf)}`);
  const plan: ConstructPlan = {
    nfChains: requireInteger(args.nfChains ?? defaults.nfChains, 'nf_chains', 1, 255),
    nfNodes: requireInteger(args.nfNodes ?? defaults.nfNodes, 'nf_nodes', 1, 255),
    jumbo: requireBoolean(args.jumbo ?? defaults.jumbo, 'jumbo'),
    perfQemuQsz: args.perfQemuQsz === null ? null : requireInteger(args.perfQemuQsz ?? defaults.perfQemuQsz, 'perf_qemu_qsz', 1),
    autoScale: requireBoolean(args.autoScale ?? defaults.autoScale, 'auto_scale'),
    vnf,
    tgIf1Mac: macOf(args.tgIf1Mac, 'tg_if1_mac', keyword),
    tgIf2Mac: macOf(args.tgIf2Mac, 'tg_if2_mac', keyword),
    cpuCountInt: requireInteger(args.cpuCountInt ?? defaults.cpuCountInt, 'cpu_count_int', 1, 1024),
    rxqCountInt: requireInteger(args.rxqCountInt ?? defaults.rxqCountInt, 'rxq_count_int', 1, 1024),
    nfCpus: nfCpusOf(args.nfCpus),
    hostCpus: hostCpusOf(args.hostCpus),
    skipCpus: args.skipCpus === undefined || args.skipCpus === null ? null : requireInteger(args.skipCpus, 'skip_cpus', 0),
    mem: requireInteger(args.mem ?? defaults.mem, 'mem', 1),
    img: args.img ?? defaults.img,
    socketDir: (args.socketDir ?? defaults.socketDir).replace(/\/+$/, '') || '/',
    firstQemuId: requireInteger(args.firstQemuId ?? defaults.firstQemuId, 'first_qemu_id', 1, 255),
  };
  if (!isUsablePath(plan.socketDir) || !plan.socketDir.startsWith('/')) {
    throw new QemuConfigError(`${keyword}: socket_dir must be an absolute path, got ${JSON.stringify(args.socketDir)}`);
  }
  const needsPeers = vnf.includes('vpp') || vnf.includes('testpmd_mac');
  for (const [key, value] of [['tg_if1_mac', plan.tgIf1Mac], ['tg_if2_mac', plan.tgIf2Mac]] as const) {
    if (value === null && needsPeers) {
      throw new QemuConfigError(`${keyword}: vnf=${vnf} needs ${key}=... (the MAC the ${key === 'tg_if1_mac' ? 'first' : 'last'} NF of each chain sends to, the TG's interface)`);
    }
  }
  return plan;
}
