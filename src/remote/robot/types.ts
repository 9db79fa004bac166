/**
 * Robot Framework type strings (`int`, `int | None`, `list[str]`, `Literal['a', 1]`) parsed once into the tree
 * Robot's own `TypeInfo` builds: the conversion (`./conversion`) and the documentation (`../docs`) both read
 * it. Grammar and name table follow `robot.running.arguments.typeinfoparser` and `typeinfo.TYPE_NAMES`; where
 * this parser is stricter (it refuses what would only be a typo here), `test/remote/robot/types.test.ts`
 * lists it beside Robot's answer.
 */
import { TypeSyntaxError } from '../errors';

/** Robot's type-name table, looked up ignoring case: name -> the Python type's name. */
const ROBOT_TYPE_NAMES = {
  '...': 'Ellipsis',
  ellipsis: 'Ellipsis',
  any: 'Any',
  object: 'object',
  str: 'str',
  string: 'str',
  unicode: 'str',
  bool: 'bool',
  boolean: 'bool',
  int: 'int',
  integer: 'int',
  long: 'int',
  float: 'float',
  double: 'float',
  decimal: 'Decimal',
  bytes: 'bytes',
  bytearray: 'bytearray',
  datetime: 'datetime',
  date: 'date',
  timedelta: 'timedelta',
  path: 'Path',
  none: 'NoneType',
  sequence: 'Sequence',
  list: 'list',
  tuple: 'tuple',
  set: 'set',
  frozenset: 'frozenset',
  mapping: 'Mapping',
  map: 'Mapping',
  dictionary: 'dict',
  dict: 'dict',
  union: 'Union',
  literal: 'Literal',
  secret: 'Secret',
} as const;

/** A type Robot knows by name (its Python name: `int`, `NoneType`, `Mapping`, ...). */
export type KnownType = (typeof ROBOT_TYPE_NAMES)[keyof typeof ROBOT_TYPE_NAMES];

/** The names Robot's table knows, for tests that compare it with Robot's. */
export const KNOWN_TYPE_NAMES: Readonly<Record<string, KnownType>> = ROBOT_TYPE_NAMES;

export type LiteralValue = string | number | boolean | null;

/** One node of a parsed type string, as Robot's `TypeInfo`. */
export interface RobotType {
  /** As written (`List`, `int`); `Union` for `a | b`; a Literal value's Python repr (`'a'`, `1`, `None`). */
  readonly name: string;
  /** What Robot's table makes of `name`; undefined for names it does not know and for Literal values. */
  readonly known?: KnownType;
  /** Parameters (`list[str]` -> `[str]`) or union members; undefined when written without brackets. */
  readonly nested?: readonly RobotType[];
  /** True for `a | b` (written with `|`). */
  readonly union: boolean;
  /** Present on the values inside `Literal[...]`. */
  readonly literal?: { readonly value: LiteralValue };
}

export function knownType(name: string): KnownType | undefined {
  return (ROBOT_TYPE_NAMES as Record<string, KnownType>)[name.toLowerCase()];
}

type Token = { kind: 'name' | 'quoted'; text: string; position: number } | { kind: 'punct'; text: '[' | ']' | ',' | '|'; position: number };

const PUNCTUATION = new Set(['[', ']', ',', '|']);
// Robot takes anything up to the next marker as a name; here a name is an identifier (dots allowed) or `...`.
const TYPE_NAME = /^(?:[\p{L}_][\p{L}\p{N}_.]*|\.\.\.|[+-]?\d+)$/u;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index] ?? '';
    if (/\s/.test(char)) {
      index += 1;
    } else if (PUNCTUATION.has(char)) {
      tokens.push({ kind: 'punct', text: char as '[' | ']' | ',' | '|', position: index });
      index += 1;
    } else if (char === '"' || char === "'") {
      const end = source.indexOf(char, index + 1);
      if (end < 0) throw new TypeSyntaxError(source, 'unterminated string');
      tokens.push({ kind: 'quoted', text: source.slice(index + 1, end), position: index });
      index = end + 1;
    } else {
      let end = index;
      while (end < source.length && !/[\s[\],|'"]/.test(source[end] ?? '')) end += 1;
      const text = source.slice(index, end);
      if (!TYPE_NAME.test(text)) throw new TypeSyntaxError(source, `unexpected text at '${source.slice(index)}'`);
      tokens.push({ kind: 'name', text, position: index });
      index = end;
    }
  }
  return tokens;
}

const PYTHON_CONSTANTS = new Map<string, LiteralValue>([
  ['True', true],
  ['False', false],
  ['None', null],
]);

/** A Python repr of a string, as libdoc shows Literal values: single quotes unless the value has one. */
function pythonStringRepr(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

class TypeParser {
  private index = 0;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parse(): RobotType {
    if (this.tokens.length === 0) throw new TypeSyntaxError(this.source, 'it is empty');
    const type = this.union();
    const extra = this.tokens[this.index];
    if (extra) throw new TypeSyntaxError(this.source, `unexpected '${extra.text}'`);
    return type;
  }

  private at(text: string): boolean {
    const token = this.tokens[this.index];
    return token?.kind === 'punct' && token.text === text;
  }

  private expect(text: string): void {
    if (!this.at(text)) throw new TypeSyntaxError(this.source, `expected '${text}'`);
    this.index += 1;
  }

  private union(): RobotType {
    const members = [this.single()];
    while (this.at('|')) {
      this.index += 1;
      members.push(this.single());
    }
    return members.length === 1 ? (members[0] as RobotType) : { name: 'Union', known: 'Union', nested: members, union: true };
  }

  private single(): RobotType {
    const token = this.tokens[this.index];
    if (token?.kind !== 'name' || /^[+-]?\d/.test(token.text)) throw new TypeSyntaxError(this.source, 'expected a type name');
    this.index += 1;
    const known = knownType(token.text);
    const type: RobotType = { name: token.text, union: false, ...(known ? { known } : {}) };
    if (!this.at('[')) return type;
    this.index += 1;
    const nested: RobotType[] = [];
    const item = known === 'Literal' ? (): RobotType => this.literal() : (): RobotType => this.union();
    if (!this.at(']')) {
      nested.push(item());
      while (this.at(',')) {
        this.index += 1;
        if (this.at(']')) break; // a trailing comma, as Python allows
        nested.push(item());
      }
    }
    this.expect(']');
    if (known === 'Literal' && nested.length === 0) throw new TypeSyntaxError(this.source, 'Literal[...] cannot be empty');
    return { ...type, nested };
  }

  private literal(): RobotType {
    const token = this.tokens[this.index];
    this.index += 1;
    if (token?.kind === 'quoted') return { name: pythonStringRepr(token.text), union: false, literal: { value: token.text } };
    if (token?.kind === 'name') {
      if (/^[+-]?\d+$/.test(token.text)) {
        const value = Number(token.text);
        return { name: String(value), union: false, literal: { value } };
      }
      const constant = PYTHON_CONSTANTS.get(token.text);
      if (constant !== undefined) return { name: token.text, union: false, literal: { value: constant } };
    }
    throw new TypeSyntaxError(this.source, 'Literal[...] takes strings, integers, True, False or None');
  }
}

/** Parses a Robot type string. Throws `TypeSyntaxError` for strings Robot (or this server) would refuse. */
export function parseType(typeString: string): RobotType {
  return new TypeParser(typeString, tokenize(typeString)).parse();
}

/** Renders a parsed type the way Robot prints it (`int | None`, `dict[str, int]`, `Literal['a', 1]`). */
export function formatType(type: RobotType): string {
  if (type.union) return (type.nested ?? []).map(formatType).join(' | ');
  if (type.nested === undefined) return type.name;
  return `${type.name}[${type.nested.map(formatType).join(', ')}]`;
}
