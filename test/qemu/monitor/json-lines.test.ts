import { encodeJsonLine, JsonLineDecoder, type DecodedLine } from '../../../src/qemu/monitor/json-lines';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const values = (lines: DecodedLine[]): unknown[] => lines.filter((l) => l.kind === 'value').map((l) => (l.kind === 'value' ? l.value : null));
const problems = (lines: DecodedLine[]): string[] => lines.flatMap((l) => (l.kind === 'problem' ? [l.problem] : []));

function feedAll(decoder: JsonLineDecoder, chunks: Buffer[]): DecodedLine[] {
  return chunks.flatMap((chunk) => decoder.push(chunk));
}

describe('JsonLineDecoder', () => {
  it('decodes a line delivered one byte at a time, including a multi-byte character split across chunks', () => {
    const text = '{"return": {"desc": "Grüße ✓"}}\n';
    const encoded = bytes(text);
    const chunks = [...encoded].map((b) => Buffer.of(b));
    const decoder = new JsonLineDecoder();
    const lines = feedAll(decoder, chunks);
    expect(values(lines)).toEqual([{ return: { desc: 'Grüße ✓' } }]);
    expect(decoder.end()).toEqual([]);
  });

  it('decodes several lines in one chunk, tolerating CRLF and blank lines, and keeps a partial line for the next chunk', () => {
    const decoder = new JsonLineDecoder();
    const first = decoder.push(bytes('{"a":1}\r\n\n  \n{"b":2}\n{"c":'));
    expect(values(first)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(values(decoder.push(bytes('3}\n')))).toEqual([{ c: 3 }]);
  });

  it('drops a 0xFF sentinel in front of a reply (guest-sync-delimited)', () => {
    const decoder = new JsonLineDecoder();
    const lines = decoder.push(Buffer.concat([Buffer.of(0xff), bytes('{"return": 42}\n')]));
    expect(lines).toEqual([{ kind: 'value', value: { return: 42 }, text: '{"return": 42}' }]);
  });

  it('discards garbage cut off by 0xFF and reports it, then decodes the reply after it', () => {
    const decoder = new JsonLineDecoder();
    const lines = feedAll(decoder, [bytes('\u0000junk{"ret'), Buffer.of(0xff), bytes('{"return": 7}\n')]);
    expect(problems(lines)).toEqual(['discarded-before-delimiter']);
    expect(values(lines)).toEqual([{ return: 7 }]);
  });

  it('reports a line that is not JSON and carries on with the next one', () => {
    const decoder = new JsonLineDecoder();
    const lines = decoder.push(bytes('login: garbage {\n{"return": {}}\n'));
    expect(problems(lines)).toEqual(['invalid-json']);
    const problem = lines[0];
    expect(problem.kind === 'problem' && problem.detail).toContain('login: garbage {');
    expect(values(lines)).toEqual([{ return: {} }]);
  });

  it('accepts a line of exactly maxLineBytes and rejects a longer one once, however it is chunked, then recovers', () => {
    const decoder = new JsonLineDecoder({ maxLineBytes: 16 });
    const exact = '{"k":"123456789"}'; // 17 bytes: one too many
    expect(exact.length).toBe(17);
    const fits = '{"k":"12345678"}';
    expect(fits.length).toBe(16);
    expect(values(decoder.push(bytes(`${fits}\n`)))).toEqual([{ k: '12345678' }]);

    const overlong = `{"k":"${'x'.repeat(60)}"}`;
    const chunks = [bytes(overlong.slice(0, 10)), bytes(overlong.slice(10, 30)), bytes(overlong.slice(30)), bytes('\n{"ok":true}\n')];
    const lines = feedAll(decoder, chunks);
    expect(problems(lines)).toEqual(['line-too-long']);
    expect(values(lines)).toEqual([{ ok: true }]);
    const problem = lines.find((l) => l.kind === 'problem');
    expect(problem?.kind === 'problem' && problem.detail).toMatch(/longer than 16 bytes.*k.*:.*xxxx/);
  });

  it('does not grow without bound while a peer never sends a newline', () => {
    const decoder = new JsonLineDecoder({ maxLineBytes: 1024 });
    const megabyte = Buffer.alloc(1024 * 1024, 0x61);
    const lines = [...decoder.push(megabyte), ...decoder.push(megabyte)];
    expect(problems(lines)).toEqual(['line-too-long']);
    // The rest of the overlong line is dropped, not reported again at end of stream.
    expect(decoder.end()).toEqual([]);
  });

  it('reports a line cut off by the end of the stream, but not trailing whitespace', () => {
    const truncated = new JsonLineDecoder();
    truncated.push(bytes('{"return": 1}\n{"retu'));
    const atEnd = truncated.end();
    expect(problems(atEnd)).toEqual(['truncated-at-end']);
    expect(atEnd[0].kind === 'problem' && atEnd[0].detail).toContain('{\\"retu');

    const clean = new JsonLineDecoder();
    clean.push(bytes('{"return": 1}\n \r'));
    expect(clean.end()).toEqual([]);
  });

  it('rejects a nonsensical line limit', () => {
    expect(() => new JsonLineDecoder({ maxLineBytes: 0 })).toThrow(RangeError);
  });
});

describe('encodeJsonLine', () => {
  it('writes one line of UTF-8 JSON, with an optional raw prefix that the decoder strips again', () => {
    const encoded = encodeJsonLine({ execute: 'guest-sync-delimited', arguments: { id: 5 } }, Uint8Array.of(0xff));
    expect(encoded[0]).toBe(0xff);
    expect(encoded.subarray(1).toString('utf8')).toBe('{"execute":"guest-sync-delimited","arguments":{"id":5}}\n');
    expect(values(new JsonLineDecoder().push(encoded))).toEqual([{ execute: 'guest-sync-delimited', arguments: { id: 5 } }]);
    expect(encodeJsonLine({ a: 'ü' }).toString('utf8')).toBe('{"a":"ü"}\n');
  });
});
