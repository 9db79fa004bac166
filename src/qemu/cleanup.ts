/**
 * Ending one VM on its node in a single command: kill the QEMU its pid file names (only if that process
 * really is the QEMU started with that pid file), wait until it is gone, show the tails of its files, and
 * remove the files the instance created. One round trip instead of six matters on the failure path: a
 * loaded node answers an SSH exec in a few hundred milliseconds, and a failed `Qemu Start` must report
 * within a second.
 */
import { shellJoin, shellQuote } from '../node/quote';

/** Section markers in the script's output; unlikely in a log, and never produced by a canned dry-run answer. */
const MARK = '@@qemu-utils-remote';

export interface VmCleanupRequest {
  /** Kill the VM first (default); false only shows and removes files. */
  kill?: boolean;
  pidfile: string;
  /** The pid `Qemu Start` read; when absent, the pid file is read on the node. */
  pid?: number;
  /** Files whose last lines are shown before removal (the original `cat`ted every temporary file). */
  show: readonly string[];
  /** Lines of each shown file. */
  showLines: number;
  /** Files to remove, after the kill. */
  remove: readonly string[];
  /** How long to wait for the process to go after SIGKILL. */
  maxWaitSeconds: number;
}

export type KillOutcome = 'not-running' | 'killed' | 'survived';

export interface VmCleanupReport {
  outcome: KillOutcome;
  pid?: number;
  /** Shown file -> its last lines. */
  files: Map<string, string>;
}

/** The node command (run with sudo). */
export function vmCleanupCommand(request: VmCleanupRequest): string {
  const checks = Math.max(1, Math.ceil(request.maxWaitSeconds * 10));
  const lines = request.kill === false ? [] : [
    `pf=${shellQuote(request.pidfile)}`,
    request.pid === undefined ? 'pid=$(cat "$pf" 2>/dev/null)' : `pid=${request.pid}`,
    'case "$pid" in ""|*[!0-9]*) pid= ;; esac',
    // A pid file can outlive its QEMU and the pid be reused: kill only a process started with this pid file.
    'if [ -n "$pid" ] && grep -qaF -- "$pf" /proc/$pid/cmdline 2>/dev/null; then',
    '  kill -KILL "$pid" 2>/dev/null; n=0',
    // A zombie counts as gone: hosts whose PID 1 never reaps orphans keep it forever, its memory freed all the same.
    `  while :; do s=$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -c1); if [ -z "$s" ] || [ "$s" = Z ]; then echo "${MARK} killed $pid"; break; fi; n=$((n+1)); if [ $n -ge ${checks} ]; then echo "${MARK} survived $pid"; break; fi; sleep 0.1; done`,
    `else echo "${MARK} not-running"; fi`,
  ];
  if (request.show.length > 0) {
    lines.push(
      `for f in ${shellJoin(request.show)}; do if [ -f "$f" ]; then echo "${MARK} file $f"; tail -n ${request.showLines} -- "$f"; echo; fi; done`,
    );
  }
  if (request.remove.length > 0) lines.push(`rm -f -- ${shellJoin(request.remove)}`);
  return `sh -c ${shellQuote(lines.join('\n'))}`;
}

/** Reads the output of `vmCleanupCommand`. Output without markers (a dry run without an answer) reads as not running. */
export function parseVmCleanupOutput(stdout: string): VmCleanupReport {
  const report: VmCleanupReport = { outcome: 'not-running', files: new Map() };
  let current: string | undefined;
  let body: string[] = [];
  const flush = (): void => {
    if (current !== undefined) report.files.set(current, body.join('\n').replace(/\r/g, '').replace(/\n+$/, ''));
  };
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(`${MARK} `)) {
      if (current !== undefined) body.push(line);
      continue;
    }
    const [word, ...rest] = line.slice(MARK.length + 1).split(' ');
    const value = rest.join(' ');
    if (word === 'file') {
      flush();
      current = value;
      body = [];
    } else if (word === 'killed' || word === 'survived') {
      report.outcome = word;
      report.pid = Number(value);
    }
  }
  flush();
  return report;
}
