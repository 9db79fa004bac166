/**
 * `contract=head` wired end to end on dry-run nodes: `Configure Kernelvm Vnf` writes HEAD's payloads
 * (csit-head.md §5), `Qemu Start` checks the pool of the VM's own page size and waits for the VNF's own
 * boot marker (§7) within HEAD's budget. 2019's behaviour is the other test files'.
 */
import type { DryRunResponse } from '../../src/node';
import {
  HEAD_BOOT_MARKERS,
  QemuUtils,
  SerialLogScanner,
  bootFilesCommand,
  hugePagePoolCommand,
  mergeSettings,
  type CallContext,
  type QemuSettings,
} from '../../src/qemu';
import { NOT_A_DUT } from '../../src/qemu/guest-config';
import { HUGEPAGE_STATUS_COMMAND } from '../../src/qemu/hugepages';
import { commandLines, dryRunNode, exactly, writes } from '../support/dry-run-node';
import { VERIFIED_HEAD_TESTPMD_IO, VERIFIED_HEAD_VPP_STARTUP } from '../support/verified-head';

const HEAD = mergeSettings({ contract: 'head' });
const BOOT = '/opt/boot/vmlinuz';
const PID = '4343';
const MOUNTS = 'hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\nhugetlbfs /dev/hugepages1G hugetlbfs rw,relatime,pagesize=1024M 0 0\n';
const VPP_BANNER = 'vpp v24.10-release built by root on csit-build at 2026-01-01T00:00:00';
const VPP_KWARGS = { mac1: '52:54:00:00:01:01', mac2: '52:54:00:00:01:02', vif1_mac: '02:fe:00:00:00:01', vif2_mac: '02:fe:00:00:00:02', queues: 1, jumbo: false };

/** What `hugePagePoolCommand` prints for a pool with `free` pages of `nr`, read with HEAD's mount for the size. */
function pool(sizeKb: number, free: number, nr = free): DryRunResponse {
  return exactly(hugePagePoolCommand(sizeKb, sizeKb === 2048 ? '/dev/hugepages' : '/dev/hugepages1G'), {
    stdout: `free_hugepages:${free}\nnr_hugepages:${nr}\nnr_overcommit_hugepages:0\nresv_hugepages:0\nsurplus_hugepages:0\n@@qemu-utils-remote mounts\n${MOUNTS}`,
  });
}

/** A node that lists one kernel/initrd pair, runs QEMU 8.2.2 and prints `serial` into the serial log. */
function bootableNode(hugepages: DryRunResponse, serial: string): ReturnType<typeof dryRunNode> {
  return dryRunNode([
    exactly(bootFilesCommand(BOOT), { stdout: 'kernel /opt/boot/vmlinuz-6.8.0-90-generic\ninitrd /opt/boot/initrd.img-6.8.0-90-generic\n' }),
    { match: 'qemu-system-x86_64 --version', stdout: 'QEMU emulator version 8.2.2\n' },
    hugepages,
    exactly('sudo -S cat /run/qemu_1.pid', { stdout: `${PID}\n` }),
    { match: 'tail -c +1 -F', stdout: serial },
    { match: `pid=${PID}\n`, stdout: `@@qemu-utils-remote killed ${PID}\n` },
    { match: `/proc/${PID}/stat`, stdout: 'qemu-utils-remote: process gone\n' },
  ]);
}

/** Example 1a's VM, composed as HEAD's `_c_default` hook does. */
function headVm(node: ReturnType<typeof dryRunNode>, vnf: string, pageSize = '2M', settings: QemuSettings = HEAD): QemuUtils {
  const vm = new QemuUtils(node, { qemuId: 1, smp: 3, mem: 4096, vnf, img: BOOT, pageSize }, settings);
  vm.addDefaultParams();
  vm.addKernelvmParams();
  for (const socket of ['/run/vpp/sock-1-1', '/run/vpp/sock-1-2']) vm.addVhostUserIf(socket, { queueSize: 1024 });
  return vm;
}

function recording(): { call: CallContext; info: string[] } {
  const info: string[] = [];
  const ignore = (): undefined => undefined;
  return { call: { log: { trace: ignore, debug: ignore, info: (message) => info.push(message), warn: ignore } }, info };
}

const written = (node: ReturnType<typeof dryRunNode>): Record<string, string> => Object.fromEntries(writes(node).map((record) => [record.path, record.content]));

describe('contract=head: Configure Kernelvm Vnf writes HEAD\'s payloads', () => {
  it('vppip4_2vhostvr1024: example 1b, HEAD\'s exec file and init.sh running VPP; kill removes all three', async () => {
    const node = dryRunNode();
    const vm = headVm(node, 'vppip4_2vhostvr1024');
    await vm.configureKernelvmVnf(VPP_KWARGS);
    const files = written(node);
    expect(Object.keys(files)).toEqual(['/etc/vpp/vm_startup_1.conf', '/etc/vpp/vm_running_1.exec', '/etc/vm_init_1.conf']);
    expect(files['/etc/vpp/vm_startup_1.conf']).toBe(VERIFIED_HEAD_VPP_STARTUP);
    // HEAD's neighbour command (0f1b43e), not 2019's `set ip arp static`.
    expect(files['/etc/vpp/vm_running_1.exec']).toContain('set ip neighbor static GigabitEthernet0/6/0 1.1.1.2 02:fe:00:00:00:01\n');
    expect(files['/etc/vpp/vm_running_1.exec']).not.toContain('set ip arp');
    expect(files['/etc/vm_init_1.conf']).toContain('\n/usr/bin/vpp -c /etc/vpp/vm_startup_1.conf\n');
    expect(writes(node).map((record) => record.mode)).toEqual([undefined, undefined, '755']);
    expect(vm.createdFiles()).toEqual(['/etc/vpp/vm_startup_1.conf', '/etc/vpp/vm_running_1.exec', '/etc/vm_init_1.conf']);
  });

  it('testpmd_io: only HEAD\'s init script, holding example 2', async () => {
    const node = dryRunNode();
    await headVm(node, 'testpmd_io').configureKernelvmVnf({ queues: 2, jumbo: false });
    const files = written(node);
    expect(Object.keys(files)).toEqual(['/etc/vm_init_1.conf']);
    expect(files['/etc/vm_init_1.conf']).toContain(`\n${VERIFIED_HEAD_TESTPMD_IO}\n`);
  });

  it('vpp on a node that is not a DUT fails with the original\'s text before anything is written', async () => {
    const node = dryRunNode([], { type: 'TG' });
    await expect(headVm(node, 'vppip4_2vhostvr1024').configureKernelvmVnf(VPP_KWARGS)).rejects.toThrow(NOT_A_DUT);
    expect(commandLines(node).filter((line) => !line.includes('vmlinuz'))).toEqual([]);
    expect(writes(node)).toEqual([]);
  });
});

describe('contract=head: Qemu Start', () => {
  it('a 1G VM: the 1G pool is checked, and the boot is detected by VPP\'s own banner within HEAD\'s 120 s', async () => {
    const node = bootableNode(pool(1048576, 4), `Linux version 6.8\nPress enter to exit\n${VPP_BANNER}\n`);
    const vm = headVm(node, 'vppip4_2vhostvr1024', '1G');
    await vm.configureKernelvmVnf(VPP_KWARGS);
    const { call, info } = recording();
    await vm.qemuStart(call);
    expect(commandLines(node)).toContain(hugePagePoolCommand(1048576, '/dev/hugepages1G'));
    expect(commandLines(node).join('\n')).toContain('hugepages-1048576kB');
    expect(commandLines(node)).not.toContain(HUGEPAGE_STATUS_COMMAND);
    // 'Press enter to exit' came first but is testpmd's: the vpp payload waits for its own marker.
    const booted = info.find((message) => message.includes(' booted on '));
    expect(booted).toMatch(/boot detected by 'vpp v24\.10-release built by' in \/tmp\/serial_1\.log; .*boot_timeout 120 s, kvm; vpp marker, CSIT HEAD's _wait_default/);
    await vm.qemuKill();
  });

  it('a 1G VM fails naming the 1G pool when it is short, and QEMU is not started', async () => {
    const node = bootableNode(pool(1048576, 3), `${VPP_BANNER}\n`);
    const vm = headVm(node, 'vppip4_2vhostvr1024', '1G');
    await expect(vm.qemuStart()).rejects.toThrow(
      /^Not enough available huge pages in the 1G pool \(\/sys\/kernel\/mm\/hugepages\/hugepages-1048576kB\) on \S+: 4096 MB need 4 pages of 1048576 kB, 3 available/,
    );
    expect(commandLines(node).filter((line) => line.includes('qemu-system')).map((line) => line.includes(' -daemonize'))).toEqual([false]);
  });

  it('a 2M VM checks the 2M pool; an explicit boot_timeout overrides HEAD\'s budget', async () => {
    const node = bootableNode(pool(2048, 4096), 'EAL: Detected 3 lcores\nPress enter to exit\n');
    const vm = headVm(node, 'testpmd_io', '2M', mergeSettings({ contract: 'head', bootTimeout: 45 }));
    await vm.configureKernelvmVnf({ queues: 2, jumbo: false });
    const { call, info } = recording();
    await vm.qemuStart(call);
    expect(commandLines(node)).toContain(hugePagePoolCommand(2048, '/dev/hugepages'));
    expect(info.find((message) => message.includes(' booted on '))).toMatch(/boot detected by 'Press enter to exit' in \/tmp\/serial_1\.log; .*boot_timeout 45 s, kvm; testpmd_io marker/);
    await vm.qemuKill();
  });

  it('iperf3 under TCG: HEAD\'s init_iperf3.sh, sshd\'s line boots it, and the budget is at least the TCG one', async () => {
    const node = bootableNode(pool(2048, 4096), 'Press enter to exit\nServer listening on 0.0.0.0 port 22.\n');
    const vm = headVm(node, 'iperf3', '2M', mergeSettings({ contract: 'head', accel: 'tcg' }));
    await vm.configureKernelvmVnf({});
    expect(Object.keys(written(node))).toEqual(['/etc/vm_init_1.conf']);
    expect(written(node)['/etc/vm_init_1.conf']).toContain("CSIT HEAD's iperf3 guest init");
    const { call, info } = recording();
    await vm.qemuStart(call);
    expect(info.find((message) => message.includes(' booted on '))).toMatch(
      /boot detected by 'Server listening on 0\.0\.0\.0 port 22\.' in \/tmp\/serial_1\.log; .*boot_timeout 300 s, tcg; iperf3 marker, CSIT HEAD's _wait_iperf3/,
    );
    await vm.qemuKill();
  });

  it('another VNF\'s marker does not count: testpmd_io\'s wait ignores VPP\'s banner', async () => {
    // The dry-run stream ends after the canned text: without its marker the wait fails saying so.
    const node = bootableNode(pool(2048, 4096), `${VPP_BANNER}\n`);
    const vm = headVm(node, 'testpmd_io');
    await vm.configureKernelvmVnf({ queues: 2, jumbo: false });
    await expect(vm.qemuStart()).rejects.toThrow(/^QEMU: streaming \/tmp\/serial_1\.log from \S+ ended before the VM booted/);
  });
});

describe('SerialLogScanner with HEAD\'s markers', () => {
  it('iperf3 boots on sshd listening only; the failure patterns still end the scan', () => {
    const iperf3 = new SerialLogScanner(HEAD_BOOT_MARKERS.iperf3.success);
    expect(iperf3.push('Press enter to exit\nvpp v1 built by x\nServer listening on 0.0.0.0 ')).toBeUndefined();
    expect(iperf3.push('port 22.\n')).toEqual({ kind: 'booted', marker: 'Server listening on 0.0.0.0 port 22.' });
    const vpp = new SerialLogScanner(HEAD_BOOT_MARKERS.vpp.success);
    expect(vpp.push('Press enter to exit\n')).toBeUndefined();
    expect(vpp.push('Kernel panic - not syncing: VFS\nmore\n')).toMatchObject({ kind: 'failed', reason: 'the guest kernel panicked' });
  });
});
