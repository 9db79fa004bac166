/**
 * Sessions: the URL path of a call selects one (`/` and `/RPC2` are the default session `''`). Each session
 * holds at most one library instance and runs its calls one at a time, in arrival order; different sessions
 * run concurrently. A session lives while it has an instance or calls queued; the number of live sessions is
 * capped.
 */
import { KeywordError, LibraryContractError, SessionLimitError, withoutTraceback } from './errors';
import type { BoundArguments, KeywordContext, KeywordDefinition, KeywordLogger, RemoteLibrary } from './library';

const noop = (): undefined => undefined;

export class Session<I> {
  instance: I | undefined;
  /** Published name of the keyword running now, for status pages. */
  runningKeyword: string | undefined;
  /** Keywords run so far. */
  calls = 0;
  lastUsed: Date | undefined;
  /** When the last call ended (`performance.now()`): the session lease counts from here. */
  idleSince = performance.now();
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  constructor(readonly name: string) {}

  /** Calls queued or running. */
  get pending(): number {
    return this.queued;
  }

  /** Runs `task` after every task enqueued before it. */
  enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.queued += 1;
    // then(done, failed) rather than finally(): this runs for every call, and finally costs two promises more.
    const run = this.tail.then(task).then(
      (value) => {
        this.settle();
        return value;
      },
      (error: unknown) => {
        this.settle();
        throw error;
      },
    );
    this.tail = run.then(noop, noop);
    return run;
  }

  private settle(): void {
    this.queued -= 1;
    if (this.queued === 0) this.idleSince = performance.now();
  }

  /** Resolves once everything enqueued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/** The URL path of a session, for logs: `/` for the default one. */
export function sessionPath(name: string): string {
  return `/${name}`;
}

/** Shown in errors: the default session has no path name. */
export function sessionLabel(name: string): string {
  return name === '' ? 'default session (/)' : `session '${name}'`;
}

export class SessionRegistry<I> {
  private readonly sessions = new Map<string, Session<I>>();

  constructor(
    private readonly maxSessions: number,
    /** Printable names of the keywords that end an instance, for the limit message. */
    private readonly endingKeywords: string[],
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  all(): Session<I>[] {
    return [...this.sessions.values()];
  }

  /** The session for a call, created on demand. Throws `SessionLimitError` when the cap is reached. */
  open(name: string): Session<I> {
    const existing = this.sessions.get(name);
    if (existing) return existing;
    if (this.sessions.size >= this.maxSessions) {
      const live = [...this.sessions.keys()].map((key) => (key === '' ? '/' : `/${key}`)).join(', ');
      const ending = this.endingKeywords.length > 0 ? ` (${this.endingKeywords.join(', ')})` : '';
      throw new SessionLimitError(
        `Cannot open ${sessionLabel(name)}: the server already has ${this.sessions.size} live sessions, its limit ` +
          `(--max-sessions ${this.maxSessions}). Live: ${live}. End a session with its ending keyword${ending}, ` +
          'or restart the server with a higher --max-sessions.',
      );
    }
    const session = new Session<I>(name);
    this.sessions.set(name, session);
    return session;
  }

  /** Forgets the session when it holds nothing; call after each of its calls. */
  release(session: Session<I>): void {
    if (session.pending === 0 && session.instance === undefined && this.sessions.get(session.name) === session) {
      this.sessions.delete(session.name);
    }
  }

  /** Removes and returns every instance, for disposal at shutdown. */
  takeInstances(): { session: string; instance: I }[] {
    const taken: { session: string; instance: I }[] = [];
    for (const session of this.sessions.values()) {
      if (session.instance !== undefined) taken.push({ session: session.name, instance: session.instance });
      session.instance = undefined;
    }
    return taken;
  }
}

export interface RunContext {
  log: KeywordLogger;
  /** The call's abort signal, made on first use. */
  signal: () => AbortSignal;
}

function isCreatedInstance(value: unknown): value is { instance: unknown; result?: unknown } {
  return typeof value === 'object' && value !== null && 'instance' in value;
}

/**
 * What a keyword's `run` receives. A class, not an object literal with a `signal` getter: that getter is a
 * closure over this module's per-call scope, and with it every call's objects outlived young-generation
 * GCs and were promoted, and the longer GC pauses that followed set the server's p99 latency (figures in
 * docs/server.md, "Per-call cost").
 */
class CallContext<I> implements KeywordContext<I> {
  readonly log: KeywordLogger;

  constructor(
    readonly instance: I | undefined,
    readonly session: string,
    private readonly run: RunContext,
  ) {
    this.log = run.log;
  }

  get signal(): AbortSignal {
    return this.run.signal();
  }
}

/**
 * Runs a keyword against the session's instance, honouring its `instance` use: `creates` disposes the previous
 * instance and keeps the new one, `ends` disposes it afterwards (also on failure), `uses` needs one.
 * Call only from inside `session.enqueue`.
 */
export async function runWithInstance<I>(
  library: RemoteLibrary<I>,
  session: Session<I>,
  keyword: KeywordDefinition<I>,
  args: BoundArguments,
  context: RunContext,
): Promise<unknown> {
  // Called inside this async function, so a keyword that throws instead of rejecting still rejects.
  const run = (instance: I | undefined): Promise<unknown> => keyword.run(new CallContext(instance, session.name, context), args);
  switch (keyword.instance) {
    case 'uses':
      if (session.instance === undefined) throw withoutTraceback(new KeywordError(library.instanceMissingMessage));
      return await run(session.instance);
    case 'creates': {
      const previous = session.instance;
      const refusal = previous === undefined ? undefined : library.replaceRefusal?.(previous, session.name, keyword.name);
      if (refusal !== undefined) throw withoutTraceback(new KeywordError(refusal));
      if (previous !== undefined) {
        session.instance = undefined;
        try {
          await library.disposeInstance(previous, context.log, session.name);
        } catch (error) {
          context.log.warn(`Disposing the previous instance failed: ${String(error)}`);
        }
      }
      const created = await run(undefined);
      if (!isCreatedInstance(created) || created.instance === undefined) {
        throw new LibraryContractError(
          `Keyword '${keyword.name}' is declared to create the session instance but returned no { instance }.`,
        );
      }
      session.instance = created.instance as I;
      return created.result;
    }
    case 'ends': {
      const current = session.instance;
      let outcome: { value: unknown } | { error: unknown };
      try {
        outcome = { value: await run(current) };
      } catch (error) {
        outcome = { error };
      }
      if (current !== undefined) {
        if (session.instance === current) session.instance = undefined;
        try {
          await library.disposeInstance(current, context.log, session.name);
        } catch (error) {
          // The keyword's own failure says more than the clean-up's; report the clean-up's only when alone.
          if (!('error' in outcome)) throw error;
          context.log.warn(`Disposing the instance also failed: ${String(error)}`);
        }
      }
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    }
    default:
      return await run(session.instance);
  }
}
