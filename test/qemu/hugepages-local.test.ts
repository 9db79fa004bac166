/** The 2M pool of this machine read through a `local` node, against sysfs read directly. */
import { readFileSync } from 'node:fs';
import { closeAllTransports, parseNode } from '../../src/node';
import { availableHugePages, checkHugePagePool } from '../../src/qemu/hugepages';

const local = parseNode({ host: 'localhost', transport: 'local' });
const DIR = '/sys/kernel/mm/hugepages/hugepages-2048kB';

afterAll(() => closeAllTransports());

describe("this host's 2M pool", () => {
  it('reads the counters sysfs shows (other VMs may take pages meanwhile: nr and overcommit are stable)', async () => {
    const read = (name: string): number => Number(readFileSync(`${DIR}/${name}`, 'utf8').trim());
    // 0 MB needs 0 pages, so the check passes whatever other VMs hold.
    const pool = await checkHugePagePool(local, '2M', 0);
    expect(pool).toMatchObject({ pageSize: '2M', pageSizeKb: 2048, dir: DIR, total: read('nr_hugepages'), overcommit: read('nr_overcommit_hugepages') });
    expect(pool.available).toBe(availableHugePages(pool));
    expect(pool.free).toBeLessThanOrEqual(pool.total + pool.surplus);
  });

  it('fails on this host when asked for more than the pool holds', async () => {
    const total = Number(readFileSync(`${DIR}/nr_hugepages`, 'utf8').trim());
    const overcommit = Number(readFileSync(`${DIR}/nr_overcommit_hugepages`, 'utf8').trim());
    const tooMuchMb = (total + overcommit + 1) * 2;
    await expect(checkHugePagePool(local, '2M', tooMuchMb)).rejects.toThrow(new RegExp(`^Not enough available huge pages in the 2M pool \\(${DIR}\\) on localhost: ${tooMuchMb} MB need ${total + overcommit + 1} pages`));
  });
});
