/**
 * What every QemuUtils-library keyword module needs: the call context the domain takes, the way domain
 * failures reach Robot, and reading optional text arguments.
 */
import { CommandFailedError } from '../node';
import { QemuConfigError, QemuError, type CallContext } from '../qemu';
import { printableName } from '../remote';
import { KeywordError, type BoundArguments, type KeywordContext } from '../remote/library';

/** `keyword`: the published name ('qemu_start'), shown as Robot does ('Qemu Start') in node failures. */
export function callOf<I>(context: KeywordContext<I>, keyword?: string): CallContext {
  return { log: context.log, signal: context.signal, ...(keyword === undefined ? {} : { keyword: robotKeywordName(keyword) }) };
}

/** 'qemu_get_command_line' -> 'Qemu Get Command Line', as Robot shows a remote keyword. */
export function robotKeywordName(name: string): string {
  return printableName(name);
}

/**
 * The original raised RuntimeError, which Robot reports bare ('QEMU: Start failed on ...'); domain errors and
 * failed required commands keep that form. Timeouts, lost connections and monitor errors keep their names.
 */
export function asKeywordFailure(error: unknown): unknown {
  if (error instanceof QemuError || error instanceof CommandFailedError) return new KeywordError(error.message, { cause: error });
  return error;
}

/** A text argument that may be left out: `undefined` for absent, None and empty. */
export function optionalText(args: BoundArguments, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new QemuConfigError(`${name} must be text, got ${typeof value}`);
  return value;
}
