/** Safety: credentials, limits and hostile input, over real HTTP with Python. */
import { createDemoLibrary } from '../fixtures/demo-library';
import { ServerConfigurationError } from '../../src/remote/errors';
import { startRemoteServer } from '../../src/remote/server';
import { createServerLog } from '../../src/remote/server-log';
import { py, pyError } from '../support/xmlrpc';
import { callRecords, startDemoServer, type TestServer } from '../support/servers';

describe('HTTP Basic credentials', () => {
  let demo: TestServer;
  beforeAll(async () => {
    demo = await startDemoServer({ credentials: { user: 'robot', password: 'p@ss:word' }, authRealm: 'qemu-utils-remote' });
  });
  afterAll(async () => {
    await demo?.server.stop();
  });

  test('missing or wrong credentials get 401 and run nothing', async () => {
    const missing = await pyError(demo.url, "result = run('open_counter', [1], path='/guarded')");
    const wrong = await pyError(demo.url, "result = run('open_counter', [1], path='/guarded', auth='robot:nope')");
    const wrongUser = await pyError(demo.url, "result = run('open_counter', [1], path='/guarded', auth='robo:p%40ss:word')");
    for (const error of [missing, wrong, wrongUser]) expect(error).toEqual({ type: 'ProtocolError', status: 401, message: 'Unauthorized' });
    expect(callRecords(demo)).toEqual([]);
    expect(demo.server.sessions()).toEqual([]);
    const rejected = demo.records().filter((record) => record.message === 'rejected request');
    expect(rejected.map((record) => record.reason)).toEqual(['missing credentials', 'wrong credentials', 'wrong credentials']);
    expect(JSON.stringify(demo.records())).not.toContain('nope');
  });

  test('Robot-style userinfo credentials (URL-encoded) work, for calls and for the docs page', async () => {
    const result = await py(
      demo.url,
      `
page = raw(b'', path='/', method='GET', auth='robot:p@ss:word')
denied = raw(b'', path='/', method='GET')
result = [run('echo', ['ok'], auth='robot:p%40ss:word'), page[0], denied[0], denied[1].get('WWW-Authenticate')]
`,
    );
    expect(result).toEqual([{ status: 'PASS', return: 'ok' }, 200, 401, 'Basic realm="qemu-utils-remote", charset="UTF-8"']);
  });
});

test('the realm is the caller\'s to name; by default it names no product', async () => {
  const plain = await startDemoServer({ credentials: { user: 'u', password: 'p' } });
  try {
    const denied = await py(plain.url, "result = raw(b'', path='/', method='GET')[1].get('WWW-Authenticate')");
    expect(denied).toBe('Basic realm="Robot Framework remote server", charset="UTF-8"');
  } finally {
    await plain.server.stop();
  }
});

test('a non-loopback bind without credentials is refused before listening', async () => {
  await expect(startRemoteServer(createDemoLibrary(), { host: '0.0.0.0', port: 0 })).rejects.toThrow(ServerConfigurationError);
  await expect(startRemoteServer(createDemoLibrary(), { host: '0.0.0.0', port: 0 })).rejects.toThrow(
    /^Refusing to listen on 0\.0\.0\.0 without credentials: anyone who reaches it could run keywords\. Pass credentials, or bind to 127\.0\.0\.1\.$/,
  );
  const hints = { credentials: 'Set QEMU_UTILS_REMOTE_CREDENTIALS=user:password or --credentials-file FILE' };
  await expect(startRemoteServer(createDemoLibrary(), { host: '0.0.0.0', port: 0, hints })).rejects.toThrow(
    /Refusing to listen on 0\.0\.0\.0 without credentials.*QEMU_UTILS_REMOTE_CREDENTIALS/,
  );
  const withCredentials = await startRemoteServer(createDemoLibrary(), {
    host: '0.0.0.0',
    port: 0,
    credentials: { user: 'u', password: 'p' },
    log: createServerLog({ level: 'silent' }),
  });
  await withCredentials.stop();
});

describe('limits and hostile input', () => {
  let demo: TestServer;
  beforeAll(async () => {
    demo = await startDemoServer({ maxBodyBytes: 64 * 1024, maxNesting: 16 });
  });
  afterAll(async () => {
    await demo?.server.stop();
  });

  test('a body over the limit gets 413 without being parsed', async () => {
    const error = await pyError(demo.url, "result = run('echo', ['x' * 100000])");
    expect(error).toEqual({ type: 'ProtocolError', status: 413, message: 'Payload Too Large' });
    expect(callRecords(demo).filter((record) => record.keyword === 'echo')).toEqual([]);
  });

  test('malformed XML, DTDs, deep nesting, raw illegal characters: prompt Faults, and the server keeps serving', async () => {
    const result = (await py(
      demo.url,
      `
import socket
socket.setdefaulttimeout(10)
bodies = [
    b'',
    b'garbage',
    b'<methodCall><methodName>echo</methodName>',
    b'<methodCall><methodName>x</methodName></wrong>',
    b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><methodCall><methodName>&b;</methodName></methodCall>',
    ('<methodCall><methodName>run_keyword</methodName><params><param><value>echo</value></param><param><value>'
     + '<array><data><value>' * 20 + '1' + '</value></data></array>' * 20 + '</value></param></params></methodCall>').encode(),
    '<methodCall><methodName>run_keyword</methodName><params><param><value>\\uffff</value></param></params></methodCall>'.encode(),
    b'<methodCall><methodName>run_keyword</methodName><params><param><value><int>1e3</int></value></param></params></methodCall>',
    b'<methodCall><methodName>run_keyword</methodName><params><param><value><struct><member><value>1</value></member></struct></value></param></params></methodCall>',
    b'\\xff\\xfe<not utf8>',
]
faults = []
for body in bodies:
    status, headers, payload = raw(body)
    try:
        loads(payload)
        faults.append([status, 'no fault'])
    except xmlrpc.client.Fault as fault:
        faults.append([status, fault.faultString])
result = {'faults': faults, 'after': run('echo', ['still serving'])}
`,
    )) as { faults: [number, string][]; after: unknown };
    expect(result.faults.map(([status]) => status)).toEqual(Array(10).fill(200));
    const messages = result.faults.map(([, message]) => message);
    for (const message of messages) expect(message).toMatch(/^Malformed XML-RPC call: /);
    expect(messages[4]).toMatch(/DTDs and entity declarations are not accepted/);
    expect(messages[5]).toMatch(/nested deeper than 16 levels/);
    expect(messages[6]).toMatch(/character U\+FFFF, which XML does not allow/);
    expect(messages[7]).toMatch(/<int> must be an integer, got '1e3'/);
    expect(result.after).toEqual({ status: 'PASS', return: 'still serving' });
  });

  test('unsupported encodings and methods get clear answers', async () => {
    const result = await py(
      demo.url,
      `
body = dumps([], 'get_keyword_names').encode()
gz = raw(body, headers={'Content-Encoding': 'br'})
put = raw(body, method='PUT')
latin = raw(dumps(['ä'], 'run_keyword').replace('UTF-8', 'ISO-8859-1').replace('run_keyword', 'get_keyword_documentation').encode('latin-1'))
try:
    loads(gz[2]); gz_fault = None
except xmlrpc.client.Fault as fault:
    gz_fault = fault.faultString
try:
    loads(latin[2]); latin_fault = None
except xmlrpc.client.Fault as fault:
    latin_fault = fault.faultString
result = [gz_fault, put[0], put[1].get('Allow'), latin_fault]
`,
    );
    expect(result).toEqual([
      "Unsupported Content-Encoding 'br'; send identity or gzip.",
      405,
      'POST',
      "get_keyword_documentation: no keyword named 'ä' in remote library 'Demo'.",
    ]);
  });
});

describe('large payloads', () => {
  let demo: TestServer;
  beforeAll(async () => {
    demo = await startDemoServer({}, 'warn');
  });
  afterAll(async () => {
    await demo?.server.stop();
  });

  test('a 50 MB string round-trips', async () => {
    const result = await py(
      demo.url,
      `
big = ('0123456789abcdef' * (50 * 1024 * 1024 // 16))
back = run('echo', [big])['return']
result = [len(back), back == big]
`,
      120_000,
    );
    expect(result).toEqual([50 * 1024 * 1024, true]);
  }, 120_000);
});
