/**
 * Generators of hostile requests for the fuzz test. Each case is built from its own seed, so any one case
 * can be rebuilt alone from the run's seed and its index. Nodes in generated calls are always dry-run nodes
 * or unusable ones (refused port, bad dicts): fuzzing must never run a real command (`Qemu Kill All` on a
 * real node would kill every QEMU on this machine).
 */
import { gzipSync, deflateSync } from 'node:zlib';
import type { KeywordDefinition, ParameterDefinition } from '../../src/remote/library';
import { Prng } from './prng';
import type { RawRequest } from './raw-http';

export const FUZZ_SESSIONS = ['/', '/fz0', '/fz1', '/fz2', '/fz3', '/fz4', '/fz5', '/fz6', '/fz7'];

export const DRY_NODE = { host: 'fuzz-dut', port: 22, username: 'fuzz', type: 'DUT', transport: 'dry-run' };
/** Parses, but nothing listens there: any command fails at once with "connection refused". */
const REFUSED_NODE = { host: '127.0.0.1', port: 1, username: 'fuzz', password: 'fuzz-password', connect_timeout: 2 };

export interface FuzzCase {
  category: string;
  /** What it is, for a failure message. */
  label: string;
  request: RawRequest;
  /** The client itself breaks the framing (body shorter than declared, then closes): a closed connection is fine. */
  mayClose?: boolean;
  /** Large: sent with fewer in flight. */
  heavy?: boolean;
}

type Generator = (rng: Prng, keywords: readonly KeywordDefinition<unknown>[]) => FuzzCase;

// ---------------------------------------------------------------------------------------------------------
// XML-RPC text, valid and not
// ---------------------------------------------------------------------------------------------------------

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Valid XML-RPC for a JSON-like value. */
export function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return '<value><nil/></value>';
  if (typeof value === 'boolean') return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (typeof value === 'number') return Number.isInteger(value) ? `<value><int>${value}</int></value>` : `<value><double>${value}</double></value>`;
  if (typeof value === 'string') return `<value><string>${escapeXml(value)}</string></value>`;
  if (Buffer.isBuffer(value)) return `<value><base64>${value.toString('base64')}</base64></value>`;
  if (Array.isArray(value)) return `<value><array><data>${value.map(encodeValue).join('')}</data></array></value>`;
  const members = Object.entries(value as Record<string, unknown>)
    .map(([key, item]) => `<member><name>${escapeXml(key)}</name>${encodeValue(item)}</member>`)
    .join('');
  return `<value><struct>${members}</struct></value>`;
}

function methodCall(method: string, params: string[]): string {
  return `<?xml version='1.0'?>\n<methodCall>\n<methodName>${escapeXml(method)}</methodName>\n<params>\n${params
    .map((param) => `<param>\n${param}\n</param>\n`)
    .join('')}</params>\n</methodCall>\n`;
}

export function runKeywordXml(name: string, args: string[], kwargs?: [string, string][]): string {
  const params = [encodeValue(name), `<value><array><data>${args.join('')}</data></array></value>`];
  if (kwargs) params.push(`<value><struct>${kwargs.map(([key, value]) => `<member><name>${escapeXml(key)}</name>${value}</member>`).join('')}</struct></value>`);
  return methodCall('run_keyword', params);
}

const SPECIAL_TEXT = [
  '',
  ' ',
  'None',
  'True',
  'false',
  '0',
  '-1',
  '1e400',
  'NaN',
  '${EMPTY}',
  '../../../../etc/passwd',
  '%s%s%n',
  '__proto__',
  'constructor',
  '<script>',
  ']]>',
  'ä☃\u{1F600}',
  '\t\r\n',
  "'; touch /tmp/qur-fuzz-never; '",
  '$(id)',
  'a'.repeat(1000),
];

/** A value of a random wire type, sometimes one the XML-RPC rules reject. */
export function randomValue(rng: Prng, depth = 0): string {
  const kinds = depth > 3 ? 16 : 20;
  switch (rng.int(0, kinds - 1)) {
    case 0:
      return `<value><int>${rng.pick([0, 1, -1, 2147483647, -2147483648, rng.int(-1e6, 1e6)])}</int></value>`;
    case 1:
      return `<value><i8>${rng.pick(['9223372036854775807', '-9223372036854775808', '4294967296', '99999999999999999999'])}</i8></value>`;
    case 2:
      return `<value><double>${rng.pick(['nan', 'inf', '-inf', '1e308', '-0.0', '3.5', '1e-320', '.5', 'NaN'])}</double></value>`;
    case 3:
      return `<value><boolean>${rng.pick(['0', '1', 'true', 'false'])}</boolean></value>`;
    case 4:
      return `<value><string>${escapeXml(rng.pick(SPECIAL_TEXT))}</string></value>`;
    case 5:
      return `<value><string>${escapeXml(rng.text(rng.int(0, 64)))}</string></value>`;
    case 6:
      return `<value>${escapeXml(rng.text(rng.int(0, 16)))}</value>`;
    case 7:
      return `<value><base64>${rng.bytes(rng.int(0, 48)).toString('base64')}</base64></value>`;
    case 8:
      return `<value><dateTime.iso8601>${rng.pick(['20240102T03:04:05', '2024-01-02T03:04:05Z', '19700101T00:00:00', '99991231T23:59:59'])}</dateTime.iso8601></value>`;
    case 9:
      return rng.pick(['<value><nil/></value>', '<value><ex:nil/></value>', '<value/>', '<value></value>']);
    case 10:
      return encodeValue(DRY_NODE);
    case 11:
      return encodeValue(rng.pick([REFUSED_NODE, { host: 'x' }, { transport: 'dry-run' }, { host: 'fuzz-dut', transport: 'carrier-pigeon' }, { host: 'fuzz-dut', transport: 'dry-run', port: 'twenty-two' }, { host: 'fuzz-dut', transport: 'dry-run', dry_run_responses: 'nope' }]));
    case 12:
      // Invalid scalars: the codec must refuse them with a Fault.
      return rng.pick([
        '<value><int>abc</int></value>',
        '<value><int>1.5</int></value>',
        '<value><int></int></value>',
        '<value><i8>1e3</i8></value>',
        '<value><double>one</double></value>',
        '<value><boolean>2</boolean></value>',
        '<value><boolean>yes</boolean></value>',
        '<value><base64>!!!not base64</base64></value>',
        '<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>',
        '<value><bigdecimal>1</bigdecimal></value>',
        '<value><string><b>markup</b></string></value>',
      ]);
    case 13:
      return '<value><array><data/></array></value>';
    case 14:
      return '<value><struct/></value>';
    case 15:
      return encodeValue(rng.pick(['/run/vpp/sock-1-1', '/opt/boot/vmlinuz', 'testpmd_io', 'vpp_chain_l2xc', '52:54:00:00:01:01', '2-3', 'tcg']));
    case 16:
    case 17: {
      const items = Array.from({ length: rng.int(0, 5) }, () => randomValue(rng, depth + 1));
      return `<value><array><data>${items.join('')}</data></array></value>`;
    }
    default: {
      const keys = ['host', 'port', 'a', '', '__proto__', 'constructor', 'prototype', 'toString', 'password', rng.text(rng.int(1, 12))];
      const members = Array.from({ length: rng.int(0, 5) }, () => `<member><name>${escapeXml(rng.pick(keys))}</name>${randomValue(rng, depth + 1)}</member>`);
      return `<value><struct>${members.join('')}</struct></value>`;
    }
  }
}

/** A value the keyword would accept for this parameter (as a Robot suite would send it). */
function plausibleValue(keyword: string, parameter: ParameterDefinition): unknown {
  const byName: Record<string, unknown> = {
    node: DRY_NODE,
    nodes: { DUT1: DRY_NODE },
    qemu_id: 7,
    smp: 2,
    mem: 512,
    vnf: keyword === 'construct_vms_on_all_nodes' ? 'testpmd_io' : 'testpmd_io',
    img: '/opt/boot/vmlinuz',
    bin_path: '/usr/bin',
    socket: '/run/vpp/sock-7-1',
    server: true,
    jumbo_frames: false,
    queue_size: 1024,
    queues: 1,
    version: '2.10',
    command: 'query-status',
    arguments: null,
    lines: 5,
    force: false,
    pinning: false,
    host_cpus: ['2', '3'],
  };
  if (parameter.name in byName) return byName[parameter.name];
  if (parameter.default !== undefined) return parameter.default;
  const type = parameter.type ?? '';
  if (type.startsWith('int')) return 1;
  if (type.startsWith('bool')) return false;
  if (type.startsWith('dict')) return {};
  return 'x';
}

function headersFor(rng: Prng): [string, string][] {
  return rng.chance(0.5) ? [['User-Agent', 'Python-xmlrpc/3.11'], ['Accept-Encoding', 'gzip']] : [];
}

function post(path: string, xml: string | Buffer, extra: Partial<RawRequest> = {}): RawRequest {
  return { method: 'POST', path, body: xml, ...extra };
}

/** A keyword call with plausible arguments, as a base for mutations. */
function plausibleCall(rng: Prng, keywords: readonly KeywordDefinition<unknown>[]): string {
  const keyword = rng.pick(keywords);
  const params = keyword.parameters ?? [];
  const args: string[] = [];
  const kwargs: [string, string][] = [];
  for (const parameter of params) {
    if (parameter.kind === 'var-positional' || parameter.kind === 'var-named') continue;
    if (parameter.default !== undefined && rng.chance(0.5)) continue;
    const value = encodeValue(plausibleValue(keyword.name, parameter));
    if (parameter.kind === 'named-only' || (rng.chance(0.3) && parameter.kind !== 'positional-only')) kwargs.push([parameter.name, value]);
    else if (kwargs.length === 0) args.push(value);
    else kwargs.push([parameter.name, value]);
  }
  return runKeywordXml(keyword.name, args, kwargs.length > 0 ? kwargs : undefined);
}

const INFO_CALLS = (keyword: string): string[] => [
  methodCall('get_library_information', []),
  methodCall('get_keyword_names', []),
  methodCall('get_keyword_arguments', [encodeValue(keyword)]),
  methodCall('get_keyword_types', [encodeValue(keyword)]),
  methodCall('get_keyword_tags', [encodeValue(keyword)]),
  methodCall('get_keyword_documentation', [encodeValue(keyword)]),
  methodCall('system.listMethods', []),
  methodCall('stop_remote_server', []),
];

function validCall(rng: Prng, keywords: readonly KeywordDefinition<unknown>[]): string {
  return rng.chance(0.7) ? plausibleCall(rng, keywords) : rng.pick(INFO_CALLS(rng.pick(keywords).name));
}

// ---------------------------------------------------------------------------------------------------------
// Categories
// ---------------------------------------------------------------------------------------------------------

const XMLISH = '<>/&;#"\'=![]?-: abcdefghijklmnopqrstuvwxyzAZ0123456789';

const mutated: Generator = (rng, keywords) => {
  let text = Buffer.from(validCall(rng, keywords), 'utf8');
  const steps: string[] = [];
  for (let count = rng.int(1, 3); count > 0; count--) {
    const at = rng.int(0, text.length);
    switch (rng.int(0, 6)) {
      case 0:
        text = text.subarray(0, at);
        steps.push(`truncate@${at}`);
        break;
      case 1: {
        const end = Math.min(text.length, at + rng.int(1, 40));
        text = Buffer.concat([text.subarray(0, at), text.subarray(end)]);
        steps.push(`delete@${at}`);
        break;
      }
      case 2:
        text = Buffer.concat([text.subarray(0, at), Buffer.from(rng.text(rng.int(1, 12), XMLISH)), text.subarray(at)]);
        steps.push(`insert@${at}`);
        break;
      case 3: {
        const end = Math.min(text.length, at + rng.int(1, 80));
        text = Buffer.concat([text.subarray(0, end), text.subarray(at, end), text.subarray(end)]);
        steps.push(`duplicate@${at}`);
        break;
      }
      case 4:
        if (text.length > 0) {
          const index = Math.min(at, text.length - 1);
          text = Buffer.from(text);
          text[index] = rng.int(0, 255);
        }
        steps.push(`byte@${at}`);
        break;
      case 5:
        text = Buffer.from(text.toString('utf8').replace(rng.pick([/<value>/, /<\/value>/, /<param>/, /<data>/, /<string>/, /<methodName>/, /<params>/]), rng.pick(['<valu>', '', '<value><value>', '<Value>', '<x:value>', '</value>'])));
        steps.push('retag');
        break;
      default:
        text = Buffer.concat([text.subarray(0, at), Buffer.from(rng.pick(['\u0000', '\u0001', '\u001b', '\uFFFE', '\uFFFF'])), text.subarray(at)]);
        steps.push(`control@${at}`);
    }
  }
  return { category: 'malformed', label: steps.join(','), request: post(rng.pick(FUZZ_SESSIONS), text, { headers: headersFor(rng) }) };
};

/** One parameter of one keyword (positional or named) gets a value of a random type; the others are plausible. */
function wrongType(keyword: KeywordDefinition<unknown>, target: ParameterDefinition | undefined, rng: Prng): FuzzCase {
  const args: string[] = [];
  const kwargs: [string, string][] = [];
  for (const parameter of keyword.parameters ?? []) {
    const hit = parameter === target;
    if (!hit && parameter.default !== undefined && rng.chance(0.6)) continue;
    if (parameter.kind === 'var-positional') {
      const count = hit ? rng.int(1, 4) : 0;
      for (let index = 0; index < count; index++) args.push(randomValue(rng));
      continue;
    }
    if (parameter.kind === 'var-named') {
      if (hit) for (let index = rng.int(1, 4); index > 0; index--) kwargs.push([rng.pick(['jumbo_frames', 'queues', 'mac1', 'vif1_mac', 'vnf_bin', '__proto__', rng.text(6)]), randomValue(rng)]);
      continue;
    }
    const value = hit ? randomValue(rng) : encodeValue(plausibleValue(keyword.name, parameter));
    const named = parameter.kind === 'named-only' || (parameter.kind !== 'positional-only' && (kwargs.length > 0 || rng.chance(0.3)));
    if (named) kwargs.push([parameter.name, value]);
    else args.push(value);
  }
  const xml = runKeywordXml(keyword.name, args, kwargs.length > 0 || rng.chance(0.5) ? kwargs : undefined);
  return { category: 'wrong-types', label: `${keyword.name}(${target?.name ?? '-'})`, request: post(rng.pick(FUZZ_SESSIONS), xml, { headers: headersFor(rng) }) };
}

const wrongTypes: Generator = (rng, keywords) => {
  const keyword = rng.pick(keywords);
  const parameters = keyword.parameters ?? [];
  if (parameters.length === 0 || rng.chance(0.1)) {
    // Wrong types for the info methods' keyword-name parameter.
    const method = rng.pick(['get_keyword_arguments', 'get_keyword_types', 'get_keyword_tags', 'get_keyword_documentation', 'run_keyword']);
    return { category: 'wrong-types', label: `${method}(name)`, request: post('/', methodCall(method, [randomValue(rng), ...(method === 'run_keyword' ? [randomValue(rng)] : [])])) };
  }
  return wrongType(keyword, rng.pick(parameters), rng);
};

const huge: Generator = (rng, keywords) => {
  const keyword = rng.pick(keywords).name;
  switch (rng.int(0, 6)) {
    case 0: {
      const size = rng.int(1, 3) * 1024 * 1024;
      return { category: 'huge', label: `string ${size} B`, heavy: true, request: post(rng.pick(FUZZ_SESSIONS), runKeywordXml(rng.pick(['qemu_add_vhost_user_if', 'qemu_version', keyword]), [`<value><string>${'s'.repeat(size)}</string></value>`])) };
    }
    case 1: {
      const count = rng.int(20_000, 100_000);
      const items = '<value><int>1</int></value>'.repeat(count);
      return { category: 'huge', label: `array of ${count}`, heavy: true, request: post(rng.pick(FUZZ_SESSIONS), runKeywordXml(rng.pick(['qemu_set_affinity', keyword]), [items])) };
    }
    case 2: {
      const count = rng.int(10_000, 40_000);
      const members: [string, string][] = Array.from({ length: count }, (_, index) => [`k${index}`, '<value><int>1</int></value>']);
      return { category: 'huge', label: `struct of ${count}`, heavy: true, request: post(rng.pick(FUZZ_SESSIONS), runKeywordXml(rng.pick(['configure_kernelvm_vnf', keyword]), [], members)) };
    }
    case 3:
      // Past the server's limit (4 MiB in this test), with an honest Content-Length.
      return { category: 'huge', label: 'body over the limit', heavy: true, request: post('/', Buffer.concat([Buffer.from(runKeywordXml(keyword, []).slice(0, 100)), Buffer.alloc(5 * 1024 * 1024 + rng.int(0, 1000), 0x61)])) };
    case 4:
      return { category: 'huge', label: 'chunked body over the limit', heavy: true, request: post('/', Buffer.alloc(5 * 1024 * 1024, 0x62), { chunked: 64 * 1024 }) };
    case 5:
      // Declares far more than the limit: refused before anything is read.
      // Refused before anything is read. A client that then stalls is answered after the server's drain limit
      // (5 s); one that gives up is not answered at all.
      return {
        category: 'huge',
        label: 'declared length over the limit',
        request: post('/', Buffer.from('<x/>'), { headers: [['Content-Length', String(rng.pick([5 * 1024 * 1024, 2 ** 31, 2 ** 53]))]], endAfterWrite: rng.chance(0.7) }),
        mayClose: true,
      };
    default: {
      const count = rng.int(10_000, 60_000);
      return { category: 'huge', label: `${count} params`, heavy: true, request: post('/', methodCall(rng.pick(['get_keyword_names', 'run_keyword', 'get_keyword_tags']), Array.from({ length: count }, () => '<value><int>1</int></value>'))) };
    }
  }
};

const deep: Generator = (rng) => {
  const depth = rng.pick([65, 100, 1000, 10_000, rng.int(65, 50_000)]);
  const kind = rng.int(0, 4);
  let value: string;
  if (kind === 0) value = '<value><array><data>'.repeat(depth) + '<value>1</value>' + '</data></array></value>'.repeat(depth);
  else if (kind === 1) value = '<value><struct><member><name>a</name>'.repeat(depth) + '<value>1</value>' + '</member></struct></value>'.repeat(depth);
  else if (kind === 2) value = '<value>'.repeat(depth) + 'x' + '</value>'.repeat(depth);
  else if (kind === 3) value = '<value><array><data>'.repeat(depth);
  else value = '<a>'.repeat(depth) + '</a>'.repeat(depth);
  return { category: 'deep', label: `kind ${kind} depth ${depth}`, heavy: depth > 10_000, request: post('/', runKeywordXml('qemu_set_affinity', [value])) };
};

const BILLION_LAUGHS =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  Array.from({ length: 9 }, (_, index) => `<!ENTITY lol${index + 1} "${`&lol${index === 0 ? '' : index};`.repeat(10)}">`).join('') +
  ']><methodCall><methodName>run_keyword</methodName><params><param><value>&lol9;</value></param></params></methodCall>';

const entities: Generator = (rng) => {
  const variants = [
    BILLION_LAUGHS,
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/shadow">]><methodCall><methodName>&xxe;</methodName></methodCall>',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><methodCall><methodName>get_keyword_names</methodName></methodCall>',
    '<!DOCTYPE methodCall SYSTEM "http://127.0.0.1:1/x.dtd"><methodCall><methodName>get_keyword_names</methodName></methodCall>',
    '<!DOCTYPE methodCall><methodCall><methodName>get_keyword_names</methodName></methodCall>',
    '<methodCall><methodName>&nbsp;get_keyword_names</methodName></methodCall>',
    '<methodCall><methodName>&undefined;</methodName></methodCall>',
    `<methodCall><methodName>run_keyword</methodName><params><param><value>${rng.pick(['&#0;', '&#x0;', '&#xD800;', '&#xFFFE;', '&#1114112;', '&#99999999999;', '&#x;', '&#-1;', '&#65;&#66;'])}</value></param></params></methodCall>`,
    '<?xml version="1.0"?><?xml-stylesheet href="http://127.0.0.1:1/x"?><methodCall><methodName>get_keyword_names</methodName></methodCall>',
    '<methodCall><methodName><![CDATA[get_keyword_names]]></methodName></methodCall>',
    '<methodCall><!-- comment --><methodName>get_keyword_names</methodName><?pi data?></methodCall>',
    '<?xml version="1.1"?><methodCall><methodName>get_keyword_names</methodName></methodCall>',
    `<methodCall xmlns:x="urn:x"><x:methodName>get_keyword_names</x:methodName></methodCall>`,
    `<?xml version="1.0"?><!DOCTYPE a [${'<!ENTITY e "x">'.repeat(rng.int(1, 5000))}]><methodCall/>`,
  ];
  const index = rng.int(0, variants.length - 1);
  return { category: 'entities', label: `variant ${index}`, request: post(rng.pick(FUZZ_SESSIONS), variants[index] as string) };
};

const bombs = new Map<number, Buffer>();

/** A small gzip body that inflates to `megabytes` of spaces (made once: compressing 64 MB takes a while). */
function gzipBomb(megabytes: number): Buffer {
  let bomb = bombs.get(megabytes);
  if (!bomb) {
    bomb = gzipSync(Buffer.alloc(megabytes * 1024 * 1024, 0x20));
    bombs.set(megabytes, bomb);
  }
  return bomb;
}

const INVALID_UTF8 = ['c0af', 'eda080', 'f888808080', 'ff', 'fe', 'e282', 'c3', '80', 'f4908080', 'edbfbf'].map((hex) => Buffer.from(hex, 'hex'));

const encodings: Generator = (rng, keywords) => {
  const call = validCall(rng, keywords);
  switch (rng.int(0, 7)) {
    case 0: {
      // Invalid UTF-8 inside a string or a name.
      const at = call.indexOf('<string>') >= 0 ? call.indexOf('<string>') + 8 : call.indexOf('<methodName>') + 12;
      const bytes = Buffer.concat([Buffer.from(call.slice(0, at)), rng.pick(INVALID_UTF8), Buffer.from(call.slice(at))]);
      return { category: 'encoding', label: 'invalid utf-8', request: post(rng.pick(FUZZ_SESSIONS), bytes) };
    }
    case 1:
      return { category: 'encoding', label: 'random bytes', request: post('/', rng.bytes(rng.int(0, 2048))) };
    case 2: {
      const encoding = rng.pick(['UTF-16', 'utf-32', 'EBCDIC-US', 'windows-1252', '', 'x"><y', 'ISO-8859-1', 'latin1']);
      return { category: 'encoding', label: `declared ${encoding}`, request: post('/', Buffer.from(call.replace("<?xml version='1.0'?>", `<?xml version='1.0' encoding='${encoding}'?>`), 'latin1')) };
    }
    case 3:
      return { category: 'encoding', label: 'utf-16 body', request: post('/', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(call, 'utf16le')])) };
    case 4:
      return { category: 'encoding', label: 'gzip', request: post('/', gzipSync(call), { headers: [['Content-Encoding', 'gzip']] }) };
    case 5: {
      const bomb = gzipBomb(rng.pick([5, 64]));
      return { category: 'encoding', label: `gzip bomb ${bomb.length} B`, request: post('/', bomb, { headers: [['Content-Encoding', 'gzip']] }) };
    }
    case 6:
      return { category: 'encoding', label: 'broken gzip', request: post('/', Buffer.concat([gzipSync(call).subarray(0, rng.int(0, 30)), rng.bytes(rng.int(0, 40))]), { headers: [['Content-Encoding', rng.pick(['gzip', 'GZIP', 'x-gzip'])]] }) };
    default:
      return { category: 'encoding', label: 'other content-encoding', request: post('/', deflateSync(call), { headers: [['Content-Encoding', rng.pick(['deflate', 'br', 'compress', 'identity, gzip', '*'])]] }) };
  }
};

const unknownNames: Generator = (rng, keywords) => {
  const name = rng.pick([
    rng.text(rng.int(1, 30)),
    'system.multicall',
    'system.methodHelp',
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'run_keyword ',
    'RUN_KEYWORD',
    'Qemu Init',
    '',
    'x'.repeat(rng.int(1000, 100_000)),
    `${rng.pick(keywords).name}\u0000`,
    '../run_keyword',
  ]);
  if (rng.chance(0.5)) {
    return { category: 'unknown', label: `method ${JSON.stringify(name.slice(0, 40))}`, request: post(rng.pick(FUZZ_SESSIONS), methodCall(name, [randomValue(rng)])) };
  }
  const useInfo = rng.chance(0.3);
  const xml = useInfo
    ? methodCall(rng.pick(['get_keyword_arguments', 'get_keyword_types', 'get_keyword_tags', 'get_keyword_documentation']), [encodeValue(name)])
    : runKeywordXml(name, [randomValue(rng)], rng.chance(0.5) ? [['a', randomValue(rng)]] : undefined);
  return { category: 'unknown', label: `keyword ${JSON.stringify(name.slice(0, 40))}`, request: post(rng.pick(FUZZ_SESSIONS), xml) };
};

const argumentCounts: Generator = (rng, keywords) => {
  const keyword = rng.pick(keywords);
  const parameters = keyword.parameters ?? [];
  const variant = rng.int(0, 6);
  let xml: string;
  if (variant === 0) {
    // run_keyword itself with 0, 1, 4 or 5 parameters, or wrong container types.
    const count = rng.pick([0, 1, 4, 5]);
    xml = methodCall('run_keyword', [encodeValue(keyword.name), '<value><array><data/></array></value>', '<value><struct/></value>', randomValue(rng), randomValue(rng)].slice(0, count));
  } else if (variant === 1) {
    xml = methodCall('run_keyword', [encodeValue(keyword.name), rng.pick([randomValue(rng), '<value><struct/></value>', '<value>args</value>']), ...(rng.chance(0.5) ? [rng.pick([randomValue(rng), '<value><array><data/></array></value>'])] : [])]);
  } else if (variant === 2) {
    // More positionals than the keyword takes.
    const count = parameters.length + rng.int(1, 5);
    xml = runKeywordXml(keyword.name, Array.from({ length: count }, () => randomValue(rng)));
  } else if (variant === 3) {
    xml = runKeywordXml(keyword.name, []);
  } else if (variant === 4 && parameters.length > 0) {
    // The same argument positionally and by name.
    const first = parameters[0] as ParameterDefinition;
    xml = runKeywordXml(keyword.name, [encodeValue(plausibleValue(keyword.name, first))], [[first.name, encodeValue(plausibleValue(keyword.name, first))]]);
  } else if (variant === 5) {
    xml = runKeywordXml(keyword.name, [], [[rng.pick(['nope', '', '__proto__', 'constructor', 'kwargs', 'args']), randomValue(rng)]]);
  } else {
    const method = rng.pick(['get_library_information', 'get_keyword_names', 'get_keyword_tags', 'get_keyword_documentation', 'stop_remote_server', 'system.listMethods']);
    xml = methodCall(method, Array.from({ length: rng.int(0, 4) }, () => randomValue(rng)));
  }
  return { category: 'arguments', label: `${keyword.name} variant ${variant}`, request: post(rng.pick(FUZZ_SESSIONS), xml) };
};

const paths: Generator = (rng) => {
  const path = rng.pick([
    '/..',
    '/../../etc/passwd',
    '/%',
    '/%zz',
    '/%00',
    '/a%2Fb',
    '/%2e%2e',
    `/${'a'.repeat(rng.int(201, 5000))}`,
    '/a?b=c&d',
    '//',
    '/RPC2/',
    '/RPC2/x',
    '/ü',
    '*',
    'http://127.0.0.1/fz0',
    '/a/b/c/d/e/f',
    '/.',
    '/-',
    '/~',
    '/a//b',
    '/%F0%9F%98%80',
    '/%C0%AF',
    `/${rng.text(rng.int(1, 30), 'abc$;|&`\'"<>(){}[]!#')}`,
    `/fz${rng.int(0, 7)}`,
  ]);
  const xml = rng.chance(0.5) ? methodCall('get_keyword_names', []) : runKeywordXml(rng.pick(['qemu_close', 'qemu_kill', 'get_qemu_pids']), []);
  return { category: 'paths', label: `path ${JSON.stringify(path.slice(0, 40))}`, request: post(path, xml) };
};

const headers: Generator = (rng, keywords) => {
  const xml = Buffer.from(validCall(rng, keywords));
  const variant = rng.int(0, 15);
  const base = (extra: Partial<RawRequest>, label: string, mayClose = false): FuzzCase => ({ category: 'headers', label, request: post('/', xml, extra), mayClose });
  switch (variant) {
    case 0:
      return base({ method: rng.pick(['GET', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PATCH', 'PROPFIND']), path: rng.pick(['/', '/spec.json', '/fz0', '/x']) }, 'method');
    case 1:
      return base({ headers: [['Content-Length', rng.pick(['abc', '-1', '1e3', ' ', '0x10', '99999999999999999999999'])]] }, 'bad content-length');
    case 2:
      return base({ headers: [['Content-Length', String(xml.length)], ['Content-Length', String(xml.length + 1)]] }, 'two content-lengths');
    case 3:
      return base({ headers: [['Content-Length', String(xml.length)], ['Transfer-Encoding', 'chunked']] }, 'content-length and chunked');
    case 4:
      return base({ headers: [['X-Big', 'a'.repeat(rng.int(17_000, 70_000))]] }, 'header too large');
    case 5:
      return base({ headers: [[rng.pick(['Bad Header', 'Bad:Header', 'X\u0000Y', 'Ä']), 'v']] }, 'invalid header name');
    case 6:
      return base({ headers: [['X-Value', rng.pick(['a\u0000b', 'a\rb', '\u007f'])]] }, 'invalid header value');
    case 7:
      return base({ headers: [['Authorization', rng.pick(['Basic', 'Basic !!!', 'Basic ' + Buffer.from('user').toString('base64'), 'Bearer x', 'Basic ' + 'A'.repeat(8000), 'Digest username="x"'])]] }, 'authorization (none configured)');
    case 8:
      return base({ headers: [['Expect', '100-continue']] }, 'expect 100-continue');
    case 9:
      return base({ httpVersion: rng.pick(['HTTP/1.0', 'HTTP/0.9', 'HTTP/1.2', 'HTTP/9.9', 'HTTPS/1.1', 'http/1.1']) }, 'http version');
    case 10:
      // Some of these leave the server waiting for the rest of a request: the client then gives up (closes).
      return base(
        { raw: Buffer.from(rng.pick(['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'GET /\r\n\r\n', '\r\n\r\n', 'POST\r\n\r\n', 'POST / HTTP/1.1\r\nHost: x\r\n Folded: continuation\r\n\r\n', 'POST / HTTP/1.1\nHost: x\nContent-Length: 0\n\n'])), endAfterWrite: true },
        'broken request line',
        true,
      );
    case 11:
      // Body shorter than declared, then the client closes: nothing to answer, nothing may wedge.
      return base({ headers: [['Content-Length', String(xml.length + rng.int(1, 1000))]], endAfterWrite: true }, 'short body', true);
    case 12:
      return base({ raw: Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${rng.pick(['zz', '-1', 'fffffffffffffffff', '5;ext=1'])}\r\nhello\r\n0\r\n\r\n`)]) }, 'bad chunk size');
    case 13:
      return base({ headers: [['Content-Type', rng.pick(['application/json', 'multipart/form-data; boundary=x', '', 'text/xml; charset=utf-16'])]] }, 'content-type');
    case 14:
      return base({ headers: Array.from({ length: rng.int(100, 3000) }, (_, index): [string, string] => [`X-H${index}`, 'v']) }, 'many headers');
    default: {
      // Two requests in one write.
      const second = encodeRequestPair(xml);
      return base({ raw: second }, 'pipelined');
    }
  }
};

function encodeRequestPair(xml: Buffer): Buffer {
  const one = (connection: string): Buffer => Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: ${xml.length}\r\nConnection: ${connection}\r\n\r\n`), xml]);
  return Buffer.concat([one('keep-alive'), one('close')]);
}

/** The categories and how many of each make up a run of `total` (heavy ones are capped). */
export function plan(total: number): { generator: Generator; name: string; count: number }[] {
  const shares: [string, Generator, number][] = [
    ['malformed', mutated, 0.25],
    ['wrong-types', wrongTypes, 0.3],
    ['huge', huge, 0.004],
    ['deep', deep, 0.02],
    ['entities', entities, 0.03],
    ['encoding', encodings, 0.07],
    ['unknown', unknownNames, 0.1],
    ['arguments', argumentCounts, 0.1],
    ['paths', paths, 0.05],
    ['headers', headers, 0.076],
  ];
  const counts = shares.map(([name, generator, share]) => ({ name, generator, count: Math.max(1, Math.round(total * share)) }));
  const sum = counts.reduce((total2, entry) => total2 + entry.count, 0);
  (counts[1] as { count: number }).count += Math.max(0, total - sum);
  return counts;
}

/** Every parameter of every keyword gets `perParameter` values of random types (the systematic part of a run). */
export function everyParameterCases(keywords: readonly KeywordDefinition<unknown>[], seed: number, perParameter: number): FuzzCase[] {
  const rng = new Prng(seed);
  const cases: FuzzCase[] = [];
  for (const keyword of keywords) {
    for (const parameter of keyword.parameters ?? []) {
      for (let index = 0; index < perParameter; index++) cases.push(wrongType(keyword, parameter, rng));
    }
  }
  return cases;
}
