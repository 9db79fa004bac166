/**
 * What both huge page checks (2019's default size, HEAD's per-size pools) share: hugetlbfs mounts, their
 * size= limits, raising the map count, and reserving pages beside the starts under way.
 */
import { execCmd, execCmdNoError, type Node } from '../node';
import { shellQuote } from '../node/quote';
import type { CallContext } from './call';
import { HugePageError } from './errors';
import {
  describePending,
  HUGE_PAGE_RESERVATIONS,
  poolKey,
  reservePages,
  type HugePageReservations,
  type PendingStart,
  type PoolBudget,
  type ReserveOutcome,
} from './hugepage-reservations';

export const MOUNTS_MARK = '@@qemu-utils-remote mounts';

/**
 * A hugetlbfs mounted with size= has a page budget of its own (the kernel refuses a mapping beyond it);
 * statfs reports it as blocks, and the pages neither used nor reserved as free (0 0 without a limit).
 */
export function mountLimitLine(mountPoint: string): string {
  return `echo "mount_limit: $(stat -f -c '%b %f %S' ${shellQuote(mountPoint)} 2>/dev/null)"`;
}

/** The mount's size= limit in pages of `pageSizeKb`, if `mountPoint` is a hugetlbfs with one. */
export function parseMountLimit(values: string, procMounts: string, mountPoint: string, pageSizeKb: number): { pages: number; free: number } | undefined {
  const match = /^mount_limit: (\d+) (\d+) (\d+)$/m.exec(values);
  if (!match || hugetlbfsMount(procMounts, mountPoint) === undefined) return undefined;
  const [pages, free, blockBytes] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // No limit: 0 blocks, or 2^64-1 when only min_size= was given.
  if (pages === 0 || !Number.isSafeInteger(pages) || blockBytes !== pageSizeKb * 1024) return undefined;
  return { pages, free };
}

export async function readNumber(node: Node, command: string, failure: string): Promise<number> {
  const result = await execCmd(node, command, { timeout: 10 });
  const found = result.rc === 0 ? /^\s*(\d+)\s*$/.exec(result.stdout)?.[1] : undefined;
  if (found === undefined) {
    throw new HugePageError(`${failure} (\`${command}\` gave rc ${String(result.rc)}: ${(result.stderr || result.stdout).trim()})`);
  }
  return Number(found);
}

// CSIT always wrote pages*4, which could lower the kernel's default of 65530.
export async function raiseMapCount(node: Node, pages: number): Promise<void> {
  const mapCount = await readNumber(node, 'cat /proc/sys/vm/max_map_count', 'Reading vm.max_map_count failed.');
  if (mapCount < pages * 4) {
    await execCmdNoError(node, `sysctl -w vm.max_map_count=${pages * 4}`, { sudo: true, timeout: 10, message: `Increase map count failed on ${node.host}` });
  }
}

export async function mountHugetlbfs(node: Node, mountPoint: string, pageSizeKb: number): Promise<void> {
  const quoted = shellQuote(mountPoint);
  await execCmdNoError(node, `mkdir -p ${quoted}`, { sudo: true, message: `Create mount dir failed on ${node.host}` });
  await execCmdNoError(node, `mount -t hugetlbfs -o pagesize=${pageSizeKb}k none ${quoted}`, {
    sudo: true,
    message: `Mount huge pages failed on ${node.host}`,
  });
}

/** `/proc/mounts` escapes blanks in paths as octal (`\040`). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_all, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function isHugetlbfsMounted(procMounts: string, mountPoint: string): boolean {
  return hugetlbfsMount(procMounts, mountPoint) !== undefined;
}

/** The hugetlbfs mounted at `mountPoint` (its options field), if any. */
export function hugetlbfsMount(procMounts: string, mountPoint: string): { options: string } | undefined {
  const wanted = mountPoint.replace(/\/+$/, '') || '/';
  for (const line of procMounts.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 3 && fields[2] === 'hugetlbfs' && unescapeMountField(fields[1]) === wanted) return { options: fields[3] ?? '' };
  }
  return undefined;
}

/** Pages of `pageSizeKb` that hold `memMb` MB: QEMU needs whole pages. */
export function pagesFor(memMb: number, pageSizeKb: number): number {
  return Math.ceil((memMb * 1024) / pageSizeKb);
}

/** What a failed check adds about other starts: those under way, and those it waited for. */
export function startsNote(pending: readonly PendingStart[], waited: readonly PendingStart[]): string {
  const under = pending.length > 0 ? `; starts under way on that node hold reservations: ${describePending(pending)}` : '';
  const done = waited.length > 0 ? `; this check waited for the start of ${describePending(waited)}, which hold their pages now or failed` : '';
  return `${under}${done}`;
}

export function mountShortMessage(node: Node, mountPoint: string, pageSizeKb: number, memMb: number, limit: { pages: number; free: number } | undefined): string {
  return (
    `Not enough free huge pages in the hugetlbfs at ${mountPoint} on ${node.host}: its size= limit is ${limit?.pages ?? 0} pages of ${pageSizeKb} kB, ` +
    `${limit?.free ?? 0} of them neither used nor reserved, ${pagesFor(memMb, pageSizeKb)} needed for ${memMb} MB`
  );
}

/** `VM 2 (session /vm2)`: the start asking, as other starts' messages name it. */
export interface HugePageReserveOptions {
  vm?: string;
  registry?: HugePageReservations;
  signal?: AbortSignal | undefined;
}


/** Reserves the pages of `memMb` MB for `reserve.vm` in the pool the reading names (see `reservePages`). */
export function reserveIn<B extends PoolBudget & { pageSizeKb: number }>(
  node: Node,
  mountPoint: string,
  memMb: number,
  read: () => Promise<B>,
  reserve: HugePageReserveOptions,
  call: CallContext,
): Promise<ReserveOutcome<B>> {
  return reservePages({
    registry: reserve.registry ?? HUGE_PAGE_RESERVATIONS,
    pool: (budget) => poolKey(node, budget.pageSizeKb),
    vm: reserve.vm,
    pages: (budget) => pagesFor(memMb, budget.pageSizeKb),
    mountPoint,
    read,
    waiting: (pending) => call.log.info(`Huge pages on ${node.host}: waiting until the starts under way (${describePending(pending)}) hold their pages, then counting again`),
    signal: reserve.signal,
  });
}
