/**
 * The XML-RPC wire format as Robot Framework's `Remote` library (Python's `xmlrpc.client`) speaks it.
 *
 * Built on the `xmlrpc` package's serializer and deserializer; this module is the one place that adapts them
 * to what Robot sends and accepts:
 * - in: `<i8>` and `<int>` become numbers (BigInt beyond 2^53), `<double>` accepts `inf`/`-inf`/`nan`,
 *   `<boolean>` accepts `true`/`false`, `<nil/>` and `<ex:nil/>` become null, untyped `<value>` is a string;
 *   strict XML: no DTD, only the five XML entities, a nesting limit, no raw characters XML forbids;
 * - out: strings with control characters become `<base64>` of their latin-1 bytes (Robot decodes them as
 *   latin-1), `\r` becomes `&#13;`, integers beyond int32 become `<i8>`, NaN/Infinity are written so Python
 *   parses them, dates are exactly `YYYYMMDDTHH:MM:SS` (server local time), null is never written as `<nil/>`.
 */
import { createRequire } from 'node:module';
import CustomType from 'xmlrpc/lib/customtype';
import Deserializer from 'xmlrpc/lib/deserializer';
import dateFormatter from 'xmlrpc/lib/date_formatter';
import { serializeFault, serializeMethodResponse } from 'xmlrpc/lib/serializer';

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

/** A call that is not well-formed XML-RPC: answered with a Fault, never run. */
export class XmlRpcDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRpcDecodeError';
  }
}

/** A value XML-RPC cannot carry to Robot; the message says which and why. */
export class XmlRpcEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRpcEncodeError';
  }
}

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

interface SaxParser {
  onopentag: (node: { name: string }) => void;
  onclosetag: (name: string) => void;
  ontext: (text: string) => void;
  oncdata: (text: string) => void;
  ondoctype: () => void;
  onend: () => void;
  onerror: (error: Error) => void;
  write(text: string): SaxParser;
  close(): SaxParser;
}
interface SaxParserConstructor {
  new (strict: boolean, options: { strictEntities: boolean; position: boolean }): SaxParser;
}

// The package's own `sax` (its dependency, resolved from where the package lives). We drive the parser
// directly: strict mode (the package uses loose mode, which accepts HTML entities and unbalanced tags) and
// no stream layer, which costs more than the parse itself.
const SaxParserClass = (createRequire(require.resolve('xmlrpc'))('sax') as { SAXParser: SaxParserConstructor }).SAXParser;

/** Thrown from inside sax callbacks to stop parsing at the first error (already recorded). */
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
  const parser = new SaxParserClass(true, { strictEntities: true, position: true });
  parser.onopentag = (node) => deserializer.openTag(node.name);
  parser.onclosetag = (name) => deserializer.closeTag(name);
  parser.ontext = (text) => deserializer.onText(text);
  parser.oncdata = (text) => deserializer.onCDATA(text);
  parser.ondoctype = () => {
    deserializer.onError('DTDs and entity declarations are not accepted');
    throw STOP;
  };
  parser.onend = () => deserializer.onDone();
  parser.onerror = (error) => {
    const [reason, line, column] = error.message.split('\n');
    deserializer.onError(line && column ? `${reason} (${line.toLowerCase()}, ${column.toLowerCase()})` : (reason ?? error.message));
    throw STOP;
  };
  try {
    parser.write(xml).close();
  } catch (error) {
    // sax passes numeric character references straight to String.fromCodePoint, which throws for `&#-1;`
    // or anything past U+10FFFF.
    if (error instanceof RangeError) throw new XmlRpcDecodeError(`a character reference names no Unicode character (${error.message})`);
    if (error !== STOP) throw error;
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

/** A value written with a given tag and literal text, escaped by the serializer (xmlbuilder). */
class TaggedText extends CustomType {
  constructor(
    override readonly tagName: string,
    raw: string,
  ) {
    super(raw);
  }
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
function prepareString(text: string): TaggedText | Buffer {
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
    return Buffer.from(text, 'latin1');
  }
  return new TaggedText('string', text);
}

function prepareNumber(value: number): number | TaggedText {
  if (Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return Object.is(value, -0) ? 0 : value;
  if (Number.isSafeInteger(value)) return new TaggedText('i8', String(value));
  // String() gives `NaN`, `Infinity`, `-Infinity`, `1e+21`: all parsed by Python's float().
  return new TaggedText('double', String(value));
}

function prepareBigInt(value: bigint): number | TaggedText {
  if (value >= BigInt(INT32_MIN) && value <= BigInt(INT32_MAX)) return Number(value);
  if (value >= INT64_MIN && value <= INT64_MAX) return new TaggedText('i8', value.toString());
  // Python would read a bigger <i8>, but other clients would not: beyond 64 bits it is a decimal string.
  return new TaggedText('string', value.toString());
}

function prepareDate(value: Date): TaggedText {
  if (Number.isNaN(value.getTime())) throw new XmlRpcEncodeError('Cannot represent an invalid Date in XML-RPC.');
  const pad = (part: number, width = 2): string => String(part).padStart(width, '0');
  const text =
    `${pad(value.getFullYear(), 4)}${pad(value.getMonth() + 1)}${pad(value.getDate())}` +
    `T${pad(value.getHours())}:${pad(value.getMinutes())}:${pad(value.getSeconds())}`;
  return new TaggedText('dateTime.iso8601', text);
}

function prepareKey(key: string): string {
  if (CONTROL_CHARACTERS.test(key) || NON_XML_CHARACTERS.test(key)) {
    throw new XmlRpcEncodeError(`Cannot represent dictionary key ${preview(key)} in XML-RPC: keys cannot be binary.`);
  }
  return key;
}

type Prepared = number | boolean | Buffer | TaggedText | Prepared[] | { [key: string]: Prepared };

function prepare(value: WireValue, depth: number): Prepared {
  if (depth > MAX_OUTPUT_DEPTH) {
    throw new XmlRpcEncodeError(`Cannot represent a value nested deeper than ${MAX_OUTPUT_DEPTH} levels.`);
  }
  if (value === null || value === undefined) return new TaggedText('string', '');
  if (typeof value === 'string') return prepareString(value);
  if (typeof value === 'number') return prepareNumber(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return prepareBigInt(value);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Date) return prepareDate(value);
  if (Array.isArray(value)) return value.map((item) => prepare(item, depth + 1));
  const struct: { [key: string]: Prepared } = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(struct, prepareKey(key), {
      value: prepare(item, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return struct;
}

// xmlbuilder escapes `\r` as `&#xD;`; Robot's own client and the protocol notes use the decimal form.
function decimalCarriageReturns(xml: string): string {
  return xml.includes('&#xD;') ? xml.replaceAll('&#xD;', '&#13;') : xml;
}

/** Serialises a successful `<methodResponse>`. Throws `XmlRpcEncodeError` for values XML-RPC cannot carry. */
export function encodeResponse(value: WireValue): string {
  return decimalCarriageReturns(serializeMethodResponse(prepare(value, 0)));
}

/** Serialises a `<fault>`. The text is made representable rather than refused: a fault must always go out. */
export function encodeFault(code: number, message: string): string {
  return decimalCarriageReturns(serializeFault({ faultCode: code, faultString: representableText(message) }));
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
