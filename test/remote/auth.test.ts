import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBasicAuth, isLoopbackHost, loadCredentials, parseCredentials } from '../../src/remote/auth';
import { CredentialsError } from '../../src/remote/errors';
import { createServerLog, redact, REDACTED } from '../../src/remote/server-log';

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

describe('credentials', () => {
  test('parse user:password, the password may contain colons', () => {
    expect(parseCredentials('robot:se:cr:et\n', 'test')).toEqual({ user: 'robot', password: 'se:cr:et' });
    expect(() => parseCredentials('nocolon', 'Source X')).toThrow(/Source X must hold 'user:password'/);
    expect(() => parseCredentials(':pw', 'x')).toThrow(CredentialsError);
    expect(() => parseCredentials('user:', 'x')).toThrow(CredentialsError);
  });

  test('load from a file (which wins) or the environment; warn about a readable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qur-auth-'));
    const file = join(dir, 'credentials');
    writeFileSync(file, 'fromfile:pw1\n');
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    const env = { SOME_CREDENTIALS: 'fromenv:pw2' };
    const envVariable = 'SOME_CREDENTIALS';
    expect(loadCredentials({ file, env, envVariable, warn: (message) => warnings.push(message) })).toEqual({ user: 'fromfile', password: 'pw1' });
    expect(warnings.join()).toMatch(/readable by others; chmod 600/);
    chmodSync(file, 0o600);
    warnings.length = 0;
    loadCredentials({ file, env, warn: (message) => warnings.push(message) });
    expect(warnings).toEqual([]);
    expect(loadCredentials({ env, envVariable })).toEqual({ user: 'fromenv', password: 'pw2' });
    expect(loadCredentials({ env: {}, envVariable })).toBeUndefined();
    // The caller names the variable; without one, the environment is not read.
    expect(loadCredentials({ env })).toBeUndefined();
    expect(() => loadCredentials({ env: { SOME_CREDENTIALS: 'nocolon' }, envVariable })).toThrow(/Environment variable SOME_CREDENTIALS must hold/);
    expect(() => loadCredentials({ file: join(dir, 'missing') })).toThrow(/Cannot read credentials file/);
  });

  test('Basic auth check', () => {
    const expected = { user: 'robot', password: 'p:w' };
    expect(checkBasicAuth(basic('robot:p:w'), expected)).toBe(true);
    expect(checkBasicAuth(basic('robot:wrong'), expected)).toBe(false);
    expect(checkBasicAuth(basic('other:p:w'), expected)).toBe(false);
    expect(checkBasicAuth(basic('robotp:w'), expected)).toBe(false);
    expect(checkBasicAuth(undefined, expected)).toBe(false);
    expect(checkBasicAuth('Bearer x', expected)).toBe(false);
  });

  test('loopback detection', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com']) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('server log redaction', () => {
  test('values named like secrets are redacted at any depth; long values are shortened', () => {
    expect(
      redact({
        user: 'robot',
        password: 'hunter2',
        priv_key: '-----BEGIN',
        nested: { api_token: 't', list: [{ Secret: 's', ok: 1 }] },
        auth: 'Basic x',
        long: 'x'.repeat(300),
        data: Buffer.alloc(10),
      }),
    ).toEqual({
      user: 'robot',
      password: REDACTED,
      priv_key: REDACTED,
      nested: { api_token: REDACTED, list: [{ Secret: REDACTED, ok: 1 }] },
      auth: REDACTED,
      long: `${'x'.repeat(200)}... (300 chars)`,
      data: '<10 bytes>',
    });
  });

  test('JSON and text formats', async () => {
    const lines: string[] = [];
    const { Writable } = await import('node:stream');
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const json = createServerLog({ level: 'info', json: true, stream });
    json.info('call', { session: '/a', status: 'PASS' });
    json.debug('hidden at info');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'info', message: 'call', session: '/a', status: 'PASS' });
    lines.length = 0;
    const text = createServerLog({ level: 'debug', stream });
    text.debug('call', { session: '/a', error: 'two words' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatch(/^\S+Z DEBUG call session=\/a error="two words"\n?$/);
  });
});
