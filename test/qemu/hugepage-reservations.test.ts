/** Huge pages promised to starts under way: the judgement, the registry, and two checks on one dry-run node. */
import { HugePageError } from '../../src/qemu/errors';
import { HugePageReservations, judgeBudget, poolKey, reservePages, type PendingStart } from '../../src/qemu/hugepage-reservations';
import { reserveHugePages } from '../../src/qemu/hugepages';
import { dryRunTransport } from '../../src/node';
import { dryRunNode, hugepageStatus } from '../support/dry-run-node';
import { RecordingLog } from '../support/recording-log';

const start = (vm: string, pages: number, mountPoint = '/dev/hugepages'): PendingStart => ({ vm, pages, mountPoint });

describe('judgeBudget', () => {
  it('fits when the pages fit beside every start under way on the pool', () => {
    expect(judgeBudget(1024, '/dev/hugepages', { available: 1984 }, [])).toEqual({ verdict: 'fits' });
    expect(judgeBudget(512, '/dev/hugepages', { available: 1984 }, [start('VM 1', 1024)])).toEqual({ verdict: 'fits' });
  });

  it('waits when only the starts under way are in the way (the issue: 2 x 2048 MB, 3968 MB free)', () => {
    const first = start('VM 1 (session /vm1)', 1024);
    expect(judgeBudget(1024, '/dev/hugepages', { available: 1984 }, [first])).toEqual({ verdict: 'wait', pending: [first] });
  });

  it('is short, naming the starts under way, when the kernel figure alone is short', () => {
    const first = start('VM 1', 10);
    expect(judgeBudget(2000, '/dev/hugepages', { available: 1984 }, [first])).toEqual({ verdict: 'short', short: 'pool', pending: [first] });
  });

  it("counts a mount's size= limit against the starts on that mount only", () => {
    const budget = { available: 4096, mountLimit: { pages: 3, free: 3 } };
    const elsewhere = start('VM 5', 2, '/dev/hugepages');
    const here = start('VM 70', 2, '/mnt/small');
    expect(judgeBudget(2, '/mnt/small', budget, [elsewhere])).toEqual({ verdict: 'fits' });
    expect(judgeBudget(2, '/mnt/small', budget, [elsewhere, here])).toEqual({ verdict: 'wait', pending: [here] });
    expect(judgeBudget(4, '/mnt/small', budget, [elsewhere, here])).toEqual({ verdict: 'short', short: 'mount', pending: [here] });
  });
});

describe('HugePageReservations', () => {
  it('keys pools by node and page size, every loopback spelling one node', () => {
    expect(poolKey({ host: 'localhost', port: 22, transport: 'ssh' }, 2048)).toBe(poolKey({ host: '127.0.0.1', port: 22, transport: 'ssh' }, 2048));
    expect(poolKey({ host: 'dut1', port: 22, transport: 'ssh' }, 2048)).not.toBe(poolKey({ host: 'dut1', port: 22, transport: 'ssh' }, 1048576));
  });

  it('holds a reservation until released (once), and wakes a check waiting for it', async () => {
    const registry = new HugePageReservations();
    const held = registry.reserve('p', start('VM 1', 1024));
    expect(registry.pending('p')).toMatchObject([{ vm: 'VM 1', pages: 1024 }]);
    let woke = false;
    const waiting = registry.anyEnded(registry.pending('p')).then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    held.release();
    held.release();
    await waiting;
    expect(woke).toBe(true);
    expect(registry.pending('p')).toEqual([]);
  });

  it('a wait ends with the abort of the keyword', async () => {
    const registry = new HugePageReservations();
    registry.reserve('p', start('VM 1', 1024));
    const abort = new AbortController();
    const waiting = registry.anyEnded(registry.pending('p'), abort.signal);
    abort.abort(new Error('client gone'));
    await expect(waiting).rejects.toThrow('client gone');
  });

  it('reservePages reads again after the starts it waited for, and says whom it waited for', async () => {
    const registry = new HugePageReservations();
    const first = registry.reserve('p', start('VM 1', 1024));
    // The kernel's figure: 1984 free before VM 1 maps; 960 after (its 1024 pages reserved by QEMU).
    const readings = [{ available: 1984 }, { available: 960 }];
    const waited: string[] = [];
    const outcome = reservePages({
      registry,
      pool: () => 'p',
      vm: 'VM 2',
      pages: () => 1024,
      mountPoint: '/dev/hugepages',
      read: () => Promise.resolve(readings.shift() ?? { available: 0 }),
      waiting: (pending) => {
        waited.push(pending.map((p) => p.vm).join());
        first.release();
      },
    });
    const result = await outcome;
    expect(waited).toEqual(['VM 1']);
    expect(result).toMatchObject({ short: 'pool', pending: [], waited: [{ vm: 'VM 1', pages: 1024 }] });
  });
});

describe('reserveHugePages on one node', () => {
  it('two starts together: the second waits for the first, then fails naming it, with the kernel figure after its start', async () => {
    const registry = new HugePageReservations();
    // 1984 pages free (3968 MB); once VM 1's QEMU has mapped its 1024, 1024 of them are reserved.
    const node = dryRunNode([hugepageStatus({ free: 1984, total: 2048 })]);
    const log = new RecordingLog();
    const first = await reserveHugePages(node, '/dev/hugepages', 2048, {}, { log }, { vm: 'VM 1 (session /vm1)', registry });
    const second = reserveHugePages(node, '/dev/hugepages', 2048, {}, { log }, { vm: 'VM 2 (session /vm2)', registry });
    while (log.lines.length === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(log.lines).toEqual([`INFO Huge pages on ${node.host}: waiting until the starts under way (VM 1 (session /vm1) 1024 pages) hold their pages, then counting again`]);
    dryRunTransport(node).addResponses([hugepageStatus({ free: 1984, total: 2048, resv: 1024 })]);
    first.reservation.release();
    await expect(second).rejects.toThrow(
      new HugePageError(
        `Not enough free huge pages: 960 (1984 free less 1024 reserved by running VMs), 1920 MB free of 2048 pages of 2048 kB, 2048 MB needed on ${node.host}; ` +
          'this check waited for the start of VM 1 (session /vm1) 1024 pages, which hold their pages now or failed. Raise vm.nr_hugepages, or set allocate_hugepages=True.',
      ),
    );
    expect(registry.pending(poolKey(node, 2048))).toEqual([]);
  });

  it('when the first start fails, the second gets the pages', async () => {
    const registry = new HugePageReservations();
    const node = dryRunNode([hugepageStatus({ free: 1984, total: 2048 })]);
    const first = await reserveHugePages(node, '/dev/hugepages', 2048, {}, undefined, { vm: 'VM 1', registry });
    const second = reserveHugePages(node, '/dev/hugepages', 2048, {}, undefined, { vm: 'VM 2', registry });
    first.reservation.release();
    const got = await second;
    expect(registry.pending(poolKey(node, 2048))).toMatchObject([{ vm: 'VM 2', pages: 1024 }]);
    got.reservation.release();
  });
});
