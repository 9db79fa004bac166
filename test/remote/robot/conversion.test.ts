import { ConversionError } from '../../../src/remote/errors';
import { convertValue, describeValue, parseRobotBoolean } from '../../../src/remote/robot/conversion';
import { parseType } from '../../../src/remote/robot/types';
import { askRobot, pythonValue } from './robot-python';

const convert = (value: unknown, type: string): unknown => convertValue(value, parseType(type));

describe('conversion as Robot does it', () => {
  test('int', () => {
    expect(convert('42', 'int')).toBe(42);
    expect(convert(' -1_000 ', 'int')).toBe(-1000);
    expect(convert('0x1F', 'int')).toBe(31);
    expect(convert('0b101', 'int')).toBe(5);
    expect(convert('1.0', 'int')).toBe(1);
    expect(convert('1e3', 'int')).toBe(1000);
    expect(convert(7, 'integer')).toBe(7);
    expect(convert(5n, 'int')).toBe(5);
    expect(() => convert('1.5', 'int')).toThrow(ConversionError);
    expect(() => convert(1.5, 'int')).toThrow(/whole number/);
    expect(() => convert('abc', 'int')).toThrow(ConversionError);
    expect(() => convert('', 'int')).toThrow(ConversionError);
    expect(() => convert('99999999999999999999', 'int')).toThrow(/safe integer/);
  });

  test('float', () => {
    expect(convert('1.5', 'float')).toBe(1.5);
    expect(convert('-inf', 'float')).toBe(-Infinity);
    expect(convert('NaN', 'float')).toBeNaN();
    expect(convert(3, 'float')).toBe(3);
    expect(() => convert('', 'float')).toThrow(ConversionError);
    expect(() => convert('0x10', 'float')).toThrow(ConversionError);
  });

  test('bool', () => {
    for (const text of ['true', 'YES', 'on', '1']) expect(convert(text, 'bool')).toBe(true);
    for (const text of ['false', 'no', 'OFF', '0', 'none', '']) expect(convert(text, 'bool')).toBe(false);
    expect(convert(0, 'bool')).toBe(false);
    expect(() => convert('maybe', 'bool')).toThrow(/true\/false/);
  });

  test('str, bytes, None and datetime', () => {
    expect(convert(5, 'str')).toBe('5');
    expect(convert(Buffer.from([0xe4]), 'str')).toBe('ä');
    expect(convert('aä', 'bytes')).toEqual(Buffer.from([0x61, 0xe4]));
    expect(() => convert('☃', 'bytes')).toThrow(/latin-1/);
    expect(convert('', 'None')).toBeNull();
    expect(convert('NONE', 'None')).toBeNull();
    expect(convert('2024-01-02 03:04:05', 'datetime')).toEqual(new Date(2024, 0, 2, 3, 4, 5));
  });

  test('unions keep values that already match, else try members in order', () => {
    expect(convert('', 'int | None')).toBeNull();
    expect(convert('5', 'int | None')).toBe(5);
    expect(convert('', 'str | None')).toBe('');
    expect(convert(null, 'int | None')).toBeNull();
    expect(['', '5', null].map((value) => convert(value, 'Optional[int]'))).toEqual([null, 5, null]);
    expect(convert('5', 'Union[int, float]')).toBe(5);
    expect(convert('1.5', 'int | float')).toBe(1.5);
    expect(() => convert('x', 'int | float')).toThrow(ConversionError);
  });

  test('containers convert their items', () => {
    expect(convert(['1', 2], 'list[int]')).toEqual([1, 2]);
    expect(convert({ a: '1' }, 'dict[str, int]')).toEqual({ a: 1 });
    expect(convert(['x'], 'list')).toEqual(['x']);
    expect(() => convert('[1, 2]', 'list[int]')).toThrow(/expected a list/);
    expect(() => convert(['x'], 'list[int]')).toThrow(ConversionError);
  });

  test('Literal matches exactly, then case-, space- and underscore-insensitively', () => {
    expect(convert('fast', "Literal['fast', 'slow']")).toBe('fast');
    expect(convert('S_LOW', "Literal['fast', 'slow']")).toBe('slow');
    expect(convert('1', 'Literal[1, 2]')).toBe(1);
    expect(() => convert('medium', "Literal['fast', 'slow']")).toThrow(/expected one of "fast", "slow"/);
  });

  test('unknown types convert nothing', () => {
    expect(convert('anything', 'NoSuchType')).toBe('anything');
    expect(convert({ a: 1 }, 'Any')).toEqual({ a: 1 });
  });
});

type Case = [value: unknown, type: string];

/** A converted value as the Python driver tags it (bytes, datetimes and non-finite floats). */
function tagged(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('hex') };
  if (value instanceof Date) {
    const pad = (part: number): string => String(part).padStart(2, '0');
    const date = `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
    return { $datetime: `${date}T${pad(value.getHours())}:${pad(value.getMinutes())}:${pad(value.getSeconds())}` };
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { $float: Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf' };
  if (Array.isArray(value)) return value.map(tagged);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, tagged(item)]));
  return value;
}

function ours(value: unknown, type: string): unknown {
  try {
    return { value: tagged(convert(value, type)) };
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    return { fails: true };
  }
}

async function robotConverts(cases: Case[]): Promise<unknown[]> {
  return askRobot<unknown[]>(`
from robot.running.arguments.typeinfo import TypeInfo
def convert(value, type_string):
    try:
        return {'value': TypeInfo.from_string(type_string).convert(value, allow_unknown=True)}
    except ValueError:
        return {'fails': True}
answer = [convert(value, type_string) for value, type_string in ${pythonValue(cases)}]
`);
}

// Every converter and its paths: accepted forms, refused forms, unions (kept, then tried in order),
// containers with and without item types, Literal matching, and the names that convert nothing.
const AGREED: Case[] = [
  ['42', 'int'], [' -1_000 ', 'int'], ['0x1F', 'int'], ['0o17', 'int'], ['0b101', 'int'], ['1.0', 'int'], ['1e3', 'int'],
  [7, 'integer'], ['5', 'long'], [2.0, 'int'], ['1.5', 'int'], [1.5, 'int'], ['abc', 'int'], ['', 'int'],
  ['1.5', 'float'], ['-inf', 'float'], ['NaN', 'float'], [3, 'float'], ['1_000.5', 'float'], ['', 'float'], ['0x10', 'float'],
  ['true', 'bool'], ['YES', 'boolean'], ['on', 'bool'], ['1', 'bool'], ['false', 'bool'], ['no', 'bool'], ['OFF', 'bool'],
  ['0', 'bool'], ['', 'bool'], [true, 'bool'],
  [5, 'str'], ['text', 'string'], ['aä', 'bytes'], ['☃', 'bytes'], ['x', 'bytearray'],
  ['', 'None'], ['NONE', 'none'], ['x', 'None'],
  ['2024-01-02 03:04:05', 'datetime'], ['2024-01-02T03:04:05', 'datetime'], ['not a date', 'datetime'],
  ['', 'int | None'], ['5', 'int | None'], ['', 'str | None'], [null, 'int | None'], ['1.5', 'int | float'], ['x', 'int | float'],
  [['1', 2], 'list[int]'], [['1', 2], 'Sequence[int]'], [{ a: '1' }, 'dict[str, int]'], [{ a: '1' }, 'map[str, int]'],
  [['x'], 'list'], [['x'], 'list[int]'], ['5', 'tuple[int, ...]'], [{ a: 1 }, 'list'], [['a'], 'dict'],
  ['fast', "Literal['fast', 'slow']"], ['S_LOW', "Literal['fast', 'slow']"], ['1', 'Literal[1, 2]'], ['3', 'Literal[1, 2]'],
  ['medium', "Literal['fast', 'slow']"], ['true', 'Literal[True, None]'], ['', 'Literal[None]'],
  ['anything', 'NoSuchType'], [{ a: 1 }, 'Any'], ['x', 'object'],
];

// Where this server answers otherwise, and why: a typed argument here is of its type or the call fails
// (Robot would pass an unknown string on); strings are not evaluated as Python literals; integers stay
// within what JavaScript holds exactly; Optional[...] converts as `... | None` (Robot leaves it alone); types
// JavaScript has no counterpart of (Decimal, Path, timedelta) pass through.
const DIFFERENT: Array<[...Case, ours: unknown, robot: unknown]> = [
  ['none', 'bool', { value: false }, { value: null }],
  ['maybe', 'bool', { fails: true }, { value: 'maybe' }],
  [' true ', 'bool', { value: true }, { value: ' true ' }],
  [2, 'bool', { value: true }, { value: 2 }],
  [null, 'bool', { value: false }, { value: null }],
  ['99999999999999999999', 'int', { fails: true }, { value: 1e20 } /* Python's exact int, as JSON reads it */],
  ['[1, 2]', 'list[int]', { fails: true }, { value: [1, 2] }],
  ['5', 'Optional[int]', { value: 5 }, { value: '5' }],
  ['1.5', 'Decimal', { value: '1.5' }, { value: { $repr: "Decimal('1.5')" } }],
];

describe('conversion compared with Robot Framework', () => {
  let robot: unknown[];
  beforeAll(async () => {
    robot = await robotConverts([...AGREED, ...DIFFERENT.map(([value, type]): Case => [value, type])]);
  });

  it.each(AGREED.map((item, index) => [...item, index] as const))('%p as %s converts as Robot converts it', (value, type, index) => {
    expect(ours(value, type)).toEqual(robot[index]);
  });

  it.each(DIFFERENT.map((item, index) => [...item, index] as const))('%p as %s differs on purpose', (value, type, mine, theirs, index) => {
    expect(ours(value, type)).toEqual(mine);
    expect(robot[AGREED.length + index]).toEqual(theirs);
  });
});

describe("parseRobotBoolean: Robot's Boolean reading", () => {
  const BOOLEANS = ['true', 'True', 'YES', 'on', '1', 'false', 'FALSE', 'no', 'Off', '0', '', true, false];
  const TRUTHS = [0, 1, 2, -1, 0.0, 1.5, null, 'none', 'NONE'];

  it('reads the strings and Booleans Robot converts to a Boolean as Robot does', async () => {
    const robots = await askRobot<unknown[]>(`
from robot.running.arguments.typeinfo import TypeInfo
answer = [TypeInfo.from_string('bool').convert(v) for v in ${pythonValue(BOOLEANS)}]
`);
    expect(BOOLEANS.map(parseRobotBoolean)).toEqual(robots);
  });

  it('reads numbers, None and NONE (which Robot keeps as they are) by their truth, as Robot tests them', async () => {
    const robots = await askRobot<unknown[]>(`
from robot.utils import is_truthy
answer = [is_truthy(v) for v in ${pythonValue(TRUTHS)}]
`);
    expect(TRUTHS.map(parseRobotBoolean)).toEqual(robots);
  });

  it('ignores surrounding spaces and returns undefined for anything else', () => {
    expect([' yes ', '\tOFF\n'].map(parseRobotBoolean)).toEqual([true, false]);
    for (const value of ['maybe', 'truthy', [], {}, undefined, Buffer.from('1')]) expect(parseRobotBoolean(value)).toBeUndefined();
  });
});

describe('describeValue names the value and its kind for failure messages', () => {
  it.each([
    [null, 'None'],
    [undefined, 'None'],
    ['abc', "'abc' (string)"],
    ['x'.repeat(61), `'${'x'.repeat(60)}...' (string)`],
    [Buffer.from('ab'), '2 bytes (binary)'],
    [[1, 2, 3], 'a list of 3'],
    [new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), '2024-01-02T03:04:05.000Z (datetime)'],
    [{ a: 1 }, 'a dictionary'],
    [1.5, '1.5 (number)'],
    [true, 'true (boolean)'],
    [5n, '5 (bigint)'],
  ])('%p -> %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});
