import { KeywordError } from '../../src/remote/library';
import { withoutTraceback } from '../../src/remote/errors';
import { errorMessage, errorTraceback, failResult, passResult } from '../../src/remote/results';
import { toWireValue } from '../../src/remote/values';

class CustomError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CustomError';
  }
}
class UnnamedError extends Error {}

describe('error naming rule', () => {
  test('generic errors give the bare message, others Name: message', () => {
    expect(errorMessage(new Error('plain'))).toBe('plain');
    expect(errorMessage(new KeywordError('keyword'))).toBe('keyword');
    expect(errorMessage(Object.assign(new Error('assert'), { name: 'AssertionError' }))).toBe('assert');
    expect(errorMessage(new TypeError('typed'))).toBe('TypeError: typed');
    expect(errorMessage(new CustomError('custom'))).toBe('CustomError: custom');
    expect(errorMessage(new UnnamedError('unnamed'))).toBe('UnnamedError: unnamed');
  });

  test('an empty message gives the name; suppress-name and *HTML* are honoured', () => {
    expect(errorMessage(new CustomError(''))).toBe('CustomError');
    expect(errorMessage(new Error(''))).toBe('Error');
    expect(errorMessage(Object.assign(new CustomError('quiet'), { ROBOT_SUPPRESS_NAME: true }))).toBe('quiet');
    expect(errorMessage(new CustomError('*HTML* <b>x</b>'))).toBe('*HTML* <b>x</b>');
  });

  test('non-Error throws', () => {
    expect(errorMessage('a string')).toBe('a string');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage({ message: 'object with message' })).toBe('object with message');
    expect(errorMessage(null)).toBe('null');
  });
});

describe('result structs', () => {
  test('PASS with return value and output; null and undefined leave return out', () => {
    expect(passResult(5, '*INFO:1* hi')).toEqual({ status: 'PASS', return: 5, output: '*INFO:1* hi' });
    expect(passResult(undefined, '')).toEqual({ status: 'PASS' });
    expect(passResult(null, '')).toEqual({ status: 'PASS' });
  });

  test('FAIL with error, traceback, and continuable/fatal only when true', () => {
    const plain = failResult(new Error('boom'), '');
    expect(plain).toEqual({ status: 'FAIL', error: 'boom', traceback: expect.stringContaining('Error: boom') });
    expect(plain).not.toHaveProperty('continuable');
    expect(plain).not.toHaveProperty('fatal');
    expect(failResult(new KeywordError('c', { continuable: true }), '')).toMatchObject({ continuable: true });
    expect(failResult(new KeywordError('f', { fatal: true }), '')).toMatchObject({ fatal: true });
    expect(failResult(Object.assign(new Error('py-style'), { ROBOT_CONTINUE_ON_FAILURE: true }), '')).toMatchObject({ continuable: true });
    expect(failResult(withoutTraceback(new KeywordError('server-made')), '')).toEqual({ status: 'FAIL', error: 'server-made' });
  });

  test('traceback keeps the keyword frames and the cause, drops the server frames', () => {
    const cause = new RangeError('root cause');
    const error = new KeywordError('outer', { cause });
    const traceback = errorTraceback(error);
    expect(traceback).toContain('KeywordError: outer');
    expect(traceback).toContain('Caused by: RangeError: root cause');
    expect(traceback).toContain('results.test.ts');
  });

  test('error texts with control characters go as latin-1 bytes', () => {
    expect(failResult(new Error('bad\x00'), '').error).toEqual(Buffer.from('bad\x00', 'latin1'));
  });
});

describe('return value conversion', () => {
  test('objects, Maps, Sets, iterables, typed arrays and instances', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    function* generate(): Generator<number> {
      yield 1;
      yield 2;
    }
    expect(
      toWireValue({
        map: new Map<unknown, unknown>([[1, 'one'], [null, 'none'], ['n', undefined]]),
        set: new Set(['a']),
        generated: generate(),
        bytes: new Uint8Array([1, 2]),
        point: new Point(1, 2),
        url: new URL('http://h/p'),
        withJson: { toJSON: () => ({ json: true }) },
        nothing: null,
        fn: function named() {},
      }),
    ).toEqual({
      map: { '1': 'one', '': 'none', n: '' },
      set: ['a'],
      generated: [1, 2],
      bytes: Buffer.from([1, 2]),
      point: { x: 1, y: 2 },
      url: 'http://h/p',
      withJson: { json: true },
      nothing: '',
      fn: expect.stringContaining('function named'),
    });
  });

  test('circular values and binary keys fail clearly', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => toWireValue(loop)).toThrow(/circular reference/);
    expect(() => toWireValue(new Map([[Buffer.from('k'), 1]]))).toThrow(/binary keys/);
    const shared = { x: 1 };
    expect(toWireValue([shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
  });
});
