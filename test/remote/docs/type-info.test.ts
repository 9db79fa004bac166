import { standardTypeDoc } from '../../../src/remote/docs/type-info';
import { parseType } from '../../../src/remote/robot/types';

describe('standardTypeDoc', () => {
  it('finds standard type docs ignoring case, and none for unknown names and unions', () => {
    expect(standardTypeDoc(parseType('INT'))?.name).toBe('integer');
    expect(standardTypeDoc(parseType('List[int]'))?.name).toBe('list');
    expect(standardTypeDoc(parseType('dict'))?.name).toBe('dictionary');
    expect(standardTypeDoc(parseType('map'))?.name).toBe('Mapping');
    expect(standardTypeDoc(parseType('NoSuchType'))).toBeUndefined();
    expect(standardTypeDoc(parseType('int | None'))).toBeUndefined();
    expect(standardTypeDoc(parseType('...'))).toBeUndefined();
  });

  it('gives Literal values none, even when they read like type names', () => {
    const literal = parseType("Literal['int', None]");
    expect(standardTypeDoc(literal)?.name).toBe('Literal');
    expect((literal.nested ?? []).map(standardTypeDoc)).toEqual([undefined, undefined]);
  });
});
