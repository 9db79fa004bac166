/**
 * The guest kernel boots kernelvm-style (host / over 9p, init= a host script) under the bed's accelerator,
 * prints a marker on ttyS0 and powers QEMU off by itself.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithTestbed, qemuAccelArgs } from '../support/testbed';
import {
  ForegroundQemu,
  makeWorkDir,
  processAlive,
  removeWorkDir,
  startQemu,
  stopQemu,
  waitForExit,
  waitForText,
} from '../support/bed';

describeWithTestbed('guest kernel boots to init over 9p', (testbed) => {
  let workDir: string;
  let qemu: ForegroundQemu | undefined;

  beforeAll(() => {
    workDir = makeWorkDir('boot');
  });

  afterAll(async () => {
    await stopQemu(qemu);
    removeWorkDir(workDir);
  });

  test('prints the init marker on ttyS0 and powers off', async () => {
    const bed = testbed();
    const init = join(workDir, 'init');
    const serialLog = join(workDir, 'serial.log');
    // busybox from the host's read-only root; /proc is mounted only to read the guest's view of itself.
    writeFileSync(
      init,
      [
        '#!/bin/busybox sh',
        '/bin/busybox mount -t proc proc /proc',
        'echo "QUR-TESTBED-MARKER uptime=$(/bin/busybox cut -d" " -f1 /proc/uptime)' +
          ' hugepages=$(/bin/busybox cat /proc/sys/vm/nr_hugepages) root=$(/bin/busybox grep " / " /proc/mounts)" > /dev/ttyS0',
        '/bin/busybox poweroff -f',
        '',
      ].join('\n'),
    );
    chmodSync(init, 0o755);

    qemu = startQemu(bed.qemu, [
      '-nodefaults', '-name', 'qur-tb-boot,debug-threads=on', '-no-user-config', '-monitor', 'none',
      '-display', 'none', '-vga', 'none', ...qemuAccelArgs(bed), '-pidfile', join(workDir, 'qemu.pid'),
      '-smp', '2,sockets=1,cores=2,threads=1',
      '-object', `memory-backend-file,id=mem,size=512M,mem-path=${bed.hugepages.mount},share=on`,
      '-m', '512M', '-numa', 'node,memdev=mem',
      '-chardev', `file,id=char0,path=${serialLog}`, '-device', 'isa-serial,chardev=char0',
      '-fsdev', 'local,id=root9p,path=/,security_model=none,multidevs=remap',
      '-device', 'virtio-9p-pci,fsdev=root9p,mount_tag=/dev/root',
      '-kernel', bed.kernel,
      '-append',
      `ro rootfstype=9p rootflags=trans=virtio console=ttyS0 tsc=reliable hugepages=64 ${bed.kernelExtraArgs} init=${init}`,
    ]);

    const marker = await waitForText(
      serialLog,
      /QUR-TESTBED-MARKER uptime=([\d.]+) hugepages=(\d+) root=(.*)/,
      60000,
      qemu,
    );
    const bootToMarkerMs = Date.now() - qemu.startedAt;
    console.log(`[testbed] ${bed.accel}: launch to marker ${bootToMarkerMs} ms, guest uptime ${marker[1]} s`);
    expect(marker[2]).toBe('64');
    expect(marker[3]).toMatch(/ 9p /);

    const exit = await waitForExit(qemu, 30000);
    expect(exit).toBe(0);
    expect(processAlive(qemu.pid)).toBe(false);
    // A clean exit removes the pid file; nothing of this VM remains but our own work dir.
    expect(existsSync(join(workDir, 'qemu.pid'))).toBe(false);
  }, 120000);
});
