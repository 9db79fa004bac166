/**
 * How an SSH node's host key is checked: against the node dict's pinned fingerprint, else its known_hosts
 * file, else accepted and logged (CSIT's paramiko AutoAddPolicy, which did the same silently).
 */
import { readFile } from 'node:fs/promises';
import { NodeConnectionError, type ConnectionFailureCause } from './errors';
import { hostKeyAlgorithmsFor, KnownHosts, sha256Fingerprint } from './known-hosts';
import { nodeLogger } from './log';
import type { Node } from './types';

export interface HostKeyPolicy {
  verifier: (key: Buffer) => boolean;
  /** Why a key was refused, once one was. */
  failure: () => ConnectionFailureCause | undefined;
  detail: () => string;
  /** Host-key algorithms to ask for (those on file in known_hosts), else ssh2's defaults. */
  algorithms?: string[];
}

/**
 * The policy for `node`. `acceptedFingerprints` remembers the unverified keys already logged, so a
 * reconnect to the same key does not log it again.
 */
export async function hostKeyPolicy(node: Node, label: string, acceptedFingerprints: Set<string>): Promise<HostKeyPolicy> {
  const { host, port } = node;
  let failure: ConnectionFailureCause | undefined;
  let detail = '';
  const fail = (cause: ConnectionFailureCause, why: string): boolean => {
    failure = cause;
    detail = why;
    nodeLogger().warn(`Refusing host key of ${label}: ${why}`);
    return false;
  };
  const result = { failure: () => failure, detail: () => detail };

  if (node.hostKeyFingerprint) {
    const pinned = node.hostKeyFingerprint;
    return {
      ...result,
      verifier: (key) => {
        const offered = sha256Fingerprint(key);
        return offered === pinned || fail('host-key-mismatch', `server offered ${offered}, pinned ${pinned}`);
      },
    };
  }
  if (node.knownHostsFile) {
    const file = node.knownHostsFile;
    let knownHosts: KnownHosts;
    try {
      knownHosts = new KnownHosts(await readFile(file, 'utf8'));
    } catch (error) {
      throw new NodeConnectionError(node, 'other', (error as Error).message, `Cannot read known_hosts file ${file} for ${label}: ${(error as Error).message}`);
    }
    const keyTypes = knownHosts.keyTypesFor(host, port);
    return {
      ...result,
      algorithms: keyTypes.length > 0 ? hostKeyAlgorithmsFor(keyTypes) : undefined,
      verifier: (key) => {
        const verdict = knownHosts.check(host, port, key);
        const offered = sha256Fingerprint(key);
        if (verdict === 'match') return true;
        if (verdict === 'unknown') return fail('host-key-unknown', `no entry for ${host}:${port} in ${file} (server offered ${offered})`);
        return fail('host-key-mismatch', `server offered ${offered}, which ${verdict === 'revoked' ? 'is marked @revoked' : 'does not match the entry'} in ${file}`);
      },
    };
  }
  return {
    ...result,
    verifier: (key) => {
      const offered = sha256Fingerprint(key);
      if (!acceptedFingerprints.has(offered)) {
        acceptedFingerprints.add(offered);
        // CSIT's paramiko AutoAddPolicy did the same, silently; we at least say so.
        nodeLogger().info(`Accepted host key ${offered} of ${label} without verification (no host_key_fingerprint or known_hosts in the node dict)`);
      }
      return true;
    },
  };
}
