/**
 * Errors of the QMP and guest-agent clients. Callers branch on the class, test engineers read the message:
 * each one names the protocol, the command and the likely cause.
 */

export type MonitorProtocol = 'QMP' | 'QGA';

export class MonitorError extends Error {
  constructor(
    readonly protocol: MonitorProtocol,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The peer answered a command with `{"error": {"class": ..., "desc": ...}}`. */
export class MonitorCommandError extends MonitorError {
  constructor(
    protocol: MonitorProtocol,
    readonly command: string,
    /** QMP's error class, e.g. `CommandNotFound`, `GenericError`, `DeviceNotFound`. */
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(protocol, `${protocol} command "${command}" failed: ${errorClass}: ${desc}`);
  }
}

export class QmpError extends MonitorCommandError {
  constructor(command: string, errorClass: string, desc: string) {
    super('QMP', command, errorClass, desc);
  }
}

export class QgaError extends MonitorCommandError {
  constructor(command: string, errorClass: string, desc: string) {
    super('QGA', command, errorClass, desc);
  }
}

/** No reply within the per-command timeout. The connection stays usable; a late reply is discarded. */
export class MonitorTimeoutError extends MonitorError {
  constructor(
    protocol: MonitorProtocol,
    readonly command: string,
    readonly timeoutMs: number,
    hint: string,
  ) {
    super(protocol, `${protocol} command "${command}" got no reply within ${timeoutMs} ms (${hint})`);
  }
}

/** The connection ended (or was closed by us) before the reply came, or a command was sent on a closed client. */
export class MonitorClosedError extends MonitorError {
  constructor(
    protocol: MonitorProtocol,
    readonly command: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      protocol,
      command === undefined
        ? `${protocol} connection closed: ${detail}`
        : `${protocol} connection closed before the reply to "${command}" came: ${detail}`,
      options,
    );
  }
}

/** The peer broke the protocol: no greeting, invalid JSON, a line that is too long, a malformed reply. */
export class MonitorProtocolError extends MonitorError {}

/** The caller's AbortSignal fired. `cause` is the signal's reason. */
export class MonitorAbortedError extends MonitorError {
  constructor(protocol: MonitorProtocol, what: string, reason: unknown) {
    super(protocol, `${protocol}: ${what} aborted${reasonSuffix(reason)}`, { cause: reason });
  }
}

/** `QgaClient.waitUntilReady` ran out of time: the guest agent never answered guest-sync and guest-ping. */
export class QgaNotReadyError extends MonitorError {
  constructor(
    readonly timeoutMs: number,
    readonly connectAttempts: number,
    readonly syncsSent: number,
    readonly lastProblem: string | undefined,
  ) {
    super(
      'QGA',
      `guest agent did not answer guest-sync and guest-ping within ${timeoutMs} ms ` +
        `(${connectAttempts} connection attempt(s), ${syncsSent} guest-sync request(s) sent)` +
        (lastProblem === undefined ? '' : `; last problem: ${lastProblem}`) +
        '. Check that the guest booted (serial log) and runs qemu-ga on the port QEMU exposes',
    );
  }
}

function reasonSuffix(reason: unknown): string {
  if (reason instanceof Error) return `: ${reason.message}`;
  if (reason === undefined) return '';
  return `: ${String(reason)}`;
}
