/**
 * What every QemuUtils-library keyword module needs: the call context the domain takes and the way domain
 * failures reach Robot.
 */
import { CommandFailedError } from '../node';
import { QemuError, type CallContext } from '../qemu';
import type { VmOwner } from '../qemu/vm-ownership';
import { printableName } from '../remote';
import { KeywordError, type KeywordContext, type KeywordLogger } from '../remote/library';

/**
 * A keyword's context with the session that owns the VMs it makes and starts (`vm-ownership.ts`): the
 * library runs every keyword with one (`asSessionOwner`), and a VM session's keywords see their QemuUtils
 * as the instance (`forVmSessions`). The signal stays made on first use: the getter reads the wrapped
 * context's (`KeywordContext`).
 */
export class OwnedContext<I> implements KeywordContext<I> {
  readonly session: string;
  readonly log: KeywordLogger;

  constructor(
    private readonly context: KeywordContext<unknown>,
    readonly instance: I | undefined,
    readonly owner: VmOwner | undefined,
  ) {
    this.session = context.session;
    this.log = context.log;
  }

  get signal(): AbortSignal {
    return this.context.signal;
  }
}

/** The session owning the VMs of the call `context` is of, when the library set one. */
export function vmOwnerOf(context: KeywordContext<unknown>): VmOwner | undefined {
  return context instanceof OwnedContext ? context.owner : undefined;
}

/**
 * `keyword`: the published name ('qemu_start'), shown as Robot does ('Qemu Start') in node failures; the
 * VM owner comes from the context (`OwnedContext`). The
 * signal is read from the context when the domain first asks for it: the server makes a call's signal
 * (and watches its connection) only for keywords that use it, and most never do. An own enumerable
 * accessor, so a spread copy (`{ ...call }`) still carries it.
 */
export function callOf<I>(context: KeywordContext<I>, keyword?: string): CallContext {
  const call: CallContext = { log: context.log, ...(keyword === undefined ? {} : { keyword: robotKeywordName(keyword) }) };
  const owner = vmOwnerOf(context);
  if (owner !== undefined) call.owner = owner;
  Object.defineProperty(call, 'signal', { get: () => context.signal, enumerable: true, configurable: true });
  return call;
}

/** Printable names of the published ones: a fixed set (the keyword tables), asked for on every call. */
const ROBOT_NAMES = new Map<string, string>();

/** 'qemu_get_command_line' -> 'Qemu Get Command Line', as Robot shows a remote keyword. */
export function robotKeywordName(name: string): string {
  let printable = ROBOT_NAMES.get(name);
  if (printable === undefined) {
    printable = printableName(name);
    ROBOT_NAMES.set(name, printable);
  }
  return printable;
}

/**
 * The original raised RuntimeError, which Robot reports bare ('QEMU: Start failed on ...'); domain errors and
 * failed required commands keep that form. Timeouts, lost connections and monitor errors keep their names.
 */
export function asKeywordFailure(error: unknown): unknown {
  if (error instanceof QemuError || error instanceof CommandFailedError) return new KeywordError(error.message, { cause: error });
  return error;
}
