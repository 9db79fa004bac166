import { QemuConfigError } from '../../../src/qemu/errors';
import { HEAD_BOOT_MARKERS, headBootMarker, headVnfFamily } from '../../../src/qemu/payloads/head-boot';
import { headIperf3Addresses, headIperf3InitValues } from '../../../src/qemu/payloads/head-iperf3';
import { headTestpmdCommandLine } from '../../../src/qemu/payloads/head-testpmd';
import { headVppStartupConfig, headVppVnfBin } from '../../../src/qemu/payloads/head-vpp';
import { VERIFIED_HEAD_TESTPMD_IO, VERIFIED_HEAD_TESTPMD_IO_9000B_4C, VERIFIED_HEAD_VPP_STARTUP, verifiedHeadTestpmdMac } from '../../support/verified-head';

/** Top-level section names of a startup.conf, in order. */
const sections = (text: string): string[] => text.split('\n').filter((line) => /^[a-z]/.test(line));

describe("HEAD's VPP startup.conf (csit-head.md §5.1)", () => {
  const example = { vnf: 'vppip4_2vhostvr1024', qemuId: 1, smp: 3, pageSize: '2M', queues: 1, jumbo: false };

  it('is verified example 1b byte for byte, trailing spaces included', () => {
    expect(headVppStartupConfig(example)).toBe(VERIFIED_HEAD_VPP_STARTUP);
    expect(headVppVnfBin(1)).toBe('/usr/bin/vpp -c /etc/vpp/vm_startup_1.conf');
  });

  it('has workers only when smp > 1', () => {
    const smp1 = headVppStartupConfig({ ...example, smp: 1 });
    expect(smp1).toBe(VERIFIED_HEAD_VPP_STARTUP.replace('  corelist-workers 1-2\n', ''));
    expect(headVppStartupConfig({ ...example, smp: 5 })).toContain('  main-core 0\n  corelist-workers 1-4\n}');
  });

  it('puts queues in dev default and keeps multi-seg and checksum offload with jumbo', () => {
    const jumbo = headVppStartupConfig({ ...example, queues: 4, jumbo: true, qemuId: 7 });
    expect(jumbo).toContain('  dev default\n  {\n    num-rx-queues 4\n  }\n  log-level debug\n}\n');
    expect(jumbo).not.toMatch(/no-multi-seg|no-tx-checksum-offload/);
    expect(jumbo).toContain('  exec /etc/vpp/vm_running_7.exec\n');
  });

  it('uses the page size for heap, default huge page and statseg (1G)', () => {
    const big = headVppStartupConfig({ ...example, pageSize: '1G' });
    expect(big).toBe(VERIFIED_HEAD_VPP_STARTUP.replace(/ 2M\n/g, ' 1G\n'));
  });

  it('refuses an empty page size, which HEAD wrote as value-less keys (§9.6)', () => {
    expect(() => headVppStartupConfig({ ...example, pageSize: '' })).toThrow(QemuConfigError);
    expect(() => headVppStartupConfig({ ...example, pageSize: '' })).toThrow(/page size must be like 2M or 1G.*got ""/);
  });

  it('needs queues and jumbo for a vhost VNF only', () => {
    expect(() => headVppStartupConfig({ vnf: 'vppl2xc_2vhostvr1024', qemuId: 1, smp: 2, pageSize: '2M' })).toThrow(/needs queues and jumbo/);
    expect(() => headVppStartupConfig({ vnf: 'vppl2xc_2virtiovr1024', qemuId: 1, smp: 2, pageSize: '2M' })).not.toThrow();
  });

  it('has no dpdk at all for native virtio (*2virtiovr1024)', () => {
    const virtio = headVppStartupConfig({ ...example, vnf: 'vppip4_2virtiovr1024' });
    expect(sections(virtio)).toEqual(['unix', 'socksvr', 'memory', 'statseg', 'buffers', 'cpu', 'plugins']);
    expect(virtio).not.toContain('dpdk');
    expect(virtio.endsWith('  plugin ping_plugin.so\n  {\n    enable  \n  }\n}\n')).toBe(true);
  });

  it('enables avf for 2vfpt, the crypto plugins for ipsec, and nat with its section', () => {
    const base = headVppStartupConfig({ vnf: 'vpp_2vfpt_ip4base_plen24', qemuId: 1, smp: 2, pageSize: '2M' });
    expect(base).toContain('  plugin ping_plugin.so\n  {\n    enable  \n  }\n  plugin avf_plugin.so\n  {\n    enable  \n  }\n}\n');
    const ipsecNat = headVppStartupConfig({ vnf: 'vpp_2vfpt_ethip4ipsec1tnl_nat44ed_s64512', qemuId: 1, smp: 2, pageSize: '2M' });
    const plugins = [...ipsecNat.matchAll(/^ {2}plugin (\S+)$/gm)].map((found) => found[1]);
    expect(plugins).toEqual(['default', 'ping_plugin.so', 'avf_plugin.so', 'crypto_native_plugin.so', 'crypto_ipsecmb_plugin.so', 'crypto_openssl_plugin.so', 'nat_plugin.so']);
    expect(sections(ipsecNat)).toEqual(['unix', 'socksvr', 'memory', 'statseg', 'buffers', 'cpu', 'plugins', 'nat']);
    expect(ipsecNat.endsWith('nat\n{\n  endpoint-dependent \n}\n')).toBe(true);
  });
});

describe("HEAD's testpmd line (csit-head.md §5.3)", () => {
  it('is verified example 2 for io', () => {
    expect(headTestpmdCommandLine({ smp: 3, queues: 2, jumbo: false })).toBe(VERIFIED_HEAD_TESTPMD_IO);
  });

  it('adds the DUT peers before --max-pkt-len for mac', () => {
    const line = headTestpmdCommandLine({ smp: 3, queues: 2, jumbo: false, peers: { vif1Mac: '52:54:00:00:01:01', vif2Mac: '52:54:00:00:01:02' } });
    expect(line).toBe(verifiedHeadTestpmdMac('52:54:00:00:01:01', '52:54:00:00:01:02'));
  });

  it('is 9000B-4c with jumbo: nine lcores, eight queues, MTU 9145', () => {
    expect(headTestpmdCommandLine({ smp: 9, queues: 8, jumbo: true })).toBe(VERIFIED_HEAD_TESTPMD_IO_9000B_4C);
  });

  it('takes another program and MTUs (CSIT reads MTU_JUMBO / MTU_NORMAL from the environment)', () => {
    const line = headTestpmdCommandLine({ smp: 2, queues: 1, jumbo: false, program: '/usr/bin/dpdk-testpmd', mtuNormal: 1518 });
    expect(line.startsWith('/usr/bin/dpdk-testpmd -v --lcores 0,1 ')).toBe(true);
    expect(line).toContain(' --max-pkt-len=1518 --mbuf-size=16384 --nb-cores=1');
    expect(headTestpmdCommandLine({ smp: 2, queues: 1, jumbo: true, program: "/opt/my dpdk/testpmd" })).toMatch(/^'\/opt\/my dpdk\/testpmd' -v /);
  });

  it('refuses a missing or malformed peer (HEAD wrote --eth-peer=0,None) and a single vCPU', () => {
    expect(() => headTestpmdCommandLine({ smp: 3, queues: 1, jumbo: false, peers: { vif1Mac: 'None', vif2Mac: '52:54:00:00:01:02' } })).toThrow(
      /vif1_mac must be a MAC address like 52:54:00:00:01:02, got "None"/,
    );
    expect(() => headTestpmdCommandLine({ smp: 1, queues: 1, jumbo: false })).toThrow(/smp must be at least 2/);
    expect(() => headTestpmdCommandLine({ smp: 2, queues: 0, jumbo: false })).toThrow(/queues must be an integer >= 1, got 0/);
  });
});

describe("HEAD's iperf3 guest (csit-head.md §5.4)", () => {
  it('addresses by qemu_id parity: odd serves on 2.2.2.2, even is the client on 1.1.1.1', () => {
    expect(headIperf3Addresses(1)).toEqual({ ip_address_l: '2.2.2.2/30', ip_address_r: '2.2.2.1', ip_route_r: '1.1.1.0/30' });
    expect(headIperf3Addresses(2)).toEqual({ ip_address_l: '1.1.1.1/30', ip_address_r: '1.1.1.2', ip_route_r: '2.2.2.0/30' });
    expect(headIperf3InitValues(3).vnf_bin).toBe('mkdir /run/sshd; /usr/sbin/sshd -D -d');
    expect(() => headIperf3Addresses(256)).toThrow(QemuConfigError);
  });
});

describe("HEAD's boot markers (csit-head.md §7)", () => {
  it("dispatches by substring as configure_kernelvm_vnf does, and names what exists for anything else", () => {
    expect(headVnfFamily('vppip4_2vhostvr1024')).toBe('vpp');
    expect(headVnfFamily('testpmd_io')).toBe('testpmd_io');
    expect(headVnfFamily('nf_testpmd_mac')).toBe('testpmd_mac');
    expect(headVnfFamily('iperf3')).toBe('iperf3');
    expect(() => headVnfFamily('nginx')).toThrow('QEMU: Unsupported VNF! "nginx" names none of vpp*, testpmd_io, testpmd_mac, iperf3');
  });

  it("matches each family's own start-up text with HEAD's budget", () => {
    const banner = 'vpp v25.10-rc0~123-gabcdef built by root on host at 2026-01-01T00:00:00';
    expect(headBootMarker('vppl2xc_2vhostvr1024').success.some((pattern) => pattern.test(banner))).toBe(true);
    expect(headBootMarker('vppl2xc_2vhostvr1024').success.some((pattern) => pattern.test('Press enter to exit'))).toBe(false);
    expect(headBootMarker('testpmd_mac').success.some((pattern) => pattern.test('Press enter to exit'))).toBe(true);
    expect(headBootMarker('iperf3').success.some((pattern) => pattern.test('debug1: Server listening on 0.0.0.0 port 22.'))).toBe(true);
    expect(headBootMarker('iperf3').success.some((pattern) => pattern.test('Server listening on :: port 22.'))).toBe(false);
    expect(Object.fromEntries(Object.values(HEAD_BOOT_MARKERS).map((marker) => [marker.family, marker.budgetSeconds]))).toEqual({
      vpp: 120,
      testpmd_io: 120,
      testpmd_mac: 120,
      iperf3: 60,
    });
  });
});
