/**
 * Past HEAD: `vnf=custom` (payloads/custom.ts) under contract=head on dry-run DUTs: the caller's command, files,
 * init template and boot marker (text or regex); every refusal before anything is written; the payload
 * generation chosen by `payload_generation`.
 */
import type { DryRunResponse } from '../../../src/node';
import { QemuUtils, bootFilesCommand, hugePagePoolCommand, mergeSettings, type CallContext, type QemuSettings } from '../../../src/qemu';
import { dryRunNode, exactly, writes } from '../../support/dry-run-node';

const BOOT = '/opt/boot/vmlinuz';
const PID = '4545';
const HEAD = mergeSettings({ contract: 'head' });
/** docs/robot-suites.md's example: DPDK's l3fwd on the two vhost-user NICs, its routes in a file of its own. */
const L3FWD_BIN = '/usr/bin/dpdk-l3fwd --lcores 0,1,2 -a 0000:00:06.0 -a 0000:00:07.0 --in-memory -- -p 0x3 --config (0,0,1),(1,0,2) --rule_ipv4 /etc/l3fwd/route_1.cfg --rule_ipv6 /etc/l3fwd/route6_1.cfg --parse-ptype';
const L3FWD = {
  vnf_bin: L3FWD_BIN,
  boot_marker_regex: 'L3FWD: entering main loop on lcore \\d+',
  vnf_files: { '/etc/l3fwd/route_1.cfg': 'R 10.0.0.0/8 0\nR 20.0.0.0/8 1\n', '/etc/l3fwd/route6_1.cfg': 'R 2001:1::/64 0\n' },
};

function node(serial = ''): ReturnType<typeof dryRunNode> {
  const responses: DryRunResponse[] = [
    exactly(bootFilesCommand(BOOT), { stdout: 'kernel /opt/boot/vmlinuz-6.8.0-90-generic\ninitrd /opt/boot/initrd.img-6.8.0-90-generic\n' }),
    { match: 'qemu-system-x86_64 --version', stdout: 'QEMU emulator version 8.2.2\n' },
    exactly(hugePagePoolCommand(2048, '/dev/hugepages'), { stdout: 'free_hugepages:4096\nnr_hugepages:4096\nnr_overcommit_hugepages:0\nresv_hugepages:0\nsurplus_hugepages:0\n@@qemu-utils-remote mounts\nhugetlbfs /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n' }),
    exactly('sudo -S cat /run/qemu_1.pid', { stdout: `${PID}\n` }),
    { match: 'tail -c +1 -F', stdout: serial },
    { match: `pid=${PID}\n`, stdout: `@@qemu-utils-remote killed ${PID}\n` },
    { match: `/proc/${PID}/stat`, stdout: 'qemu-utils-remote: process gone\n' },
  ];
  return dryRunNode(responses);
}

function customVm(dut: ReturnType<typeof dryRunNode>, vnf = 'custom_l3fwd', settings: QemuSettings = HEAD): QemuUtils {
  const vm = new QemuUtils(dut, { qemuId: 1, smp: 3, mem: 4096, vnf, img: BOOT, pageSize: '2M' }, settings);
  vm.addDefaultParams();
  vm.addKernelvmParams();
  for (const socket of ['/run/vpp/sock-1-1', '/run/vpp/sock-1-2']) vm.addVhostUserIf(socket, { queueSize: 1024 });
  return vm;
}

const written = (dut: ReturnType<typeof dryRunNode>): Record<string, string> => Object.fromEntries(writes(dut).map((record) => [record.path, record.content]));

describe('vnf=custom: the caller\'s VNF', () => {
  it('l3fwd: its files (directory made), HEAD\'s init.sh running its command; its regex boots it, not testpmd\'s marker', async () => {
    const dut = node('Linux version 6.8\nPress enter to exit\nL3FWD: entering main loop on lcore 2\n');
    const vm = customVm(dut);
    await vm.configureKernelvmVnf(L3FWD);
    const files = written(dut);
    expect(Object.keys(files)).toEqual(['/etc/l3fwd/route_1.cfg', '/etc/l3fwd/route6_1.cfg', '/etc/vm_init_1.conf']);
    expect(files['/etc/l3fwd/route_1.cfg']).toBe(L3FWD.vnf_files['/etc/l3fwd/route_1.cfg']);
    expect(files['/etc/vm_init_1.conf']).toContain(`\n${L3FWD_BIN}\n`);
    expect(files['/etc/vm_init_1.conf']).toContain('/dev/shm');
    expect(vm.createdFiles()).toEqual(expect.arrayContaining(['/etc/l3fwd/route_1.cfg', '/etc/l3fwd/route6_1.cfg', '/etc/vm_init_1.conf']));
    const info: string[] = [];
    const ignore = (): undefined => undefined;
    const call: CallContext = { log: { trace: ignore, debug: ignore, info: (message) => info.push(message), warn: ignore } };
    await vm.qemuStart(call);
    expect(info.find((message) => message.includes(' booted on '))).toMatch(/boot detected by 'L3FWD: entering main loop on lcore 2' in \/tmp\/serial_1\.log; .*boot_timeout 120 s/);
    await vm.qemuKill();
  });

  it('a text marker (matched literally) and a budget of its own', async () => {
    const dut = node('Linux version 6.8\nmy-nf (ready)\n');
    const vm = customVm(dut, 'custom');
    await vm.configureKernelvmVnf({ vnf_bin: 'my-nf --port 0', boot_marker: 'my-nf (ready)', boot_timeout: 30 });
    expect(written(dut)['/etc/vm_init_1.conf']).toContain('\nmy-nf --port 0\n');
    const info: string[] = [];
    const ignore = (): undefined => undefined;
    await vm.qemuStart({ log: { trace: ignore, debug: ignore, info: (message) => info.push(message), warn: ignore } });
    expect(info.find((message) => message.includes(' booted on '))).toMatch(/boot detected by 'my-nf \(ready\)' .*boot_timeout 30 s/);
    await vm.qemuKill();
  });

  it.each([
    [{ boot_marker: 'x' }, /needs vnf_bin=/],
    [{ vnf_bin: 'nf' }, /needs exactly one of boot_marker=<text> and boot_marker_regex=/],
    [{ vnf_bin: 'nf', boot_marker: 'x', boot_marker_regex: 'y' }, /needs exactly one of/],
    [{ vnf_bin: 'nf', boot_marker_regex: '(' }, /boot_marker_regex "\(" is not a regular expression/],
    [{ vnf_bin: 'nf', boot_marker: 'x', vnf_files: { '/etc/../root/x': 'y' } }, /vnf_files path "\/etc\/\.\.\/root\/x" must be absolute/],
    [{ vnf_bin: 'nf', boot_marker: 'x', vnf_files: { 'relative.cfg': 'y' } }, /must be absolute/],
    [{ vnf_bin: 'nf', boot_marker: 'x', vnf_files: ['a'] }, /vnf_files must be a dictionary/],
    [{ vnf_bin: 'nf', boot_marker: 'x', init_template: 'init_nosuch.sh' }, /no init template "init_nosuch\.sh" in .*\(generation head\); available: init\.sh, init_iperf3\.sh/],
    [{ vnf_bin: 'nf', boot_marker: 'x', init_template: 'init_iperf3.sh' }, /template init_iperf3\.sh needs ip_address_l=\.\.\., ip_route_r=\.\.\., ip_address_r=\.\.\./],
    [{ vnf_bin: 'nf\nreboot', boot_marker: 'x' }, /vnf_bin must be a single line/],
  ])('refuses %j before anything is written', async (kwargs, message) => {
    const dut = node();
    await expect(customVm(dut).configureKernelvmVnf(kwargs)).rejects.toThrow(message);
    expect(writes(dut)).toEqual([]);
  });
});

describe('payload_generation: payload versions as data', () => {
  it('2019 takes the directory\'s own init.sh; a generation that is not there fails listing those that are', async () => {
    const dut = node();
    await customVm(dut, 'custom', mergeSettings({ contract: 'head', payloadGeneration: '2019' })).configureKernelvmVnf({ vnf_bin: 'nf', boot_marker: 'x' });
    expect(written(dut)['/etc/vm_init_1.conf']).toContain('uio_pci_generic');
    const other = node();
    await expect(customVm(other, 'custom', mergeSettings({ contract: 'head', payloadGeneration: 'vpp2030' })).configureKernelvmVnf({ vnf_bin: 'nf', boot_marker: 'x' })).rejects.toThrow(
      /no template generation "vpp2030" in .*templates\/vm; available: 2019, head$/,
    );
    expect(writes(other)).toEqual([]);
  });
});
