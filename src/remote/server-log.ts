/**
 * The server's own log (winston, to stderr): one line per call with session, method or keyword, status and
 * duration; bound arguments at `debug`. Values of anything named like a secret (password, private key,
 * token, auth, ...) are redacted before they reach a log line, in text and JSON format alike.
 */
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

/**
 * `time LEVEL message key=value ...`, timestamp included, in one pass: this line is written for every call,
 * and winston's `combine(timestamp(), printf(...))` costs twice as much for the same text.
 */
const textFormat = winston.format((info) => {
  let line = `${new Date().toISOString()} ${info.level.toUpperCase()} ${String(info.message)}`;
  for (const key in info) {
    if (key === 'level' || key === 'message') continue;
    const value: unknown = info[key];
    if (value !== undefined) line += ` ${key}=${renderField(value)}`;
  }
  (info as unknown as Record<symbol, string>)[MESSAGE] = line;
  return info;
});

/** A winston logger for the server. */
export function createServerLog(options: ServerLogOptions = {}): winston.Logger {
  const level = options.level ?? 'info';
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] });
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    format: options.json ? winston.format.combine(winston.format.timestamp(), winston.format.json()) : textFormat(),
    transports: [transport],
  });
}
