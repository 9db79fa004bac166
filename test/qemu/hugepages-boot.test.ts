import { SerialLogScanner, processGoneCommand } from '../../src/qemu/boot';
import { checkHugePages, HUGEPAGE_STATUS_COMMAND, isHugetlbfsMounted } from '../../src/qemu/hugepages';
import { dryRunTransport } from '../../src/node';
import { HugePageError } from '../../src/qemu/errors';
import { commandLines, dryRunNode, hugepageStatus } from '../support/dry-run-node';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

describe('checkHugePages (DUTSetup.check_huge_page)', () => {
  it('reads size, free and total pages and the mounts in one round trip, and passes when the memory fits', async () => {
    const node = dryRunNode([hugepageStatus({ free: 512, total: 1024 })]);
    expect(await checkHugePages(node, '/dev/hugepages', 1024)).toEqual({ pageSizeKb: 2048, free: 512, total: 1024 });
    expect(commandLines(node)).toEqual([HUGEPAGE_STATUS_COMMAND]);
  });

  it('the status command reads this host as /proc/meminfo and sysfs do', () => {
    const output = spawnSync('sh', ['-c', HUGEPAGE_STATUS_COMMAND], { encoding: 'utf8' }).stdout;
    const meminfo = readFileSync('/proc/meminfo', 'utf8');
    const size = /^Hugepagesize:\s+(\d+) kB$/m.exec(meminfo)?.[1];
    expect(output).toMatch(new RegExp(`^Hugepagesize: ${size}\nfree_hugepages: \\d+\nnr_hugepages: \\d+\nresv_hugepages: \\d+\nmount_limit: \\d+ \\d+ \\d+\n@@qemu-utils-remote mounts\n`));
    const total = readFileSync(`/sys/kernel/mm/hugepages/hugepages-${size}kB/nr_hugepages`, 'utf8').trim();
    expect(output).toContain(`\nnr_hugepages: ${total}\n`);
    expect(output).toContain(readFileSync('/proc/mounts', 'utf8').split('\n')[0]);
  });

  it('allocates when asked: raises max_map_count only if lower, sets nr_hugepages, re-checks, mounts', async () => {
    const node = dryRunNode([
      { match: 'cat /proc/sys/vm/max_map_count', stdout: '65530\n' },
      hugepageStatus({ free: 100, total: 128, mounts: 'proc /proc proc rw 0 0\n' }),
    ]);
    // Free pages: 100 before the allocation, 1124 after.
    const transport = dryRunTransport(node);
    const originalExec = transport.exec.bind(transport);
    transport.exec = async (command, options) => {
      if (command.includes('vm.nr_hugepages=')) transport.addResponses([hugepageStatus({ free: 1124, total: 1152, mounts: 'proc /proc proc rw 0 0\n' })]);
      return originalExec(command, options);
    };
    await checkHugePages(node, '/mnt/huge pages', 1024, { allocate: true });
    expect(commandLines(node).filter((line) => /sysctl|mkdir|mount -t/.test(line))).toEqual([
      // (1024*1024/2048)*2 + 128 = 1152 pages; 1152*4 < 65530, so max_map_count stays.
      'sudo -S sysctl -w vm.nr_hugepages=1152',
      "sudo -S mkdir -p '/mnt/huge pages'",
      "sudo -S mount -t hugetlbfs -o pagesize=2048k none '/mnt/huge pages'",
    ]);
  });

  it('fails with numbers a test engineer can act on', async () => {
    const node = dryRunNode([hugepageStatus({ free: 128, total: 128 })]);
    await expect(checkHugePages(node, '/dev/hugepages', 512)).rejects.toThrow(
      new HugePageError(`Not enough free huge pages: 128, 256 MB free of 128 pages of 2048 kB, 512 MB needed on ${node.host}. Raise vm.nr_hugepages, or set allocate_hugepages=True.`),
    );
    // Pages a running QEMU mapped but has not touched are free to the kernel's count, not to another VM.
    const reserved = dryRunNode([hugepageStatus({ free: 1984, total: 2048, resv: 1024 })]);
    await expect(checkHugePages(reserved, '/dev/hugepages', 2048)).rejects.toThrow(
      new HugePageError(
        `Not enough free huge pages: 960 (1984 free less 1024 reserved by running VMs), 1920 MB free of 2048 pages of 2048 kB, 2048 MB needed on ${reserved.host}. ` +
          'Raise vm.nr_hugepages, or set allocate_hugepages=True.',
      ),
    );
    // A hugetlbfs mounted with size= refuses mappings beyond it, whatever the pool has.
    const limited = dryRunNode([hugepageStatus({ free: 4096, total: 4096, mountLimit: '3 1 2097152', mounts: 'none /mnt/small hugetlbfs rw,pagesize=2M,size=6291456 0 0\n' })]);
    await expect(checkHugePages(limited, '/mnt/small', 4)).rejects.toThrow(
      new HugePageError(
        `Not enough free huge pages in the hugetlbfs at /mnt/small on ${limited.host}: its size= limit is 3 pages of 2048 kB, 1 of them neither used nor reserved, ` +
          '2 needed for 4 MB. Give the VM another hugepage_mount, or remount it with a larger size=.',
      ),
    );
    // statfs of a mount without size= says 0 blocks; of a directory that is no hugetlbfs, nothing counts.
    for (const unlimited of [hugepageStatus({ free: 4096, total: 4096, mountLimit: '0 0 2097152' }), hugepageStatus({ free: 4096, total: 4096, mountLimit: '3 1 4096', mounts: 'tmpfs /mnt/small tmpfs rw 0 0\n' })]) {
      await expect(checkHugePages(dryRunNode([unlimited, { match: 'mount -t', stdout: '' }, { match: 'mkdir', stdout: '' }]), '/mnt/small', 4)).resolves.toMatchObject({ free: 4096 });
    }
    const broken = dryRunNode([{ match: 'free_hugepages', rc: 1, stdout: 'Hugepagesize: \n', stderr: 'sed: /proc/meminfo: No such file' }]);
    await expect(checkHugePages(broken, '/dev/hugepages', 512)).rejects.toThrow(/Getting huge page size information failed\. .*No such file/);
  });

  it('reads /proc/mounts as the kernel escapes it', () => {
    expect(isHugetlbfsMounted('none /mnt/huge\\040pages hugetlbfs rw 0 0\n', '/mnt/huge pages/')).toBe(true);
    expect(isHugetlbfsMounted('tmpfs /dev/hugepages tmpfs rw 0 0\n', '/dev/hugepages')).toBe(false);
  });
});

describe('SerialLogScanner', () => {
  it('sees a marker split across chunks', () => {
    const scanner = new SerialLogScanner();
    expect(scanner.push('EAL: probe\nPress ent')).toBeUndefined();
    expect(scanner.push('er to exit\n')).toEqual({ kind: 'booted', marker: 'Press enter to exit' });
  });

  it("recognises VPP's version banner", () => {
    expect(new SerialLogScanner().push('vpp v19.04-release built by root on host at 2019-04-10T12:00:00\n')).toEqual({
      kind: 'booted',
      marker: 'vpp v19.04-release built by',
    });
  });

  it('fails on a power-down or a kernel panic, whatever comes later', () => {
    const panic = new SerialLogScanner();
    panic.push('HugeTLB: allocating 256 of page size 2.00 MiB failed.\nKernel pan');
    expect(panic.push('ic - not syncing: System is deadlocked on memory\nPress enter to exit\n')).toMatchObject({
      kind: 'failed',
      line: 'Kernel panic - not syncing: System is deadlocked on memory',
    });
    expect(new SerialLogScanner().push('reboot: Power down\n')).toMatchObject({ kind: 'failed', reason: expect.stringContaining('powered down') });
  });

  it("drops the console's carriage returns, also when CR and LF arrive in different chunks", () => {
    const scanner = new SerialLogScanner();
    expect(scanner.push('[    4.1] Out of memory\r\n[    4.2] Kernel panic - not syncing: System is deadlocked on memory\r')).toBeUndefined();
    expect(scanner.push('\n')).toEqual({
      kind: 'failed',
      reason: 'the guest kernel panicked',
      line: 'Kernel panic - not syncing: System is deadlocked on memory',
    });
    expect(scanner.tail()).toBe('[    4.1] Out of memory\n[    4.2] Kernel panic - not syncing: System is deadlocked on memory\n');
  });

  it('reports a failure line whole: a line cut at a chunk boundary waits for its end', () => {
    const scanner = new SerialLogScanner();
    expect(scanner.push('[    1.2] Kernel panic - not sy')).toBeUndefined();
    expect(scanner.push('ncing: System is deadlocked on memory\n[    1.3] CPU: 0 PID: 1\n')).toMatchObject({
      line: 'Kernel panic - not syncing: System is deadlocked on memory',
    });
  });

  it('gives the cut line of a failure once nothing more will come, and nothing when there is none', () => {
    const cut = new SerialLogScanner();
    expect(cut.push('booting\nKernel panic - not sy')).toBeUndefined();
    expect(cut.failureInLastLine()).toMatchObject({ kind: 'failed', line: 'Kernel panic - not sy' });
    const quiet = new SerialLogScanner();
    quiet.push('booting\nstill booting');
    expect(quiet.failureInLastLine()).toBeUndefined();
  });

  it('keeps the tail for error messages', () => {
    const scanner = new SerialLogScanner();
    for (let line = 0; line < 100; line++) scanner.push(`line ${line}\n`);
    expect(scanner.tail(3)).toBe('line 98\nline 99\n');
  });
});

describe('processGoneCommand', () => {
  function watch(pid: number, seconds: number): string {
    return spawnSync('sh', ['-c', processGoneCommand(pid, seconds)], { encoding: 'utf8' }).stdout;
  }

  it('waits while the process runs and ends once it has gone', async () => {
    const sleeper = spawn('sleep', ['30']);
    const pid = sleeper.pid ?? 0;
    expect(watch(pid, 1)).toBe('');
    const exited = new Promise((resolve) => sleeper.once('exit', resolve));
    sleeper.kill('SIGKILL');
    await exited;
    expect(watch(pid, 5)).toContain('process gone');
  });

  it('counts a zombie (a dead process nobody reaps) as gone', async () => {
    // `sleep 0.2` dies under a parent (`exec sleep 30`) that never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30']);
    const parentGone = new Promise((resolve) => parent.once('exit', resolve));
    try {
      const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toMatch(/\) Z /);
      expect(watch(pid, 5)).toContain('process gone');
    } finally {
      parent.kill('SIGKILL');
      await parentGone;
    }
  });
});
