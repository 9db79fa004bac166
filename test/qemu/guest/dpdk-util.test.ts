/**
 * CSIT's DpdkUtil (6f80cb97) command lines, character for character: the expected strings are what the
 * original's get_eal_options/get_pmd_options print for these kwargs (run once under python3).
 */
import { dpdkTestpmdStartCommand, getTestpmdCmdline, unknownDpdkKwargs } from '../../../src/qemu/guest';

describe("CSIT 2019 DpdkUtil's testpmd command line", () => {
  it.each([
    [{}, '/start-testpmd.sh -v  --master-lcore 0 -d /usr/lib/librte_pmd_virtio.so  -- --forward-mode=io --burst=64 --txd=1024 --rxd=1024 --txq=1 --rxq=1 --txqflags=0xf00  --disable-hw-vlan    '],
    [
      { eal_corelist: '0,1', pmd_fwd_mode: 'io', pmd_disable_hw_vlan: true, pmd_rxd: 1024, pmd_txd: 1024, pmd_rxq: 1, pmd_txq: 1, pmd_max_pkt_len: '' },
      '/start-testpmd.sh -v -l 0,1 --master-lcore 0 -d /usr/lib/librte_pmd_virtio.so  -- --forward-mode=io --burst=64 --txd=1024 --rxd=1024 --txq=1 --rxq=1 --txqflags=0xf00  --disable-hw-vlan    ',
    ],
    [
      {
        eal_corelist: '0-2', eal_driver: false, eal_in_memory: true, pmd_fwd_mode: 'mac', pmd_eth_peer_0: '0,52:54:00:00:01:01', pmd_eth_peer_1: '1,52:54:00:00:02:02',
        pmd_num_mbufs: 16384, pmd_nb_cores: 2, pmd_tx_offloads: false, pmd_disable_hw_vlan: false, pmd_max_pkt_len: 9200,
      },
      '/start-testpmd.sh -v -l 0-2 --master-lcore 0  --in-memory -- --forward-mode=mac --burst=64 --txd=1024 --rxd=1024 --txq=1 --rxq=1  --total-num-mbufs=16384  --eth-peer=0,52:54:00:00:01:01 --eth-peer=1,52:54:00:00:02:02 --max-pkt-len=9200 --nb-cores=2',
    ],
  ])('%j gives the original string', (kwargs, expected) => {
    expect(dpdkTestpmdStartCommand(kwargs)).toBe(expected);
  });

  it('get_testpmd_cmdline is testpmd with the same options', () => {
    expect(getTestpmdCmdline({ eal_corelist: '0,1' })).toBe(dpdkTestpmdStartCommand({ eal_corelist: '0,1' }).replace('/start-testpmd.sh', 'testpmd'));
  });

  it('quotes a value that is not a plain word, so nothing else reaches the guest shell', () => {
    expect(dpdkTestpmdStartCommand({ eal_corelist: '0;reboot' })).toContain("-l '0;reboot' --master-lcore");
  });

  it('names the kwargs the original ignored without a word', () => {
    expect(unknownDpdkKwargs({ eal_corelist: '0', pmd_rxqs: 2, pmd_fwd_mode: 'io' })).toEqual(['pmd_rxqs']);
  });

  it('refuses a value that is neither text nor a number', () => {
    expect(() => dpdkTestpmdStartCommand({ eal_corelist: ['0', '1'] })).toThrow(/eal_corelist must be a text or a number/);
  });
});
