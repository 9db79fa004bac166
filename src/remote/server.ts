/**
 * The remote-library server: serves one `RemoteLibrary` over Robot Framework's XML-RPC remote protocol, one
 * session per URL path. Importable, so tests and tools can run it in-process:
 *
 *   const server = await startRemoteServer(library, { port: 0 });
 *   // Library    Remote    ${server.url}/DUT1    AS    DUT1
 *   await server.stop();
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type winston from 'winston';
import { ALL_METHODS, FaultCode, faultXml, InformationApi } from './api';
import { isLoopbackHost, type Credentials } from './auth';
import { bindArguments } from './binding';
import { DEFAULT_MAX_NESTING, decodeMethodCall, encodeResponse, type MethodCall } from './codec';
import { createDocsHandler } from './docs/endpoint'; // docs endpoint
import { createRequestListener, type CallResponse, type IncomingCall } from './http';
import { KeywordError, ProtocolFault, ServerConfigurationError, withoutTraceback, XmlRpcDecodeError, XmlRpcEncodeError } from './errors';
import type { RemoteLibrary } from './library';
import { CallLogger } from './logger';
import { failResult, passResult, type ResultStruct } from './results';
import { createServerLog, redact } from './server-log';
import { runWithInstance, sessionPath, SessionRegistry } from './sessions';
import { compileLibrary, STOP_KEYWORD, type CompiledKeyword, type CompiledLibrary } from './spec';

export interface RemoteServerOptions {
  /** Default `127.0.0.1`. Anything but loopback requires `credentials`. */
  host?: string;
  /** Default 8270; 0 picks a free port (read it back from `port`). */
  port?: number;
  /** Whether `stop_remote_server` (method and keyword) may stop the server. Default: true on a loopback
   * `host`, false on any other (whoever reaches a network-facing server could end every suite's run). */
  allowStop?: boolean;
  /** Live sessions allowed at once. Default 64. */
  maxSessions?: number;
  /** Request body limit in bytes (413 beyond). Default 128 MiB. */
  maxBodyBytes?: number;
  /** Deepest nesting of arrays/structs accepted in a call. Default 64. */
  maxNesting?: number;
  /** How long stopping waits for running keywords before cutting them. Default 10 000 ms. */
  gracePeriodMs?: number;
  /** HTTP Basic credentials every request must carry. */
  credentials?: Credentials;
  /** The server log; default: winston to stderr at `info`. */
  log?: winston.Logger;
  /** Serve the keyword documentation page at `GET /` and the libdoc spec at `GET /spec.json`. Default true. */
  docs?: boolean;
}

/** A live session as status pages show it. */
export interface SessionStatus {
  /** URL path without `/`; `''` is the default session. */
  name: string;
  hasInstance: boolean;
  runningKeyword?: string;
  pendingCalls: number;
  calls: number;
  lastUsed?: Date;
}

export interface RemoteServer {
  readonly host: string;
  readonly port: number;
  /** `host:port` as printed in the started/stopped lines (IPv6 in brackets). */
  readonly address: string;
  /** `http://host:port`; append `/NAME` for a named session. */
  readonly url: string;
  /** Resolves once the server has fully stopped, whoever stopped it (`stop()`, `stop_remote_server`). */
  readonly stopped: Promise<void>;
  /** Stops accepting calls, lets running keywords finish (or cuts them after the grace period), disposes
   * every session's instance and closes. Idempotent. */
  stop(options?: { gracePeriodMs?: number }): Promise<void>;
  /** Names of the live sessions (`''` = default). */
  sessions(): string[];
  /** The live sessions with what they hold and run. */
  sessionStatus(): SessionStatus[];
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8270,
  maxSessions: 64,
  maxBodyBytes: 128 * 1024 * 1024,
  gracePeriodMs: 10_000,
};

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function isStruct(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date);
}

class RemoteServerImpl<I> implements RemoteServer {
  host: string;
  port = 0;
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private readonly compiled: CompiledLibrary<I>;
  private readonly info: InformationApi<I>;
  private readonly registry: SessionRegistry<I>;
  private readonly log: winston.Logger;
  private readonly http: Server;
  /** One per running call, so listeners a keyword leaves on its signal die with the call. */
  private readonly callAborts = new Set<AbortController>();
  private stopReason: Error | undefined;
  private readonly active = new Set<Promise<unknown>>();
  private stopping: Promise<void> | undefined;
  private resolveCut!: () => void;
  private readonly cut: Promise<void>;
  private isCut = false;
  /** Resolves each waiting call's answer with a "cut" failure; per call, so finished calls leave nothing behind. */
  private readonly cutters = new Set<() => void>();
  private closed: Promise<void> | undefined;

  constructor(
    library: RemoteLibrary<I>,
    private readonly options: Required<Omit<RemoteServerOptions, 'credentials' | 'log'>> & { credentials?: Credentials },
    log: winston.Logger,
  ) {
    this.host = options.host;
    this.log = log;
    this.compiled = compileLibrary(library);
    this.info = new InformationApi(this.compiled);
    const ending = library.keywords.filter((keyword) => keyword.instance === 'ends');
    this.registry = new SessionRegistry<I>(options.maxSessions, ending.map((keyword) => this.printable(keyword.name)));
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.cut = new Promise((resolve) => (this.resolveCut = resolve));
    const listenerOptions = {
      maxBodyBytes: options.maxBodyBytes,
      handle: (call: IncomingCall) => this.handle(call),
      onRejected: (reason: string, details: { client: string; status: number }) =>
        this.log.warn('rejected request', { reason, ...details }),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // >>> docs endpoint: GET / (keyword docs page with the live sessions) and GET /spec.json (libdoc spec)
      ...(options.docs ? { serveDocs: createDocsHandler(library, { sessions: () => this.sessionStatus() }) } : {}),
      // <<< docs endpoint
    };
    this.http = createServer(createRequestListener(listenerOptions));
    // Robot opens one connection per call; keep slow or stalled clients from holding sockets for long.
    this.http.headersTimeout = 30_000;
    this.http.requestTimeout = 120_000;
  }

  get address(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  get url(): string {
    return `http://${this.address}`;
  }

  sessions(): string[] {
    return this.registry.all().map((session) => session.name);
  }

  sessionStatus(): SessionStatus[] {
    return this.registry.all().map((session) => ({
      name: session.name,
      hasInstance: session.instance !== undefined,
      pendingCalls: session.pending,
      calls: session.calls,
      ...(session.runningKeyword !== undefined ? { runningKeyword: session.runningKeyword } : {}),
      ...(session.lastUsed !== undefined ? { lastUsed: session.lastUsed } : {}),
    }));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        const hint =
          error.code === 'EADDRINUSE'
            ? ' The port is in use (pabot\'s PabotLib also defaults to 8270): pick another with --port, or 0 for a free one.'
            : '';
        const wanted = `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.options.port}`;
        reject(new ServerConfigurationError(`Cannot listen on ${wanted}: ${error.message}.${hint}`));
      };
      this.http.once('error', onError);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', onError);
        this.port = (this.http.address() as AddressInfo).port;
        this.http.on('error', (error) => this.log.error('HTTP server error', { error: error.message }));
        this.log.info('serving', {
          library: this.compiled.library.name,
          version: this.compiled.library.version,
          url: this.url,
          keywords: this.compiled.keywords.size,
          auth: this.options.credentials ? 'basic' : 'none',
        });
        resolve();
      });
    });
  }

  stop(options: { gracePeriodMs?: number } = {}): Promise<void> {
    if (this.stopping) {
      // A second request with no grace (a second Ctrl-C) cuts running keywords now.
      if (options.gracePeriodMs === 0) this.cutRunning();
      return this.stopping;
    }
    this.stopping = this.shutdown(options.gracePeriodMs ?? this.options.gracePeriodMs);
    return this.stopping;
  }

  private cutRunning(): void {
    if (this.isCut) return;
    if (this.active.size > 0) this.log.warn('cutting keywords still running', { running: this.active.size });
    this.isCut = true;
    this.resolveCut();
    for (const cutCall of this.cutters) cutCall();
  }

  // -------------------------------------------------------------------------------------------------------

  private printable(name: string): string {
    return this.compiled.keywords.get(name)?.printableName ?? name;
  }

  private async handle(call: IncomingCall): Promise<CallResponse> {
    const started = performance.now();
    let method = '?';
    try {
      if (call.bodyProblem) throw new ProtocolFault(FaultCode.badRequest, call.bodyProblem);
      const parsed = this.decode(call.xml);
      method = parsed.method;
      if (call.sessionProblem) throw new ProtocolFault(FaultCode.badSession, call.sessionProblem);
      if (method === 'run_keyword') return await this.runKeyword(call, parsed.params, started);
      if (method === 'stop_remote_server') return this.stopMethod(call, started);
      if (this.info.handles(method)) {
        const xml = this.info.respond(method, parsed.params);
        this.logCall(call, { method, status: 'OK', started });
        return { xml };
      }
      throw new ProtocolFault(
        FaultCode.unknownMethod,
        `Unknown XML-RPC method '${method}'. This Robot Framework remote server (library ` +
          `'${this.compiled.library.name}' at ${this.url}${sessionPath(call.session)}) has: ${ALL_METHODS.join(', ')}.`,
      );
    } catch (error) {
      if (error instanceof ProtocolFault) {
        this.logCall(call, { method, status: 'FAULT', started, error: error.message }, 'warn');
        return { xml: faultXml(error) };
      }
      // A bug of this server: the client still gets an answer it can show, the log gets the stack.
      const message = error instanceof Error ? error.message : String(error);
      this.log.error('internal error', { session: sessionPath(call.session), method, stack: error instanceof Error ? error.stack : message });
      return { xml: faultXml(new ProtocolFault(FaultCode.internalError, `Internal error of the remote server: ${message} (details in its log).`)) };
    }
  }

  private decode(xml: string): MethodCall {
    try {
      return decodeMethodCall(xml, { maxNesting: this.options.maxNesting });
    } catch (error) {
      if (error instanceof XmlRpcDecodeError) {
        throw new ProtocolFault(FaultCode.malformedCall, `Malformed XML-RPC call: ${error.message}.`);
      }
      throw error;
    }
  }

  private parseRunKeyword(params: unknown[]): { name: string; args: unknown[]; kwargs: Record<string, unknown> } {
    const [name, args, kwargs] = params;
    if (params.length < 2 || params.length > 3 || typeof name !== 'string' || !Array.isArray(args) || (params.length === 3 && !isStruct(kwargs))) {
      throw new ProtocolFault(
        FaultCode.badParameters,
        'run_keyword takes (name: string, args: array) or (name: string, args: array, kwargs: struct).',
      );
    }
    return { name, args, kwargs: isStruct(kwargs) ? kwargs : {} };
  }

  private async runKeyword(call: IncomingCall, params: unknown[], started: number): Promise<CallResponse> {
    const { name, args, kwargs } = this.parseRunKeyword(params);
    if (name === STOP_KEYWORD) return this.stopKeyword(call, started);
    const keyword = this.compiled.keywords.get(name);
    if (!keyword) {
      throw new ProtocolFault(
        FaultCode.unknownKeyword,
        `No keyword with name '${name}' in remote library '${this.compiled.library.name}'.`,
      );
    }
    const logger = new CallLogger((level, message) =>
      this.log.debug('late keyword log', { session: sessionPath(call.session), keyword: name, level, message }),
    );
    const outcome = await this.execute(call, keyword, args, kwargs, logger);
    const output = logger.close();
    let result: ResultStruct;
    let xml: string;
    try {
      result = outcome.ok ? passResult(outcome.value, output) : failResult(outcome.error, output);
      xml = encodeResponse(result);
    } catch (error) {
      if (!(error instanceof XmlRpcEncodeError)) throw error;
      result = failResult(
        withoutTraceback(new KeywordError(`Keyword '${keyword.printableName}' returned a value Robot cannot receive: ${error.message}`)),
        output,
      );
      xml = encodeResponse(result);
    }
    const status = String(result.status);
    const errorText = outcome.ok ? undefined : String(result.error);
    this.logCall(call, { method: 'run_keyword', keyword: name, status, started, error: errorText });
    if (call.clientGone) this.log.warn('client left before the result was sent', { session: sessionPath(call.session), keyword: name });
    return { xml };
  }

  private async execute(
    call: IncomingCall,
    keyword: CompiledKeyword<I>,
    args: unknown[],
    kwargs: Record<string, unknown>,
    logger: CallLogger,
  ): Promise<Outcome> {
    if (this.stopping) {
      const error = new KeywordError(`Remote server at ${this.address} is stopping: keyword '${keyword.printableName}' was not run.`);
      return { ok: false, error: withoutTraceback(error) };
    }
    try {
      const bound = bindArguments(keyword, args, kwargs);
      if (this.log.isDebugEnabled()) {
        this.log.debug('arguments', { session: sessionPath(call.session), keyword: keyword.definition.name, arguments: redact(bound) });
      }
      const session = this.registry.open(call.session);
      const task = session.enqueue(() => {
        if (this.isCut) {
          throw withoutTraceback(new KeywordError(`Remote server at ${this.address} stopped before keyword '${keyword.printableName}' ran.`));
        }
        session.runningKeyword = keyword.definition.name;
        session.calls += 1;
        session.lastUsed = new Date();
        // Most keywords never look at their signal: make it only when asked for.
        let abort: AbortController | undefined;
        const signal = (): AbortSignal => {
          if (!abort) {
            abort = new AbortController();
            if (this.stopReason) abort.abort(this.stopReason);
            this.callAborts.add(abort);
          }
          return abort.signal;
        };
        return runWithInstance(this.compiled.library, session, keyword.definition, bound, { log: logger, signal }).finally(() => {
          session.runningKeyword = undefined;
          if (abort) this.callAborts.delete(abort);
        });
      });
      const settled: Promise<Outcome> = task.then(
        (value) => ({ ok: true, value }),
        (error: unknown) => ({ ok: false, error }),
      );
      void settled.then(() => this.registry.release(session));
      let cutCall: () => void = () => undefined;
      const cut = new Promise<Outcome>((resolve) => {
        cutCall = () =>
          resolve({
            ok: false,
            error: withoutTraceback(
              new KeywordError(
                `Keyword '${keyword.printableName}' was cut: the remote server at ${this.address} stopped before ` +
                  'the keyword finished (it ignored the stop and outlasted the grace period).',
              ),
            ),
          });
      });
      this.cutters.add(cutCall);
      const raced = Promise.race([settled, cut]);
      this.active.add(raced);
      try {
        return await raced;
      } finally {
        this.active.delete(raced);
        this.cutters.delete(cutCall);
      }
    } catch (error) {
      return { ok: false, error };
    }
  }

  private stopResponse(call: IncomingCall, started: number, asKeyword: boolean): CallResponse {
    const method = asKeyword ? 'run_keyword' : 'stop_remote_server';
    const keyword = asKeyword ? STOP_KEYWORD : undefined;
    if (!this.options.allowStop) {
      const message = `Robot Framework remote server at ${this.address} does not allow stopping.`;
      this.log.warn('stop refused', { session: sessionPath(call.session), reason: 'stopping is disabled (--no-allow-stop)' });
      this.logCall(call, { method, keyword, status: asKeyword ? 'PASS' : 'OK', started });
      const xml = asKeyword
        ? encodeResponse({ status: 'PASS', return: false, output: `*WARN:${Date.now()}* ${message}` })
        : encodeResponse(false);
      return { xml };
    }
    this.log.info('stop requested', { session: sessionPath(call.session), client: call.client });
    this.logCall(call, { method, keyword, status: asKeyword ? 'PASS' : 'OK', started });
    const xml = asKeyword ? encodeResponse({ status: 'PASS', return: true }) : encodeResponse(true);
    return { xml, after: () => void this.stop() };
  }

  private stopKeyword(call: IncomingCall, started: number): CallResponse {
    return this.stopResponse(call, started, true);
  }

  private stopMethod(call: IncomingCall, started: number): CallResponse {
    return this.stopResponse(call, started, false);
  }

  private logCall(
    call: IncomingCall,
    entry: { method: string; keyword?: string | undefined; status: string; started: number; error?: string | undefined },
    level: 'info' | 'warn' = 'info',
  ): void {
    this.log.log(level, 'call', {
      session: sessionPath(call.session),
      method: entry.method,
      keyword: entry.keyword,
      status: entry.status,
      durationMs: Math.round((performance.now() - entry.started) * 10) / 10,
      error: entry.error && entry.error.length > 500 ? `${entry.error.slice(0, 500)}...` : entry.error,
      client: call.client,
    });
  }

  private async shutdown(gracePeriodMs: number): Promise<void> {
    this.log.info('stopping', { running: this.active.size, sessions: this.registry.size, gracePeriodMs });
    this.closed = new Promise((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    this.stopReason = new Error(`Remote server at ${this.address} is stopping`);
    for (const abort of this.callAborts) abort.abort(this.stopReason);
    await Promise.race([Promise.allSettled([...this.active]), delay(gracePeriodMs), this.cut]);
    this.cutRunning();
    await this.disposeAll(gracePeriodMs);
    const closedInTime = await Promise.race([this.closed.then(() => true), delay(1000).then(() => false)]);
    if (!closedInTime) this.http.closeAllConnections();
    await this.closed;
    this.log.info('stopped', { url: this.url });
    this.resolveStopped();
  }

  private async disposeAll(gracePeriodMs: number): Promise<void> {
    const instances = this.registry.takeInstances();
    await Promise.all(
      instances.map(async ({ session, instance }) => {
        const logger = new CallLogger();
        const disposal = Promise.resolve()
          .then(() => this.compiled.library.disposeInstance(instance, logger))
          .then(
            () => undefined,
            (error: unknown) => this.log.error('disposing an instance failed', { session: sessionPath(session), error: String(error) }),
          );
        const inTime = await Promise.race([disposal.then(() => true), delay(Math.max(gracePeriodMs, 1000)).then(() => false)]);
        const lines = logger.close();
        if (lines) this.log.info('disposed instance', { session: sessionPath(session), output: lines });
        if (!inTime) this.log.error('disposing an instance did not finish in time', { session: sessionPath(session) });
      }),
    );
  }
}

/**
 * Starts serving `library`. Resolves once listening. Throws `LibraryDefinitionError` for invalid keyword
 * definitions and `ServerConfigurationError` for unsafe or unusable options.
 */
export async function startRemoteServer<I>(library: RemoteLibrary<I>, options: RemoteServerOptions = {}): Promise<RemoteServer> {
  const host = options.host ?? DEFAULTS.host;
  if (!isLoopbackHost(host) && !options.credentials) {
    throw new ServerConfigurationError(
      `Refusing to listen on ${host} without credentials: anyone who reaches it could run keywords. Set ` +
        'QEMU_UTILS_REMOTE_CREDENTIALS=user:password or --credentials-file FILE, or bind to 127.0.0.1.',
    );
  }
  const port = options.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ServerConfigurationError(`Invalid port ${port}: use 0-65535 (0 picks a free port).`);
  }
  const maxSessions = options.maxSessions ?? DEFAULTS.maxSessions;
  if (!Number.isInteger(maxSessions) || maxSessions < 1) {
    throw new ServerConfigurationError(`Invalid session limit ${maxSessions}: use a whole number of at least 1.`);
  }
  const resolved = {
    host,
    port,
    allowStop: options.allowStop ?? isLoopbackHost(host),
    maxSessions,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    maxNesting: options.maxNesting ?? DEFAULT_MAX_NESTING,
    gracePeriodMs: options.gracePeriodMs ?? DEFAULTS.gracePeriodMs,
    docs: options.docs ?? true,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const server = new RemoteServerImpl(library, resolved, options.log ?? createServerLog());
  await server.listen();
  return server;
}
