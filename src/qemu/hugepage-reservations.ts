/**
 * Huge pages promised to starts under way. `Start All VMs` (and concurrent sessions on one DUT) start VMs
 * together: every check read the same free pages, all passed, and the QEMU that mapped last died with
 * `Cannot allocate memory`. So a check that passes reserves its pages here until its QEMU has mapped them
 * (QEMU has daemonized: its memory backend is allocated, and the kernel counts the pages as reserved,
 * `resv_hugepages`, or used) or its start has failed; a later check on the same pool counts them.
 *
 * One registry per server process: the pool is the node's (host and page size), whichever session starts.
 * When the pages fit what the kernel reports but not with the reservations, the check waits for those starts
 * to end and reads again, instead of failing: while a QEMU is mapping, the kernel and the reservation both
 * count its pages, and failing then would refuse a VM that fits.
 */
import type { Node } from '../node';
import { nodeKey } from './vm-ownership';

/** A start under way and the pages it was promised. */
export interface PendingStart {
  /** Names the start in messages: `VM 2 (session /vm2)`. */
  readonly vm: string;
  readonly pages: number;
  /** The hugetlbfs the VM's memory comes from: a mount's own size= limit is shared by its VMs only. */
  readonly mountPoint: string;
}

/** What the node reports, in pages of the pool's size. */
export interface PoolBudget {
  /** Pages of the pool a new mapping can get (free less reserved, or HEAD's overcommit count). */
  available: number;
  /** The mount's size= limit and its pages not yet used or reserved; absent when the mount has no limit. */
  mountLimit?: { pages: number; free: number } | undefined;
}

export type BudgetVerdict =
  | { verdict: 'fits' }
  /** Fits what the kernel reports, not with the pages promised to `pending`: wait for them and read again. */
  | { verdict: 'wait'; pending: PendingStart[] }
  /** The kernel's figure alone is short (`short` names what), whatever the starts under way do. */
  | { verdict: 'short'; short: 'pool' | 'mount'; pending: PendingStart[] };

/** Whether `needed` pages for a VM backed by `mountPoint` fit `budget` beside the starts `pending`. */
export function judgeBudget(needed: number, mountPoint: string, budget: PoolBudget, pending: readonly PendingStart[]): BudgetVerdict {
  const sameMount = pending.filter((start) => start.mountPoint === mountPoint);
  const sum = (starts: readonly PendingStart[]): number => starts.reduce((total, start) => total + start.pages, 0);
  const limit = budget.mountLimit;
  if (needed > budget.available) return { verdict: 'short', short: 'pool', pending: [...pending] };
  if (limit !== undefined && needed > limit.free) return { verdict: 'short', short: 'mount', pending: sameMount };
  const poolFits = needed + sum(pending) <= budget.available;
  const mountFits = limit === undefined || needed + sum(sameMount) <= limit.free;
  if (poolFits && mountFits) return { verdict: 'fits' };
  return { verdict: 'wait', pending: poolFits ? sameMount : [...pending] };
}

/** `VM 1 (session /vm1) 1024 pages, VM 2 ... 512 pages`. */
export function describePending(pending: readonly PendingStart[]): string {
  return pending.map((start) => `${start.vm} ${start.pages} pages`).join(', ');
}

export interface Reservation {
  /** Ends the promise: the VM's QEMU holds its pages, or its start failed. Idempotent. */
  release(): void;
}

interface Held extends PendingStart {
  readonly ended: Promise<void>;
}

/** The pool of one page size on one node, as the registry keys it. */
export function poolKey(node: Pick<Node, 'host' | 'port' | 'transport'>, pageSizeKb: number): string {
  return `${nodeKey(node)}#${pageSizeKb}kB`;
}

export class HugePageReservations {
  private readonly held = new Map<string, Set<Held>>();

  /** The starts under way on the pool. */
  pending(pool: string): PendingStart[] {
    return [...(this.held.get(pool) ?? [])];
  }

  reserve(pool: string, start: PendingStart): Reservation {
    let finish = (): void => undefined;
    const held: Held = { ...start, ended: new Promise<void>((resolve) => (finish = resolve)) };
    const set = this.held.get(pool) ?? new Set<Held>();
    set.add(held);
    this.held.set(pool, set);
    return {
      release: () => {
        set.delete(held);
        if (set.size === 0 && this.held.get(pool) === set) this.held.delete(pool);
        finish();
      },
    };
  }

  /** Resolves when one of `starts` has ended; rejects when `signal` aborts (the keyword is cancelled). */
  async anyEnded(starts: readonly PendingStart[], signal?: AbortSignal): Promise<void> {
    const ended = starts.map((start) => (start as Partial<Held>).ended).filter((promise): promise is Promise<void> => promise !== undefined);
    if (ended.length === 0) return;
    if (signal === undefined) return Promise.race(ended);
    signal.throwIfAborted();
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([...ended, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}

/** The server process's starts under way. */
export const HUGE_PAGE_RESERVATIONS = new HugePageReservations();

export interface ReserveRequest<B extends PoolBudget> {
  registry: HugePageReservations;
  /** The pool's key (`poolKey`) for what was read: the default page size is known only then. */
  pool: (budget: B) => string;
  /** The start asking, for the other starts' messages; undefined: only check, reserve nothing. */
  vm: string | undefined;
  /** Pages the start needs, in the read pool's page size. */
  pages: (budget: B) => number;
  mountPoint: string;
  /** Reads the node's figures (again after each wait). */
  read: () => Promise<B>;
  /** Says that the check waits, and for which starts. */
  waiting: (pending: readonly PendingStart[]) => void;
  signal?: AbortSignal | undefined;
}

/** `waited`: the starts this check waited for; they hold their pages now (or failed). */
export type ReserveOutcome<B extends PoolBudget> =
  | { budget: B; waited: PendingStart[]; reservation: Reservation }
  | { budget: B; waited: PendingStart[]; short: 'pool' | 'mount'; pending: PendingStart[] };

const NO_RESERVATION: Reservation = { release: () => undefined };

/**
 * Reads the budget and, when the pages fit beside the starts under way, reserves them (no await between the
 * judgement and the reservation: two checks cannot both take the last pages); waits while only the starts
 * under way are in the way.
 */
export async function reservePages<B extends PoolBudget>(request: ReserveRequest<B>): Promise<ReserveOutcome<B>> {
  const waited = new Set<PendingStart>();
  for (;;) {
    const budget = await request.read();
    const pool = request.pool(budget);
    const pending = request.registry.pending(pool);
    const pages = request.pages(budget);
    const judged = judgeBudget(pages, request.mountPoint, budget, pending);
    if (judged.verdict === 'fits') {
      const reservation = request.vm === undefined ? NO_RESERVATION : request.registry.reserve(pool, { vm: request.vm, pages, mountPoint: request.mountPoint });
      return { budget, waited: [...waited], reservation };
    }
    if (judged.verdict === 'short') return { budget, waited: [...waited], short: judged.short, pending: judged.pending };
    for (const start of judged.pending) waited.add(start);
    request.waiting(judged.pending);
    await request.registry.anyEnded(judged.pending, request.signal);
  }
}
