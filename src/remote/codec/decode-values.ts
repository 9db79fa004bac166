/** XML-RPC scalar texts as Robot's values, for both ways of reading a call (`decode.ts`, `decode-common.ts`). */
import { XmlRpcDecodeError } from '../errors';

const INTEGER_TEXT = /^[+-]?\d+$/;

export function parseInteger(data: string, tag: string): number | bigint {
  const text = data.trim();
  if (!INTEGER_TEXT.test(text)) throw new XmlRpcDecodeError(`<${tag}> must be an integer, got '${data}'`);
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

export function parseDouble(data: string): number {
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

/** `<boolean>`: 1, 0, true or false, in any case, surrounding whitespace ignored. */
export function robotBoolean(data: string): boolean {
  const text = data.trim().toLowerCase();
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  throw new XmlRpcDecodeError(`<boolean> must be 1, 0, true or false, got '${data}'`);
}
