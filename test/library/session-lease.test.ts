/**
 * The session lease through the real server and Python's xmlrpc.client: a session left without calls (its
 * Robot run died) is closed as Qemu Close would close it, with a WARN naming session, VM, node and idle time;
 * its VM's files are removed on the (dry-run) node and its qemu_id is free for other sessions.
 */
import { closeAllTransports, dryRunTransport, parseNode } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer, type RemoteServer } from '../../src/remote';
import { captureServerLog, waitFor, type CapturedServerLog } from '../support/servers';
import { py, pyJson } from '../support/xmlrpc';

let server: RemoteServer;
let captured: CapturedServerLog;

beforeAll(async () => {
  captured = captureServerLog('info');
  server = await startRemoteServer(createQemuLibrary({ accel: 'tcg' }), { port: 0, log: captured.log, sessionLeaseMs: 1000 });
});

afterAll(async () => {
  await server?.stop();
  await closeAllTransports();
});

const dut = { host: 'lease-dut1', port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: [] };

async function run(path: string, name: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<{ status: string; error?: string }> {
  return (await py(server.url, `result = run(${JSON.stringify(name)}, ${pyJson(args)}, ${pyJson(kwargs)}, path=${JSON.stringify(path)})`)) as { status: string; error?: string };
}

it('a session idle past its lease is closed as Qemu Close would, with a WARN naming it, its VM, the node and the idle time', async () => {
  // One Python process, the calls back to back: well within the lease.
  const opened = (await py(
    server.url,
    `result = [run('qemu_init', [${pyJson(dut)}], {'qemu_id': 7, 'img': '/opt/boot/vmlinuz', 'vnf': 'testpmd_io'}, path='/abandoned'), ` +
      `run('configure_kernelvm_vnf', [], {'queues': 1, 'jumbo_frames': False}, path='/abandoned')]`,
  )) as { status: string }[];
  expect(opened.map((result) => result.status)).toEqual(['PASS', 'PASS']);

  await waitFor('the lease to end /abandoned', () => !server.sessions().includes('abandoned'));
  const warning = captured.records().find((record) => record.level === 'warn' && record.message.startsWith('session lease expired'));
  expect(warning).toMatchObject({ session: '/abandoned', holds: 'VM 7 on testuser@lease-dut1:22 (not running)', leaseSeconds: 1 });
  expect(warning?.message).toMatch(/^session lease expired: \/abandoned received no call for \d+\.\d s \(lease 1 s\); ending it as its ending keyword would: VM 7 on testuser@lease-dut1:22/);
  expect(warning?.idleSeconds).toBeGreaterThanOrEqual(1);

  // Closed as Qemu Close closes: the guest config written is removed on the node.
  const last = dryRunTransport(parseNode(dut)).commandLines().pop();
  expect(last).toMatch(/rm -f -- \/etc\/vm_init_7\.conf/);
  expect((await run('/abandoned', 'qemu_start')).error).toMatch(/^No QemuUtils instance in this session/);
  expect((await run('/other', 'qemu_init', [dut], { qemu_id: 7 })).status).toBe('PASS');
  expect((await run('/other', 'qemu_close')).status).toBe('PASS');
});
