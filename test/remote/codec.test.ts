/**
 * The wire rules, each checked against Python's own xmlrpc.client (the client Robot uses): what we write must
 * parse in Python to the intended value, and what Python (or other clients) write must decode here.
 */
import { decodeMethodCall, diagnosticText, encodeFault, encodeResponse, type WireValue } from '../../src/remote/codec';
import { XmlRpcDecodeError, XmlRpcEncodeError } from '../../src/remote/errors';
import { py } from '../support/xmlrpc';

/** Parses our responses with Python's `xmlrpc.client.loads` (one process for many). */
async function parsedByPython(xmls: string[]): Promise<unknown[]> {
  const encoded = xmls.map((xml) => Buffer.from(xml, 'utf8').toString('base64'));
  const script = `
import base64
result = []
for item in ${JSON.stringify(encoded)}:
    try:
        result.append(loads(base64.b64decode(item))[0][0])
    except xmlrpc.client.Fault as fault:
        result.append({'fault': [fault.faultCode, fault.faultString]})
`;
  return (await py('http://unused', script)) as unknown[];
}

function call(valueXml: string, method = 'm'): string {
  return `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params><param><value>${valueXml}</value></param></params></methodCall>`;
}

function decodeValue(valueXml: string): unknown {
  return decodeMethodCall(call(valueXml)).params[0];
}

function decodeError(xml: string): string {
  try {
    decodeMethodCall(xml);
  } catch (error) {
    expect(error).toBeInstanceOf(XmlRpcDecodeError);
    return (error as Error).message;
  }
  throw new Error('expected a decode error');
}

describe('encoding responses for Python', () => {
  test('strings, numbers, booleans, binaries and containers arrive as Python values', async () => {
    const values: WireValue[] = [
      'plain',
      'Hyvä äiti ☃ 😀',
      '',
      '<tag> & ]]> "quotes"',
      'tab\tnewline\ncr\r\ncr-only\r',
      0,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      -(2 ** 31) - 1,
      Number.MAX_SAFE_INTEGER,
      1.5,
      1e21,
      -0,
      true,
      false,
      Buffer.from([0, 1, 0xe4, 0xff]),
      [1, ['nested', Buffer.from('x')], { inner: Buffer.from([7]) }],
      { a: 1, b: { c: [true] } },
      5n,
      2n ** 40n,
      -(2n ** 63n),
      2n ** 64n,
    ];
    const parsed = await parsedByPython(values.map((value) => encodeResponse(value)));
    expect(parsed).toEqual([
      'plain',
      'Hyvä äiti ☃ 😀',
      '',
      '<tag> & ]]> "quotes"',
      'tab\tnewline\ncr\r\ncr-only\r',
      0,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      -(2 ** 31) - 1,
      Number.MAX_SAFE_INTEGER,
      1.5,
      1e21,
      0,
      true,
      false,
      { $bytes: '0001e4ff' },
      [1, ['nested', { $bytes: '78' }], { inner: { $bytes: '07' } }],
      { a: 1, b: { c: [true] } },
      5,
      2 ** 40,
      Number(-(2n ** 63n)),
      '18446744073709551616',
    ]);
  });

  test('integers: int32 as <int>, larger as <i8>, non-integers and unsafe integers as <double>', () => {
    expect(encodeResponse(2 ** 31 - 1)).toContain('<int>2147483647</int>');
    expect(encodeResponse(2 ** 31)).toContain('<i8>2147483648</i8>');
    expect(encodeResponse(2 ** 60)).toContain('<double>1152921504606847000</double>');
    expect(encodeResponse(1e21)).toContain('<double>1e+21</double>');
    expect(encodeResponse(2n ** 62n)).toContain('<i8>4611686018427387904</i8>');
    expect(encodeResponse(2n ** 64n)).toContain('<string>18446744073709551616</string>');
  });

  test('NaN and infinities are written as NaN/Infinity/-Infinity, which Python parses', async () => {
    const xmls = [NaN, Infinity, -Infinity].map((value) => encodeResponse(value));
    expect(xmls[0]).toContain('<double>NaN</double>');
    expect(xmls[1]).toContain('<double>Infinity</double>');
    expect(xmls[2]).toContain('<double>-Infinity</double>');
    expect(await parsedByPython(xmls)).toEqual([{ $float: 'nan' }, { $float: 'inf' }, { $float: '-inf' }]);
  });

  test('booleans are written as 1/0', () => {
    expect(encodeResponse(true)).toContain('<boolean>1</boolean>');
    expect(encodeResponse(false)).toContain('<boolean>0</boolean>');
  });

  test('\\r is written as &#13; and survives in Python; & < > are escaped, never CDATA', async () => {
    const xml = encodeResponse('a\rb & <c> ]]>');
    expect(xml).toContain('a&#13;b &amp; &lt;c&gt; ]]&gt;');
    expect(xml).not.toContain('CDATA');
    expect(await parsedByPython([xml])).toEqual(['a\rb & <c> ]]>']);
  });

  test('strings with control characters go as base64 of latin-1 bytes', async () => {
    const xml = encodeResponse(['nul\x00', 'bell\x07 äÿ', 'esc\x1b']);
    expect(xml).toContain('<base64>');
    expect(await parsedByPython([xml])).toEqual([[{ $bytes: '6e756c00' }, { $bytes: '62656c6c0720e4ff' }, { $bytes: '6573631b' }]]);
  });

  test('control characters with a character beyond latin-1 fail clearly', () => {
    expect(() => encodeResponse('\x00 ☃')).toThrow(XmlRpcEncodeError);
    expect(() => encodeResponse('\x00 ☃')).toThrow(/as binary.*U\+2603, which latin-1 lacks/);
  });

  test('U+FFFE, U+FFFF and lone surrogates are refused, never written raw', () => {
    for (const text of ['a\uFFFE', 'a\uFFFF', 'a\uD800b', 'a\uDC00', 'x\uD83D']) {
      expect(() => encodeResponse({ key: [text] })).toThrow(/XML does not allow/);
    }
    expect(encodeResponse('😀')).toContain('😀');
  });

  test('diagnostic text is made representable instead of refused', async () => {
    expect(diagnosticText('plain')).toBe('plain');
    expect(diagnosticText('a\x01b')).toEqual(Buffer.from('a\x01b', 'latin1'));
    expect(diagnosticText('a\uFFFF\uD800')).toBe('a\uFFFD\uFFFD');
    expect(diagnosticText('\x01☃')).toBe('\uFFFD☃');
    const fault = encodeFault(7, 'bad\x00 \uFFFF text ☃');
    expect(await parsedByPython([fault])).toEqual([{ fault: [7, 'bad\uFFFD \uFFFD text ☃'] }]);
  });

  test('dates are written exactly as YYYYMMDDTHH:MM:SS in server local time and read as datetimes', async () => {
    const date = new Date(2024, 0, 2, 3, 4, 5, 678);
    const xml = encodeResponse([date, new Date(999, 11, 31, 23, 59, 59)]);
    expect(xml).toContain('<dateTime.iso8601>20240102T03:04:05</dateTime.iso8601>');
    expect(xml).toContain('<dateTime.iso8601>09991231T23:59:59</dateTime.iso8601>');
    expect(await parsedByPython([xml])).toEqual([[{ $datetime: '2024-01-02T03:04:05' }, { $datetime: '0999-12-31T23:59:59' }]]);
    expect(() => encodeResponse(new Date(NaN))).toThrow(/invalid Date/);
  });

  test('null and undefined are sent as empty strings, never <nil/>', async () => {
    const xml = encodeResponse([null, undefined, { a: null }]);
    expect(xml).not.toMatch(/nil/);
    expect(await parsedByPython([xml])).toEqual([['', '', { a: '' }]]);
  });

  test('struct keys: __proto__ stays a member; binary keys are refused', async () => {
    const struct = JSON.parse('{"__proto__": 1, "b": 2}') as { [key: string]: WireValue };
    expect(await parsedByPython([encodeResponse(struct)])).toEqual([JSON.parse('{"__proto__": 1, "b": 2}')]);
    expect(() => encodeResponse({ 'a\x00': 1 })).toThrow(/keys cannot be binary/);
  });

  test('values nested too deep are refused with a message', () => {
    let value: WireValue = 'leaf';
    for (let depth = 0; depth < 300; depth += 1) value = [value];
    expect(() => encodeResponse(value)).toThrow(/nested deeper than/);
  });
});

describe('decoding calls', () => {
  test("Python's serializer: every type it writes", async () => {
    const xml = (await py(
      'http://unused',
      "result = dumps(['s', 'Hyvä ☃', '', 1, -2, 2.5, True, False, b'\\x00\\xff', datetime.datetime(2024, 1, 2, 3, 4, 5), [1, [2]], {'k': 'v', 'n': {'x': 1}}, 'a\\rb\\r\\nc', '<&>'], 'run_keyword')",
    )) as string;
    const { method, params } = decodeMethodCall(xml);
    expect(method).toBe('run_keyword');
    expect(params).toEqual([
      's',
      'Hyvä ☃',
      '',
      1,
      -2,
      2.5,
      true,
      false,
      Buffer.from([0, 0xff]),
      new Date(2024, 0, 2, 3, 4, 5),
      [1, [2]],
      { k: 'v', n: { x: 1 } },
      // Python writes \r raw; strict XML would turn it into \n, this parser keeps what was sent.
      'a\rb\r\nc',
      '<&>',
    ]);
  });

  test('nil in any form, untyped values, i4 and i8', () => {
    expect(decodeValue('<nil/>')).toBeNull();
    expect(decodeMethodCall(call('<ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/>')).params).toEqual([null]);
    expect(decodeValue('untyped text')).toBe('untyped text');
    expect(decodeValue('')).toBe('');
    expect(decodeMethodCall(call('').replace('<value></value>', '<value/>')).params).toEqual(['']);
    expect(decodeValue('<i4>-12</i4>')).toBe(-12);
    expect(decodeValue('<i8>1099511627776</i8>')).toBe(2 ** 40);
    expect(decodeValue('<i8>9223372036854775807</i8>')).toBe(2n ** 63n - 1n);
    expect(decodeValue('<int> 7 </int>')).toBe(7);
  });

  test('doubles accept inf, -inf, nan and Infinity', () => {
    expect(decodeValue('<double>inf</double>')).toBe(Infinity);
    expect(decodeValue('<double>-inf</double>')).toBe(-Infinity);
    expect(decodeValue('<double>nan</double>')).toBeNaN();
    expect(decodeValue('<double>Infinity</double>')).toBe(Infinity);
    expect(decodeValue('<double>1e-7</double>')).toBe(1e-7);
  });

  test('booleans accept 1/0 and true/false', () => {
    expect(decodeValue('<boolean>1</boolean>')).toBe(true);
    expect(decodeValue('<boolean>true</boolean>')).toBe(true);
    expect(decodeValue('<boolean>false</boolean>')).toBe(false);
    expect(() => decodeValue('<boolean>yes</boolean>')).toThrow(/<boolean> must be 1, 0, true or false/);
  });

  test('empty params, missing params and whitespace between elements', () => {
    expect(decodeMethodCall('<?xml version="1.0"?><methodCall><methodName>x</methodName><params>\n</params></methodCall>')).toEqual({
      method: 'x',
      params: [],
    });
    expect(decodeMethodCall('<methodCall><methodName>x</methodName></methodCall>').params).toEqual([]);
    const spaced = '<methodCall>\n <methodName>x</methodName>\n <params>\n  <param>\n   <value>\n    <int>1</int>\n   </value>\n  </param>\n </params>\n</methodCall>\n';
    expect(decodeMethodCall(spaced).params).toEqual([1]);
  });

  test('character references, CDATA and a struct member named __proto__', () => {
    expect(decodeValue('<string>a&#13;b&#x41;&lt;</string>')).toBe('a\rbA<');
    expect(decodeValue('<string><![CDATA[<raw>]]></string>')).toBe('<raw>');
    const struct = decodeValue('<struct><member><name>__proto__</name><value>x</value></member></struct>') as object;
    expect(Object.keys(struct)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(struct)).toBe(Object.prototype);
  });

  test('DTDs and entity declarations are refused (no entity expansion)', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>' +
      '<methodCall><methodName>&lol2;</methodName></methodCall>';
    expect(decodeError(laughs)).toMatch(/DTDs and entity declarations are not accepted/);
    expect(decodeError(call('<string>&nbsp;</string>'))).toMatch(/entity/i);
    const external = '<!DOCTYPE x SYSTEM "file:///etc/passwd"><methodCall><methodName>x</methodName></methodCall>';
    expect(decodeError(external)).toMatch(/DTD/);
  });

  test('nesting beyond the limit is refused; at the limit it is accepted', () => {
    const nested = (depth: number): string => '<array><data><value>'.repeat(depth) + '1' + '</value></data></array>'.repeat(depth);
    expect(() => decodeMethodCall(call(nested(64)), { maxNesting: 64 })).not.toThrow();
    expect(() => decodeMethodCall(call(nested(65)), { maxNesting: 64 })).toThrow(/nested deeper than 64 levels/);
  });

  test('characters XML forbids are refused even when a client sends them raw', () => {
    expect(decodeError(call('<string>a\x01</string>'))).toMatch(/U\+0001/);
    expect(decodeError(call('<string>a\uFFFF</string>'))).toMatch(/U\+FFFF/);
    expect(decodeError(call('<string>a\uFFFE</string>'))).toMatch(/U\+FFFE/);
  });

  test('a document written with CRLF line endings parses, and a carriage return inside strings survives', () => {
    const xml =
      "<?xml version='1.0'?>\r\n<methodCall>\r\n<methodName>run_keyword</methodName>\r\n<params>\r\n<param>\r\n" +
      '<value><string>kw</string></value>\r\n</param>\r\n<param>\r\n<value><array><data>\r\n' +
      '<value><string>a\rb\r\nc</string></value>\r\n<value>x\ry</value>\r\n</data></array></value>\r\n</param>\r\n' +
      '</params>\r\n</methodCall>\r\n';
    expect(decodeMethodCall(xml)).toEqual({ method: 'run_keyword', params: ['kw', ['a\rb\r\nc', 'x\ry']] });
  });

  test('a call stopped midway by an error leaves nothing behind for the next call', () => {
    const good = call('<string>after</string>');
    const broken = [call('<string>&#-1;</string>'), '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><methodCall/>', call('<struct><member>'), '<methodCall><methodName>x'];
    for (const xml of broken) {
      expect(() => decodeMethodCall(xml)).toThrow(XmlRpcDecodeError);
      expect(decodeMethodCall(good)).toEqual({ method: 'm', params: ['after'] });
    }
  });

  test('malformed documents give a reason', () => {
    expect(decodeError('<methodCall><methodName>x</methodName>')).toBeTruthy();
    expect(decodeError('<methodCall><methodName>x</methodCall>')).toMatch(/close tag|Unexpected/i);
    expect(decodeError('not xml at all')).toBeTruthy();
    expect(decodeError('')).toBeTruthy();
    expect(decodeError('<methodResponse><params/></methodResponse>')).toMatch(/Not a method call/);
    expect(decodeError(call('<bogus>1</bogus>'))).toMatch(/Unknown XML-RPC tag/);
    expect(decodeError(call('<int>12abc</int>'))).toMatch(/<int> must be an integer/);
    expect(decodeError(call('<double>1.2.3</double>'))).toMatch(/<double> must be a number/);
    expect(decodeError(call('<struct><member><value>1</value></member></struct>'))).toMatch(/struct/);
    expect(decodeError(call('<dateTime.iso8601>yesterday</dateTime.iso8601>'))).toMatch(/ISO8601|dateTime/);
    expect(decodeError(call('<string>&#-1;</string>'))).toMatch(/character reference \(&#...;\) is malformed or names no character XML allows.*\(line 1, column \d+\)/);
    expect(decodeError(call('<string>&#x110000;</string>'))).toMatch(/character reference \(&#...;\) is malformed or names no character XML allows.*\(line 1, column \d+\)/);
  });
});
