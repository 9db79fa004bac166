/**
 * QemuManager on dry-run nodes: what it derives (ids, names, sockets, MACs, queues, CPUs), what it writes and
 * runs on each DUT, overlapped starts, failure clean-up, and that killing touches only its own VMs.
 */
import { closeAllTransports, dryRunTransport, parseNode, type DryRunResponse } from '../../src/node';
import { mergeSettings, QemuConfigError, QemuStartError, QemuStateError } from '../../src/qemu';
import { QemuManager, type ConstructVmsArgs } from '../../src/qemu/manager';
import { formatCpuList, nfCpuSlice, parseCpuList } from '../../src/qemu/manager/cpus';
import { exactly, HUGEPAGES_OK } from '../support/dry-run-node';
import { RecordingLog } from '../support/recording-log';

afterAll(() => closeAllTransports());

const QEMU_72: DryRunResponse = { match: '--version', stdout: 'QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n' };
const TG_IF1 = '3c:fd:fe:00:00:01';
const TG_IF2 = '3c:fd:fe:00:00:02';

let counter = 0;
function dut(responses: DryRunResponse[] = []): Record<string, unknown> {
  counter += 1;
  return { host: `mgr-${process.pid}-${counter}`, port: 22, username: 'testuser', type: 'DUT', transport: 'dry-run', dry_run_responses: responses };
}

function transportOf(node: Record<string, unknown>) {
  return dryRunTransport(parseNode(node));
}

function linesOf(node: Record<string, unknown>): string[] {
  return transportOf(node).commandLines();
}

/** Answers that let VM `id` start and boot (pid 5000+id), and report its process gone once killed. */
function bootable(ids: number[], serial = 'Press enter to exit\n'): DryRunResponse[] {
  return [
    QEMU_72,
    ...HUGEPAGES_OK,
    ...ids.flatMap((id) => [
      exactly(`sudo -S cat /var/run/qemu_${id}.pid`, { stdout: `${5000 + id}\n` }),
      { match: `tail -c +1 -F /tmp/serial_${id}.log`, stdout: `Linux version 6.1\n${serial}` },
      exactly(`sudo -S grep -qaF -- /var/run/qemu_${id}.pid /proc/${5000 + id}/cmdline`, { rc: 0 }),
      { match: `/proc/${5000 + id}/stat`, stdout: 'qemu-utils-remote: process gone\n' },
    ]),
  ];
}

const TCG = mergeSettings({ accel: 'tcg', kernelArgs: 'pci=nomsi' });

function args(overrides: Partial<ConstructVmsArgs> = {}): ConstructVmsArgs {
  return {
    nfChains: 1,
    nfNodes: 1,
    jumbo: false,
    perfQemuQsz: 1024,
    autoScale: true,
    vnf: 'testpmd_mac',
    tgIf1Mac: TG_IF1,
    tgIf2Mac: TG_IF2,
    cpuCountInt: 1,
    rxqCountInt: 1,
    ...overrides,
  };
}

describe('CPU placement (CpuUtils.cpu_slice_of_list_for_nf without SMT)', () => {
  it('gives each NF a main-thread CPU shared by two NFs and data-plane CPUs of its own, after the skipped ones', () => {
    const cpuList = parseCpuList('0-15');
    const slices = [1, 2].flatMap((chain) => [1, 2].map((nfNode) => nfCpuSlice({ cpuList, nfChains: 2, nfNodes: 2, nfChain: chain, nfNode, nfDtc: 1, skipCnt: 3 })));
    expect(slices).toEqual([[3, 5], [4, 6], [3, 7], [4, 8]]);
    expect(nfCpuSlice({ cpuList, nfChains: 1, nfNodes: 2, nfChain: 1, nfNode: 2, nfDtc: 2, skipCnt: 4 })).toEqual([4, 7, 8]);
  });

  it('fails when the host has too few CPUs, saying how many are needed', () => {
    expect(() => nfCpuSlice({ cpuList: [0, 1], nfChains: 1, nfNodes: 2, nfChain: 1, nfNode: 1, nfDtc: 1, skipCnt: 3 })).toThrow(
      /Not enough CPU cores available for placement! 2 NF\(s\) with 1 data-plane core\(s\) each need 6 CPUs .* the host offers 2 \(0-1\)/,
    );
    expect(() => nfCpuSlice({ cpuList: [0, 1], nfChains: 1, nfNodes: 1, nfChain: 2, nfNode: 1, nfDtc: 1, skipCnt: 0 })).toThrow(/ChainID is out of range/);
  });

  it('reads and writes Linux CPU lists', () => {
    expect(parseCpuList('0-2,5,8-9\n')).toEqual([0, 1, 2, 5, 8, 9]);
    expect(formatCpuList([0, 1, 2, 5, 8, 9])).toBe('0-2,5,8-9');
    expect(() => parseCpuList('')).toThrow(/CPU list must look like 0-3,6/);
  });
});

describe('Construct VMs On All Nodes', () => {
  it('derives ids, names, sockets, MACs, queues and CPUs for 2 chains x 2 NFs on every DUT, as QemuManager did', async () => {
    const dut1 = dut([QEMU_72]);
    const dut2 = dut([QEMU_72]);
    const manager = new QemuManager({ TG: { type: 'TG', host: 'tg' }, DUT1: dut1, DUT2: dut2 }, TCG);
    const vms = await manager.constructVmsOnAllNodes(args({ nfChains: 2, nfNodes: 2, rxqCountInt: 2, hostCpus: parseCpuList('0-15') }), { log: new RecordingLog() });

    expect(vms.map((vm) => vm.name)).toEqual(['DUT1_1', 'DUT1_2', 'DUT1_3', 'DUT1_4', 'DUT2_1', 'DUT2_2', 'DUT2_3', 'DUT2_4']);
    const dut1Vms = vms.filter((vm) => vm.node === 'DUT1');
    expect(dut1Vms).toEqual([
      { name: 'DUT1_1', node: 'DUT1', host: dut1.host, qemu_id: 1, smp: 2, mem: 4096, vnf: 'testpmd_mac', cpus: ['3', '5'], sockets: ['/var/run/vpp/sock-1-1', '/var/run/vpp/sock-1-2'], mac1: '52:54:00:00:01:01', mac2: '52:54:00:00:01:02', vif1_mac: TG_IF1, vif2_mac: '52:54:00:00:02:01', queues: 2 },
      { name: 'DUT1_2', node: 'DUT1', host: dut1.host, qemu_id: 2, smp: 2, mem: 4096, vnf: 'testpmd_mac', cpus: ['4', '6'], sockets: ['/var/run/vpp/sock-2-1', '/var/run/vpp/sock-2-2'], mac1: '52:54:00:00:02:01', mac2: '52:54:00:00:02:02', vif1_mac: '52:54:00:00:01:02', vif2_mac: TG_IF2, queues: 2 },
      { name: 'DUT1_3', node: 'DUT1', host: dut1.host, qemu_id: 3, smp: 2, mem: 4096, vnf: 'testpmd_mac', cpus: ['3', '7'], sockets: ['/var/run/vpp/sock-3-1', '/var/run/vpp/sock-3-2'], mac1: '52:54:00:00:03:01', mac2: '52:54:00:00:03:02', vif1_mac: TG_IF1, vif2_mac: '52:54:00:00:04:01', queues: 2 },
      { name: 'DUT1_4', node: 'DUT1', host: dut1.host, qemu_id: 4, smp: 2, mem: 4096, vnf: 'testpmd_mac', cpus: ['4', '8'], sockets: ['/var/run/vpp/sock-4-1', '/var/run/vpp/sock-4-2'], mac1: '52:54:00:00:04:01', mac2: '52:54:00:00:04:02', vif1_mac: '52:54:00:00:03:02', vif2_mac: TG_IF2, queues: 2 },
    ]);
    expect(vms.filter((vm) => vm.node === 'DUT2').map((vm) => [vm.name, vm.host, vm.cpus, vm.sockets[0]])).toEqual([
      ['DUT2_1', dut2.host, ['3', '5'], '/var/run/vpp/sock-1-1'],
      ['DUT2_2', dut2.host, ['4', '6'], '/var/run/vpp/sock-2-1'],
      ['DUT2_3', dut2.host, ['3', '7'], '/var/run/vpp/sock-3-1'],
      ['DUT2_4', dut2.host, ['4', '8'], '/var/run/vpp/sock-4-1'],
    ]);

    // Each VM's guest init script (written as root, without a shell) runs testpmd towards its peers.
    const writes = transportOf(dut1).records.filter((record) => record.kind === 'writeFile');
    expect(writes.map((record) => record.kind === 'writeFile' && record.path)).toEqual(['/etc/vm_init_1.conf', '/etc/vm_init_2.conf', '/etc/vm_init_3.conf', '/etc/vm_init_4.conf']);
    const init2 = writes[1].kind === 'writeFile' ? writes[1].content : '';
    expect(init2).toContain('--eth-peer=0,52:54:00:00:01:02 --eth-peer=1,3c:fd:fe:00:00:02');
    expect(init2).toContain('--txq=2 --rxq=2');

    const line = await manager.vms[2].vm.qemuGetCommandLine();
    expect(line).toContain('-name vnf3,debug-threads=on');
    expect(line).toContain('-smp 2,sockets=1,cores=2,threads=1 -object memory-backend-file,id=mem,size=4096M,mem-path=/dev/hugepages,share=on -m 4096M');
    expect(line).toContain('-kernel "$(readlink -m /opt/boot/vmlinuz* | tail -1)"');
    expect(line).toContain(
      '-chardev socket,id=char1,path=/var/run/vpp/sock-3-1,server=on -netdev vhost-user,id=vhost1,chardev=char1,queues=2 ' +
        '-device virtio-net-pci,netdev=vhost1,mac=52:54:00:00:03:01,bus=pci.0,addr=6.0,mq=on,vectors=6,csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,mrg_rxbuf=off,rx_queue_size=1024,tx_queue_size=1024',
    );
    expect(line).toContain('path=/var/run/vpp/sock-3-2,server=on');
  });

  it('takes explicit CPU lists (by order or by name), mem, kernel and socket dir; queues 1 without auto_scale', async () => {
    const dut1 = dut([QEMU_72]);
    const manager = new QemuManager({ DUT1: dut1 }, TCG);
    const byOrder = await manager.constructVmsOnAllNodes(
      args({ nfNodes: 2, vnf: 'testpmd_io', tgIf1Mac: null, tgIf2Mac: null, autoScale: false, rxqCountInt: 4, nfCpus: [[0, 1], ['1', '0-1', 1]], mem: 1024, img: '/opt/boot/vmlinuz-qur', socketDir: '/run/qur/' }),
      { log: new RecordingLog() },
    );
    expect(byOrder.map((vm) => [vm.name, vm.cpus, vm.smp, vm.mem, vm.queues, vm.sockets, vm.vif1_mac, vm.vif2_mac])).toEqual([
      ['DUT1_1', ['0', '1'], 2, 1024, 1, ['/run/qur/sock-1-1', '/run/qur/sock-1-2'], null, '52:54:00:00:02:01'],
      ['DUT1_2', ['1', '0-1', '1'], 3, 1024, 1, ['/run/qur/sock-2-1', '/run/qur/sock-2-2'], '52:54:00:00:01:02', null],
    ]);
    expect(await manager.vms[1].vm.qemuGetCommandLine()).toContain('-kernel "$(readlink -m /opt/boot/vmlinuz-qur* | tail -1)"');

    const byName = await manager.constructVmsOnAllNodes(args({ nfNodes: 2, nfCpus: { DUT1_1: [5, 6], DUT1_2: [7, 8] } }), { log: new RecordingLog() });
    expect(byName.map((vm) => vm.cpus)).toEqual([['5', '6'], ['7', '8']]);

    // first_qemu_id shifts ids, names, sockets and MACs (and the chain's inner peers) together.
    const shifted = await manager.constructVmsOnAllNodes(args({ nfNodes: 2, firstQemuId: 41, nfCpus: { DUT1_41: [1, 2], DUT1_42: [3, 4] } }), { log: new RecordingLog() });
    expect(shifted.map((vm) => [vm.name, vm.qemu_id, vm.sockets[1], vm.mac1, vm.vif1_mac, vm.vif2_mac])).toEqual([
      ['DUT1_41', 41, '/var/run/vpp/sock-41-2', '52:54:00:00:29:01', TG_IF1, '52:54:00:00:2a:01'],
      ['DUT1_42', 42, '/var/run/vpp/sock-42-2', '52:54:00:00:2a:01', '52:54:00:00:29:02', TG_IF2],
    ]);
    const shiftedByOrder = await manager.constructVmsOnAllNodes(args({ nfNodes: 2, firstQemuId: 41, nfCpus: [[1, 2], [3]] }), { log: new RecordingLog() });
    expect(shiftedByOrder.map((vm) => [vm.name, vm.cpus])).toEqual([['DUT1_41', ['1', '2']], ['DUT1_42', ['3']]]);
    await expect(manager.constructVmsOnAllNodes(args({ nfNodes: 2, firstQemuId: 255, nfCpus: [[1], [1]] }), { log: new RecordingLog() })).rejects.toThrow(/the last id may be at most 255/);
    await expect(manager.constructVmsOnAllNodes(args({ nfNodes: 2, nfCpus: { DUT1_1: [5, 6] } }), { log: new RecordingLog() })).rejects.toThrow(/nf_cpus has no CPU list for VM DUT1_2/);
    await expect(manager.constructVmsOnAllNodes(args({ nfNodes: 2, nfCpus: [[1]] }), { log: new RecordingLog() })).rejects.toThrow(/nf_cpus has 1 CPU list\(s\), but each DUT gets 2 VM\(s\)/);
    await expect(manager.constructVmsOnAllNodes(args({ nfCpus: [['two']] }), { log: new RecordingLog() })).rejects.toThrow(/nf_cpus for DUT1_1, entry 0 must be a CPU number or list like 2 or 2-3, got "two"/);
  });

  it("derives CPUs from the node's online CPUs and fails with the count needed when they are too few", async () => {
    const roomy = dut([QEMU_72, exactly('cat /sys/devices/system/cpu/online', { stdout: '0-7\n' })]);
    const vms = await new QemuManager({ DUT1: roomy }, TCG).constructVmsOnAllNodes(args({ nfNodes: 2 }), { log: new RecordingLog() });
    expect(vms.map((vm) => vm.cpus)).toEqual([['3', '4'], ['3', '5']]);

    const small = dut([QEMU_72, exactly('cat /sys/devices/system/cpu/online', { stdout: '0-1\n' })]);
    await expect(new QemuManager({ DUT1: small }, TCG).constructVmsOnAllNodes(args({ nfNodes: 2 }), { log: new RecordingLog() })).rejects.toThrow(
      /Not enough CPU cores available for placement! .* need 6 CPUs .* the host offers 2 \(0-1\)\. Give nf_cpus=/,
    );
    const silent = dut([QEMU_72]);
    await expect(new QemuManager({ DUT1: silent }, TCG).constructVmsOnAllNodes(args(), { log: new RecordingLog() })).rejects.toThrow(
      /cannot read the online CPUs of DUT1 .*Give nf_cpus=\.\.\. or host_cpus=\.\.\./,
    );
  });

  it('refuses a topology without DUTs, missing TG MACs for VNFs that need them, and bad MACs', async () => {
    expect(() => new QemuManager({ TG: { type: 'TG', host: 'tg' } }, TCG)).toThrow(/no node with type DUT in nodes \(keys: TG\)/);
    const manager = new QemuManager({ DUT1: dut() }, TCG);
    await expect(manager.constructVmsOnAllNodes(args({ tgIf2Mac: null, nfCpus: [[0, 1]] }), { log: new RecordingLog() })).rejects.toThrow(
      /vnf=testpmd_mac needs tg_if2_mac=\.\.\. \(the MAC the last NF of each chain sends to/,
    );
    await expect(manager.constructVmsOnAllNodes(args({ tgIf1Mac: 'tg-mac', nfCpus: [[0, 1]] }), { log: new RecordingLog() })).rejects.toThrow(QemuConfigError);
  });

  it('ends the VMs constructed before, and removes what a failed construction wrote', async () => {
    const dut1 = dut([QEMU_72]);
    const manager = new QemuManager({ DUT1: dut1 }, TCG);
    await manager.constructVmsOnAllNodes(args({ nfCpus: [[0, 1]] }), { log: new RecordingLog() });
    transportOf(dut1).clearRecords();
    await manager.constructVmsOnAllNodes(args({ nfNodes: 2, nfCpus: [[0, 1], [0]] }), { log: new RecordingLog() });
    const lines = linesOf(dut1);
    // QemuUtils removes its files in one cleanup command with a line `rm -f -- <files>`.
    const removal = lines.findIndex((line) => /\nrm -f -- \/etc\/vm_init_1\.conf(\n|'$)/.test(line));
    expect(removal).toBeGreaterThanOrEqual(0);
    expect(removal).toBeLessThan(lines.indexOf('sudo -S rm -f /etc/vm_init_1.conf'));

    // A DUT whose dict is unusable fails the construction after DUT1's VM was written: that is removed again.
    const broken = new QemuManager({ DUT1: dut1, DUT2: { type: 'DUT', host: 'dut2', port: 'twenty-two', transport: 'dry-run' } }, TCG);
    transportOf(dut1).clearRecords();
    await expect(broken.constructVmsOnAllNodes(args({ nfCpus: [[0, 1]] }), { log: new RecordingLog() })).rejects.toThrow(/'port' must be an integer/);
    expect(broken.vms).toHaveLength(0);
    expect(linesOf(dut1)).toEqual(['sudo -S rm -f /etc/vm_init_1.conf', expect.stringMatching(/^sudo -S sh -c .*\nrm -f -- \/etc\/vm_init_1\.conf(\n|'$)/s)]);
  });
});

describe('Start All VMs, Set Scheduler All VMs, Kill All VMs', () => {
  it('starts every VM before any boot wait ends, pins each after its boot, returns VM dicts by name', async () => {
    const dut1 = dut([
      ...bootable([1, 2]),
      { match: '/proc/5001/task/*/comm', stdout: '/proc/5001/task/6011/comm:CPU 0/TCG\n/proc/5001/task/6012/comm:CPU 1/TCG\n' },
      { match: '/proc/5002/task/*/comm', stdout: '/proc/5002/task/6021/comm:CPU 0/TCG\n/proc/5002/task/6022/comm:CPU 1/TCG\n' },
    ]);
    const manager = new QemuManager({ DUT1: dut1 }, TCG);
    await manager.constructVmsOnAllNodes(args({ nfNodes: 2, vnf: 'testpmd_io', nfCpus: [[0, 1], [1, 0]], mem: 1024 }), { log: new RecordingLog() });
    transportOf(dut1).clearRecords();
    const log = new RecordingLog();
    const vms = await manager.startAllVms({ pinning: true }, { log });

    expect(Object.keys(vms)).toEqual(['DUT1_1', 'DUT1_2']);
    expect(vms.DUT1_2.interfaces).toEqual({
      vhost1: { mac_address: '52:54:00:00:02:01', socket: '/var/run/vpp/sock-2-1' },
      vhost2: { mac_address: '52:54:00:00:02:02', socket: '/var/run/vpp/sock-2-2' },
    });
    const lines = linesOf(dut1);
    expect(lines[0]).toBe('sudo -S mkdir -p /var/run/vpp');
    const startOf = (id: number) => lines.findIndex((line) => line.includes(`-daemonize`) && line.includes(`-pidfile /var/run/qemu_${id}.pid`));
    const bootWaitOf = (id: number) => lines.findIndex((line) => line.includes(`tail -c +1 -F /tmp/serial_${id}.log`));
    // Overlapped: the second VM is started before the first one's boot wait is even set up.
    expect(startOf(2)).toBeGreaterThan(0);
    expect(startOf(2)).toBeLessThan(bootWaitOf(1));
    expect(lines.filter((line) => line.includes('taskset'))).toEqual(expect.arrayContaining(['sudo -S taskset -pc 0 6011', 'sudo -S taskset -pc 1 6012', 'sudo -S taskset -pc 1 6021', 'sudo -S taskset -pc 0 6022']));
    expect(log.lines.some((line) => /^INFO \[DUT1_2\] booted in \d+\.\d s$/.test(line))).toBe(true);
    expect(log.lines).toContainEqual(expect.stringMatching(/^INFO All 2 VM\(s\) booted in \d+\.\d s \(boot waits overlapped/));

    await expect(manager.startAllVms({}, { log })).rejects.toThrow(QemuStateError);

    transportOf(dut1).clearRecords();
    await manager.setSchedulerAllVms({ log });
    expect(linesOf(dut1).filter((line) => line.includes('chrt')).sort()).toEqual(['sudo -S chrt -r -p 1 6011', 'sudo -S chrt -r -p 1 6012', 'sudo -S chrt -r -p 1 6021', 'sudo -S chrt -r -p 1 6022']);

    transportOf(dut1).clearRecords();
    await manager.killAllVms({ force: true }, { log });
    const killLines = linesOf(dut1);
    // QemuUtils' own kill: one command that kills the pid it read (if the process is that VM) and removes its files.
    const ownKill = (pid: number) => expect.stringMatching(new RegExp(`^sudo -S sh -c 'pf=/var/run/qemu_${pid - 5000}\\.pid\\npid=${pid}\\n.*kill -KILL "\\$pid"`, 's'));
    expect(killLines).toEqual(expect.arrayContaining([ownKill(5001), ownKill(5002)]));
    expect(killLines).toEqual(
      expect.arrayContaining([
        "sudo -S pkill -SIGKILL -f -- '[q]emu-system-[^ ]* .*-pidfile /var/run/qemu_1\\.pid( |$)'",
        "sudo -S pkill -SIGKILL -f -- '[q]emu-system-[^ ]* .*-pidfile /var/run/qemu_2\\.pid( |$)'",
        expect.stringMatching(/\nrm -f -- \/etc\/vm_init_1\.conf \/var\/run\/qemu_1\.pid \/var\/run\/qmp_1\.sock \/tmp\/serial_1\.log \/var\/run\/vpp\/sock-1-1 \/var\/run\/vpp\/sock-1-2 \/var\/run\/qemu_1\.owner'$/),
      ]),
    );
    expect(killLines).not.toContain('sudo -S pkill -SIGKILL qemu');
    expect(manager.vms.every((machine) => !machine.vm.running)).toBe(true);
  });

  it('when one VM fails to boot, kills the others and fails naming each outcome', async () => {
    const dut1 = dut([{ match: 'tail -c +1 -F /tmp/serial_2.log', stdout: 'EAL: Error\nreboot: Power down\n' }, ...bootable([1, 2])]);
    const manager = new QemuManager({ DUT1: dut1 }, TCG);
    await manager.constructVmsOnAllNodes(args({ nfNodes: 2, vnf: 'testpmd_io', nfCpus: [[0, 1], [0, 1]] }), { log: new RecordingLog() });
    transportOf(dut1).clearRecords();
    const failure = manager.startAllVms({}, { log: new RecordingLog() });
    await expect(failure).rejects.toThrow(QemuStartError);
    await expect(failure).rejects.toThrow(
      /^Start All VMs: DUT1_2 failed; none of this manager's VMs is left running\.\nDUT1_1: booted, killed because DUT1_2 failed\nDUT1_2: QEMU: NF failed to run on .*the guest powered down/,
    );
    const lines = linesOf(dut1);
    expect(lines.some((line) => line.includes('pid=5001\n') && line.includes('kill -KILL'))).toBe(true);
    expect(lines.some((line) => line.includes('pid=5002\n') && line.includes('kill -KILL'))).toBe(true);
    expect(manager.vms.every((machine) => !machine.vm.running)).toBe(true);
  });

  it('refuses to start or schedule before construction; Kill All VMs and close of an empty manager do nothing', async () => {
    const dut1 = dut();
    const manager = new QemuManager({ DUT1: dut1 }, TCG);
    await expect(manager.startAllVms({}, { log: new RecordingLog() })).rejects.toThrow(/Start All VMs: this manager has no VMs; run Construct VMs On All Nodes first/);
    await expect(manager.setSchedulerAllVms({ log: new RecordingLog() })).rejects.toThrow(QemuStateError);
    await manager.killAllVms({}, { log: new RecordingLog() });
    await manager.close({ log: new RecordingLog() });
    expect(linesOf(dut1)).toEqual([]);
  });

  it('diagnostics show each VM: process, files, command line and serial log tail', async () => {
    const dut1 = dut([QEMU_72, exactly('sudo -S tail -n 5 /tmp/serial_1.log', { stdout: 'EAL: probe\nPress enter to exit\n' })]);
    const manager = new QemuManager({ DUT1: dut1 }, TCG);
    expect(await manager.diagnostics(5, { log: new RecordingLog() })).toBe('VM manager: no VMs constructed');
    await manager.constructVmsOnAllNodes(args({ vnf: 'testpmd_io', nfCpus: [[0, 1]] }), { log: new RecordingLog() });
    const report = await manager.diagnostics(5, { log: new RecordingLog() });
    expect(report).toMatch(/^== DUT1_1: VM 1 \(kernelvm\) on mgr-.*, not running by this instance\n/);
    expect(report).toContain('files: pidfile=/var/run/qemu_1.pid qmp=/var/run/qmp_1.sock log=/tmp/serial_1.log ini=/etc/vm_init_1.conf vhost1=/var/run/vpp/sock-1-1 vhost2=/var/run/vpp/sock-1-2');
    expect(report).toContain('process: no pid file /var/run/qemu_1.pid');
    expect(report).toContain('command line: sudo -S /usr/bin/qemu-system-x86_64 -daemonize');
    expect(report).toContain('serial log /tmp/serial_1.log, last 5 lines:\nEAL: probe\nPress enter to exit');
  });
});
