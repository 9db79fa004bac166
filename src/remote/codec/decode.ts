/**
 * Reading a `<methodCall>` as Robot Framework's `Remote` library (Python's `xmlrpc.client`) writes it: the
 * `xmlrpc` package's deserializer driven by the `saxes` XML parser, adapted to what Robot sends:
 * `<i8>` and `<int>` become numbers (BigInt beyond 2^53), `<double>` accepts `inf`/`-inf`/`nan`, `<boolean>`
 * accepts `true`/`false`, `<nil/>` and `<ex:nil/>` become null, untyped `<value>` is a string; strict XML:
 * no DTD, only the five XML entities, a nesting limit, no raw characters XML forbids.
 */
import { SaxesParser } from 'saxes';
import Deserializer from 'xmlrpc/lib/deserializer';
import dateFormatter from 'xmlrpc/lib/date_formatter';
import { XmlRpcDecodeError } from '../errors';
import { decodeCommonMethodCall } from './decode-common';
import { parseDouble, parseInteger, robotBoolean } from './decode-values';

export interface DecodeLimits {
  /** Deepest allowed nesting of arrays and structs. */
  maxNesting: number;
}

export const DEFAULT_MAX_NESTING = 64;

export interface MethodCall {
  method: string;
  params: unknown[];
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_INVALID_IN_DOCUMENT = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

/** Thrown from inside parser callbacks to stop parsing at the first error (already recorded). */
const STOP = Symbol('stop parsing');

/**
 * The package's deserializer with Robot's value rules. Instances come from `createDeserializer`, never
 * from `new`: the package's constructor also builds a loose sax stream we do not use.
 */
class RobotDeserializer extends Deserializer {
  depth!: number;
  maxNesting!: number;

  openTag(name: string): void {
    const tag = name.toUpperCase();
    if (tag === 'ARRAY' || tag === 'STRUCT') {
      this.depth += 1;
      if (this.depth > this.maxNesting) {
        this.onError(`arrays and structs are nested deeper than ${this.maxNesting} levels`);
        throw STOP;
      }
    }
    this.onOpentag({ name: tag });
  }

  closeTag(name: string): void {
    const tag = name.toUpperCase();
    if (tag === 'ARRAY' || tag === 'STRUCT') this.depth -= 1;
    // `<ex:nil/>` (Apache's extension namespace) and any other prefixed nil mean None.
    this.onClosetag(tag.endsWith(':NIL') ? 'NIL' : tag);
    if (this.error) throw STOP;
  }

  override endInt(data: string): void {
    this.push(parseInteger(data, 'int'));
    this.value = false;
  }

  override endI8(data: string): void {
    this.push(parseInteger(data, 'i8'));
    this.value = false;
  }

  override endDouble(data: string): void {
    this.push(parseDouble(data));
    this.value = false;
  }

  override endBoolean(data: string): void {
    this.push(robotBoolean(data));
    this.value = false;
  }

  override endStruct(): void {
    const mark = this.marks.pop() ?? 0;
    const items = this.stack.slice(mark);
    if (items.length % 2 !== 0) throw new XmlRpcDecodeError('a struct <member> lacks its <name> or <value>');
    const entries: [string, unknown][] = [];
    for (let index = 0; index < items.length; index += 2) {
      const key = items[index];
      if (typeof key !== 'string') throw new XmlRpcDecodeError('a struct <member> lacks its <name>');
      entries.push([key, items[index + 1]]);
    }
    // fromEntries defines own properties, so a member named `__proto__` stays data.
    this.stack.splice(mark, this.stack.length - mark, Object.fromEntries(entries));
    this.value = false;
  }

  override endDateTime(data: string): void {
    const date = dateFormatter.decodeIso8601(data.trim());
    if (Number.isNaN(date.getTime())) throw new XmlRpcDecodeError(`invalid <dateTime.iso8601> '${data}'`);
    this.push(date);
    this.value = false;
  }
}

function createDeserializer(limits: DecodeLimits): RobotDeserializer {
  const deserializer = Object.create(RobotDeserializer.prototype) as RobotDeserializer;
  // The state the package's constructor would set up, plus ours.
  return Object.assign(deserializer, {
    type: null,
    responseType: null,
    stack: [],
    marks: [],
    data: [],
    methodname: null,
    encoding: 'utf8',
    value: false,
    callback: null,
    error: null,
    depth: 0,
    maxNesting: limits.maxNesting,
  });
}

/**
 * XML turns a raw carriage return into a line feed, but Python's `xmlrpc.client` writes `\r` in strings
 * raw (it escapes only `&`, `<` and `>`), so Robot's arguments would lose them. Text between tags keeps its
 * `\r` by becoming a character reference, which XML leaves alone; markup and anything before the root
 * element (where a reference is not allowed) stay as they are.
 */
function keepCarriageReturns(xml: string): string {
  if (!xml.includes('\r') || xml.includes('<![CDATA[')) return xml;
  const root = xml.search(/<[A-Za-z_:]/);
  if (root < 0) return xml;
  return xml.slice(0, root) + xml.slice(root).replace(/>[^<]+</g, (text) => (text.includes('\r') ? text.replaceAll('\r', '&#13;') : text));
}

/**
 * saxes, not the package's own sax: strict XML (only the five predefined entities, well-formedness and
 * character checks) at several times sax's speed. One parser serves every call in turn (decoding is
 * synchronous); `close()` resets it for the next document.
 */
interface DocumentParser {
  saxes: SaxesParser;
  target: RobotDeserializer | undefined;
}

/** saxes' terse reasons, said the way a test engineer reading a Fault needs them. */
const SAXES_REASONS: Record<string, string> = {
  'malformed character entity':
    'a character reference (&#...;) is malformed or names no character XML allows (nothing past U+10FFFF, no control characters)',
  'undefined entity': 'an entity other than &amp; &lt; &gt; &quot; &apos; is used; XML-RPC text has only those five',
};

let reusableParser: DocumentParser | undefined;

function documentParser(): DocumentParser {
  if (reusableParser) return reusableParser;
  const parser: DocumentParser = { saxes: new SaxesParser({ position: true }), target: undefined };
  const target = (): RobotDeserializer => {
    if (!parser.target) throw new Error('XML parser used without a deserializer');
    return parser.target;
  };
  parser.saxes.on('opentag', (node) => target().openTag(node.name));
  parser.saxes.on('closetag', (node) => target().closeTag(node.name));
  parser.saxes.on('text', (text) => target().onText(text));
  parser.saxes.on('cdata', (text) => target().onCDATA(text));
  parser.saxes.on('doctype', () => {
    target().onError('DTDs and entity declarations are not accepted');
    throw STOP;
  });
  parser.saxes.on('end', () => target().onDone());
  parser.saxes.on('error', (error) => {
    // saxes writes `line:column: reason.`
    const match = /^(\d+):(\d+): ([\s\S]*?)\.?$/.exec(error.message);
    const reason = match?.[3] === undefined ? error.message : (SAXES_REASONS[match[3]] ?? match[3]);
    target().onError(match ? `${reason} (line ${match[1]}, column ${match[2]})` : reason);
    throw STOP;
  });
  reusableParser = parser;
  return parser;
}

/** Decodes a `<methodCall>` body (already decoded to text). Throws `XmlRpcDecodeError` with the reason. */
export function decodeMethodCall(xml: string, limits: DecodeLimits = { maxNesting: DEFAULT_MAX_NESTING }): MethodCall {
  checkCharacters(xml);
  return decodeCommonMethodCall(xml, limits.maxNesting) ?? decodeGeneralMethodCall(xml, limits);
}

function checkCharacters(xml: string): void {
  const raw = RAW_INVALID_IN_DOCUMENT.exec(xml);
  if (raw) {
    const code = raw[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new XmlRpcDecodeError(`the request contains character U+${code}, which XML does not allow`);
  }
}

/** `decodeMethodCall` without the common-shape reader (`decode-common.ts`), which tests compare it with. */
export function decodeGeneralMethodCall(xml: string, limits: DecodeLimits = { maxNesting: DEFAULT_MAX_NESTING }): MethodCall {
  checkCharacters(xml);
  const deserializer = createDeserializer(limits);
  let outcome: MethodCall | Error | undefined;
  const source = {
    setEncoding: () => undefined,
    on: () => undefined,
    pipe: () => undefined,
  };
  deserializer.deserializeMethodCall(source, (error, method, params) => {
    if (outcome !== undefined) return;
    outcome = error ? error : { method: method ?? '', params: params ?? [] };
  });
  const parser = documentParser();
  parser.target = deserializer;
  let finished = false;
  try {
    parser.saxes.write(keepCarriageReturns(xml)).close();
    finished = true;
  } catch (error) {
    if (error !== STOP) throw error;
  } finally {
    parser.target = undefined;
    // A parse stopped midway leaves the parser in that state: the next call gets a new one.
    if (!finished) reusableParser = undefined;
  }
  if (outcome === undefined) throw new XmlRpcDecodeError('the request is not a complete XML-RPC <methodCall>');
  if (outcome instanceof Error) {
    throw outcome instanceof XmlRpcDecodeError ? outcome : new XmlRpcDecodeError(outcome.message);
  }
  return outcome;
}

