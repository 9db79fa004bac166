/**
 * CSIT HEAD's testpmd guest (`create_kernelvm_config_testpmd_io|mac`, DpdkUtil at 78e52b9c, csit-head.md
 * §5.3): the line the init script runs, options in HEAD's order. Every value is an integer or a checked MAC,
 * and still goes through shellQuote (which leaves such words bare, so the line reads as HEAD's).
 */
import { shellQuote } from '../../node/quote';
import { QemuConfigError } from '../errors';

/** HEAD's `/opt/dpdk/build/app/` + `dpdk-testpmd`. */
export const HEAD_TESTPMD_PROGRAM = '/opt/dpdk/build/app/dpdk-testpmd';
/** CSIT's `MTU_JUMBO` / `MTU_NORMAL` (env-overridable there, arguments here): `--max-pkt-len`. */
export const HEAD_MTU_JUMBO = 9145;
export const HEAD_MTU_NORMAL = 1800;

export interface HeadTestpmdArgs {
  smp: number;
  queues: number;
  jumbo: boolean;
  /** `mac` forwarding towards these peers (the DUT's vhost MACs); `io` forwarding when absent. */
  peers?: { vif1Mac: string; vif2Mac: string };
  program?: string;
  mtuJumbo?: number;
  mtuNormal?: number;
}

const MAC = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

function positive(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new QemuConfigError(`testpmd line: ${what} must be an integer >= 1, got ${value}`);
  return value;
}

function mac(value: string, what: string): string {
  // HEAD wrote `--eth-peer=0,None` for a missing peer (csit-head.md §9.9).
  if (!MAC.test(value)) throw new QemuConfigError(`testpmd line: ${what} must be a MAC address like 52:54:00:00:01:02, got ${JSON.stringify(value)}`);
  return value;
}

/** `<program> <EAL> -- <PMD>` as HEAD writes it into `/etc/vm_init_<id>.conf`. */
export function headTestpmdCommandLine(args: HeadTestpmdArgs): string {
  const smp = positive(args.smp, 'smp');
  const queues = positive(args.queues, 'queues');
  if (smp < 2) throw new QemuConfigError('testpmd line: smp must be at least 2 (one main lcore and at least one forwarding core: --nb-cores=<smp-1>)');
  const lcores = Array.from({ length: smp }, (_, index) => index).join(',');
  const eal = ['-v', '--lcores', lcores, '-a', '0000:00:06.0', '-a', '0000:00:07.0', '--in-memory'];
  const pmd = [
    `--forward-mode=${args.peers ? 'mac' : 'io'}`,
    '--burst=64',
    '--txd=1024',
    '--rxd=1024',
    `--txq=${queues}`,
    `--rxq=${queues}`,
    '--tx-offloads=0x0',
    '--numa',
    '--auto-start',
    '--total-num-mbufs=32768',
    '--nb-ports=2',
    '--portmask=0x3',
    '--disable-link-check',
    ...(args.peers ? [`--eth-peer=0,${mac(args.peers.vif1Mac, 'vif1_mac')}`, `--eth-peer=1,${mac(args.peers.vif2Mac, 'vif2_mac')}`] : []),
    `--max-pkt-len=${positive(args.jumbo ? (args.mtuJumbo ?? HEAD_MTU_JUMBO) : (args.mtuNormal ?? HEAD_MTU_NORMAL), 'the MTU')}`,
    '--mbuf-size=16384',
    `--nb-cores=${smp - 1}`,
  ];
  return [args.program ?? HEAD_TESTPMD_PROGRAM, ...eal, '--', ...pmd].map(shellQuote).join(' ');
}
