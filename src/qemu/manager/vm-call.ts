/**
 * The call context each VM of a QemuManager gets: its own name on every log line, the shared abort signal
 * and owner (the manager's session).
 */
import type { CallContext, QemuLog } from '../call';

export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Lines from concurrent VMs reach one Robot log: each carries its VM's name. */
function prefixedLog(log: QemuLog, prefix: string): QemuLog {
  return {
    trace: (message) => log.trace(`[${prefix}] ${message}`),
    debug: (message) => log.debug(`[${prefix}] ${message}`),
    info: (message) => log.info(`[${prefix}] ${message}`),
    warn: (message) => log.warn(`[${prefix}] ${message}`),
    // HTML blocks name their VM themselves.
    html: (message) => log.html?.(message),
  };
}

export function vmCall(call: CallContext, name: string, signal: AbortSignal | undefined = call.signal): CallContext {
  return { log: prefixedLog(call.log, name), ...(signal === undefined ? {} : { signal }), ...(call.owner === undefined ? {} : { owner: call.owner }) };
}
