/**
 * host-testpmd.sh runs dpdk-testpmd as the vhost-user client of a QEMU vhost-user server socket, so QEMU
 * (which waits for its peer before it starts) comes up; stop removes everything start created. With
 * QUR_TESTPMD_VHOST=server it is the server of QEMU's client sockets instead: it creates them, stop removes them.
 * With QUR_TESTPMD_TAP_ADDRESSES it is a router in a network namespace of its own (a tap beside each vhost
 * port, the addresses on the taps, IPv4 forwarding there only); stop deletes the namespace. The router tests run
 * this checkout's script (the bed's testbed.json may name an older checkout's).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithTestbed, qemuAccelArgs, TestbedInfo, testbedStateDir } from '../support/testbed';
import {
  ForegroundQemu,
  JsonLineSocket,
  makeWorkDir,
  processAlive,
  removeWorkDir,
  runCommand,
  startQemu,
  stopQemu,
  waitForExit,
  waitForText,
} from '../support/bed';

describeWithTestbed('host testpmd as vhost-user peer', (testbed) => {
  const name = `selftest-${process.pid}`;
  let workDir: string;
  let qemu: ForegroundQemu | undefined;
  let qmp: JsonLineSocket | undefined;

  const script = (bed: TestbedInfo, ...args: string[]) => runCommand('bash', [bed.hostTestpmdScript, ...args]);
  const checkoutScript = join(__dirname, '../../scripts/testbed/host-testpmd.sh');

  beforeAll(() => {
    workDir = makeWorkDir('vhost');
  });

  afterAll(async () => {
    qmp?.close();
    await stopQemu(qemu);
    // Runs even when the bed failed to load, so only stop what may have been started.
    if (existsSync(join(testbedStateDir(), 'testpmd', name))) {
      await runCommand('bash', [join(__dirname, '../../scripts/testbed/host-testpmd.sh'), 'stop', name]);
    }
    removeWorkDir(workDir);
  });

  test('connects to QEMU, lets it run, and stop leaves nothing behind', async () => {
    const bed = testbed();
    const socket = join(workDir, 'vhost1.sock');
    const qmpSocket = join(workDir, 'qmp.sock');

    const started = await script(bed, 'start', name, socket);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const pid = Number(/pid (\d+)/.exec(started.stdout)?.[1]);
    expect(processAlive(pid)).toBe(true);
    const logFile = join(bed.stateDir, 'testpmd', name, 'testpmd.log');

    // No wait=off on the vhost chardev: QEMU blocks until testpmd connects, as with CSIT's vhost-user line.
    qemu = startQemu(bed.qemu, [
      '-nodefaults', '-name', 'qur-tb-vhost,debug-threads=on', '-no-user-config', '-monitor', 'none',
      '-display', 'none', '-vga', 'none', ...qemuAccelArgs(bed), '-S',
      '-object', `memory-backend-file,id=mem,size=256M,mem-path=${bed.hugepages.mount},share=on`,
      '-m', '256M', '-numa', 'node,memdev=mem',
      '-qmp', `unix:${qmpSocket},server=on,wait=off`,
      '-chardev', `socket,id=char1,path=${socket},server=on`,
      '-netdev', 'vhost-user,id=vhost1,chardev=char1,queues=1',
      '-device', 'virtio-net-pci,netdev=vhost1,mac=52:54:00:00:7e:02,bus=pci.0,addr=6.0,mq=on,vectors=4,' +
        'csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,mrg_rxbuf=off',
    ]);
    await waitForText(logFile, new RegExp(`\\(${socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) connected`), 20000);

    // QMP answers only once QEMU got past the blocking vhost-user connect.
    const deadline = Date.now() + 20000;
    while (qmp === undefined && Date.now() < deadline) {
      qmp = await JsonLineSocket.open(qmpSocket).catch(() => undefined);
      if (qmp === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(qmp).toBeDefined();
    const connection = qmp as JsonLineSocket;
    await connection.next((message) => 'QMP' in message, 5000);
    await connection.command('qmp_capabilities', undefined, 5000);
    const status = await connection.command('query-status', undefined, 5000);
    expect(status).toMatchObject({ status: 'prelaunch' });
    await connection.command('quit', undefined, 5000).catch(() => undefined);
    expect(await waitForExit(qemu, 15000)).toBe(0);

    const stopped = await script(bed, 'stop', name);
    expect(stopped.code).toBe(0);
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(join(bed.stateDir, 'testpmd', name))).toBe(false);
    expect(existsSync(`/var/run/dpdk/qur-${name}`)).toBe(false);
    expect((await script(bed, 'status', name)).code).toBe(1);
  }, 120000);

  test('start rejects a relative socket path and leaves nothing behind', async () => {
    const bed = testbed();
    const result = await script(bed, 'start', name, 'relative.sock');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("socket path 'relative.sock' must be absolute");
    expect(existsSync(join(bed.stateDir, 'testpmd', name))).toBe(false);
  });

  test('start reports a testpmd that dies during start-up, with its log, and leaves nothing behind', async () => {
    const bed = testbed();
    // 100 GB of socket memory cannot be reserved from the bed's 4 GiB of hugepages, so EAL gives up.
    const result = await runCommand('bash', [bed.hostTestpmdScript, 'start', name, join(workDir, 'never.sock')], {
      QUR_TESTPMD_SOCKET_MEM: '100000',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/dpdk-testpmd '.*' exited during start-up/);
    expect(result.stderr).toMatch(/EAL/);
    expect(existsSync(join(bed.stateDir, 'testpmd', name))).toBe(false);
    expect(existsSync(`/var/run/dpdk/qur-${name}`)).toBe(false);
  });

  test('as vhost-user server it creates the sockets, and stop removes them with everything else', async () => {
    const bed = testbed();
    const server = `qmp-selftest-${process.pid}`;
    const sockets = [join(workDir, 'server1.sock'), join(workDir, 'server2.sock')];
    const started = await runCommand('bash', [bed.hostTestpmdScript, 'start', server, ...sockets], {
      QUR_TESTPMD_VHOST: 'server',
      QUR_TESTPMD_FORWARD: '0',
      QUR_TESTPMD_STATS_PERIOD: '1',
    });
    try {
      expect([started.code, started.stderr]).toEqual([0, '']);
      for (const socket of sockets) expect(statSync(socket).isSocket()).toBe(true);
      expect((await script(bed, 'status', server)).code).toBe(0);
    } finally {
      const stopped = await script(bed, 'stop', server);
      expect(stopped.stdout).toContain(`testpmd '${server}' stopped`);
    }
    for (const socket of sockets) expect(existsSync(socket)).toBe(false);
    expect(existsSync(join(bed.stateDir, 'testpmd', server))).toBe(false);
    expect(existsSync(`/var/run/dpdk/qur-${server}`)).toBe(false);
  });

  test('as a router it pairs each vhost port with a tap in its own namespace, and stop deletes the namespace', async () => {
    const bed = testbed();
    const router = `rt-selftest-${process.pid}`;
    const namespace = `qur-${router}`;
    const sockets = [join(workDir, 'router1.sock'), join(workDir, 'router2.sock')];
    const hostForwarding = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const started = await runCommand('bash', [checkoutScript, 'start', router, ...sockets], {
      QUR_TESTPMD_VHOST: 'server',
      QUR_TESTPMD_TAP_ADDRESSES: '2.2.2.1/30,1.1.1.2/30',
    });
    try {
      expect(started.code).toBe(0);
      expect(started.stdout).toContain(`router namespace ${namespace}: qurtap0 2.2.2.1/30,qurtap1 1.1.1.2/30, ip_forward on`);
      // vhost 0, tap 0, vhost 1, tap 1: io forwarding pairs 0-1 and 2-3.
      const log = readFileSync(join(bed.stateDir, 'testpmd', router, 'testpmd.log'), 'utf8');
      expect(log).toMatch(/RX P=0\/Q=0 \(socket \d+\) -> TX P=1\//);
      expect(log).toMatch(/RX P=2\/Q=0 \(socket \d+\) -> TX P=3\//);
      const inside = await runCommand('bash', [checkoutScript, 'exec', router, 'ip', '-4', '-o', 'address', 'show']);
      expect(inside.stdout).toMatch(/qurtap0\s+inet 2\.2\.2\.1\/30/);
      expect(inside.stdout).toMatch(/qurtap1\s+inet 1\.1\.1\.2\/30/);
      const forwarding = await runCommand('bash', [checkoutScript, 'exec', router, 'cat', '/proc/sys/net/ipv4/ip_forward']);
      expect(forwarding.stdout.trim()).toBe('1');
      // The host's own namespace is untouched: no route to either /30, its forwarding setting as it was.
      const hostRoutes = await runCommand('ip', ['-4', 'route', 'show']);
      expect(hostRoutes.stdout).not.toMatch(/^(1\.1\.1\.0|2\.2\.2\.0)\/30/m);
      expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(hostForwarding);
    } finally {
      const stopped = await runCommand('bash', [checkoutScript, 'stop', router]);
      expect(stopped.stdout).toContain(`testpmd '${router}' stopped`);
    }
    expect((await runCommand('ip', ['netns', 'list'])).stdout).not.toContain(namespace);
    for (const socket of sockets) expect(existsSync(socket)).toBe(false);
    expect(existsSync(join(bed.stateDir, 'testpmd', router))).toBe(false);
    expect(existsSync(`/var/run/dpdk/${namespace}`)).toBe(false);
    const exec = await runCommand('bash', [checkoutScript, 'exec', router, 'true']);
    expect([exec.code === 0, exec.stderr]).toEqual([false, `testbed: ERROR: testpmd '${router}' is not running\n`]);
  });

  test('as a router it refuses addresses that do not match the sockets, and leaves no namespace', async () => {
    const bed = testbed();
    const router = `rt-selftest-${process.pid}`;
    const count = await runCommand('bash', [checkoutScript, 'start', router, join(workDir, 'r.sock')], {
      QUR_TESTPMD_VHOST: 'server',
      QUR_TESTPMD_TAP_ADDRESSES: '2.2.2.1/30,1.1.1.2/30',
    });
    expect(count.code).not.toBe(0);
    expect(count.stderr).toContain('QUR_TESTPMD_TAP_ADDRESSES has 2 address(es) for 1 socket(s): one per socket');
    const bad = await runCommand('bash', [checkoutScript, 'start', router, join(workDir, 'r.sock')], {
      QUR_TESTPMD_VHOST: 'server',
      QUR_TESTPMD_TAP_ADDRESSES: '2.2.2.1',
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("tap address '2.2.2.1' must be IPv4 <a.b.c.d>/<len>");
    expect((await runCommand('ip', ['netns', 'list'])).stdout).not.toContain(`qur-${router}`);
    expect(existsSync(join(bed.stateDir, 'testpmd', router))).toBe(false);
  });

  test('start refuses an unknown vhost role or forwarding mode and leaves nothing behind', async () => {
    const bed = testbed();
    const role = await runCommand('bash', [bed.hostTestpmdScript, 'start', name, join(workDir, 'x.sock')], { QUR_TESTPMD_VHOST: 'both' });
    expect(role.code).not.toBe(0);
    expect(role.stderr).toContain('QUR_TESTPMD_VHOST must be client or server');
    const mode = await runCommand('bash', [bed.hostTestpmdScript, 'start', name, join(workDir, 'x.sock')], { QUR_TESTPMD_FORWARD_MODE: 'csum;x' });
    expect(mode.code).not.toBe(0);
    expect(mode.stderr).toContain("QUR_TESTPMD_FORWARD_MODE 'csum;x' must be io, mac, flowgen, rxonly or txonly");
    expect(existsSync(join(bed.stateDir, 'testpmd', name))).toBe(false);
  });
});
