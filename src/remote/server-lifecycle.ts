/**
 * The server's stop sequence as one phase value, with every transition here:
 *
 *   serving --stop()--> stopping --grace over, all calls done, or a second stop without grace--> cutting
 *           --instances disposed, HTTP closed--> stopped
 *
 * `serving` runs calls; `stopping` refuses new ones and aborts the signals of the running ones, which get
 * the grace period to finish; `cutting` answers the calls still waiting with a "cut" failure (their
 * keywords ignored the stop) and refuses queued ones; `stopped` is final.
 */
import type winston from 'winston';

export type ServerPhase = 'serving' | 'stopping' | 'cutting' | 'stopped';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class ServerLifecycle {
  private current: ServerPhase = 'serving';
  private stopReason: Error | undefined;
  private stopping: Promise<void> | undefined;
  private resolveCut!: () => void;
  private readonly cutRequested = new Promise<void>((resolve) => (this.resolveCut = resolve));
  /** Calls waiting for their keyword (by its outcome), each with how to answer it when cut. */
  private readonly waiting = new Map<Promise<Outcome>, () => void>();
  /** One per running call that asked for its signal, so listeners a keyword leaves die with the call. */
  private readonly aborts = new Set<AbortController>();

  constructor(private readonly log: winston.Logger) {}

  get phase(): ServerPhase {
    return this.current;
  }

  get runningCalls(): number {
    return this.waiting.size;
  }

  /**
   * serving -> stopping, once: aborts running keywords' signals and runs `shutdown`, which calls `cut` and
   * `finish` in turn. Later calls get the same promise; one without grace cuts the running keywords now.
   */
  stop(reason: Error, shutdown: () => Promise<void>, options: { cutNow: boolean }): Promise<void> {
    if (this.stopping) {
      if (options.cutNow) this.cut();
      return this.stopping;
    }
    this.current = 'stopping';
    this.stopReason = reason;
    for (const abort of this.aborts) abort.abort(reason);
    this.stopping = shutdown();
    return this.stopping;
  }

  /** Resolves once every running call has settled, the grace period is over, or a cut was asked for. */
  async graceOver(gracePeriodMs: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.waiting.keys()]), delay(gracePeriodMs), this.cutRequested]);
  }

  /** stopping -> cutting: the calls still waiting are answered with their cut failure. */
  cut(): void {
    if (this.current !== 'stopping') return;
    if (this.waiting.size > 0) this.log.warn('cutting keywords still running', { running: this.waiting.size });
    this.current = 'cutting';
    this.resolveCut();
    for (const cutCall of this.waiting.values()) cutCall();
  }

  /** cutting -> stopped. */
  finish(): void {
    this.current = 'stopped';
  }

  /** A call's abort signal, already aborted when the server is stopping; `release` drops it. */
  signal(): { abort: AbortController; release: () => void } {
    const abort = new AbortController();
    if (this.stopReason) abort.abort(this.stopReason);
    this.aborts.add(abort);
    return { abort, release: () => this.aborts.delete(abort) };
  }

  /**
   * Waits for a call's outcome, or answers it with `cutOutcome()` when the server cuts it first. One promise
   * per call, not a race of two: this runs for every call.
   */
  track(settled: Promise<Outcome>, cutOutcome: () => Outcome): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const answer = (outcome: Outcome): void => {
        if (this.waiting.delete(settled)) resolve(outcome);
      };
      this.waiting.set(settled, () => answer(cutOutcome()));
      void settled.then(answer);
    });
  }
}
