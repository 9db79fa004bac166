/**
 * The XML-RPC wire format as Robot Framework's `Remote` library (Python's `xmlrpc.client`) speaks it.
 *
 * Reading is the `xmlrpc` package's deserializer driven by the `saxes` XML parser; writing is done here
 * directly (see the note above `encodeResponse`). This module is the one place that adapts the wire format
 * to what Robot sends and accepts:
 * - in: `<i8>` and `<int>` become numbers (BigInt beyond 2^53), `<double>` accepts `inf`/`-inf`/`nan`,
 *   `<boolean>` accepts `true`/`false`, `<nil/>` and `<ex:nil/>` become null, untyped `<value>` is a string;
 *   strict XML: no DTD, only the five XML entities, a nesting limit, no raw characters XML forbids;
 * - out: strings with control characters become `<base64>` of their latin-1 bytes (Robot decodes them as
 *   latin-1), `\r` becomes `&#13;`, integers beyond int32 become `<i8>`, NaN/Infinity are written so Python
 *   parses them, dates are exactly `YYYYMMDDTHH:MM:SS` (server local time), null is never written as `<nil/>`.
 */
import { SaxesParser } from 'saxes';
import Deserializer from 'xmlrpc/lib/deserializer';
import dateFormatter from 'xmlrpc/lib/date_formatter';
import { XmlRpcDecodeError, XmlRpcEncodeError } from './errors';

/** Values this codec writes. Anything richer is converted first (see `values.ts`). */
export type WireValue =
  | string
  | number
  | boolean
  | bigint
  | Buffer
  | Date
  | null
  | undefined
  | WireValue[]
  | { [key: string]: WireValue };

export interface DecodeLimits {
  /** Deepest allowed nesting of arrays and structs. */
  maxNesting: number;
}

export const DEFAULT_MAX_NESTING = 64;

export interface MethodCall {
  method: string;
  params: unknown[];
}

// Characters XML 1.0 forbids even as references, and the C0 controls Robot sends as base64 instead.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\x00-\x08\x0B\x0C\x0E-\x1F]/;
const NON_XML_CHARACTERS = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_INVALID_IN_DOCUMENT = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const BEYOND_LATIN1 = /[\u0100-\uFFFF]/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const MAX_OUTPUT_DEPTH = 256;

// ---------------------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------------------

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
    const text = data.trim().toLowerCase();
    if (text === '1' || text === 'true') this.push(true);
    else if (text === '0' || text === 'false') this.push(false);
    else throw new XmlRpcDecodeError(`<boolean> must be 1, 0, true or false, got '${data}'`);
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

function parseInteger(data: string, tag: string): number | bigint {
  const text = data.trim();
  if (!INTEGER_TEXT.test(text)) throw new XmlRpcDecodeError(`<${tag}> must be an integer, got '${data}'`);
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

function parseDouble(data: string): number {
  const text = data.trim().toLowerCase().replace(/^\+/, '');
  // Python writes float('inf') as `inf`; other servers write `Infinity`/`NaN`.
  if (text === 'inf' || text === 'infinity') return Infinity;
  if (text === '-inf' || text === '-infinity') return -Infinity;
  if (text === 'nan' || text === '-nan') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(text)) {
    throw new XmlRpcDecodeError(`<double> must be a number, got '${data}'`);
  }
  return Number(text);
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
  const raw = RAW_INVALID_IN_DOCUMENT.exec(xml);
  if (raw) {
    const code = raw[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new XmlRpcDecodeError(`the request contains character U+${code}, which XML does not allow`);
  }
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

// ---------------------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------------------

// The writer below replaces the package's serializer, which builds an xmlbuilder document for every
// response: measured at ~18 KB allocated and ~14 us per keyword result, the largest share of the server's
// per-call cost, where writing the handful of XML-RPC forms directly takes ~1 KB and ~2 us. Its output
// is checked against Python's `xmlrpc.client` in the codec tests.

const XML_DECLARATION = '<?xml version="1.0"?>';
const TEXT_TO_ESCAPE = /[&<>\r]/;
const TEXT_TO_ESCAPE_ALL = /[&<>\r]/g;
const ESCAPED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/** XML text content; `\r` as the decimal reference Robot's own client and the protocol notes use. */
function escapeText(text: string): string {
  return TEXT_TO_ESCAPE.test(text) ? text.replace(TEXT_TO_ESCAPE_ALL, (character) => ESCAPED[character] ?? character) : text;
}

function characterCode(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function preview(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return JSON.stringify(shown);
}

/**
 * How a string goes on the wire. Control characters force `<base64>` of latin-1 bytes, as Robot's own client
 * does (it decodes them as latin-1); characters XML cannot carry at all are refused.
 */
function stringXml(text: string): string {
  const nonXml = NON_XML_CHARACTERS.exec(text);
  if (nonXml) {
    throw new XmlRpcEncodeError(
      `Cannot represent ${preview(text)} in XML-RPC: it contains ${characterCode(nonXml[0])}, which XML does not allow.`,
    );
  }
  if (CONTROL_CHARACTERS.test(text)) {
    const beyondLatin1 = BEYOND_LATIN1.exec(text);
    if (beyondLatin1) {
      throw new XmlRpcEncodeError(
        `Cannot represent ${preview(text)} as binary: it has control characters, which must travel as latin-1 ` +
          `bytes, and also ${characterCode(beyondLatin1[0])}, which latin-1 lacks.`,
      );
    }
    return `<value><base64>${Buffer.from(text, 'latin1').toString('base64')}</base64></value>`;
  }
  return `<value><string>${escapeText(text)}</string></value>`;
}

function numberXml(value: number): string {
  if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) {
    return `<value><int>${Object.is(value, -0) ? 0 : value}</int></value>`;
  }
  if (Number.isSafeInteger(value)) return `<value><i8>${value}</i8></value>`;
  // String() gives `NaN`, `Infinity`, `-Infinity`, `1e+21`: all parsed by Python's float().
  return `<value><double>${String(value)}</double></value>`;
}

function bigIntXml(value: bigint): string {
  if (value >= BigInt(INT32_MIN) && value <= BigInt(INT32_MAX)) return `<value><int>${value}</int></value>`;
  if (value >= INT64_MIN && value <= INT64_MAX) return `<value><i8>${value}</i8></value>`;
  // Python would read a bigger <i8>, but other clients would not: beyond 64 bits it is a decimal string.
  return `<value><string>${value}</string></value>`;
}

function dateXml(value: Date): string {
  if (Number.isNaN(value.getTime())) throw new XmlRpcEncodeError('Cannot represent an invalid Date in XML-RPC.');
  const pad = (part: number, width = 2): string => String(part).padStart(width, '0');
  const text =
    `${pad(value.getFullYear(), 4)}${pad(value.getMonth() + 1)}${pad(value.getDate())}` +
    `T${pad(value.getHours())}:${pad(value.getMinutes())}:${pad(value.getSeconds())}`;
  return `<value><dateTime.iso8601>${text}</dateTime.iso8601></value>`;
}

function keyXml(key: string): string {
  if (CONTROL_CHARACTERS.test(key) || NON_XML_CHARACTERS.test(key)) {
    throw new XmlRpcEncodeError(`Cannot represent dictionary key ${preview(key)} in XML-RPC: keys cannot be binary.`);
  }
  return `<name>${escapeText(key)}</name>`;
}

function valueXml(value: WireValue, depth: number): string {
  if (depth > MAX_OUTPUT_DEPTH) {
    throw new XmlRpcEncodeError(`Cannot represent a value nested deeper than ${MAX_OUTPUT_DEPTH} levels.`);
  }
  switch (typeof value) {
    case 'string':
      return stringXml(value);
    case 'number':
      return numberXml(value);
    case 'boolean':
      return value ? '<value><boolean>1</boolean></value>' : '<value><boolean>0</boolean></value>';
    case 'bigint':
      return bigIntXml(value);
    case 'undefined':
      return '<value><string></string></value>';
    default:
      break;
  }
  if (value === null) return '<value><string></string></value>';
  if (Buffer.isBuffer(value)) return `<value><base64>${value.toString('base64')}</base64></value>`;
  if (value instanceof Date) return dateXml(value);
  if (Array.isArray(value)) {
    let xml = '<value><array><data>';
    for (const item of value) xml += valueXml(item, depth + 1);
    return `${xml}</data></array></value>`;
  }
  let xml = '<value><struct>';
  // Own keys only; an own `__proto__` (from JSON.parse) is data and shadows the accessor, so it is read as such.
  for (const key of Object.keys(value)) xml += `<member>${keyXml(key)}${valueXml(value[key], depth + 1)}</member>`;
  return `${xml}</struct></value>`;
}

/** Serialises a successful `<methodResponse>`. Throws `XmlRpcEncodeError` for values XML-RPC cannot carry. */
export function encodeResponse(value: WireValue): string {
  return `${XML_DECLARATION}<methodResponse><params><param>${valueXml(value, 0)}</param></params></methodResponse>`;
}

/** Serialises a `<fault>`. The text is made representable rather than refused: a fault must always go out. */
export function encodeFault(code: number, message: string): string {
  return (
    `${XML_DECLARATION}<methodResponse><fault><value><struct>` +
    `<member><name>faultCode</name>${numberXml(code)}</member>` +
    `<member><name>faultString</name><value><string>${escapeText(representableText(message))}</string></value></member>` +
    '</struct></value></fault></methodResponse>'
  );
}

/**
 * Text for diagnostics (log output, error messages, tracebacks), which must reach Robot even when imperfect:
 * control characters go as latin-1 base64 when possible (Robot decodes it as latin-1), otherwise they and the
 * characters XML cannot carry are replaced with U+FFFD.
 */
export function diagnosticText(text: string): string | Buffer {
  const clean = text.replace(new RegExp(NON_XML_CHARACTERS.source, 'g'), '\uFFFD');
  if (!CONTROL_CHARACTERS.test(clean)) return clean;
  if (!BEYOND_LATIN1.test(clean)) return Buffer.from(clean, 'latin1');
  return representableText(clean);
}

function representableText(text: string): string {
  return text
    .replace(new RegExp(NON_XML_CHARACTERS.source, 'g'), '\uFFFD')
    .replace(new RegExp(CONTROL_CHARACTERS.source, 'g'), '\uFFFD');
}
