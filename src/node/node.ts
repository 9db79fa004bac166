/**
 * A CSIT topology node dict, as Robot sends it, validated into a typed `Node`.
 */
import { userInfo } from 'node:os';
import { utils as ssh2Utils } from 'ssh2';
import { InvalidNodeError } from './errors';
import type { DryRunResponse, Node, TransportKind } from './types';

const TRANSPORTS: readonly TransportKind[] = ['ssh', 'local', 'dry-run'];
/** OpenSSH prints fingerprints as unpadded base64 of SHA-256 (43 chars); accept the padded form too. */
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'a list' : 'a dict';
  return `${typeof value} ${String(value)}`;
}

/** Robot sends numbers as ints or strings depending on how the suite wrote them; accept both. */
function parseInteger(value: unknown, key: string, min: number, max: number, where: string): number {
  let parsed: number;
  if (typeof value === 'number') parsed = value;
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) parsed = Number(value.trim());
  else throw new InvalidNodeError(`Node ${where}: '${key}' must be an integer ${min}..${max}, got ${describe(value)}`, key);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new InvalidNodeError(`Node ${where}: '${key}' must be an integer ${min}..${max}, got ${describe(value)}`, key);
  }
  return parsed;
}

/** Keys whose values must never appear in a message (it reaches the Robot log and the server log). */
const SECRET_KEYS = new Set(['password', 'priv_key']);

function optionalString(dict: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = dict[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    // A YAML topology's `password: 123456` arrives as a number: say what it is, never what it says.
    const got = SECRET_KEYS.has(key) ? `a ${Array.isArray(value) ? 'list' : typeof value === 'object' ? 'dict' : typeof value} (value not shown)` : describe(value);
    throw new InvalidNodeError(`Node ${where}: '${key}' must be a string, got ${got}`, key);
  }
  return value;
}

function parseDryRunResponses(value: unknown, where: string): DryRunResponse[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new InvalidNodeError(`Node ${where}: 'dry_run_responses' must be a list of dicts, got ${describe(value)}`, 'dry_run_responses');
  }
  return value.map((entry: unknown, index): DryRunResponse => {
    const at = `'dry_run_responses'[${index}]`;
    if (!isRecord(entry) || typeof entry.match !== 'string' || entry.match === '') {
      throw new InvalidNodeError(`Node ${where}: ${at} needs a non-empty string 'match'`, 'dry_run_responses');
    }
    const response: DryRunResponse = { match: entry.match };
    if (entry.regex !== undefined && entry.regex !== null) {
      if (typeof entry.regex !== 'boolean') {
        throw new InvalidNodeError(`Node ${where}: ${at}.regex must be true or false`, 'dry_run_responses');
      }
      response.regex = entry.regex;
      if (entry.regex) {
        try {
          new RegExp(entry.match);
        } catch (error) {
          throw new InvalidNodeError(`Node ${where}: ${at}.match is not a valid regular expression: ${(error as Error).message}`, 'dry_run_responses');
        }
      }
    }
    if (entry.rc !== undefined && entry.rc !== null) response.rc = parseInteger(entry.rc, `${at}.rc`, 0, 255, where);
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = entry[stream];
      if (text === undefined || text === null) continue;
      if (typeof text !== 'string') {
        throw new InvalidNodeError(`Node ${where}: ${at}.${stream} must be a string`, 'dry_run_responses');
      }
      response[stream] = text;
    }
    return response;
  });
}

/**
 * Validates a topology node dict. Never mutates it: CSIT's `Topology.get_node_arch` wrote the `arch`
 * default into the caller's dict; here the default only lives in the returned `Node`.
 *
 * Keys: `host` (required), `port` (int or digit string, default 22), `username` (required for ssh),
 * `password` and/or `priv_key` (PEM text; one of them required for ssh), `arch` (default `x86_64`),
 * `type` (default `DUT`), `transport` (`ssh` default | `local` | `dry-run`), `host_key_fingerprint`
 * (`SHA256:...`), `known_hosts` (file path), `max_sessions`, `connect_timeout`, `dry_run_responses`.
 */
export function parseNode(dict: unknown): Node {
  if (!isRecord(dict)) {
    throw new InvalidNodeError(`Node must be a dict (a CSIT topology node), got ${describe(dict)}`);
  }
  const host = dict.host;
  if (typeof host !== 'string' || host.trim() === '') {
    throw new InvalidNodeError(`Node has no 'host' (got ${describe(host)}); a CSIT topology node needs host, port, username and a credential`, 'host');
  }
  if (/\s/.test(host)) throw new InvalidNodeError(`Node 'host' must not contain whitespace, got ${describe(host)}`, 'host');
  const where = `'${host}'`;

  const transportValue = dict.transport ?? 'ssh';
  if (typeof transportValue !== 'string' || !(TRANSPORTS as readonly string[]).includes(transportValue)) {
    throw new InvalidNodeError(`Node ${where}: unknown 'transport' ${describe(transportValue)}; use one of ${TRANSPORTS.join(', ')}`, 'transport');
  }
  const transport = transportValue as TransportKind;

  const port = dict.port === undefined || dict.port === null ? 22 : parseInteger(dict.port, 'port', 1, 65535, where);

  let username = optionalString(dict, 'username', where);
  if (username === undefined || username === '') {
    if (transport === 'ssh') throw new InvalidNodeError(`Node ${where}: 'username' is required for ssh`, 'username');
    username = transport === 'local' ? userInfo().username : 'root';
  }

  const password = optionalString(dict, 'password', where);
  const privKey = optionalString(dict, 'priv_key', where);
  if (transport === 'ssh') {
    if (!password && !privKey) {
      throw new InvalidNodeError(`Node ${where}: no credential for ssh; give 'password' or 'priv_key' (PEM text)`, 'password');
    }
    if (privKey) {
      const parsed = ssh2Utils.parseKey(privKey);
      if (parsed instanceof Error) {
        throw new InvalidNodeError(
          `Node ${where}: 'priv_key' is not a usable private key (${parsed.message}); it must be the PEM/OpenSSH key text itself, not a path`,
          'priv_key',
        );
      }
    }
  }

  const arch = optionalString(dict, 'arch', where) || 'x86_64';
  const type = optionalString(dict, 'type', where) || 'DUT';

  const hostKeyFingerprint = optionalString(dict, 'host_key_fingerprint', where);
  if (hostKeyFingerprint !== undefined && !FINGERPRINT.test(hostKeyFingerprint)) {
    throw new InvalidNodeError(
      `Node ${where}: 'host_key_fingerprint' must look like SHA256:<43 base64 chars> (as printed by ssh-keygen -lf), got ${describe(hostKeyFingerprint)}`,
      'host_key_fingerprint',
    );
  }
  const knownHostsFile = optionalString(dict, 'known_hosts', where);

  const node: Node = {
    host,
    port,
    username,
    arch,
    type,
    transport,
    dryRunResponses: parseDryRunResponses(dict.dry_run_responses, where),
    raw: { ...dict },
  };
  if (password !== undefined) node.password = password;
  if (privKey) node.privKey = privKey;
  if (hostKeyFingerprint !== undefined) node.hostKeyFingerprint = hostKeyFingerprint.replace(/=$/, '');
  if (knownHostsFile) node.knownHostsFile = knownHostsFile;
  if (dict.max_sessions !== undefined && dict.max_sessions !== null) {
    node.maxSessions = parseInteger(dict.max_sessions, 'max_sessions', 1, 1000, where);
  }
  if (dict.connect_timeout !== undefined && dict.connect_timeout !== null) {
    node.connectTimeout = parseInteger(dict.connect_timeout, 'connect_timeout', 1, 3600, where);
  }
  return node;
}

/** `user@host:port`, for messages and logs. */
export function nodeLabel(node: Pick<Node, 'username' | 'host' | 'port'>): string {
  return `${node.username}@${node.host}:${node.port}`;
}
