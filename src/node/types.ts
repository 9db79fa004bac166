/**
 * Running commands on a test host ("node"), independent of QEMU and of the remote protocol.
 */
import type { Duplex } from 'node:stream';

/** How commands reach the node. `ssh` is CSIT's way; the others are ours. */
export type TransportKind = 'ssh' | 'local' | 'dry-run';

/** A canned answer of a dry-run node for commands matching `match` (a RegExp source, or a substring). */
export interface DryRunResponse {
  match: string;
  regex?: boolean;
  rc?: number;
  stdout?: string;
  stderr?: string;
}

/** A CSIT topology node, validated. Unknown keys of the original dict are kept in `raw`. */
export interface Node {
  host: string;
  port: number;
  username: string;
  password?: string;
  /** PEM text of the private key, as CSIT topologies carry it. */
  privKey?: string;
  arch: string;
  type: string;
  transport: TransportKind;
  /** SSH host key policy: a pinned `SHA256:...` fingerprint, or a known_hosts file to check against. */
  hostKeyFingerprint?: string;
  knownHostsFile?: string;
  /** SSH: most channels opened at once on the connection (OpenSSH `MaxSessions`, default 10). Dict key `max_sessions`. */
  maxSessions?: number;
  /** SSH: seconds allowed for TCP connect + handshake + auth (default 10). Dict key `connect_timeout`. */
  connectTimeout?: number;
  /** Canned results for `dry-run` nodes, first match wins. */
  dryRunResponses: DryRunResponse[];
  /** The dict as Robot sent it, for callers that need other keys (`interfaces`, ...). */
  raw: Record<string, unknown>;
}

export interface ExecOptions {
  /** Seconds; the original's default is 600. `0` or `null` means no timeout. */
  timeout?: number | null;
  /** Prefix the command with `sudo -S ` (only the first simple command is elevated, as in CSIT). */
  sudo?: boolean;
  /** Data written to the command's stdin, which is then closed. */
  stdin?: string | Buffer;
  /** Called with each stdout chunk as it arrives (for streaming a log). */
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Aborting closes the channel / kills the process; the result then has `aborted: true`. */
  signal?: AbortSignal;
}

export interface CommandResult {
  /** Exit code; `null` when the command ended by a signal or was aborted. */
  rc: number | null;
  stdout: string;
  stderr: string;
  /** Signal name when the remote command was killed by one. */
  exitSignal?: string;
  aborted?: boolean;
}

export interface WriteFileOptions {
  sudo?: boolean;
  /** Octal mode string such as `755`, applied after writing. */
  mode?: string;
}

/** One way of reaching one node. Implementations: SSH (pooled), local child processes, dry run. */
export interface NodeTransport {
  readonly kind: TransportKind;
  exec(command: string, options?: ExecOptions): Promise<CommandResult>;
  /** Writes `content` to `path` on the node without passing it through a shell command line. */
  writeFile(path: string, content: string | Buffer, options?: WriteFileOptions): Promise<void>;
  /**
   * A byte stream to a unix socket on the node (QMP, the guest agent). `sudo` unset: the account's own
   * access first (SSH direct-streamlocal / local connect), then `sudo -S socat`; `true`: straight to
   * `sudo -S socat`; `false`: never sudo.
   */
  connectUnixSocket(path: string, options?: { sudo?: boolean }): Promise<Duplex>;
  close(): Promise<void>;
}
