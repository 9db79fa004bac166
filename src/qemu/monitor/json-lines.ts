/**
 * Newline-delimited JSON framing for QMP and the guest agent (QGA), independent of either protocol.
 *
 * The decoder is pure and synchronous (bytes in, decoded lines out) so that the awkward cases can be tested
 * without a peer: chunks split anywhere (even inside a multi-byte character), the 0xFF sentinel the guest
 * agent emits before a `guest-sync-delimited` reply, serial-line garbage, and lines without an end.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Why a line did not yield a value. The protocol layer decides whether that is fatal. */
export type JsonLineProblemKind =
  /** The line is not JSON. */
  | 'invalid-json'
  /** The line grew beyond `maxLineBytes`; its bytes up to the next newline are dropped. */
  | 'line-too-long'
  /** Bytes that a 0xFF sentinel cut off: stale output of an earlier exchange, or serial noise. */
  | 'discarded-before-delimiter'
  /** The stream ended in the middle of a line. */
  | 'truncated-at-end';

export type DecodedLine =
  | { kind: 'value'; value: JsonValue; text: string }
  | { kind: 'problem'; problem: JsonLineProblemKind; text: string; detail: string };

export interface JsonLineDecoderOptions {
  /** Longest accepted line in bytes, newline excluded. Protects memory against a peer that never sends one. */
  maxLineBytes?: number;
}

/** Large enough for `query-qmp-schema` (a few hundred KiB) with a wide margin. */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;

const NEWLINE = 0x0a;
/**
 * 0xFF never occurs in UTF-8 text, which is why QGA chose it as a sentinel: it resets the agent's parser
 * (client to agent), and precedes the `guest-sync-delimited` reply (agent to client). Treating it as a
 * line reset means stale partial output before it is dropped rather than glued onto the reply.
 */
const SENTINEL = 0xff;
/** How much of a bad line an error message quotes. */
const PREVIEW_CHARS = 200;

export function previewText(text: string): string {
  const flat = JSON.stringify(text.length > PREVIEW_CHARS ? text.slice(0, PREVIEW_CHARS) : text);
  return text.length > PREVIEW_CHARS ? `${flat}... (${text.length} characters)` : flat;
}

export class JsonLineDecoder {
  private readonly maxLineBytes: number;
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** True while dropping the rest of an overlong line. */
  private skipping = false;

  constructor(options: JsonLineDecoderOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    if (!Number.isInteger(this.maxLineBytes) || this.maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be a positive integer, got ${String(options.maxLineBytes)}`);
    }
  }

  push(chunk: Uint8Array): DecodedLine[] {
    const out: DecodedLine[] = [];
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte !== NEWLINE && byte !== SENTINEL) continue;
      this.append(bytes.subarray(start, i), out);
      start = i + 1;
      if (byte === NEWLINE) {
        this.finishLine(out);
      } else {
        this.resetAtSentinel(out);
      }
    }
    this.append(bytes.subarray(start), out);
    return out;
  }

  /** Call when the stream ended: reports a pending partial line, and leaves the decoder empty. */
  end(): DecodedLine[] {
    const out: DecodedLine[] = [];
    this.dropPending(out, 'truncated-at-end', 'stream ended in the middle of a line');
    return out;
  }

  private append(bytes: Buffer, out: DecodedLine[]): void {
    if (bytes.length === 0 || this.skipping) return;
    if (this.partBytes + bytes.length > this.maxLineBytes) {
      const head = this.head([...this.parts, bytes]);
      this.takeText();
      out.push({
        kind: 'problem',
        problem: 'line-too-long',
        text: head,
        detail: `line longer than ${this.maxLineBytes} bytes, dropped up to its end; it starts with ${JSON.stringify(head)}`,
      });
      this.skipping = true;
      return;
    }
    // Copy: the caller's chunk buffer may be reused by the stream.
    this.parts.push(Buffer.from(bytes));
    this.partBytes += bytes.length;
  }

  private finishLine(out: DecodedLine[]): void {
    const wasSkipping = this.skipping;
    const text = this.takeText();
    if (wasSkipping) return;
    const trimmed = text.trim();
    if (trimmed === '') return;
    try {
      out.push({ kind: 'value', value: JSON.parse(trimmed) as JsonValue, text: trimmed });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      out.push({ kind: 'problem', problem: 'invalid-json', text: trimmed, detail: `invalid JSON (${reason}): ${previewText(trimmed)}` });
    }
  }

  private resetAtSentinel(out: DecodedLine[]): void {
    this.dropPending(out, 'discarded-before-delimiter', 'discarded before a 0xFF delimiter');
  }

  /** Empties the decoder; a pending partial line is reported as `problem`, unless it was being skipped or blank. */
  private dropPending(out: DecodedLine[], problem: JsonLineProblemKind, why: string): void {
    const wasSkipping = this.skipping;
    const text = this.takeText();
    if (!wasSkipping && text.trim() !== '') out.push({ kind: 'problem', problem, text, detail: `${why}: ${previewText(text)}` });
  }

  /** The first bytes of a line, for an error message, without joining a line of many megabytes. */
  private head(parts: Buffer[]): string {
    const taken: Buffer[] = [];
    let size = 0;
    for (const part of parts) {
      if (size >= PREVIEW_CHARS) break;
      taken.push(part.subarray(0, PREVIEW_CHARS - size));
      size += taken[taken.length - 1].length;
    }
    return Buffer.concat(taken).toString('utf8');
  }

  private takeText(): string {
    const text = Buffer.concat(this.parts, this.partBytes).toString('utf8');
    this.parts = [];
    this.partBytes = 0;
    this.skipping = false;
    return text;
  }
}

/** One JSON line, optionally preceded by raw bytes (QGA's 0xFF parser reset). */
export function encodeJsonLine(message: JsonValue, prefix?: Uint8Array): Buffer {
  const body = Buffer.from(`${JSON.stringify(message)}\n`, 'utf8');
  return prefix && prefix.length > 0 ? Buffer.concat([prefix, body]) : body;
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
