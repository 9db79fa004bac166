/** Dry-run nodes for QemuUtils tests: every command recorded, canned answers by exact command line. */
import { closeAllTransports, dryRunTransport, parseNode, type DryRunExecRecord, type DryRunRecord, type DryRunResponse, type DryRunWriteFileRecord, type Node } from '../../src/node';

let counter = 0;

/** A fresh dry-run DUT (unique host, so no transport is shared between tests). */
export function dryRunNode(responses: DryRunResponse[] = [], extra: Record<string, unknown> = {}): Node {
  counter += 1;
  return parseNode({ host: `dut-${process.pid}-${counter}`, port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: responses, ...extra });
}

/** A canned answer for exactly this command line (sudo prefix included). */
export function exactly(commandLine: string, answer: Omit<DryRunResponse, 'match'>): DryRunResponse {
  return { match: `^${commandLine.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, regex: true, ...answer };
}

export function records(node: Node): readonly DryRunRecord[] {
  return dryRunTransport(node).records;
}

export function commandLines(node: Node): string[] {
  return dryRunTransport(node).commandLines();
}

export function writes(node: Node): DryRunWriteFileRecord[] {
  return records(node).filter((record): record is DryRunWriteFileRecord => record.kind === 'writeFile');
}

export function execs(node: Node): DryRunExecRecord[] {
  return records(node).filter((record): record is DryRunExecRecord => record.kind === 'exec');
}

export function clearRecords(node: Node): void {
  dryRunTransport(node).clearRecords();
}

const HUGETLBFS_MOUNTED = 'sysfs /sys sysfs rw 0 0\nhugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n';

/** What the node prints for the one huge page status command (`HUGEPAGE_STATUS_COMMAND`). */
export function hugepageStatusOutput(status: { sizeKb?: number; free: number; total: number; resv?: number; mountLimit?: string; mounts?: string }): string {
  return (
    `Hugepagesize: ${status.sizeKb ?? 2048}\nfree_hugepages: ${status.free}\nnr_hugepages: ${status.total}\nresv_hugepages: ${status.resv ?? 0}\n` +
    `mount_limit: ${status.mountLimit ?? '0 0 2097152'}\n@@qemu-utils-remote mounts\n${status.mounts ?? HUGETLBFS_MOUNTED}`
  );
}

/** A canned answer for the huge page status command. */
export function hugepageStatus(status: Parameters<typeof hugepageStatusOutput>[0]): DryRunResponse {
  return { match: 'free_hugepages', stdout: hugepageStatusOutput(status) };
}

export const HUGEPAGES_OK: DryRunResponse[] = [hugepageStatus({ free: 4096, total: 4096 })];

/** Answers that let kernel VM `id` start, boot and be pinned (pid 8000+id, vCPU threads 9000+10*id+n). */
export function bootableKernelVm(id: number): DryRunResponse[] {
  const pid = 8000 + id;
  return [
    exactly(`sudo -S cat /var/run/qemu_${id}.pid`, { stdout: `${pid}\n` }),
    { match: `tail -c +1 -F /tmp/serial_${id}.log`, stdout: 'EAL: probe\nPress enter to exit\n' },
    { match: `/proc/${pid}/task/*/comm`, stdout: `/proc/${pid}/task/${9000 + 10 * id}/comm:CPU 0/TCG\n/proc/${pid}/task/${9001 + 10 * id}/comm:CPU 1/TCG\n` },
  ];
}

/** A VM with a page size (contract=head) reads its own pool: the 2M pool with 2048 free pages, mounted. */
export const HUGEPAGE_POOL_2M_OK: DryRunResponse[] = [
  {
    match: 'hugepages-2048kB',
    stdout: 'free_hugepages:2048\nnr_hugepages:2048\nnr_overcommit_hugepages:0\nresv_hugepages:0\nsurplus_hugepages:0\n@@qemu-utils-remote mounts\nhugetlbfs /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n',
  },
];

afterAll(async () => {
  await closeAllTransports();
});
