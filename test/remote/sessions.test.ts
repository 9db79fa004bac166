import { KeywordError, type KeywordDefinition, type RemoteLibrary } from '../../src/remote/library';
import { CallLogger } from '../../src/remote/logger';
import { SessionLimitError } from '../../src/remote/errors';
import { runWithInstance, Session, SessionRegistry } from '../../src/remote/sessions';

interface Thing {
  id: number;
}

function lifecycleLibrary(disposed: number[]): RemoteLibrary<Thing> {
  return {
    name: 'Life',
    version: '1',
    intro: '',
    initDoc: '',
    keywords: [],
    instanceMissingMessage: 'Run Create first.',
    disposeInstance: async (thing) => {
      disposed.push(thing.id);
    },
  };
}

function kw(instance: KeywordDefinition<Thing>['instance'], run: KeywordDefinition<Thing>['run']): KeywordDefinition<Thing> {
  return { name: `k_${instance}`, parameters: [], doc: '', instance, run };
}

const context = (): { log: CallLogger; signal: () => AbortSignal } => ({ log: new CallLogger(), signal: () => new AbortController().signal });

describe('session queue', () => {
  test('runs tasks one at a time in arrival order, even when earlier ones are slower or fail', async () => {
    const session = new Session<Thing>('s');
    const events: string[] = [];
    let running = 0;
    const task = (name: string, ms: number, fail = false) => async (): Promise<string> => {
      running += 1;
      expect(running).toBe(1);
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      events.push(`end ${name}`);
      running -= 1;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([
      session.enqueue(task('a', 30)),
      session.enqueue(task('b', 1, true)),
      session.enqueue(task('c', 10)),
    ]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(session.pending).toBe(0);
  });
});

describe('session registry', () => {
  test('caps live sessions with a message naming them and the ending keywords', () => {
    const registry = new SessionRegistry<Thing>(2, ['Close Counter']);
    registry.open('');
    registry.open('a');
    expect(registry.open('a').name).toBe('a');
    let error: unknown;
    try {
      registry.open('b');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SessionLimitError);
    expect((error as Error).message).toBe(
      "Cannot open session 'b': the server already has 2 live sessions, its limit (--max-sessions 2). Live: /, /a. " +
        'End a session with its ending keyword (Close Counter), or restart the server with a higher --max-sessions.',
    );
  });

  test('forgets sessions that hold nothing, keeps those with an instance', () => {
    const registry = new SessionRegistry<Thing>(1, []);
    const empty = registry.open('x');
    registry.release(empty);
    const holding = registry.open('y');
    holding.instance = { id: 1 };
    registry.release(holding);
    expect(registry.all().map((session) => session.name)).toEqual(['y']);
    expect(registry.takeInstances()).toEqual([{ session: 'y', instance: { id: 1 } }]);
    expect(holding.instance).toBeUndefined();
  });
});

describe('instance lifecycle', () => {
  test("a creating keyword the library refuses keeps the session's instance and never runs", async () => {
    const disposed: number[] = [];
    const library: RemoteLibrary<Thing> = {
      ...lifecycleLibrary(disposed),
      replaceRefusal: (thing, session, keyword) => (thing.id === 1 ? `${keyword} in /${session}: thing 1 is busy` : undefined),
    };
    const session = new Session<Thing>('s');
    let runs = 0;
    const create = (id: number): KeywordDefinition<Thing> => kw('creates', async () => ({ instance: { id }, result: `made ${(runs += 1)}` }));
    await runWithInstance(library, session, create(1), {}, context());
    await expect(runWithInstance(library, session, create(2), {}, context())).rejects.toThrow(new KeywordError('k_creates in /s: thing 1 is busy'));
    expect([session.instance, disposed, runs]).toEqual([{ id: 1 }, [], 1]);
  });

  test('creates keeps the instance, replaces and disposes an earlier one; uses sees it; ends disposes it', async () => {
    const disposed: number[] = [];
    const library = lifecycleLibrary(disposed);
    const session = new Session<Thing>('s');
    const create = (id: number): KeywordDefinition<Thing> => kw('creates', async () => ({ instance: { id }, result: `made ${id}` }));

    await expect(runWithInstance(library, session, kw('uses', async () => 'x'), {}, context())).rejects.toThrow('Run Create first.');
    expect(await runWithInstance(library, session, create(1), {}, context())).toBe('made 1');
    expect(await runWithInstance(library, session, create(2), {}, context())).toBe('made 2');
    expect(disposed).toEqual([1]);
    const seen = await runWithInstance(library, session, kw('uses', async ({ instance }) => instance?.id), {}, context());
    expect(seen).toBe(2);
    await runWithInstance(library, session, kw('ends', async ({ instance }) => instance?.id), {}, context());
    expect(disposed).toEqual([1, 2]);
    expect(session.instance).toBeUndefined();
  });

  test('ends disposes even when the keyword fails, and reports the keyword failure', async () => {
    const disposed: number[] = [];
    const session = new Session<Thing>('s');
    session.instance = { id: 7 };
    const failing = kw('ends', async () => {
      throw new KeywordError('kill failed');
    });
    await expect(runWithInstance(lifecycleLibrary(disposed), session, failing, {}, context())).rejects.toThrow('kill failed');
    expect(disposed).toEqual([7]);
    expect(session.instance).toBeUndefined();
  });

  test('a creates keyword that returns no instance is a library bug, reported as such', async () => {
    const session = new Session<Thing>('s');
    const broken = kw('creates', async () => 'not an instance');
    await expect(runWithInstance(lifecycleLibrary([]), session, broken, {}, context())).rejects.toThrow(
      /declared to create the session instance but returned no \{ instance \}/,
    );
  });

  test('a synchronous throw inside run becomes a rejected call', async () => {
    const session = new Session<Thing>('s');
    const throwing: KeywordDefinition<Thing> = {
      ...kw('none', async () => undefined),
      run: () => {
        throw new Error('sync');
      },
    };
    await expect(runWithInstance(lifecycleLibrary([]), session, throwing, {}, context())).rejects.toThrow('sync');
  });
});

describe('keyword logger', () => {
  test('writes line-start *LEVEL:millis* markers, keeps multi-line messages, drops late lines', () => {
    const late: string[] = [];
    const logger = new CallLogger((level, message) => late.push(`${level} ${message}`));
    logger.trace('t');
    logger.html('<b>h</b>');
    logger.info('line 1\nline 2');
    logger.console('c');
    const output = logger.close();
    expect(output).toMatch(/^\*TRACE:\d{13}\* t\n\*HTML:\d{13}\* <b>h<\/b>\n\*INFO:\d{13}\* line 1\nline 2\n\*CONSOLE:\d{13}\* c$/);
    logger.warn('too late');
    expect(late).toEqual(['WARN too late']);
  });
});
