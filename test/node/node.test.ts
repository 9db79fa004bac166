import { generateKeyPairSync } from 'node:crypto';
import { userInfo } from 'node:os';
import { InvalidNodeError } from '../../src/node/errors';
import { parseNode } from '../../src/node/node';

/** An RSA key in the PEM form CSIT topologies carry (`-----BEGIN RSA PRIVATE KEY-----`). */
const RSA_PEM = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
}).privateKey;

const CSIT_DUT = {
  type: 'DUT',
  host: '10.30.51.50',
  port: 22,
  username: 'testuser',
  password: 'Csit1234',
  interfaces: { port1: { mac_address: '3c:fd:fe:9c:ee:f4', pci_address: '0000:18:00.0' } },
};

/** The dict without `key`, as a topology that never had it. */
function without(dict: Record<string, unknown>, key: string): Record<string, unknown> {
  const copy = { ...dict };
  delete copy[key];
  return copy;
}

function invalid(dict: unknown): InvalidNodeError {
  try {
    parseNode(dict);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidNodeError);
    return error as InvalidNodeError;
  }
  throw new Error('parseNode accepted an invalid node');
}

describe('parseNode', () => {
  test('a CSIT DUT dict becomes a typed ssh node with defaults', () => {
    const node = parseNode(CSIT_DUT);
    expect(node).toMatchObject({
      host: '10.30.51.50',
      port: 22,
      username: 'testuser',
      password: 'Csit1234',
      arch: 'x86_64',
      type: 'DUT',
      transport: 'ssh',
      dryRunResponses: [],
    });
    expect(node.raw.interfaces).toEqual(CSIT_DUT.interfaces);
  });

  test('the arch default does not leak into the caller dict (CSIT wrote it there)', () => {
    const dict = { ...CSIT_DUT };
    const node = parseNode(dict);
    expect(node.arch).toBe('x86_64');
    expect(dict).not.toHaveProperty('arch');
    expect(node.raw).not.toBe(dict);
    expect(parseNode({ ...CSIT_DUT, arch: 'aarch64' }).arch).toBe('aarch64');
  });

  test('port may come as a string, as Robot sends ${port} from a variable file', () => {
    expect(parseNode({ ...CSIT_DUT, port: '2222' }).port).toBe(2222);
    expect(parseNode({ ...CSIT_DUT, port: ' 22 ' }).port).toBe(22);
    expect(parseNode(without(CSIT_DUT, 'port')).port).toBe(22);
  });

  test.each([['0'], [0], [65536], ['22a'], [22.5], ['-1'], [true], [[22]]])('bad port %p is refused by name', (port) => {
    const error = invalid({ ...CSIT_DUT, port });
    expect(error.key).toBe('port');
    expect(error.message).toMatch(/'port' must be an integer 1\.\.65535/);
  });

  test('missing or empty host is refused', () => {
    expect(invalid(without(CSIT_DUT, 'host')).message).toMatch(/no 'host'/);
    expect(invalid({ ...CSIT_DUT, host: '' }).key).toBe('host');
    expect(invalid({ ...CSIT_DUT, host: 42 }).key).toBe('host');
  });

  test('not a dict at all', () => {
    expect(invalid(null).message).toMatch(/Node must be a dict.*got None/);
    expect(invalid('10.0.0.1').message).toMatch(/Node must be a dict/);
    expect(invalid([CSIT_DUT]).message).toMatch(/got a list/);
  });

  test('ssh needs a username and a credential', () => {
    const error = invalid(without(CSIT_DUT, 'password'));
    expect(error.message).toMatch(/no credential for ssh; give 'password' or 'priv_key'/);
    expect(invalid(without(CSIT_DUT, 'username')).key).toBe('username');
  });

  test('priv_key is PEM text; a path or garbage is refused with a hint', () => {
    const node = parseNode({ ...CSIT_DUT, password: undefined, priv_key: RSA_PEM });
    expect(node.privKey).toBe(RSA_PEM);
    expect(node.password).toBeUndefined();
    const error = invalid({ ...CSIT_DUT, priv_key: '/root/.ssh/id_rsa' });
    expect(error.key).toBe('priv_key');
    expect(error.message).toMatch(/not a path/);
  });

  test('transport: default ssh, local and dry-run need no credential, unknown is refused', () => {
    const local = parseNode({ host: 'localhost', transport: 'local' });
    expect(local.transport).toBe('local');
    expect(local.username).toBe(userInfo().username);
    const dry = parseNode({ host: 'dut1', transport: 'dry-run' });
    expect(dry).toMatchObject({ transport: 'dry-run', username: 'root', port: 22 });
    const error = invalid({ ...CSIT_DUT, transport: 'telnet' });
    expect(error.key).toBe('transport');
    expect(error.message).toMatch(/unknown 'transport' "telnet"; use one of ssh, local, dry-run/);
  });

  test('host key policy: a SHA256 fingerprint (padded or not) or a known_hosts path', () => {
    const fingerprint = 'SHA256:' + 'A'.repeat(43);
    expect(parseNode({ ...CSIT_DUT, host_key_fingerprint: fingerprint }).hostKeyFingerprint).toBe(fingerprint);
    expect(parseNode({ ...CSIT_DUT, host_key_fingerprint: fingerprint + '=' }).hostKeyFingerprint).toBe(fingerprint);
    expect(parseNode({ ...CSIT_DUT, known_hosts: '/etc/ssh/ssh_known_hosts' }).knownHostsFile).toBe('/etc/ssh/ssh_known_hosts');
    expect(invalid({ ...CSIT_DUT, host_key_fingerprint: 'MD5:aa:bb' }).key).toBe('host_key_fingerprint');
  });

  test('session limit and connect timeout accept Robot strings', () => {
    const node = parseNode({ ...CSIT_DUT, max_sessions: '4', connect_timeout: 3 });
    expect(node.maxSessions).toBe(4);
    expect(node.connectTimeout).toBe(3);
    expect(invalid({ ...CSIT_DUT, max_sessions: 0 }).key).toBe('max_sessions');
  });

  test('dry_run_responses are validated', () => {
    const node = parseNode({
      host: 'dut1',
      transport: 'dry-run',
      dry_run_responses: [{ match: 'qemu-system', stdout: 'QEMU emulator version 7.2.0', rc: '0' }, { match: '^cat .*pid$', regex: true, stdout: '4242' }],
    });
    expect(node.dryRunResponses).toEqual([
      { match: 'qemu-system', stdout: 'QEMU emulator version 7.2.0', rc: 0 },
      { match: '^cat .*pid$', regex: true, stdout: '4242' },
    ]);
    expect(invalid({ host: 'd', transport: 'dry-run', dry_run_responses: {} }).message).toMatch(/must be a list of dicts/);
    expect(invalid({ host: 'd', transport: 'dry-run', dry_run_responses: [{ stdout: 'x' }] }).message).toMatch(/needs a non-empty string 'match'/);
    expect(invalid({ host: 'd', transport: 'dry-run', dry_run_responses: [{ match: '(', regex: true }] }).message).toMatch(/not a valid regular expression/);
    expect(invalid({ host: 'd', transport: 'dry-run', dry_run_responses: [{ match: 'x', rc: 300 }] }).message).toMatch(/rc/);
  });
});
