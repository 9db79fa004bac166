/**
 * Reading a guest console (the kernelvm serial log, the nestedvm console QEMU logs to a file) from the node,
 * bounded: a file longer than `CAPTURE_HEAD_BYTES + CAPTURE_TAIL_BYTES` comes back as its head and its tail
 * with the number of bytes cut between them. The head shows how the guest started, the tail how it ended;
 * a guest that printed for an hour must not cost an hour of log in the Robot log or the server's memory.
 */
import { shellJoin } from '../../node/quote';

/** Bytes kept from the start of a long file. */
export const CAPTURE_HEAD_BYTES = 64 * 1024;
/** Bytes kept from its end. */
export const CAPTURE_TAIL_BYTES = 192 * 1024;

/** Section markers; never produced by a guest (or a canned dry-run answer) in practice. */
const MARK = '@@qemu-utils-remote-capture';

export interface CapturedFile {
  path: string;
  /** The file's size on the node, in bytes. */
  size: number;
  /** Its text (CRs dropped), the middle cut out when it was longer than the bound. */
  text: string;
  /** Bytes cut out of the middle; 0 when the file came whole. */
  cut: number;
}

/** The line put where the middle of a long file was cut. */
export function cutNotice(bytes: number): string {
  return `[... ${bytes} bytes cut by qemu-utils-remote: the first ${CAPTURE_HEAD_BYTES} and the last ${CAPTURE_TAIL_BYTES} bytes are kept ...]`;
}

/** Shell lines (for `sh`, run as root) that print each existing file of `paths`, bounded, between markers. */
export function captureLines(paths: readonly string[]): string[] {
  if (paths.length === 0) return [];
  const keep = CAPTURE_HEAD_BYTES + CAPTURE_TAIL_BYTES;
  return [
    `for f in ${shellJoin(paths)}; do if [ -f "$f" ]; then s=$(stat -c %s -- "$f" 2>/dev/null || echo 0); echo "${MARK} file $s $f"; ` +
      `if [ "$s" -le ${keep} ]; then cat -- "$f"; else head -c ${CAPTURE_HEAD_BYTES} -- "$f"; echo; echo "${MARK} cut $((s-${keep}))"; tail -c ${CAPTURE_TAIL_BYTES} -- "$f"; fi; ` +
      `echo; echo "${MARK} end"; fi; done`,
  ];
}

/** The captures in a command's output, and the output without them (for the parser of the rest). */
export function splitCaptures(stdout: string): { captures: Map<string, CapturedFile>; rest: string } {
  const captures = new Map<string, CapturedFile>();
  const rest: string[] = [];
  let current: { path: string; size: number; head?: string; lines: string[] } | undefined;
  for (const line of stdout.split('\n')) {
    if (current === undefined) {
      const opened = line.startsWith(`${MARK} file `) ? /^(\d+) (.*)$/.exec(line.slice(MARK.length + 6)) : null;
      if (opened) current = { path: opened[2], size: Number(opened[1]), lines: [] };
      else rest.push(line);
      continue;
    }
    if (line.startsWith(`${MARK} cut `)) {
      current.head = current.lines.join('\n');
      current.lines = [];
    } else if (line === `${MARK} end`) {
      const body = current.lines.join('\n');
      const cut = current.head === undefined ? 0 : Math.max(0, current.size - CAPTURE_HEAD_BYTES - CAPTURE_TAIL_BYTES);
      const text = current.head === undefined ? body : `${current.head}\n${cutNotice(cut)}\n${body}`;
      captures.set(current.path, { path: current.path, size: current.size, text: text.replace(/\r/g, ''), cut });
      current = undefined;
    } else {
      current.lines.push(line);
    }
  }
  return { captures, rest: rest.join('\n') };
}

/** `text` bounded the same way, for what the server holds itself (guest files, QEMU's output). */
export function clipText(text: string): { text: string; cut: number } {
  const keep = CAPTURE_HEAD_BYTES + CAPTURE_TAIL_BYTES;
  if (text.length <= keep) return { text, cut: 0 };
  const cut = text.length - keep;
  return { text: `${text.slice(0, CAPTURE_HEAD_BYTES)}\n${cutNotice(cut)}\n${text.slice(-CAPTURE_TAIL_BYTES)}`, cut };
}
