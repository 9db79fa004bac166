/**
 * Robot type strings (`int | None`, `list[str]`, `Literal['a', 'b']`) as libdoc describes them: a tree of
 * names with nested types, plus the standard type documentation each name points to.
 */

export interface ParsedType {
  /** `Union` for `a | b`, else the name as written (`List`, `int`, `'a'` for a Literal value). */
  name: string;
  /** Parameters (`list[str]` -> `[str]`) or union members; `undefined` when written without brackets. */
  nested?: ParsedType[];
  union: boolean;
}

/** A type string Robot would not accept (it drops the keyword with "Invalid argument specification"). */
export class TypeSyntaxError extends Error {
  constructor(typeString: string, reason: string) {
    super(`Invalid type '${typeString}': ${reason}. Use a Robot type such as 'int', 'int | None' or 'list[str]'.`);
    this.name = 'TypeSyntaxError';
  }
}

type Token = { kind: 'name'; text: string } | { kind: 'punct'; text: '[' | ']' | ',' | '|' };

function tokenize(typeString: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < typeString.length) {
    const char = typeString[index];
    if (/\s/.test(char)) {
      index++;
    } else if (char === '[' || char === ']' || char === ',' || char === '|') {
      tokens.push({ kind: 'punct', text: char });
      index++;
    } else if (char === '"' || char === "'") {
      const end = typeString.indexOf(char, index + 1);
      if (end < 0) throw new TypeSyntaxError(typeString, 'unterminated string');
      // Literal values show as Python reprs: single quotes unless the value contains one.
      const value = typeString.slice(index + 1, end);
      tokens.push({ kind: 'name', text: value.includes("'") ? `"${value}"` : `'${value}'` });
      index = end + 1;
    } else {
      let end = index;
      while (end < typeString.length && !/[\s[\],|'"]/.test(typeString[end])) end++;
      tokens.push({ kind: 'name', text: typeString.slice(index, end) });
      index = end;
    }
  }
  return tokens;
}

/** Parses a Robot type string. Throws `TypeSyntaxError` on unbalanced brackets and empty names. */
export function parseType(typeString: string): ParsedType {
  const tokens = tokenize(typeString);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const expectPunct = (text: string): void => {
    const token = tokens[position++];
    if (token?.kind !== 'punct' || token.text !== text) throw new TypeSyntaxError(typeString, `expected '${text}'`);
  };

  const parseUnion = (): ParsedType => {
    const members = [parseSingle()];
    while (peek()?.text === '|' && peek()?.kind === 'punct') {
      position++;
      members.push(parseSingle());
    }
    return members.length === 1 ? members[0] : { name: 'Union', nested: members, union: true };
  };

  const parseSingle = (): ParsedType => {
    const token = tokens[position++];
    if (token?.kind !== 'name') throw new TypeSyntaxError(typeString, 'missing type name');
    if (peek()?.kind !== 'punct' || peek()?.text !== '[') return { name: token.text, union: false };
    position++;
    const nested: ParsedType[] = [];
    if (!(peek()?.kind === 'punct' && peek()?.text === ']')) {
      nested.push(parseUnion());
      while (peek()?.kind === 'punct' && peek()?.text === ',') {
        position++;
        nested.push(parseUnion());
      }
    }
    expectPunct(']');
    return { name: token.text, nested, union: false };
  };

  const parsed = parseUnion();
  if (position !== tokens.length) throw new TypeSyntaxError(typeString, `unexpected '${tokens[position].text}'`);
  return parsed;
}

/** Renders a parsed type the way Robot prints it in argument reprs (`int | None`, `dict[str, int]`). */
export function formatType(type: ParsedType): string {
  if (type.union) return (type.nested ?? []).map(formatType).join(' | ');
  if (type.nested === undefined) return type.name;
  return `${type.name}[${type.nested.map(formatType).join(', ')}]`;
}

export interface StandardTypeDoc {
  /** The typedoc name libdoc shows (`integer` for `int`). */
  name: string;
  /** What Robot's converter accepts, as libdoc lists it. */
  accepts: string[];
  /** Robot doc syntax. */
  doc: string;
}

const STANDARD_TYPES: Record<string, StandardTypeDoc> = {
  Any: { name: 'Any', accepts: ['Any'], doc: 'Any value is accepted as is.' },
  object: { name: 'object', accepts: ['Any'], doc: 'Any value is accepted as is.' },
  string: {
    name: 'string',
    accepts: ['Any'],
    doc: 'Any value is converted to a string. Robot arguments are strings already.',
  },
  boolean: {
    name: 'boolean',
    accepts: ['string', 'integer', 'float', 'None'],
    doc:
      'Strings ``TRUE``, ``YES``, ``ON`` and ``1`` become true; ``FALSE``, ``NO``, ``OFF``, ``0`` and the empty ' +
      'string become false; ``NONE`` becomes None. Comparisons ignore case.\n\n' +
      'Examples: ``True``, ``yes``, ``off``, ``${TRUE}``',
  },
  integer: {
    name: 'integer',
    accepts: ['string', 'float'],
    doc:
      'Whole numbers, also with ``0x``, ``0o`` and ``0b`` prefixes; spaces and underscores may group digits. ' +
      'Floats are accepted only when they are whole.\n\nExamples: ``42``, ``-1``, ``0x1F``, ``1 000``, ``${2}``',
  },
  float: {
    name: 'float',
    accepts: ['string', 'Real'],
    doc: 'Decimal numbers; spaces and underscores may group digits.\n\nExamples: ``3.14``, ``1e-3``, ``${0.5}``',
  },
  decimal: { name: 'decimal', accepts: ['string', 'integer', 'float'], doc: 'Exact decimal numbers.\n\nExamples: ``3.14``' },
  bytes: {
    name: 'bytes',
    accepts: ['string', 'bytearray', 'Sequence', 'integer'],
    doc: 'Binary data; each character of a string gives the byte with the same ordinal.',
  },
  bytearray: {
    name: 'bytearray',
    accepts: ['string', 'bytes', 'Sequence', 'integer'],
    doc: 'Binary data; each character of a string gives the byte with the same ordinal.',
  },
  datetime: {
    name: 'datetime',
    accepts: ['string', 'integer', 'float'],
    doc: 'Timestamps such as ``2024-01-02 03:04:05``, or seconds since the epoch.',
  },
  date: { name: 'date', accepts: ['string'], doc: 'Dates such as ``2024-01-02``.' },
  timedelta: {
    name: 'timedelta',
    accepts: ['string', 'integer', 'float'],
    doc: 'Durations: seconds (``1.5``) or Robot time strings (``2 minutes 10 seconds``, ``1h 10s``).',
  },
  Path: { name: 'Path', accepts: ['string', 'PurePath'], doc: 'File system paths given as strings.' },
  None: {
    name: 'None',
    accepts: ['string'],
    doc: 'The string ``NONE`` (any case) and the empty string mean no value (Python ``None``).',
  },
  Sequence: { name: 'Sequence', accepts: ['string', 'Sequence'], doc: 'Lists or list literals such as ``[1, 2]``.' },
  list: {
    name: 'list',
    accepts: ['string', 'Sequence'],
    doc:
      'Lists, or strings holding a Python list literal. Items are converted to the nested type when one is ' +
      'given (``list[int]``).\n\nExamples: ``${list}``, ``[\'one\', \'two\']``',
  },
  tuple: { name: 'tuple', accepts: ['string', 'Sequence'], doc: 'Lists, or strings holding a tuple or list literal.' },
  set: { name: 'set', accepts: ['string', 'Collection'], doc: 'Collections, or strings holding a set literal.' },
  frozenset: { name: 'frozenset', accepts: ['string', 'Collection'], doc: 'Collections, or strings holding a set literal.' },
  Mapping: { name: 'Mapping', accepts: ['string', 'Mapping'], doc: 'Dictionaries or dictionary literals.' },
  dictionary: {
    name: 'dictionary',
    accepts: ['string', 'Mapping'],
    doc:
      'Dictionaries, or strings holding a Python dictionary literal. Keys and values are converted to the ' +
      'nested types when given (``dict[str, int]``).\n\nExamples: ``${nodes[\'DUT1\']}``, ``{\'a\': 1}``',
  },
  Literal: { name: 'Literal', accepts: ['Any'], doc: 'One of the listed values; strings match them ignoring case.' },
  Secret: { name: 'Secret', accepts: ['string'], doc: 'A value hidden from logs.' },
};

// Robot's type-name table, looked up ignoring case (`INT`, `List`, `none` all resolve).
const TYPE_NAME_TO_DOC: Record<string, keyof typeof STANDARD_TYPES> = {
  any: 'Any',
  object: 'object',
  str: 'string',
  string: 'string',
  unicode: 'string',
  bool: 'boolean',
  boolean: 'boolean',
  int: 'integer',
  integer: 'integer',
  long: 'integer',
  float: 'float',
  double: 'float',
  decimal: 'decimal',
  bytes: 'bytes',
  bytearray: 'bytearray',
  datetime: 'datetime',
  date: 'date',
  timedelta: 'timedelta',
  path: 'Path',
  none: 'None',
  sequence: 'Sequence',
  list: 'list',
  tuple: 'tuple',
  set: 'set',
  frozenset: 'frozenset',
  mapping: 'Mapping',
  map: 'Mapping',
  dictionary: 'dictionary',
  dict: 'dictionary',
  literal: 'Literal',
  secret: 'Secret',
};

/**
 * The standard type documentation a type name refers to, or `undefined` for unions, Literal values, `...`
 * and names Robot does not know (which it passes through unconverted).
 */
export function standardTypeDoc(type: ParsedType): StandardTypeDoc | undefined {
  if (type.union) return undefined;
  const key = TYPE_NAME_TO_DOC[type.name.toLowerCase()];
  return key === undefined ? undefined : STANDARD_TYPES[key];
}
