/**
 * CSIT HEAD's `_c_vpp_2vfpt_*` hooks (csit-head.md §2): a VPP guest on two AVF NICs passed through with
 * vfio-pci instead of two vhost-user NICs. HEAD has one hook per template, differing only in the routes'
 * prefix length; the addresses depend on whether the VM's name has `DUT1`. The ARP MAC is one of HEAD's
 * testbeds' (§9.11): kept, as it is what HEAD's suites would configure.
 */

/** The VNF names HEAD has a `_c_<vnf>` hook for (`getattr` by exact name); route prefix /24 or /30. */
export const HEAD_2VFPT_HOOKS: Readonly<Record<string, 24 | 30>> = Object.freeze({
  vpp_2vfpt_ip4base_plen24: 24,
  vpp_2vfpt_ip4scale2k_plen30: 30,
  vpp_2vfpt_ip4scale20k_plen30: 30,
  vpp_2vfpt_ip4scale200k_plen30: 30,
});

export function isHead2vfptHook(vnf: string): boolean {
  return Object.prototype.hasOwnProperty.call(HEAD_2VFPT_HOOKS, vnf);
}

/** The `configure_kernelvm_vnf` values of HEAD's hook for VM `name`, without `queues` and `jumbo`. */
export function head2vfptValues(vnf: string, name: string): Record<string, string> {
  const plen = HEAD_2VFPT_HOOKS[vnf];
  if (name.includes('DUT1')) {
    return {
      ip1: '2.2.2.1/30', ip2: '1.1.1.2/30',
      route1: `20.0.0.0/${plen}`, routeif1: 'avf-0/0/6/0', nexthop1: '2.2.2.2',
      route2: `10.0.0.0/${plen}`, routeif2: 'avf-0/0/7/0', nexthop2: '1.1.1.1',
      arpmac1: '3c:fd:fe:d1:5c:d8', arpip1: '1.1.1.1', arpif1: 'avf-0/0/7/0',
    };
  }
  return {
    ip1: '3.3.3.2/30', ip2: '2.2.2.2/30',
    route1: `10.0.0.0/${plen}`, routeif1: 'avf-0/0/7/0', nexthop1: '2.2.2.1',
    route2: `20.0.0.0/${plen}`, routeif2: 'avf-0/0/6/0', nexthop2: '3.3.3.1',
    arpmac1: '3c:fd:fe:d1:5c:d9', arpip1: '3.3.3.1', arpif1: 'avf-0/0/6/0',
  };
}
