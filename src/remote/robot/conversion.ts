/**
 * The server-side conversion of received values by declared type, with Robot's rules.
 *
 * Robot converts arguments itself before sending them when types are published, so for Robot this mostly
 * confirms values; clients that send strings (other tools, or Robot with `*args` fallbacks) get the same
 * conversions Robot would do. Unknown type names convert nothing, as in Robot. Beyond Robot (which leaves
 * them unconverted): `Optional[X]` and `Union[X, Y]` convert as `X | None` and `X | Y`.
 */
import { isStruct } from '../codec';
import { ConversionError } from '../errors';
import type { KnownType, LiteralValue, RobotType } from './types';

// robot.utils.robottypes TRUE_STRINGS / FALSE_STRINGS.
const TRUE_STRINGS = new Set(['TRUE', 'YES', 'ON', '1']);
const FALSE_STRINGS = new Set(['FALSE', 'NO', 'OFF', '0', 'NONE', '']);

/**
 * Robot's reading of a value as a Boolean: `true`/`yes`/`on`/`1` and `false`/`no`/`off`/`0`/`none`/`''` in any
 * case (surrounding spaces ignored), numbers by their truth (0 is false), None false. `undefined` for any
 * other value, for the caller to report. (Robot keeps an unknown string, and `NONE`, as they are; a typed
 * argument here is a Boolean or fails.)
 */
export function parseRobotBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (value === null) return false;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toUpperCase();
  if (TRUE_STRINGS.has(text)) return true;
  if (FALSE_STRINGS.has(text)) return false;
  return undefined;
}

function toInteger(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value;
    throw new ConversionError('it is not a whole number');
  }
  if (typeof value === 'bigint') {
    if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
    throw new ConversionError('it is beyond the safe integer range');
  }
  if (typeof value !== 'string') throw new ConversionError('');
  const text = value.trim().replace(/[_ ]/g, '');
  const sign = text.startsWith('-') ? -1 : 1;
  const unsigned = text.replace(/^[+-]/, '');
  const based = /^0([xob])([0-9a-f]+)$/i.exec(unsigned);
  let result: number;
  if (based) {
    const radix = { x: 16, o: 8, b: 2 }[(based[1] ?? 'x').toLowerCase() as 'x' | 'o' | 'b'];
    result = sign * parseInt(based[2] ?? '', radix);
  } else if (/^\d+$/.test(unsigned)) {
    result = sign * Number(unsigned);
  } else if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(unsigned) && Number.isInteger(Number(unsigned))) {
    result = sign * Number(unsigned); // Robot accepts integral decimals such as `1.0` and `1e3`.
  } else {
    throw new ConversionError('');
  }
  if (!Number.isSafeInteger(result)) throw new ConversionError('it is beyond the safe integer range');
  return result;
}

function toFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'string') throw new ConversionError('');
  const text = value.trim().replace(/_/g, '').toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(text)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(text)) throw new ConversionError('');
  return Number(text);
}

function toBoolean(value: unknown): boolean {
  const parsed = parseRobotBoolean(value);
  if (parsed === undefined) throw new ConversionError('use true/false, yes/no, on/off or 1/0');
  return parsed;
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  throw new ConversionError('');
}

function toBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') {
    if (/[\u0100-\uFFFF]/.test(value)) throw new ConversionError('it has characters beyond latin-1');
    return Buffer.from(value, 'latin1');
  }
  throw new ConversionError('');
}

function toNone(value: unknown): null {
  // Robot sends None as '' (XML-RPC has no None).
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string' && value.trim().toUpperCase() === 'NONE') return null;
  throw new ConversionError('');
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value * 1000);
  if (typeof value === 'string') {
    const date = new Date(value.trim().replace(/^(\d{4}-\d\d-\d\d) /, '$1T'));
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new ConversionError('');
}

function normalizedLiteral(text: string): string {
  return text.toLowerCase().replace(/[\s_]/g, '');
}

function toLiteral(value: unknown, values: LiteralValue[]): LiteralValue {
  for (const candidate of values) if (candidate === value) return candidate;
  for (const candidate of values) {
    if (typeof candidate === 'string' && typeof value === 'string') {
      if (normalizedLiteral(candidate) === normalizedLiteral(value)) return candidate;
    } else if (candidate === null) {
      if (value === '' || (typeof value === 'string' && value.toUpperCase() === 'NONE')) return null;
    } else if (typeof candidate === 'number' && typeof value === 'string') {
      if (value.trim() !== '' && Number(value) === candidate) return candidate;
    } else if (typeof candidate === 'boolean' && typeof value === 'string') {
      if (normalizedLiteral(value) === String(candidate)) return candidate;
    }
  }
  throw new ConversionError(`expected one of ${values.map((item) => JSON.stringify(item)).join(', ')}`);
}

function toList(value: unknown, [item]: readonly RobotType[]): unknown[] {
  if (!Array.isArray(value)) throw new ConversionError('expected a list');
  return item ? value.map((entry) => convertValue(entry, item)) : value;
}

function toDict(value: unknown, [, item]: readonly RobotType[]): Record<string, unknown> {
  if (!isStruct(value)) throw new ConversionError('expected a dictionary');
  if (!item) return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, convertValue(entry, item)]));
}

interface Conversion {
  /** True when the value already has the type, so a union keeps it as is (Robot's rule). */
  has(value: unknown): boolean;
  to(value: unknown, nested: readonly RobotType[]): unknown;
}

const INTEGER: Conversion = { has: (value) => typeof value === 'number' && Number.isInteger(value), to: toInteger };
const FLOAT: Conversion = { has: (value) => typeof value === 'number', to: toFloat };
const BOOLEAN: Conversion = { has: (value) => typeof value === 'boolean', to: toBoolean };
const TEXT: Conversion = { has: (value) => typeof value === 'string', to: toText };
const BYTES: Conversion = { has: (value) => Buffer.isBuffer(value), to: toBytes };
const NONE_VALUE: Conversion = { has: (value) => value === null || value === undefined, to: toNone };
const DATE: Conversion = { has: (value) => value instanceof Date, to: toDate };
// Containers never count as converted already: their items may still need converting.
const LIST: Conversion = { has: () => false, to: toList };
const DICT: Conversion = { has: () => false, to: toDict };

/** The conversion each Robot type gets here; the others (Decimal, Path, Any, ...) pass values through. */
const CONVERSIONS: Partial<Record<KnownType, Conversion>> = {
  int: INTEGER,
  float: FLOAT,
  bool: BOOLEAN,
  str: TEXT,
  bytes: BYTES,
  bytearray: BYTES,
  NoneType: NONE_VALUE,
  datetime: DATE,
  date: DATE,
  list: LIST,
  Sequence: LIST,
  tuple: LIST,
  set: LIST,
  frozenset: LIST,
  dict: DICT,
  Mapping: DICT,
};

const NONE: RobotType = { name: 'None', known: 'NoneType', union: false };

/** The members when the type is a union: `a | b`, `Union[a, b]`, `Optional[a]` (= `a | None`). */
function unionMembers(type: RobotType): readonly RobotType[] | undefined {
  if (type.union) return type.nested ?? [];
  if (type.nested === undefined) return undefined;
  if (type.known === 'Union') return type.nested;
  if (type.name.toLowerCase() === 'optional') return [...type.nested, NONE];
  return undefined;
}

function literalValues(type: RobotType): LiteralValue[] {
  return (type.nested ?? []).map((item) => item.literal?.value ?? null);
}

function matches(value: unknown, type: RobotType): boolean {
  const members = unionMembers(type);
  if (members) return members.some((member) => matches(value, member));
  if (type.known === 'Literal') return literalValues(type).some((item) => item === value);
  const conversion = type.known && CONVERSIONS[type.known];
  return conversion ? conversion.has(value) : true;
}

function toUnion(value: unknown, members: readonly RobotType[]): unknown {
  for (const member of members) if (matches(value, member)) return convertValue(value, member);
  for (const member of members) {
    try {
      return convertValue(value, member);
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
    }
  }
  throw new ConversionError('');
}

/** Converts `value` to the type; throws `ConversionError` when it does not convert. */
export function convertValue(value: unknown, type: RobotType): unknown {
  const members = unionMembers(type);
  if (members) return toUnion(value, members);
  if (type.known === 'Literal') return toLiteral(value, literalValues(type));
  const conversion = type.known && CONVERSIONS[type.known];
  return conversion ? conversion.to(value, type.nested ?? []) : value;
}

/** A short, typed rendering of a received value for failure messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 60)}...` : value;
    return `'${shown}' (string)`;
  }
  if (Buffer.isBuffer(value)) return `${value.length} bytes (binary)`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value instanceof Date) return `${value.toISOString()} (datetime)`;
  if (typeof value === 'object') return 'a dictionary';
  return `${String(value)} (${typeof value})`;
}
