import { createHash, createHmac, randomBytes } from 'node:crypto';
import { hostKeyAlgorithmsFor, KnownHosts, knownHostsName, sha256Fingerprint } from '../../src/node/known-hosts';

const keyA = Buffer.from('key-a-blob');
const keyB = Buffer.from('key-b-blob');
const b64 = (key: Buffer): string => key.toString('base64');

function hashedName(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  test('port 22 uses the bare host, other ports [host]:port', () => {
    expect(knownHostsName('10.0.0.1', 22)).toBe('10.0.0.1');
    expect(knownHostsName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  test('match, mismatch, unknown', () => {
    const file = new KnownHosts(`# comment\n\n10.0.0.1,dut1 ssh-ed25519 ${b64(keyA)} root@dut1\n[10.0.0.2]:2222 ssh-ed25519 ${b64(keyA)}\n`);
    expect(file.check('10.0.0.1', 22, keyA)).toBe('match');
    expect(file.check('dut1', 22, keyA)).toBe('match');
    expect(file.check('10.0.0.1', 22, keyB)).toBe('mismatch');
    expect(file.check('10.0.0.2', 2222, keyA)).toBe('match');
    expect(file.check('10.0.0.2', 22, keyA)).toBe('unknown');
    expect(file.check('10.0.0.3', 22, keyA)).toBe('unknown');
  });

  test('hashed names, wildcards, negation, @revoked, @cert-authority ignored', () => {
    const file = new KnownHosts(
      [
        `${hashedName('[127.0.0.1]:2222')} ssh-ed25519 ${b64(keyA)}`,
        `10.1.*,!10.1.0.9 ssh-rsa ${b64(keyA)}`,
        `@revoked 10.2.0.1 ssh-ed25519 ${b64(keyB)}`,
        `10.2.0.1 ssh-ed25519 ${b64(keyB)}`,
        `@cert-authority 10.3.0.1 ssh-ed25519 ${b64(keyA)}`,
      ].join('\n'),
    );
    expect(file.check('127.0.0.1', 2222, keyA)).toBe('match');
    expect(file.check('10.1.2.3', 22, keyA)).toBe('match');
    expect(file.check('10.1.0.9', 22, keyA)).toBe('unknown');
    expect(file.check('10.2.0.1', 22, keyB)).toBe('revoked');
    expect(file.check('10.3.0.1', 22, keyA)).toBe('unknown');
    expect(file.keyTypesFor('10.1.2.3', 22)).toEqual(['ssh-rsa']);
    expect(hostKeyAlgorithmsFor(['ssh-rsa', 'ssh-ed25519'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
  });

  test('fingerprints are printed as OpenSSH does (unpadded base64 SHA-256)', () => {
    const expected = createHash('sha256').update(keyA).digest('base64').replace(/=+$/, '');
    expect(sha256Fingerprint(keyA)).toBe(`SHA256:${expected}`);
    expect(sha256Fingerprint(keyA)).not.toMatch(/=$/);
  });
});
