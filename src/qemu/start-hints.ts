/**
 * What to try when QEMU fails to start for a reason a test engineer cannot read from QEMU's own words.
 * Appended to the start failure (vm-lifecycle.ts) after QEMU's output.
 */

/**
 * A KVM that cannot run the guest with the chosen CPU model: QEMU aborts setting a model-specific register
 * (`error: failed to set MSR 0x10a to 0x...`, then `kvm_buf_set_msrs: Assertion ... failed`). Seen on nested
 * and paravirtual KVM hosts with `-cpu host`.
 */
const KVM_MSR_FAILURE = /failed to set MSR 0x[0-9a-f]+|kvm_buf_set_msrs: Assertion/i;

/** KVM missing or unusable altogether. */
const KVM_UNAVAILABLE = /Could not access KVM kernel module|failed to initialize kvm|KVM is not supported/i;

/** A hint (starting with a newline) for the failure QEMU printed in `output`, else ''. */
export function startFailureHint(output: string): string {
  if (KVM_MSR_FAILURE.test(output)) {
    return (
      "\nHint: this host's KVM cannot run the guest with this CPU model (QEMU failed to set a model-specific register). " +
      'Use accel=tcg, or accel=auto (KVM only when a paused QEMU starts under it with this CPU model), or a CPU model ' +
      'this KVM accepts, e.g. cpu_model=host,-arch-capabilities: Qemu Init named arguments, or --qemu-option server-wide.'
    );
  }
  if (KVM_UNAVAILABLE.test(output)) {
    return '\nHint: KVM is not usable on this host. Use accel=tcg or accel=auto (Qemu Init named argument, or --qemu-option server-wide).';
  }
  return '';
}
