/**
 * QemuManager on the real test bed: two kernelvm guests running testpmd (io forwarding) on vhost-user
 * sockets served by one host dpdk-testpmd, started with their boot waits overlapped, pinned, then killed.
 * The only real-VM test of the manager: two TCG guests on a 2-core machine are all it can afford.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { closeAllTransports } from '../../src/node';
import { mergeSettings, type QemuLog } from '../../src/qemu';
import { QemuManager } from '../../src/qemu/manager';
import { describeWithTestbed } from '../support/testbed';

afterAll(() => closeAllTransports());

/** Ids no other test uses, so this test never meets another's pid files, logs or sockets. */
const FIRST_ID = 41;
const SOCKET_DIR = `/run/qur-manager-${process.pid}`;
const PEER = `mgr${process.pid}`;

class TimedLog implements QemuLog {
  readonly lines: { at: number; text: string }[] = [];
  private add(level: string, text: string): void {
    this.lines.push({ at: Date.now(), text: `${level} ${text}` });
  }
  trace(message: string): void { this.add('TRACE', message); }
  debug(message: string): void { this.add('DEBUG', message); }
  info(message: string): void { this.add('INFO', message); }
  warn(message: string): void { this.add('WARN', message); }
  indexOf(pattern: RegExp): number {
    return this.lines.findIndex((line) => pattern.test(line.text));
  }
  dump(): string {
    return this.lines.map((line) => line.text).join('\n').slice(-6000);
  }
}

function vcpuAffinities(pid: number): string[] {
  const tasks = execFileSync('sh', ['-c', `grep -H . /proc/${pid}/task/*/comm`], { encoding: 'utf8' });
  const vcpus = [...tasks.matchAll(/\/task\/(\d+)\/comm:CPU (\d+)\//g)].sort((a, b) => Number(a[2]) - Number(b[2]));
  return vcpus.map(([, tid]) => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))?.[1] ?? '?');
}

describeWithTestbed('QemuManager with real kernelvm guests', (testbed) => {
  let manager: QemuManager | undefined;
  let peerStarted = false;

  afterAll(async () => {
    await manager?.close({ log: new TimedLog() }).catch(() => undefined);
    if (peerStarted) execFileSync('bash', [testbed().hostTestpmdScript, 'stop', PEER], { stdio: 'ignore' });
    rmSync(SOCKET_DIR, { recursive: true, force: true });
  });

  it('starts 2 testpmd VMs with overlapped boot waits, pins them, and Kill All VMs leaves nothing behind', async () => {
    const bed = testbed();
    manager = new QemuManager(
      { DUT1: { host: 'localhost', type: 'DUT', transport: 'local' } },
      mergeSettings({
        accel: bed.accel,
        cpuModel: bed.cpu,
        kernelArgs: bed.kernelExtraArgs,
        testpmdBin: bed.testpmd,
        testpmdMainLcoreFlag: '--main-lcore',
        bootTimeout: 200,
      }),
    );
    const log = new TimedLog();
    const vms = await manager.constructVmsOnAllNodes(
      { nfChains: 1, nfNodes: 2, jumbo: false, perfQemuQsz: 1024, autoScale: false, vnf: 'testpmd_io', cpuCountInt: 1, rxqCountInt: 1, nfCpus: [[0, 1], [1, 0]], mem: 1024, img: bed.kernel, socketDir: SOCKET_DIR, firstQemuId: FIRST_ID },
      { log },
    );
    const sockets = vms.flatMap((vm) => vm.sockets);
    expect(sockets).toEqual([`${SOCKET_DIR}/sock-41-1`, `${SOCKET_DIR}/sock-41-2`, `${SOCKET_DIR}/sock-42-1`, `${SOCKET_DIR}/sock-42-2`]);

    // The host peer (VPP's role in CSIT) connects as vhost-user client and retries until QEMU listens.
    execFileSync('bash', [bed.hostTestpmdScript, 'start', PEER, ...sockets], { env: { ...process.env, QUR_TESTPMD_FORWARD: '0' }, stdio: 'pipe' });
    peerStarted = true;

    const begun = Date.now();
    let started: Awaited<ReturnType<QemuManager['startAllVms']>>;
    try {
      started = await manager.startAllVms({ pinning: true }, { log });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- log ---\n${log.dump()}`);
    }
    const elapsed = (Date.now() - begun) / 1000;
    expect(Object.keys(started)).toEqual(['DUT1_41', 'DUT1_42']);
    expect(started.DUT1_42.interfaces.vhost2).toEqual({ mac_address: '52:54:00:00:2a:02', socket: `${SOCKET_DIR}/sock-42-2` });

    // Overlapped: the second VM was started before the first had booted, and the whole took less than the sum.
    const secondStarted = log.indexOf(/^INFO \[DUT1_42\] Starting VM 42/);
    const firstBooted = log.indexOf(/^INFO \[DUT1_41\] booted in/);
    expect(secondStarted).toBeGreaterThanOrEqual(0);
    expect(firstBooted).toBeGreaterThan(secondStarted);
    const bootSeconds = log.lines.map((line) => /^INFO \[DUT1_4[12]\] booted in ([\d.]+) s$/.exec(line.text)?.[1]).filter((value): value is string => value !== undefined).map(Number);
    expect(bootSeconds).toHaveLength(2);
    expect(elapsed).toBeLessThan(bootSeconds[0] + bootSeconds[1]);

    // Pinned as asked: vCPU n of each VM on its n-th CPU.
    const pids = [41, 42].map((id) => Number(readFileSync(`/var/run/qemu_${id}.pid`, 'utf8').trim()));
    expect(vcpuAffinities(pids[0])).toEqual(['0', '1']);
    expect(vcpuAffinities(pids[1])).toEqual(['1', '0']);
    const serial = readFileSync('/tmp/serial_42.log', 'utf8');
    expect(serial).toContain('Press enter to exit');

    await manager.killAllVms({ force: false }, { log });
    for (const pid of pids) {
      const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
      // Gone, or a zombie waiting for a PID 1 that does not reap (its memory is freed all the same).
      expect(stat === '' || / Z /.test(stat)).toBe(true);
    }
    for (const id of [41, 42]) {
      for (const file of [`/var/run/qemu_${id}.pid`, `/var/run/qmp_${id}.sock`, `/tmp/serial_${id}.log`, `/etc/vm_init_${id}.conf`, `${SOCKET_DIR}/sock-${id}-1`, `${SOCKET_DIR}/sock-${id}-2`]) {
        expect([file, existsSync(file)]).toEqual([file, false]);
      }
    }
  }, 300_000);
});
