/** A QemuLog that keeps every line as `LEVEL message`, for tests that assert what a keyword logged. */
import type { QemuLog } from '../../src/qemu';

export class RecordingLog implements QemuLog {
  readonly lines: string[] = [];
  trace(message: string): void { this.lines.push(`TRACE ${message}`); }
  debug(message: string): void { this.lines.push(`DEBUG ${message}`); }
  info(message: string): void { this.lines.push(`INFO ${message}`); }
  warn(message: string): void { this.lines.push(`WARN ${message}`); }
}
