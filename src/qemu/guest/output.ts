/**
 * What a command run in the guest gives back, bounded: a guest command may print without end (a `dmesg`,
 * a `cat` of a device), and its output goes into the Robot log and over XML-RPC.
 */

/** The dict `Qemu Guest Exec` returns. `signal` is set when the guest agent saw the command killed by one. */
export interface GuestCommandResult {
  rc: number | null;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr was cut at `max_output` (or by the guest agent's own limit). */
  truncated: boolean;
  signal?: number;
}

/** Per stream, by default: enough for any status command, small enough for a Robot log line. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;

/** `text` cut to `maxBytes` of UTF-8 (never inside a character), with a line saying how much was cut. */
export function boundText(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = maxBytes;
  // Back off to the start of a UTF-8 sequence: continuation bytes are 10xxxxxx.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return { text: `${bytes.subarray(0, end).toString('utf8')}\n[... ${bytes.length - end} more bytes cut at max_output=${maxBytes}]`, truncated: true };
}

/** The result with both streams bounded. */
export function boundResult(result: { rc: number | null; stdout: string; stderr: string; signal?: number; truncated?: boolean }, maxBytes: number): GuestCommandResult {
  const stdout = boundText(result.stdout, maxBytes);
  const stderr = boundText(result.stderr, maxBytes);
  return {
    rc: result.rc,
    stdout: stdout.text,
    stderr: stderr.text,
    truncated: (result.truncated ?? false) || stdout.truncated || stderr.truncated,
    ...(result.signal === undefined ? {} : { signal: result.signal }),
  };
}

/** The Robot log's view of a guest command: what ran where, its rc, and both streams. */
export function describeGuestCommand(command: string, where: string, result: GuestCommandResult): string {
  const lines = [`${where}: ${command}`, `rc=${result.rc === null ? 'none' : result.rc}${result.signal === undefined ? '' : ` (signal ${result.signal})`}`];
  if (result.stdout !== '') lines.push(`stdout:\n${result.stdout.replace(/\n$/, '')}`);
  if (result.stderr !== '') lines.push(`stderr:\n${result.stderr.replace(/\n$/, '')}`);
  return lines.join('\n');
}
