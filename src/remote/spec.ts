/**
 * Checks a library's keyword definitions once at start-up and publishes them the way Robot's dynamic API
 * reads them: argument specs (`arg`, `arg=default`, `[arg, typedDefault]`, `/`, `*varargs`, `*`, named-only,
 * `**kwargs`), a name -> type-string struct with an optional `return`, tags and docs.
 */
import type { WireValue } from './codec';
import { LibraryDefinitionError, TypeSyntaxError } from './errors';
import type { DefaultValue, KeywordDefinition, ParameterDefinition, ParameterKind, RemoteLibrary } from './library';
import { normalizedName, printableName } from './robot/names';
import { parseType, type RobotType } from './robot/types';

export const STOP_KEYWORD = 'stop_remote_server';
export const STOP_KEYWORD_DOC =
  'Stop the remote server unless stopping is disabled.\n\nReturn ``True/False`` depending was server stopped or not.';

export interface CompiledParameter {
  definition: ParameterDefinition;
  kind: ParameterKind;
  type?: RobotType;
}

export interface CompiledKeyword<I> {
  definition: KeywordDefinition<I>;
  /** As Robot shows it: `open_session` -> `Open Session`. */
  printableName: string;
  parameters: CompiledParameter[];
  published: { args: WireValue[]; types: { [name: string]: string }; tags: string[]; doc: string };
}

export interface CompiledLibrary<I> {
  library: RemoteLibrary<I>;
  keywords: Map<string, CompiledKeyword<I>>;
  /** Everything `get_library_information` returns, built once. */
  information: { [name: string]: WireValue };
}

const KIND_ORDER: Record<ParameterKind, number> = {
  'positional-only': 0,
  'positional-or-named': 1,
  'var-positional': 2,
  'named-only': 3,
  'var-named': 4,
};

function publishDefault(name: string, value: DefaultValue): WireValue {
  if (typeof value === 'string') return `${name}=${value}`;
  if (value === null) return `${name}=None`;
  return [name, value]; // a typed default drives Robot's own conversion
}

function publishArgs(parameters: CompiledParameter[]): WireValue[] {
  const spec: WireValue[] = [];
  const hasVarPositional = parameters.some((parameter) => parameter.kind === 'var-positional');
  let slashDone = false;
  let starDone = hasVarPositional;
  for (const { definition, kind } of parameters) {
    if (kind !== 'positional-only' && !slashDone) {
      if (parameters.some((parameter) => parameter.kind === 'positional-only')) spec.push('/');
      slashDone = true;
    }
    if (kind === 'var-positional') spec.push(`*${definition.name}`);
    else if (kind === 'var-named') spec.push(`**${definition.name}`);
    else {
      if (kind === 'named-only' && !starDone) {
        spec.push('*');
        starDone = true;
      }
      spec.push(definition.default === undefined ? definition.name : publishDefault(definition.name, definition.default));
    }
  }
  if (!slashDone && parameters.length > 0) spec.push('/');
  return spec;
}

function checkParameters<I>(keyword: KeywordDefinition<I>, problems: string[]): CompiledParameter[] {
  const where = `keyword '${keyword.name}'`;
  const compiled: CompiledParameter[] = [];
  const seen = new Set<string>();
  let lastOrder = -1;
  let positionalDefaultSeen = false;
  for (const definition of keyword.parameters) {
    const kind = definition.kind ?? 'positional-or-named';
    const name = definition.name;
    if (!/^[^\s=*/][^=]*$/.test(name) || name === 'return' || name === '__proto__') {
      problems.push(`${where}: invalid parameter name '${name}'`);
    }
    if (seen.has(name)) problems.push(`${where}: parameter '${name}' is declared twice`);
    seen.add(name);
    const order = KIND_ORDER[kind];
    if (order === undefined) {
      problems.push(`${where}: parameter '${name}' has unknown kind '${String(kind)}'`);
      continue;
    }
    if (order < lastOrder || ((kind === 'var-positional' || kind === 'var-named') && order === lastOrder)) {
      problems.push(`${where}: parameter '${name}' (${kind}) is out of order`);
    }
    lastOrder = order;
    if ((kind === 'var-positional' || kind === 'var-named') && definition.default !== undefined) {
      problems.push(`${where}: ${kind} parameter '${name}' cannot have a default`);
    }
    if (kind === 'positional-only' || kind === 'positional-or-named') {
      if (definition.default !== undefined) positionalDefaultSeen = true;
      else if (positionalDefaultSeen) {
        problems.push(`${where}: non-default argument '${name}' follows default arguments`);
      }
    }
    const parameter: CompiledParameter = { definition, kind };
    if (definition.type !== undefined) {
      try {
        parameter.type = parseType(definition.type);
      } catch (error) {
        if (!(error instanceof TypeSyntaxError)) throw error;
        problems.push(`${where}, parameter '${name}': ${error.message}`);
      }
    }
    compiled.push(parameter);
  }
  return compiled;
}

function compileKeyword<I>(keyword: KeywordDefinition<I>, problems: string[]): CompiledKeyword<I> {
  const parameters = checkParameters(keyword, problems);
  const types: { [name: string]: string } = {};
  for (const parameter of keyword.parameters) if (parameter.type) types[parameter.name] = parameter.type;
  if (keyword.returnType) types.return = keyword.returnType;
  return {
    definition: keyword,
    printableName: printableName(keyword.name),
    parameters,
    published: { args: publishArgs(parameters), types, tags: [...(keyword.tags ?? [])], doc: keyword.doc ?? '' },
  };
}

/** Checks every definition and builds what the remote API publishes. Throws `LibraryDefinitionError`. */
export function compileLibrary<I>(library: RemoteLibrary<I>): CompiledLibrary<I> {
  const problems: string[] = [];
  const keywords = new Map<string, CompiledKeyword<I>>();
  const normalized = new Map<string, string>();
  for (const keyword of library.keywords) {
    if (typeof keyword.name !== 'string' || !keyword.name.trim()) {
      problems.push('a keyword has an empty name');
      continue;
    }
    if (keyword.name === STOP_KEYWORD || /^__.*__$/.test(keyword.name)) {
      problems.push(`keyword name '${keyword.name}' is reserved by the remote protocol`);
      continue;
    }
    const key = normalizedName(keyword.name);
    const clash = normalized.get(key);
    if (clash !== undefined) {
      problems.push(`keywords '${clash}' and '${keyword.name}' have the same name for Robot`);
      continue;
    }
    normalized.set(key, keyword.name);
    if (!['creates', 'ends', 'uses', 'none'].includes(keyword.instance)) {
      problems.push(`keyword '${keyword.name}': unknown instance use '${String(keyword.instance)}'`);
    }
    keywords.set(keyword.name, compileKeyword(keyword, problems));
  }
  if (problems.length > 0) throw new LibraryDefinitionError(library.name, problems);

  const information: { [name: string]: WireValue } = {
    __intro__: { doc: library.intro ?? '' },
    __init__: { doc: library.initDoc ?? '' },
  };
  for (const [name, keyword] of keywords) information[name] = { ...keyword.published };
  information[STOP_KEYWORD] = { args: [], types: {}, tags: [], doc: STOP_KEYWORD_DOC };
  return { library, keywords, information };
}
