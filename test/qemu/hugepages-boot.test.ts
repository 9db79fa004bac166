import { SerialLogScanner, processGoneCommand } from '../../src/qemu/boot';
import { checkHugePages, isHugetlbfsMounted } from '../../src/qemu/hugepages';
import { HugePageError } from '../../src/qemu/errors';
import { commandLines, dryRunNode, exactly } from './dry-run-node';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

describe('checkHugePages (DUTSetup.check_huge_page)', () => {
  it('passes when the memory fits the free pages and hugetlbfs is mounted', async () => {
    const node = dryRunNode([
      { match: 'Hugepagesize', stdout: 'Hugepagesize:    2048 kB\n' },
      { match: 'free_hugepages', stdout: '512\n' },
      { match: 'nr_hugepages', stdout: '1024\n' },
      { match: 'cat /proc/mounts', stdout: 'hugetlbfs /dev/hugepages hugetlbfs rw 0 0\n' },
    ]);
    expect(await checkHugePages(node, '/dev/hugepages', 1024)).toEqual({ pageSizeKb: 2048, free: 512, total: 1024 });
  });

  it('allocates when asked: raises max_map_count only if lower, sets nr_hugepages, re-checks, mounts', async () => {
    let reads = 0;
    const node = dryRunNode([
      { match: 'Hugepagesize', stdout: 'Hugepagesize:    2048 kB\n' },
      { match: 'nr_hugepages$', regex: true, stdout: '128\n' },
      { match: 'cat /proc/sys/vm/max_map_count', stdout: '65530\n' },
      { match: 'cat /proc/mounts', stdout: 'proc /proc proc rw 0 0\n' },
    ]);
    // free_hugepages: 100 before the allocation, 1124 after.
    const { dryRunTransport } = await import('../../src/node');
    const transport = dryRunTransport(node);
    const originalExec = transport.exec.bind(transport);
    transport.exec = async (command, options) => {
      if (command.endsWith('free_hugepages')) {
        reads += 1;
        transport.addResponses([{ match: 'free_hugepages', stdout: reads === 1 ? '100\n' : '1124\n' }]);
      }
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
    const node = dryRunNode([
      { match: 'Hugepagesize', stdout: 'Hugepagesize:    2048 kB\n' },
      { match: 'free_hugepages', stdout: '128\n' },
      { match: 'nr_hugepages', stdout: '128\n' },
    ]);
    await expect(checkHugePages(node, '/dev/hugepages', 512)).rejects.toThrow(
      new HugePageError(`Not enough free huge pages: 128, 256 MB free of 128 pages of 2048 kB, 512 MB needed on ${node.host}. Raise vm.nr_hugepages, or set allocate_hugepages=True.`),
    );
    const broken = dryRunNode([exactly('grep Hugepagesize /proc/meminfo', { rc: 1, stderr: 'grep: /proc/meminfo: No such file' })]);
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
