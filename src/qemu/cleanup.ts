/**
 * Ending one VM on its node in a single command: kill the QEMU its pid file names (only if that process
 * really is the QEMU started with that pid file), wait until it is gone, show the tails of its files, and
 * remove the files the instance created. One round trip instead of six matters on the failure path: a
 * loaded node answers an SSH exec in a few hundred milliseconds, and a failed `Qemu Start` must report
 * within a second.
 */
import { shellJoin, shellQuote } from '../node/quote';
import { captureLines, splitCaptures, type CapturedFile } from './artifacts/capture';

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
  /** Files read whole (bounded, `artifacts/capture.ts`) after the kill, before removal: the guest console. */
  capture?: readonly string[];
  /** Lines of each shown file. */
  showLines: number;
  /** Files to remove, after the kill. */
  remove: readonly string[];
  /** How long to wait for the process to go after SIGKILL. */
  maxWaitSeconds: number;
  /**
   * Files a VM left by a previous server run may own (named by its id). When given, a live QEMU naming the
   * pid file is reported with those of them that exist, and after the kill they are removed too.
   */
  adopt?: readonly string[];
  /** With `adopt`: the owner marker whose line a found VM's report carries (`vm-ownership.ts`). */
  marker?: string;
}

export type KillOutcome = 'not-running' | 'killed' | 'survived';

/** A live QEMU started with our pid file that this instance did not start, and the files of its id found. */
export interface LeftoverVm {
  pid: number;
  files: string[];
  /** The owner marker's line, when the node has one (which server and session started it). */
  marker?: string;
  /** The head of its command line. */
  command?: string;
  /** Modification times (epoch seconds) of the pid file and of the marker. */
  pidfileTime?: number;
  markerTime?: number;
}

export interface VmCleanupReport {
  outcome: KillOutcome;
  pid?: number;
  leftover?: LeftoverVm;
  /** Shown file -> its last lines. */
  files: Map<string, string>;
  /** Captured file -> its bounded text. */
  captures: Map<string, CapturedFile>;
}

/**
 * Shell lines that find a live (non-zombie) process whose pid the pid file holds and whose command line names
 * that pid file, i.e. a QEMU started with it; they print it and which of `files` exist, and set `$left`.
 */
function leftoverLines(pidfile: string, files: readonly string[], marker?: string): string[] {
  const owner =
    marker === undefined
      ? []
      : [
          `  lmf=${shellQuote(marker)}; if [ -f "$lmf" ]; then echo "${MARK} owner $(head -c 300 "$lmf" | tr -d '\\n')"; fi`,
          `  echo "${MARK} command $(tr '\\0' ' ' < /proc/$lpid/cmdline | cut -c1-200)"`,
          // Modification times (epoch seconds) of the pid file and the marker: a marker only names the QEMU
          // started just after it was written, not one that took the pid file over later.
          `  echo "${MARK} times $(stat -c %Y "$lpf" "$lmf" 2>/dev/null | tr '\\n' ' ')"`,
        ];
  return [
    `lpf=${shellQuote(pidfile)}; left=`,
    'lpid=$(cat "$lpf" 2>/dev/null); case "$lpid" in ""|*[!0-9]*) lpid= ;; esac',
    `if [ -n "$lpid" ] && grep -qaF -- "$lpf" /proc/$lpid/cmdline 2>/dev/null && [ "$(sed 's/.*) //' /proc/$lpid/stat 2>/dev/null | cut -c1)" != Z ]; then`,
    `  left=1; echo "${MARK} leftover $lpid"; for f in ${shellJoin(files)}; do if [ -e "$f" ]; then echo "${MARK} found $f"; fi; done`,
    ...owner,
    'fi',
  ];
}

/** The node command (run with sudo) that reports a VM left on `pidfile` by a previous server run, if any. */
export function leftoverProbeCommand(pidfile: string, files: readonly string[], marker?: string): string {
  return `sh -c ${shellQuote(leftoverLines(pidfile, files, marker).join('\n'))}`;
}

/** The node command (run with sudo). */
export function vmCleanupCommand(request: VmCleanupRequest): string {
  const checks = Math.max(1, Math.ceil(request.maxWaitSeconds * 10));
  const adopt = request.kill !== false && request.adopt !== undefined && request.adopt.length > 0 ? request.adopt : undefined;
  const lines = adopt === undefined ? [] : leftoverLines(request.pidfile, adopt, request.marker);
  if (request.kill !== false) lines.push(
    `pf=${shellQuote(request.pidfile)}`,
    request.pid === undefined ? 'pid=$(cat "$pf" 2>/dev/null)' : `pid=${request.pid}`,
    'case "$pid" in ""|*[!0-9]*) pid= ;; esac',
    // A pid file can outlive its QEMU and the pid be reused: kill only a process started with this pid file.
    'if [ -n "$pid" ] && grep -qaF -- "$pf" /proc/$pid/cmdline 2>/dev/null; then',
    '  kill -KILL "$pid" 2>/dev/null; n=0',
    // A zombie counts as gone: hosts whose PID 1 never reaps orphans keep it forever, its memory freed all the same.
    `  while :; do s=$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -c1); if [ -z "$s" ] || [ "$s" = Z ]; then echo "${MARK} killed $pid"; break; fi; n=$((n+1)); if [ $n -ge ${checks} ]; then echo "${MARK} survived $pid"; break; fi; sleep 0.1; done`,
    `else echo "${MARK} not-running"; fi`,
  );
  lines.push(...captureLines(request.capture ?? []));
  if (request.show.length > 0) {
    lines.push(
      `for f in ${shellJoin(request.show)}; do if [ -f "$f" ]; then echo "${MARK} file $f"; tail -n ${request.showLines} -- "$f"; echo; fi; done`,
    );
  }
  if (request.remove.length > 0) lines.push(`rm -f -- ${shellJoin(request.remove)}`);
  if (adopt !== undefined) lines.push(`if [ -n "$left" ]; then rm -f -- ${shellJoin(adopt)}; fi`);
  return `sh -c ${shellQuote(lines.join('\n'))}`;
}

/** Reads the output of `vmCleanupCommand`. Output without markers (a dry run without an answer) reads as not running. */
export function parseVmCleanupOutput(stdout: string): VmCleanupReport {
  const { captures, rest } = splitCaptures(stdout);
  const report: VmCleanupReport = { outcome: 'not-running', files: new Map(), captures };
  let current: string | undefined;
  let body: string[] = [];
  const flush = (): void => {
    if (current !== undefined) report.files.set(current, body.join('\n').replace(/\r/g, '').replace(/\n+$/, ''));
  };
  for (const line of rest.split('\n')) {
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
    } else if (word === 'leftover') {
      report.leftover = { pid: Number(value), files: [] };
    } else if (word === 'found') {
      report.leftover?.files.push(value);
    } else if ((word === 'owner' || word === 'command') && report.leftover !== undefined) {
      if (value.trim() !== '') report.leftover[word === 'owner' ? 'marker' : 'command'] = value.trim();
    } else if (word === 'times' && report.leftover !== undefined) {
      const [pidfileTime, markerTime] = value.trim().split(/\s+/).map(Number);
      if (Number.isInteger(pidfileTime)) report.leftover.pidfileTime = pidfileTime;
      if (Number.isInteger(markerTime)) report.leftover.markerTime = markerTime;
    } else if (word === 'killed' || word === 'survived') {
      report.outcome = word;
      report.pid = Number(value);
    }
  }
  flush();
  return report;
}
