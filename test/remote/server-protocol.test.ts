/**
 * The remote API as Robot's Remote library uses it, over real HTTP with Python's xmlrpc.client
 * (protocol notes §8, items 1-45 that need no special server options).
 */
import { py, pyError } from '../support/xmlrpc';
import { callRecords, startDemoServer, type TestServer } from '../support/servers';

let demo: TestServer;

beforeAll(async () => {
  demo = await startDemoServer();
});

afterAll(async () => {
  await demo.server.stop();
});

interface Result {
  status: string;
  return?: unknown;
  error?: unknown;
  traceback?: string;
  output?: string;
  continuable?: boolean;
  fatal?: boolean;
}

describe('transport and remote API methods', () => {
  test('POSTs to / and /RPC2 get HTTP 200 text/xml; the default session is the same on both', async () => {
    const result = (await py(
      demo.url,
      `
body = dumps([], 'get_keyword_names').encode()
result = {
    'slash': raw(body, path='/')[:2],
    'rpc2': raw(body, path='/RPC2')[:2],
    'session_slash': run('session_name', path='/'),
    'session_rpc2': run('session_name', path='/RPC2'),
    'session_named': run('session_name', path='/DUT1_vm1'),
}
result['slash'] = [result['slash'][0], result['slash'][1]['Content-Type'], result['slash'][1]['Connection']]
result['rpc2'] = [result['rpc2'][0], result['rpc2'][1]['Content-Type']]
`,
    )) as Record<string, unknown>;
    expect(result).toEqual({
      // The server closes each connection after its answer, as Robot opens one per call (see http.ts).
      slash: [200, 'text/xml', 'close'],
      rpc2: [200, 'text/xml'],
      session_slash: { status: 'PASS', return: '' },
      session_rpc2: { status: 'PASS', return: '' },
      session_named: { status: 'PASS', return: 'DUT1_vm1' },
    });
  });

  test('get_library_information: every keyword with args, types, tags, doc, plus __intro__ and __init__', async () => {
    const info = (await py(demo.url, "result = call('get_library_information', path='/x')")) as Record<string, Record<string, unknown>>;
    expect(info.__intro__).toEqual({ doc: expect.stringContaining('Demo library') });
    expect(info.__init__).toEqual({ doc: expect.stringContaining('Library    Remote') });
    expect(info.all_kinds).toEqual({
      args: ['a', ['b', 2], '*rest', 'kwo', 'kwo2=x', '**kw'],
      types: { a: 'int', return: 'dict' },
      tags: ['arguments'],
      doc: expect.any(String),
    });
    expect(info.typed_arguments?.types).toEqual({
      count: 'int',
      ratio: 'float',
      flag: 'bool',
      maybe: 'int | None',
      choice: "Literal['fast', 'slow']",
      items: 'list[int] | None',
      return: 'dict',
    });
    expect(info.stop_remote_server).toEqual({ args: [], types: {}, tags: [], doc: expect.stringMatching(/^Stop the remote server/) });
    for (const [name, entry] of Object.entries(info)) {
      if (name.startsWith('__')) continue;
      expect(Object.keys(entry).sort()).toEqual(['args', 'doc', 'tags', 'types']);
      expect(Array.isArray(entry.tags) && entry.tags.every((tag) => typeof tag === 'string')).toBe(true);
    }
  });

  test('the getters Robot falls back to, and __intro__/__init__ docs as strings', async () => {
    const result = (await py(
      demo.url,
      `
names = call('get_keyword_names')
result = {
    'names_have_stop': 'stop_remote_server' in names,
    'names_have_dunder': any(n.startswith('__') for n in names),
    'args': call('get_keyword_arguments', 'named_only'),
    'types': call('get_keyword_types', 'typed_arguments'),
    'no_types': call('get_keyword_types', 'echo'),
    'tags': call('get_keyword_tags', 'echo'),
    'no_tags': call('get_keyword_tags', 'no_operation'),
    'doc': call('get_keyword_documentation', 'echo'),
    'intro': call('get_keyword_documentation', '__intro__'),
    'init': call('get_keyword_documentation', '__init__'),
    'stop_args': call('get_keyword_arguments', 'stop_remote_server'),
}
`,
    )) as Record<string, unknown>;
    expect(result).toEqual({
      names_have_stop: true,
      names_have_dunder: false,
      args: ['a', '*', 'kwo', 'kwo2=x'],
      types: expect.objectContaining({ count: 'int', return: 'dict' }),
      no_types: {},
      tags: ['values'],
      no_tags: [],
      doc: 'Returns ``value`` exactly as received.',
      intro: expect.stringContaining('Demo library'),
      init: expect.stringContaining('AS    NAME'),
      stop_args: [],
    });
  });

  test('unknown methods, unknown keywords and wrong parameters get prompt Faults', async () => {
    const result = (await py(
      demo.url,
      `
import socket
socket.setdefaulttimeout(5)
faults = []
for method, params in [('no_such_method', []), ('get_keyword_source', ['echo']), ('run_keyword', ['no_such_keyword', []]),
                       ('run_keyword', ['Echo', ['x']]), ('run_keyword', ['echo']), ('run_keyword', ['echo', 'notalist']),
                       ('get_keyword_arguments', []), ('get_keyword_documentation', ['nope'])]:
    try:
        call(method, *params)
        faults.append('no fault')
    except xmlrpc.client.Fault as fault:
        faults.append([fault.faultCode, fault.faultString])
result = faults
`,
    )) as [number, string][];
    expect(result[0]?.[1]).toMatch(/^Unknown XML-RPC method 'no_such_method'\. .*has: get_library_information, /);
    expect(result[1]?.[1]).toMatch(/Unknown XML-RPC method 'get_keyword_source'/);
    expect(result[2]?.[1]).toBe("No keyword with name 'no_such_keyword' in remote library 'Demo'.");
    // Robot sends the published name verbatim; lookups are exact.
    expect(result[3]?.[1]).toBe("No keyword with name 'Echo' in remote library 'Demo'.");
    expect(result[4]?.[1]).toMatch(/run_keyword takes \(name: string, args: array\)/);
    expect(result[5]?.[1]).toMatch(/run_keyword takes/);
    expect(result[6]?.[1]).toBe('get_keyword_arguments takes one parameter, got 0.');
    expect(result[7]?.[1]).toMatch(/no keyword named 'nope'/);
  });

  test('100 sequential calls, each on a new connection', async () => {
    const result = await py(demo.url, "result = [run('echo', [i])['return'] for i in range(120)]");
    expect(result).toEqual(Array.from({ length: 120 }, (_, index) => index));
  });

  test('concurrent calls from several processes', async () => {
    const script = "result = [run('echo', [i], path='/p')['return'] for i in range(30)]";
    const results = await Promise.all([py(demo.url, script), py(demo.url, script), py(demo.url, script)]);
    for (const result of results) expect(result).toEqual(Array.from({ length: 30 }, (_, index) => index));
  });
});

describe('arguments as Robot sends them', () => {
  test('2- and 3-parameter run_keyword, kwargs bound by name, defaults from the server', async () => {
    const result = (await py(
      demo.url,
      `
result = [
    run('all_kinds', [1, 'B', 'r1'], {'kwo': 'K', 'extra': 'e'}),
    run('all_kinds', [], {'a': 1, 'kwo': 'x'}),
    run('defaults', []),
    run('defaults', [], {'count': 5, 'maybe': ''}),
    run('varargs', ['only']),
    run('varargs', ['a', 'b', 'c']),
    run('named_only', ['A'], {'kwo': 'K'}),
    run('free_named', ['A'], {'x': 1, 'y': [True]}),
    run('positional_only', ['one']),
    run('Result of \${expression} should be \${result}', ['1 + 2', 3]),
    run('Result of \${expression} should be \${result}', ['2 * 2', 5]),
]
`,
    )) as Result[];
    expect(result.map((item) => item.status === 'PASS' ? item.return : `FAIL ${String(item.error)}`)).toEqual([
      { a: 1, b: 'B', rest: ['r1'], kwo: 'K', kwo2: 'x', kw: { extra: 'e' } },
      { a: 1, b: 2, rest: [], kwo: 'x', kwo2: 'x', kw: {} },
      { text: 'hello', count: 1, flag: true, maybe: 'null' },
      { text: 'hello', count: 5, flag: true, maybe: 'null' },
      { first: 'only', rest: [] },
      { first: 'a', rest: ['b', 'c'] },
      { a: 'A', kwo: 'K', kwo2: 'x' },
      { a: 'A', options: { x: 1, y: [true] } },
      ['one', 'second'],
      undefined,
      'FAIL 2 * 2 is 4, not 5.',
    ]);
  });

  test('server-side conversion by declared type, and clear FAILs naming keyword and argument', async () => {
    const result = (await py(
      demo.url,
      `
result = [
    run('typed_arguments', ['5', '2.5', 'yes', '7', 'SLOW'], {'items': ['1', 2]}),
    run('typed_arguments', ['5'], {'maybe': ''}),
    run('typed_arguments', ['five']),
    run('typed_arguments', ['5'], {'choice': 'medium'}),
    run('typed_arguments', []),
    run('named_only', ['A']),
    run('echo', ['a', 'b']),
    run('echo', ['a'], {'bogus': 1}),
    run('positional_only', [], {'first': 1}),
]
`,
    )) as Result[];
    expect(result[0]?.return).toEqual({
      count: 'number 5',
      ratio: 'number 2.5',
      flag: 'boolean true',
      maybe: 'number 7',
      choice: 'string slow',
      items: ['number 1', 'number 2'],
    });
    expect((result[1]?.return as Record<string, unknown>).maybe).toBe('null');
    expect(result.slice(2).map((item) => [item.status, item.error, item.traceback])).toEqual([
      ['FAIL', "Keyword 'Typed Arguments' argument 'count' got value 'five' (string) that cannot be converted to int.", undefined],
      [
        'FAIL',
        "Keyword 'Typed Arguments' argument 'choice' got value 'medium' (string) that cannot be converted to Literal['fast', 'slow']: expected one of \"fast\", \"slow\".",
        undefined,
      ],
      ['FAIL', "Keyword 'Typed Arguments' missing value for argument 'count'.", undefined],
      ['FAIL', "Keyword 'Named Only' missing named-only argument 'kwo'.", undefined],
      ['FAIL', "Keyword 'Echo' expected at most 1 positional argument, got 2.", undefined],
      ['FAIL', "Keyword 'Echo' got unexpected named argument 'bogus'.", undefined],
      ['FAIL', "Keyword 'Positional Only' argument 'first' is positional-only and cannot be given by name.", undefined],
    ]);
  });
});

describe('values both ways', () => {
  test('what Robot sends arrives typed on the server', async () => {
    const result = (await py(
      demo.url,
      `
values = ['', 'ascii', 'Hyvä ☃', '\\x00\\x01', 42, -1, 0, 1.5, float('inf'), True, False, None, b'\\x00\\xff',
          datetime.datetime(2024, 1, 2, 3, 4, 5), [1, [None, 'x']], {'a': {'b': None}, 1: 2, None: 'n'}, 'a\\r\\nb']
result = [run('describe_value', [v])['return'] for v in values]
`,
    )) as unknown[];
    expect(result).toEqual([
      'string ',
      'string ascii',
      'string Hyvä ☃',
      'Buffer 0001',
      'number 42',
      'number -1',
      'number 0',
      'number 1.5',
      'number Infinity',
      'boolean true',
      'boolean false',
      'string ',
      'Buffer 00ff',
      `Date ${new Date(2024, 0, 2, 3, 4, 5).toISOString()}`,
      ['number 1', ['string ', 'string x']],
      { a: { b: 'string ' }, '1': 'number 2', '': 'string n' },
      'string a\r\nb',
    ]);
  });

  test('what keywords return arrives in Python as Robot expects', async () => {
    const kinds = [
      'string', 'empty', 'int', 'i8', 'float', 'inf', 'negative_inf', 'nan', 'true', 'false', 'none', 'undefined', 'bytes',
      'uint8array', 'control', 'cr', 'markup', 'date', 'object', 'list', 'map', 'set', 'bigint', 'bigint64', 'bigint_huge',
      'class_instance', 'url',
    ];
    const result = (await py(demo.url, `result = [run('return_value', [k]) for k in ${JSON.stringify(kinds)}]`)) as Result[];
    const returned = Object.fromEntries(kinds.map((kind, index) => [kind, result[index]]));
    expect(returned).toEqual({
      string: { status: 'PASS', return: 'Hyvä äiti ☃' },
      empty: { status: 'PASS', return: '' },
      int: { status: 'PASS', return: 42 },
      i8: { status: 'PASS', return: 2 ** 40 },
      float: { status: 'PASS', return: 3.5 },
      inf: { status: 'PASS', return: { $float: 'inf' } },
      negative_inf: { status: 'PASS', return: { $float: '-inf' } },
      nan: { status: 'PASS', return: { $float: 'nan' } },
      true: { status: 'PASS', return: true },
      false: { status: 'PASS', return: false },
      none: { status: 'PASS' },
      undefined: { status: 'PASS' },
      bytes: { status: 'PASS', return: { $bytes: '0001e4ff' } },
      uint8array: { status: 'PASS', return: { $bytes: '010203' } },
      control: { status: 'PASS', return: { $bytes: Buffer.from('bell\x07 and nul\x00', 'latin1').toString('hex') } },
      cr: { status: 'PASS', return: 'line1\r\nline2\r' },
      markup: { status: 'PASS', return: '<a href="x">&amp;</a> ]]>' },
      date: { status: 'PASS', return: { $datetime: '2024-01-02T03:04:05' } },
      object: { status: 'PASS', return: { name: 'vm1', nested: { cpus: 2, tags: ['a', 'b'] }, missing: '' } },
      list: { status: 'PASS', return: [1, 'two', '', [3, { four: 4 }]] },
      map: { status: 'PASS', return: { a: 1, '2': 'two', '': 'none' } },
      set: { status: 'PASS', return: ['x', 'y'] },
      bigint: { status: 'PASS', return: 123 },
      bigint64: { status: 'PASS', return: Number(2n ** 62n) },
      bigint_huge: { status: 'PASS', return: (2n ** 70n).toString() },
      class_instance: { status: 'PASS', return: { x: 1, y: 2 } },
      url: { status: 'PASS', return: 'http://example.com/path' },
    });
  });

  test('values Robot cannot receive give a FAIL saying why, never a broken response', async () => {
    const result = (await py(demo.url, "result = [run('return_value', [k]) for k in ['circular', 'control_unrepresentable', 'non_xml']]")) as Result[];
    expect(result.map((item) => [item.status, item.error])).toEqual([
      ['FAIL', "Keyword 'Return Value' returned a value Robot cannot receive: Cannot return a value that contains itself (a circular reference)."],
      ['FAIL', expect.stringMatching(/^Keyword 'Return Value' returned a value Robot cannot receive: Cannot represent .* as binary: .*U\+2603, which latin-1 lacks\.$/)],
      ['FAIL', expect.stringMatching(/Cannot represent .* in XML-RPC: it contains U\+FFFF, which XML does not allow\.$/)],
    ]);
  });
});

describe('results and logging', () => {
  test('failures follow the naming rule, carry a traceback, and flag continuable/fatal only when set', async () => {
    const result = (await py(
      demo.url,
      `
result = [run('fail_with', ['plain']), run('fail_with', ['typed', 'TypeError']), run('fail_with', ['custom', 'DemoError']),
          run('fail_with', ['quiet', 'Suppressed']), run('fail_with', ['', 'DemoError']), run('fail_with', ['thrown string', 'String']),
          run('fail_with', ['*HTML* <b>bold</b>', 'DemoError']), run('fail_continuable', ['go on']), run('fail_fatal', ['stop all'])]
`,
    )) as Result[];
    expect(result.map((item) => item.error)).toEqual([
      'plain',
      'TypeError: typed',
      'DemoError: custom',
      'quiet',
      'DemoError',
      'thrown string',
      '*HTML* <b>bold</b>',
      'go on',
      'stop all',
    ]);
    expect(result.every((item) => item.status === 'FAIL')).toBe(true);
    expect(result[1]?.traceback).toMatch(/^TypeError: typed\n\s+at .*demo-library/);
    expect(result[1]?.traceback).not.toMatch(/src\/remote\//);
    expect(result[1]?.output).toMatch(/^\*INFO:\d+\* About to fail$/);
    expect(result.slice(0, 7).some((item) => 'continuable' in item || 'fatal' in item)).toBe(false);
    expect([result[7]?.continuable, result[7]?.fatal]).toEqual([true, undefined]);
    expect([result[8]?.continuable, result[8]?.fatal]).toEqual([undefined, true]);
  });

  test('log lines carry every level with a millisecond timestamp, in order, multi-line kept', async () => {
    const result = (await py(demo.url, "result = run('log_levels')")) as Result;
    const lines = (result.output ?? '').split('\n');
    const markers = lines.filter((line) => line.startsWith('*')).map((line) => /^\*([A-Z]+):(\d+)\* (.*)$/.exec(line)?.slice(1, 2)[0]);
    expect(markers).toEqual(['TRACE', 'DEBUG', 'INFO', 'HTML', 'WARN', 'ERROR', 'CONSOLE', 'INFO']);
    expect(result.output).toMatch(/\*INFO:\d{13}\* first line\n\nthird line$/);
    const stamp = Number(/^\*TRACE:(\d+)\*/.exec(result.output ?? '')?.[1]);
    expect(Math.abs(stamp - Date.now())).toBeLessThan(60_000);
  });

  test('output of concurrent calls is never mixed', async () => {
    const script = (tag: string): string => `
import threading
outputs = {}
def work(i):
    outputs[i] = [run('log_message', ['${tag}-%d-%d' % (i, n)], path='/mix%d' % i)['output'] for n in range(10)]
threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
result = outputs
`;
    const [first, second] = (await Promise.all([py(demo.url, script('A')), py(demo.url, script('B'))])) as Record<string, string[]>[];
    for (const [tag, outputs] of [['A', first], ['B', second]] as const) {
      for (const [thread, messages] of Object.entries(outputs ?? {})) {
        messages.forEach((output, index) => expect(output).toMatch(new RegExp(`^\\*INFO:\\d+\\* ${tag}-${thread}-${index}$`)));
      }
    }
  });

  test('the server log has one line per call with session, keyword, duration and status', async () => {
    await py(demo.url, "result = [run('echo', [1], path='/logged'), run('fail_with', ['x'], path='/logged'), call('get_keyword_names', path='/logged')]");
    const lines = callRecords(demo).filter((record) => record.session === '/logged');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', method: 'run_keyword', keyword: 'echo', status: 'PASS', durationMs: expect.any(Number) }),
      expect.objectContaining({ method: 'run_keyword', keyword: 'fail_with', status: 'FAIL', error: 'x' }),
      expect.objectContaining({ method: 'get_keyword_names', status: 'OK' }),
    ]);
  });

  test('secrets never reach the server log', async () => {
    await py(demo.url, "result = run('login', ['robot', 's3cr3t-value'], path='/secrets')");
    await py(demo.url, "result = run('login', ['robot'], {'password': 's3cr3t-named'}, path='/secrets')");
    const all = JSON.stringify(demo.records());
    expect(all).not.toContain('s3cr3t');
    const argumentLines = demo.records().filter((record) => record.message === 'arguments' && record.session === '/secrets');
    expect(argumentLines).toHaveLength(2);
    for (const line of argumentLines) expect(line.arguments).toEqual({ user: 'robot', password: '<redacted>' });
  });
});

describe('GET requests', () => {
  test('GET / serves the docs page; other GETs get 405 with a hint', async () => {
    const result = await py(
      demo.url,
      `
page = raw(b'', path='/', method='GET')
other = raw(b'', path='/nothing-here', method='GET')
result = [page[0], page[1]['Content-Type'], b'Demo' in page[2], other[0], other[2].decode()]
`,
    );
    expect(result).toEqual([200, 'text/html; charset=utf-8', true, 405, 'This is a Robot Framework remote library server: POST XML-RPC calls to it.\n']);
  });

  test('a path that cannot name a session gets a Fault explaining the allowed form', async () => {
    const error = await pyError(demo.url, "result = run('echo', [1], path='/bad%20name')");
    expect(error).toEqual({ type: 'Fault', faultCode: 5, faultString: expect.stringMatching(/^Invalid session path '\/bad%20name': use \/ or \/RPC2/) });
  });
});
