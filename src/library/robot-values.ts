/**
 * Robot Framework's rules for values that reach a keyword unconverted: free named arguments (`**kwargs`),
 * list items, and the server-wide `--qemu-option key=value` text. Declared arguments are converted by the
 * remote binding; the QEMU domain then checks its own invariants, and speaks no Robot.
 */
import { describeValue, QemuConfigError } from '../qemu';
import { parseRobotBoolean } from '../remote';
import type { BoundArguments } from '../remote/library';

/** A boolean by Robot's rules; `what` names the argument when `value` is not one. */
export function robotBool(value: unknown, what: string): boolean {
  const parsed = parseRobotBoolean(value);
  if (parsed === undefined) throw new QemuConfigError(`${what} must be a boolean (True/False, yes/no, on/off, 1/0), got ${describeValue(value)}`);
  return parsed;
}

/** Integer text as a number; anything else unchanged, for the domain's check to name what is wrong. */
export function integerFromText(value: unknown): unknown {
  return typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value.trim()) : value;
}

/**
 * The bound arguments with Robot's None restored: Robot's remote client sends None as '' (XML-RPC has no
 * nil), so an empty text means "not given" and the domain's default applies. Typed as the keyword's
 * arguments, which the binding converted to their declared types.
 */
export function robotArguments<T>(args: BoundArguments): T {
  // A loop, not fromEntries(entries().map()): every keyword call runs this (Qemu Init over ~50 names).
  const restored: Record<string, unknown> = {};
  for (const name of Object.keys(args)) {
    const value = robotValue(args[name]);
    // As fromEntries did: a name `__proto__` stays an own data property.
    if (name === '__proto__') Object.defineProperty(restored, name, { value, enumerable: true, writable: true, configurable: true });
    else restored[name] = value;
  }
  return restored as T;
}

/** One bound argument with Robot's None restored (`robotArguments`). */
export function robotValue(value: unknown): unknown {
  return value === '' ? null : value;
}
