/** Huge pages per page size (CSIT HEAD's page_size): the VM's own pool, counted as HEAD counts since 2b3a18b. */
import { dryRunTransport } from '../../src/node';
import { HugePageError, QemuConfigError } from '../../src/qemu/errors';
import { availableHugePages, checkHugePagePool, checkHugePages, hugePagePoolCommand, hugePageSizeKb } from '../../src/qemu/hugepages';
import { commandLines, dryRunNode, exactly } from '../support/dry-run-node';

const POOL_1G = '/sys/kernel/mm/hugepages/hugepages-1048576kB';
const MOUNTS = 'sysfs /sys sysfs rw 0 0\nhugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\nhugetlbfs /dev/hugepages1G hugetlbfs rw,relatime,pagesize=1024M 0 0\n';

interface Counters {
  free: number;
  nr: number;
  overcommit?: number;
  surplus?: number;
  resv?: number;
}

/** What the pool command prints: `grep -H .` lines, then the mounts. */
function poolOutput(c: Counters, mounts = MOUNTS): string {
  return (
    `free_hugepages:${c.free}\nnr_hugepages:${c.nr}\nnr_overcommit_hugepages:${c.overcommit ?? 0}\n` +
    `resv_hugepages:${c.resv ?? 0}\nsurplus_hugepages:${c.surplus ?? 0}\n@@qemu-utils-remote mounts\n${mounts}`
  );
}

const pool1G = (c: Counters, mounts?: string, mountPoint?: string) => exactly(hugePagePoolCommand(1048576, mountPoint), { stdout: poolOutput(c, mounts) });

describe('checkHugePagePool', () => {
  it("reads the 1G pool of a 1G VM in one command, and passes when its pages fit", async () => {
    const node = dryRunNode([pool1G({ free: 4, nr: 4 }, MOUNTS, '/dev/hugepages1G')]);
    expect(await checkHugePagePool(node, '1G', 4096, { mountPoint: '/dev/hugepages1G' })).toEqual({
      pageSize: '1G',
      pageSizeKb: 1048576,
      dir: POOL_1G,
      free: 4,
      total: 4,
      overcommit: 0,
      surplus: 0,
      resv: 0,
      available: 4,
    });
    expect(commandLines(node)).toEqual([hugePagePoolCommand(1048576, '/dev/hugepages1G')]);
    expect(hugePagePoolCommand(1048576)).toBe(
      `sh -c 'if cd /sys/kernel/mm/hugepages/hugepages-1048576kB; then grep -H . free_hugepages nr_hugepages nr_overcommit_hugepages resv_hugepages surplus_hugepages; ` +
        `else echo '"'"'@@qemu-utils-remote no pool'"'"'; fi\necho '"'"'@@qemu-utils-remote mounts'"'"'\ncat /proc/mounts'`,
    );
    // With the VM's mount: its size= limit too (statfs), in the same round trip.
    expect(hugePagePoolCommand(1048576, '/dev/hugepages1G')).toContain(`\necho "mount_limit: $(stat -f -c '"'"'%b %f %S'"'"' /dev/hugepages1G 2>/dev/null)"\n`);
  });

  it('fails naming the pool, the pages needed and available', async () => {
    const node = dryRunNode([pool1G({ free: 3, nr: 3 })]);
    await expect(checkHugePagePool(node, '1G', 4096)).rejects.toThrow(
      new HugePageError(
        `Not enough available huge pages in the 1G pool (${POOL_1G}) on ${node.host}: 4096 MB need 4 pages of 1048576 kB, 3 available ` +
          `(free 3, nr 3, overcommit 0, surplus 0, resv 0; available = overcommit − surplus when overcommit is set, else free − resv). ` +
          `Raise ${POOL_1G}/nr_hugepages, or set allocate_hugepages=True.`,
      ),
    );
  });

  it('counts as HEAD: overcommit − surplus when overcommit is set (free ignored), else free less the pages running VMs reserved', () => {
    expect(availableHugePages({ free: 100, overcommit: 0, surplus: 0, resv: 0 })).toBe(100);
    // HEAD counted these 40, mapped by a running QEMU and not touched yet, as free (docs/deviations.md).
    expect(availableHugePages({ free: 100, overcommit: 0, surplus: 0, resv: 40 })).toBe(60);
    expect(availableHugePages({ free: 100, overcommit: 10, surplus: 4, resv: 40 })).toBe(6);
    expect(availableHugePages({ free: 0, overcommit: 3, surplus: 5, resv: 0 })).toBe(0);
  });

  it('a 2M VM is checked against the 2M pool, whole pages rounded up', async () => {
    const node = dryRunNode([exactly(hugePagePoolCommand(2048), { stdout: poolOutput({ free: 0, nr: 1024, overcommit: 2049, surplus: 1 }) })]);
    expect((await checkHugePagePool(node, '2M', 4096)).available).toBe(2048);
    const short = dryRunNode([pool1G({ free: 1, nr: 1 })]);
    // 1500 MB is 1.46 pages of 1G: HEAD's floor said 1 page.
    await expect(checkHugePagePool(short, '1G', 1500)).rejects.toThrow(/: 1500 MB need 2 pages of 1048576 kB, 1 available/);
  });

  it('refuses a page size other than 2M or 1G, and a host without that pool', async () => {
    expect(() => hugePageSizeKb('4M')).toThrow(new QemuConfigError('page_size must be one of 2M, 1G, got "4M"'));
    expect(hugePageSizeKb('1g')).toBe(1048576);
    const node = dryRunNode([exactly(hugePagePoolCommand(1048576), { stdout: `@@qemu-utils-remote no pool\n@@qemu-utils-remote mounts\n${MOUNTS}` })]);
    await expect(checkHugePagePool(node, '1G', 4096)).rejects.toThrow(`No 1G huge page pool on ${node.host}: ${POOL_1G} does not exist`);
    const broken = dryRunNode([exactly(hugePagePoolCommand(2048), { rc: 2, stdout: 'free_hugepages:1\n', stderr: 'grep: nr_hugepages: Permission denied' })]);
    await expect(checkHugePagePool(broken, '2M', 2)).rejects.toThrow(/^Getting free_hugepages of the 2M huge page pool failed \(.* rc 2: grep: nr_hugepages: Permission denied\)$/);
  });

  it('mounts hugetlbfs of the page size where absent, and refuses a mount of another size', async () => {
    const node = dryRunNode([pool1G({ free: 4, nr: 4 }, 'proc /proc proc rw 0 0\n', '/mnt/huge 1G')]);
    await checkHugePagePool(node, '1G', 4096, { mountPoint: '/mnt/huge 1G' });
    expect(commandLines(node).slice(1)).toEqual(["sudo -S mkdir -p '/mnt/huge 1G'", "sudo -S mount -t hugetlbfs -o pagesize=1048576k none '/mnt/huge 1G'"]);
    const wrong = dryRunNode([pool1G({ free: 4, nr: 4 }, MOUNTS, '/dev/hugepages')]);
    await expect(checkHugePagePool(wrong, '1G', 4096, { mountPoint: '/dev/hugepages' })).rejects.toThrow(
      `hugetlbfs at /dev/hugepages on ${wrong.host} has 2048 kB pages (rw,relatime,pagesize=2M), the VM's page size is 1G (1048576 kB)`,
    );
  });

  it('allocates the shortfall in the pool itself when asked, and re-checks', async () => {
    const node = dryRunNode([{ match: 'cat /proc/sys/vm/max_map_count', stdout: '65530\n' }, pool1G({ free: 1, nr: 1 })]);
    const transport = dryRunTransport(node);
    const originalExec = transport.exec.bind(transport);
    transport.exec = async (command, options) => {
      if (command.startsWith('sh -c \'echo ')) transport.addResponses([pool1G({ free: 4, nr: 4 })]);
      return originalExec(command, options);
    };
    expect((await checkHugePagePool(node, '1G', 4096, { allocate: true })).available).toBe(4);
    expect(commandLines(node).filter((line) => line.startsWith('sudo'))).toEqual([`sudo -S sh -c 'echo 4 > ${POOL_1G}/nr_hugepages'`]);
  });

  it('checkHugePages with a page size checks that pool and returns the 2019 status shape', async () => {
    const node = dryRunNode([pool1G({ free: 3, nr: 8 }, MOUNTS, '/dev/hugepages1G')]);
    expect(await checkHugePages(node, '/dev/hugepages1G', 3072, { pageSize: '1G' })).toEqual({ pageSizeKb: 1048576, free: 3, total: 8 });
    expect(commandLines(node)).toEqual([hugePagePoolCommand(1048576, '/dev/hugepages1G')]);
  });
});
