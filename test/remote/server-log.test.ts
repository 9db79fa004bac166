import { Writable } from 'node:stream';
import { createServerLog } from '../../src/remote/server-log';

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
});
