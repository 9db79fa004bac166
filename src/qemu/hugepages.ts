/**
 * CSIT's `DUTSetup.check_huge_page`: enough free huge pages of the default size for the VM's memory, and
 * hugetlbfs mounted where QEMU's memory backend looks. Optionally raises `vm.nr_hugepages`.
 * With a page size (CSIT HEAD's `page_size`, 2M or 1G) the check reads that size's own pool instead.
 */
import { execCmd, execCmdNoError, type Node } from '../node';
import { shellQuote } from '../node/quote';
import { NO_CALL_CONTEXT, type CallContext } from './call';
import { HugePageError, QemuConfigError } from './errors';

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
   * Absent: the 2019 check, unchanged.
   */
  pageSize?: string;
}

const MOUNTS_MARK = '@@qemu-utils-remote mounts';

/**
 * One round trip for what CSIT read with three (`grep Hugepagesize`, `cat .../free_hugepages`,
 * `cat .../nr_hugepages`) plus `/proc/mounts`: every SSH exec costs hundreds of milliseconds on a loaded
 * node, and `Qemu Start` must fail fast. All of it is world-readable, so no sudo.
 */
export const HUGEPAGE_STATUS_COMMAND = `sh -c ${shellQuote(
  [
    "s=$(sed -n 's/^Hugepagesize: *\\([0-9]*\\) kB$/\\1/p' /proc/meminfo)",
    'echo "Hugepagesize: $s"',
    'd=/sys/kernel/mm/hugepages/hugepages-${s}kB',
    'echo "free_hugepages: $(cat $d/free_hugepages)"',
    'echo "nr_hugepages: $(cat $d/nr_hugepages)"',
    `echo '${MOUNTS_MARK}'`,
    'cat /proc/mounts',
  ].join('\n'),
)}`;

interface HugePageReading extends HugePageStatus {
  procMounts: string;
}

async function readHugePages(node: Node): Promise<HugePageReading> {
  const result = await execCmd(node, HUGEPAGE_STATUS_COMMAND, { timeout: 10 });
  const [values, procMounts = ''] = result.stdout.split(`${MOUNTS_MARK}\n`);
  const field = (name: string, failure: string): number => {
    const found = new RegExp(`^${name}: (\\d+)$`, 'm').exec(values)?.[1];
    if (result.rc !== 0 || found === undefined) {
      const output = (result.stderr || values).trim().split('\n').slice(-5).join(' / ');
      throw new HugePageError(`${failure} (reading /proc/meminfo and /sys/kernel/mm/hugepages on ${node.host} gave rc ${String(result.rc)}: ${output})`);
    }
    return Number(found);
  };
  return {
    pageSizeKb: field('Hugepagesize', 'Getting huge page size information failed.'),
    free: field('free_hugepages', 'Getting free huge pages information failed.'),
    total: field('nr_hugepages', 'Getting total huge pages information failed.'),
    procMounts,
  };
}

async function readNumber(node: Node, command: string, failure: string): Promise<number> {
  const result = await execCmd(node, command, { timeout: 10 });
  const found = result.rc === 0 ? /^\s*(\d+)\s*$/.exec(result.stdout)?.[1] : undefined;
  if (found === undefined) {
    throw new HugePageError(`${failure} (\`${command}\` gave rc ${String(result.rc)}: ${(result.stderr || result.stdout).trim()})`);
  }
  return Number(found);
}

export async function readHugePageStatus(node: Node): Promise<HugePageStatus> {
  const { pageSizeKb, free, total } = await readHugePages(node);
  return { pageSizeKb, free, total };
}

// CSIT always wrote pages*4, which could lower the kernel's default of 65530.
async function raiseMapCount(node: Node, pages: number): Promise<void> {
  const mapCount = await readNumber(node, 'cat /proc/sys/vm/max_map_count', 'Reading vm.max_map_count failed.');
  if (mapCount < pages * 4) {
    await execCmdNoError(node, `sysctl -w vm.max_map_count=${pages * 4}`, { sudo: true, timeout: 10, message: `Increase map count failed on ${node.host}` });
  }
}

async function mountHugetlbfs(node: Node, mountPoint: string, pageSizeKb: number): Promise<void> {
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
function hugetlbfsMount(procMounts: string, mountPoint: string): { options: string } | undefined {
  const wanted = mountPoint.replace(/\/+$/, '') || '/';
  for (const line of procMounts.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length >= 3 && fields[2] === 'hugetlbfs' && unescapeMountField(fields[1]) === wanted) return { options: fields[3] ?? '' };
  }
  return undefined;
}

/**
 * Fails unless `memMb` MB fit in the free huge pages (or, with `allocate`, makes them fit), then mounts
 * hugetlbfs at `mountPoint` when it is not mounted there.
 */
export async function checkHugePages(
  node: Node,
  mountPoint: string,
  memMb: number,
  options: HugePageCheckOptions = {},
  call: CallContext = NO_CALL_CONTEXT,
): Promise<HugePageStatus> {
  if (options.pageSize !== undefined) {
    const pool = await checkHugePagePool(node, options.pageSize, memMb, { mountPoint, allocate: options.allocate }, call);
    return { pageSizeKb: pool.pageSizeKb, free: pool.free, total: pool.total };
  }
  let status = await readHugePages(node);
  const neededKb = memMb * 1024;
  const freeKb = (s: HugePageStatus): number => s.free * s.pageSizeKb;
  if (neededKb > freeKb(status)) {
    if (!options.allocate) {
      throw new HugePageError(
        `Not enough free huge pages: ${status.free}, ${freeKb(status) / 1024} MB free of ${status.total} pages of ` +
          `${status.pageSizeKb} kB, ${memMb} MB needed on ${node.host}. Raise vm.nr_hugepages, or set allocate_hugepages=True.`,
      );
    }
    // CSIT's sizing: twice the pages needed on top of the current total.
    const pages = Math.floor(neededKb / status.pageSizeKb) * 2 + status.total;
    await raiseMapCount(node, pages);
    call.log.info(`Raising vm.nr_hugepages from ${status.total} to ${pages} on ${node.host} (${memMb} MB needed, ${freeKb(status) / 1024} MB free)`);
    await execCmdNoError(node, `sysctl -w vm.nr_hugepages=${pages}`, { sudo: true, timeout: 60, message: `Mount huge pages failed on ${node.host}` });
    status = await readHugePages(node);
    if (neededKb > freeKb(status)) {
      throw new HugePageError(
        `Not enough free huge pages after allocation: asked the kernel for ${pages} pages, it has ${status.total} ` +
          `(${status.free} free, ${freeKb(status) / 1024} MB; ${memMb} MB needed) on ${node.host}: host memory is too fragmented or too small.`,
      );
    }
  }

  if (!isHugetlbfsMounted(status.procMounts, mountPoint)) await mountHugetlbfs(node, mountPoint, status.pageSizeKb);
  return { pageSizeKb: status.pageSizeKb, free: status.free, total: status.total };
}

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

/** The pool's counters as `name:value` lines, then `/proc/mounts`: one round trip, world-readable, no sudo. */
export function hugePagePoolCommand(pageSizeKb: number): string {
  const dir = shellQuote(hugePagePoolDir(pageSizeKb));
  return `sh -c ${shellQuote(
    [`if cd ${dir}; then grep -H . ${POOL_FILES.join(' ')}; else echo '${NO_POOL_MARK}'; fi`, `echo '${MOUNTS_MARK}'`, 'cat /proc/mounts'].join('\n'),
  )}`;
}

/** HEAD's count (csit-head.md §6); `resv` is not subtracted, as HEAD does not. */
export function availableHugePages(pool: Pick<HugePagePool, 'free' | 'overcommit' | 'surplus'>): number {
  return pool.overcommit !== 0 ? Math.max(0, pool.overcommit - pool.surplus) : pool.free;
}

async function readHugePagePool(node: Node, pageSize: string): Promise<HugePagePool & { procMounts: string }> {
  const pageSizeKb = hugePageSizeKb(pageSize);
  const dir = hugePagePoolDir(pageSizeKb);
  const result = await execCmd(node, hugePagePoolCommand(pageSizeKb), { timeout: 10 });
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
  return { pageSize, pageSizeKb, dir, ...pool, available: availableHugePages(pool), procMounts };
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
 * Fails unless the pool of the VM's own page size has the pages for `memMb` MB (CSIT HEAD checked every VM
 * against the 2M pool). With `mountPoint`, a hugetlbfs of another page size there fails too.
 */
export async function checkHugePagePool(
  node: Node,
  pageSize: string,
  memMb: number,
  options: HugePagePoolCheckOptions = {},
  call: CallContext = NO_CALL_CONTEXT,
): Promise<HugePagePool> {
  let pool = await readHugePagePool(node, pageSize);
  // QEMU needs whole pages: round up (HEAD's floor let 1G VMs of 1500 MB pass with one page).
  const needed = Math.ceil((memMb * 1024) / pool.pageSizeKb);
  const label = `${pageSize} pool (${pool.dir})`;
  if (needed > pool.available) {
    const shortfall = `${memMb} MB need ${needed} pages of ${pool.pageSizeKb} kB, ${pool.available} available (${poolCounts(pool)}; available = overcommit − surplus when overcommit is set, else free)`;
    if (!options.allocate) {
      throw new HugePageError(`Not enough available huge pages in the ${label} on ${node.host}: ${shortfall}. Raise ${pool.dir}/nr_hugepages, or set allocate_hugepages=True.`);
    }
    const pages = pool.total + needed - pool.available;
    await raiseMapCount(node, pages);
    call.log.info(`Raising ${pool.dir}/nr_hugepages from ${pool.total} to ${pages} on ${node.host}: ${shortfall}`);
    const script = `echo ${pages} > ${shellQuote(`${pool.dir}/nr_hugepages`)}`;
    await execCmdNoError(node, `sh -c ${shellQuote(script)}`, { sudo: true, timeout: 60, message: `Allocating ${pageSize} huge pages failed on ${node.host}` });
    pool = await readHugePagePool(node, pageSize);
    if (needed > pool.available) {
      throw new HugePageError(
        `Not enough available huge pages in the ${label} after allocation on ${node.host}: asked the kernel for ${pages} pages, it has ${pool.total} ` +
          `(${pool.available} available, ${needed} needed for ${memMb} MB; ${poolCounts(pool)}): host memory is too fragmented or too small.`,
      );
    }
  }
  if (options.mountPoint !== undefined) {
    const mount = hugetlbfsMount(pool.procMounts, options.mountPoint);
    const mountedKb = mount && mountPageSizeKb(mount.options);
    if (mount === undefined) await mountHugetlbfs(node, options.mountPoint, pool.pageSizeKb);
    else if (mountedKb !== undefined && mountedKb !== pool.pageSizeKb) {
      throw new HugePageError(
        `hugetlbfs at ${options.mountPoint} on ${node.host} has ${mountedKb} kB pages (${mount.options}), the VM's page size is ${pageSize} (${pool.pageSizeKb} kB): ` +
          `mount one with -o pagesize=${pageSize} there, or give the mount of that size.`,
      );
    }
  }
  const { pageSizeKb, dir, free, total, overcommit, surplus, resv, available } = pool;
  return { pageSize, pageSizeKb, dir, free, total, overcommit, surplus, resv, available };
}
