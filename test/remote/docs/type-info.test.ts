import { formatType, parseType, standardTypeDoc, TypeSyntaxError } from '../../../src/remote/docs/type-info';

describe('parseType', () => {
  it('parses names, parameters and unions', () => {
    expect(parseType('dict[str, int | None]')).toEqual({
      name: 'dict',
      union: false,
      nested: [
        { name: 'str', union: false },
        { name: 'Union', union: true, nested: [{ name: 'int', union: false }, { name: 'None', union: false }] },
      ],
    });
  });

  it('prints types as Robot does, normalising spacing and quotes', () => {
    expect(formatType(parseType('int|str'))).toBe('int | str');
    expect(formatType(parseType('Literal["a", \'b\']'))).toBe("Literal['a', 'b']");
    expect(formatType(parseType('tuple[int, ...]'))).toBe('tuple[int, ...]');
  });

  it('rejects malformed type strings with an actionable message', () => {
    expect(() => parseType('list[int')).toThrow(TypeSyntaxError);
    expect(() => parseType('int |')).toThrow(/Invalid type 'int \|'.*'int \| None'/);
  });

  it('finds standard type docs ignoring case, and none for unknown names and unions', () => {
    expect(standardTypeDoc(parseType('INT'))?.name).toBe('integer');
    expect(standardTypeDoc(parseType('List[int]'))?.name).toBe('list');
    expect(standardTypeDoc(parseType('NoSuchType'))).toBeUndefined();
    expect(standardTypeDoc(parseType('int | None'))).toBeUndefined();
  });
});
