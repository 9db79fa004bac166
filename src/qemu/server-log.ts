/** The server's own log (a winston logger fits): the domain writes to it between keywords too (QMP events, boots). */
export interface ServerEventLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

export const NO_SERVER_LOG: ServerEventLog = { info: () => undefined, warn: () => undefined, debug: () => undefined };
