/**
 * What a test engineer wants to see when a VM test failed: what ran, whether it still runs, and what the
 * guest printed. Best effort by design: it runs in teardowns, so a node that cannot answer is reported in
 * the text, never thrown.
 */
import { execCmd } from '../../node';
import { shellQuote } from '../../node/quote';
import type { CallContext } from '../call';
import { requireInteger } from '../checks';
import type { QemuUtils } from '../qemu-utils';
import { reason } from './vm-call';

export interface DiagnosticsOptions {
  /** Serial log lines to show (kernelvm); 20 when absent. */
  lines?: number | null;
}

/** Serial log lines shown when not told otherwise. */
export const DIAGNOSTICS_DEFAULT_LINES = 20;

/** The serial log lines to show: 1..10000, the default when absent. */
export function diagnosticsLines(lines: number | null | undefined): number {
  return requireInteger(lines ?? DIAGNOSTICS_DEFAULT_LINES, 'lines', 1, 10_000);
}

async function processState(vm: QemuUtils, pidfile: string): Promise<string> {
  const read = await execCmd(vm.node, `cat ${shellQuote(pidfile)}`, { sudo: true, timeout: 10 });
  const pid = read.stdout.trim();
  if (read.rc !== 0 || !/^\d+$/.test(pid)) return `no pid file ${pidfile}`;
  const alive = await execCmd(vm.node, `test -d /proc/${pid}`, { timeout: 10 });
  return `pid ${pid} (from ${pidfile}) ${alive.rc === 0 ? 'is running' : 'is gone'}`;
}

/** A multi-line report on one VM; `label` names it (session or manager VM name). */
export async function vmDiagnostics(vm: QemuUtils, label: string, options: DiagnosticsOptions, call: CallContext): Promise<string> {
  const shown = diagnosticsLines(options.lines);
  const temp = vm.tempFiles();
  const lines: string[] = [`== ${label}: VM ${vm.qemuId} (${vm.vmType}) on ${vm.node.host}, ${vm.running ? 'started by this instance' : 'not running by this instance'}`];
  lines.push(`files: ${Object.entries(temp).map(([key, path]) => `${key}=${path}`).join(' ')}`);
  try {
    if (temp.pidfile) lines.push(`process: ${await processState(vm, temp.pidfile)}`);
  } catch (error) {
    lines.push(`process: cannot tell (${reason(error)})`);
  }
  try {
    lines.push(`command line: sudo -S ${await vm.qemuGetCommandLine(call)}`);
  } catch (error) {
    lines.push(`command line: cannot build it (${reason(error)})`);
  }
  if (vm.vmType === 'kernelvm' && temp.log) {
    try {
      const tail = await execCmd(vm.node, `tail -n ${shown} ${shellQuote(temp.log)}`, { sudo: true, timeout: 10 });
      lines.push(tail.rc === 0 ? `serial log ${temp.log}, last ${shown} lines:\n${tail.stdout.trimEnd() || '(empty)'}` : `serial log ${temp.log}: not readable (rc ${String(tail.rc)}: ${tail.stderr.trim()})`);
    } catch (error) {
      lines.push(`serial log ${temp.log}: cannot read it (${reason(error)})`);
    }
  }
  return lines.join('\n');
}
