/**
 * One owner per VM, through the real server and Python's xmlrpc.client: two sessions (two pabot workers with
 * the same qemu_id) on one dry-run DUT. The second claim fails naming the first session, its teardown touches
 * nothing on the node, and the id is free again once the first session has closed.
 */
import { dryRunTransport, parseNode } from '../../src/node';
import { useQemuServer } from '../support/servers';
import { py, pyJson } from '../support/xmlrpc';

const server = useQemuServer({ accel: 'tcg' });

const node = (host: string) => ({ host, port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: [] });

interface RunResult {
  status: string;
  error?: string;
}

/** Runs the keywords one after another, each on its session path; returns each result. */
async function steps(list: readonly [path: string, name: string, args: unknown[], kwargs: Record<string, unknown>][]): Promise<RunResult[]> {
  return (await py(server().url, `result = [run(name, args, kwargs, path=path) for path, name, args, kwargs in ${pyJson(list)}]`)) as RunResult[];
}

describe('one owner per VM', () => {
  it('a second session claiming the same qemu_id on the same node fails naming the holder, and its Qemu Close touches nothing', async () => {
    const dut = node('own-dut1');
    const init = { qemu_id: 1, img: '/opt/boot/vmlinuz', vnf: 'testpmd_io' };
    const [first, config, second, secondClose] = await steps([
      ['/worker0_vm', 'qemu_init', [dut], init],
      ['/worker0_vm', 'configure_kernelvm_vnf', [], { queues: 1, jumbo_frames: false }],
      // The same node spelt otherwise is the same node.
      ['/worker1_vm', 'qemu_init', [{ ...dut, host: 'OWN-DUT1.' }], init],
      ['/worker1_vm', 'qemu_close', [], {}],
    ]);
    expect([first.status, config.status]).toEqual(['PASS', 'PASS']);
    expect(second).toMatchObject({ status: 'FAIL' });
    expect(second.error).toMatch(/^QEMU: VM 1 on testuser@OWN-DUT1\.:22 belongs to session \/worker0_vm of this server, which is still open; use another qemu_id/);
    expect(secondClose.status).toBe('PASS');
    // Nothing of the second session reached the node: only the first session's guest config writes.
    const lines = dryRunTransport(parseNode(dut)).commandLines();
    expect(lines.some((line) => line.includes('kill') || line.includes('lpf='))).toBe(false);
    expect(server().sessions().sort()).toEqual(['worker0_vm']);

    // A manager constructing the same id on that node is refused before it writes anything.
    const [managerInit, construct] = await steps([
      ['/worker1_manager', 'qemu_manager_init', [{ DUT1: dut }], {}],
      ['/worker1_manager', 'construct_vms_on_all_nodes', [], { nf_chains: 1, nf_nodes: 1, vnf: 'testpmd_io', nf_cpus: [[2]] }],
    ]);
    expect(managerInit.status).toBe('PASS');
    expect(construct.error).toMatch(/VM 1 on testuser@own-dut1:22 belongs to session \/worker0_vm/);
    expect(dryRunTransport(parseNode(dut)).commandLines()).toEqual(lines);

    // Once the holder has closed, the id is free.
    const [close, again, againClose] = await steps([
      ['/worker0_vm', 'qemu_close', [], {}],
      ['/worker1_vm', 'qemu_init', [dut], init],
      ['/worker1_vm', 'qemu_close', [], {}],
    ]);
    expect([close.status, again.status, againClose.status]).toEqual(['PASS', 'PASS', 'PASS']);
  });

  it('the same qemu_id on other nodes, or other ids on one node, are no conflict; a Qemu Init that fails leaves its session no claim', async () => {
    const [a, b, c, held, bad, d] = await steps([
      ['/x1', 'qemu_init', [node('own-dut2')], { qemu_id: 4 }],
      ['/x2', 'qemu_init', [node('own-dut3')], { qemu_id: 4 }],
      ['/x3', 'qemu_init', [node('own-dut2')], { qemu_id: 5 }],
      ['/x4', 'qemu_init', [node('own-dut2')], { qemu_id: 6 }],
      // Ends the session's VM first, then fails (an image path the original did not know): /x4 holds nothing.
      ['/x4', 'qemu_init', [node('own-dut2')], { qemu_id: 6, img: '/elsewhere/x' }],
      ['/x5', 'qemu_init', [node('own-dut2')], { qemu_id: 6 }],
    ]);
    expect([a.status, b.status, c.status, held.status, bad.status, d.status]).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'FAIL', 'PASS']);
    await steps(['/x1', '/x2', '/x3', '/x5'].map((path) => [path, 'qemu_close', [], {}] as [string, string, unknown[], Record<string, unknown>]));
  });
});
