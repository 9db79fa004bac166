import { Writable } from 'node:stream';
import winston from 'winston';
import { createServerLog, isLogLevelEnabled, logLine, SERVER_LOG_LEVELS } from '../../src/remote/server-log';

function capture(json: boolean): { log: ReturnType<typeof createServerLog>; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  return { log: createServerLog({ level: 'info', json, stream }), lines };
}

async function flushed(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

describe('server log lines', () => {
  test('text: time, LEVEL, message, then key=value with values quoted only when they need it', async () => {
    const { log, lines } = capture(false);
    log.info('call', {
      session: '/DUT1_vm1',
      method: 'run_keyword',
      keyword: 'Qemu Start',
      status: 'FAIL',
      durationMs: 12.5,
      error: 'QEMU: VM "vm1" did not boot',
      absent: undefined,
      list: [1, 'a'],
    });
    log.warn('rejected request', { status: 401 });
    await flushed();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO call /);
    expect(lines[0]?.replace(/^\S+ /, '')).toBe(
      'INFO call session=/DUT1_vm1 method=run_keyword keyword="Qemu Start" status=FAIL durationMs=12.5 ' +
        'error="QEMU: VM \\"vm1\\" did not boot" list="[1,\\"a\\"]"',
    );
    expect(lines[1]?.replace(/^\S+ /, '')).toBe('WARN rejected request status=401');
  });

  test('json: one object per line with a timestamp', async () => {
    const { log, lines } = capture(true);
    log.info('call', { session: '/', status: 'PASS', durationMs: 0.4 });
    await flushed();
    const record = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'info', message: 'call', session: '/', status: 'PASS', durationMs: 0.4 });
    expect(String(record.timestamp)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test('below the level nothing is written', async () => {
    const { log, lines } = capture(false);
    log.debug('arguments', { keyword: 'x' });
    await flushed();
    expect(lines).toEqual([]);
  });

  describe('logLine, the per-call path', () => {
    const fields = { session: '/s', method: 'run_keyword', keyword: 'echo', status: 'PASS', durationMs: 0.4, error: undefined, client: '127.0.0.1' };
    const withoutTime = (line: string | undefined): string | undefined => line?.replace(/^\S+ /, '');

    test('writes the line winston writes, in order with the lines winston writes', async () => {
      const { log, lines } = capture(false);
      log.info('call', fields);
      logLine(log, 'info', 'call', fields);
      log.warn('between', { n: 1 });
      logLine(log, 'warn', 'call', { ...fields, status: 'FAULT', error: 'bad "call"' });
      await flushed();
      expect(lines.map(withoutTime)).toEqual([
        'INFO call session=/s method=run_keyword keyword=echo status=PASS durationMs=0.4 client=127.0.0.1',
        'INFO call session=/s method=run_keyword keyword=echo status=PASS durationMs=0.4 client=127.0.0.1',
        'WARN between n=1',
        'WARN call session=/s method=run_keyword keyword=echo status=FAULT durationMs=0.4 error="bad \\"call\\"" client=127.0.0.1',
      ]);
      expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO call /);
    });

    test('keeps the level, silence and the level changed later', async () => {
      const { log, lines } = capture(false);
      log.level = 'warn';
      logLine(log, 'info', 'call', fields);
      logLine(log, 'warn', 'call', fields);
      log.silent = true;
      logLine(log, 'warn', 'call', fields);
      await flushed();
      expect(lines.map((line) => line.split(' ')[1])).toEqual(['WARN']);
    });

    test('a logger changed since it was made, or a JSON one, gets the line through winston', async () => {
      const { log, lines } = capture(false);
      const added: string[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          added.push(chunk.toString().trim());
          callback();
        },
      });
      log.add(new winston.transports.Stream({ stream }));
      logLine(log, 'info', 'call', fields);
      const json = capture(true);
      logLine(json.log, 'info', 'call', fields);
      await flushed();
      expect(lines).toHaveLength(1);
      expect(withoutTime(added[0])).toBe(withoutTime(lines[0]));
      expect(JSON.parse(json.lines[0] ?? '{}')).toMatchObject({ level: 'info', message: 'call', keyword: 'echo' });
    });
  });

  describe('isLogLevelEnabled, the per-call level check', () => {
    const levels = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly', 'nonsense'];

    test("agrees with winston's isLevelEnabled for every logger level, transport level and asked level", () => {
      for (const loggerLevel of SERVER_LOG_LEVELS) {
        for (const transportLevel of [undefined, 'error', 'info', 'debug']) {
          const { log } = capture(false);
          log.level = loggerLevel === 'silent' ? 'error' : loggerLevel;
          const [transport] = log.transports;
          if (transport) transport.level = transportLevel;
          for (const level of levels) {
            expect([loggerLevel, transportLevel, level, isLogLevelEnabled(log, level)]).toEqual([loggerLevel, transportLevel, level, log.isLevelEnabled(level)]);
          }
        }
      }
    });

    test('follows a transport added later and a JSON logger', () => {
      const { log } = capture(false);
      log.level = 'info';
      expect(isLogLevelEnabled(log, 'debug')).toBe(false);
      log.add(new winston.transports.Stream({ stream: new Writable({ write: (_chunk, _encoding, done) => done() }), level: 'debug' }));
      expect(isLogLevelEnabled(log, 'debug')).toBe(log.isLevelEnabled('debug'));
      const json = capture(true);
      expect(isLogLevelEnabled(json.log, 'debug')).toBe(false);
      expect(isLogLevelEnabled(json.log, 'info')).toBe(true);
    });
  });
});
