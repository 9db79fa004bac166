/**
 * The two calls that do something: `run_keyword` (bind, queue on the session, run, answer with the result
 * struct, or with a cut failure when the server stops first) and `stop_remote_server` (as method or keyword).
 */
import type winston from 'winston';
import { FaultCode } from './api';
import { bindArguments } from './binding';
import { encodeResponse, isStruct } from './codec';
import { ClientGoneError, KeywordError, ProtocolFault, withoutTraceback, XmlRpcEncodeError } from './errors';
import type { IncomingCall, CallResponse } from './http';
import { CallLogger } from './logger';
import { failResult, passResult, type ResultStruct } from './results';
import { isLogLevelEnabled, redact } from './server-log';
import type { ServerLifecycle } from './server-lifecycle';
import { runWithInstance, sessionPath, type SessionRegistry } from './sessions';
import { STOP_KEYWORD, type CompiledKeyword, type CompiledLibrary } from './spec';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface CallLogEntry {
  method: string;
  keyword?: string | undefined;
  status: string;
  started: number;
  error?: string | undefined;
}

/** What the calls need of the server. */
export interface CallHost<I> {
  readonly compiled: CompiledLibrary<I>;
  readonly registry: SessionRegistry<I>;
  readonly lifecycle: ServerLifecycle;
  readonly log: winston.Logger;
  /** `host:port`, for failure messages. */
  address(): string;
  readonly allowStop: boolean;
  /** Why stopping is refused, worded for the caller's users (the CLI names its option). */
  readonly stopRefusedReason: string;
  logCall(call: IncomingCall, entry: CallLogEntry, level?: 'info' | 'warn'): void;
  stop(): void;
}

function parseRunKeyword(params: unknown[]): { name: string; args: unknown[]; kwargs: Record<string, unknown> } {
  const [name, args, kwargs] = params;
  if (params.length < 2 || params.length > 3 || typeof name !== 'string' || !Array.isArray(args) || (params.length === 3 && !isStruct(kwargs))) {
    throw new ProtocolFault(FaultCode.badParameters, 'run_keyword takes (name: string, args: array) or (name: string, args: array, kwargs: struct).');
  }
  return { name, args, kwargs: isStruct(kwargs) ? kwargs : {} };
}

function failure(message: string): Outcome {
  return { ok: false, error: withoutTraceback(new KeywordError(message)) };
}

export class KeywordCalls<I> {
  constructor(private readonly host: CallHost<I>) {}

  async runKeyword(call: IncomingCall, params: unknown[], started: number): Promise<CallResponse> {
    const { name, args, kwargs } = parseRunKeyword(params);
    if (name === STOP_KEYWORD) return this.stop(call, started, true);
    const { compiled, log } = this.host;
    const keyword = compiled.keywords.get(name);
    if (!keyword) {
      throw new ProtocolFault(FaultCode.unknownKeyword, `No keyword with name '${name}' in remote library '${compiled.library.name}'.`);
    }
    const logger = new CallLogger((level, message) =>
      log.debug('late keyword log', { session: sessionPath(call.session), keyword: name, level, message }),
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
    const errorText = outcome.ok ? undefined : String(result.error);
    this.host.logCall(call, { method: 'run_keyword', keyword: name, status: String(result.status), started, error: errorText });
    if (call.clientGone) log.warn('client left before the result was sent', { session: sessionPath(call.session), keyword: name });
    return { xml };
  }

  /** `stop_remote_server`, as XML-RPC method or as keyword. */
  stop(call: IncomingCall, started: number, asKeyword: boolean): CallResponse {
    const method = asKeyword ? 'run_keyword' : 'stop_remote_server';
    const entry = { method, keyword: asKeyword ? STOP_KEYWORD : undefined, status: asKeyword ? 'PASS' : 'OK', started };
    const session = sessionPath(call.session);
    if (!this.host.allowStop) {
      const message = `Robot Framework remote server at ${this.host.address()} does not allow stopping.`;
      this.host.log.warn('stop refused', { session, reason: this.host.stopRefusedReason });
      this.host.logCall(call, entry);
      return { xml: asKeyword ? encodeResponse({ status: 'PASS', return: false, output: `*WARN:${Date.now()}* ${message}` }) : encodeResponse(false) };
    }
    this.host.log.info('stop requested', { session, client: call.client });
    this.host.logCall(call, entry);
    return { xml: asKeyword ? encodeResponse({ status: 'PASS', return: true }) : encodeResponse(true), after: () => this.host.stop() };
  }

  private async execute(
    call: IncomingCall,
    keyword: CompiledKeyword<I>,
    args: unknown[],
    kwargs: Record<string, unknown>,
    logger: CallLogger,
  ): Promise<Outcome> {
    const { lifecycle, log, compiled, registry } = this.host;
    if (lifecycle.phase !== 'serving') return failure(`Remote server at ${this.host.address()} is stopping: keyword '${keyword.printableName}' was not run.`);
    try {
      const bound = bindArguments(keyword, args, kwargs);
      if (isLogLevelEnabled(log, 'debug')) {
        log.debug('arguments', { session: sessionPath(call.session), keyword: keyword.definition.name, arguments: redact(bound) });
      }
      const session = registry.open(call.session);
      const task = session.enqueue(() => {
        if (lifecycle.phase === 'cutting' || lifecycle.phase === 'stopped') {
          throw withoutTraceback(new KeywordError(`Remote server at ${this.host.address()} stopped before keyword '${keyword.printableName}' ran.`));
        }
        session.runningKeyword = keyword.definition.name;
        session.calls += 1;
        session.lastUsed = new Date();
        // Most keywords never look at their signal: make it only when asked for.
        let signal: ReturnType<ServerLifecycle['signal']> | undefined;
        let stopWatching: (() => void) | undefined;
        const abortSignal = (): AbortSignal => {
          if (signal === undefined) {
            const made = lifecycle.signal();
            signal = made;
            // Robot's [Timeout] (or a killed run) just closes the socket: nobody waits for this keyword any more.
            stopWatching = call.onClientGone?.(() => {
              if (made.abort.signal.aborted) return;
              log.warn('client gone: cancelling the keyword', { session: sessionPath(call.session), keyword: keyword.definition.name, client: call.client });
              made.abort.abort(
                new ClientGoneError(`the client of '${keyword.printableName}' in ${sessionPath(call.session)} disconnected before it finished (a Robot timeout, or its run was killed)`),
              );
            });
          }
          return signal.abort.signal;
        };
        const ended = (): void => {
          session.runningKeyword = undefined;
          stopWatching?.();
          signal?.release();
        };
        // then(done, failed), not finally(): two promises fewer on every call.
        return runWithInstance(compiled.library, session, keyword.definition, bound, { log: logger, signal: abortSignal }).then(
          (value) => {
            ended();
            return value;
          },
          (error: unknown) => {
            ended();
            throw error;
          },
        );
      });
      const settled: Promise<Outcome> = task.then(
        (value) => {
          registry.release(session);
          return { ok: true, value };
        },
        (error: unknown) => {
          registry.release(session);
          return { ok: false, error };
        },
      );
      return await lifecycle.track(settled, () =>
        failure(
          `Keyword '${keyword.printableName}' was cut: the remote server at ${this.host.address()} stopped before ` +
            'the keyword finished (it ignored the stop and outlasted the grace period).',
        ),
      );
    } catch (error) {
      return { ok: false, error };
    }
  }
}
