/**
 * CSIT HEAD's boot waits (csit-head.md §7) as data: per VNF family, the serial-log text that says the VNF is
 * up, the budget HEAD gave it, and which `_wait_<vnf>` it comes from, so the streaming boot wait
 * (src/qemu/boot.ts) can take them. HEAD accepted either marker for any VPP or testpmd guest and only looked
 * at the log's last line; here each family has its own marker, matched anywhere in the streamed log.
 */
import { QemuConfigError } from '../errors';

export type HeadVnfFamily = 'vpp' | 'testpmd_io' | 'testpmd_mac' | 'iperf3' | 'custom';

/** The families whose marker is HEAD's; `custom` brings its own (payloads/custom.ts). */
export type HeadFixedVnfFamily = Exclude<HeadVnfFamily, 'custom'>;

export interface HeadBootMarker {
  family: HeadVnfFamily;
  /** Any of these in the serial log means booted. */
  success: readonly RegExp[];
  /** HEAD's retries × 1 s. */
  budgetSeconds: number;
  /** Where HEAD had it, for logs and docs. */
  source: string;
}

export const HEAD_BOOT_MARKERS: Readonly<Record<HeadFixedVnfFamily, HeadBootMarker>> = Object.freeze({
  // The exec file ends with `show version`: `vpp v<version> built by <user> on <host> at <date>`.
  vpp: { family: 'vpp', success: [/vpp v\S+ built by/], budgetSeconds: 120, source: "_wait_default: last line has 'vpp ' and 'built by'" },
  testpmd_io: { family: 'testpmd_io', success: [/Press enter to exit/], budgetSeconds: 120, source: "_wait_default: 'Press enter to exit'" },
  testpmd_mac: { family: 'testpmd_mac', success: [/Press enter to exit/], budgetSeconds: 120, source: "_wait_default: 'Press enter to exit'" },
  // sshd -d prints it on stderr, the console, once it listens.
  iperf3: { family: 'iperf3', success: [/Server listening on 0\.0\.0\.0 port 22\./], budgetSeconds: 60, source: "_wait_iperf3: fgrep 'Server listening on 0.0.0.0 port 22.'" },
});

/** HEAD's `configure_kernelvm_vnf` dispatch: substrings, in its order; past HEAD, `custom` / `custom_<name>` first. */
export function headVnfFamily(vnf: string): HeadVnfFamily {
  if (vnf === 'custom' || vnf.startsWith('custom_')) return 'custom';
  if (vnf.includes('vpp')) return 'vpp';
  if (vnf.includes('testpmd_io')) return 'testpmd_io';
  if (vnf.includes('testpmd_mac')) return 'testpmd_mac';
  if (vnf.includes('iperf3')) return 'iperf3';
  throw new QemuConfigError(`QEMU: Unsupported VNF! ${JSON.stringify(vnf)} names none of vpp*, testpmd_io, testpmd_mac, iperf3 (or custom: your own command and boot marker)`);
}

/** HEAD's marker of `vnf`'s family; `custom` has none of its own (its kwargs give it). */
export function headBootMarker(vnf: string): HeadBootMarker {
  const family = headVnfFamily(vnf);
  if (family === 'custom') throw new QemuConfigError(`QEMU: vnf ${JSON.stringify(vnf)} brings its own boot marker (boot_marker=... or boot_marker_regex=... of Configure Kernelvm Vnf)`);
  return HEAD_BOOT_MARKERS[family];
}
