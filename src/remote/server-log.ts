/**
 * The server's own log (winston, to stderr): one line per call with session, method or keyword, status and
 * duration; bound arguments at `debug`. Values of anything named like a secret (password, private key,
 * token, auth, ...) are redacted before they reach a log line, in text and JSON format alike.
 */
import { EOL } from 'node:os';
import winston from 'winston';

export const SERVER_LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'silent'] as const;
export type ServerLogLevel = (typeof SERVER_LOG_LEVELS)[number];

export interface ServerLogOptions {
  level?: ServerLogLevel;
  /** One JSON object per line instead of `time level message key=value ...`. */
  json?: boolean;
  /** Where lines go; stderr by default (stdout carries the started/stopped lines). */
  stream?: NodeJS.WritableStream;
}

export const REDACTED = '<redacted>';
const SECRET_NAME = /pass(word|wd|phrase)?|secret|priv(ate)?[_-]?key|auth|token|credential|cookie|api[_-]?key|session[_-]?key/i;
const MAX_VALUE_LENGTH = 200;

/** True when a parameter or key name suggests its value is a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A loggable copy of `value`: secrets by name redacted at any depth, long texts and binaries shortened. */
export function redact(value: unknown, name = '', depth = 0): unknown {
  if (name && isSecretName(name)) return REDACTED;
  if (typeof value === 'string') {
    return value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH)}... (${value.length} chars)` : value;
  }
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= 5) return '...';
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => redact(item, '', depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item, key, depth + 1)]));
}

const BARE_FIELD = /^[^\s"=]+$/;
const MESSAGE = Symbol.for('message');

function renderField(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  return BARE_FIELD.test(text) ? text : JSON.stringify(text);
}

/** `time LEVEL message key=value ...`: the text format's line, undefined fields left out. */
function textLine(level: string, message: string, fields: Record<string, unknown>): string {
  let line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}`;
  for (const key in fields) {
    if (key === 'level' || key === 'message') continue;
    const value: unknown = fields[key];
    if (value !== undefined) line += ` ${key}=${renderField(value)}`;
  }
  return line;
}

/**
 * The text format, timestamp included, in one pass: this line is written for every call, and winston's
 * `combine(timestamp(), printf(...))` costs twice as much for the same text.
 */
const textFormat = winston.format((info) => {
  (info as unknown as Record<symbol, string>)[MESSAGE] = textLine(info.level, String(info.message), info);
  return info;
});

/** How a text-format server log writes a line itself: where its one transport writes, in the same form. */
interface DirectLine {
  transport: winston.transport;
  format: winston.Logform.Format;
  write(line: string): void;
}

const DIRECT_LINES = new WeakMap<winston.Logger, DirectLine>();

/**
 * `log.log(level, message, fields)`, the same line, for the lines written on every call. A text-format log
 * made by `createServerLog`, still as it was made (one transport, same format), gets the line rendered
 * here and written where its transport writes it, without the object-mode streams winston passes each
 * line through (about a tenth of the server's per-call CPU: docs/server.md, "Per-call cost"); any other
 * logger gets `log.log`. Fields named `message`, `stack` or `cause`, which winston treats apart, go to
 * winston too.
 */
export function logLine(log: winston.Logger, level: 'info' | 'warn', message: string, fields: Record<string, unknown>): void {
  const direct = directLineOf(log);
  if (direct === undefined || 'message' in fields || 'stack' in fields || 'cause' in fields) {
    log.log(level, message, fields);
    return;
  }
  if (log.silent || direct.transport.silent || !levelPasses(log, direct.transport, level)) return;
  direct.write(textLine(level, message, fields));
}

/**
 * `log.isLevelEnabled(level)`, for a check made on every call: winston's own reads `log.transports` (a getter
 * that makes two arrays) twice and a closure per check, about 660 bytes each time.
 */
export function isLogLevelEnabled(log: winston.Logger, level: string): boolean {
  const direct = directLineOf(log);
  return direct === undefined ? log.isLevelEnabled(level) : levelPasses(log, direct.transport, level);
}

/** The direct line of a text-format log still as `createServerLog` made it: its one transport, same format. */
function directLineOf(log: winston.Logger): DirectLine | undefined {
  const direct = DIRECT_LINES.get(log);
  if (direct === undefined || log.format !== direct.format) return undefined;
  const transports = log.transports;
  return transports.length === 1 && transports[0] === direct.transport ? direct : undefined;
}

/** winston's rule for one transport: its own level, else the logger's, at least as verbose as `level`. */
function levelPasses(log: winston.Logger, transport: winston.transport, level: string): boolean {
  const levels: Record<string, number | undefined> = log.levels;
  const given = levels[level];
  const configured = levels[log.level];
  if (given === undefined || configured === undefined) return false;
  const own = transport.level === undefined ? undefined : levels[transport.level];
  return (own ?? configured) >= given;
}

/**
 * Where winston's Console transport writes a line at a stderr level: `console._stderr` (process.stderr), else
 * the console.error of when it was made.
 */
function consoleLine(): (line: string) => void {
  const consoleError = console.error.bind(console);
  return (line) => {
    const stderr = (console as unknown as { _stderr?: NodeJS.WritableStream })._stderr;
    if (stderr) stderr.write(`${line}${EOL}`);
    else consoleError(line);
  };
}

/** A winston logger for the server. */
export function createServerLog(options: ServerLogOptions = {}): winston.Logger {
  const level = options.level ?? 'info';
  const stream = options.stream;
  const transport = stream
    ? new winston.transports.Stream({ stream })
    : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] });
  const format = options.json ? winston.format.combine(winston.format.timestamp(), winston.format.json()) : textFormat();
  const log = winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    format,
    transports: [transport],
  });
  if (!options.json) {
    DIRECT_LINES.set(log, { transport, format, write: stream ? (line) => stream.write(`${line}${EOL}`) : consoleLine() });
  }
  return log;
}
