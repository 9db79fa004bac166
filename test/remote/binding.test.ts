import { bindArguments } from '../../src/remote/binding';
import { ArgumentError } from '../../src/remote/errors';
import type { ParameterDefinition } from '../../src/remote/library';
import { compileLibrary, type CompiledKeyword } from '../../src/remote/spec';

function compiled(parameters: ParameterDefinition[], name = 'the_keyword'): CompiledKeyword<never> {
  const library = compileLibrary<never>({
    name: 'Binding',
    version: '1',
    intro: '',
    initDoc: '',
    keywords: [{ name, parameters, doc: '', instance: 'none', run: async () => undefined }],
    instanceMissingMessage: '',
    disposeInstance: async () => undefined,
  });
  const keyword = library.keywords.get(name);
  if (!keyword) throw new Error('not compiled');
  return keyword;
}

function bindError(keyword: CompiledKeyword<never>, args: unknown[], kwargs: Record<string, unknown> = {}): string {
  try {
    bindArguments(keyword, args, kwargs);
  } catch (error) {
    expect(error).toBeInstanceOf(ArgumentError);
    return (error as Error).message;
  }
  throw new Error('expected an ArgumentError');
}

const everyKind = compiled([
  { name: 'a', type: 'int' },
  { name: 'b', default: 2 },
  { name: 'rest', kind: 'var-positional' },
  { name: 'kwo', kind: 'named-only' },
  { name: 'kwo2', kind: 'named-only', default: 'x' },
  { name: 'kw', kind: 'var-named' },
]);

describe('binding what Robot sends', () => {
  test('positionals in order, extras into *varargs, named into parameters or **kwargs', () => {
    expect(bindArguments(everyKind, ['1', 'B', 'r1', 'r2'], { kwo: 'K', other: 'o' })).toEqual({
      a: 1,
      b: 'B',
      rest: ['r1', 'r2'],
      kwo: 'K',
      kwo2: 'x',
      kw: { other: 'o' },
    });
  });

  test('positional parameters given by name are bound by name; defaults fill the rest', () => {
    // Robot sends `a=1  kwo=x` as args [] and kwargs {a: 1, kwo: 'x'} (protocol notes §2.2).
    expect(bindArguments(everyKind, [], { a: 1, kwo: 'x' })).toEqual({ a: 1, b: 2, rest: [], kwo: 'x', kwo2: 'x', kw: {} });
    expect(bindArguments(everyKind, [1], { b: '3', kwo: 'x' })).toEqual({ a: 1, b: '3', rest: [], kwo: 'x', kwo2: 'x', kw: {} });
  });

  test('string defaults are converted by the declared type', () => {
    expect(bindArguments(compiled([{ name: 'n', type: 'int', default: '5' }]), [], {})).toEqual({ n: 5 });
  });

  test('wrong calls name the keyword and the argument', () => {
    expect(bindError(everyKind, [], { kwo: 'x' })).toBe("Keyword 'The Keyword' missing value for argument 'a'.");
    expect(bindError(everyKind, [1])).toBe("Keyword 'The Keyword' missing named-only argument 'kwo'.");
    expect(bindError(everyKind, [1], { a: 2, kwo: 'x' })).toBe("Keyword 'The Keyword' got multiple values for argument 'a'.");
    expect(bindError(everyKind, ['one'], { kwo: 'x' })).toBe(
      "Keyword 'The Keyword' argument 'a' got value 'one' (string) that cannot be converted to int.",
    );
    const simple = compiled([{ name: 'x' }]);
    expect(bindError(simple, [1, 2])).toBe("Keyword 'The Keyword' expected at most 1 positional argument, got 2.");
    expect(bindError(simple, [1], { y: 2 })).toBe("Keyword 'The Keyword' got unexpected named argument 'y'.");
    const positionalOnly = compiled([{ name: 'p', kind: 'positional-only' }]);
    expect(bindError(positionalOnly, [], { p: 1 })).toBe(
      "Keyword 'The Keyword' argument 'p' is positional-only and cannot be given by name.",
    );
  });

  test('varargs and kwargs values are converted by their type, naming the item', () => {
    const typed = compiled([{ name: 'numbers', kind: 'var-positional', type: 'int' }, { name: 'flags', kind: 'var-named', type: 'bool' }]);
    expect(bindArguments(typed, ['1', '2'], { on: 'yes' })).toEqual({ numbers: [1, 2], flags: { on: true } });
    expect(bindError(typed, ['1', 'x'])).toMatch(/argument 'numbers\[1\]' got value 'x'/);
  });

  test('a kwargs member called __proto__ stays data', () => {
    const free = compiled([{ name: 'kw', kind: 'var-named' }]);
    const bound = bindArguments(free, [], JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.keys(bound.kw as object)).toEqual(['__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
