/**
 * The node layer's facade: CSIT's `exec_cmd` / `exec_cmd_no_error` over a pooled transport per node.
 *
 * Transports are pooled per (transport kind, host, port, user), plus a digest of what makes a connection
 * differ (credentials, host-key policy, session limit; canned responses for dry runs), so keywords and
 * sessions that talk to the same host share one SSH connection while two dicts with different passwords
 * never share a failed one.
 */
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { DryRunTransport, type DryRunRecord } from './dry-run';
import { CommandFailedError, InvalidNodeError } from './errors';
import { LocalTransport } from './local';
import { nodeLabel } from './node';
import { SshTransport } from './ssh';
import type { CommandResult, ExecOptions, Node, NodeTransport, WriteFileOptions } from './types';

export interface ExecNoErrorOptions extends ExecOptions {
  /** Error message used verbatim when the command fails (CSIT's `message`). */
  message?: string;
}

const pool = new Map<string, NodeTransport>();
/**
 * Each parsed node's key, worked out once: a VM's node object goes with every command it runs, and the
 * digest (JSON and SHA-256 of the canned responses, for a dry-run node) was made anew for each.
 */
const POOL_KEYS = new WeakMap<Node, string>();

function poolKey(node: Node): string {
  let key = POOL_KEYS.get(node);
  if (key === undefined) {
    key = computePoolKey(node);
    POOL_KEYS.set(node, key);
  }
  return key;
}

function computePoolKey(node: Node): string {
  const distinguishing =
    node.transport === 'ssh'
      ? [node.password ?? '', node.privKey ?? '', node.hostKeyFingerprint ?? '', node.knownHostsFile ?? '', node.maxSessions ?? '', node.connectTimeout ?? '']
      : node.transport === 'dry-run'
        ? node.dryRunResponses
        : [];
  return `${node.transport}|${nodeLabel(node)}|${digestOf(JSON.stringify(distinguishing))}`;
}

/**
 * Digests of the distinguishing texts seen so far: every `Qemu Init` parses its node dict anew, so the
 * per-node cache above misses once per VM, and a SHA-256 was a tenth of `Qemu Init`'s time. Short texts
 * only, and bounded: the pool holds the same credentials for as long.
 */
const DIGESTS = new Map<string, string>();
const MAX_DIGESTS = 256;
const MAX_DIGESTED_TEXT = 4096;

function digestOf(text: string): string {
  let digest = DIGESTS.get(text);
  if (digest === undefined) {
    digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
    if (text.length <= MAX_DIGESTED_TEXT) {
      if (DIGESTS.size >= MAX_DIGESTS) DIGESTS.clear();
      DIGESTS.set(text, digest);
    }
  }
  return digest;
}

function createTransport(node: Node): NodeTransport {
  switch (node.transport) {
    case 'ssh':
      return new SshTransport(node);
    case 'local':
      return new LocalTransport();
    case 'dry-run':
      return new DryRunTransport(node);
  }
}

/** The pooled transport of `node`, created on first use. */
export function transportFor(node: Node): NodeTransport {
  const key = poolKey(node);
  let transport = pool.get(key);
  if (!transport) {
    transport = createTransport(node);
    pool.set(key, transport);
  }
  return transport;
}

/**
 * Runs `command` on the node (CSIT `exec_cmd`, default timeout 600 s). A non-zero rc is a result, not an
 * error; a timeout throws CommandTimeoutError, an unreachable node NodeConnectionError.
 */
export function execCmd(node: Node, command: string, options: ExecOptions = {}): Promise<CommandResult> {
  return transportFor(node).exec(command, options);
}

/**
 * Runs `command` and requires rc 0 (CSIT `exec_cmd_no_error`). Otherwise throws CommandFailedError with
 * `message` verbatim, or `Command execution failed: "<command>"` followed by stderr.
 */
export async function execCmdNoError(node: Node, command: string, options: ExecNoErrorOptions = {}): Promise<CommandResult> {
  const { message, ...execOptions } = options;
  const result = await execCmd(node, command, execOptions);
  if (result.rc !== 0) {
    // CSIT names the command as the caller wrote it, without the sudo prefix.
    throw new CommandFailedError(command, result, message);
  }
  return result;
}

/** Writes `content` to `path` on the node through stdin of `cat`/`sudo tee`, never via a command line. */
export function writeFile(node: Node, path: string, content: string | Buffer, options: WriteFileOptions = {}): Promise<void> {
  return transportFor(node).writeFile(path, content, options);
}

/**
 * A byte stream to a unix socket on the node (QMP, guest agent). Tries the account's own access first
 * (SSH direct-streamlocal / local connect), then `sudo -S socat` unless `sudo: false`.
 */
export function connectUnixSocket(node: Node, path: string, options: { sudo?: boolean } = {}): Promise<Duplex> {
  return transportFor(node).connectUnixSocket(path, options);
}

/** The dry-run transport of a `transport: dry-run` node, for its records and canned answers. */
export function dryRunTransport(node: Node): DryRunTransport {
  if (node.transport !== 'dry-run') {
    throw new InvalidNodeError(`Node '${node.host}' has transport '${node.transport}', not 'dry-run': it keeps no record of commands`, 'transport');
  }
  return transportFor(node) as DryRunTransport;
}

/** Everything a dry-run node was asked to do so far, in order. */
export function dryRunLog(node: Node): readonly DryRunRecord[] {
  return dryRunTransport(node).records;
}

/** Closes and forgets the node's pooled transport (CSIT `SSH.disconnect`). */
export async function closeTransport(node: Node): Promise<void> {
  const key = poolKey(node);
  const transport = pool.get(key);
  pool.delete(key);
  await transport?.close();
}

/** Closes every pooled transport, e.g. at server shutdown or the end of a test file. */
export async function closeAllTransports(): Promise<void> {
  const transports = [...pool.values()];
  pool.clear();
  await Promise.allSettled(transports.map((transport) => transport.close()));
}
