import { convertValue, ConversionError, parseType, TypeSyntaxError } from '../../src/remote/conversion';

const convert = (value: unknown, type: string): unknown => convertValue(value, parseType(type));

describe('type strings', () => {
  test('parse names, generics, unions, Optional and Literal', () => {
    expect(parseType('int')).toEqual({ kind: 'named', name: 'int', args: [] });
    expect(parseType('List[int]')).toEqual({ kind: 'named', name: 'list', args: [{ kind: 'named', name: 'int', args: [] }] });
    expect(parseType('int | None')).toEqual({
      kind: 'union',
      members: [
        { kind: 'named', name: 'int', args: [] },
        { kind: 'named', name: 'none', args: [] },
      ],
    });
    expect(parseType('Optional[str]')).toEqual(parseType('str | None'));
    expect(parseType("Literal['a', \"b\", 1, True, None]")).toEqual({ kind: 'literal', values: ['a', 'b', 1, true, null] });
    expect(parseType('dict[str, list[int]]').kind).toBe('named');
    expect(parseType('typing.Any')).toEqual({ kind: 'named', name: 'any', args: [] });
  });

  test('malformed strings are reported', () => {
    expect(() => parseType('list[int')).toThrow(TypeSyntaxError);
    expect(() => parseType('')).toThrow(/empty/);
    expect(() => parseType('int |')).toThrow(/type name/);
    expect(() => parseType('Literal[x]')).toThrow(/Literal/);
  });
});

describe('conversion as Robot does it', () => {
  test('int', () => {
    expect(convert('42', 'int')).toBe(42);
    expect(convert(' -1_000 ', 'int')).toBe(-1000);
    expect(convert('0x1F', 'int')).toBe(31);
    expect(convert('0b101', 'int')).toBe(5);
    expect(convert('1.0', 'int')).toBe(1);
    expect(convert('1e3', 'int')).toBe(1000);
    expect(convert(7, 'integer')).toBe(7);
    expect(convert(5n, 'int')).toBe(5);
    expect(() => convert('1.5', 'int')).toThrow(ConversionError);
    expect(() => convert(1.5, 'int')).toThrow(/whole number/);
    expect(() => convert('abc', 'int')).toThrow(ConversionError);
    expect(() => convert('', 'int')).toThrow(ConversionError);
    expect(() => convert('99999999999999999999', 'int')).toThrow(/safe integer/);
  });

  test('float', () => {
    expect(convert('1.5', 'float')).toBe(1.5);
    expect(convert('-inf', 'float')).toBe(-Infinity);
    expect(convert('NaN', 'float')).toBeNaN();
    expect(convert(3, 'float')).toBe(3);
    expect(() => convert('', 'float')).toThrow(ConversionError);
    expect(() => convert('0x10', 'float')).toThrow(ConversionError);
  });

  test('bool', () => {
    for (const text of ['true', 'YES', 'on', '1']) expect(convert(text, 'bool')).toBe(true);
    for (const text of ['false', 'no', 'OFF', '0', 'none', '']) expect(convert(text, 'bool')).toBe(false);
    expect(convert(0, 'bool')).toBe(false);
    expect(() => convert('maybe', 'bool')).toThrow(/true\/false/);
  });

  test('str, bytes, None and datetime', () => {
    expect(convert(5, 'str')).toBe('5');
    expect(convert(Buffer.from([0xe4]), 'str')).toBe('ä');
    expect(convert('aä', 'bytes')).toEqual(Buffer.from([0x61, 0xe4]));
    expect(() => convert('☃', 'bytes')).toThrow(/latin-1/);
    expect(convert('', 'None')).toBeNull();
    expect(convert('NONE', 'None')).toBeNull();
    expect(convert('2024-01-02 03:04:05', 'datetime')).toEqual(new Date(2024, 0, 2, 3, 4, 5));
  });

  test('unions keep values that already match, else try members in order', () => {
    expect(convert('', 'int | None')).toBeNull();
    expect(convert('5', 'int | None')).toBe(5);
    expect(convert('', 'str | None')).toBe('');
    expect(convert(null, 'int | None')).toBeNull();
    expect(convert('1.5', 'int | float')).toBe(1.5);
    expect(() => convert('x', 'int | float')).toThrow(ConversionError);
  });

  test('containers convert their items', () => {
    expect(convert(['1', 2], 'list[int]')).toEqual([1, 2]);
    expect(convert({ a: '1' }, 'dict[str, int]')).toEqual({ a: 1 });
    expect(convert(['x'], 'list')).toEqual(['x']);
    expect(() => convert('[1, 2]', 'list[int]')).toThrow(/expected a list/);
    expect(() => convert(['x'], 'list[int]')).toThrow(ConversionError);
  });

  test('Literal matches exactly, then case-, space- and underscore-insensitively', () => {
    expect(convert('fast', "Literal['fast', 'slow']")).toBe('fast');
    expect(convert('S_LOW', "Literal['fast', 'slow']")).toBe('slow');
    expect(convert('1', 'Literal[1, 2]')).toBe(1);
    expect(() => convert('medium', "Literal['fast', 'slow']")).toThrow(/expected one of "fast", "slow"/);
  });

  test('unknown types convert nothing', () => {
    expect(convert('anything', 'NoSuchType')).toBe('anything');
    expect(convert({ a: 1 }, 'Any')).toEqual({ a: 1 });
  });
});
