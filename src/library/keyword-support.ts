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
 * The domain's context for one keyword call. `keyword`: the published name ('qemu_start'), shown as Robot
 * does ('Qemu Start') in node failures; the VM owner comes from the keyword's context (`OwnedContext`).
 * The signal is read from that context when the domain first asks for it: the server makes a call's signal
 * (and watches its connection) only for keywords that use it, and most never do. A getter on the class, not
 * an accessor defined on each call's object: V8 keeps an own accessor's getter in the object's hidden
 * class, which lives in the old generation, so every call's objects outlived young-generation GCs
 * (docs/server.md, "Per-call cost"). A spread copy (`{ ...call }`) does not carry the getter: copy
 * `signal` by name (`callAs` in src/qemu/call.ts).
 */
class KeywordCall implements CallContext {
  readonly log: KeywordLogger;
  readonly keyword?: string;
  readonly owner?: VmOwner;

  constructor(
    private readonly context: KeywordContext<unknown>,
    keyword: string | undefined,
  ) {
    this.log = context.log;
    if (keyword !== undefined) this.keyword = robotKeywordName(keyword);
    const owner = vmOwnerOf(context);
    if (owner !== undefined) this.owner = owner;
  }

  get signal(): AbortSignal {
    return this.context.signal;
  }
}

export function callOf<I>(context: KeywordContext<I>, keyword?: string): CallContext {
  return new KeywordCall(context, keyword);
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
