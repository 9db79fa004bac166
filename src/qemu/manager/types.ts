/** What QemuManager keeps of each VM it constructed, what Robot gets of it, and its keywords' options. */
import type { QemuUtils } from '../qemu-utils';

export interface ManagedVm {
  /** `<DUT key>_<qemu id>`, the original's machine name. */
  readonly name: string;
  /** Topology key of the DUT (`DUT1`). */
  readonly dut: string;
  readonly qemuId: number;
  /** Host CPU of vCPU n at index n. */
  readonly cpus: readonly string[];
  readonly sockets: readonly [string, string];
  readonly mac1: string;
  readonly mac2: string;
  readonly vif1Mac: string | null;
  readonly vif2Mac: string | null;
  readonly queues: number;
  readonly vm: QemuUtils;
}

/** What Robot gets for each VM (snake_case keys, as a dict). */
export interface ManagedVmSummary {
  name: string;
  node: string;
  host: string;
  qemu_id: number;
  smp: number;
  mem: number;
  vnf: string;
  cpus: string[];
  sockets: string[];
  mac1: string;
  mac2: string;
  vif1_mac: string | null;
  vif2_mac: string | null;
  queues: number;
}

export interface StartAllVmsOptions {
  /** Pin each VM's vCPUs to its CPUs once it has booted. */
  pinning?: boolean;
}

export interface KillAllVmsOptions {
  /**
   * Also SIGKILL any process still running with one of this manager's pid files on its command line (a QEMU
   * whose pid file was never read). Never the original's `pkill qemu`: other VMs on the host are untouched.
   */
  force?: boolean;
}
