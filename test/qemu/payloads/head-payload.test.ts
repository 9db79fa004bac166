import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuConfigError } from '../../../src/qemu/errors';
import { headKernelvmPayload, type HeadPayloadRequest } from '../../../src/qemu/payloads';
import { DEFAULT_TEMPLATE_DIR } from '../../../src/qemu/settings';
import { substituteAll, TemplateGenerations, type TemplateStore } from '../../../src/qemu/template';
import {
  DESCRIBED_HEAD_AVF_PART,
  DESCRIBED_HEAD_VIRTIO_PREAMBLE,
  DESCRIBED_HEAD_VPPIP4_2VHOST,
  HEAD_EXEC_TEMPLATES,
  VERIFIED_HEAD_TESTPMD_IO,
  VERIFIED_HEAD_VPP_STARTUP,
  verifiedHeadTestpmdMac,
} from '../../support/verified-head';

const generations = new TemplateGenerations(DEFAULT_TEMPLATE_DIR);
const lines = (text: string): string[] => text.trimEnd().split('\n');

describe('template generations (payload versions as data)', () => {
  it('are 2019 (the directory itself) and head (templates/vm/head)', async () => {
    expect(await generations.names()).toEqual(['2019', 'head']);
    expect(await (await generations.generation('2019')).execTemplates()).toEqual(['vpp_chain_ip4', 'vpp_chain_l2xc']);
    expect(await (await generations.generation('head')).execTemplates()).toEqual(HEAD_EXEC_TEMPLATES);
    expect(await (await generations.generation('head')).initTemplates()).toEqual(['init.sh', 'init_iperf3.sh']);
  });

  it('refuse a generation that is not there, listing those that are', async () => {
    await expect(generations.generation('2026')).rejects.toThrow(new QemuConfigError(`QEMU: no template generation "2026" in ${DEFAULT_TEMPLATE_DIR}; available: 2019, head`));
    await expect(generations.generation('../vm')).rejects.toThrow(/no template generation "..\/vm".*available: 2019, head$/);
  });

  it("refuse a template that is not in the chosen generation, listing that generation's", async () => {
    const head = await generations.generation('head');
    await expect(head.execTemplate('vpp_chain_ip4')).rejects.toThrow(
      `QEMU: no VPP template for VNF "vpp_chain_ip4" in ${join(DEFAULT_TEMPLATE_DIR, 'head')} (generation head); available: ${HEAD_EXEC_TEMPLATES.join(', ')}`,
    );
    await expect((await generations.generation('2019')).execTemplate('vppip4_2vhostvr1024')).rejects.toThrow(/generation 2019\); available: vpp_chain_ip4, vpp_chain_l2xc$/);
    await expect(head.initTemplate('init_nginx.sh')).rejects.toThrow(/no init template "init_nginx.sh" in .*\(generation head\); available: init.sh, init_iperf3.sh$/);
    await expect(head.initTemplate('../init.sh')).rejects.toThrow(/no init template/);
  });

  it('find any subdirectory as a generation of a user template directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qur-gen-'));
    try {
      await mkdir(join(dir, 'vpp2606'));
      await writeFile(join(dir, 'vpp2606', 'vpp_mine.exec'), 'show version\n');
      const mine = new TemplateGenerations(dir);
      expect(await mine.names()).toEqual(['2019', 'vpp2606']);
      expect(await (await mine.generation('vpp2606')).execTemplate('vpp_mine')).toBe('show version\n');
      expect(await (await mine.generation('2019')).execTemplates()).toEqual([]);
    } finally {
      await rm(dir, { recursive: true });
    }
    await expect(new TemplateGenerations('/nonexistent-qur').names()).rejects.toThrow(/template directory \/nonexistent-qur cannot be read/);
  });
});

describe("HEAD's .exec templates (csit-head.md §5.2)", () => {
  let head: TemplateStore;
  beforeAll(async () => {
    head = await generations.generation('head');
  });

  it('all end with show logging, show version and never use the removed set ip arp', async () => {
    for (const name of HEAD_EXEC_TEMPLATES) {
      const text = await head.execTemplate(name);
      expect([name, lines(text).slice(-2)]).toEqual([name, ['show logging', 'show version']]);
      expect([name, text]).not.toEqual([name, expect.stringContaining('set ip arp')]);
    }
  });

  it('vppip4_2vhostvr1024 is its description, filled', async () => {
    const template = await head.execTemplate('vppip4_2vhostvr1024');
    expect(lines(template)).toEqual(DESCRIBED_HEAD_VPPIP4_2VHOST);
    const filled = substituteAll(template, { mac1: '52:54:00:00:01:01', mac2: '52:54:00:00:01:02', vif1_mac: '02:fe:00:00:00:01', vif2_mac: '02:fe:00:00:00:02' }, 'x');
    expect(filled).toContain('set ip neighbor static GigabitEthernet0/7/0 1.1.2.2 02:fe:00:00:00:02\n');
  });

  it('vppip4noarp: /30 addresses, routes naming the interface, no neighbours', async () => {
    const text = await head.execTemplate('vppip4noarp_2vhostvr1024');
    expect(text).toContain('set interface ip address GigabitEthernet0/6/0 1.1.1.1/30\n');
    expect(text).toContain('set interface ip address GigabitEthernet0/7/0 1.1.2.1/30\n');
    expect(text).toContain('ip route add 10.0.0.0/8 via 1.1.1.2 GigabitEthernet0/6/0\nip route add 20.0.0.0/8 via 1.1.2.2 GigabitEthernet0/7/0\n');
    expect(text).not.toContain('neighbor');
  });

  it('vppip6: ra-suppress before each interface comes up, routes with interfaces', async () => {
    const text = lines(await head.execTemplate('vppip6_2vhostvr1024'));
    for (const [ifName, address] of [['GigabitEthernet0/6/0', '1:1::1/64'], ['GigabitEthernet0/7/0', '1:2::1/64']]) {
      const addressAt = text.indexOf(`set interface ip address ${ifName} ${address}`);
      const suppressAt = text.indexOf(`ip6 nd ${ifName} ra-suppress`);
      expect(addressAt).toBeGreaterThanOrEqual(0);
      expect(suppressAt).toBeGreaterThan(addressAt);
      expect(text.lastIndexOf(`set interface state ${ifName} up`)).toBeGreaterThan(suppressAt);
    }
    expect(text).toContain('ip route add 2001:1::/64 via 1:1::2 GigabitEthernet0/6/0');
    expect(text).toContain('ip route add 2001:2::/64 via 1:2::2 GigabitEthernet0/7/0');
  });

  it('vppl2xc: both up, cross-connected both ways', async () => {
    expect(lines(await head.execTemplate('vppl2xc_2vhostvr1024'))).toEqual([
      'set interface state GigabitEthernet0/6/0 up',
      'set interface state GigabitEthernet0/7/0 up',
      'set interface l2 xconnect GigabitEthernet0/6/0 GigabitEthernet0/7/0',
      'set interface l2 xconnect GigabitEthernet0/7/0 GigabitEthernet0/6/0',
      'show logging',
      'show version',
    ]);
  });

  it('*_2virtiovr1024: the virtio preamble, then the vhost variant on virtio-0/0/6/0 and 7/0 (no stray up)', async () => {
    for (const family of ['vppip4', 'vppip4noarp', 'vppip6', 'vppl2xc']) {
      const vhost = await head.execTemplate(`${family}_2vhostvr1024`);
      const virtio = await head.execTemplate(`${family}_2virtiovr1024`);
      const renamed = vhost.replace(/GigabitEthernet0\/6\/0/g, 'virtio-0/0/6/0').replace(/GigabitEthernet0\/7\/0/g, 'virtio-0/0/7/0');
      expect([family, virtio]).toEqual([family, `${DESCRIBED_HEAD_VIRTIO_PREAMBLE.join('\n')}\n${renamed}`]);
      expect(virtio).not.toMatch(/^ip route add .* up$/m);
    }
  });

  it('2vfpt: the avf part, two routes with HEAD counts, one neighbour', async () => {
    const counts: Record<string, string> = { ip4base_plen24: '', ip4scale2k_plen30: ' count 1000', ip4scale20k_plen30: ' count 10000', ip4scale200k_plen30: ' count 100000' };
    for (const [suffix, count] of Object.entries(counts)) {
      expect(lines(await head.execTemplate(`vpp_2vfpt_${suffix}`))).toEqual([
        ...DESCRIBED_HEAD_AVF_PART,
        `ip route add $route1${count} via $nexthop1 $routeif1`,
        `ip route add $route2${count} via $nexthop2 $routeif2`,
        'set ip neighbor static $arpif1 $arpip1 $arpmac1',
        'show logging',
        'show version',
      ]);
    }
  });

  it('ipsec/nat: the avf part and a bare $ipsec, $nat or $nat_ipsec line, which must be filled', async () => {
    const blocks: Record<string, string> = {
      vpp_2vfpt_ethip4ipsec1tnl_plen30: '$ipsec',
      vpp_2vfpt_ethip4ipsec40tnl: '$ipsec',
      vpp_2vfpt_ethip4_nat44ed_h4096_p63_s258048: '$nat',
      vpp_2vfpt_ethip4_nat44ed_h16384_p63_s1032192: '$nat',
      vpp_2vfpt_ethip4ipsec1tnl_nat44ed_s64512: '$nat_ipsec',
    };
    for (const [name, block] of Object.entries(blocks)) {
      const text = lines(await head.execTemplate(name));
      expect([name, text.slice(0, DESCRIBED_HEAD_AVF_PART.length)]).toEqual([name, DESCRIBED_HEAD_AVF_PART]);
      expect([name, text.slice(-3)]).toEqual([name, [block, 'show logging', 'show version']]);
    }
    const avfValues = { queues: 1, ip1: '1.1.1.1/30', ip2: '2.2.2.1/30', route1: '10.0.0.0/8', nexthop1: '1.1.1.2', routeif1: 'avf-0/0/6/0', arpif1: 'avf-0/0/6/0', arpip1: '1.1.1.2', arpmac1: '02:00:00:00:00:01' };
    expect(() => substituteAll(DESCRIBED_HEAD_AVF_PART.join('\n') + '\n$ipsec\n', { queues: 1 }, 'vpp_2vfpt_ethip4ipsec40tnl.exec')).toThrow(
      'QEMU: template vpp_2vfpt_ethip4ipsec40tnl.exec needs ip1=..., ip2=..., ipsec=...: no value given for $ip1, $ip2, $ipsec',
    );
    expect(substituteAll(await head.execTemplate('vpp_2vfpt_ethip4ipsec40tnl'), { ...avfValues, ipsec: 'ipsec itf create' }, 'x')).not.toContain('$');
  });
});

describe('headKernelvmPayload: one HEAD guest, files and command lines', () => {
  let head: TemplateStore;
  const macs = { mac1: '52:54:00:00:01:01', mac2: '52:54:00:00:01:02', vif1_mac: '02:fe:00:00:00:01', vif2_mac: '02:fe:00:00:00:02' };
  beforeAll(async () => {
    head = await generations.generation('head');
  });
  const request = (vnf: string, kwargs: HeadPayloadRequest['kwargs'], smp = 3): HeadPayloadRequest => ({ vnf, qemuId: 1, smp, pageSize: '2M', kwargs, templates: head });

  it('vppip4_2vhostvr1024: example 1b, the filled exec file, VPP run by init.sh, the VPP banner as marker', async () => {
    const payload = await headKernelvmPayload(request('vppip4_2vhostvr1024', { ...macs, queues: 1, jumbo: false }));
    expect(payload.family).toBe('vpp');
    expect(payload.files.map((file) => [file.temp, file.path])).toEqual([
      ['startup', '/etc/vpp/vm_startup_1.conf'],
      ['running', '/etc/vpp/vm_running_1.exec'],
    ]);
    expect(payload.files[0].content).toBe(VERIFIED_HEAD_VPP_STARTUP);
    expect(payload.files[1].content).toBe(`${DESCRIBED_HEAD_VPPIP4_2VHOST.join('\n')}\n`.replace('$mac1', macs.mac1).replace('$mac2', macs.mac2).replace('$vif1_mac', macs.vif1_mac).replace('$vif2_mac', macs.vif2_mac));
    expect(payload.vnfBin).toBe('/usr/bin/vpp -c /etc/vpp/vm_startup_1.conf');
    expect(payload.init.template).toBe('init.sh');
    expect(payload.init.content).toContain('\nmkdir -p /var/run/vpp\n/usr/bin/vpp -c /etc/vpp/vm_startup_1.conf\npoweroff -f\n');
    expect(payload.boot.family).toBe('vpp');
  });

  it('fails before anything could be written: missing HEAD kwargs, unknown template, unfilled value', async () => {
    await expect(headKernelvmPayload(request('vppip4_2vhostvr1024', { ...macs, queues: 1, jumbo_frames: false }))).rejects.toThrow(
      'Configure Kernelvm Vnf needs the named argument jumbo=... (the original raised KeyError: \'jumbo\')',
    );
    await expect(headKernelvmPayload(request('vpp_chain_ip4', { ...macs }))).rejects.toThrow(/no VPP template for VNF "vpp_chain_ip4" in .*\(generation head\)/);
    await expect(headKernelvmPayload(request('vppip4_2vhostvr1024', { mac1: macs.mac1, queues: 1, jumbo: false }))).rejects.toThrow(
      'QEMU: template vppip4_2vhostvr1024.exec needs mac2=..., vif1_mac=..., vif2_mac=...: no value given for $mac2, $vif1_mac, $vif2_mac',
    );
    await expect(headKernelvmPayload(request('nginx', {}))).rejects.toThrow(/Unsupported VNF/);
  });

  it('native virtio needs no queues or jumbo and writes no dpdk section', async () => {
    const payload = await headKernelvmPayload(request('vppl2xc_2virtiovr1024', {}, 2));
    expect(payload.files[0].content).not.toContain('dpdk');
    expect(payload.files[1].content.startsWith(`${DESCRIBED_HEAD_VIRTIO_PREAMBLE.join('\n')}\n`)).toBe(true);
  });

  it('testpmd_io / testpmd_mac: example 2 in init.sh, no other file', async () => {
    const io = await headKernelvmPayload(request('testpmd_io', { queues: 2, jumbo: false }));
    expect(io.files).toEqual([]);
    expect(io.vnfBin).toBe(VERIFIED_HEAD_TESTPMD_IO);
    expect(io.init.content).toContain(`\n${VERIFIED_HEAD_TESTPMD_IO}\npoweroff -f\n`);
    expect(io.boot.success[0].test('Press enter to exit')).toBe(true);
    const mac = await headKernelvmPayload(request('testpmd_mac', { queues: 2, jumbo: false, vif1_mac: macs.vif1_mac, vif2_mac: macs.vif2_mac }));
    expect(mac.vnfBin).toBe(verifiedHeadTestpmdMac(macs.vif1_mac, macs.vif2_mac));
    await expect(headKernelvmPayload(request('testpmd_mac', { queues: 2, jumbo: false }))).rejects.toThrow(/needs the named argument vif1_mac=/);
  });

  it('iperf3: init_iperf3.sh with the addresses of its qemu_id parity and sshd', async () => {
    const odd = await headKernelvmPayload(request('iperf3', {}));
    expect(odd.init.template).toBe('init_iperf3.sh');
    expect(odd.init.content).toContain(
      '\nip address add 2.2.2.2/30 dev ens6\nip link set dev ens6 up\nip route add 1.1.1.0/30 via 2.2.2.1\nmkdir /run/sshd; /usr/sbin/sshd -D -d\npoweroff -f\n',
    );
    const even = await headKernelvmPayload({ ...request('iperf3', {}), qemuId: 2 });
    expect(even.init.content).toContain('\nip address add 1.1.1.1/30 dev ens6\nip link set dev ens6 up\nip route add 2.2.2.0/30 via 1.1.1.2\n');
    expect(odd.init.content).toContain('\nip address add 10.0.2.15/24 dev ens3\nip link set dev ens3 up\nip route add default via 10.0.2.2\n');
    expect(odd.init.content).not.toContain('/dev/shm');
    expect(odd.boot.budgetSeconds).toBe(60);
  });
});

describe("HEAD's init.sh (csit-head.md §5.5), line by line", () => {
  it('makes /dev/shm, mounts as HEAD, binds both NICs to vfio-pci in no-IOMMU mode (else uio_pci_generic, said), makes /var/run/vpp', async () => {
    const text = substituteAll(await (await generations.generation('head')).initTemplate(), { vnf_bin: '/usr/bin/vpp -c /etc/vpp/vm_startup_1.conf' }, 'init.sh');
    const commands = lines(text).filter((line) => line !== '' && !line.startsWith('#'));
    expect(commands[0]).toBe('mkdir /dev/pts /dev/hugepages /dev/shm');
    expect(commands.slice(1, 5)).toEqual([
      'mount -t devpts -o rw,noexec,nosuid,gid=5,mode=0620 devpts /dev/pts || true',
      'mount -t tmpfs -o rw,noexec,nosuid,size=10%,mode=0755 tmpfs /run',
      'mount -t tmpfs -o rw,noexec,nosuid,size=10%,mode=0755 tmpfs /tmp',
      'mount -t hugetlbfs -o rw,relatime,pagesize=2M hugetlbfs /dev/hugepages',
    ]);
    expect(text).toContain('noiommu=/sys/module/vfio/parameters/enable_unsafe_noiommu_mode\nif [ -e "$noiommu" ]; then\n    echo Y > "$noiommu"\n    driver=vfio-pci\nelse\n');
    expect(text).toMatch(/\n {4}echo "qemu-utils-remote init: the guest kernel has no vfio no-IOMMU mode .*uio_pci_generic.*"\n {4}modprobe uio_pci_generic .*\n {4}driver=uio_pci_generic\nfi\n/);
    expect(text).toContain('for pci in 0000:00:06.0 0000:00:07.0; do\n');
    expect(text).toContain('    echo "$driver" > "/sys/bus/pci/devices/$pci/driver_override"\n    echo "$pci" > "/sys/bus/pci/drivers/$driver/bind"\n');
    expect(commands.slice(-3)).toEqual(['mkdir -p /var/run/vpp', '/usr/bin/vpp -c /etc/vpp/vm_startup_1.conf', 'poweroff -f']);
    expect(text).not.toMatch(/mount -t (sysfs|proc)/);
  });
});
