/**
 * The part of CSIT's VppConfigGenerator the kernelvm VPP VNF uses: a nested key/value tree serialised as
 * VPP's startup.conf. Sections keep insertion order (the original's order was Python 2 dict hash order,
 * which VPP ignores).
 */
import { QemuConfigError } from './errors';

type ConfigTree = Map<string, ConfigTree | string>;

const PCI_ADDRESS = /^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]$/;

export class VppStartupConfig {
  private readonly root: ConfigTree = new Map();

  /**
   * VppConfigGenerator's `add_config_item`: `value` at `path`, creating sections on the way; an empty value
   * renders as the key and one trailing space. The named adders below and the HEAD generator use it.
   */
  addItem(path: readonly string[], value: string): void {
    let node = this.root;
    for (const key of path.slice(0, -1)) {
      let child = node.get(key);
      if (!(child instanceof Map)) {
        child = new Map();
        node.set(key, child);
      }
      node = child;
    }
    node.set(path[path.length - 1], value);
  }

  addUnixNodaemon(): void {
    this.addItem(['unix', 'nodaemon'], '');
  }

  addUnixCliListen(value = '/run/vpp/cli.sock'): void {
    this.addItem(['unix', 'cli-listen'], value);
  }

  addUnixExec(value: string): void {
    this.addItem(['unix', 'exec'], value);
  }

  addCpuMainCore(value: string): void {
    this.addItem(['cpu', 'main-core'], value);
  }

  addCpuCorelistWorkers(value: string): void {
    this.addItem(['cpu', 'corelist-workers'], value);
  }

  addDpdkDev(...pciAddresses: string[]): void {
    for (const address of pciAddresses) {
      if (!PCI_ADDRESS.test(address)) {
        throw new QemuConfigError(`PCI address ${address} is not in valid format xxxx:xx:xx.x`);
      }
      this.addItem(['dpdk', `dev ${address}`], '');
    }
  }

  addDpdkLogLevel(value: string): void {
    this.addItem(['dpdk', 'log-level'], value);
  }

  addDpdkNoMultiSeg(): void {
    this.addItem(['dpdk', 'no-multi-seg'], '');
  }

  addDpdkNoTxChecksumOffload(): void {
    this.addItem(['dpdk', 'no-tx-checksum-offload'], '');
  }

  /** `state` is `enable` or `disable`; rendered `state` plus two spaces, byte for byte as CSIT did. */
  addPlugin(state: 'enable' | 'disable', ...names: string[]): void {
    for (const name of names) this.addItem(['plugins', `plugin ${name}`, state], ' ');
  }

  /** startup.conf text: `key value` leaves (an empty value keeps its trailing space), 2-space indent. */
  render(): string {
    const lines: string[] = [];
    const walk = (tree: ConfigTree, depth: number): void => {
      const indent = '  '.repeat(depth);
      for (const [key, value] of tree) {
        if (value instanceof Map) {
          lines.push(`${indent}${key}`, `${indent}{`);
          walk(value, depth + 1);
          lines.push(`${indent}}`);
        } else {
          lines.push(`${indent}${key} ${value}`);
        }
      }
    };
    walk(this.root, 0);
    return `${lines.join('\n')}\n`;
  }
}

export interface KernelvmVppConfigArgs {
  smp: number;
  runningExec: string;
  jumboFrames: boolean;
}

/** The VNF VPP's startup config, as `create_kernelvm_config_vpp` builds it. */
export function kernelvmVppStartupConfig(args: KernelvmVppConfigArgs): string {
  const config = new VppStartupConfig();
  config.addUnixNodaemon();
  config.addUnixCliListen();
  config.addUnixExec(args.runningExec);
  config.addCpuMainCore('0');
  // With one vCPU there is no worker: the original wrote `corelist-workers 1-0`, which VPP rejects.
  if (args.smp > 1) config.addCpuCorelistWorkers(`1-${args.smp - 1}`);
  config.addDpdkDev('0000:00:06.0', '0000:00:07.0');
  config.addDpdkLogLevel('debug');
  if (!args.jumboFrames) {
    config.addDpdkNoMultiSeg();
    config.addDpdkNoTxChecksumOffload();
  }
  config.addPlugin('disable', 'default');
  config.addPlugin('enable', 'dpdk_plugin.so');
  return config.render();
}
