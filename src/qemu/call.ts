/**
 * What one keyword call gives the QEMU domain besides its arguments: where to log (the Robot log of that
 * call), a signal that aborts waiting (server shutdown) and the session owning the VMs it makes and starts.
 * A KeywordLogger fits QemuLog as it is.
 */
import type { VmOwner } from './vm-ownership';

export interface QemuLog {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  /** HTML for the Robot log (Robot's `*HTML*`): boot timelines, saved consoles. A logger without it drops them. */
  html?(message: string): void;
}

export interface CallContext {
  log: QemuLog;
  signal?: AbortSignal;
  /** The Robot keyword being run ('Qemu Start'), named in node failures with the step that failed. */
  keyword?: string;
  /** The session the VMs this call makes, starts, adopts or ends belong to (`vm-ownership.ts`); none: no claims. */
  owner?: VmOwner;
}

export const SILENT_LOG: QemuLog = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};

export const NO_CALL_CONTEXT: CallContext = { log: SILENT_LOG };

/**
 * `call` as `keyword` runs it. Fields copied by name, not spread: a spread copy drops a getter of a class
 * (the library's `signal`, made on first use), so the copy would lose the abort signal.
 */
export function callAs(call: CallContext, keyword: string): CallContext {
  const signal = call.signal;
  return { log: call.log, keyword, ...(signal === undefined ? {} : { signal }), ...(call.owner === undefined ? {} : { owner: call.owner }) };
}
