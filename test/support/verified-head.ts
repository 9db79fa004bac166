/**
 * CSIT HEAD's payloads as csit-head.md records them (78e52b9c, 2026): the verified examples copied byte for
 * byte, and the `.exec` files as its section 5.2 describes them, line by line, so tests compare against
 * the reference, not against our own output.
 */

/** Example 1b (csit-head.md §5.1): vppip4_2vhostvr1024, qemu_id 1, smp 3, page_size 2M, queues 1, not jumbo. */
export const VERIFIED_HEAD_VPP_STARTUP = `unix
{
  nodaemon 
  cli-listen /run/vpp/cli.sock
  exec /etc/vpp/vm_running_1.exec
}
socksvr
{
  socket-name /run/vpp/api.sock
}
memory
{
  main-heap-size 512M
  main-heap-page-size 2M
  default-hugepage-size 2M
}
statseg
{
  size 512M
  page-size 2M
  per-node-counters on
}
buffers
{
  buffers-per-numa 107520
}
cpu
{
  main-core 0
  corelist-workers 1-2
}
plugins
{
  plugin default
  {
    disable  
  }
  plugin ping_plugin.so
  {
    enable  
  }
  plugin dpdk_plugin.so
  {
    enable  
  }
}
dpdk
{
  dev 0000:00:06.0 
  dev 0000:00:07.0 
  dev default
  {
    num-rx-queues 1
  }
  log-level debug
  no-multi-seg 
  no-tx-checksum-offload 
}
`;

/** Example 2 (csit-head.md §5.3): vm_vhost testpmd_io 64B-1c, queues 2, smp 3, not jumbo. */
export const VERIFIED_HEAD_TESTPMD_IO =
  '/opt/dpdk/build/app/dpdk-testpmd -v --lcores 0,1,2 -a 0000:00:06.0 -a 0000:00:07.0 --in-memory -- --forward-mode=io --burst=64 --txd=1024 --rxd=1024 --txq=2 --rxq=2 --tx-offloads=0x0 --numa --auto-start --total-num-mbufs=32768 --nb-ports=2 --portmask=0x3 --disable-link-check --max-pkt-len=1800 --mbuf-size=16384 --nb-cores=2';

/** §5.3's rule for testpmd_mac: example 2 with mac forwarding and the two peers before `--max-pkt-len`. */
export function verifiedHeadTestpmdMac(vif1Mac: string, vif2Mac: string): string {
  return VERIFIED_HEAD_TESTPMD_IO.replace('--forward-mode=io', '--forward-mode=mac').replace(
    ' --max-pkt-len=',
    ` --eth-peer=0,${vif1Mac} --eth-peer=1,${vif2Mac} --max-pkt-len=`,
  );
}

/** §5.3's 9000B-4c: `--lcores 0,…,8`, queues 8, `--max-pkt-len=9145`, `--nb-cores=8`. */
export const VERIFIED_HEAD_TESTPMD_IO_9000B_4C = VERIFIED_HEAD_TESTPMD_IO.replace('--lcores 0,1,2', '--lcores 0,1,2,3,4,5,6,7,8')
  .replace('--txq=2 --rxq=2', '--txq=8 --rxq=8')
  .replace('--max-pkt-len=1800', '--max-pkt-len=9145')
  .replace('--nb-cores=2', '--nb-cores=8');

/** §5.2's vppip4_2vhostvr1024, line by line from its description. */
export const DESCRIBED_HEAD_VPPIP4_2VHOST = [
  'set interface state GigabitEthernet0/6/0 up',
  'set interface state GigabitEthernet0/7/0 up',
  'set interface mac address GigabitEthernet0/6/0 $mac1',
  'set interface ip address GigabitEthernet0/6/0 1.1.1.1/24',
  'set interface state GigabitEthernet0/6/0 up',
  'set interface mac address GigabitEthernet0/7/0 $mac2',
  'set interface ip address GigabitEthernet0/7/0 1.1.2.1/24',
  'set interface state GigabitEthernet0/7/0 up',
  'set ip neighbor static GigabitEthernet0/6/0 1.1.1.2 $vif1_mac',
  'set ip neighbor static GigabitEthernet0/7/0 1.1.2.2 $vif2_mac',
  'ip route add 10.0.0.0/8 via 1.1.1.2',
  'ip route add 20.0.0.0/8 via 1.1.2.2',
  'show logging',
  'show version',
];

/** §5.2's `*_2virtiovr1024` preamble: before the vhost variant's lines, with virtio interface names. */
export const DESCRIBED_HEAD_VIRTIO_PREAMBLE = [
  'set logging class virtio level debug',
  'create interface virtio 0000:00:06.0',
  'create interface virtio 0000:00:07.0',
];

/** §5.2's 2vfpt templates: the avf part every one of them starts with. */
export const DESCRIBED_HEAD_AVF_PART = [
  'create interface avf 0000:00:06.0 num-rx-queues $queues',
  'create interface avf 0000:00:07.0 num-rx-queues $queues',
  'set interface ip address avf-0/0/6/0 $ip1',
  'set interface state avf-0/0/6/0 up',
  'set interface ip address avf-0/0/7/0 $ip2',
  'set interface state avf-0/0/7/0 up',
];

/** The `.exec` templates HEAD has (csit-head.md §5.2), by name. */
export const HEAD_EXEC_TEMPLATES = [
  'vpp_2vfpt_ethip4_nat44ed_h16384_p63_s1032192',
  'vpp_2vfpt_ethip4_nat44ed_h4096_p63_s258048',
  'vpp_2vfpt_ethip4ipsec1tnl_nat44ed_s64512',
  'vpp_2vfpt_ethip4ipsec1tnl_plen30',
  'vpp_2vfpt_ethip4ipsec40tnl',
  'vpp_2vfpt_ip4base_plen24',
  'vpp_2vfpt_ip4scale200k_plen30',
  'vpp_2vfpt_ip4scale20k_plen30',
  'vpp_2vfpt_ip4scale2k_plen30',
  'vppip4_2vhostvr1024',
  'vppip4_2virtiovr1024',
  'vppip4noarp_2vhostvr1024',
  'vppip4noarp_2virtiovr1024',
  'vppip6_2vhostvr1024',
  'vppip6_2virtiovr1024',
  'vppl2xc_2vhostvr1024',
  'vppl2xc_2virtiovr1024',
];
