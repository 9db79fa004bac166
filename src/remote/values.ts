/**
 * Converts whatever a keyword returns into values XML-RPC carries and Robot understands:
 * - null and undefined become `''` (Robot's None travels as `''` too);
 * - plain objects, class instances and Maps become structs with string keys (a null key becomes `''`), which
 *   Robot turns into dot-accessible DotDicts;
 * - arrays, Sets and other iterables become arrays; Buffers and typed byte arrays become `<base64>`;
 * - Dates stay dates; BigInts and numbers are left to the codec's integer rules;
 * - objects with `toJSON()` are converted through it; other objects with their own `toString()` (URL, RegExp,
 *   Error) become that string; functions and symbols become their string form.
 */
import type { WireValue } from './codec';
import { XmlRpcEncodeError } from './errors';

const MAX_DEPTH = 200;

function hasOwnToString(value: object): boolean {
  return typeof (value as { toString?: unknown }).toString === 'function' && value.toString !== Object.prototype.toString;
}

function isIterable(value: object): value is Iterable<unknown> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

function mapKey(key: unknown): string {
  if (key === null || key === undefined) return '';
  if (typeof key === 'string') return key;
  if (Buffer.isBuffer(key) || key instanceof Uint8Array) {
    throw new XmlRpcEncodeError('Cannot return a dictionary with binary keys: Robot dictionary keys cannot be binary.');
  }
  return String(key);
}

class Converter {
  private readonly inProgress = new Set<object>();

  convert(value: unknown, depth: number): WireValue {
    if (value === null || value === undefined) return '';
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'bigint':
        return value;
      case 'symbol':
      case 'function':
        return String(value);
      default:
        return this.convertObject(value, depth);
    }
  }

  private convertObject(value: object, depth: number): WireValue {
    if (Buffer.isBuffer(value)) return value;
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof ArrayBuffer) return Buffer.from(value);
    if (value instanceof Date) return value;
    if (depth > MAX_DEPTH) throw new XmlRpcEncodeError(`Cannot return a value nested deeper than ${MAX_DEPTH} levels.`);
    if (this.inProgress.has(value)) {
      throw new XmlRpcEncodeError('Cannot return a value that contains itself (a circular reference).');
    }
    this.inProgress.add(value);
    try {
      return this.convertContainer(value, depth);
    } finally {
      this.inProgress.delete(value);
    }
  }

  private convertContainer(value: object, depth: number): WireValue {
    if (Array.isArray(value)) return value.map((item) => this.convert(item, depth + 1));
    if (value instanceof Map) {
      const struct: { [key: string]: WireValue } = {};
      for (const [key, item] of value) defineMember(struct, mapKey(key), this.convert(item, depth + 1));
      return struct;
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return this.convert(toJSON.call(value), depth + 1);
    if (isIterable(value)) return Array.from(value, (item) => this.convert(item, depth + 1));
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null && hasOwnToString(value)) return String(value);
    const struct: { [key: string]: WireValue } = {};
    for (const [key, item] of Object.entries(value)) defineMember(struct, key, this.convert(item, depth + 1));
    return struct;
  }
}

// A returned member called `__proto__` must stay a member, not replace the struct's prototype.
function defineMember(struct: { [key: string]: WireValue }, key: string, value: WireValue): void {
  Object.defineProperty(struct, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Converts a keyword's return value (or anything else Robot should receive) to wire values. */
export function toWireValue(value: unknown): WireValue {
  return new Converter().convert(value, 0);
}
