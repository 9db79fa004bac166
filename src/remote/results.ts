/**
 * The `run_keyword` result struct: `status` PASS/FAIL, `output` (the call's log), `return`, `error`,
 * `traceback`, and `continuable`/`fatal` (XML-RPC booleans, present only when true).
 *
 * `error` follows the remote protocol's naming rule: generic errors (`Error`, `KeywordError`,
 * `AssertionError`) give the bare message, others `Name: message`, an empty message gives the name, and an
 * error with a truthy `ROBOT_SUPPRESS_NAME` property, or a message starting with `*HTML*`, is left bare.
 */
import { sep } from 'node:path';
import { diagnosticText, type WireValue } from './codec';
import { isWithoutTraceback } from './errors';
import { toWireValue } from './values';

// Frames of this server and of Node internals tell a Robot user nothing about their keyword.
const SERVER_DIRECTORY = `${__dirname}${sep}`;
function keywordFrames(stack: string): string {
  return stack
    .split('\n')
    .filter((line) => !(/^\s+at /.test(line) && (line.includes(SERVER_DIRECTORY) || line.includes('node:internal'))))
    .join('\n');
}

export type ResultStruct = { [key: string]: WireValue };

const GENERIC_ERROR_NAMES = new Set(['Error', 'KeywordError', 'AssertionError']);

interface RobotErrorFlags {
  continuable?: unknown;
  fatal?: unknown;
  ROBOT_CONTINUE_ON_FAILURE?: unknown;
  ROBOT_EXIT_ON_FAILURE?: unknown;
  ROBOT_SUPPRESS_NAME?: unknown;
}

function errorName(error: Error): string {
  // A subclass that did not set `name` still reports itself by class, as Python exceptions do.
  if (error.name && error.name !== 'Error') return error.name;
  const constructorName = (error.constructor as { name?: unknown } | undefined)?.name;
  return typeof constructorName === 'string' && constructorName ? constructorName : 'Error';
}

/** The failure message Robot shows for a thrown value. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) {
    if (typeof error === 'string') return error;
    const message = (error as { message?: unknown } | null)?.message;
    if (typeof message === 'string') return message;
    return String(error);
  }
  const name = errorName(error);
  const message = error.message;
  if (!message) return name;
  const flags = error as RobotErrorFlags;
  if (flags.ROBOT_SUPPRESS_NAME || GENERIC_ERROR_NAMES.has(name) || message.startsWith('*HTML*')) return message;
  return `${name}: ${message}`;
}

/** The stack of the error and of its causes, for Robot's DEBUG-level traceback. */
export function errorTraceback(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (isWithoutTraceback(current)) break;
    parts.push(keywordFrames(current.stack ?? `${errorName(current)}: ${current.message}`));
    current = current.cause;
  }
  return parts.join('\nCaused by: ');
}

function flag(error: unknown, own: 'continuable' | 'fatal', robot: keyof RobotErrorFlags): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const flags = error as RobotErrorFlags;
  return flags[own] === true || Boolean(flags[robot]);
}

function withOutput(result: ResultStruct, output: string): ResultStruct {
  if (output) result.output = diagnosticText(output);
  return result;
}

/** A passing result. Throws `XmlRpcEncodeError` when the value cannot be represented for Robot. */
export function passResult(returned: unknown, output: string): ResultStruct {
  const result: ResultStruct = { status: 'PASS' };
  if (returned !== undefined && returned !== null) result.return = toWireValue(returned);
  return withOutput(result, output);
}

/** A failing result for a thrown value. */
export function failResult(error: unknown, output: string): ResultStruct {
  const result: ResultStruct = { status: 'FAIL', error: diagnosticText(errorMessage(error)) };
  const traceback = errorTraceback(error);
  if (traceback) result.traceback = diagnosticText(traceback);
  if (flag(error, 'continuable', 'ROBOT_CONTINUE_ON_FAILURE')) result.continuable = true;
  if (flag(error, 'fatal', 'ROBOT_EXIT_ON_FAILURE')) result.fatal = true;
  return withOutput(result, output);
}
