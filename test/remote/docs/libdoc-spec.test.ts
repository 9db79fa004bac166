import type { KeywordDefinition, RemoteLibrary } from '../../../src/remote/library';
import { buildLibdocSpec, defaultRepr, normalizeTags } from '../../../src/remote/docs/libdoc-spec';
import { KeywordSpecError } from '../../../src/remote/errors';
import { createFixtureLibrary } from '../../support/docs-fixture-library';

function libraryWith(keywords: Array<Partial<KeywordDefinition<object>> & { name: string }>): RemoteLibrary<object> {
  return {
    ...createFixtureLibrary(),
    keywords: keywords.map((keyword) => ({
      parameters: [],
      doc: '',
      instance: 'none',
      run: async () => undefined,
      ...keyword,
    })),
  };
}

describe('buildLibdocSpec', () => {
  const spec = buildLibdocSpec(createFixtureLibrary(), { generated: new Date('2024-05-06T07:08:09.600Z') });

  it('describes the library as libdoc does for a remote library', () => {
    expect(spec).toMatchObject({
      specversion: 3,
      name: 'DemoLab',
      version: '2.1.0',
      generated: '2024-05-06T07:08:10+00:00',
      type: 'LIBRARY',
      scope: 'SUITE',
      docFormat: 'HTML',
    });
    expect(spec.inits[0].args.map((arg) => arg.repr)).toEqual(['uri=http://127.0.0.1:8270', 'timeout=None']);
  });

  it('sorts keywords by printable name', () => {
    expect(spec.keywords.map((keyword) => keyword.name)).toEqual([
      'Add Network Interface',
      'Get Machine Status',
      'Old Start',
      'Run Command',
      'Set Options',
      'Start Machine',
      'Stop Machine',
    ]);
  });

  it('gives arguments kinds, types, defaults and Robot reprs, adding the / and * markers', () => {
    const start = spec.keywords.find((keyword) => keyword.name === 'Start Machine');
    expect(start?.args.map((arg) => [arg.repr, arg.kind, arg.required])).toEqual([
      ['machine_id: int', 'POSITIONAL_OR_NAMED', true],
      ['memory: int = 1024', 'POSITIONAL_OR_NAMED', false],
      ['cpus: int | None = None', 'POSITIONAL_OR_NAMED', false],
      ['kernel_args: list[str] = None', 'POSITIONAL_OR_NAMED', false],
      ['*', 'NAMED_ONLY_MARKER', false],
      ['wait: bool = True', 'NAMED_ONLY', false],
    ]);
    expect(start?.returnType).toEqual({
      name: 'dict',
      typedoc: 'dictionary',
      union: false,
      nested: [
        { name: 'str', typedoc: 'string', nested: [], union: false },
        { name: 'int', typedoc: 'integer', nested: [], union: false },
      ],
    });
    const add = spec.keywords.find((keyword) => keyword.name === 'Add Network Interface');
    expect(add?.args.map((arg) => arg.repr)).toEqual(['socket: str', '/', 'queues: int = 1', "mode: Literal['client', 'server'] = client", 'mac=']);
  });

  it('takes tags from definitions and a trailing Tags: line, and marks *DEPRECATED* keywords', () => {
    const run = spec.keywords.find((keyword) => keyword.name === 'Run Command');
    expect(run?.tags).toEqual(['exec', 'Guest']);
    expect(run?.doc).not.toContain('Tags:');
    expect(spec.keywords.find((keyword) => keyword.name === 'Old Start')?.deprecated).toBe(true);
    expect(spec.tags).toEqual(['exec', 'Guest', 'lifecycle', 'network', 'setup']);
  });

  it('links keyword references in docs to keyword anchors', () => {
    expect(spec.doc).toContain('<a href="#Start%20Machine" class="name">Start Machine</a>');
    expect(spec.doc).toContain('<h2 id="Sessions">Sessions</h2>');
  });

  it('lists the standard types used, with the keywords using them', () => {
    const integer = spec.typedocs.find((typedoc) => typedoc.name === 'integer');
    expect(integer?.usages).toEqual(['Add Network Interface', 'Start Machine']);
    expect(integer?.doc).toMatch(/^<p>/);
  });

  it('reports a bad type with the keyword and parameter at fault', () => {
    expect(() => buildLibdocSpec(libraryWith([{ name: 'broken', parameters: [{ name: 'count', type: 'list[int' }] }]))).toThrow(
      new KeywordSpecError('broken', "parameter 'count': Invalid type 'list[int': expected ']'. Use a Robot type such as 'int', 'int | None' or 'list[str]'."),
    );
  });

  it('refuses names Robot would see as the same keyword', () => {
    expect(() => buildLibdocSpec(libraryWith([{ name: 'qemu_start' }, { name: 'qemuStart' }]))).toThrow(/same name/);
  });
});

describe('spec helpers', () => {
  it('prints defaults as Python str() and escapes strings as Robot data', () => {
    expect([null, true, false, 3, 1.5, '', 'a\\b', 'x\ny', '${v}', ' a  b '].map(defaultRepr)).toEqual([
      'None', 'True', 'False', '3', '1.5', '', 'a\\\\b', 'x\\ny', '\\${v}', '\\ a \\ b \\',
    ]);
  });

  it('normalises tags as Robot: sorted ignoring case, spaces and underscores, first spelling kept', () => {
    expect(normalizeTags(['Zeta', 'alpha', 'b_x', 'bX', 'NONE', '', 'Alpha'])).toEqual(['alpha', 'b_x', 'Zeta']);
  });
});
