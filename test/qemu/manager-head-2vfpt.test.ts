/**
 * CSIT HEAD's `_c_vpp_2vfpt_*` hooks under contract=head on dry-run DUTs (csit-head.md §2, §5.1, §5.2): VPP on
 * two AVF NICs passed through with vfio-pci, HEAD's fixed addresses per DUT, the route prefix per template,
 * if2's function in slot 6 and if1's in slot 7, and the vfio-pci check at the start.
 */
import { parseNode, type DryRunResponse } from '../../src/node';
import { bootFilesCommand, mergeSettings, QemuConfigError } from '../../src/qemu';
import { QemuManager } from '../../src/qemu/manager';
import { LSCPU_COMMAND, nicNumaCommand } from '../../src/qemu/placement';
import { vfioCheckCommand } from '../../src/qemu/vfio';
import { X86_2X28_SMT } from '../support/cpu-topology';
import { HUGEPAGE_POOL_2M_OK, commandLines, exactly, writes } from '../support/dry-run-node';
import { RecordingLog } from '../support/recording-log';

const HEAD = mergeSettings({ contract: 'head' });
const PCI1 = '0000:18:00.0';
const PCI2 = '0000:18:00.1';

let counter = 0;
function dut(extra: DryRunResponse[] = []): Record<string, unknown> {
  counter += 1;
  return {
    host: `mgr-2vfpt-${process.pid}-${counter}`, port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run',
    interfaces: { port1: { pci_address: PCI1 }, port2: { pci_address: PCI2 } },
    dry_run_responses: [
      exactly(LSCPU_COMMAND, { stdout: X86_2X28_SMT }),
      exactly(nicNumaCommand([PCI1, PCI2]), { stdout: `${PCI1} 0\n${PCI2} 0\n` }),
      exactly(bootFilesCommand('/opt/boot/vmlinuz'), { stdout: 'kernel /opt/boot/vmlinuz-6.8.0-90-generic\ninitrd /opt/boot/initrd.img-6.8.0-90-generic\n' }),
      ...extra,
    ],
  };
}

/** vm.robot's `Configure chains of NFs connected via passtrough` kwargs (if1/if2: DUT1's interface keys). */
function kwargs(vnf: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nf_chains: 1, nf_nodes: 1, jumbo: false, perf_qemu_qsz: 1024, use_tuned_cfs: false, auto_scale: true, fixed_auto_scale: false,
    vnf, tg_pf1_mac: '3c:fd:fe:00:00:01', tg_pf2_mac: '3c:fd:fe:00:00:02', vs_dtc: 1, nf_dtc: 1, nf_dtcr: 1, rxq_count_int: 1,
    virtio_feature_mask: 0, page_size: '2M', if1: 'port1', if2: 'port2', ...overrides,
  };
}

const EXEC_DUT1_BASE = [
  'create interface avf 0000:00:06.0 num-rx-queues 1',
  'create interface avf 0000:00:07.0 num-rx-queues 1',
  'set interface ip address avf-0/0/6/0 2.2.2.1/30',
  'set interface state avf-0/0/6/0 up',
  'set interface ip address avf-0/0/7/0 1.1.1.2/30',
  'set interface state avf-0/0/7/0 up',
  'ip route add 20.0.0.0/24 via 2.2.2.2 avf-0/0/6/0',
  'ip route add 10.0.0.0/24 via 1.1.1.1 avf-0/0/7/0',
  'set ip neighbor static avf-0/0/7/0 1.1.1.1 3c:fd:fe:d1:5c:d8',
  'show logging',
  'show version',
  '',
].join('\n');

function written(node: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(writes(parseNode(node)).map((record) => [record.path, record.content]));
}

describe('contract=head: the vpp_2vfpt hooks', () => {
  it('ip4base_plen24 on DUT1: HEAD\'s exec, avf plugin, no dpdk, if2 in slot 6 and if1 in slot 7, no vhost-user', async () => {
    const node = dut();
    const manager = new QemuManager({ TG: { type: 'TG', host: 'tg' }, DUT1: node }, HEAD);
    await manager.constructHeadVmsOnAllNodes(kwargs('vpp_2vfpt_ip4base_plen24'), { log: new RecordingLog() });
    const files = written(node);
    expect(files['/etc/vpp/vm_running_1.exec']).toBe(EXEC_DUT1_BASE);
    const startup = files['/etc/vpp/vm_startup_1.conf'];
    expect(startup).toContain('  plugin avf_plugin.so\n  {\n    enable  \n  }\n');
    expect(startup).not.toContain('dpdk');
    expect(files['/etc/vm_init_1.conf']).toContain('/usr/bin/vpp -c /etc/vpp/vm_startup_1.conf');
    const line = await manager.vms[0].vm.qemuGetCommandLine();
    expect(line.endsWith(`init=/etc/vm_init_1.conf fastboot' -device vfio-pci,host=${PCI2},addr=6.0 -device vfio-pci,host=${PCI1},addr=7.0`)).toBe(true);
    expect(line).not.toContain('vhost-user');
    expect(line).toContain('hugepagesz=2M');
  });

  it('scale templates on another DUT: /30 routes with counts, the other side\'s addresses and ARP MAC; queues from rxq_count_int', async () => {
    const node = dut();
    const manager = new QemuManager({ DUT2: node }, HEAD);
    await manager.constructHeadVmsOnAllNodes(kwargs('vpp_2vfpt_ip4scale20k_plen30', { rxq_count_int: 2 }), { log: new RecordingLog() });
    const exec = written(node)['/etc/vpp/vm_running_1.exec'];
    expect(exec).toContain('create interface avf 0000:00:06.0 num-rx-queues 2\n');
    expect(exec).toContain('set interface ip address avf-0/0/6/0 3.3.3.2/30\n');
    expect(exec).toContain('ip route add 10.0.0.0/30 count 10000 via 2.2.2.1 avf-0/0/7/0\n');
    expect(exec).toContain('ip route add 20.0.0.0/30 count 10000 via 3.3.3.1 avf-0/0/6/0\n');
    expect(exec).toContain('set ip neighbor static avf-0/0/6/0 3.3.3.1 3c:fd:fe:d1:5c:d9\n');
  });

  it('without if1/if2 fails naming them; a 2vfpt template HEAD has no hook for takes _c_default and is refused for its unfilled values', async () => {
    const manager = new QemuManager({ DUT1: dut() }, HEAD);
    await expect(manager.constructHeadVmsOnAllNodes(kwargs('vpp_2vfpt_ip4base_plen24', { if1: null, if2: null }), { log: new RecordingLog() })).rejects.toThrow(/give if2=\.\.\./);
    const other = new QemuManager({ DUT1: dut() }, HEAD);
    await expect(other.constructHeadVmsOnAllNodes(kwargs('vpp_2vfpt_ethip4ipsec40tnl'), { log: new RecordingLog() })).rejects.toThrow(QemuConfigError);
  });

  it('Start All VMs checks both functions on the node first: one command; a function not on vfio-pci stops the start naming it', async () => {
    const check = vfioCheckCommand([PCI2, PCI1]);
    const answer = `driver ${PCI2} i40e\ngroup ${PCI2} 40\nmember ${PCI2} ${PCI2} i40e\ndriver ${PCI1} vfio-pci\ngroup ${PCI1} 41\nmember ${PCI1} ${PCI1} vfio-pci\n`;
    const node = dut([exactly(check, { stdout: answer }), { match: '--version', stdout: 'QEMU emulator version 8.2.2\n' }, ...HUGEPAGE_POOL_2M_OK]);
    const manager = new QemuManager({ DUT1: node }, HEAD);
    const log = new RecordingLog();
    await manager.constructHeadVmsOnAllNodes(kwargs('vpp_2vfpt_ip4base_plen24'), { log });
    await expect(manager.startAllVmsHead(true, { log })).rejects.toThrow(`${PCI2} is bound to i40e, not vfio-pci`);
    const lines = commandLines(parseNode(node));
    expect(lines.filter((line) => line === check)).toHaveLength(1);
    expect(lines.some((line) => line.includes('qemu-system'))).toBe(false);
    await manager.close({ log });
  });
});
