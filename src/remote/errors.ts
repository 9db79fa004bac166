/**
 * Every error the remote-library server throws on purpose, in one place. Callers tell them apart by class;
 * their messages say what to change, because they end up in a Robot log or on a terminal.
 *
 *   RemoteError                   root: a failure this server reports, not a programming error
 *   ├─ ServerConfigurationError   unsafe or unusable server options, or a port that cannot be bound
 *   ├─ CredentialsError           HTTP Basic credentials that cannot be read or parsed
 *   ├─ LibraryDefinitionError     a library's keyword definitions break Robot's (or this server's) rules
 *   ├─ KeywordSpecError           documentation: a keyword Robot would reject
 *   ├─ TypeSyntaxError            a Robot type string that does not parse
 *   ├─ ConversionError            a received value that does not convert to its declared type
 *   ├─ ArgumentError              a call that does not fit the keyword's signature (Robot's FAIL message)
 *   ├─ SessionLimitError          more live sessions than allowed
 *   ├─ ClientGoneError            the reason a running keyword's signal aborts when its client disconnects
 *   ├─ LibraryContractError       a keyword broke its declared instance use
 *   ├─ XmlRpcDecodeError          a call that is not well-formed XML-RPC
 *   ├─ XmlRpcEncodeError          a value XML-RPC cannot carry to Robot
 *   ├─ ProtocolFault              a call answered with an XML-RPC Fault (`code` is the fault code)
 *   └─ KeywordError               thrown by keywords to steer how Robot reports the failure
 *
 * No string `code` beside the classes, as the other layers' errors have none: the class is the
 * machine-readable kind (and `ProtocolFault.code` already means the XML-RPC fault code on the wire).
 */

/** Base class, so callers can tell the server's reported failures from programming errors. */
export class RemoteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

const WITHOUT_TRACEBACK = Symbol('remote.withoutTraceback');

/** Marks an error raised by the server itself (argument binding, limits): its stack would only show ours. */
export function withoutTraceback<E extends Error>(error: E): E {
  Object.defineProperty(error, WITHOUT_TRACEBACK, { value: true });
  return error;
}

export function isWithoutTraceback(error: Error): boolean {
  return (error as { [WITHOUT_TRACEBACK]?: boolean })[WITHOUT_TRACEBACK] === true;
}

/** Robot shows the message alone, without `Name:` (the message already says what failed). */
function suppressName(error: Error): void {
  (error as { ROBOT_SUPPRESS_NAME?: boolean }).ROBOT_SUPPRESS_NAME = true;
}

export class ServerConfigurationError extends RemoteError {}

export class CredentialsError extends RemoteError {}

/** Lists every problem of the library at once. */
export class LibraryDefinitionError extends RemoteError {
  constructor(
    libraryName: string,
    readonly problems: string[],
  ) {
    super(`Library '${libraryName}' cannot be served:\n- ${problems.join('\n- ')}`);
  }
}

/** Names the keyword and parameter at fault. */
export class KeywordSpecError extends RemoteError {
  constructor(keyword: string, problem: string) {
    super(`Keyword '${keyword}': ${problem}`);
  }
}

/** Robot would drop the keyword with "Invalid argument specification". */
export class TypeSyntaxError extends RemoteError {
  constructor(typeString: string, reason: string) {
    super(`Invalid type '${typeString}': ${reason}. Use a Robot type such as 'int', 'int | None' or 'list[str]'.`);
  }
}

/** Why a value did not convert (may be empty); the binding adds the keyword and argument. */
export class ConversionError extends RemoteError {}

export class ArgumentError extends RemoteError {
  constructor(message: string) {
    super(message);
    suppressName(this);
    withoutTraceback(this);
  }
}

/** The message says which sessions exist and how to end one. */
export class SessionLimitError extends RemoteError {
  constructor(message: string) {
    super(message);
    suppressName(this);
    withoutTraceback(this);
  }
}

/** E.g. a keyword declared `creates` whose `run` did not return `{ instance }`. */
export class LibraryContractError extends RemoteError {}

export class XmlRpcDecodeError extends RemoteError {}

export class XmlRpcEncodeError extends RemoteError {}

export class ProtocolFault extends RemoteError {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An error a keyword throws to steer how Robot reports it. Any other Error is reported with the naming
 * rule of the remote protocol (generic errors bare, others `Name: message`).
 */
export class KeywordError extends RemoteError {
  /** Robot continues the test after this failure (`continuable`). */
  readonly continuable: boolean;
  /** Robot stops the whole run after this failure (`fatal`). */
  readonly fatal: boolean;
  constructor(message: string, options: { continuable?: boolean; fatal?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    // Fixed, not the class name: a library's subclass still reports bare, as KeywordError does.
    this.name = 'KeywordError';
    this.continuable = options.continuable ?? false;
    this.fatal = options.fatal ?? false;
  }
}

/** Why a keyword's abort signal fired: the HTTP client of its call disconnected (Robot's `[Timeout]`, a killed run). */
export class ClientGoneError extends RemoteError {}
