/**
 * The per-call keyword logger. Each `run_keyword` call gets its own, so lines of concurrent calls never mix.
 * Messages become Robot's output format: a line-start `*LEVEL:epochMillis*` marker, then the message, which
 * may span lines (Robot's splitter keeps it whole until the next line-start marker).
 */
import type { KeywordLogger, LogLevel } from './library';

export class CallLogger implements KeywordLogger {
  private readonly lines: string[] = [];
  private closed = false;

  /** @param onLate receives messages logged after the call's result was sent (a stray async task). */
  constructor(private readonly onLate: (level: LogLevel, message: string) => void = () => undefined) {}

  log(level: LogLevel, message: string): void {
    const text = typeof message === 'string' ? message : String(message);
    if (this.closed) {
      this.onLate(level, text);
      return;
    }
    this.lines.push(`*${level}:${Date.now()}* ${text}`);
  }

  trace(message: string): void {
    this.log('TRACE', message);
  }
  debug(message: string): void {
    this.log('DEBUG', message);
  }
  info(message: string): void {
    this.log('INFO', message);
  }
  html(message: string): void {
    this.log('HTML', message);
  }
  warn(message: string): void {
    this.log('WARN', message);
  }
  error(message: string): void {
    this.log('ERROR', message);
  }
  console(message: string): void {
    this.log('CONSOLE', message);
  }

  /** The `output` of the result; later messages go to `onLate`. */
  close(): string {
    this.closed = true;
    return this.lines.join('\n');
  }
}
