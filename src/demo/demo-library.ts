/**
 * A small library that exercises every part of the remote protocol: every argument form, every return type,
 * every log level, failures (plain, named, continuable, fatal), a slow keyword and a per-session instance.
 * Served by `qemu-utils-remote --library demo`; the protocol tests and the Robot suite use it.
 */
import { KeywordError, type KeywordDefinition, type KeywordLogger, type LogLevel, type RemoteLibrary } from '../remote/library';

export interface Counter {
  count: number;
  readonly session: string;
}

export interface DemoLibraryOptions {
  /** Told about each disposed counter (tests check the lifecycle with it). */
  onDispose?: (counter: Counter) => void;
}

class DemoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
}

const LOG_LEVELS: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'HTML', 'WARN', 'ERROR', 'CONSOLE'];

function sleep(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new KeywordError('Sleep aborted: the server is stopping.'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, seconds * 1000);
    // A sleep the server has given up on (cut at shutdown) must not keep the process alive.
    timer.unref();
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new KeywordError('Sleep aborted: the server is stopping.'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Values of every kind a keyword may return, by name. */
function sampleValue(kind: string): unknown {
  const circular: Record<string, unknown> = { name: 'loop' };
  circular.self = circular;
  const samples: Record<string, () => unknown> = {
    string: () => 'Hyvä äiti ☃',
    empty: () => '',
    int: () => 42,
    negative: () => -7,
    i8: () => 2 ** 40,
    float: () => 3.5,
    inf: () => Infinity,
    negative_inf: () => -Infinity,
    nan: () => NaN,
    true: () => true,
    false: () => false,
    none: () => null,
    undefined: () => undefined,
    bytes: () => Buffer.from([0, 1, 0xe4, 0xff]),
    uint8array: () => new Uint8Array([1, 2, 3]),
    control: () => 'bell\x07 and nul\x00',
    control_unrepresentable: () => '\x00 snowman ☃',
    non_xml: () => 'bad \uFFFF',
    cr: () => 'line1\r\nline2\r',
    markup: () => '<a href="x">&amp;</a> ]]>',
    date: () => new Date(2024, 0, 2, 3, 4, 5, 678),
    object: () => ({ name: 'vm1', nested: { cpus: 2, tags: ['a', 'b'] }, missing: null }),
    list: () => [1, 'two', null, [3, { four: 4 }]],
    map: () => new Map<unknown, unknown>([['a', 1], [2, 'two'], [null, 'none']]),
    set: () => new Set(['x', 'y']),
    bigint: () => 123n,
    bigint64: () => 2n ** 62n,
    bigint_huge: () => 2n ** 70n,
    class_instance: () => new (class Point { constructor(readonly x = 1, readonly y = 2) {} })(),
    url: () => new URL('http://example.com/path'),
    circular: () => circular,
    html_error: () => '*HTML* <b>bold</b>',
  };
  const make = samples[kind];
  if (!make) throw new KeywordError(`Unknown kind '${kind}'. Kinds: ${Object.keys(samples).join(', ')}.`);
  return make();
}

function describe(value: unknown): unknown {
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `Buffer ${value.toString('hex')}`;
  if (value instanceof Date) return `Date ${value.toISOString()}`;
  if (Array.isArray(value)) return value.map(describe);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, describe(item)]));
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return `number ${String(value)}`;
  return `${typeof value} ${String(value)}`;
}

function evaluate(expression: string): number {
  const match = /^\s*(-?\d+)\s*([-+*])\s*(-?\d+)\s*$/.exec(expression);
  if (!match) throw new KeywordError(`Cannot evaluate '${expression}': use 'A + B', 'A - B' or 'A * B'.`);
  const [left, right] = [Number(match[1]), Number(match[3])];
  return match[2] === '+' ? left + right : match[2] === '-' ? left - right : left * right;
}

type DemoKeyword = KeywordDefinition<Counter>;

const argumentKeywords: DemoKeyword[] = [
  {
    name: 'echo',
    parameters: [{ name: 'value' }],
    doc: 'Returns ``value`` exactly as received.',
    tags: ['values'],
    instance: 'none',
    run: async (_context, args) => args.value,
  },
  {
    name: 'describe_value',
    parameters: [{ name: 'value' }],
    returnType: 'str',
    doc: 'Returns the JavaScript type and value the server received, e.g. ``number 42`` or ``Buffer 00ff``.',
    tags: ['values'],
    instance: 'none',
    run: async (_context, args) => describe(args.value),
  },
  {
    name: 'positional_only',
    parameters: [
      { name: 'first', kind: 'positional-only' },
      { name: 'second', kind: 'positional-only', default: 'second' },
    ],
    doc: 'Takes positional-only arguments and returns them as a list.',
    tags: ['arguments'],
    instance: 'none',
    run: async (_context, args) => [args.first, args.second],
  },
  {
    name: 'defaults',
    parameters: [
      { name: 'text', default: 'hello' },
      { name: 'count', default: 1 },
      { name: 'flag', default: true },
      { name: 'maybe', type: 'int | None', default: null },
    ],
    returnType: 'dict',
    doc: 'Returns its arguments; the server applies the defaults of omitted ones.',
    tags: ['arguments'],
    instance: 'none',
    run: async (_context, args) => ({ text: args.text, count: args.count, flag: args.flag, maybe: describe(args.maybe) }),
  },
  {
    name: 'varargs',
    parameters: [{ name: 'first' }, { name: 'rest', kind: 'var-positional' }],
    doc: 'Takes one or more arguments.',
    tags: ['arguments'],
    instance: 'none',
    run: async (_context, args) => ({ first: args.first, rest: args.rest }),
  },
  {
    name: 'named_only',
    parameters: [
      { name: 'a' },
      { name: 'kwo', kind: 'named-only' },
      { name: 'kwo2', kind: 'named-only', default: 'x' },
    ],
    doc: 'Takes ``a`` and the named-only ``kwo`` and ``kwo2``.',
    tags: ['arguments'],
    instance: 'none',
    run: async (_context, args) => ({ a: args.a, kwo: args.kwo, kwo2: args.kwo2 }),
  },
  {
    name: 'free_named',
    parameters: [{ name: 'a' }, { name: 'options', kind: 'var-named' }],
    doc: 'Takes ``a`` and any other named arguments.',
    tags: ['arguments'],
    instance: 'none',
    run: async (_context, args) => ({ a: args.a, options: args.options }),
  },
  {
    name: 'all_kinds',
    parameters: [
      { name: 'a', type: 'int' },
      { name: 'b', default: 2 },
      { name: 'rest', kind: 'var-positional' },
      { name: 'kwo', kind: 'named-only' },
      { name: 'kwo2', kind: 'named-only', default: 'x' },
      { name: 'kw', kind: 'var-named' },
    ],
    returnType: 'dict',
    doc: 'Every argument kind at once: ``a: int, b=2, *rest, kwo, kwo2=x, **kw``.',
    tags: ['arguments'],
    instance: 'none',
    run: async (_context, args) => ({ a: args.a, b: args.b, rest: args.rest, kwo: args.kwo, kwo2: args.kwo2, kw: args.kw }),
  },
  {
    name: 'typed_arguments',
    parameters: [
      { name: 'count', type: 'int' },
      { name: 'ratio', type: 'float', default: 1.5 },
      { name: 'flag', type: 'bool', default: false },
      { name: 'maybe', type: 'int | None', default: null },
      { name: 'choice', type: "Literal['fast', 'slow']", default: 'fast' },
      { name: 'items', kind: 'named-only', type: 'list[int] | None', default: null },
    ],
    returnType: 'dict',
    doc: 'Arguments with declared types; returns what each became on the server (type and value).',
    tags: ['arguments', 'types'],
    instance: 'none',
    run: async (_context, args) =>
      Object.fromEntries(Object.entries(args).map(([key, value]) => [key, describe(value)])),
  },
  {
    name: 'Result of ${expression} should be ${result}',
    parameters: [{ name: 'expression' }, { name: 'result', type: 'int' }],
    doc: 'An embedded-argument keyword: ``Result of 1 + 2 should be 3``.',
    tags: ['arguments'],
    instance: 'none',
    run: async (_context, args) => {
      const actual = evaluate(String(args.expression));
      if (actual !== args.result) throw new KeywordError(`${String(args.expression)} is ${actual}, not ${String(args.result)}.`);
    },
  },
  {
    name: 'login',
    parameters: [{ name: 'user' }, { name: 'password' }],
    doc: 'Pretends to log in; the server log redacts ``password``.',
    tags: ['values'],
    instance: 'none',
    run: async (_context, args) => `Logged in as ${String(args.user)}`,
  },
];

const behaviourKeywords: DemoKeyword[] = [
  {
    name: 'no_operation',
    parameters: [],
    doc: 'Does nothing (for benchmarks).',
    instance: 'none',
    run: async () => undefined,
  },
  {
    name: 'return_value',
    parameters: [{ name: 'kind' }],
    doc: 'Returns a sample value of the given kind: ``string``, ``int``, ``i8``, ``float``, ``inf``, ``nan``, ' +
      '``bytes``, ``control``, ``cr``, ``date``, ``object``, ``list``, ``map``, ``set``, ``bigint``, ``circular``, ...',
    tags: ['values'],
    instance: 'none',
    run: async (_context, args) => sampleValue(String(args.kind)),
  },
  {
    name: 'log_levels',
    parameters: [],
    doc: 'Logs one message at every level, then a multi-line message.',
    tags: ['logging'],
    instance: 'none',
    run: async ({ log }) => {
      for (const level of LOG_LEVELS) {
        log.log(level, level === 'HTML' ? '<b>HTML</b> message' : `${level} message`);
      }
      log.info('first line\n\nthird line');
    },
  },
  {
    name: 'log_message',
    parameters: [{ name: 'message' }, { name: 'level', default: 'INFO', type: "Literal['TRACE', 'DEBUG', 'INFO', 'HTML', 'WARN', 'ERROR', 'CONSOLE']" }],
    doc: 'Logs ``message`` at ``level``.',
    tags: ['logging'],
    instance: 'none',
    run: async ({ log }, args) => log.log(args.level as LogLevel, String(args.message)),
  },
  {
    name: 'fail_with',
    parameters: [
      { name: 'message' },
      { name: 'error_type', default: 'Error', type: "Literal['Error', 'TypeError', 'KeywordError', 'DemoError', 'Suppressed', 'String']" },
    ],
    doc: 'Fails with ``message`` by throwing ``error_type``.',
    tags: ['failures'],
    instance: 'none',
    run: async ({ log }, args) => {
      const message = String(args.message);
      log.info('About to fail');
      switch (args.error_type) {
        case 'TypeError':
          throw new TypeError(message);
        case 'KeywordError':
          throw new KeywordError(message);
        case 'DemoError':
          throw new DemoError(message);
        case 'Suppressed':
          throw Object.assign(new DemoError(message), { ROBOT_SUPPRESS_NAME: true });
        case 'String':
          throw message;
        default:
          throw new Error(message);
      }
    },
  },
  {
    name: 'fail_continuable',
    parameters: [{ name: 'message' }],
    doc: 'Fails so that the test continues (Robot reports all such failures at the end).',
    tags: ['failures'],
    instance: 'none',
    run: async (_context, args) => {
      throw new KeywordError(String(args.message), { continuable: true });
    },
  },
  {
    name: 'fail_fatal',
    parameters: [{ name: 'message' }],
    doc: 'Fails so that the whole Robot run stops.',
    tags: ['failures'],
    instance: 'none',
    run: async (_context, args) => {
      throw new KeywordError(String(args.message), { fatal: true });
    },
  },
  {
    name: 'sleep_seconds',
    parameters: [
      { name: 'seconds', type: 'float' },
      { name: 'honour_stop', type: 'bool', default: true },
    ],
    returnType: 'float',
    doc:
      'Sleeps, logging before and after. Stops early when the server stops, unless ``honour_stop`` is false ' +
      '(then the server cuts it after its grace period).',
    tags: ['timing'],
    instance: 'none',
    run: async ({ log, signal, session }, args) => {
      const seconds = Number(args.seconds);
      log.info(`Sleeping ${seconds} s in session '${session}'`);
      await sleep(seconds, args.honour_stop === false ? new AbortController().signal : signal);
      log.info(`Slept ${seconds} s`);
      return seconds;
    },
  },
];

function counterKeywords(options: DemoLibraryOptions): { keywords: DemoKeyword[]; dispose: (counter: Counter, log: KeywordLogger) => Promise<void> } {
  const keywords: DemoKeyword[] = [
    {
      name: 'open_counter',
      parameters: [{ name: 'start', type: 'int', default: 0 }],
      doc: "Creates this session's counter (closing an earlier one).",
      tags: ['instance'],
      instance: 'creates',
      run: async ({ session }, args) => {
        const counter: Counter = { count: Number(args.start), session };
        return { instance: counter, result: counter.count };
      },
    },
    {
      name: 'increment',
      parameters: [{ name: 'by', type: 'int', default: 1 }],
      returnType: 'int',
      doc: "Adds ``by`` to this session's counter and returns the new value.",
      tags: ['instance'],
      instance: 'uses',
      run: async ({ instance }, args) => {
        if (!instance) throw new KeywordError('No counter.');
        instance.count += Number(args.by);
        return instance.count;
      },
    },
    {
      name: 'counter_value',
      parameters: [],
      returnType: 'int',
      doc: "Returns this session's counter.",
      tags: ['instance'],
      instance: 'uses',
      run: async ({ instance }) => instance?.count,
    },
    {
      name: 'close_counter',
      parameters: [],
      returnType: 'int | None',
      doc: "Closes this session's counter and returns its last value (None when there was none).",
      tags: ['instance'],
      instance: 'ends',
      run: async ({ instance }) => (instance ? instance.count : null),
    },
    {
      name: 'session_name',
      parameters: [],
      returnType: 'str',
      doc: 'Returns the session name (the URL path without ``/``; empty for the default session).',
      tags: ['instance'],
      instance: 'none',
      run: async ({ session }) => session,
    },
  ];
  const dispose = async (counter: Counter, log: KeywordLogger): Promise<void> => {
    log.info(`Counter of session '${counter.session}' closed at ${counter.count}`);
    options.onDispose?.(counter);
  };
  return { keywords, dispose };
}

export function createDemoLibrary(options: DemoLibraryOptions = {}): RemoteLibrary<Counter> {
  const counters = counterKeywords(options);
  return {
    name: 'Demo',
    version: '1.0.0',
    intro:
      'Demo library of the qemu-utils-remote server.\n\nIt exercises the remote protocol: argument forms, ' +
      'value types, logging, failures and a per-session counter (`Open Counter`, `Increment`, `Close Counter`).',
    initDoc: 'Import with ``Library    Remote    http://127.0.0.1:8270/NAME    AS    NAME``; each path is a session.',
    keywords: [...argumentKeywords, ...behaviourKeywords, ...counters.keywords],
    instanceMissingMessage: 'No counter in this session: run `Open Counter` first.',
    disposeInstance: counters.dispose,
  };
}
