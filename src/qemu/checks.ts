/**
 * The domain's own argument checks: every caller (the Robot binding, QemuManager, a TypeScript user) gets
 * the same rule and the same message. Conversion from text is not done here; that is the caller's protocol.
 */
import { QemuConfigError } from './errors';

/** How a rejected value is shown in a message: Python's spelling for None, text quoted. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a dict';
  return String(value);
}

/** The last `lines` lines of a command's output, for a message. */
export function tailLines(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** An integer in `min..max` (only `>= min` when `max` is left out); `what` names it in the message. */
export function requireInteger(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw new QemuConfigError(`${what} must be an integer ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** `true` or `false` (a caller speaking a protocol with its own boolean words converts them first). */
export function requireBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new QemuConfigError(`${what} must be true or false, got ${describeValue(value)}`);
  return value;
}

/** A path QEMU or the shell can take: not empty, no NUL or line break. */
export function isUsablePath(value: string): boolean {
  return value !== '' && !/[\0\n]/.test(value);
}
