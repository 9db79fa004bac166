/**
 * Host-key checks: a pinned `SHA256:` fingerprint, or an OpenSSH known_hosts file (plain, hashed `|1|`,
 * `[host]:port`, wildcards and `!negation`, `@revoked`). ssh2 does not read known_hosts, hence this module.
 */
import { createHash, createHmac } from 'node:crypto';

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of the SHA-256 of the key blob. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The name a host is filed under in known_hosts: `host` on port 22, else `[host]:port`. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

interface KnownHostsEntry {
  marker?: '@revoked' | '@cert-authority';
  patterns: string;
  keyType: string;
  keyBlob: Buffer;
}

function parseLines(content: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  for (const rawLine of content.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as KnownHostsEntry['marker'];
    if (fields.length < 3) continue;
    const [patterns, keyType, keyBase64] = fields;
    entries.push({ marker, patterns, keyType, keyBlob: Buffer.from(keyBase64, 'base64') });
  }
  return entries;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return globToRegExp(pattern).test(name);
}

/** OpenSSH semantics: a matching `!pattern` excludes the line, else any matching pattern includes it. */
function lineMatchesHost(patterns: string, name: string): boolean {
  let matched = false;
  for (const pattern of patterns.split(',')) {
    if (pattern.startsWith('!')) {
      if (patternMatches(pattern.slice(1), name)) return false;
    } else if (patternMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

export type KnownHostsVerdict = 'match' | 'mismatch' | 'unknown' | 'revoked';

export class KnownHosts {
  private readonly entries: KnownHostsEntry[];

  constructor(content: string) {
    this.entries = parseLines(content);
  }

  private entriesFor(host: string, port: number): KnownHostsEntry[] {
    const name = knownHostsName(host, port);
    return this.entries.filter((entry) => entry.marker !== '@cert-authority' && lineMatchesHost(entry.patterns, name));
  }

  /** Key types on file for the host, so the handshake can ask the server for one of those (as OpenSSH does). */
  keyTypesFor(host: string, port: number): string[] {
    return [...new Set(this.entriesFor(host, port).filter((entry) => entry.marker === undefined).map((entry) => entry.keyType))];
  }

  check(host: string, port: number, keyBlob: Buffer): KnownHostsVerdict {
    const entries = this.entriesFor(host, port);
    if (entries.some((entry) => entry.marker === '@revoked' && entry.keyBlob.equals(keyBlob))) return 'revoked';
    const known = entries.filter((entry) => entry.marker === undefined);
    if (known.length === 0) return 'unknown';
    return known.some((entry) => entry.keyBlob.equals(keyBlob)) ? 'match' : 'mismatch';
  }
}

/** ssh2 host-key algorithm names that a known_hosts key type can satisfy. */
export function hostKeyAlgorithmsFor(keyTypes: string[]): string[] {
  return keyTypes.flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type]));
}
