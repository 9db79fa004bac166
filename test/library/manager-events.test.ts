/**
 * QMP events of a VM manager's VMs, through the real server and Python's xmlrpc.client: the manager's VM runs
 * on a dry-run DUT whose QMP socket is relayed to a real, paused QEMU. The QEMU's own SHUTDOWN (SIGTERM) is in
 * the server log at once, naming VM and node, and in the Robot log output of the session's next manager keyword.
 */
import type { ChildProcess } from 'node:child_process';
import { closeAllTransports, dryRunTransport, parseNode } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { bootableKernelVm, exactly, HUGEPAGES_OK } from '../support/dry-run-node';
import { connectUnixPath, killChild, makeTempDir, QEMU, removeDir, requireBinary, startPausedQemu } from '../support/monitor';
import { captureServerLog, waitFor, type CapturedServerLog } from '../support/servers';
import { py, pyJson } from '../support/xmlrpc';

const DUT1 = {
  host: 'mgr-events-dut1',
  port: 22,
  username: 'testuser',
  type: 'DUT',
  transport: 'dry-run',
  dry_run_responses: [...HUGEPAGES_OK, exactly('cat /sys/devices/system/cpu/online', { stdout: '0-7\n' }), ...bootableKernelVm(1)],
};

let server: RemoteServer;
let captured: CapturedServerLog;
let dir: string | undefined;
let qemu: ChildProcess | undefined;

beforeAll(async () => {
  requireBinary(QEMU, 'apt-get install -y qemu-system-x86');
  captured = captureServerLog('info');
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg', qemu_version: '7.2.0' }, undefined, captured.log), { port: 0, log: captured.log });
});

afterAll(async () => {
  await server?.stop();
  await killChild(qemu);
  removeDir(dir);
  await closeAllTransports();
});

interface KeywordResult { status: string; output?: string; error?: string }

async function run(name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<KeywordResult> {
  return (await py(server.url, `result = run(${JSON.stringify(name)}, ${pyJson(args)}, ${pyJson(kwargs)}, path='/vnf_manager')`)) as KeywordResult;
}

it("a manager VM's QMP event reaches the server log and the next manager keyword's Robot log", async () => {
  dir = makeTempDir('mgr-events-');
  const paused = await startPausedQemu(dir, 'mgr-events');
  qemu = paused.child;
  // Set once QEMU has answered the monitor's first command (qmp_capabilities): from then on events are read.
  let negotiated = false;
  dryRunTransport(parseNode(DUT1)).setUnixSocketPeer('/var/run/qmp_1.sock', (peer) => {
    connectUnixPath(paused.qmpPath).then((socket) => {
      socket.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('"return"')) negotiated = true;
      });
      peer.pipe(socket).pipe(peer);
      peer.on('close', () => socket.destroy());
      socket.on('close', () => peer.destroy());
      socket.on('error', () => peer.destroy());
    }, () => peer.destroy());
  });

  expect((await run('qemu_manager_init', [{ DUT1 }]))).toMatchObject({ status: 'PASS' });
  expect((await run('construct_vms_on_all_nodes', [], { nf_chains: 1, nf_nodes: 1, vnf: 'testpmd_io', auto_scale: false }))).toMatchObject({ status: 'PASS' });
  expect((await run('start_all_vms'))).toMatchObject({ status: 'PASS' });
  await waitFor('the manager VM to hold its QMP monitor', () => negotiated);

  qemu.kill('SIGTERM');
  const shutdown = /^QMP event of VM 1 on testuser@mgr-events-dut1:22: SHUTDOWN \{"guest": ?false, ?"reason": ?"host-signal"\}/;
  await waitFor('the SHUTDOWN event in the server log', () => captured.records().some((record) => shutdown.test(record.message)));
  expect(captured.records().find((record) => shutdown.test(record.message))).toMatchObject({ level: 'info', vm: 1, event: 'SHUTDOWN' });

  const next = await run('set_scheduler_all_vms');
  expect(next.output).toMatch(/QMP event of VM 1 on testuser@mgr-events-dut1:22: SHUTDOWN/);
  // Logged once: the keyword after that has no event to report.
  expect((await run('set_scheduler_all_vms')).output ?? '').not.toMatch(/QMP event of/);
  expect((await run('qemu_manager_close'))).toMatchObject({ status: 'PASS' });
});
