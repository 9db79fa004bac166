/**
 * CSIT HEAD's `page_size`: the pool of the VM's own page size (2M or 1G) instead of the default size's,
 * counted as HEAD counts it, beside the starts under way (`hugepage-reservations.ts`).
 */
import { execCmd, execCmdNoError, type Node } from '../node';
import { shellQuote } from '../node/quote';
import { NO_CALL_CONTEXT, type CallContext } from './call';
import { HugePageError, QemuConfigError } from './errors';
import type { Reservation } from './hugepage-reservations';
import {
  hugetlbfsMount,
  mountHugetlbfs,
  mountLimitLine,
  mountShortMessage,
  MOUNTS_MARK,
  parseMountLimit,
  raiseMapCount,
  reserveIn,
  startsNote,
  type HugePageReserveOptions,
} from './hugetlbfs';

/** CSIT HEAD's `page_size` values and their pools' sizes in kB. */
export const HUGE_PAGE_SIZES_KB: Readonly<Record<string, number>> = { '2M': 2048, '1G': 1048576 };

export function hugePageSizeKb(pageSize: string): number {
  const kb = HUGE_PAGE_SIZES_KB[pageSize.trim().toUpperCase()];
  if (kb === undefined) throw new QemuConfigError(`page_size must be one of ${Object.keys(HUGE_PAGE_SIZES_KB).join(', ')}, got ${JSON.stringify(pageSize)}`);
  return kb;
}

export function hugePagePoolDir(pageSizeKb: number): string {
  return `/sys/kernel/mm/hugepages/hugepages-${pageSizeKb}kB`;
}

/** One huge page pool as sysfs counts it, and the pages a new VM can get from it. */
export interface HugePagePool {
  pageSize: string;
  pageSizeKb: number;
  /** sysfs directory of the pool. */
  dir: string;
  free: number;
  /** nr_hugepages. */
  total: number;
  overcommit: number;
  surplus: number;
  resv: number;
  /** Counted as CSIT HEAD counts since 2b3a18b: nr_overcommit − surplus when overcommit ≠ 0, else free. */
  available: number;
}

const POOL_FILES = ['free_hugepages', 'nr_hugepages', 'nr_overcommit_hugepages', 'resv_hugepages', 'surplus_hugepages'] as const;
const NO_POOL_MARK = '@@qemu-utils-remote no pool';

/**
 * The pool's counters as `name:value` lines, the size= limit of the VM's mount if given, then
 * `/proc/mounts`: one round trip, world-readable, no sudo.
 */
export function hugePagePoolCommand(pageSizeKb: number, mountPoint?: string): string {
  const dir = shellQuote(hugePagePoolDir(pageSizeKb));
  const lines = [`if cd ${dir}; then grep -H . ${POOL_FILES.join(' ')}; else echo '${NO_POOL_MARK}'; fi`];
  if (mountPoint !== undefined) lines.push(mountLimitLine(mountPoint));
  return `sh -c ${shellQuote([...lines, `echo '${MOUNTS_MARK}'`, 'cat /proc/mounts'].join('\n'))}`;
}

/**
 * HEAD's count (csit-head.md §6), except that pages reserved (`resv`: mapped by a running QEMU, not yet
 * touched) are not free for another VM: HEAD counted them, and a VM checked after another had started
 * passed, then died in QEMU (docs/deviations.md).
 */
export function availableHugePages(pool: Pick<HugePagePool, 'free' | 'overcommit' | 'surplus' | 'resv'>): number {
  return pool.overcommit !== 0 ? Math.max(0, pool.overcommit - pool.surplus) : Math.max(0, pool.free - pool.resv);
}

interface PoolReading extends HugePagePool {
  procMounts: string;
  mountLimit: { pages: number; free: number } | undefined;
}

async function readHugePagePool(node: Node, pageSize: string, mountPoint?: string): Promise<PoolReading> {
  const pageSizeKb = hugePageSizeKb(pageSize);
  const dir = hugePagePoolDir(pageSizeKb);
  const result = await execCmd(node, hugePagePoolCommand(pageSizeKb, mountPoint), { timeout: 10 });
  const [values, procMounts = ''] = result.stdout.split(`${MOUNTS_MARK}\n`);
  if (values.includes(NO_POOL_MARK)) {
    throw new HugePageError(`No ${pageSize} huge page pool on ${node.host}: ${dir} does not exist (the CPU or the kernel lacks ${pageSize} pages; boot with hugepagesz=${pageSize} hugepages=N)`);
  }
  const counter = (name: (typeof POOL_FILES)[number]): number => {
    const found = new RegExp(`^${name}:(\\d+)$`, 'm').exec(values)?.[1];
    if (result.rc !== 0 || found === undefined) {
      const output = (result.stderr || values).trim().split('\n').slice(-5).join(' / ');
      throw new HugePageError(`Getting ${name} of the ${pageSize} huge page pool failed (reading ${dir} on ${node.host} gave rc ${String(result.rc)}: ${output})`);
    }
    return Number(found);
  };
  const pool = {
    free: counter('free_hugepages'),
    total: counter('nr_hugepages'),
    overcommit: counter('nr_overcommit_hugepages'),
    resv: counter('resv_hugepages'),
    surplus: counter('surplus_hugepages'),
  };
  const mountLimit = mountPoint === undefined ? undefined : parseMountLimit(values, procMounts, mountPoint, pageSizeKb);
  return { pageSize, pageSizeKb, dir, ...pool, available: availableHugePages(pool), procMounts, mountLimit };
}

function poolCounts(pool: HugePagePool): string {
  return `free ${pool.free}, nr ${pool.total}, overcommit ${pool.overcommit}, surplus ${pool.surplus}, resv ${pool.resv}`;
}

/** `pagesize=1024M` in a hugetlbfs mount's options, in kB; undefined when the kernel did not say. */
function mountPageSizeKb(options: string): number | undefined {
  const match = /(?:^|,)pagesize=(\d+)([KMG]?)(?:,|$)/i.exec(options);
  if (!match) return undefined;
  const scale: Record<string, number> = { '': 1 / 1024, K: 1, M: 1024, G: 1024 * 1024 };
  return Number(match[1]) * scale[match[2].toUpperCase()];
}

export interface HugePagePoolCheckOptions {
  /** hugetlbfs mount QEMU backs the VM with (`/dev/hugepages1G`): mounted with this page size if absent. */
  mountPoint?: string;
  /** Raise the pool's nr_hugepages by the shortfall (HEAD's allocate path) instead of failing. */
  allocate?: boolean;
}

/**
 * Fails unless the pool of the VM's own page size has the pages for `memMb` MB beside the starts under way
 * (CSIT HEAD checked every VM against the 2M pool). With `mountPoint`, a hugetlbfs of another page size
 * there fails too. With `reserve.vm` the pages stay reserved until the reservation is released.
 */
export async function reserveHugePagePool(
  node: Node,
  pageSize: string,
  memMb: number,
  options: HugePagePoolCheckOptions = {},
  call: CallContext = NO_CALL_CONTEXT,
  reserve: HugePageReserveOptions = {},
): Promise<{ pool: HugePagePool; reservation: Reservation }> {
  const mountPoint = options.mountPoint;
  const attempt = () => reserveIn(node, mountPoint ?? hugePagePoolDir(hugePageSizeKb(pageSize)), memMb, () => readHugePagePool(node, pageSize, mountPoint), reserve, call);
  let outcome = await attempt();
  // QEMU needs whole pages: rounded up (HEAD's floor let 1G VMs of 1500 MB pass with one page).
  const shortfall = (pool: PoolReading, needed: number): string =>
    `${memMb} MB need ${needed} pages of ${pool.pageSizeKb} kB, ${pool.available} available (${poolCounts(pool)}; available = overcommit − surplus when overcommit is set, else free − resv)`;
  const needed = (pool: PoolReading): number => Math.ceil((memMb * 1024) / pool.pageSizeKb);
  if ('short' in outcome && outcome.short === 'pool' && options.allocate) {
    const pool = outcome.budget;
    const pending = outcome.pending.reduce((sum, start) => sum + start.pages, 0);
    const pages = pool.total + needed(pool) + pending - pool.available;
    await raiseMapCount(node, pages);
    call.log.info(`Raising ${pool.dir}/nr_hugepages from ${pool.total} to ${pages} on ${node.host}: ${shortfall(pool, needed(pool))}`);
    const script = `echo ${pages} > ${shellQuote(`${pool.dir}/nr_hugepages`)}`;
    await execCmdNoError(node, `sh -c ${shellQuote(script)}`, { sudo: true, timeout: 60, message: `Allocating ${pageSize} huge pages failed on ${node.host}` });
    outcome = await attempt();
    if ('short' in outcome && outcome.short === 'pool') {
      const after = outcome.budget;
      throw new HugePageError(
        `Not enough available huge pages in the ${pageSize} pool (${after.dir}) after allocation on ${node.host}: asked the kernel for ${pages} pages, it has ${after.total} ` +
          `(${after.available} available, ${needed(after)} needed for ${memMb} MB; ${poolCounts(after)}): host memory is too fragmented or too small${startsNote(outcome.pending, outcome.waited)}.`,
      );
    }
  }
  if ('short' in outcome) {
    const pool = outcome.budget;
    const note = startsNote(outcome.pending, outcome.waited);
    if (outcome.short === 'mount') {
      throw new HugePageError(`${mountShortMessage(node, mountPoint ?? '', pool.pageSizeKb, memMb, pool.mountLimit)}${note}. Give the VM another mount, or remount it with a larger size=.`);
    }
    throw new HugePageError(
      `Not enough available huge pages in the ${pageSize} pool (${pool.dir}) on ${node.host}: ${shortfall(pool, needed(pool))}${note}. Raise ${pool.dir}/nr_hugepages, or set allocate_hugepages=True.`,
    );
  }
  const pool = outcome.budget;
  try {
    if (mountPoint !== undefined) await checkPoolMount(node, pool, mountPoint);
  } catch (error) {
    outcome.reservation.release();
    throw error;
  }
  const { pageSizeKb, dir, free, total, overcommit, surplus, resv, available } = pool;
  return { pool: { pageSize, pageSizeKb, dir, free, total, overcommit, surplus, resv, available }, reservation: outcome.reservation };
}

/** Mounts hugetlbfs of the pool's page size at `mountPoint`, or fails when one of another size is there. */
async function checkPoolMount(node: Node, pool: PoolReading, mountPoint: string): Promise<void> {
  const mount = hugetlbfsMount(pool.procMounts, mountPoint);
  const mountedKb = mount && mountPageSizeKb(mount.options);
  if (mount === undefined) await mountHugetlbfs(node, mountPoint, pool.pageSizeKb);
  else if (mountedKb !== undefined && mountedKb !== pool.pageSizeKb) {
    throw new HugePageError(
      `hugetlbfs at ${mountPoint} on ${node.host} has ${mountedKb} kB pages (${mount.options}), the VM's page size is ${pool.pageSize} (${pool.pageSizeKb} kB): ` +
        `mount one with -o pagesize=${pool.pageSize} there, or give the mount of that size.`,
    );
  }
}

/** `reserveHugePagePool` that reserves nothing: the check alone, counting the starts under way. */
export async function checkHugePagePool(
  node: Node,
  pageSize: string,
  memMb: number,
  options: HugePagePoolCheckOptions = {},
  call: CallContext = NO_CALL_CONTEXT,
): Promise<HugePagePool> {
  return (await reserveHugePagePool(node, pageSize, memMb, options, call)).pool;
}
