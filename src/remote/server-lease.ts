/**
 * The session lease: a session that holds an instance and has received no call for `leaseMs` is ended as
 * its ending keyword would end it (the library disposes the instance). Robot tells the server nothing when
 * a run dies (Jenkins aborts the job, a pabot worker crashes), and without a lease such a session's VM kept
 * its huge pages and sockets until the server stopped.
 */
import type winston from 'winston';
import { CallLogger } from './logger';
import type { RemoteLibrary } from './library';
import { sessionPath, type Session, type SessionRegistry } from './sessions';

/** The sweep's period: often enough that a session ends within a few percent of its lease, at most a minute. */
function sweepPeriod(leaseMs: number): number {
  return Math.min(Math.max(leaseMs / 10, 50), 60_000);
}

export class SessionLease<I> {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly leaseMs: number,
    private readonly registry: SessionRegistry<I>,
    private readonly library: RemoteLibrary<I>,
    private readonly log: winston.Logger,
  ) {}

  /** Starts sweeping; a lease of 0 never expires. */
  start(): void {
    if (this.leaseMs <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => this.sweep(), sweepPeriod(this.leaseMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    const now = performance.now();
    for (const session of this.registry.all()) {
      if (session.pending === 0 && session.instance !== undefined && now - session.idleSince >= this.leaseMs) void this.expire(session);
    }
  }

  /** Ends the session's instance in its queue, so that no call of the session runs meanwhile. */
  private async expire(session: Session<I>): Promise<void> {
    const idleSince = session.idleSince;
    await session
      .enqueue(async () => {
        const instance = session.instance;
        // A call came in between the sweep and now: the session is in use again.
        if (instance === undefined || session.idleSince !== idleSince) return;
        const idleSeconds = (performance.now() - idleSince) / 1000;
        const holds = this.library.describeInstance?.(instance) ?? 'an instance';
        const path = sessionPath(session.name);
        this.log.warn(
          `session lease expired: ${path} received no call for ${idleSeconds.toFixed(1)} s (lease ${this.leaseMs / 1000} s); ` +
            `ending it as its ending keyword would: ${holds}`,
          { session: path, holds, idleSeconds: Math.round(idleSeconds * 10) / 10, leaseSeconds: this.leaseMs / 1000 },
        );
        session.instance = undefined;
        const logger = new CallLogger();
        try {
          await this.library.disposeInstance(instance, logger, session.name);
        } catch (error) {
          this.log.error('ending a session whose lease expired failed', { session: path, holds, error: String(error) });
        } finally {
          const output = logger.close();
          if (output) this.log.info('session lease expired: ended', { session: path, output });
        }
      })
      .catch((error: unknown) => this.log.error('session lease: internal error', { session: sessionPath(session.name), error: String(error) }));
    this.registry.release(session);
  }
}
