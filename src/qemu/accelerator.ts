/**
 * The `accel` setting: `kvm` (the original's only choice), `tcg`, or `auto`.
 *
 * `auto` must not pick KVM merely because `/dev/kvm` exists: on paravirtual hosts (PVM, the `kvm_pvm`
 * module) `/dev/kvm` is there and QEMU even starts, but an ordinary guest kernel crawls and hangs. So KVM
 * is chosen only when all three hold:
 *   1. `/dev/kvm` is a character device;
 *   2. on x86, the CPU advertises hardware virtualization (`vmx` or `svm` in /proc/cpuinfo), which a PVM
 *      host does not;
 *   3. a paused QEMU (`-S`, no guest code runs) starts with `accel=kvm` and the CPU model that will be used,
 *      answers QMP and quits; this catches a KVM that rejects the CPU model (e.g. `-cpu host` aborting on
 *      `failed to set MSR`).
 * Otherwise TCG. The reason is logged either way.
 */
import { execCmd, type Node } from '../node';
import { shellJoin } from '../node/quote';
import type { CallContext } from './call';
import type { GuestArch } from './params';
import type { QemuSettings } from './settings';

export interface KvmProbeResult {
  usable: boolean;
  reason: string;
}

const PROBE_QMP = '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n';
const PROBE_TIMEOUT_SECONDS = 20;

/** The paused QEMU of check 3. */
export function kvmProbeCommand(qemuBinary: string, arch: GuestArch, cpuModel: string): string {
  const machine = arch === 'aarch64' ? 'virt,accel=kvm,gic-version=3' : 'pc,accel=kvm';
  return `timeout ${PROBE_TIMEOUT_SECONDS} ${shellJoin([qemuBinary, '-machine', machine, '-cpu', cpuModel, '-m', '64', '-nodefaults', '-no-user-config', '-display', 'none', '-S', '-qmp', 'stdio'])}`;
}

export async function probeKvm(node: Node, qemuBinary: string, arch: GuestArch, cpuModel: string, call: CallContext): Promise<KvmProbeResult> {
  const device = await execCmd(node, 'test -c /dev/kvm', { timeout: 10, signal: call.signal });
  if (device.rc !== 0) return { usable: false, reason: '/dev/kvm does not exist' };
  if (arch === 'x86_64') {
    const flags = await execCmd(node, 'grep -m1 -owE "vmx|svm" /proc/cpuinfo', { timeout: 10, signal: call.signal });
    if (flags.rc !== 0) {
      return {
        usable: false,
        reason: '/dev/kvm exists but the CPU shows no vmx/svm flag: a paravirtual or emulated KVM (e.g. PVM) that cannot boot ordinary guest kernels',
      };
    }
  }
  const probe = await execCmd(node, kvmProbeCommand(qemuBinary, arch, cpuModel), {
    sudo: true,
    stdin: PROBE_QMP,
    timeout: PROBE_TIMEOUT_SECONDS + 10,
    signal: call.signal,
  });
  if (probe.rc !== 0) {
    const detail = (probe.stderr || probe.stdout).trim().split('\n').slice(-3).join(' / ');
    return { usable: false, reason: `a paused QEMU with accel=kvm and -cpu ${cpuModel} failed (rc ${String(probe.rc)}): ${detail}` };
  }
  return { usable: true, reason: `/dev/kvm, ${arch === 'x86_64' ? 'vmx/svm, ' : ''}and a paused QEMU with accel=kvm -cpu ${cpuModel} all work` };
}

/** The accelerator for the command line: the setting, with `auto` resolved by `probeKvm`. */
export async function resolveAccelerator(
  node: Node,
  qemuBinary: string,
  arch: GuestArch,
  settings: Pick<QemuSettings, 'accel' | 'cpuModel'>,
  call: CallContext,
): Promise<'kvm' | 'tcg'> {
  if (settings.accel !== 'auto') return settings.accel;
  const result = await probeKvm(node, qemuBinary, arch, settings.cpuModel ?? 'host', call);
  const accelerator = result.usable ? 'kvm' : 'tcg';
  call.log.info(`accel=auto chose ${accelerator} on ${node.host}: ${result.reason}`);
  return accelerator;
}
