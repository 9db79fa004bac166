import { kernelvmTestpmdCommandLine, testpmdCommandLine } from '../../src/qemu/testpmd';
import { kernelvmVppStartupConfig, VppStartupConfig } from '../../src/qemu/vpp-config';
import { QemuConfigError } from '../../src/qemu/errors';
import { collapseSpaces, startupSections, VERIFIED_TESTPMD_IO, VERIFIED_TESTPMD_MAC, VERIFIED_VPP_STARTUP } from '../support/verified';

describe('VPP startup config of the kernelvm VPP VNF', () => {
  const smp3 = kernelvmVppStartupConfig({ smp: 3, runningExec: '/etc/vpp/vm_running_1.exec', jumboFrames: false });

  it('holds exactly the verified lines, section by section', () => {
    expect(startupSections(smp3)).toEqual(startupSections(VERIFIED_VPP_STARTUP));
  });

  it('orders sections unix, cpu, dpdk, plugins and keys by insertion', () => {
    expect(smp3).toBe(
      [
        'unix',
        '{',
        '  nodaemon ',
        '  cli-listen /run/vpp/cli.sock',
        '  exec /etc/vpp/vm_running_1.exec',
        '}',
        'cpu',
        '{',
        '  main-core 0',
        '  corelist-workers 1-2',
        '}',
        'dpdk',
        '{',
        '  dev 0000:00:06.0 ',
        '  dev 0000:00:07.0 ',
        '  log-level debug',
        '  no-multi-seg ',
        '  no-tx-checksum-offload ',
        '}',
        'plugins',
        '{',
        '  plugin default',
        '  {',
        '    disable  ',
        '  }',
        '  plugin dpdk_plugin.so',
        '  {',
        '    enable  ',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('gives no workers with one vCPU (the original wrote corelist-workers 1-0)', () => {
    const smp1 = kernelvmVppStartupConfig({ smp: 1, runningExec: '/x', jumboFrames: false });
    expect(smp1).not.toContain('corelist-workers');
    expect(smp1).toContain('cpu\n{\n  main-core 0\n}');
  });

  it('keeps multi-seg and tx checksum offload with jumbo frames', () => {
    const jumbo = kernelvmVppStartupConfig({ smp: 2, runningExec: '/x', jumboFrames: true });
    expect(jumbo).not.toContain('no-multi-seg');
    expect(jumbo).not.toContain('no-tx-checksum-offload');
    expect(jumbo).toContain('corelist-workers 1-1');
  });

  it('refuses a malformed PCI address as the generator did', () => {
    expect(() => new VppStartupConfig().addDpdkDev('00:06.0')).toThrow(new QemuConfigError('PCI address 00:06.0 is not in valid format xxxx:xx:xx.x'));
  });
});

describe('testpmd command lines (DpdkUtil rules)', () => {
  it('io forwarding equals the verified line modulo spacing', () => {
    const line = kernelvmTestpmdCommandLine({ smp: 3, queues: 1, jumboFrames: false, mainLcoreFlag: '--master-lcore', program: 'testpmd' });
    expect(line).toBe(collapseSpaces(VERIFIED_TESTPMD_IO));
  });

  it('mac forwarding equals the verified line modulo spacing, peers in place', () => {
    const line = kernelvmTestpmdCommandLine({
      smp: 3,
      queues: 1,
      jumboFrames: false,
      peers: { vif1Mac: '52:54:00:00:01:02', vif2Mac: '52:54:00:00:03:01' },
      mainLcoreFlag: '--master-lcore',
      program: 'testpmd',
    });
    expect(line).toBe(collapseSpaces(VERIFIED_TESTPMD_MAC.replace('<vif1_mac>', '52:54:00:00:01:02').replace('<vif2_mac>', '52:54:00:00:03:01')));
  });

  it('inserts --max-pkt-len=9200 before --nb-cores with jumbo frames', () => {
    const line = kernelvmTestpmdCommandLine({ smp: 3, queues: 2, jumboFrames: true, mainLcoreFlag: '--master-lcore', program: 'testpmd' });
    expect(line).toMatch(/--txq=2 --rxq=2 --total-num-mbufs=16384 --max-pkt-len=9200 --nb-cores=2$/);
  });

  it('spells the main lcore flag for newer DPDK and puts the full program path first', () => {
    const line = kernelvmTestpmdCommandLine({ smp: 2, queues: 1, jumboFrames: false, mainLcoreFlag: '--main-lcore', program: '/usr/bin/dpdk-testpmd' });
    expect(line.startsWith('/usr/bin/dpdk-testpmd -v -l 0-1 --main-lcore 0 --in-memory -- ')).toBe(true);
  });

  it("keeps nb-cores '0' (a string, truthy in the original) and DpdkUtil's defaults", () => {
    expect(kernelvmTestpmdCommandLine({ smp: 1, queues: 1, jumboFrames: false, mainLcoreFlag: '--master-lcore', program: 'testpmd' })).toMatch(/--nb-cores=0$/);
    expect(testpmdCommandLine({})).toBe(
      'testpmd -v --master-lcore 0 -d /usr/lib/librte_pmd_virtio.so -- --forward-mode=io --burst=64 --txd=1024 --rxd=1024 --txq=1 --rxq=1 --txqflags=0xf00 --disable-hw-vlan',
    );
  });

  it('shell-quotes values, so a peer cannot add commands to the init script', () => {
    const line = testpmdCommandLine({ pmdEthPeer0: '0,aa; reboot' });
    expect(line).toContain("--eth-peer='0,aa; reboot'");
  });
});
