/**
 * Real VMs, end to end: Python's xmlrpc.client (the client Robot's Remote library uses) drives the remote
 * server, whose QemuUtils library reaches the node over SSH (the bed's sshd, the unprivileged test user with
 * sudo, as CSIT's testuser), which runs real QEMU (TCG here; KVM where the bed proved it boots guests).
 * Every effect is then checked independently on this host: processes and threads in /proc, files, `chrt`.
 *
 * One file on purpose: its scenarios run one after another, so the VMs never fight each other for CI's two
 * cores. Needs the test bed (`bash scripts/testbed/setup.sh`); QUR_SKIP_VM_TESTS=1 skips it (CI never sets it).
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { closeAllTransports } from '../../src/node';
import type { RemoteServer } from '../../src/remote';
import { readHugepages, describeWithTestbed, type TestbedInfo } from '../support/testbed';
import { runPythonFixture } from '../support/fixtures';
import { runPython } from '../support/xmlrpc';
import {
  VM_IDS,
  chrt,
  keyword,
  passes,
  timedRun,
  cpusAllowed,
  hostTestpmdLog,
  kernelvmSettings,
  leftovers,
  startHostTestpmd,
  startVmServer,
  stopHostTestpmd,
  threadName,
  vmNodeDict,
  vmProcesses,
  waitForPidFile,
  watchFileFor,
} from '../support/vm';

/** guest-sync then guest-network-get-interfaces on a QGA socket, in Python: independent of our QGA client. */
async function guestInterfacesByMac(socket: string): Promise<Record<string, string>> {
  return (await runPythonFixture('qga_interfaces.py', [socket])) as Record<string, string>;
}

/** The boot budget of the failure scenarios: they must end on the failure itself, well within it. */
const BOOT_TIMEOUT_S = 300;

describeWithTestbed('Real VMs through the remote server', (testbed) => {
  let bed: TestbedInfo;
  let server: RemoteServer;
  let url: string;
  let node: Record<string, unknown>;
  const testpmds: string[] = [];

  beforeAll(async () => {
    bed = testbed();
    server = await startVmServer(bed);
    url = server.url;
    node = vmNodeDict();
  });

  afterAll(async () => {
    await server?.stop();
    for (const name of testpmds) await stopHostTestpmd(bed, name);
    await closeAllTransports();
  });

  it(
    'kernelvm testpmd_io with two vhost-user NICs to the host testpmd: boots over 9p, returns the VM dict as soon as ' +
      "'Press enter to exit' appears, pins vCPU n to the n-th CPU, sets SCHED_RR, and Qemu Kill leaves nothing",
    async () => {
      const id = VM_IDS.kernelvm;
      const path = '/DUT1_kernelvm';
      const sockets = [`/tmp/qur-vm-${id}-1.sock`, `/tmp/qur-vm-${id}-2.sock`];
      const peer = `vmtest-${id}`;
      expect(leftovers(id, sockets)).toEqual([]);
      testpmds.push(peer);
      await startHostTestpmd(bed, peer, sockets);

      await passes(url, path, 'qemu_init', [node], { qemu_id: id, smp: 2, mem: 1024, vnf: 'testpmd_io', img: bed.kernel, ...kernelvmSettings(bed) });
      for (const socket of sockets) await passes(url, path, 'qemu_add_vhost_user_if', [socket], { jumbo_frames: false, queues: 1, queue_size: 1024 });
      await passes(url, path, 'configure_kernelvm_vnf', [], { queues: 1, jumbo_frames: false });

      const marker = watchFileFor(`/tmp/serial_${id}.log`, /Press enter to exit/);
      // No boot_timeout given: under TCG the library allows 300 s; a real failure still fails at once.
      const start = await timedRun(url, path, 'qemu_start', [], {}, 330_000);
      marker.stop();
      expect([start.run.status, start.run.error]).toEqual(['PASS', undefined]);
      const env = node as { host: string; port: number; username: string; password: string };
      expect(start.run.return).toEqual({
        host: env.host,
        type: 'VM',
        port: 10021 + id,
        serial: 4555 + id,
        username: 'cisco',
        password: 'cisco',
        interfaces: {
          vhost1: { mac_address: `52:54:00:00:${id.toString(16)}:01`, socket: sockets[0] },
          vhost2: { mac_address: `52:54:00:00:${id.toString(16)}:02`, socket: sockets[1] },
        },
        host_port: env.port,
        host_username: env.username,
        host_password: env.password,
      });
      // The boot was detected from the marker: the reply follows its appearance in the serial log (within the
      // clocks' resolution), and long before the boot timeout. How soon after is bench/vm-boot.ts' figure.
      expect(start.returnedAt - (await marker.seen)).toBeGreaterThan(-50);
      expect(start.run.output).toMatch(/booted on .* in \d+\.\d s \(QEMU started in/);
      const detected = /boot detected by 'Press enter to exit' in (\S+); .*boot_timeout (\d+) s/.exec(start.run.output ?? '');
      expect(detected?.[1]).toBe(`/tmp/serial_${id}.log`);
      expect(start.returnedAt - start.startedAt).toBeLessThan(Number(detected?.[2]) * 1000);

      const [qemuPid] = vmProcesses(id);
      expect(qemuPid).toBeDefined();
      // Both NICs reached the host testpmd (vhost-user negotiated with the guest's virtio PMD).
      const peerLog = hostTestpmdLog(bed, peer);
      for (const socket of sockets) expect(peerLog).toMatch(new RegExp(`\\(${socket.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\) virtio is now ready for processing`));

      const tids = (await passes(url, path, 'get_qemu_pids')) as string[];
      expect(tids).toHaveLength(2);
      expect(tids.map(threadName)).toEqual([`CPU 0/${bed.accel.toUpperCase()}`, `CPU 1/${bed.accel.toUpperCase()}`]);
      await passes(url, path, 'qemu_set_affinity', ['1', '0']);
      expect(tids.map(cpusAllowed)).toEqual(['1', '0']);

      // SCHED_RR on a busy-polling vCPU takes 95% of a core: checked and killed straight away.
      await passes(url, path, 'qemu_set_scheduler_policy');
      for (const tid of tids) {
        const policy = chrt(tid);
        expect(policy).toMatch(/current scheduling policy: SCHED_RR/);
        expect(policy).toMatch(/current scheduling priority: 1$/m);
      }
      const status = (await passes(url, path, 'qemu_qmp_exec', ['query-status'])) as { return: { status: string; running: boolean } };
      expect(status.return).toMatchObject({ status: 'running', running: true });

      await passes(url, path, 'qemu_kill');
      expect(vmProcesses(id)).toEqual([]);
      expect(leftovers(id, sockets)).toEqual([]);
      await passes(url, path, 'qemu_close');
    },
    420_000,
  );

  it('nestedvm with the bed image: boot detected through QGA, interface names mapped by MAC, QMP query-status, Qemu Close leaves nothing', async () => {
    const id = VM_IDS.nestedvm;
    const path = '/DUT1_nestedvm';
    const socket = `/tmp/qur-vm-${id}-1.sock`;
    const peer = `vmtest-${id}`;
    expect(leftovers(id, [socket])).toEqual([]);
    testpmds.push(peer);
    await startHostTestpmd(bed, peer, [socket]);

    await passes(url, path, 'qemu_init', [node], { qemu_id: id, smp: 1, mem: 512, img: bed.nestedImage });
    await passes(url, path, 'qemu_add_vhost_user_if', [socket]);
    const start = await timedRun(url, path, 'qemu_start', [], {}, 330_000);
    expect([start.run.status, start.run.error]).toEqual(['PASS', undefined]);
    const vm = start.run.return as { port: number; serial: number; interfaces: Record<string, { mac_address: string; socket: string; name?: string }> };
    const mac = `52:54:00:00:${id.toString(16)}:01`;
    expect(vm.port).toBe(10021 + id);
    expect(vm.interfaces.vhost1).toEqual({ mac_address: mac, socket, name: expect.stringMatching(/^eth\d+$/) });
    expect(start.run.output).toMatch(/booted on .* boot detected by the guest agent/);

    // The guest itself, asked without our QGA client, names the NIC with that MAC the same.
    const byMac = await guestInterfacesByMac(`/var/run/qga_${id}.sock`);
    expect(byMac[mac]).toBe(vm.interfaces.vhost1.name);

    const status = (await passes(url, path, 'qemu_qmp_exec', ['query-status'])) as { return: Record<string, unknown> };
    expect(status).toEqual({ return: { status: 'running', running: true, singlestep: false } });
    const failed = await keyword(url, path, 'qemu_qmp_exec', ['no-such-command']);
    expect(failed.status).toBe('FAIL');
    expect(failed.error).toMatch(/CommandNotFound/);

    expect(vmProcesses(id)).toHaveLength(1);
    await passes(url, path, 'qemu_close');
    expect(leftovers(id, [socket])).toEqual([]);
  }, 360_000);

  describe('failures: a clear FAIL before any timeout, nothing left behind', () => {
    const id = VM_IDS.failures;

    afterEach(() => {
      expect(leftovers(id)).toEqual([]);
    });

    it('a guest kernel that panics (-m 512 with hugepages=256) fails on the panic, before the boot timeout', async () => {
      const path = '/fail_panic';
      await passes(url, path, 'qemu_init', [node], { qemu_id: id, smp: 1, mem: 512, vnf: 'testpmd_io', img: bed.kernel, guest_hugepages: 256, boot_timeout: BOOT_TIMEOUT_S, ...kernelvmSettings(bed) });
      await passes(url, path, 'configure_kernelvm_vnf', [], { queues: 1, jumbo_frames: false });
      const panic = watchFileFor(`/tmp/serial_${id}.log`, /Kernel panic/);
      const start = await timedRun(url, path, 'qemu_start', [], {}, 330_000);
      panic.stop();
      expect(start.run.status).toBe('FAIL');
      expect(start.run.error).toMatch(
        /^QEMU: NF failed to run on .*! the guest kernel panicked: Kernel panic - not syncing: System is deadlocked on memory\nQemu Start on node \S+@\S+:\d+ failed while waiting for the VM to boot \(serial log \S+\)\.\nSerial log tail:\n/,
      );
      // Failed on the panic the guest printed (seen here independently), not on the timeout.
      expect(start.returnedAt - (await panic.seen)).toBeGreaterThan(-50);
      expect(start.returnedAt - start.startedAt).toBeLessThan(BOOT_TIMEOUT_S * 1000);
      // The VM is gone, its runtime files too; its guest configuration stays for a corrected start.
      expect(vmProcesses(id)).toEqual([]);
      expect(leftovers(id)).toEqual([`/etc/vm_init_${id}.conf`]);
      await passes(url, path, 'qemu_close');
    }, 360_000);

    it('a wrong kernel or image path fails with QEMU’s own error', async () => {
      await passes(url, '/fail_kernel', 'qemu_init', [node], { qemu_id: id, mem: 512, vnf: 'testpmd_io', img: `${bed.kernel}-missing`, ...kernelvmSettings(bed) });
      await passes(url, '/fail_kernel', 'configure_kernelvm_vnf', [], { queues: 1, jumbo_frames: false });
      const kernel = await keyword(url, '/fail_kernel', 'qemu_start');
      expect(kernel.status).toBe('FAIL');
      expect(kernel.error).toMatch(new RegExp(`^QEMU: Start failed on .*! rc 1: qemu: could not open kernel file '${bed.kernel}-missing\\*': No such file or directory`));
      await passes(url, '/fail_kernel', 'qemu_close');

      await passes(url, '/fail_image', 'qemu_init', [node], { qemu_id: id, mem: 512, img: '/var/lib/vm/qur-missing.img' });
      const image = await keyword(url, '/fail_image', 'qemu_start');
      expect(image.status).toBe('FAIL');
      expect(image.error).toMatch(/^QEMU: Start failed on .*! rc 1: .*Could not open '\/var\/lib\/vm\/qur-missing\.img': No such file or directory/);
      await passes(url, '/fail_image', 'qemu_close');
    });

    it('QEMU killed during boot fails the boot wait on its exit, before the boot timeout', async () => {
      const path = '/fail_killed';
      await passes(url, path, 'qemu_init', [node], { qemu_id: id, smp: 1, mem: 1024, vnf: 'testpmd_io', img: bed.kernel, boot_timeout: BOOT_TIMEOUT_S, ...kernelvmSettings(bed) });
      await passes(url, path, 'configure_kernelvm_vnf', [], { queues: 1, jumbo_frames: false });
      const booting = watchFileFor(`/tmp/serial_${id}.log`, /Linux version/);
      const start = timedRun(url, path, 'qemu_start', [], {}, 330_000);
      const pid = await waitForPidFile(id, 60_000);
      await booting.seen;
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      const outcome = await start;
      expect(outcome.run.status).toBe('FAIL');
      expect(outcome.run.error).toMatch(
        new RegExp(`^QEMU: VM process ${pid} exited during boot on \\S+\\. Qemu Start on node \\S+@\\S+:\\d+ failed while waiting for the VM to boot \\(serial log \\S+\\)\\.\\nSerial log tail:\\n(.|\\n)*\\[ *\\d+\\.\\d+\\]`),
      );
      expect(outcome.returnedAt - killedAt).toBeLessThan(BOOT_TIMEOUT_S * 1000);
      expect(leftovers(id)).toEqual([`/etc/vm_init_${id}.conf`]);
      await passes(url, path, 'qemu_close');
    }, 360_000);

    it('a guest agent that never answers (nestedvm whose disk boots nothing): FAIL naming node and step once boot_timeout is up', async () => {
      const path = '/fail_agent';
      // QEMU runs, its guest agent socket is there, and nothing in the guest ever answers on it.
      const disk = `/tmp/qur-noboot-${id}.img`;
      writeFileSync(disk, Buffer.alloc(1024 * 1024));
      try {
        const bootTimeout = 15;
        await passes(url, path, 'qemu_init', [node], { qemu_id: id, mem: 256, img: disk, vm_type: 'nestedvm', boot_timeout: bootTimeout });
        const start = await timedRun(url, path, 'qemu_start', [], {}, 120_000);
        const seconds = (start.returnedAt - start.startedAt) / 1000;
        expect(start.run.status).toBe('FAIL');
        expect(start.run.error).toMatch(
          new RegExp(
            `^QEMU: Timeout, VM not booted on 127\\.0\\.0\\.1! Qemu Start on node ${String(node.username)}@127\\.0\\.0\\.1:${String(node.port)} failed while ` +
              `waiting for the guest agent on /var/run/qga_${id}\\.sock \\(boot_timeout ${bootTimeout} s\\): .*did not answer`,
          ),
        );
        expect(seconds).toBeGreaterThanOrEqual(bootTimeout);
        expect(seconds).toBeLessThan(bootTimeout + 15);
        // Killed at once, its files gone, and no reader of its console or agent left on the node; the session goes on.
        expect(vmProcesses(id)).toEqual([]);
        const readers = (): string[] => {
          const found = spawnSync('pgrep', ['-af', `/dev/tcp/127\\.0\\.0\\.1/${4555 + id}|qga_${id}\\.sock`], { encoding: 'utf8' });
          return found.stdout.split('\n').filter((line) => line !== '' && !line.includes('pgrep'));
        };
        const deadline = Date.now() + 5000;
        while (readers().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(readers()).toEqual([]);
        await passes(url, path, 'qemu_close');
      } finally {
        rmSync(disk, { force: true });
      }
    }, 180_000);

    it('too few free huge pages fails before anything is started', async () => {
      const path = '/fail_hugepages';
      const pages = readHugepages();
      const mem = pages.total * 2 + 2048;
      await passes(url, path, 'qemu_init', [node], { qemu_id: id, mem, img: '/var/lib/vm/qur-missing.img' });
      const start = await keyword(url, path, 'qemu_start');
      expect(start.status).toBe('FAIL');
      expect(start.error).toMatch(new RegExp(`^Not enough free huge pages: \\d+, \\d+ MB free of ${pages.total} pages of 2048 kB, ${mem} MB needed on .*\\. Raise vm\\.nr_hugepages, or set allocate_hugepages=True\\.$`));
      await passes(url, path, 'qemu_close');
    });
  });

  it('a server that stops leaves no VM and no file: a booted VM is killed, a booting one is aborted and cleaned up', async () => {
    const second = await startVmServer(bed);
    const booted = VM_IDS.shutdownBooted;
    const booting = VM_IDS.shutdownBooting;
    try {
      await passes(second.url, '/booted', 'qemu_init', [node], { qemu_id: booted, mem: 512, img: bed.nestedImage });
      await passes(second.url, '/booted', 'qemu_start', [], {}, 330_000);
      expect(vmProcesses(booted)).toHaveLength(1);
      await passes(second.url, '/booting', 'qemu_init', [node], { qemu_id: booting, mem: 512, img: bed.nestedImage });
      const start = runPython(second.url, "result = run('qemu_start', path='/booting')", 330_000);
      await waitForPidFile(booting, 60_000);
      await second.stop();
      const outcome = await start;
      // The booting call ends with a FAIL saying why, or with the connection closed by the stopping server.
      if (outcome.value !== undefined) expect(outcome.value).toMatchObject({ status: 'FAIL', error: expect.stringMatching(/aborted|stopp/) });
      expect(leftovers(booted)).toEqual([]);
      expect(leftovers(booting)).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 420_000);
});
