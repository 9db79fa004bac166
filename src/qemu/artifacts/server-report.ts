/**
 * The server's own log, as the domain sees it: lines about what happened on the nodes (one per VM boot)
 * that an operator reads without the Robot log. The library binds it to the keyword being run (an
 * AsyncLocalStorage, like the VM owner); without one (tests, the domain used alone) nothing is written.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerEventLog } from '../server-log';

export type ServerReport = ServerEventLog;

const scope = new AsyncLocalStorage<ServerReport>();

export function runWithServerReport<T>(report: ServerReport | undefined, body: () => T): T {
  return report === undefined ? body() : scope.run(report, body);
}

export function serverReport(): ServerReport | undefined {
  return scope.getStore();
}
