/**
 * QemuManager under contract=head on dry-run nodes (csit-head.md §2, §3): vm.robot's kwargs, HEAD's hook
 * composition per VM with CPUs and smp from the placement, and Start All VMs returning HEAD's pinned-CPU CSV.
 */
import { parseNode, type DryRunResponse } from '../../src/node';
import { bootFilesCommand, mergeSettings, QemuConfigError, QemuStateError } from '../../src/qemu';
import { QemuManager } from '../../src/qemu/manager';
import { LSCPU_COMMAND, nicNumaCommand } from '../../src/qemu/placement';
import { X86_2X28_SMT } from '../support/cpu-topology';
import { HUGEPAGE_POOL_2M_OK, commandLines, exactly } from '../support/dry-run-node';
import { RecordingLog } from '../support/recording-log';
import { VERIFIED_HEAD_1A } from '../support/verified';

const BOOT = '/opt/boot/vmlinuz';
const HEAD = mergeSettings({ contract: 'head' });
const PCI1 = '0000:18:00.0';
const PCI2 = '0000:18:00.1';

/** A DUT answering the placement's two reads (NICs on `numa`) and the kernel/initrd listing. */
let counter = 0;
function headDut(numa = 0, extra: DryRunResponse[] = []): Record<string, unknown> {
  counter += 1;
  const responses = [
    exactly(LSCPU_COMMAND, { stdout: X86_2X28_SMT }),
    exactly(nicNumaCommand([PCI1, PCI2]), { stdout: `${PCI1} ${numa}\n${PCI2} ${numa}\n` }),
    exactly(bootFilesCommand(BOOT), { stdout: 'kernel /opt/boot/vmlinuz-6.8.0-90-generic\ninitrd /opt/boot/initrd.img-6.8.0-90-generic\n' }),
    ...extra,
  ];
  return {
    host: `mgr-head-${process.pid}-${counter}`, port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: responses,
    interfaces: { port1: { pci_address: PCI1 }, port2: { pci_address: PCI2 } },
  };
}

/** vm.robot's kwargs for `Configure chains of NFs connected via vhost-user` (1/1 suites; a VPP template of this tree). */
function vmRobotKwargs(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nf_chains: 1, nf_nodes: 1, jumbo: false, perf_qemu_qsz: 1024, use_tuned_cfs: false, auto_scale: true, fixed_auto_scale: false,
    vnf: 'vppip4_2vhostvr1024', tg_pf1_mac: '3c:fd:fe:00:00:01', tg_pf2_mac: '3c:fd:fe:00:00:02', vs_dtc: 1, nf_dtc: 1, nf_dtcr: 1,
    rxq_count_int: 1, virtio_feature_mask: 0, page_size: '2M', if1: 'port1', if2: 'port2',
    ...overrides,
  };
}

describe('contract=head: Construct VMs On All Nodes', () => {
  it('1x1: HEAD\'s composition (verified example 1a) with smp 3 from the placement [3,4,60]', async () => {
    const dut1 = headDut();
    const log = new RecordingLog();
    const manager = new QemuManager({ TG: { type: 'TG', host: 'tg' }, DUT1: dut1 }, HEAD);
    const vms = await manager.constructHeadVmsOnAllNodes(vmRobotKwargs(), { log });
    expect(vms.map((vm) => [vm.name, vm.qemu_id, vm.smp, vm.mem, vm.cpus, vm.sockets, vm.vif1_mac, vm.vif2_mac, vm.queues])).toEqual([
      ['DUT1_1', 1, 3, 4096, ['3', '4', '60'], ['/run/vpp/sock-1-1', '/run/vpp/sock-1-2'], '3c:fd:fe:00:00:01', '3c:fd:fe:00:00:02', 1],
    ]);
    expect(await manager.vms[0].vm.qemuGetCommandLine()).toBe(VERIFIED_HEAD_1A);
    // One topology read and one NIC NUMA read per DUT, the explanation logged per VM.
    const lines = commandLines(manager.vms[0].vm.node);
    expect(lines.filter((line) => line === LSCPU_COMMAND)).toHaveLength(1);
    expect(lines.filter((line) => line === nicNumaCommand([PCI1, PCI2]))).toHaveLength(1);
    expect(log.lines).toContainEqual(expect.stringMatching(/^INFO \[DUT1_1\] CPUs 3,4,60 \(smp 3\): NUMA node 0 from the NICs/));
  });

  it('1x2 (vs_dtc 1, nf_dtc 1): [3,4,60] and [59,5,61], chained MACs, the feature mask on each NIC', async () => {
    const manager = new QemuManager({ DUT1: headDut() }, HEAD);
    const vms = await manager.constructHeadVmsOnAllNodes(vmRobotKwargs({ nf_nodes: 2, virtio_feature_mask: 65 }), { log: new RecordingLog() });
    expect(vms.map((vm) => [vm.name, vm.smp, vm.cpus, vm.vif1_mac, vm.vif2_mac])).toEqual([
      ['DUT1_1', 3, ['3', '4', '60'], '3c:fd:fe:00:00:01', '52:54:00:00:02:01'],
      ['DUT1_2', 3, ['59', '5', '61'], '52:54:00:00:01:02', '3c:fd:fe:00:00:02'],
    ]);
    const line2 = await manager.vms[1].vm.qemuGetCommandLine();
    expect(line2).toContain('-smp 3,sockets=1,cores=3,threads=1');
    expect(line2).toContain('-chardev socket,id=char2,path=/run/vpp/sock-2-2,server=on');
    expect(line2).toContain('mac=52:54:00:00:02:01,addr=6.0,mq=on,vectors=4,csum=on,gso=on,guest_tso4=on,guest_tso6=on,guest_ecn=on,rx_queue_size=1024');
  });

  it('auto_scale 2c: nf_dtc becomes vs_dtc, queues rxq_count_int; fixed_auto_scale + smt_used False keeps nf_dtc (iperf3\'s shapes)', async () => {
    const manager = new QemuManager({ DUT1: headDut() }, HEAD);
    const vms = await manager.constructHeadVmsOnAllNodes(vmRobotKwargs({ nf_nodes: 2, vs_dtc: 2, nf_dtc: 1, rxq_count_int: 2 }), { log: new RecordingLog() });
    expect(vms.map((vm) => [vm.cpus, vm.smp, vm.queues])).toEqual([[['4', '5', '6', '61', '62'], 5, 2], [['60', '7', '8', '63', '64'], 5, 2]]);
    expect(await manager.vms[0].vm.qemuGetCommandLine()).toContain('-netdev vhost-user,id=vhost1,chardev=char1,queues=2 -device virtio-net-pci,netdev=vhost1,mac=52:54:00:00:01:01,addr=6.0,mq=on,vectors=6');
    const log = new RecordingLog();
    await manager.initialize({ log });
    expect(manager.vms).toHaveLength(0);
    const fixed = await manager.constructVmsOnNode('DUT1', vmRobotKwargs({ vnf: 'testpmd_io', nf_nodes: 2, nf_dtc: 4, fixed_auto_scale: true, smt_used: false, nf_chain: 1 }), { log });
    expect(fixed.map((vm) => vm.cpus)).toEqual([['3', '4', '5', '6', '7'], ['3', '8', '9', '10', '11']]);
    expect(log.lines).toContain('WARN Construct VMs On Node: nf_chain ignored: the manager loops over every chain and node');
    await expect(manager.constructVmsOnNode('DUT1', vmRobotKwargs(), { log })).rejects.toThrow(/DUT1 already has VMs since Initialize/);
  });

  it('NICs on NUMA 1 place on node 1; missing kwargs and 2019-only use fail naming what to give', async () => {
    const manager = new QemuManager({ DUT1: headDut(1) }, HEAD);
    const vms = await manager.constructHeadVmsOnAllNodes(vmRobotKwargs(), { log: new RecordingLog() });
    expect(vms[0].cpus).toEqual(['31', '32', '88']);
    await expect(manager.constructHeadVmsOnAllNodes(vmRobotKwargs({ vs_dtc: undefined }), { log: new RecordingLog() })).rejects.toThrow(/vs_dtc=\.\.\. is required under contract=head/);
    await expect(manager.constructHeadVmsOnAllNodes(vmRobotKwargs({ tg_if1_mac: 'x' }), { log: new RecordingLog() })).rejects.toThrow(/unknown argument\(s\) tg_if1_mac/);
    await expect(manager.constructHeadVmsOnAllNodes(vmRobotKwargs({ if1: 'nope' }), { log: new RecordingLog() })).rejects.toThrow(QemuConfigError);
    expect(manager.vms).toHaveLength(0);
    // DUT2 cannot be placed (its NICs are not in sysfs' answer): DUT1's VM, written first, is removed again.
    const dut1 = headDut();
    const broken = new QemuManager({ DUT1: dut1, DUT2: { ...headDut(), dry_run_responses: [exactly(LSCPU_COMMAND, { stdout: X86_2X28_SMT })] } }, HEAD);
    await expect(broken.constructHeadVmsOnAllNodes(vmRobotKwargs(), { log: new RecordingLog() })).rejects.toThrow(/NUMA node of NIC 0000:18:00.0 .* gave no answer/);
    expect(broken.vms).toHaveLength(0);
    expect(commandLines(parseNode(dut1))).toContainEqual(expect.stringMatching(/rm -f -- [^\n']*\/etc\/vm_init_1\.conf/));
    const fresh = new QemuManager({ DUT1: headDut() }, HEAD);
    await expect(fresh.constructVmsOnNode('DUT1', vmRobotKwargs(), { log: new RecordingLog() })).rejects.toThrow(QemuStateError);
    await fresh.initialize({ log: new RecordingLog() });
    await expect(fresh.constructVmsOnNode('TG', vmRobotKwargs(), { log: new RecordingLog() })).rejects.toThrow(/node=TG is not a DUT/);
  });
});

describe('contract=head: past HEAD, for a host smaller than a CSIT testbed', () => {
  it('first_qemu_id, mem, img and skip_cpus shift ids, size the VMs and pick the kernel directory', async () => {
    const img = '/opt/boot/head/vmlinuz';
    const dut = headDut(0, [exactly(bootFilesCommand(img), { stdout: 'kernel /opt/boot/head/vmlinuz-6.1.0-50-amd64\ninitrd /opt/boot/head/initrd.img-6.1.0-50-amd64\n' })]);
    const manager = new QemuManager({ DUT1: dut }, HEAD);
    await manager.initialize({ log: new RecordingLog() });
    const vms = await manager.constructVmsOnNode('DUT1', vmRobotKwargs({ nf_nodes: 2, first_qemu_id: 85, mem: 1024, img, skip_cpus: 0 }), { log: new RecordingLog() });
    expect(vms.map((vm) => [vm.name, vm.qemu_id, vm.mem, vm.cpus, vm.sockets[0], vm.vif2_mac])).toEqual([
      ['DUT1_85', 85, 1024, ['0', '1', '57'], '/run/vpp/sock-85-1', '52:54:00:00:56:01'],
      ['DUT1_86', 86, 1024, ['56', '2', '58'], '/run/vpp/sock-86-1', '3c:fd:fe:00:00:02'],
    ]);
    const line = await manager.vms[0].vm.qemuGetCommandLine();
    expect(line).toContain('-kernel /opt/boot/head/vmlinuz-6.1.0-50-amd64 -initrd /opt/boot/head/initrd.img-6.1.0-50-amd64');
    expect(line).toContain('size=1024M,mem-path=/dev/hugepages,share=on -m 1024M');
    expect(line).toContain('-pidfile /run/qemu_85.pid');
    await manager.initialize({ log: new RecordingLog() });
    await expect(manager.constructVmsOnNode('DUT1', vmRobotKwargs({ nf_nodes: 2, first_qemu_id: 255 }), { log: new RecordingLog() })).rejects.toThrow(/2 VMs from first_qemu_id 255; the last id may be at most 255/);
  });
});

describe('contract=head: Start All VMs', () => {
  it('pins each VM\'s vCPUs to its placement and returns HEAD\'s CSV (3,4,60,59,5,61); unpinned ""', async () => {
    const ids = [1, 2];
    const boot: DryRunResponse[] = [
      { match: '--version', stdout: 'QEMU emulator version 8.2.2\n' },
      ...HUGEPAGE_POOL_2M_OK,
      ...ids.flatMap((id) => [
        exactly(`sudo -S cat /run/qemu_${id}.pid`, { stdout: `${5000 + id}\n` }),
        { match: `tail -c +1 -F /tmp/serial_${id}.log`, stdout: 'Linux version 6.8\nEAL: Detected 3 lcores\nPress enter to exit\n' },
        { match: `/proc/${5000 + id}/task/*/comm`, stdout: [0, 1, 2].map((cpu) => `/proc/${5000 + id}/task/${6000 + 10 * id + cpu}/comm:CPU ${cpu}/KVM`).join('\n') + '\n' },
        exactly(`sudo -S grep -qaF -- /run/qemu_${id}.pid /proc/${5000 + id}/cmdline`, { rc: 0 }),
        { match: `pid=${5000 + id}\n`, stdout: `@@qemu-utils-remote killed ${5000 + id}\n` },
        { match: `/proc/${5000 + id}/stat`, stdout: 'qemu-utils-remote: process gone\n' },
      ]),
    ];
    const manager = new QemuManager({ DUT1: headDut(0, boot) }, HEAD);
    const log = new RecordingLog();
    await manager.constructHeadVmsOnAllNodes(vmRobotKwargs({ nf_nodes: 2, vnf: 'testpmd_io' }), { log });
    expect(await manager.startAllVmsHead(true, { log })).toBe('3,4,60,59,5,61');
    const taskset = commandLines(manager.vms[0].vm.node).filter((line) => line.includes('taskset'));
    expect(taskset).toEqual(expect.arrayContaining(['sudo -S taskset -pc 3 6010', 'sudo -S taskset -pc 4 6011', 'sudo -S taskset -pc 60 6012', 'sudo -S taskset -pc 59 6020', 'sudo -S taskset -pc 61 6022']));
    await manager.killAllVms({}, { log });
    expect(manager.vms.every((machine) => !machine.vm.running)).toBe(true);
    expect(await manager.startAllVmsHead(false, { log })).toBe('');
    await manager.close({ log });
  });
});
