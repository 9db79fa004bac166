/**
 * Writing responses as Robot Framework's `Remote` library (Python's `xmlrpc.client`) reads them, directly
 * rather than through the `xmlrpc` package's serializer (its xmlbuilder document per response was the
 * largest share of the per-call cost: docs/server.md). Output is checked against Python in the codec tests.
 * Strings with control characters become `<base64>` of their latin-1 bytes (Robot decodes them as latin-1),
 * `\r` becomes `&#13;`, integers beyond int32 become `<i8>`, NaN/Infinity are written so Python parses
 * them, dates are exactly `YYYYMMDDTHH:MM:SS` (server local time), null is never written as `<nil/>`.
 */
import { XmlRpcEncodeError } from '../errors';
import type { WireValue } from './wire-value';

// Characters XML 1.0 forbids even as references, and the C0 controls Robot sends as base64 instead.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\x00-\x08\x0B\x0C\x0E-\x1F]/;
const NON_XML_CHARACTERS = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BEYOND_LATIN1 = /[\u0100-\uFFFF]/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_OUTPUT_DEPTH = 256;

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
