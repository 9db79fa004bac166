/**
 * The `get_library_information` struct a Robot remote server publishes for a `RemoteLibrary`
 * (remote-protocol.md §1.4, §2.3, §2.4). Test support only: lets a plain Python server stand in for ours.
 */
import type { DefaultValue, ParameterDefinition, RemoteLibrary } from '../../src/remote/library';

export type ArgumentSpecItem = string | [string, Exclude<DefaultValue, null>];

export interface KeywordInformation {
  args?: ArgumentSpecItem[];
  types?: Record<string, string>;
  tags?: string[];
  doc: string;
}

function specItem(parameter: ParameterDefinition): ArgumentSpecItem {
  if (parameter.default === undefined) return parameter.name;
  // XML-RPC has no None: Robot's own convention is the string 'None'.
  return [parameter.name, parameter.default === null ? 'None' : parameter.default];
}

export function argumentSpec(parameters: ParameterDefinition[]): ArgumentSpecItem[] {
  const kindOf = (parameter: ParameterDefinition): string => parameter.kind ?? 'positional-or-named';
  const of = (kind: string): ParameterDefinition[] => parameters.filter((parameter) => kindOf(parameter) === kind);
  const spec: ArgumentSpecItem[] = of('positional-only').map(specItem);
  if (spec.length > 0) spec.push('/');
  spec.push(...of('positional-or-named').map(specItem));
  const varPositional = of('var-positional');
  spec.push(...varPositional.map((parameter) => `*${parameter.name}`));
  const namedOnly = of('named-only');
  if (namedOnly.length > 0 && varPositional.length === 0) spec.push('*');
  spec.push(...namedOnly.map(specItem));
  spec.push(...of('var-named').map((parameter) => `**${parameter.name}`));
  return spec;
}

export function libraryInformation<I>(library: RemoteLibrary<I>): Record<string, KeywordInformation> {
  const info: Record<string, KeywordInformation> = {
    __intro__: { doc: library.intro },
    __init__: { doc: library.initDoc },
  };
  for (const keyword of library.keywords) {
    const types: Record<string, string> = {};
    for (const parameter of keyword.parameters) if (parameter.type) types[parameter.name] = parameter.type;
    if (keyword.returnType) types.return = keyword.returnType;
    info[keyword.name] = { args: argumentSpec(keyword.parameters), types, tags: keyword.tags ?? [], doc: keyword.doc };
  }
  return info;
}
