import type { KeywordDefinition, ParameterDefinition, RemoteLibrary } from '../../src/remote/library';
import { InformationApi } from '../../src/remote/api';
import { LibraryDefinitionError } from '../../src/remote/errors';
import { compileLibrary } from '../../src/remote/spec';

function keyword(name: string, parameters: ParameterDefinition[] = [], extra: Partial<KeywordDefinition<never>> = {}): KeywordDefinition<never> {
  return { name, parameters, doc: `Doc of ${name}.`, instance: 'none', run: async () => undefined, ...extra };
}

function library(keywords: KeywordDefinition<never>[]): RemoteLibrary<never> {
  return {
    name: 'Spec',
    version: '1',
    intro: 'Intro.',
    initDoc: 'Init.',
    keywords,
    instanceMissingMessage: 'none',
    disposeInstance: async () => undefined,
  };
}

describe('publishing keywords', () => {
  test('argument specs use Robot forms in valid order', () => {
    const compiled = compileLibrary(
      library([
        keyword('every_kind', [
          { name: 'p', kind: 'positional-only' },
          { name: 'a' },
          { name: 'b', default: 'text' },
          { name: 'c', default: 3 },
          { name: 'd', default: true },
          { name: 'e', default: null },
          { name: 'rest', kind: 'var-positional' },
          { name: 'k', kind: 'named-only' },
          { name: 'k2', kind: 'named-only', default: 'x' },
          { name: 'kw', kind: 'var-named' },
        ]),
        keyword('named_only_without_varargs', [{ name: 'a' }, { name: 'k', kind: 'named-only' }]),
        keyword('only_positional', [{ name: 'a', kind: 'positional-only' }]),
        keyword('nothing'),
      ]),
    );
    const args = (name: string): unknown => (compiled.information[name] as { args: unknown }).args;
    expect(args('every_kind')).toEqual(['p', '/', 'a', 'b=text', ['c', 3], ['d', true], 'e=None', '*rest', 'k', 'k2=x', '**kw']);
    expect(args('named_only_without_varargs')).toEqual(['a', '*', 'k']);
    expect(args('only_positional')).toEqual(['a', '/']);
    expect(args('nothing')).toEqual([]);
  });

  test('types are a name -> type struct with the return type; docs and tags pass through', () => {
    const compiled = compileLibrary(
      library([keyword('typed', [{ name: 'count', type: 'int' }, { name: 'rest', kind: 'var-positional', type: 'str' }], { returnType: 'list[str]', tags: ['t1', 't2'] })]),
    );
    expect(compiled.information.typed).toEqual({
      args: ['count', '*rest'],
      types: { count: 'int', rest: 'str', return: 'list[str]' },
      tags: ['t1', 't2'],
      doc: 'Doc of typed.',
    });
  });

  test('published keywords carry the name Robot shows', () => {
    const compiled = compileLibrary(library([keyword('getHTTPResponse'), keyword('qemu_start')]));
    expect([...compiled.keywords.values()].map((entry) => entry.printableName)).toEqual(['Get HTTP Response', 'Qemu Start']);
  });

  test('library information always has __intro__, __init__ and the stop keyword', () => {
    const compiled = compileLibrary(library([]));
    expect(compiled.information.__intro__).toEqual({ doc: 'Intro.' });
    expect(compiled.information.__init__).toEqual({ doc: 'Init.' });
    expect(compiled.information.stop_remote_server).toEqual(expect.objectContaining({ args: [], tags: [] }));
  });

  test('docs XML-RPC cannot carry fail the start, not the first import', () => {
    const broken = { ...library([keyword('fine')]), intro: 'bad \uFFFF intro' };
    expect(() => new InformationApi(compileLibrary(broken))).toThrow(LibraryDefinitionError);
    expect(() => new InformationApi(compileLibrary(broken))).toThrow(/documentation cannot be sent: .*U\+FFFF/);
  });

  test('invalid definitions are all reported at once, naming keyword and parameter', () => {
    const broken = library([
      keyword('order', [{ name: 'a', default: 1 }, { name: 'b' }]),
      keyword('kinds', [{ name: 'k', kind: 'named-only' }, { name: 'p' }]),
      keyword('dupes', [{ name: 'x' }, { name: 'x' }]),
      keyword('types', [{ name: 't', type: 'list[int' }]),
      keyword('Same Name'),
      keyword('same_name'),
      keyword('stop_remote_server'),
      keyword('varargs_default', [{ name: 'r', kind: 'var-positional', default: 'x' }]),
    ]);
    let error: unknown;
    try {
      compileLibrary(broken);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LibraryDefinitionError);
    const problems = (error as LibraryDefinitionError).problems.join('\n');
    expect(problems).toMatch(/keyword 'order': non-default argument 'b' follows default arguments/);
    expect(problems).toMatch(/keyword 'kinds': parameter 'p' \(positional-or-named\) is out of order/);
    expect(problems).toMatch(/keyword 'dupes': parameter 'x' is declared twice/);
    expect(problems).toMatch(/keyword 'types', parameter 't': Invalid type 'list\[int'/);
    expect(problems).toMatch(/'Same Name' and 'same_name' have the same name for Robot/);
    expect(problems).toMatch(/'stop_remote_server' is reserved/);
    expect(problems).toMatch(/var-positional parameter 'r' cannot have a default/);
  });
});
