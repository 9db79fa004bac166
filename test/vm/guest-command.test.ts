/**
 * Commands inside real nested VMs: `Qemu Guest Exec` through the guest agent and over SSH (the image's
 * dropbear, CSIT's cisco/cisco, through the port QEMU forwards), and CSIT's `Dpdk Testpmd Start` / `Stop`
 * on the VM dict: testpmd in the guest forwards the frames a host testpmd (flowgen) sends it, as the
 * counters of both show.
 *
 * The image is the bed's (`nestedImage`), which must have dropbear and DPDK (image recipe 2 or later).
 */
import { spawnSync } from 'node:child_process';
import { closeAllTransports } from '../../src/node';
import type { RemoteServer } from '../../src/remote';
import { describeWithTestbed, type TestbedInfo } from '../support/testbed';
import { keyword, leftovers, passes, startVmServer, stopHostTestpmd, vmNodeDict, vmProcesses } from '../support/vm';

const IDS = { agent: 65, testpmd: 66 } as const;
const BOOT_MS = 330_000;

interface GuestResult {
  rc: number | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

interface PortCounters {
  rx: number;
  tx: number;
}

/** `RX-packets: N ... TX-packets: N` of each "Forward statistics for port P" block testpmd prints at exit. */
function portCounters(log: string): Record<number, PortCounters> {
  const ports: Record<number, PortCounters> = {};
  for (const block of log.split(/-+ Forward statistics for port /).slice(1)) {
    const port = Number(/^(\d+)/.exec(block)?.[1]);
    const rx = Number(/RX-packets:\s*(\d+)/.exec(block)?.[1]);
    const tx = Number(/TX-packets:\s*(\d+)/.exec(block)?.[1]);
    if (Number.isInteger(port) && !(port in ports)) ports[port] = { rx, tx };
  }
  return ports;
}

/** The bed's host testpmd with a forwarding mode of our choice; `stop` prints its final counters. */
function hostTestpmd(bed: TestbedInfo, action: 'start' | 'stop', name: string, args: string[] = [], env: Record<string, string> = {}): string {
  const result = spawnSync('nice', ['-n', '19', 'bash', bed.hostTestpmdScript, action, name, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`host-testpmd.sh ${action} ${name} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

describeWithTestbed('Commands in real nested VMs', (testbed) => {
  let bed: TestbedInfo;
  let server: RemoteServer;
  let url: string;
  let node: Record<string, unknown>;
  let image: string;
  const peers: string[] = [];

  beforeAll(async () => {
    bed = testbed();
    image = bed.nestedImage;
    server = await startVmServer(bed);
    url = server.url;
    node = vmNodeDict();
  });

  afterAll(async () => {
    await server?.stop();
    for (const name of peers) await stopHostTestpmd(bed, name);
    await closeAllTransports();
  });

  it('Qemu Guest Exec through the agent and over SSH: rc, stdout, stderr in the dict and the log; a timeout and max_output bound it', async () => {
    const id = IDS.agent;
    const path = '/guestcmd_agent';
    expect(leftovers(id)).toEqual([]);
    await passes(url, path, 'qemu_init', [node], { qemu_id: id, smp: 1, mem: 512, img: image, vm_type: 'nestedvm' });
    await passes(url, path, 'qemu_start', [], {}, BOOT_MS);

    const viaAgent = await keyword(url, path, 'qemu_guest_exec', ['echo "up $(hostname)"; echo oops >&2; exit 3']);
    expect(viaAgent.status).toBe('PASS');
    expect(viaAgent.return).toEqual({ rc: 3, stdout: 'up nestedvm\n', stderr: 'oops\n', truncated: false });
    expect(viaAgent.output).toContain('guest agent of VM 65');
    expect(viaAgent.output).toContain('rc=3');
    expect(viaAgent.output).toContain('up nestedvm');

    // Over SSH: the guest's dropbear, as cisco with the VM dict's password, through host port 10021+id.
    const viaSsh = (await passes(url, path, 'qemu_guest_exec', ['id -un; cat /proc/sys/kernel/hostname'], { via: 'ssh', timeout: 120 })) as GuestResult;
    expect(viaSsh).toEqual({ rc: 0, stdout: 'root\nnestedvm\n', stderr: '', truncated: false });

    const slow = await keyword(url, path, 'qemu_guest_exec', ['sleep 600'], { timeout: 3 });
    expect(slow.status).toBe('FAIL');
    expect(slow.error).toMatch(/^Qemu Guest Exec on VM 65 on \S+: the command did not end within 3 s \(guest pid \d+, sent SIGKILL through the agent\): sleep 600$/);

    const big = (await passes(url, path, 'qemu_guest_exec', ['head -c 5000 /dev/zero | tr "\\0" a'], { max_output: 1000 })) as GuestResult;
    expect(big.truncated).toBe(true);
    expect(big.stdout).toBe(`${'a'.repeat(1000)}\n[... 4000 more bytes cut at max_output=1000]`);

    const badVia = await keyword(url, path, 'qemu_guest_exec', ['true'], { via: 'telnet' });
    expect(badVia.status).toBe('FAIL');

    await passes(url, path, 'qemu_close');
    expect(leftovers(id)).toEqual([]);
    const gone = await keyword(url, path, 'qemu_guest_exec', ['true']);
    expect(gone.error).toMatch(/No QemuUtils instance|Qemu Init/);
  }, 600_000);

  it("Dpdk Testpmd Start on the VM dict runs CSIT's command over SSH in the guest, testpmd forwards the host peer's frames, Dpdk Testpmd Stop stops it with its counters", async () => {
    const id = IDS.testpmd;
    const path = '/guestcmd_testpmd';
    const sockets = [`/tmp/qur-guestcmd-${id}-1.sock`, `/tmp/qur-guestcmd-${id}-2.sock`];
    const peer = `guestcmd-${id}`;
    expect(leftovers(id, sockets)).toEqual([]);
    peers.push(peer);
    hostTestpmd(bed, 'start', peer, sockets, { QUR_TESTPMD_FORWARD_MODE: 'flowgen' });

    await passes(url, path, 'qemu_init', [node], { qemu_id: id, smp: 2, mem: 1024, img: image, vm_type: 'nestedvm' });
    for (const socket of sockets) await passes(url, path, 'qemu_add_vhost_user_if', [socket], { jumbo_frames: false, queues: 1, queue_size: 1024 });
    const vm = (await passes(url, path, 'qemu_start', [], {}, BOOT_MS)) as Record<string, unknown>;
    expect(vm).toMatchObject({ port: 10021 + id, username: 'cisco', password: 'cisco' });

    // Exactly what CSIT 2019's "Configure guest VM with dpdk-testpmd connected via vhost-user" passed.
    const start = await keyword(
      url,
      '/guestcmd_dpdk',
      'dpdk_testpmd_start',
      [vm],
      { eal_corelist: '0,1', pmd_fwd_mode: 'io', pmd_disable_hw_vlan: true, pmd_rxd: 1024, pmd_txd: 1024, pmd_rxq: 1, pmd_txq: 1, pmd_max_pkt_len: '' },
      600_000,
    );
    expect([start.status, start.error]).toEqual(['PASS', undefined]);
    expect(start.output).toContain(
      '/start-testpmd.sh -v -l 0,1 --master-lcore 0 -d /usr/lib/librte_pmd_virtio.so  -- --forward-mode=io --burst=64 --txd=1024 --rxd=1024 --txq=1 --rxq=1 --txqflags=0xf00  --disable-hw-vlan',
    );
    expect(start.output).toMatch(/testpmd running: pid \d+/);
    const running = (await passes(url, path, 'qemu_guest_exec', ['cat /tmp/testpmd.pid'])) as GuestResult;
    expect(running.stdout).toMatch(/^\d+\n$/);

    const stop = await keyword(url, '/guestcmd_dpdk', 'dpdk_testpmd_stop', [vm], {}, 120_000);
    expect([stop.status, stop.error]).toEqual(['PASS', undefined]);
    const guest = portCounters(stop.output ?? '');
    // io forwarding: what port 0 received went out of port 1 and the other way round.
    expect(guest[0].rx).toBeGreaterThan(0);
    expect(guest[1].rx).toBeGreaterThan(0);
    expect(guest[1].tx).toBeGreaterThan(0);
    const after = (await passes(url, path, 'qemu_guest_exec', ['test -e /tmp/testpmd.pid || pidof dpdk-testpmd'])) as GuestResult;
    expect(after.rc).toBe(1);
    const again = await keyword(url, '/guestcmd_dpdk', 'dpdk_testpmd_stop', [vm]);
    expect(again.status).toBe('FAIL');
    expect(again.error).toContain('Testpmd is not running.');

    const host = portCounters(hostTestpmd(bed, 'stop', peer));
    peers.splice(peers.indexOf(peer), 1);
    // The host peer got back frames the guest forwarded.
    expect(host[0].rx + host[1].rx).toBeGreaterThan(0);

    expect(vmProcesses(id)).toHaveLength(1);
    await passes(url, path, 'qemu_close');
    expect(leftovers(id, sockets)).toEqual([]);
  }, 900_000);
});
