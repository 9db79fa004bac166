/** Errors of CPU placement: configuration errors of the QEMU domain, with what was asked and what the host has. */
import { QemuConfigError } from '../errors';

/** The host's CPU topology or a NIC's NUMA node could not be read or makes no sense. */
export class CpuTopologyError extends QemuConfigError {}

export type CpuPlacementFailure = 'not-enough-cores' | 'smt-required' | 'smt-not-enabled' | 'invalid-argument';

/**
 * A placement that cannot be made. The message starts with CSIT HEAD's words ('Not enough CPU cores available
 * for placement!', 'Cannot allocate if SMT is not enabled!', 'SMT is not enabled.') so suites matching them
 * still match; `asked` and `available` say the rest.
 */
export class CpuPlacementError extends QemuConfigError {
  constructor(
    message: string,
    readonly failure: CpuPlacementFailure,
    readonly asked: string,
    /** What the host has; undefined when the arguments alone are wrong. */
    readonly available?: string,
  ) {
    super(available === undefined ? message : `${message} Asked: ${asked}. Host: ${available}.`);
  }
}
