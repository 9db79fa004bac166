/**
 * Binds what `run_keyword` receives to a keyword's parameters, as Robot sends it: positional arguments in
 * order, every `name=value` it could match in the kwargs struct (bound by name, never reordered by Robot),
 * defaults applied here, extra positionals into `*varargs`, unknown names into `**kwargs`. Values are then
 * converted by declared type. Failures name the keyword and the argument.
 */
import { ArgumentError, ConversionError } from './errors';
import type { BoundArguments } from './library';
import { convertValue, describeValue } from './robot/conversion';
import type { CompiledKeyword, CompiledParameter } from './spec';

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function convertParameter(keywordName: string, parameter: CompiledParameter, label: string, value: unknown): unknown {
  if (!parameter.type) return value;
  try {
    return convertValue(value, parameter.type);
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    const reason = error.message ? `: ${error.message}` : '';
    throw new ArgumentError(
      `Keyword '${keywordName}' argument '${label}' got value ${describeValue(value)} that cannot be converted to ` +
        `${parameter.definition.type}${reason}.`,
    );
  }
}

/** A keyword's parameters by role, worked out once per keyword rather than on every call. */
interface ParameterRoles {
  positionalSlots: CompiledParameter[];
  varPositional: CompiledParameter | undefined;
  varNamed: CompiledParameter | undefined;
  /** Parameters that may be given by name (positional-or-named, named-only), first of a name first. */
  byName: Map<string, CompiledParameter>;
}

const ROLES = new WeakMap<CompiledKeyword<unknown>, ParameterRoles>();

function rolesOf<I>(keyword: CompiledKeyword<I>): ParameterRoles {
  let roles = ROLES.get(keyword as CompiledKeyword<unknown>);
  if (roles === undefined) {
    const byName = new Map<string, CompiledParameter>();
    for (const parameter of keyword.parameters) {
      const nameable = parameter.kind === 'positional-or-named' || parameter.kind === 'named-only';
      if (nameable && !byName.has(parameter.definition.name)) byName.set(parameter.definition.name, parameter);
    }
    roles = {
      positionalSlots: keyword.parameters.filter((parameter) => parameter.kind === 'positional-only' || parameter.kind === 'positional-or-named'),
      varPositional: keyword.parameters.find((parameter) => parameter.kind === 'var-positional'),
      varNamed: keyword.parameters.find((parameter) => parameter.kind === 'var-named'),
      byName,
    };
    ROLES.set(keyword as CompiledKeyword<unknown>, roles);
  }
  return roles;
}

/** Binds and converts; throws `ArgumentError` with a message for Robot. */
export function bindArguments<I>(
  keyword: CompiledKeyword<I>,
  positional: unknown[],
  named: Record<string, unknown>,
): BoundArguments {
  const name = keyword.printableName;
  // Assigned = an own property of `bound`: parameter names are the library's own, never `__proto__`.
  const bound: BoundArguments = {};
  const { positionalSlots, varPositional, varNamed, byName } = rolesOf(keyword);

  if (positional.length > positionalSlots.length && !varPositional) {
    const maximum = positionalSlots.length;
    throw new ArgumentError(
      `Keyword '${name}' expected at most ${plural(maximum, 'positional argument')}, got ${positional.length}.`,
    );
  }
  positional.forEach((value, index) => {
    const slot = positionalSlots[index];
    if (slot) {
      bound[slot.definition.name] = convertParameter(name, slot, slot.definition.name, value);
    }
  });
  if (varPositional) {
    const rest = positional.slice(positionalSlots.length);
    bound[varPositional.definition.name] = rest.map((value, index) =>
      convertParameter(name, varPositional, `${varPositional.definition.name}[${index}]`, value),
    );
  }

  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(named)) {
    const parameter = byName.get(key);
    if (parameter) {
      if (Object.hasOwn(bound, key)) throw new ArgumentError(`Keyword '${name}' got multiple values for argument '${key}'.`);
      bound[key] = convertParameter(name, parameter, key, value);
    } else if (varNamed) {
      Object.defineProperty(extra, key, {
        value: convertParameter(name, varNamed, key, value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else if (keyword.parameters.some((candidate) => candidate.definition.name === key)) {
      throw new ArgumentError(`Keyword '${name}' argument '${key}' is positional-only and cannot be given by name.`);
    } else {
      throw new ArgumentError(`Keyword '${name}' got unexpected named argument '${key}'.`);
    }
  }
  if (varNamed) bound[varNamed.definition.name] = extra;

  for (const parameter of keyword.parameters) {
    const parameterName = parameter.definition.name;
    if (Object.hasOwn(bound, parameterName) || parameter.kind === 'var-positional' || parameter.kind === 'var-named') continue;
    const fallback = parameter.definition.default;
    if (fallback !== undefined) {
      // Robot converts string defaults by the declared type too (`count: int = '1'` gives 1).
      bound[parameterName] =
        typeof fallback === 'string' ? convertParameter(name, parameter, parameterName, fallback) : fallback;
    } else if (parameter.kind === 'named-only') {
      throw new ArgumentError(`Keyword '${name}' missing named-only argument '${parameterName}'.`);
    } else {
      throw new ArgumentError(`Keyword '${name}' missing value for argument '${parameterName}'.`);
    }
  }
  return bound;
}
