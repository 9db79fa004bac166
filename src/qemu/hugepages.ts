/**
 * CSIT's `DUTSetup.check_huge_page`: enough free huge pages of the default size for the VM's memory, and
 * hugetlbfs mounted where QEMU's memory backend looks. Optionally raises `vm.nr_hugepages`.
 * With a page size (CSIT HEAD's `page_size`, 2M or 1G) the check reads that size's own pool instead
 * (`hugepage-pools.ts`). Both count the starts under way on the node (`hugepage-reservations.ts`).
 */
import { execCmd, execCmdNoError, type Node } from '../node';
import { shellQuote } from '../node/quote';
import { NO_CALL_CONTEXT, type CallContext } from './call';
import { HugePageError } from './errors';
import { reserveHugePagePool } from './hugepage-pools';
import type { Reservation } from './hugepage-reservations';
import {
  isHugetlbfsMounted,
  mountHugetlbfs,
  mountLimitLine,
  mountShortMessage,
  MOUNTS_MARK,
  pagesFor,
  parseMountLimit,
  raiseMapCount,
  reserveIn,
  startsNote,
  type HugePageReserveOptions,
} from './hugetlbfs';

export { isHugetlbfsMounted, type HugePageReserveOptions } from './hugetlbfs';
export {
  availableHugePages,
  checkHugePagePool,
  HUGE_PAGE_SIZES_KB,
  hugePagePoolCommand,
  hugePagePoolDir,
  hugePageSizeKb,
  reserveHugePagePool,
  type HugePagePool,
  type HugePagePoolCheckOptions,
} from './hugepage-pools';

export interface HugePageStatus {
  /** Default huge page size, kB. */
  pageSizeKb: number;
  free: number;
  total: number;
}

export interface HugePageCheckOptions {
  allocate?: boolean;
  /**
   * The VM's page size (`2M`, `1G`): check that size's pool (checkHugePagePool) instead of the default size's.
   * Absent: the 2019 check (with `resv` subtracted and the mount's size= limit read: docs/deviations.md 6.8, 6.10).
   */
  pageSize?: string;
}

/**
 * One round trip for what CSIT read with three (`grep Hugepagesize`, `cat .../free_hugepages`,
 * `cat .../nr_hugepages`) plus `/proc/mounts`: every SSH exec costs hundreds of milliseconds on a loaded
 * node, and `Qemu Start` must fail fast. Also the pages reserved (mapped by a running QEMU, not yet
 * touched: CSIT counted them free) and the mount's own size= limit (`mountLimitLine`). All of it is
 * world-readable, so no sudo.
 */
export function hugePageStatusCommand(mountPoint: string): string {
  return `sh -c ${shellQuote(
    [
      "s=$(sed -n 's/^Hugepagesize: *\\([0-9]*\\) kB$/\\1/p' /proc/meminfo)",
      'echo "Hugepagesize: $s"',
      'd=/sys/kernel/mm/hugepages/hugepages-${s}kB',
      'echo "free_hugepages: $(cat $d/free_hugepages)"',
      'echo "nr_hugepages: $(cat $d/nr_hugepages)"',
      'echo "resv_hugepages: $(cat $d/resv_hugepages)"',
      mountLimitLine(mountPoint),
      `echo '${MOUNTS_MARK}'`,
      'cat /proc/mounts',
    ].join('\n'),
  )}`;
}

/** The command for the default mount, as 2019's settings use it. */
export const HUGEPAGE_STATUS_COMMAND = hugePageStatusCommand('/dev/hugepages');

interface HugePageReading extends HugePageStatus {
  resv: number;
  procMounts: string;
  mountLimit: { pages: number; free: number } | undefined;
}

async function readHugePages(node: Node, mountPoint: string): Promise<HugePageReading> {
  const result = await execCmd(node, hugePageStatusCommand(mountPoint), { timeout: 10 });
  const [values, procMounts = ''] = result.stdout.split(`${MOUNTS_MARK}\n`);
  const field = (name: string, failure: string): number => {
    const found = new RegExp(`^${name}: (\\d+)$`, 'm').exec(values)?.[1];
    if (result.rc !== 0 || found === undefined) {
      const output = (result.stderr || values).trim().split('\n').slice(-5).join(' / ');
      throw new HugePageError(`${failure} (reading /proc/meminfo and /sys/kernel/mm/hugepages on ${node.host} gave rc ${String(result.rc)}: ${output})`);
    }
    return Number(found);
  };
  const pageSizeKb = field('Hugepagesize', 'Getting huge page size information failed.');
  return {
    pageSizeKb,
    free: field('free_hugepages', 'Getting free huge pages information failed.'),
    total: field('nr_hugepages', 'Getting total huge pages information failed.'),
    resv: field('resv_hugepages', 'Getting reserved huge pages information failed.'),
    procMounts,
    mountLimit: parseMountLimit(values, procMounts, mountPoint, pageSizeKb),
  };
}

export async function readHugePageStatus(node: Node, mountPoint = '/dev/hugepages'): Promise<HugePageStatus> {
  const { pageSizeKb, free, total } = await readHugePages(node, mountPoint);
  return { pageSizeKb, free, total };
}

/**
 * Fails unless `memMb` MB fit in the huge pages neither free nor reserved beside the starts under way (or,
 * with `allocate`, makes them fit), then mounts hugetlbfs at `mountPoint` when it is not mounted there.
 * With `reserve.vm` the pages stay reserved for that start until the returned reservation is released.
 */
export async function reserveHugePages(
  node: Node,
  mountPoint: string,
  memMb: number,
  options: HugePageCheckOptions = {},
  call: CallContext = NO_CALL_CONTEXT,
  reserve: HugePageReserveOptions = {},
): Promise<{ status: HugePageStatus; reservation: Reservation }> {
  if (options.pageSize !== undefined) {
    const { pool, reservation } = await reserveHugePagePool(node, options.pageSize, memMb, { mountPoint, allocate: options.allocate }, call, reserve);
    return { status: { pageSizeKb: pool.pageSizeKb, free: pool.free, total: pool.total }, reservation };
  }
  const read = async () => {
    const reading = await readHugePages(node, mountPoint);
    return { ...reading, available: Math.max(0, reading.free - reading.resv) };
  };
  const attempt = () => reserveIn(node, mountPoint, memMb, read, reserve, call);
  type Reading = Awaited<ReturnType<typeof read>>;
  const counts = (s: Reading): string =>
    `${s.available}${s.resv > 0 ? ` (${s.free} free less ${s.resv} reserved by running VMs)` : ''}, ${(s.available * s.pageSizeKb) / 1024} MB free of ${s.total} pages of ${s.pageSizeKb} kB`;
  let outcome = await attempt();
  if ('short' in outcome && outcome.short === 'pool' && options.allocate) {
    const status = outcome.budget;
    const pages = pagesFor(memMb, status.pageSizeKb);
    const pending = outcome.pending.reduce((sum, start) => sum + start.pages, 0);
    // CSIT's sizing: twice the pages needed on top of the current total (and the starts under way's).
    const target = (pages + pending) * 2 + status.total;
    await raiseMapCount(node, target);
    call.log.info(`Raising vm.nr_hugepages from ${status.total} to ${target} on ${node.host} (${memMb} MB needed, ${(status.available * status.pageSizeKb) / 1024} MB free)`);
    await execCmdNoError(node, `sysctl -w vm.nr_hugepages=${target}`, { sudo: true, timeout: 60, message: `Mount huge pages failed on ${node.host}` });
    outcome = await attempt();
    if ('short' in outcome && outcome.short === 'pool') {
      throw new HugePageError(
        `Not enough free huge pages after allocation: asked the kernel for ${target} pages, it has ${outcome.budget.total} ` +
          `(${counts(outcome.budget)}; ${memMb} MB needed) on ${node.host}: host memory is too fragmented or too small${startsNote(outcome.pending, outcome.waited)}.`,
      );
    }
  }
  if ('short' in outcome) {
    const status = outcome.budget;
    const note = startsNote(outcome.pending, outcome.waited);
    if (outcome.short === 'mount') throw new HugePageError(`${mountShortMessage(node, mountPoint, status.pageSizeKb, memMb, status.mountLimit)}${note}. Give the VM another hugepage_mount, or remount it with a larger size=.`);
    throw new HugePageError(
      `Not enough free huge pages: ${counts(status)}, ${memMb} MB needed on ${node.host}${note}. Raise vm.nr_hugepages, or set allocate_hugepages=True.`,
    );
  }
  const status = outcome.budget;
  try {
    if (!isHugetlbfsMounted(status.procMounts, mountPoint)) await mountHugetlbfs(node, mountPoint, status.pageSizeKb);
  } catch (error) {
    outcome.reservation.release();
    throw error;
  }
  return { status: { pageSizeKb: status.pageSizeKb, free: status.free, total: status.total }, reservation: outcome.reservation };
}

/** `reserveHugePages` that reserves nothing: CSIT's `check_huge_page`, counting the starts under way. */
export async function checkHugePages(
  node: Node,
  mountPoint: string,
  memMb: number,
  options: HugePageCheckOptions = {},
  call: CallContext = NO_CALL_CONTEXT,
): Promise<HugePageStatus> {
  return (await reserveHugePages(node, mountPoint, memMb, options, call)).status;
}

