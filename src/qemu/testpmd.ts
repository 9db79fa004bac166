/**
 * CSIT's `DpdkUtil.get_testpmd_cmdline`: `testpmd <EAL> -- <PMD>` with the options in a fixed order. Every
 * value is shell-quoted (the line ends up in the guest's init script), and empty items are dropped instead
 * of leaving runs of spaces.
 */
import { shellQuote } from '../node/quote';
import type { MainLcoreFlag } from './settings';

export interface TestpmdArgs {
  /** EAL */
  ealCorelist?: string;
  /** `-d /usr/lib/librte_pmd_virtio.so`; default true as in DpdkUtil. */
  ealDriver?: boolean;
  ealInMemory?: boolean;
  mainLcoreFlag?: MainLcoreFlag;
  /** PMD */
  pmdFwdMode?: string;
  pmdTxd?: number;
  pmdRxd?: number;
  pmdTxq?: number;
  pmdRxq?: number;
  /** `--txqflags=0xf00`; default true as in DpdkUtil (the option is gone from DPDK >= 18.08). */
  pmdTxOffloads?: boolean;
  pmdNumMbufs?: number;
  /** `--disable-hw-vlan`; default true as in DpdkUtil. */
  pmdDisableHwVlan?: boolean;
  pmdEthPeer0?: string;
  pmdEthPeer1?: string;
  pmdMaxPktLen?: number;
  /** A string as QemuUtils passes it, so `'0'` still counts. */
  pmdNbCores?: string;
}

function option(name: string, value: string | number | undefined): string[] {
  // DpdkUtil drops falsy values; numbers 0 included, the string '0' not.
  if (value === undefined || value === '' || value === 0) return [];
  return [`${name}=${shellQuote(value)}`];
}

export function testpmdEalOptions(args: TestpmdArgs): string[] {
  return [
    '-v',
    ...(args.ealCorelist ? ['-l', shellQuote(args.ealCorelist)] : []),
    args.mainLcoreFlag ?? '--master-lcore',
    '0',
    ...(args.ealDriver ?? true ? ['-d', '/usr/lib/librte_pmd_virtio.so'] : []),
    ...(args.ealInMemory ? ['--in-memory'] : []),
  ];
}

export function testpmdPmdOptions(args: TestpmdArgs): string[] {
  return [
    ...option('--forward-mode', args.pmdFwdMode ?? 'io'),
    '--burst=64',
    ...option('--txd', args.pmdTxd ?? 1024),
    ...option('--rxd', args.pmdRxd ?? 1024),
    ...option('--txq', args.pmdTxq ?? 1),
    ...option('--rxq', args.pmdRxq ?? 1),
    ...(args.pmdTxOffloads ?? true ? ['--txqflags=0xf00'] : []),
    ...option('--total-num-mbufs', args.pmdNumMbufs),
    ...(args.pmdDisableHwVlan ?? true ? ['--disable-hw-vlan'] : []),
    ...option('--eth-peer', args.pmdEthPeer0),
    ...option('--eth-peer', args.pmdEthPeer1),
    ...option('--max-pkt-len', args.pmdMaxPktLen),
    ...option('--nb-cores', args.pmdNbCores),
  ];
}

/** `testpmd <EAL> -- <PMD>`, with `program` in place of `testpmd` when given (a full path). */
export function testpmdCommandLine(args: TestpmdArgs, program = 'testpmd'): string {
  return [shellQuote(program), ...testpmdEalOptions(args), '--', ...testpmdPmdOptions(args)].join(' ');
}

export interface KernelvmTestpmdArgs {
  smp: number;
  queues: number;
  jumboFrames: boolean;
  /** `mac` forwarding with these peers (`testpmd_mac`); `io` forwarding when absent. */
  peers?: { vif1Mac: string; vif2Mac: string };
  mainLcoreFlag: MainLcoreFlag;
  program: string;
}

/** The VNF testpmd line of `create_kernelvm_config_testpmd_io` / `_mac`. */
export function kernelvmTestpmdCommandLine(args: KernelvmTestpmdArgs): string {
  const common: TestpmdArgs = {
    ealCorelist: `0-${args.smp - 1}`,
    ealDriver: false,
    ealInMemory: true,
    mainLcoreFlag: args.mainLcoreFlag,
    pmdNumMbufs: 16384,
    pmdRxq: args.queues,
    pmdTxq: args.queues,
    pmdTxOffloads: false,
    pmdDisableHwVlan: false,
    pmdMaxPktLen: args.jumboFrames ? 9200 : undefined,
    pmdNbCores: String(args.smp - 1),
  };
  if (args.peers) {
    common.pmdFwdMode = 'mac';
    common.pmdEthPeer0 = `0,${args.peers.vif1Mac}`;
    common.pmdEthPeer1 = `1,${args.peers.vif2Mac}`;
  }
  return testpmdCommandLine(common, args.program);
}
