/**
 * CSIT's `DUTSetup.check_huge_page`: enough free huge pages of the default size for the VM's memory, and
 * hugetlbfs mounted where QEMU's memory backend looks. Optionally raises `vm.nr_hugepages`.
 */
import { execCmd, execCmdNoError, type Node } from '../node';
import { shellQuote } from '../node/quote';
import { NO_CALL_CONTEXT, type CallContext } from './call';
import { HugePageError } from './errors';

export interface HugePageStatus {
  /** Default huge page size, kB. */
  pageSizeKb: number;
  free: number;
  total: number;
}

export interface HugePageCheckOptions {
  allocate?: boolean;
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

/** `/proc/mounts` escapes blanks in paths as octal (`\040`). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_all, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function isHugetlbfsMounted(procMounts: string, mountPoint: string): boolean {
  const wanted = mountPoint.replace(/\/+$/, '') || '/';
  return procMounts.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields.length >= 3 && fields[2] === 'hugetlbfs' && unescapeMountField(fields[1]) === wanted;
  });
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
    const mapCount = await readNumber(node, 'cat /proc/sys/vm/max_map_count', 'Reading vm.max_map_count failed.');
    // CSIT always wrote pages*4, which could lower the kernel's default of 65530.
    if (mapCount < pages * 4) {
      await execCmdNoError(node, `sysctl -w vm.max_map_count=${pages * 4}`, { sudo: true, timeout: 10, message: `Increase map count failed on ${node.host}` });
    }
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

  if (!isHugetlbfsMounted(status.procMounts, mountPoint)) {
    const quoted = shellQuote(mountPoint);
    await execCmdNoError(node, `mkdir -p ${quoted}`, { sudo: true, message: `Create mount dir failed on ${node.host}` });
    await execCmdNoError(node, `mount -t hugetlbfs -o pagesize=${status.pageSizeKb}k none ${quoted}`, {
      sudo: true,
      message: `Mount huge pages failed on ${node.host}`,
    });
  }
  return { pageSizeKb: status.pageSizeKb, free: status.free, total: status.total };
}
