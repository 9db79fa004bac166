/**
 * The common-shape reader (`decode-common.ts`) against the general one (saxes + the xmlrpc deserializer):
 * on what Python's xmlrpc.client writes it must read the call itself and give the same value, and on any
 * mutation of that it either gives the general reader's value or leaves the document to it.
 */
import { decodeGeneralMethodCall, decodeMethodCall } from '../../src/remote/codec/decode';
import { decodeCommonMethodCall } from '../../src/remote/codec/decode-common';
import { Prng } from '../support/prng';
import { py } from '../support/xmlrpc';

/** Calls as Python writes them (`xmlrpc.client.dumps`), with their `expected` kind: common or general. */
async function pythonCalls(): Promise<{ xml: string; common: boolean }[]> {
  const script = `
import datetime, random
rnd = random.Random(16)
texts = ['', 'hello', 'a & b < c > d', 'quote " apos \\'', 'line\\nbreak\\ttab', 'cr\\r\\nlf', ' spaced ',
         'caf\\u00e9 \\u65e5\\u672c', ']] >', 'x' * 300, '&amp; literally', '\\u0085\\u2028']
def scalar():
    kind = rnd.randrange(5)
    if kind == 0: return rnd.choice(texts)
    if kind == 1: return rnd.choice([0, 1, -1, 2**31 - 1, -2**31, rnd.randrange(-10**6, 10**6)])
    if kind == 2: return rnd.choice([True, False])
    if kind == 3: return rnd.choice([0.5, -2.25, 1e300, float('inf'), float('-inf'), 3.0])
    return rnd.choice(texts)
def value(depth):
    kind = rnd.randrange(6) if depth < 4 else 0
    if kind == 4: return [value(depth + 1) for _ in range(rnd.randrange(4))]
    if kind == 5: return {rnd.choice(texts + ['__proto__', 'constructor', 'k']): value(depth + 1) for _ in range(rnd.randrange(4))}
    return scalar()
result = []
for _ in range(300):
    params = tuple(value(0) for _ in range(rnd.randrange(4)))
    result.append({'xml': xmlrpc.client.dumps(params, 'run_keyword', encoding='UTF-8'), 'common': True})
node = {'host': 'dut1', 'port': 22, 'type': 'DUT', 'dry_run_responses': []}
result.append({'xml': xmlrpc.client.dumps(('qemu_init', [node], {'qemu_id': 2}), 'run_keyword'), 'common': True})
for params in [(b'\\x00\\x01',), (None,), (datetime.datetime(2026, 12, 2, 1, 2, 3),), ('\\U0001F600',)]:
    result.append({'xml': xmlrpc.client.dumps(params, 'run_keyword', allow_none=True), 'common': False})
`;
  return (await py('http://unused', script)) as { xml: string; common: boolean }[];
}

function general(xml: string): { value: unknown } | { error: string } {
  try {
    return { value: decodeGeneralMethodCall(xml) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const MUTATIONS = ['<', '>', '/', '&', ';', ' ', '\r', '\n', 'a', '"', "'", '#', ']]>', '<!-- c -->', '<![CDATA[x]]>', '&#13;', '&lt;', 'x="1"', '<value>', '</value>', '<array>', '<data>', '<struct>', '<member>', '<name>', 'VALUE'];

function mutate(xml: string, prng: Prng): string {
  const at = prng.int(0, xml.length);
  const cut = prng.chance(0.5) ? prng.int(0, 3) : 0;
  return xml.slice(0, at) + (prng.chance(0.8) ? prng.pick(MUTATIONS) : '') + xml.slice(at + cut);
}

describe('common-shape XML-RPC reader', () => {
  let calls: { xml: string; common: boolean }[] = [];
  beforeAll(async () => {
    calls = await pythonCalls();
  });

  it("reads Python's calls itself, with the general reader's values, and leaves the rest to it", () => {
    expect(calls.length).toBeGreaterThan(300);
    for (const { xml, common } of calls) {
      const fast = decodeCommonMethodCall(xml, 64);
      if (common) {
        expect(fast).toBeDefined();
        expect(fast).toEqual(decodeGeneralMethodCall(xml));
      } else {
        expect(fast).toBeUndefined();
      }
      expect(decodeMethodCall(xml)).toEqual(decodeGeneralMethodCall(xml));
    }
  });

  it('agrees with the general reader on mutated calls, or leaves them to it', () => {
    const prng = new Prng(1602);
    let read = 0;
    let left = 0;
    for (let round = 0; round < 20; round += 1) {
      for (const { xml } of calls) {
        const mutated = mutate(mutate(xml, prng), prng);
        const fast = decodeCommonMethodCall(mutated, 64);
        if (fast === undefined) {
          left += 1;
          continue;
        }
        read += 1;
        expect({ xml: mutated, outcome: { value: fast } }).toEqual({ xml: mutated, outcome: general(mutated) });
      }
    }
    // Both kinds occur, so both halves of the rule are exercised.
    expect(read).toBeGreaterThan(100);
    expect(left).toBeGreaterThan(100);
  });

  it('keeps the nesting limit: deeper documents go to the general reader, which refuses them', () => {
    const nested = (depth: number): string => `<value>${'<array><data><value>'.repeat(depth)}x${'</value></data></array>'.repeat(depth)}</value>`;
    const xml = (depth: number): string => `<methodCall><methodName>m</methodName><params><param>${nested(depth)}</param></params></methodCall>`;
    expect(decodeCommonMethodCall(xml(3), 3)).toBeDefined();
    expect(decodeCommonMethodCall(xml(4), 3)).toBeUndefined();
    expect(() => decodeMethodCall(xml(4), { maxNesting: 3 })).toThrow(/nested deeper than 3 levels/);
  });
});
