/**
 * Robot Framework type strings (`int`, `bool`, `int | None`, `list[int]`, `Literal['a', 'b']`, ...): parsing,
 * and the server-side conversion of received values by declared type.
 *
 * Robot converts arguments itself before sending them when types are published, so for Robot this mostly
 * confirms values; clients that send strings (other tools, or Robot with `*args` fallbacks) get the same
 * conversions Robot would do. Unknown type names convert nothing, as in Robot.
 */

export type TypeNode =
  | { kind: 'named'; name: string; args: TypeNode[] }
  | { kind: 'union'; members: TypeNode[] }
  | { kind: 'literal'; values: LiteralValue[] };

export type LiteralValue = string | number | boolean | null;

export class TypeSyntaxError extends Error {
  constructor(typeString: string, reason: string) {
    super(`Invalid type '${typeString}': ${reason}.`);
    this.name = 'TypeSyntaxError';
  }
}

/** Why a value did not convert; `binding.ts` adds the keyword and argument. */
export class ConversionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConversionError';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------------------

const TOKEN = /\s*(?:([A-Za-z_][\w.]*)|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([[\],|]))/y;

type Token = { kind: 'name' | 'string' | 'number' | 'punct'; text: string };

function tokenize(typeString: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < typeString.length) {
    if (/^\s*$/.test(typeString.slice(position))) break;
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(typeString);
    if (!match) throw new TypeSyntaxError(typeString, `unexpected text at '${typeString.slice(position)}'`);
    position = TOKEN.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'name', text: match[1] });
    else if (match[2] !== undefined) tokens.push({ kind: 'string', text: match[2] });
    else if (match[3] !== undefined) tokens.push({ kind: 'number', text: match[3] });
    else tokens.push({ kind: 'punct', text: match[4] ?? '' });
  }
  return tokens;
}

const ALIASES: Record<string, string> = {
  int: 'int', integer: 'int', float: 'float', double: 'float', bool: 'bool', boolean: 'bool',
  str: 'str', string: 'str', unicode: 'str', bytes: 'bytes', bytearray: 'bytes', none: 'none',
  nonetype: 'none', list: 'list', sequence: 'list', tuple: 'list', set: 'set', frozenset: 'set',
  dict: 'dict', dictionary: 'dict', mapping: 'dict', datetime: 'datetime', date: 'datetime',
  any: 'any', object: 'any', union: 'union', optional: 'optional', literal: 'literal',
};

function canonicalName(name: string): string {
  const last = name.split('.').pop() ?? name;
  return ALIASES[last.toLowerCase()] ?? last;
}

class TypeParser {
  private index = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parse(): TypeNode {
    if (this.tokens.length === 0) throw new TypeSyntaxError(this.source, 'it is empty');
    const node = this.union();
    if (this.index < this.tokens.length) {
      throw new TypeSyntaxError(this.source, `unexpected '${this.tokens[this.index]?.text}'`);
    }
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private expect(text: string): void {
    const token = this.tokens[this.index];
    if (token?.text !== text) throw new TypeSyntaxError(this.source, `expected '${text}'`);
    this.index += 1;
  }

  private union(): TypeNode {
    const members = [this.single()];
    while (this.peek()?.text === '|') {
      this.index += 1;
      members.push(this.single());
    }
    return members.length === 1 ? (members[0] as TypeNode) : { kind: 'union', members };
  }

  private single(): TypeNode {
    const token = this.tokens[this.index];
    if (!token || token.kind !== 'name') throw new TypeSyntaxError(this.source, 'expected a type name');
    this.index += 1;
    const name = canonicalName(token.text);
    if (name === 'literal') return { kind: 'literal', values: this.literalValues() };
    const args: TypeNode[] = [];
    if (this.peek()?.text === '[') {
      this.index += 1;
      args.push(this.union());
      while (this.peek()?.text === ',') {
        this.index += 1;
        args.push(this.union());
      }
      this.expect(']');
    }
    if (name === 'union') return { kind: 'union', members: args };
    if (name === 'optional') return { kind: 'union', members: [...args, { kind: 'named', name: 'none', args: [] }] };
    return { kind: 'named', name, args };
  }

  private literalValues(): LiteralValue[] {
    this.expect('[');
    const values: LiteralValue[] = [this.literal()];
    while (this.peek()?.text === ',') {
      this.index += 1;
      values.push(this.literal());
    }
    this.expect(']');
    return values;
  }

  private literal(): LiteralValue {
    const token = this.tokens[this.index];
    this.index += 1;
    if (token?.kind === 'string') return token.text.slice(1, -1).replace(/\\(.)/g, '$1');
    if (token?.kind === 'number') return Number(token.text);
    if (token?.text === 'True') return true;
    if (token?.text === 'False') return false;
    if (token?.text === 'None') return null;
    throw new TypeSyntaxError(this.source, 'Literal[...] takes strings, numbers, True, False or None');
  }
}

/** Parses a Robot type string. Throws `TypeSyntaxError` for malformed strings. */
export function parseType(typeString: string): TypeNode {
  return new TypeParser(typeString, tokenize(typeString)).parse();
}

// ---------------------------------------------------------------------------------------------------------
// Conversion
// ---------------------------------------------------------------------------------------------------------

const TRUE_STRINGS = new Set(['TRUE', 'YES', 'ON', '1']);
const FALSE_STRINGS = new Set(['FALSE', 'NO', 'OFF', '0', 'NONE', '']);

function isStruct(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date)
  );
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
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const text = value.trim().toUpperCase();
    if (TRUE_STRINGS.has(text)) return true;
    if (FALSE_STRINGS.has(text)) return false;
  }
  throw new ConversionError('use true/false, yes/no, on/off or 1/0');
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

/** True when the value already has the type, so a union keeps it as is (Robot's rule). */
function matches(value: unknown, node: TypeNode): boolean {
  if (node.kind === 'union') return node.members.some((member) => matches(value, member));
  if (node.kind === 'literal') return node.values.some((item) => item === value);
  switch (node.name) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    case 'str':
      return typeof value === 'string';
    case 'bytes':
      return Buffer.isBuffer(value);
    case 'none':
      return value === null || value === undefined;
    case 'datetime':
      return value instanceof Date;
    case 'list':
    case 'set':
    case 'dict':
      return false; // their items may still need converting
    default:
      return true;
  }
}

/** Converts `value` to the type; throws `ConversionError` when it does not convert. */
export function convertValue(value: unknown, node: TypeNode): unknown {
  if (node.kind === 'literal') return toLiteral(value, node.values);
  if (node.kind === 'union') {
    for (const member of node.members) if (matches(value, member)) return convertValue(value, member);
    for (const member of node.members) {
      try {
        return convertValue(value, member);
      } catch (error) {
        if (!(error instanceof ConversionError)) throw error;
      }
    }
    throw new ConversionError('');
  }
  const [first, second] = node.args;
  switch (node.name) {
    case 'int':
      return toInteger(value);
    case 'float':
      return toFloat(value);
    case 'bool':
      return toBoolean(value);
    case 'str':
      return toText(value);
    case 'bytes':
      return toBytes(value);
    case 'none':
      return toNone(value);
    case 'datetime':
      return toDate(value);
    case 'list':
    case 'set':
      if (!Array.isArray(value)) throw new ConversionError('expected a list');
      return first ? value.map((item) => convertValue(item, first)) : value;
    case 'dict': {
      if (!isStruct(value)) throw new ConversionError('expected a dictionary');
      const valueType = second;
      if (!valueType) return value;
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, convertValue(item, valueType)]));
    }
    default:
      return value;
  }
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
