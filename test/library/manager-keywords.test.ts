/**
 * The VM manager keywords through the real remote server, driven by Python's xmlrpc.client as Robot's Remote
 * library drives it, on dry-run nodes: session kinds, the manager's keyword flow, and its published signature.
 */
import { dryRunTransport, parseNode } from '../../src/node';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { compileLibrary } from '../../src/remote/spec';
import { bootFilesCommand } from '../../src/qemu';
import { LSCPU_COMMAND, nicNumaCommand } from '../../src/qemu/placement';
import { X86_2X28_SMT } from '../support/cpu-topology';
import { HUGEPAGE_POOL_2M_OK, exactly } from '../support/dry-run-node';
import { useQemuServer } from '../support/servers';
import { py, runSessions } from '../support/xmlrpc';

const server = useQemuServer({ accel: 'tcg', qemu_version: '7.2.0' });

interface RunResult {
  status: string;
  return?: unknown;
  error?: string;
  output?: string;
}

function dryRunDut(host: string): Record<string, unknown> {
  return { host, port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: [] };
}

describe('VM manager keywords over XML-RPC', () => {
  it('Qemu Manager Init -> Construct VMs On All Nodes -> Qemu Log Diagnostics -> Qemu Manager Close, in two manager sessions at once', async () => {
    const nodesA = { TG: { type: 'TG', host: 'tg-a' }, DUT1: dryRunDut('mk-a-dut1'), DUT2: dryRunDut('mk-a-dut2') };
    const nodesB = { DUT1: dryRunDut('mk-b-dut1') };
    const results = await runSessions<RunResult>(server().url, {
      '/suite_a/vnf_manager': [
        ['qemu_manager_init', [nodesA], { kernel_args: 'pci=nomsi' }],
        ['construct_vms_on_all_nodes', [], { nf_chains: 1, nf_nodes: 2, vnf: 'testpmd_io', nf_cpus: [[0, 1], [0, 1]], mem: 1024, auto_scale: false }],
        ['qemu_log_diagnostics', [], { lines: 3 }],
        ['qemu_manager_close', [], {}],
        ['construct_vms_on_all_nodes', [], {}],
      ],
      '/suite_b/vnf_manager': [
        ['qemu_manager_init', [nodesB], {}],
        ['construct_vms_on_all_nodes', ['1', '1', 'False', '256'], { vnf: 'testpmd_mac', tg_if1_mac: 'aa:00:00:00:00:01', tg_if2_mac: 'aa:00:00:00:00:02', host_cpus: '0-7', rxq_count_int: '2' }],
      ],
    });
    const [initA, constructA, diagnosticsA, closeA, afterCloseA] = results['/suite_a/vnf_manager'];
    const [initB, constructB] = results['/suite_b/vnf_manager'];
    for (const step of [initA, constructA, diagnosticsA, closeA, initB, constructB]) expect([step.status, step.error]).toEqual(['PASS', undefined]);

    const vmsA = constructA.return as Record<string, unknown>[];
    expect(vmsA.map((vm) => [vm.name, vm.host, vm.qemu_id, vm.cpus, vm.queues, vm.mem])).toEqual([
      ['DUT1_1', 'mk-a-dut1', 1, ['0', '1'], 1, 1024],
      ['DUT1_2', 'mk-a-dut1', 2, ['0', '1'], 1, 1024],
      ['DUT2_1', 'mk-a-dut2', 1, ['0', '1'], 1, 1024],
      ['DUT2_2', 'mk-a-dut2', 2, ['0', '1'], 1, 1024],
    ]);
    // Robot's None (sent as '') for an unset TG MAC comes back as None ('' over XML-RPC).
    expect(vmsA[0].vif1_mac).toBe('');
    expect(vmsA[0].vif2_mac).toBe('52:54:00:00:02:01');
    expect(diagnosticsA.return).toMatch(/== DUT2_2: VM 2 \(kernelvm\) on mk-a-dut2[\s\S]*command line: sudo -S \/usr\/bin\/qemu-system-x86_64 -daemonize [^\n]*pci=nomsi/);
    expect(diagnosticsA.output).toMatch(/^\*INFO:\d+\* == DUT1_1/m);
    expect(afterCloseA.status).toBe('FAIL');
    expect(afterCloseA.error).toMatch(/^No QemuUtils instance in this session: run `Qemu Init` first .* or `Qemu Manager Init` for a VM manager\.$/);

    // Strings, as a client without published types sends them, are converted by the server.
    const vmsB = constructB.return as Record<string, unknown>[];
    expect(vmsB).toEqual([
      {
        name: 'DUT1_1', node: 'DUT1', host: 'mk-b-dut1', qemu_id: 1, smp: 2, mem: 4096, vnf: 'testpmd_mac', cpus: ['3', '4'],
        sockets: ['/var/run/vpp/sock-1-1', '/var/run/vpp/sock-1-2'], mac1: '52:54:00:00:01:01', mac2: '52:54:00:00:01:02',
        vif1_mac: 'aa:00:00:00:00:01', vif2_mac: 'aa:00:00:00:00:02', queues: 2,
      },
    ]);

    // Closing manager A removed the init scripts it wrote on both DUTs; B's VM was left alone.
    // (QemuUtils removes its files in one cleanup command with a line `rm -f -- <files>`.)
    expect(dryRunTransport(parseNode(nodesA.DUT2)).commandLines()).toContainEqual(expect.stringMatching(/\nrm -f -- \/etc\/vm_init_1\.conf\n/));
    expect(dryRunTransport(parseNode(nodesB.DUT1)).commandLines().filter((line) => line.includes('rm -f --'))).toEqual([]);
    await py(server().url, "result = run('qemu_manager_close', path='/suite_b/vnf_manager')");
  });

  it('fails a keyword that meets the wrong session kind, saying which session it needs', async () => {
    const script = `
vm_node = ${JSON.stringify(dryRunDut('mk-kind-dut1'))}
nodes = {'DUT1': ${JSON.stringify(dryRunDut('mk-kind-dut2'))}}
result = [
    run('qemu_manager_init', [nodes], path='/kinds/vnf_manager'),
    run('qemu_add_vhost_user_if', ['/run/x'], path='/kinds/vnf_manager'),
    run('qemu_init', [vm_node], {'img': '/opt/boot/vmlinuz', 'vnf': 'testpmd_io'}, path='/kinds/vm1'),
    run('start_all_vms', [], {'pinning': True}, path='/kinds/vm1'),
    run('qemu_log_diagnostics', path='/kinds/vm1'),
    run('qemu_close', path='/kinds/vnf_manager'),
    run('start_all_vms', path='/kinds/vnf_manager'),
    run('qemu_manager_close', path='/kinds/vm1'),
    run('qemu_manager_close', path='/kinds/vm1'),
]
`;
    const [managerInit, vmKeywordInManager, vmInit, managerKeywordInVm, vmDiagnostics, qemuCloseOfManager, afterClose, managerCloseOfVm, closeAgain] = (await py(server().url, script)) as RunResult[];
    expect(managerInit.status).toBe('PASS');
    expect(vmKeywordInManager.status).toBe('FAIL');
    expect(vmKeywordInManager.error).toBe(
      'This session holds a VM manager (created by Qemu Manager Init), so `Qemu Add Vhost User If` cannot run here: QemuUtils keywords need a session ' +
        'started with Qemu Init. Import the library once more on a path of its own for the VM, e.g. `Library    Remote    http://127.0.0.1:8270/DUT1_vm1    AS    DUT1_vm1`.',
    );
    expect(vmInit.status).toBe('PASS');
    expect(managerKeywordInVm.error).toBe(
      'This session holds one VM (created by Qemu Init), so `Start All Vms` cannot run here: VM manager keywords need a session started with ' +
        'Qemu Manager Init. Import the library once more on a path of its own for the manager, e.g. `Library    Remote    http://127.0.0.1:8270/vnf_manager    AS    vnf_manager`.',
    );
    expect(vmDiagnostics.status).toBe('PASS');
    expect(vmDiagnostics.return).toMatch(/^== kinds\/vm1: VM 1 \(kernelvm\) on mk-kind-dut1, not running by this instance\n/);
    // Both ending keywords end whatever the session holds: teardowns never fail on the kind.
    expect(qemuCloseOfManager.status).toBe('PASS');
    expect(afterClose.error).toMatch(/^No QemuUtils instance in this session/);
    expect(managerCloseOfVm.status).toBe('PASS');
    expect(closeAgain.status).toBe('PASS');
  });

  it('contract=head: vm.robot\'s kwargs as Robot sends them, Start All VMs returns HEAD\'s CSV, Initialize + Construct VMs On Node', async () => {
    const pci = ['0000:18:00.0', '0000:18:00.1'];
    const dut = {
      ...dryRunDut('mk-head-dut1'),
      interfaces: { port1: { pci_address: pci[0] }, port2: { pci_address: pci[1] } },
      dry_run_responses: [
        exactly(LSCPU_COMMAND, { stdout: X86_2X28_SMT }),
        exactly(nicNumaCommand(pci), { stdout: `${pci[0]} 0\n${pci[1]} 0\n` }),
        exactly(bootFilesCommand('/opt/boot/vmlinuz'), { stdout: 'kernel /opt/boot/vmlinuz-6.8\ninitrd /opt/boot/initrd.img-6.8\n' }),
        ...HUGEPAGE_POOL_2M_OK,
        exactly('sudo -S cat /run/qemu_1.pid', { stdout: '7001\n' }),
        { match: 'tail -c +1 -F /tmp/serial_1.log', stdout: 'Linux version 6.8\nPress enter to exit\n' },
        { match: '/proc/7001/task/*/comm', stdout: '/proc/7001/task/7101/comm:CPU 0/TCG\n/proc/7001/task/7102/comm:CPU 1/TCG\n/proc/7001/task/7103/comm:CPU 2/TCG\n' },
        exactly('sudo -S grep -qaF -- /run/qemu_1.pid /proc/7001/cmdline', { rc: 0 }),
        { match: 'pid=7001\n', stdout: '@@qemu-utils-remote killed 7001\n' },
        { match: '/proc/7001/stat', stdout: 'qemu-utils-remote: process gone\n' },
      ],
    };
    // As vm.robot passes them (Robot's remote client sends ${1} as 1, text stays text).
    const kwargs = {
      nf_chains: 1, nf_nodes: 1, jumbo: false, perf_qemu_qsz: 1024, use_tuned_cfs: false, auto_scale: true, fixed_auto_scale: false, vnf: 'testpmd_io',
      tg_pf1_mac: '3c:fd:fe:00:00:01', tg_pf2_mac: '3c:fd:fe:00:00:02', vs_dtc: 1, nf_dtc: '1', nf_dtcr: 1, rxq_count_int: '1', virtio_feature_mask: 0, page_size: '2M', if1: 'port1', if2: 'port2',
    };
    const results = await runSessions<RunResult>(server().url, {
      '/head/vnf_manager': [
        ['qemu_manager_init', [{ DUT1: dut }], { contract: 'head' }],
        ['construct_vms_on_all_nodes', [], kwargs],
        ['start_all_vms', [], { pinning: true }],
        ['get_vm_dicts', [], {}],
        ['kill_all_vms', [], {}],
        ['get_vm_dicts', [], {}],
        ['initialize', [], {}],
        ['construct_vms_on_node', [], { node: 'DUT1', ...kwargs, nf_dtc: 0.5, nf_dtcr: 2, auto_scale: false }],
        ['construct_vms_on_all_nodes', [], { ...kwargs, cpu_count_int: 2 }],
        ['qemu_manager_close', [], {}],
      ],
      '/v2019/vnf_manager': [
        ['qemu_manager_init', [{ DUT1: dryRunDut('mk-2019-dut1') }], {}],
        ['construct_vms_on_all_nodes', [], { vnf: 'testpmd_io', vs_dtc: 1 }],
        ['initialize', [], {}],
        ['get_vm_dicts', [], {}],
      ],
    });
    const [init, construct, start, dicts, kill, dictsAfterKill, initialize, onNode, with2019, close] = results['/head/vnf_manager'];
    expect(with2019.error).toBe("Construct VMs On All Nodes: cpu_count_int belong to the 2019 contract; under contract=head give HEAD's (tg_pf1_mac, tg_pf2_mac, vs_dtc, nf_dtc, ...)");
    for (const step of [init, construct, start, dicts, kill, dictsAfterKill, initialize, onNode, close]) expect([step.status, step.error]).toEqual(['PASS', undefined]);
    expect((construct.return as Record<string, unknown>[]).map((vm) => [vm.name, vm.smp, vm.cpus, vm.sockets])).toEqual([['DUT1_1', 3, ['3', '4', '60'], ['/run/vpp/sock-1-1', '/run/vpp/sock-1-2']]]);
    expect(construct.output).toMatch(/\[DUT1_1\] CPUs 3,4,60 \(smp 3\): NUMA node 0 from the NICs/);
    expect(start.return).toBe('3,4,60');
    // What HEAD's start_all_vms put into nodes, for the Robot layer (vm_head.resource); gone once killed.
    expect(dicts.return).toEqual({ DUT1_1: expect.objectContaining({ type: 'VM', port: 10022, username: 'testuser', password: 'Csit1234' }) });
    expect(dictsAfterKill.return).toEqual({});
    expect(dryRunTransport(parseNode(dut)).commandLines()).toEqual(expect.arrayContaining(['sudo -S taskset -pc 3 7101', 'sudo -S taskset -pc 4 7102', 'sudo -S taskset -pc 60 7103']));
    expect((onNode.return as Record<string, unknown>[]).map((vm) => [vm.name, vm.cpus])).toEqual([['DUT1_1', ['3', '4']]]);

    const [, kwargs2019, initialize2019, dicts2019] = results['/v2019/vnf_manager'];
    expect(dicts2019.error).toMatch(/^Get VM Dicts is CSIT HEAD's QemuManager keyword: give Qemu Manager Init contract=head/);
    expect(kwargs2019.error).toMatch(/^Construct VMs On All Nodes got unexpected argument\(s\) vs_dtc: HEAD's .* need Qemu Manager Init contract=head$/);
    expect(initialize2019.error).toMatch(/^Initialize is CSIT HEAD's QemuManager keyword: give Qemu Manager Init contract=head/);
  });

  it('publishes the manager keywords with CSIT argument names, types and defaults', () => {
    const compiled = compileLibrary(createQemuLibrary());
    expect(compiled.keywords.get('construct_vms_on_all_nodes')?.published.args).toEqual([
      ['nf_chains', 1],
      ['nf_nodes', 1],
      ['jumbo', false],
      ['perf_qemu_qsz', 1024],
      ['use_tuned_cfs', false],
      ['auto_scale', true],
      'vnf=vpp',
      'tg_if1_mac=None',
      'tg_if2_mac=None',
      ['cpu_count_int', 1],
      ['rxq_count_int', 1],
      '*',
      'nf_cpus=None',
      'host_cpus=None',
      'skip_cpus=None',
      ['mem', 4096],
      'img=/opt/boot/vmlinuz',
      'socket_dir=/var/run/vpp',
      ['first_qemu_id', 1],
      '**kwargs',
    ]);
    expect(compiled.keywords.get('construct_vms_on_node')?.published.args).toEqual(['node', '**kwargs']);
    expect(compiled.keywords.get('initialize')?.published.args).toEqual([]);
    expect(compiled.keywords.get('start_all_vms')?.published.args).toEqual([['pinning', false]]);
    expect(compiled.keywords.get('kill_all_vms')?.published.args).toEqual([['force', false]]);
    expect(compiled.keywords.get('qemu_manager_init')?.published.types).toMatchObject({ nodes: 'dict', accel: 'str | None', boot_timeout: 'int | None' });
    expect(compiled.keywords.get('kill_all_vms')?.published.doc).toContain('*Only this manager\'s VMs*');
    expect(compiled.keywords.get('set_scheduler_all_vms')?.published.tags).toEqual(['manager', 'pinning']);
  });
});
