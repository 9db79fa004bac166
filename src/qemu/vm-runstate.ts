/**
 * The lifecycle of one QemuUtils VM as one value, after QEMU's python `qemu.qmp` (`Runstate` and its
 * `@require` decorator). The transitions:
 *
 *   new ──(look for a previous run's VM)──> idle | leftover
 *   leftover ──(Qemu Kill / Qemu Close remove it)──> idle
 *   new | idle | leftover ──(Qemu Start: huge pages ok, start command sent)──> starting
 *   starting ──(pid file read)──> running
 *   starting | running ──(the start or the boot failed)──> cleaning-up ──> idle
 *   starting | running ──(Qemu Kill, Qemu Kill All, Qemu Close)──> idle
 */
import { QemuRunstateError } from './errors';
import type { LeftoverVm } from './cleanup';

export type Runstate = 'new' | 'idle' | 'leftover' | 'starting' | 'running' | 'cleaning-up';

export type VmState =
  /** Nothing started; the node not yet asked for a VM a previous server run left on this id's pid file. */
  | { readonly runstate: 'new' }
  /** Nothing started, and no VM of a previous server run holds this id. */
  | { readonly runstate: 'idle' }
  /** Nothing started, but a VM of a previous server run holds this id's pid file. */
  | { readonly runstate: 'leftover'; readonly leftover: LeftoverVm }
  /** The start command was sent: a VM may run, its pid not (yet) read. */
  | { readonly runstate: 'starting' }
  /** Started, with the pid QEMU wrote. */
  | { readonly runstate: 'running'; readonly pid: number }
  /** A failed start being cleaned up; lifecycle steps wait for `done`. */
  | { readonly runstate: 'cleaning-up'; readonly pid: number | undefined; readonly done: Promise<void> };

export class VmRunstate {
  private value: VmState = { runstate: 'new' };

  /** `describe` names the VM in the default failure message ('VM 1 on dut1'). */
  constructor(private readonly describe: () => string) {}

  get state(): VmState {
    return this.value;
  }

  get current(): Runstate {
    return this.value.runstate;
  }

  /** The pid of a VM this instance started, when known. */
  get pid(): number | undefined {
    return this.value.runstate === 'running' || this.value.runstate === 'cleaning-up' ? this.value.pid : undefined;
  }

  is(...runstates: Runstate[]): boolean {
    return runstates.includes(this.value.runstate);
  }

  /** Whether a VM this instance started may run on the node (its pid known or not). */
  get started(): boolean {
    return this.is('starting', 'running');
  }

  /** Whether the node must still be asked for, or holds, a VM a previous server run left on this id. */
  get mayHoldLeftover(): boolean {
    return this.is('new', 'leftover');
  }

  /**
   * Fails unless the VM is in one of `needed`, naming both; `message` keeps a wording users already know
   * for the same refusal.
   */
  require(step: string, needed: readonly Runstate[], message?: string): void {
    if (!needed.includes(this.value.runstate)) throw this.refusal(step, needed, message);
  }

  /** The error `require` throws: `step` cannot run in the current runstate. */
  refusal(step: string, needed: readonly Runstate[], message?: string): QemuRunstateError {
    const current = this.value.runstate;
    return new QemuRunstateError(message ?? `${step}: ${this.describe()} is ${current}, but needs to be ${needed.join(' or ')}`, current, needed);
  }

  /** Moves to `next`, which must follow from one of `from`. */
  move(next: VmState, from: readonly Runstate[]): void {
    this.require(`moving to ${next.runstate}`, from);
    this.value = next;
  }

  /** Waits while a failed start is being cleaned up (a shutdown's close may overlap the start's keyword). */
  async settled(): Promise<void> {
    while (this.value.runstate === 'cleaning-up') await this.value.done;
  }
}
