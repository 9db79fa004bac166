/**
 * The contract between the generic remote-library server and any library it serves.
 *
 * The server knows nothing of what a library does: it publishes the keyword definitions below to Robot
 * Framework, binds the arguments Robot sends to the declared parameters, keeps one library instance per
 * session (URL path), and runs keywords one at a time per session.
 */

/** How a parameter may be passed, as in Python signatures and Robot's dynamic API argument specs. */
export type ParameterKind =
  | 'positional-or-named' // `name` / `name=default`
  | 'positional-only' // before `/`
  | 'var-positional' // `*name`
  | 'named-only' // after `*name` or `*`
  | 'var-named'; // `**name`

/** A value a parameter may default to. Typed defaults drive Robot's own conversion (`['count', 1]`). */
export type DefaultValue = string | number | boolean | null;

export interface ParameterDefinition {
  name: string;
  kind?: ParameterKind; // default 'positional-or-named'
  /** Present means optional. `null` is Python's None (published to Robot as the string `None`). */
  default?: DefaultValue;
  /**
   * Robot type string: `int`, `bool`, `float`, `str`, `int | None`, `list[str]`, `dict`, ... Published to
   * Robot so it converts before sending; the server also converts the values it receives (clients other
   * than Robot, or Robot without types) with the same rules and fails the call with a clear message when
   * a value does not convert.
   */
  type?: string;
}

/** Values a keyword receives after binding: parameter name -> value. Varargs are an array, kwargs a record. */
export type BoundArguments = Record<string, unknown>;

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'HTML' | 'WARN' | 'ERROR' | 'CONSOLE';

/** Lines logged here reach the Robot log of this one call, at their level, in order. */
export interface KeywordLogger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  html(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  console(message: string): void;
  log(level: LogLevel, message: string): void;
}

/** What a running keyword gets besides its arguments. */
export interface KeywordContext<I> {
  /** The session's instance; `undefined` until a keyword with `instance: 'creates'` has run. */
  readonly instance: I | undefined;
  /** The session name: `''` for the default session (`/`, `/RPC2`), else the URL path without `/`. */
  readonly session: string;
  readonly log: KeywordLogger;
  /**
   * Aborted when the server shuts down; long keywords should stop waiting and clean up. Made on first use
   * (a getter), so a copy of the context must name it (`{ ...context }` would drop it).
   */
  readonly signal: AbortSignal;
}

/**
 * How a keyword relates to the session's instance:
 * - `creates`: `run` returns `{ instance, result }`; a previous instance is disposed first;
 * - `ends`: the instance is disposed after `run` (even when `run` fails) and the session forgets it;
 * - `uses`: the call fails with the library's `instanceMissingMessage` when there is no instance;
 * - `none`: works with or without an instance.
 */
export type InstanceUse = 'creates' | 'ends' | 'uses' | 'none';

export interface CreatedInstance<I> {
  instance: I;
  result?: unknown;
}

export interface KeywordDefinition<I> {
  /** Published name, sent back verbatim by Robot (snake_case shows as Title Case in Robot). */
  name: string;
  parameters: ParameterDefinition[];
  /** Robot type of the return value (libdoc only), e.g. `dict`, `list[str]`, `bool | str`. */
  returnType?: string;
  doc: string;
  tags?: string[];
  instance: InstanceUse;
  run(context: KeywordContext<I>, args: BoundArguments): Promise<unknown>;
}

export interface RemoteLibrary<I> {
  name: string;
  version: string;
  /** Library documentation in Robot doc format (`__intro__`). */
  intro: string;
  /** Documentation of importing the library (`__init__`). */
  initDoc: string;
  keywords: KeywordDefinition<I>[];
  /** Failure message when a `uses` keyword runs before any `creates` keyword in the session. */
  instanceMissingMessage: string;
  /**
   * Releases an instance: on `ends` keywords, on re-creation, on session eviction (lease expiry) and server
   * shutdown. `session` is the session that held it (`''` = default).
   */
  disposeInstance(instance: I, log: KeywordLogger, session: string): Promise<void>;
  /** What an instance holds, in a few words, for the server log (`VM 1 on u@dut1:22`). */
  describeInstance?(instance: I): string;
  /**
   * Asked before a `creates` keyword disposes the session's instance: a message refuses the keyword and
   * keeps the instance (one URL imported twice under two aliases shares one session, and the second
   * alias's creation would silently end what the first still uses). `session` as in `disposeInstance`.
   */
  replaceRefusal?(previous: I, session: string, keyword: string): string | undefined;
}

// Part of the contract: keywords throw it to steer how Robot reports a failure.
export { KeywordError } from './errors';
