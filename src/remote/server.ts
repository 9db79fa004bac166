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
import { DEFAULT_MAX_NESTING, decodeMethodCall, type MethodCall } from './codec';
import { createDocsHandler } from './docs/endpoint';
import { ProtocolFault, ServerConfigurationError, XmlRpcDecodeError } from './errors';
import { createRequestListener, type CallResponse, type IncomingCall } from './http';
import type { RemoteLibrary } from './library';
import { CallLogger } from './logger';
import { KeywordCalls, type CallLogEntry } from './server-calls';
import { ServerLifecycle } from './server-lifecycle';
import { SessionLease } from './server-lease';
import { createServerLog, logLine } from './server-log';
import { sessionPath, SessionRegistry } from './sessions';
import { compileLibrary, type CompiledLibrary } from './spec';

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
  /**
   * A session holding an instance that receives no call for this long is ended as its ending keyword would
   * end it, with a warning in the server log (`server-lease.ts`). Default one hour; 0 = never.
   */
  sessionLeaseMs?: number;
  /** HTTP Basic credentials every request must carry. */
  credentials?: Credentials;
  /** The server log; default: winston to stderr at `info`. */
  log?: winston.Logger;
  /** Serve the keyword documentation page at `GET /` and the libdoc spec at `GET /spec.json`. Default true. */
  docs?: boolean;
  /** The HTTP Basic realm a 401 names. Default `Robot Framework remote server`. */
  authRealm?: string;
  /** How the caller's users do what a refusal asks, in their words (the CLI names its options). */
  hints?: ServerHints;
}

export interface ServerHints {
  /** How to give credentials. Default `Pass credentials`. */
  credentials?: string;
  /** How to pick another port. Default `pick another port`. */
  port?: string;
  /** Why stopping is refused. Default `allowStop is false`. */
  stopRefused?: string;
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
  sessionLeaseMs: 3_600_000,
  authRealm: 'Robot Framework remote server',
  hints: { credentials: 'Pass credentials', port: 'pick another port', stopRefused: 'allowStop is false' },
};

type ResolvedOptions = Required<Omit<RemoteServerOptions, 'credentials' | 'log' | 'hints'>> & {
  credentials?: Credentials;
  hints: Required<ServerHints>;
};

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** `host:port` as the started/stopped lines print it (IPv6 in brackets). */
function formatAddress(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

class RemoteServerImpl<I> implements RemoteServer {
  host: string;
  port = 0;
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private readonly compiled: CompiledLibrary<I>;
  private readonly info: InformationApi<I>;
  private readonly registry: SessionRegistry<I>;
  private readonly lifecycle: ServerLifecycle;
  private readonly calls: KeywordCalls<I>;
  private readonly lease: SessionLease<I>;
  private readonly http: Server;

  constructor(
    library: RemoteLibrary<I>,
    private readonly options: ResolvedOptions,
    private readonly log: winston.Logger,
  ) {
    this.host = options.host;
    this.compiled = compileLibrary(library);
    this.info = new InformationApi(this.compiled);
    const ending = library.keywords.filter((keyword) => keyword.instance === 'ends');
    this.registry = new SessionRegistry<I>(options.maxSessions, ending.map((keyword) => this.printable(keyword.name)));
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.lifecycle = new ServerLifecycle(log);
    this.lease = new SessionLease(options.sessionLeaseMs, this.registry, library, log);
    this.calls = new KeywordCalls({
      compiled: this.compiled,
      registry: this.registry,
      lifecycle: this.lifecycle,
      log,
      address: () => this.address,
      allowStop: options.allowStop,
      stopRefusedReason: options.hints.stopRefused,
      logCall: (call, entry, level) => this.logCall(call, entry, level),
      stop: () => void this.stop(),
    });
    this.http = createServer(
      createRequestListener({
        maxBodyBytes: options.maxBodyBytes,
        realm: options.authRealm,
        handle: (call: IncomingCall) => this.handle(call),
        onRejected: (reason, details) => this.log.warn('rejected request', { reason, ...details }),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        // GET / (keyword docs page with the live sessions) and GET /spec.json (libdoc spec).
        ...(options.docs ? { serveDocs: createDocsHandler(library, { sessions: () => this.sessionStatus() }) } : {}),
      }),
    );
    // Robot opens one connection per call; keep slow or stalled clients from holding sockets for long.
    this.http.headersTimeout = 30_000;
    this.http.requestTimeout = 120_000;
  }

  get address(): string {
    return formatAddress(this.host, this.port);
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
            ? ` The port is in use (pabot's PabotLib also defaults to 8270): ${this.options.hints.port}, or 0 for a free one.`
            : '';
        reject(new ServerConfigurationError(`Cannot listen on ${formatAddress(this.host, this.options.port)}: ${error.message}.${hint}`));
      };
      this.http.once('error', onError);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', onError);
        this.port = (this.http.address() as AddressInfo).port;
        this.http.on('error', (error) => this.log.error('HTTP server error', { error: error.message }));
        this.lease.start();
        this.log.info('serving', {
          library: this.compiled.library.name,
          version: this.compiled.library.version,
          url: this.url,
          keywords: this.compiled.keywords.size,
          auth: this.options.credentials ? 'basic' : 'none',
          sessionLeaseSeconds: this.options.sessionLeaseMs / 1000,
        });
        resolve();
      });
    });
  }

  stop(options: { gracePeriodMs?: number } = {}): Promise<void> {
    const reason = new Error(`Remote server at ${this.address} is stopping`);
    // A second request with no grace (a second Ctrl-C) cuts running keywords now.
    return this.lifecycle.stop(reason, () => this.shutdown(options.gracePeriodMs ?? this.options.gracePeriodMs), {
      cutNow: options.gracePeriodMs === 0,
    });
  }

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
      if (method === 'run_keyword') return await this.calls.runKeyword(call, parsed.params, started);
      if (method === 'stop_remote_server') return this.calls.stop(call, started, false);
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

  private logCall(call: IncomingCall, entry: CallLogEntry, level: 'info' | 'warn' = 'info'): void {
    logLine(this.log, level, 'call', {
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
    this.log.info('stopping', { running: this.lifecycle.runningCalls, sessions: this.registry.size, gracePeriodMs });
    this.lease.stop();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    await this.lifecycle.graceOver(gracePeriodMs);
    this.lifecycle.cut();
    await this.disposeAll(gracePeriodMs);
    const closedInTime = await Promise.race([closed.then(() => true), delay(1000).then(() => false)]);
    if (!closedInTime) this.http.closeAllConnections();
    await closed;
    this.lifecycle.finish();
    this.log.info('stopped', { url: this.url });
    this.resolveStopped();
  }

  private async disposeAll(gracePeriodMs: number): Promise<void> {
    const instances = this.registry.takeInstances();
    await Promise.all(
      instances.map(async ({ session, instance }) => {
        const logger = new CallLogger();
        const disposal = Promise.resolve()
          .then(() => this.compiled.library.disposeInstance(instance, logger, session))
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
      `Refusing to listen on ${host} without credentials: anyone who reaches it could run keywords. ` +
        `${options.hints?.credentials ?? DEFAULTS.hints.credentials}, or bind to 127.0.0.1.`,
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
  const sessionLeaseMs = options.sessionLeaseMs ?? DEFAULTS.sessionLeaseMs;
  if (!Number.isFinite(sessionLeaseMs) || sessionLeaseMs < 0) {
    throw new ServerConfigurationError(`Invalid session lease ${sessionLeaseMs} ms: use 0 (never) or more.`);
  }
  const resolved = {
    host,
    sessionLeaseMs,
    port,
    allowStop: options.allowStop ?? isLoopbackHost(host),
    maxSessions,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    maxNesting: options.maxNesting ?? DEFAULT_MAX_NESTING,
    gracePeriodMs: options.gracePeriodMs ?? DEFAULTS.gracePeriodMs,
    docs: options.docs ?? true,
    authRealm: options.authRealm ?? DEFAULTS.authRealm,
    hints: { ...DEFAULTS.hints, ...options.hints },
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const server = new RemoteServerImpl(library, resolved, options.log ?? createServerLog());
  await server.listen();
  return server;
}
