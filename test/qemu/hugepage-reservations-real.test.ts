/**
 * Two concurrent Qemu Starts on this machine (transport `local`) whose memory, together, exceeds a pool that
 * fits one: a hugetlbfs of its own, mounted with size=6M (3 pages of 2 MiB) so the machine's nr_hugepages
 * and the other tests' pages are untouched. Each VM has 4 MiB (2 pages). The real QEMU maps the VM's
 * memory backend (the product's own -object, -m and -numa arguments) from that mount, paused; the wrapper
 * holds the first start until the second check is waiting, so the two checks overlap for certain.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeAllTransports, parseNode } from '../../src/node';
import { HugePageError } from '../../src/qemu/errors';
import { QemuUtils } from '../../src/qemu/qemu-utils';
import { mergeSettings } from '../../src/qemu/settings';
import { RecordingLog } from '../support/recording-log';

const QEMU = '/usr/bin/qemu-system-x86_64';
const IDS = [68, 69];
const local = parseNode({ host: 'localhost', transport: 'local' });

/** statfs of the mount: its limit and the pages neither used nor reserved. */
function mountPages(mount: string): { pages: number; free: number } {
  const [pages, free] = spawnSync('stat', ['-f', '-c', '%b %f', mount], { encoding: 'utf8' }).stdout.trim().split(' ').map(Number);
  return { pages, free };
}

/**
 * A `qemu-system-x86_64` for `bin_path`: at Qemu Start it waits for `go`, then runs the real QEMU paused with
 * the product's memory arguments and pid file (no kernel, no devices), and writes the kernelvm start-up
 * marker to the serial log; anything else (`--version`) goes to the real QEMU.
 */
function memoryOnlyQemu(dir: string, go: string): string {
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  const wrapper = join(binDir, 'qemu-system-x86_64');
  writeFileSync(
    wrapper,
    [
      '#!/bin/bash',
      'pidfile=; mem=; backend=; prev=',
      'for arg in "$@"; do case "$prev" in -pidfile) pidfile=$arg ;; -m) mem=$arg ;; -object) backend=$arg ;; esac; prev=$arg; done',
      `[ -n "$pidfile" ] || exec ${QEMU} "$@"`,
      `while [ ! -e ${go} ]; do sleep 0.1; done`,
      `${QEMU} -daemonize -machine pc,accel=tcg -nodefaults -display none -S -m "$mem" -object "$backend" -numa node,memdev=mem -pidfile "$pidfile" || exit $?`,
      'id=${pidfile##*qemu_}; echo "Press enter to exit" > "/tmp/serial_${id%.pid}.log"',
      '',
    ].join('\n'),
  );
  chmodSync(wrapper, 0o755);
  return binDir;
}

describe('concurrent Qemu Starts share a huge page pool', () => {
  let dir: string;
  let mount: string;
  const vms: QemuUtils[] = [];

  beforeAll(() => {
    if (!existsSync(QEMU)) throw new Error(`${QEMU} is missing; install it with: apt-get install -y qemu-system-x86`);
    dir = mkdtempSync(join(tmpdir(), 'qur-hp-'));
    chmodSync(dir, 0o755);
    mount = join(dir, 'small');
    mkdirSync(mount);
    const mounted = spawnSync('mount', ['-t', 'hugetlbfs', '-o', 'pagesize=2M,size=6M', 'none', mount], { encoding: 'utf8' });
    if (mounted.status !== 0) throw new Error(`mounting a hugetlbfs with size=6M at ${mount} failed (needs root and 3 free 2 MiB pages): ${mounted.stderr}`);
  });

  afterAll(async () => {
    for (const vm of vms) await vm.close();
    closeAllTransports();
    spawnSync('umount', [mount]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the second start waits for the first, then fails with the huge page message naming it; no QEMU of its own', async () => {
    expect(mountPages(mount)).toEqual({ pages: 3, free: 3 });
    const go = join(dir, 'go');
    const binPath = memoryOnlyQemu(dir, go);
    const logs = IDS.map(() => new RecordingLog());
    for (const qemuId of IDS) vms.push(new QemuUtils(local, { qemuId, smp: 1, mem: 4, img: '/opt/boot/vmlinuz-qur', binPath }, mergeSettings({ accel: 'tcg', hugepageMount: mount })));
    const starts = vms.map((vm, index) => vm.qemuStart({ log: logs[index] }));
    const waiting = (): number => logs.findIndex((log) => log.lines.some((line) => line.includes('waiting until the starts under way')));
    while (waiting() < 0) await new Promise((resolve) => setTimeout(resolve, 50));
    writeFileSync(go, '');
    const results = await Promise.allSettled(starts);
    const second = waiting();
    const first = 1 - second;
    expect(results[first].status).toBe('fulfilled');
    const failure = results[second].status === 'rejected' ? (results[second] as PromiseRejectedResult).reason : undefined;
    expect(failure).toBeInstanceOf(HugePageError);
    expect((failure as Error).message).toBe(
      `Not enough free huge pages in the hugetlbfs at ${mount} on localhost: its size= limit is 3 pages of 2048 kB, 1 of them neither used nor reserved, ` +
        `2 needed for 4 MB; this check waited for the start of VM ${IDS[first]} 2 pages, which hold their pages now or failed. ` +
        'Give the VM another hugepage_mount, or remount it with a larger size=.',
    );
    // The first QEMU holds its 2 pages (reserved at mmap), the second never ran.
    expect(mountPages(mount)).toEqual({ pages: 3, free: 1 });
    expect(existsSync(`/var/run/qemu_${IDS[first]}.pid`)).toBe(true);
    expect(existsSync(`/var/run/qemu_${IDS[second]}.pid`)).toBe(false);
    await vms[first].close();
    expect(mountPages(mount)).toEqual({ pages: 3, free: 3 });
  });
});
