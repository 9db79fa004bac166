/**
 * QMP events, link flaps and vhost-user reconnect on real VMs (kernelvm with the testpmd VNF), driven
 * through the remote server by Python's xmlrpc.client, the node the bed's sshd:
 *   - the VM's events reach the server log as they come and the output (Robot log) of the session's next
 *     keyword; `Wait For Qemu Event` matches by name and data, and fails naming what came;
 *   - `Qemu Set Link` flaps a vhost-user NIC, seen as the library's own event (QEMU emits none);
 *   - a client-mode vhost-user NIC with `reconnect=1` carries traffic again after the host testpmd (the
 *     vhost-user server) restarts, without a VM restart.
 * One file, its scenarios one after another: the VMs never share CI's two cores with each other.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { closeAllTransports } from '../../src/node';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { createServerLog } from '../../src/remote/server-log';
import { describeWithTestbed, type TestbedInfo } from '../support/testbed';
import { kernelvmSettings, keyword, leftovers, passes, vmNodeDict, vmProcesses } from '../support/vm';

/** qemu_ids of this file (80-84) and its host testpmd names (qmp-*). */
const IDS = { events: 80, reconnect: 81 } as const;
/** This worktree's script: the server mode is new here. */
const HOST_TESTPMD = join(__dirname, '../../scripts/testbed/host-testpmd.sh');
/** The machine may be loaded far beyond its two cores: a TCG boot gets ample time (failures still end it at once). */
const BOOT_TIMEOUT_S = 600;
const START_TIMEOUT_MS = (BOOT_TIMEOUT_S + 60) * 1000;

function hostTestpmd(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('nice', ['-n', '19', 'bash', HOST_TESTPMD, ...args], { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}${stderr}` });
    });
  });
}

async function startPeer(name: string, sockets: string[], env: Record<string, string>): Promise<void> {
  const result = await hostTestpmd(['start', name, ...sockets], env);
  if (result.code !== 0) throw new Error(`host testpmd '${name}' did not start:\n${result.output}`);
}

function peerLog(bed: TestbedInfo, name: string): string {
  const file = `${bed.stateDir}/testpmd/${name}/testpmd.log`;
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** The highest RX-packets count of any port in testpmd's periodic statistics so far. */
function received(log: string): number {
  return Math.max(0, ...[...log.matchAll(/RX-packets:\s+(\d+)/g)].map((found) => Number(found[1])));
}

/** Polls the host testpmd's statistics until a port has received packets (they came back through the VM). */
async function trafficThroughVm(bed: TestbedInfo, name: string): Promise<number> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const count = received(peerLog(bed, name));
    if (count > 0) return count;
    if (Date.now() > deadline) throw new Error(`no packet came back through the VM to host testpmd '${name}'; its log ends:\n${peerLog(bed, name).slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

describeWithTestbed('QMP events, link flaps and vhost-user reconnect on real VMs', (testbed) => {
  let bed: TestbedInfo;
  let server: RemoteServer;
  let url: string;
  let node: Record<string, unknown>;
  const serverLog: string[] = [];
  const peers: string[] = [];

  beforeAll(async () => {
    bed = testbed();
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        serverLog.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
        done();
      },
    });
    const log = createServerLog({ level: 'info', stream });
    server = await startRemoteServer(createQemuLibrary({ accel: bed.accel, cpu_model: bed.cpu }, undefined, log), { port: 0, log });
    url = server.url;
    node = vmNodeDict();
  });

  afterAll(async () => {
    await server?.stop();
    for (const name of peers) await hostTestpmd(['stop', name]);
    await closeAllTransports();
  });

  it(
    'events reach the server log and the next keyword’s output; Wait For Qemu Event matches, times out naming what came; a link flap is seen',
    async () => {
      const id = IDS.events;
      const path = '/qmp_events';
      const sockets = [`/tmp/qur-qmp-${id}-1.sock`, `/tmp/qur-qmp-${id}-2.sock`];
      const peer = `qmp-${id}`;
      expect(leftovers(id, sockets)).toEqual([]);
      peers.push(peer);
      await startPeer(peer, sockets, { QUR_TESTPMD_FORWARD: '0' });

      await passes(url, path, 'qemu_init', [node], { qemu_id: id, smp: 2, mem: 1024, vnf: 'testpmd_io', img: bed.kernel, boot_timeout: BOOT_TIMEOUT_S, ...kernelvmSettings(bed) });
      for (const socket of sockets) await passes(url, path, 'qemu_add_vhost_user_if', [socket], { jumbo_frames: false, queues: 1, queue_size: 1024 });
      await passes(url, path, 'configure_kernelvm_vnf', [], { queues: 1, jumbo_frames: false });
      await passes(url, path, 'qemu_start', [], {}, START_TIMEOUT_MS);

      // STOP arrives before stop's reply: the keyword that caused it logs it.
      const stop = await keyword(url, path, 'qemu_qmp_exec', ['stop']);
      expect(stop.status).toBe('PASS');
      expect(stop.output).toMatch(new RegExp(`\\*INFO:\\d+\\* QMP event of VM ${id} on \\S+: STOP \\{\\} at \\d{4}-`));
      expect(serverLog).toContainEqual(expect.stringMatching(new RegExp(`INFO QMP event of VM ${id} on \\S+: STOP \\{\\}.* vm=${id} event=STOP`)));
      // ... and a wait after it still finds it (it came after the previous wait, of which there was none).
      const stopped = (await passes(url, path, 'wait_for_qemu_event', ['STOP'], { timeout: 30 })) as Record<string, unknown>;
      expect(stopped).toMatchObject({ event: 'STOP', data: {}, source: 'qemu', timestamp: { seconds: expect.any(Number) } });

      await passes(url, path, 'qemu_qmp_exec', ['cont']);
      const resumed = await keyword(url, path, 'wait_for_qemu_event', ['resume'], { timeout: 30 });
      expect([resumed.status, (resumed.return as Record<string, unknown>).event]).toEqual(['PASS', 'RESUME']);
      // Logged once: by cont, not again by the wait.
      expect(resumed.output ?? '').not.toMatch(/QMP event .*RESUME/);

      const late = await keyword(url, path, 'wait_for_qemu_event', ['STOP'], { data: { reason: 'nothing' }, timeout: 3 });
      expect(late.status).toBe('FAIL');
      expect(late.error).toMatch(new RegExp(`^Wait For Qemu Event: no STOP event with data \\{"reason":"nothing"\\} from VM ${id} on \\S+ within 3 s; events since the previous wait: none\\.$`));

      // The link flap: set_link down and up on vhost1, each seen as the library's own event (QEMU sends none).
      expect(await passes(url, path, 'qemu_set_link', ['vhost1', false])).toBe('vhost1');
      const down = (await passes(url, path, 'wait_for_qemu_event', ['QEMU_UTILS_SET_LINK'], { data: { interface: 'vhost1', up: false }, timeout: 10 })) as Record<string, unknown>;
      expect(down).toEqual({ event: 'QEMU_UTILS_SET_LINK', data: { interface: 'vhost1', netdev: 'vhost1', up: false }, source: 'qemu-utils' });
      const up = await keyword(url, path, 'qemu_set_link', ['2', true]);
      expect([up.status, up.return]).toEqual(['PASS', 'vhost2']);
      expect(up.output).toMatch(/QMP event of VM \d+ on \S+: QEMU_UTILS_SET_LINK \{"interface":"vhost2","netdev":"vhost2","up":true\} \(logged by QemuUtils, not by QEMU\)/);
      const unknown = await keyword(url, path, 'qemu_set_link', ['ens9', false]);
      expect(unknown.error).toMatch(/^Qemu Set Link: VM \d+ on \S+ has no vhost-user NIC "ens9"; its NICs: vhost1, vhost2$/);

      // QEMU told to quit: SHUTDOWN (host-qmp-quit) in the log, and waited for with a data match.
      await keyword(url, path, 'qemu_qmp_exec', ['quit']);
      const shutdown = (await passes(url, path, 'wait_for_qemu_event', ['SHUTDOWN'], { data: { guest: false, reason: 'host-qmp-quit' }, timeout: 30 })) as Record<string, unknown>;
      expect(shutdown).toMatchObject({ event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } });
      expect(serverLog).toContainEqual(expect.stringMatching(new RegExp(`QMP event of VM ${id} on \\S+: SHUTDOWN \\{"guest":false,"reason":"host-qmp-quit"\\}`)));

      await passes(url, path, 'qemu_kill');
      await passes(url, path, 'qemu_close');
      expect(vmProcesses(id)).toEqual([]);
      expect(leftovers(id, sockets)).toEqual([]);
    },
    1_200_000,
  );

  it(
    'a client-mode NIC with reconnect=1 carries traffic through the VM again after the host vhost-user server restarts, the VM untouched',
    async () => {
      const id = IDS.reconnect;
      const path = '/qmp_reconnect';
      const sockets = [`/tmp/qur-qmp-${id}-1.sock`, `/tmp/qur-qmp-${id}-2.sock`];
      const peer = `qmp-${id}`;
      // The host testpmd is the vhost-user server and sends flows of its own; what returns went through the guest's testpmd.
      const serverPeer = { QUR_TESTPMD_VHOST: 'server', QUR_TESTPMD_FORWARD_MODE: 'flowgen', QUR_TESTPMD_STATS_PERIOD: '1' };
      expect(leftovers(id, sockets)).toEqual([]);
      peers.push(peer);
      await startPeer(peer, sockets, serverPeer);

      await passes(url, path, 'qemu_init', [node], { qemu_id: id, smp: 2, mem: 1024, vnf: 'testpmd_io', img: bed.kernel, boot_timeout: BOOT_TIMEOUT_S, ...kernelvmSettings(bed) });
      for (const socket of sockets) {
        await passes(url, path, 'qemu_add_vhost_user_if', [socket], { server: false, reconnect: 1, jumbo_frames: false, queues: 1, queue_size: 1024 });
      }
      const line = (await passes(url, path, 'qemu_get_command_line')) as string;
      expect(line).toContain(`-chardev socket,id=char1,path=${sockets[0]},reconnect=1 -netdev vhost-user,id=vhost1`);
      await passes(url, path, 'configure_kernelvm_vnf', [], { queues: 1, jumbo_frames: false });
      await passes(url, path, 'qemu_start', [], {}, START_TIMEOUT_MS);
      const [qemuPid] = vmProcesses(id);
      expect(qemuPid).toBeDefined();
      expect(await trafficThroughVm(bed, peer)).toBeGreaterThan(0);

      // The peer goes away and comes back on the same sockets; QEMU reconnects on its own.
      const stopped = await hostTestpmd(['stop', peer]);
      expect(stopped.output).toContain(`testpmd '${peer}' stopped`);
      expect(received(peerLog(bed, peer))).toBe(0);
      await startPeer(peer, sockets, serverPeer);
      expect(await trafficThroughVm(bed, peer)).toBeGreaterThan(0);
      expect(vmProcesses(id)).toEqual([qemuPid]);
      const status = (await passes(url, path, 'qemu_qmp_exec', ['query-status'])) as { return: { status: string } };
      expect(status.return.status).toBe('running');

      await passes(url, path, 'qemu_kill');
      await passes(url, path, 'qemu_close');
      expect(vmProcesses(id)).toEqual([]);
      // Client sockets are the peer's: QEMU's kill keeps them, the peer's stop removes them.
      await hostTestpmd(['stop', peer]);
      expect(leftovers(id, sockets)).toEqual([]);
    },
    1_500_000,
  );
});
