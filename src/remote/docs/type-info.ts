/**
 * The standard type documentation libdoc lists for the types a library uses. Type strings are parsed by
 * `../robot/types`; this module only says which `typedocs` entry a parsed name points to.
 */
import type { KnownType, RobotType } from '../robot/types';

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

// Robot's types -> their typedoc. Union and `...` have none.
const TYPE_DOCS: Partial<Record<KnownType, keyof typeof STANDARD_TYPES>> = {
  Any: 'Any',
  object: 'object',
  str: 'string',
  bool: 'boolean',
  int: 'integer',
  float: 'float',
  Decimal: 'decimal',
  bytes: 'bytes',
  bytearray: 'bytearray',
  datetime: 'datetime',
  date: 'date',
  timedelta: 'timedelta',
  Path: 'Path',
  NoneType: 'None',
  Sequence: 'Sequence',
  list: 'list',
  tuple: 'tuple',
  set: 'set',
  frozenset: 'frozenset',
  Mapping: 'Mapping',
  dict: 'dictionary',
  Literal: 'Literal',
  Secret: 'Secret',
};

/**
 * The standard type documentation a type name refers to, or `undefined` for unions, Literal values, `...`
 * and names Robot does not know (which it passes through unconverted).
 */
export function standardTypeDoc(type: RobotType): StandardTypeDoc | undefined {
  if (type.union || type.known === undefined) return undefined;
  const key = TYPE_DOCS[type.known];
  return key === undefined ? undefined : STANDARD_TYPES[key];
}
