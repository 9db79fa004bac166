/**
 * Typed errors of the node layer. Messages name the node and say what to check, because they end up in a
 * Robot log read by a test engineer, not a developer.
 */

/** Base class, so callers can tell node-layer failures from programming errors. */
export class NodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The topology dict (or a command/argument given to the node layer) is unusable. */
export class InvalidNodeError extends NodeError {
  /** The dict key at fault, when there is one. */
  readonly key?: string;

  constructor(message: string, key?: string) {
    super(message);
    this.key = key;
  }
}

/** A command argument is unusable (CSIT: `TypeError('Command parameter is None')`, `ValueError('Empty command parameter')`). */
export class InvalidCommandError extends NodeError {}

export type ConnectionFailureCause =
  | 'refused'
  | 'auth-failed'
  | 'host-key-mismatch'
  | 'host-key-unknown'
  | 'timeout'
  | 'unreachable'
  | 'connection-lost'
  | 'other';

const CAUSE_TEXT: Record<ConnectionFailureCause, string> = {
  refused: 'connection refused (is sshd running and listening on that port?)',
  'auth-failed': 'authentication failed (check username, password or priv_key)',
  'host-key-mismatch': 'host key does not match the pinned fingerprint / known_hosts entry (possible MITM, or the host was reinstalled)',
  'host-key-unknown': 'host key is not in the configured known_hosts file',
  timeout: 'timed out',
  unreachable: 'host unreachable or name not resolved',
  'connection-lost': 'connection lost',
  other: 'connection failed',
};

/** The SSH connection could not be made, or died. */
export class NodeConnectionError extends NodeError {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly failure: ConnectionFailureCause;
  /** The underlying library/system message. */
  readonly detail: string;

  constructor(
    target: { host: string; port: number; username: string },
    failure: ConnectionFailureCause,
    detail: string,
    message?: string,
  ) {
    super(
      message ??
        `Cannot connect to ${target.username}@${target.host}:${target.port}: ${CAUSE_TEXT[failure]}` +
          (detail ? ` [${detail}]` : ''),
    );
    this.host = target.host;
    this.port = target.port;
    this.username = target.username;
    this.failure = failure;
    this.detail = detail;
  }
}

/**
 * The connection died while a command was running. The command may or may not have run to completion,
 * so it is never re-run automatically.
 */
export class ConnectionLostError extends NodeConnectionError {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;

  constructor(
    target: { host: string; port: number; username: string },
    command: string,
    partial: { stdout: string; stderr: string },
    detail: string,
  ) {
    super(
      target,
      'connection-lost',
      detail,
      `Connection to ${target.username}@${target.host}:${target.port} was lost while running command: ${command}\n` +
        `The command may or may not have completed; it was not re-run. [${detail}]\n` +
        `Current contents of stdout buffer: ${partial.stdout}\n` +
        `Current contents of stderr buffer: ${partial.stderr}`,
    );
    this.command = command;
    this.stdout = partial.stdout;
    this.stderr = partial.stderr;
  }
}

/** The command outlived its timeout; its channel/process was closed. Text follows CSIT's SSHTimeout. */
export class CommandTimeoutError extends NodeError {
  readonly command: string;
  /** Seconds. */
  readonly timeout: number;
  readonly stdout: string;
  readonly stderr: string;

  constructor(command: string, timeout: number, partial: { stdout: string; stderr: string }, where?: string) {
    super(
      `Timeout exception during execution of command: ${command}\n` +
        `Current contents of stdout buffer: ${partial.stdout}\n` +
        `Current contents of stderr buffer: ${partial.stderr}\n` +
        `(timeout ${timeout} s${where ? ` on ${where}` : ''})`,
    );
    this.command = command;
    this.timeout = timeout;
    this.stdout = partial.stdout;
    this.stderr = partial.stderr;
  }
}

/** A command exited non-zero (or by a signal) where success was required. Text follows CSIT's exec_cmd_no_error. */
export class CommandFailedError extends NodeError {
  readonly command: string;
  readonly rc: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly exitSignal?: string;

  constructor(
    command: string,
    result: { rc: number | null; stdout: string; stderr: string; exitSignal?: string },
    message?: string,
  ) {
    super(message ?? `Command execution failed: "${command}"\n${result.stderr}`);
    this.command = command;
    this.rc = result.rc;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
    this.exitSignal = result.exitSignal;
  }
}

/** A unix socket on the node could not be opened, neither directly nor through `sudo socat`. */
export class UnixSocketError extends NodeError {
  readonly path: string;
  readonly where: string;

  constructor(path: string, where: string, reason: string) {
    super(`Cannot connect to unix socket ${path} on ${where}: ${reason}`);
    this.path = path;
    this.where = where;
  }
}
