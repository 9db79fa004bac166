/**
 * Typed errors of the QEMU domain. Messages keep the original's wording where CSIT suites may match on it
 * ('QEMU: ...'), and add what a test engineer needs to act.
 */

/** Base class, so callers can tell QEMU-domain failures from node-layer and programming errors. */
export class QemuError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An argument, option or setting is unusable (bad value, unknown VNF, PCI slot exhausted, ...). */
export class QemuConfigError extends QemuError {}

/** A keyword was called when the instance is in the wrong state (e.g. pinning a VM that is not running). */
export class QemuStateError extends QemuError {}

/** QEMU failed to start, or the VM failed to boot within its timeout. */
export class QemuStartError extends QemuError {}

/** The host has too few free huge pages, or they could not be allocated or mounted. */
export class HugePageError extends QemuError {}

/** The QEMU version could not be determined or compared. */
export class QemuVersionError extends QemuError {}

/**
 * A lifecycle step met the VM in a runstate it cannot run in (as QEMU's python `qemu.qmp` `StateError`):
 * `current` is where the VM is, `needed` where the step can run.
 */
export class QemuRunstateError extends QemuStateError {
  constructor(
    message: string,
    readonly current: string,
    readonly needed: readonly string[],
  ) {
    super(message);
  }
}

/** A command in the guest could not be run or did not end: no guest agent or sshd answered, or it timed out. */
export class QemuGuestCommandError extends QemuError {}
