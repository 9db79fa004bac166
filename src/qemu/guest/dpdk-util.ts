/**
 * CSIT's DpdkUtil (2019, as 6f80cb97 had it, which the testpmd-guest keyword used): testpmd in a nested VM,
 * started and stopped over SSH to the VM dict (the guest's sshd through the forwarded port) by the guest
 * image's own scripts, `sudo /start-testpmd.sh <EAL options> -- <testpmd options>` and `sudo /stop-testpmd.sh`.
 *
 * The options are built as the original built them: each from its kwarg by Python truthiness (an empty,
 * zero or None value leaves it out), joined with single spaces (so left-out options leave double spaces, as
 * in CSIT's logs). Values are shell-quoted (bare when they need no quoting, as every CSIT value did).
 */
import { execCmdNoError, nodeLabel, shellQuote } from '../../node';
import type { CallContext } from '../call';
import { QemuConfigError } from '../errors';
import { pythonStr } from '../template';
import { vmNodeOf } from './guest-command';

export type DpdkKwargs = Record<string, unknown>;

/** Flags the original switched on by truthiness; their Robot text (`False`) is read with Robot's rules by the caller. */
export const DPDK_FLAG_KWARGS = ['eal_driver', 'eal_in_memory', 'pmd_tx_offloads', 'pmd_disable_hw_vlan'] as const;
const VALUE_KWARGS = [
  'eal_corelist',
  'pmd_fwd_mode',
  'pmd_txd',
  'pmd_rxd',
  'pmd_txq',
  'pmd_rxq',
  'pmd_num_mbufs',
  'pmd_max_pkt_len',
  'pmd_eth_peer_0',
  'pmd_eth_peer_1',
  'pmd_nb_cores',
] as const;
export const DPDK_KWARGS: readonly string[] = [...DPDK_FLAG_KWARGS, ...VALUE_KWARGS];

export const START_TESTPMD = '/start-testpmd.sh';
export const STOP_TESTPMD = '/stop-testpmd.sh';

/** Python's `bool(value)` for what Robot can send. */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** `args.get(name, fallback)`, then `'<prefix>{}'.format(value)` when truthy, else ''. */
function option(kwargs: DpdkKwargs, name: string, fallback: unknown, prefix: string): string {
  const value = name in kwargs ? kwargs[name] : fallback;
  if (!truthy(value)) return '';
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new QemuConfigError(`Dpdk Testpmd Start: ${name} must be a text or a number, got ${JSON.stringify(value)}`);
  }
  return `${prefix}${shellQuote(pythonStr(value))}`;
}

function flag(kwargs: DpdkKwargs, name: string, fallback: boolean, text: string): string {
  return truthy(name in kwargs ? kwargs[name] : fallback) ? text : '';
}

/** `get_eal_options`: `-v -l <eal_corelist> --master-lcore 0 -d /usr/lib/librte_pmd_virtio.so [--in-memory]`. */
export function getEalOptions(kwargs: DpdkKwargs): string {
  return [
    '-v',
    option(kwargs, 'eal_corelist', '', '-l '),
    '--master-lcore 0',
    flag(kwargs, 'eal_driver', true, '-d /usr/lib/librte_pmd_virtio.so'),
    flag(kwargs, 'eal_in_memory', false, '--in-memory'),
  ].join(' ');
}

/** `get_pmd_options`: io forwarding, burst 64, 1024 descriptors, 1 queue pair, `--txqflags=0xf00`, `--disable-hw-vlan` by default. */
export function getPmdOptions(kwargs: DpdkKwargs): string {
  return [
    option(kwargs, 'pmd_fwd_mode', 'io', '--forward-mode='),
    '--burst=64',
    option(kwargs, 'pmd_txd', '1024', '--txd='),
    option(kwargs, 'pmd_rxd', '1024', '--rxd='),
    option(kwargs, 'pmd_txq', '1', '--txq='),
    option(kwargs, 'pmd_rxq', '1', '--rxq='),
    flag(kwargs, 'pmd_tx_offloads', true, '--txqflags=0xf00'),
    option(kwargs, 'pmd_num_mbufs', '', '--total-num-mbufs='),
    flag(kwargs, 'pmd_disable_hw_vlan', true, '--disable-hw-vlan'),
    option(kwargs, 'pmd_eth_peer_0', '', '--eth-peer='),
    option(kwargs, 'pmd_eth_peer_1', '', '--eth-peer='),
    option(kwargs, 'pmd_max_pkt_len', '', '--max-pkt-len='),
    option(kwargs, 'pmd_nb_cores', '', '--nb-cores='),
  ].join(' ');
}

/** `get_testpmd_cmdline`. */
export function getTestpmdCmdline(kwargs: DpdkKwargs): string {
  return `testpmd ${getEalOptions(kwargs)} -- ${getPmdOptions(kwargs)}`;
}

/** The command `dpdk_testpmd_start` runs (with `sudo -S ` in front). */
export function dpdkTestpmdStartCommand(kwargs: DpdkKwargs): string {
  return `${START_TESTPMD} ${getEalOptions(kwargs)} -- ${getPmdOptions(kwargs)}`;
}

/** Names CSIT ignored silently; a misspelt one left an option at its default without a word. */
export function unknownDpdkKwargs(kwargs: DpdkKwargs): string[] {
  return Object.keys(kwargs).filter((name) => !DPDK_KWARGS.includes(name));
}

/** `dpdk_testpmd_start`: on the VM node dict (SSH into the guest); the start script's output goes to the log. */
export async function dpdkTestpmdStart(vmNode: Record<string, unknown>, kwargs: DpdkKwargs, call: CallContext): Promise<void> {
  const node = vmNodeOf(vmNode);
  for (const name of unknownDpdkKwargs(kwargs)) {
    call.log.warn(`Dpdk Testpmd Start: ${name} is not an argument of CSIT's DpdkUtil (${DPDK_KWARGS.join(', ')}); it is ignored, as CSIT ignored it`);
  }
  const command = dpdkTestpmdStartCommand(kwargs);
  call.log.info(`Starting testpmd on ${nodeLabel(node)}: ${command}`);
  const result = await execCmdNoError(node, command, { sudo: true });
  if (result.stdout.trim() !== '') call.log.info(result.stdout);
}

/** `dpdk_testpmd_stop`: stops it; the stop script prints testpmd's log with its port statistics, logged here. */
export async function dpdkTestpmdStop(vmNode: Record<string, unknown>, call: CallContext): Promise<void> {
  const node = vmNodeOf(vmNode);
  const result = await execCmdNoError(node, STOP_TESTPMD, { sudo: true });
  call.log.info(`testpmd on ${nodeLabel(node)} stopped:\n${result.stdout}`);
}
