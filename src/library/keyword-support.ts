/**
 * What every QemuUtils-library keyword module needs: the call context the domain takes and the way domain
 * failures reach Robot.
 */
import { CommandFailedError } from '../node';
import { QemuError, type CallContext } from '../qemu';
import { printableName } from '../remote';
import { KeywordError, type KeywordContext } from '../remote/library';

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
