/**
 * A libdoc-compatible JSON spec (Robot Framework 7.4 `specversion` 3) built straight from a `RemoteLibrary`,
 * identical to what `python3 -m robot.libdoc --name N --version V Remote::http://... out.json` writes for
 * the same keywords, except where noted on `buildLibdocSpec`.
 */
import { KeywordSpecError, TypeSyntaxError } from '../errors';
import type { DefaultValue, KeywordDefinition, ParameterDefinition, ParameterKind } from '../library';
import { normalizedName, printableName } from '../robot/names';
import { formatType, parseType, type RobotType } from '../robot/types';
import {
  buildLinkTargets,
  expandTableOfContents,
  introHeadings,
  robotDocToHtml,
  shortDoc,
  splitTagsFromDoc,
  type LinkTargets,
} from './robot-doc';
import { standardTypeDoc } from './type-info';

export type LibdocArgumentKind =
  | 'POSITIONAL_ONLY'
  | 'POSITIONAL_ONLY_MARKER'
  | 'POSITIONAL_OR_NAMED'
  | 'VAR_POSITIONAL'
  | 'NAMED_ONLY_MARKER'
  | 'NAMED_ONLY'
  | 'VAR_NAMED';

export interface LibdocType {
  name: string;
  /** Name of the `typedocs` entry documenting it, or null. */
  typedoc: string | null;
  nested: LibdocType[];
  union: boolean;
}

export interface LibdocArgument {
  name: string;
  type: LibdocType | null;
  defaultValue: string | null;
  kind: LibdocArgumentKind;
  required: boolean;
  /** How Robot prints the argument: `count: int | None = 1`, `*rest`, `**kw`. */
  repr: string;
}

export interface LibdocKeyword {
  /** Printable name: `Add Vhost User Interface`. */
  name: string;
  args: LibdocArgument[];
  returnType: LibdocType | null;
  /** HTML. */
  doc: string;
  /** First paragraph of the raw doc, Robot syntax, on one line. */
  shortdoc: string;
  tags: string[];
  source: string | null;
  lineno: number;
  private?: true;
  deprecated?: true;
}

export interface LibdocTypeDoc {
  type: 'Standard';
  name: string;
  /** HTML. */
  doc: string;
  /** Printable names of the keywords using the type. */
  usages: string[];
  accepts: string[];
}

export interface LibdocSpec {
  specversion: 3;
  name: string;
  /** Library introduction, HTML. */
  doc: string;
  version: string;
  generated: string;
  type: 'LIBRARY';
  scope: 'SUITE';
  docFormat: 'HTML';
  source: string | null;
  lineno: number;
  tags: string[];
  inits: LibdocKeyword[];
  keywords: LibdocKeyword[];
  typedocs: LibdocTypeDoc[];
}

/** What documentation needs of a keyword: a `KeywordDefinition` without its behaviour. */
export type DocumentedKeyword = Pick<KeywordDefinition<unknown>, 'name' | 'parameters' | 'returnType' | 'doc' | 'tags'>;

/** What documentation needs of a library; every `RemoteLibrary` is one. */
export interface DocumentedLibrary {
  name: string;
  version: string;
  intro: string;
  initDoc: string;
  keywords: readonly DocumentedKeyword[];
}

export interface LibdocSpecOptions {
  /** Generation time; default now. Honour `SOURCE_DATE_EPOCH` by passing it here. */
  generated?: Date;
}

// The `Remote` library's own import arguments: servers cannot change them (remote-protocol.md §1.5).
const REMOTE_INIT_PARAMETERS: ParameterDefinition[] = [
  { name: 'uri', default: 'http://127.0.0.1:8270' },
  { name: 'timeout', default: null },
];

const FALLBACK_INIT_DOC =
  'Connects to the remote server at ``uri``, e.g. ``http://127.0.0.1:8270/session``.\n\n' +
  'Optional ``timeout`` limits how long each call may take (seconds or a Robot time string such as ``60s``); ' +
  'by default calls wait as long as the keyword runs.';

const KIND_ORDER: ParameterKind[] = ['positional-only', 'positional-or-named', 'var-positional', 'named-only', 'var-named'];

const KIND_NAMES: Record<ParameterKind, LibdocArgumentKind> = {
  'positional-only': 'POSITIONAL_ONLY',
  'positional-or-named': 'POSITIONAL_OR_NAMED',
  'var-positional': 'VAR_POSITIONAL',
  'named-only': 'NAMED_ONLY',
  'var-named': 'VAR_NAMED',
};

/** How libdoc shows a default: Python's `str()` of the value, strings escaped as Robot data. */
export function defaultRepr(value: DefaultValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'inf' : value < 0 ? '-inf' : 'nan';
  return escapeRobotData(value);
}

/** Escapes a string the way libdoc writes string defaults, so it can be pasted into Robot data as is. */
function escapeRobotData(value: string): string {
  const pythonEscapes: Record<string, string> = { '\\': '\\\\', '\r': '\\r', '\n': '\\n', '\t': '\\t' };
  return value
    .replace(/[\\\r\n\t]/g, (char) => pythonEscapes[char])
    .replace(/[$@&%]\{/g, (start) => `\\${start}`)
    .replace(/^(?= )|(?<= )$|(?<= )(?= )/g, '\\');
}

interface TypeUsage {
  doc: { name: string; accepts: string[]; doc: string };
  keywords: Set<string>;
}

class SpecBuilder {
  private readonly typeUsages = new Map<string, TypeUsage>();

  constructor(private readonly keywordName: string) {}

  argument(parameter: ParameterDefinition, kind: LibdocArgumentKind, types: Map<string, RobotType>): LibdocArgument {
    const type = types.get(parameter.name);
    const hasDefault = parameter.default !== undefined && (kind === 'POSITIONAL_ONLY' || kind === 'POSITIONAL_OR_NAMED' || kind === 'NAMED_ONLY');
    const defaultValue = hasDefault ? defaultRepr(parameter.default as DefaultValue) : null;
    const prefix = kind === 'VAR_POSITIONAL' ? '*' : kind === 'VAR_NAMED' ? '**' : '';
    let repr = prefix + parameter.name;
    if (type) repr += `: ${formatType(type)}`;
    if (defaultValue !== null) repr += (type ? ' = ' : '=') + defaultValue;
    return {
      name: parameter.name,
      type: type ? this.typeRef(type) : null,
      defaultValue,
      kind,
      required: !hasDefault && (kind === 'POSITIONAL_ONLY' || kind === 'POSITIONAL_OR_NAMED' || kind === 'NAMED_ONLY'),
      repr,
    };
  }

  /** Type tree with typedoc names; records which keywords use which standard types. */
  typeRef(type: RobotType): LibdocType {
    const standard = standardTypeDoc(type);
    if (standard) {
      const usage = this.typeUsages.get(standard.name) ?? { doc: standard, keywords: new Set<string>() };
      usage.keywords.add(this.keywordName);
      this.typeUsages.set(standard.name, usage);
    }
    return {
      name: type.name,
      typedoc: standard?.name ?? null,
      nested: (type.nested ?? []).map((nested) => this.typeRef(nested)),
      union: type.union,
    };
  }

  usages(): Map<string, TypeUsage> {
    return this.typeUsages;
  }
}

function parseTypeFor(keyword: string, what: string, typeString: string): RobotType {
  try {
    return parseType(typeString);
  } catch (error) {
    if (error instanceof TypeSyntaxError) throw new KeywordSpecError(keyword, `${what}: ${error.message}`);
    throw error;
  }
}

/** Libdoc arguments in Robot's canonical order, with the `/` and `*` markers Robot adds. */
function buildArguments(keyword: string, parameters: ParameterDefinition[], builder: SpecBuilder): LibdocArgument[] {
  const types = new Map<string, RobotType>();
  for (const parameter of parameters) {
    if (parameter.type !== undefined && parameter.type.trim() !== '') {
      types.set(parameter.name, parseTypeFor(keyword, `parameter '${parameter.name}'`, parameter.type));
    }
  }
  const byKind = (kind: ParameterKind): ParameterDefinition[] =>
    parameters.filter((parameter) => (parameter.kind ?? 'positional-or-named') === kind);
  for (const single of ['var-positional', 'var-named'] as const) {
    if (byKind(single).length > 1) throw new KeywordSpecError(keyword, `more than one ${single} parameter`);
  }
  const args: LibdocArgument[] = [];
  for (const kind of KIND_ORDER) {
    const group = byKind(kind);
    if (kind === 'named-only' && group.length > 0 && byKind('var-positional').length === 0) {
      args.push({ name: '', type: null, defaultValue: null, kind: 'NAMED_ONLY_MARKER', required: false, repr: '*' });
    }
    for (const parameter of group) args.push(builder.argument(parameter, KIND_NAMES[kind], types));
    if (kind === 'positional-only' && group.length > 0) {
      args.push({ name: '', type: null, defaultValue: null, kind: 'POSITIONAL_ONLY_MARKER', required: false, repr: '/' });
    }
  }
  return args;
}

/** Robot's tag normalisation: sorted ignoring case, spaces and underscores; duplicates, '' and NONE dropped. */
export function normalizeTags(tags: Iterable<string>): string[] {
  const byKey = new Map<string, string>();
  for (const tag of tags) {
    const key = tag.toLowerCase().replace(/[\s_]+/g, '');
    if (key === '' || key === 'none' || byKey.has(key)) continue;
    byKey.set(key, tag);
  }
  return [...byKey.keys()].sort(compareCodePoints).map((key) => byKey.get(key) as string);
}

function compareCodePoints(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

const byLowercaseName = <T extends { name: string }>(left: T, right: T): number =>
  compareCodePoints(left.name.toLowerCase(), right.name.toLowerCase());

interface RawKeyword {
  spec: LibdocKeyword;
  rawDoc: string;
}

/** `name` is the printable name; errors name the keyword as the library defines it. */
function buildKeyword(name: string, definition: DocumentedKeyword, builder: SpecBuilder): RawKeyword {
  const { doc, tags: docTags } = splitTagsFromDoc(definition.doc);
  const tags = normalizeTags([...(definition.tags ?? []), ...docTags]);
  const args = buildArguments(definition.name, definition.parameters, builder);
  const returnType =
    definition.returnType !== undefined && definition.returnType.trim() !== ''
      ? builder.typeRef(parseTypeFor(definition.name, 'return type', definition.returnType))
      : null;
  const spec: LibdocKeyword = { name, args, returnType, doc, shortdoc: shortDoc(doc), tags, source: null, lineno: -1 };
  if (tags.some((tag) => tag.toLowerCase() === 'robot:private')) spec.private = true;
  if (doc.startsWith('*DEPRECATED') && doc.slice(1).includes('*')) spec.deprecated = true;
  return { spec, rawDoc: doc };
}

/** libdoc's timestamp format: UTC, whole seconds, `+00:00`. */
export function generationTime(date: Date): string {
  return new Date(Math.round(date.getTime() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/**
 * Builds the libdoc JSON spec of `library`.
 *
 * Differences from libdoc's output for the same library served remotely (all deliberate):
 * - `name`/`version` are the library's (libdoc says `Remote`/`""` unless given `--name`/`--version`);
 * - `source` is null and `lineno` -1 (libdoc points at its own Remote.py, and writes `lineno: null`, which
 *   libdoc itself then cannot read back: `int(None)`). With -1 the spec converts: `libdoc Lib.json x.html`;
 * - an empty `initDoc` falls back to our own import text, and typedoc texts are ours (shorter, same meaning).
 */
export function buildLibdocSpec(library: DocumentedLibrary, options: LibdocSpecOptions = {}): LibdocSpec {
  const usages = new Map<string, TypeUsage>();
  const keywords: RawKeyword[] = [];
  const seen = new Map<string, string>();
  for (const definition of library.keywords) {
    const name = printableName(definition.name);
    const clash = seen.get(normalizedName(name));
    if (clash !== undefined) {
      throw new KeywordSpecError(definition.name, `its name shows in Robot like '${clash}' (Robot: "Keyword with same name defined multiple times.")`);
    }
    seen.set(normalizedName(name), definition.name);
    const builder = new SpecBuilder(name);
    keywords.push(buildKeyword(name, definition, builder));
    for (const [typeName, usage] of builder.usages()) {
      const merged = usages.get(typeName) ?? { doc: usage.doc, keywords: new Set<string>() };
      for (const keyword of usage.keywords) merged.keywords.add(keyword);
      usages.set(typeName, merged);
    }
  }
  keywords.sort((left, right) => byLowercaseName(left.spec, right.spec));

  const initBuilder = new SpecBuilder('__init__');
  const init = buildKeyword('__init__', { name: '__init__', parameters: REMOTE_INIT_PARAMETERS, doc: library.initDoc || FALLBACK_INIT_DOC, tags: [] }, initBuilder);

  const typedocs: LibdocTypeDoc[] = [...usages.values()]
    .map((usage) => ({
      type: 'Standard' as const,
      name: usage.doc.name,
      doc: robotDocToHtml(usage.doc.doc),
      usages: [...usage.keywords].sort((left, right) => compareCodePoints(left.toLowerCase(), right.toLowerCase())),
      accepts: usage.doc.accepts,
    }))
    .sort(byLowercaseName);

  const intro = expandTableOfContents(library.intro || `Documentation for library \`\`${library.name}\`\`.`, {
    importing: true,
    keywords: keywords.length > 0,
  });
  const targets = linkTargets(intro, typedocs, keywords);
  for (const keyword of [init, ...keywords]) keyword.spec.doc = robotDocToHtml(keyword.rawDoc, targets);

  return {
    specversion: 3,
    name: library.name,
    doc: robotDocToHtml(intro, targets, { intro: true }),
    version: library.version,
    generated: generationTime(options.generated ?? new Date()),
    type: 'LIBRARY',
    scope: 'SUITE',
    docFormat: 'HTML',
    source: null,
    lineno: -1,
    tags: normalizeTags(keywords.flatMap((keyword) => keyword.spec.tags)),
    inits: [init.spec],
    keywords: keywords.map((keyword) => keyword.spec),
    typedocs,
  };
}

/** Libdoc's link targets, later entries winning: fixed sections, type docs, intro headings, keywords. */
function linkTargets(intro: string, typedocs: LibdocTypeDoc[], keywords: RawKeyword[]): LinkTargets {
  const entries: Array<[string, string]> = [
    ['introduction', 'Introduction'],
    ['library introduction', 'Introduction'],
    ['importing', 'Importing'],
    ['library importing', 'Importing'],
    ['keywords', 'Keywords'],
    ...typedocs.map((typedoc): [string, string] => [typedoc.name, `type-${typedoc.name}`]),
    ...introHeadings(intro).map((heading): [string, string] => [heading, heading]),
    ...keywords.map((keyword): [string, string] => [keyword.spec.name, keyword.spec.name]),
  ];
  return buildLinkTargets(entries);
}
