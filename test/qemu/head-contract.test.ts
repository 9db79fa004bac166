/**
 * `contract=head`: CSIT HEAD's QemuUtils composition on dry-run nodes, against csit-head.md §4's verified
 * example 1a and §8's VM dict; 2019's behaviour under the default contract is the other test files'.
 */
import { QemuConfigError, QemuUtils, bootFilesCommand, compareVersions, hugePagePoolCommand, mergeSettings, pairBootFiles } from '../../src/qemu';
import { commandLines, dryRunNode, exactly } from '../support/dry-run-node';
import { VERIFIED_HEAD_1A } from '../support/verified';

const HEAD = mergeSettings({ contract: 'head' });
const BOOT = '/opt/boot/vmlinuz';

/** What the node prints for the kernel/initrd listing. */
function bootListing(kernels: string[], initrds: string[]): string {
  return [...kernels.map((path) => `kernel ${path}`), ...initrds.map((path) => `initrd ${path}`)].join('\n') + '\n';
}

function headNode(kernels = ['/opt/boot/vmlinuz-6.8.0-90-generic'], initrds = ['/opt/boot/initrd.img-6.8.0-90-generic']) {
  return dryRunNode([exactly(bootFilesCommand(BOOT), { stdout: bootListing(kernels, initrds) })]);
}

/** Example 1a's composition, as HEAD's `_c_default` hook calls it. */
function example1a(node = headNode(), pageSize = '2M'): QemuUtils {
  const vm = new QemuUtils(node, { qemuId: 1, smp: 3, mem: 4096, vnf: 'vppip4_2vhostvr1024', img: BOOT, pageSize }, HEAD);
  vm.addDefaultParams();
  vm.addKernelvmParams();
  for (const socket of ['/run/vpp/sock-1-1', '/run/vpp/sock-1-2']) vm.addVhostUserIf(socket, { jumbo: false, queues: 1, queueSize: 1024, virtioFeatureMask: 0 });
  return vm;
}

describe('contract=head: the QEMU command line', () => {
  it('composes verified example 1a character for character, and Qemu Start sends exactly it', async () => {
    const node = headNode();
    const vm = example1a(node);
    expect(await vm.qemuGetCommandLine()).toBe(VERIFIED_HEAD_1A);
    // One listing for both files, without sudo (as HEAD's ls), read once per instance.
    await vm.qemuGetCommandLine();
    expect(commandLines(node).filter((line) => line.includes('vmlinuz'))).toEqual([bootFilesCommand(BOOT)]);
  });

  it('adds nothing at Qemu Init: only what the caller added reaches the line', async () => {
    const vm = new QemuUtils(headNode(), { img: BOOT }, HEAD);
    expect(await vm.qemuGetCommandLine()).toBe('/usr/bin/qemu-system-x86_64');
    await expect(vm.qemuStart()).rejects.toThrow(/^QEMU: VM 1 has no parameters to start with: under contract=head call Add Default Params/);
    vm.addNetUser();
    expect(await vm.qemuGetCommandLine()).toBe(
      '/usr/bin/qemu-system-x86_64 -netdev user,id=mgmt,net=10.0.2.0/24,hostfwd=tcp::10022-:22 -device virtio-net,netdev=mgmt',
    );
    expect(() => vm.addNetUser('10.0.3.0/24')).toThrow(/already has its management NIC/);
  });

  it('page_size 1G: /dev/hugepages1G and hugepages=3 hugepagesz=1G; 2M or HEAD\'s empty default: /dev/hugepages, 512 of 2M', async () => {
    const line1g = await example1a(headNode(), '1G').qemuGetCommandLine();
    expect(line1g).toContain('-object memory-backend-file,id=mem,size=4096M,mem-path=/dev/hugepages1G,share=on');
    expect(line1g).toContain(' tsc=reliable hugepages=3 hugepagesz=1G init=');
    const lineDefault = await example1a(headNode(), '').qemuGetCommandLine();
    expect(lineDefault).toBe(VERIFIED_HEAD_1A);
    expect(() => new QemuUtils(headNode(), { img: BOOT, pageSize: '4K' }, HEAD)).toThrow(/^QEMU: page_size must be one of "", 2M, 1G, got "4K"$/);
    expect(() => new QemuUtils(headNode(), { img: BOOT, pageSize: '1G' })).toThrow(/page_size is CSIT HEAD's argument: give contract=head/);
  });

  it('virtio_feature_mask: bit 0 turns csum on, bit 6 gso and guest_tso4/6/ecn; None is 0; bad masks add nothing', async () => {
    const device = async (mask: number | null): Promise<string> => {
      const vm = new QemuUtils(headNode(), { qemuId: 2, img: BOOT }, HEAD);
      vm.addVhostUserIf('/run/vpp/sock-2-1', { virtioFeatureMask: mask, queues: 2 });
      return (await vm.qemuGetCommandLine()).split(' -device ')[1];
    };
    const flags = (csum: string, gso: string): string => `csum=${csum},gso=${gso},guest_tso4=${gso},guest_tso6=${gso},guest_ecn=${gso}`;
    expect(await device(null)).toBe(`virtio-net-pci,netdev=vhost1,mac=52:54:00:00:02:01,addr=6.0,mq=on,vectors=6,${flags('off', 'off')}`);
    expect(await device(1)).toContain(flags('on', 'off'));
    expect(await device(64)).toContain(flags('off', 'on'));
    expect(await device(65)).toContain(flags('on', 'on'));
    // Other bits (GUEST_CSUM 1, GUEST_TSO4 7, MRG_RXBUF 15, one above 32 bits) are not QEMU's to set.
    expect(await device(2 + 128 + 32768 + 2 ** 33)).toContain(flags('off', 'off'));
    const vm = new QemuUtils(headNode(), { img: BOOT }, HEAD);
    expect(() => vm.addVhostUserIf('/run/x', { virtioFeatureMask: -1 })).toThrow(/^QEMU: virtio_feature_mask \(or None\) must be an integer >= 0, got -1$/);
    expect(await vm.qemuGetCommandLine()).toBe('/usr/bin/qemu-system-x86_64');
  });

  it('aarch64: virt machine with GICv3 and the PL011 console, as HEAD', async () => {
    const vm = new QemuUtils(dryRunNode([exactly(bootFilesCommand(BOOT), { stdout: bootListing(['/opt/boot/vmlinuz-6.8.0-90-generic'], ['/opt/boot/initrd.img-6.8.0-90-generic']) })], { arch: 'aarch64' }), { img: BOOT }, HEAD);
    vm.addDefaultParams();
    vm.addKernelvmParams();
    const line = await vm.qemuGetCommandLine();
    expect(line).toMatch(/^\/usr\/bin\/qemu-system-aarch64 .* -machine virt,accel=kvm,usb=off,mem-merge=off,gic-version=3 /);
    expect(line).toContain(' console=ttyAMA0 tsc=reliable ');
  });

  it('server=False connects as client; jumbo only logs, as HEAD', async () => {
    const debug: string[] = [];
    const vm = new QemuUtils(headNode(), { img: BOOT }, HEAD);
    vm.addVhostUserIf('/run/vpp/sock-1-1', { server: false, jumbo: true }, { log: { trace: () => undefined, debug: (m) => debug.push(m), info: () => undefined, warn: () => undefined } });
    const line = await vm.qemuGetCommandLine();
    expect(line).toContain('-chardev socket,id=char1,path=/run/vpp/sock-1-1 -netdev');
    expect(line).not.toMatch(/mrg_rxbuf|host_mtu|,$/);
    expect(debug).toEqual(['Jumbo frames temporarily disabled!']);
  });

  it('vfio-pci NICs share the NIC counter with vhost-user: slots, MACs and vhost names follow one count', async () => {
    const vm = new QemuUtils(headNode(), { qemuId: 3, img: BOOT }, HEAD);
    vm.addVfioPciIf('0000:86:00.1');
    vm.addVhostUserIf('/run/vpp/sock-3-1');
    vm.addVfioPciIf('86:00.0');
    const line = await vm.qemuGetCommandLine();
    expect(line).toContain('-device vfio-pci,host=0000:86:00.1,addr=6.0 -chardev socket,id=char2,path=/run/vpp/sock-3-1,server=on');
    expect(line).toContain('-device virtio-net-pci,netdev=vhost2,mac=52:54:00:00:03:02,addr=7.0,');
    expect(line).toMatch(/-device vfio-pci,host=86:00\.0,addr=8\.0$/);
    expect(() => vm.addVfioPciIf(null as unknown as string)).toThrow(/^QEMU: pci must be a PCI address like 0000:86:00\.0 \(bound to vfio-pci on the host\), got None$/);
    expect(() => vm.addVfioPciIf('86:00.0,x-foo=on')).toThrow(QemuConfigError);
    // Slots are hex, as QEMU reads them: NIC 5 is slot 0x0a, not HEAD's decimal `10.0` (slot 0x10).
    vm.addVhostUserIf('/run/vpp/sock-3-2');
    vm.addVhostUserIf('/run/vpp/sock-3-3');
    expect(await vm.qemuGetCommandLine()).toContain('netdev=vhost5,mac=52:54:00:00:03:05,addr=a.0,');
  });
});

describe('contract=head: kernel and initrd as a pair', () => {
  it('takes the newest kernel (version order) that has an initrd of its version', async () => {
    const kernels = ['/opt/boot/vmlinuz-6.8.0-100-generic', '/opt/boot/vmlinuz-6.8.0-90-generic', '/opt/boot/vmlinuz-6.8.0-101-generic'];
    const initrds = ['/opt/boot/initrd.img-6.8.0-100-generic', '/opt/boot/initrd.img-6.8.0-90-generic'];
    const warnings: string[] = [];
    const vm = example1a(headNode(kernels, initrds));
    const line = await vm.qemuGetCommandLine({ log: { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: (m) => warnings.push(m) } });
    expect(line).toContain('-kernel /opt/boot/vmlinuz-6.8.0-100-generic -initrd /opt/boot/initrd.img-6.8.0-100-generic -append');
    // HEAD's `ls | tail -1` of each: -90- kernel (lexicographic) with the -90- initrd; said, since the choice differs.
    expect(warnings.filter((m) => m.startsWith('CSIT HEAD'))).toEqual([expect.stringContaining('CSIT HEAD would have booted /opt/boot/vmlinuz-6.8.0-90-generic with /opt/boot/initrd.img-6.8.0-90-generic')]);
  });

  it('fails naming every kernel and initrd when no pair matches, and the glob when one kind is missing', async () => {
    await expect(example1a(headNode(['/opt/boot/vmlinuz-6.8.0-47-generic'], ['/opt/boot/initrd.img-6.8.0-46-generic'])).qemuGetCommandLine()).rejects.toThrow(
      /^QEMU: no kernel and initrd of the same version on dut-\S+: kernels \/opt\/boot\/vmlinuz-6\.8\.0-47-generic \(\/opt\/boot\/vmlinuz\*\); initrds \/opt\/boot\/initrd\.img-6\.8\.0-46-generic \(\/opt\/boot\/initrd\.img\*\)/,
    );
    await expect(example1a(headNode([], ['/opt/boot/initrd.img-1'])).qemuGetCommandLine()).rejects.toThrow(/^QEMU: Qemu Kernel VM image not found! No file matches \/opt\/boot\/vmlinuz\*/);
    await expect(example1a(headNode(['/opt/boot/vmlinuz-1'], [])).qemuGetCommandLine()).rejects.toThrow(/^QEMU: Qemu Kernel initrd image not found! No file matches \/opt\/boot\/initrd\.img\*/);
  });

  it('quotes the image prefix in the listing and pairs unversioned names', () => {
    expect(bootFilesCommand("/opt/my boot/vmlinuz")).toContain("for f in '/opt/my boot/vmlinuz'*; do");
    expect(bootFilesCommand("/opt/my boot/vmlinuz")).toContain("for f in '/opt/my boot/initrd.img'*; do");
    expect(pairBootFiles(bootListing(['/b/vmlinuz', '/b/vmlinuz-2'], ['/b/initrd.img']), '/b/vmlinuz', 'h')).toMatchObject({ kernel: '/b/vmlinuz', initrd: '/b/initrd.img' });
    expect([compareVersions('-6.8.0-100-generic', '-6.8.0-90-generic') > 0, compareVersions('-6.8', '-6.8.0') < 0, compareVersions('a', 'a')]).toEqual([true, true, 0]);
  });
});

describe('contract=head: who the VM is', () => {
  it('VM dict and files as HEAD: testuser/Csit1234, /run pid file, interfaces from Add Vhost User If', async () => {
    const vm = example1a(headNode());
    expect(vm.tempFiles()).toMatchObject({ pidfile: '/run/qemu_1.pid', log: '/tmp/serial_1.log', ini: '/etc/vm_init_1.conf', vhost1: '/run/vpp/sock-1-1', vhost2: '/run/vpp/sock-1-2' });
    const nested = new QemuUtils(headNode(), { qemuId: 4 }, HEAD);
    expect([nested.vmType, nested.tempFiles()]).toEqual(['nestedvm', { pidfile: '/run/qemu_4.pid', qmp: '/run/qmp_4.sock', qga: '/run/qga_4.sock' }]);
  });

  it('Qemu Start sends example 1a with sudo and returns HEAD\'s VM dict, key order included', async () => {
    const pid = '4343';
    const node = dryRunNode(
      [
        exactly(bootFilesCommand(BOOT), { stdout: bootListing(['/opt/boot/vmlinuz-6.8.0-90-generic'], ['/opt/boot/initrd.img-6.8.0-90-generic']) }),
        { match: 'qemu-system-x86_64 --version', stdout: 'QEMU emulator version 8.2.2\n' },
        // page_size 2M: the 2M pool itself, not the default size's status.
        exactly(hugePagePoolCommand(2048, '/dev/hugepages'), { stdout: 'free_hugepages:2048\nnr_hugepages:2048\nnr_overcommit_hugepages:0\nresv_hugepages:0\nsurplus_hugepages:0\n@@qemu-utils-remote mounts\nhugetlbfs /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n' }),
        exactly('sudo -S cat /run/qemu_1.pid', { stdout: `${pid}\n` }),
        { match: 'tail -c +1 -F', stdout: 'Linux version 6.8\nEAL: Detected 3 lcores\nPress enter to exit\n' },
        { match: `pid=${pid}\n`, stdout: `@@qemu-utils-remote killed ${pid}\n` },
        { match: `/proc/${pid}/stat`, stdout: 'qemu-utils-remote: process gone\n' },
      ],
      { port: 2222, password: 'pw' },
    );
    const vm = new QemuUtils(node, { qemuId: 1, smp: 3, mem: 4096, vnf: 'testpmd_io', img: BOOT, pageSize: '2M' }, HEAD);
    vm.addDefaultParams();
    vm.addKernelvmParams();
    for (const socket of ['/run/vpp/sock-1-1', '/run/vpp/sock-1-2']) vm.addVhostUserIf(socket, { queueSize: 1024 });
    const info = await vm.qemuStart();
    expect(commandLines(node)).toContain(`sudo -S ${VERIFIED_HEAD_1A}`);
    expect(commandLines(node)).toContain('sudo -S cat /run/qemu_1.pid');
    expect(Object.entries(info)).toEqual([
      ['host', node.host],
      ['type', 'VM'],
      ['port', 10022],
      ['serial', 4556],
      ['username', 'testuser'],
      ['password', 'Csit1234'],
      [
        'interfaces',
        {
          vhost1: { mac_address: '52:54:00:00:01:01', socket: '/run/vpp/sock-1-1' },
          vhost2: { mac_address: '52:54:00:00:01:02', socket: '/run/vpp/sock-1-2' },
        },
      ],
      ['host_port', 2222],
      ['host_username', 'testuser'],
      ['host_password', 'pw'],
      // Not HEAD's: a dry-run DUT's VMs are dry-run nodes too.
      ['transport', 'dry-run'],
    ]);
    await vm.qemuKill();
    expect(vm.running).toBe(false);
  });

  it('the default contract keeps 2019: automatic parameters, /var/run, cisco', async () => {
    const vm = new QemuUtils(headNode(), { img: BOOT });
    expect(vm.contract).toBe('2019');
    expect(vm.tempFiles().pidfile).toBe('/var/run/qemu_1.pid');
    expect(await vm.qemuGetCommandLine()).toContain('-monitor none -display none -vga none');
    expect(() => mergeSettings({ contract: 'head' }, {})).not.toThrow();
  });
});
