/**
 * Where the node layer reports what it decided on its own (host keys accepted, reconnects, fallbacks).
 * The composition root may plug in the server's logger; the default writes to stderr through winston.
 */
import winston from 'winston';

export interface NodeLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

function defaultLogger(): NodeLogger {
  return winston.createLogger({
    level: process.env.QUR_LOG_LEVEL ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.printf((entry) => `${String(entry.timestamp)} node ${entry.level}: ${String(entry.message)}`)),
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'verbose', 'debug', 'silly'] })],
  });
}

let current: NodeLogger | undefined;

export function nodeLogger(): NodeLogger {
  current ??= defaultLogger();
  return current;
}

/** Replaces the node layer's logger; returns the previous one so tests can restore it. */
export function setNodeLogger(logger: NodeLogger): NodeLogger {
  const previous = nodeLogger();
  current = logger;
  return previous;
}
