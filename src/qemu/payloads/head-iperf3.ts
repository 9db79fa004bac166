/**
 * CSIT HEAD's iperf3 guest (`create_kernelvm_config_iperf3`, csit-head.md §5.4): sshd in the foreground on the
 * management NIC, and the guest's addresses on `ens6` by the parity of `qemu_id` (an odd VM serves, the even
 * one next to it is the client), as values for `init_iperf3.sh`.
 */
import { requireInteger } from '../checks';

/** `${vnf_bin}` of `init_iperf3.sh`: `sshd -d` serves one connection, then init powers the guest off. */
export const HEAD_IPERF3_VNF_BIN = 'mkdir /run/sshd; /usr/sbin/sshd -D -d';

/** A type, not an interface, so it fills a template's values record. */
export type HeadIperf3Addresses = {
  ip_address_l: string;
  ip_address_r: string;
  ip_route_r: string;
};

export function headIperf3Addresses(qemuId: number): HeadIperf3Addresses {
  const id = requireInteger(qemuId, 'iperf3 guest: qemu_id', 0, 255);
  return id % 2 === 1
    ? { ip_address_l: '2.2.2.2/30', ip_address_r: '2.2.2.1', ip_route_r: '1.1.1.0/30' }
    : { ip_address_l: '1.1.1.1/30', ip_address_r: '1.1.1.2', ip_route_r: '2.2.2.0/30' };
}

/** Every value `init_iperf3.sh` needs. */
export function headIperf3InitValues(qemuId: number): HeadIperf3Addresses & { vnf_bin: string } {
  return { ...headIperf3Addresses(qemuId), vnf_bin: HEAD_IPERF3_VNF_BIN };
}
