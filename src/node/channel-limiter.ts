/**
 * Keeps the number of session channels on one SSH connection at or below the server's limit (OpenSSH
 * `MaxSessions`, default 10): callers over the limit wait in FIFO order. When the server refuses a channel
 * while others are open, its real limit is lower than configured, and the limit adapts down to the number
 * of channels the server had accepted.
 */
export class ChannelLimitWaitAborted extends Error {}

interface Waiter {
  grant: () => void;
}

export class ChannelLimiter {
  private active = 0;
  private peak = 0;
  private currentLimit: number;
  private readonly waiters: Waiter[] = [];

  constructor(limit: number) {
    this.currentLimit = Math.max(1, limit);
  }

  get limit(): number {
    return this.currentLimit;
  }

  get inUse(): number {
    return this.active;
  }

  /** The most slots ever held at once. */
  get peakInUse(): number {
    return this.peak;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * Resolves with a release function once a channel may be opened. `front` puts the caller ahead of the
   * queue (a request the server refused goes back first, not last). An aborted `signal` leaves the queue.
   */
  acquire(options: { signal?: AbortSignal; front?: boolean } = {}): Promise<() => void> {
    const { signal, front = false } = options;
    if (signal?.aborted) return Promise.reject(new ChannelLimitWaitAborted('aborted while waiting for a free channel'));
    if (this.active < this.currentLimit && this.waiters.length === 0) {
      this.take();
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.take();
          resolve(this.releaser());
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new ChannelLimitWaitAborted('aborted while waiting for a free channel'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (front) this.waiters.unshift(waiter);
      else this.waiters.push(waiter);
    });
  }

  /**
   * The server refused a channel while `othersOpen` other channels were held: its limit is at most that.
   * Returns the new limit, or `undefined` when the refusal cannot be a session-limit refusal (no others).
   */
  lowerAfterRefusal(othersOpen: number): number | undefined {
    if (othersOpen < 1) return undefined;
    this.currentLimit = Math.max(1, Math.min(this.currentLimit, othersOpen));
    return this.currentLimit;
  }

  private take(): void {
    this.active += 1;
    this.peak = Math.max(this.peak, this.active);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.dispatch();
    };
  }

  private dispatch(): void {
    while (this.active < this.currentLimit && this.waiters.length > 0) {
      this.waiters.shift()?.grant();
    }
  }
}
