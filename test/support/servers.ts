/** Starts in-process servers for the protocol tests and captures their server log as JSON records. */
import { rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import winston from 'winston';
import { createDemoLibrary, type Counter } from '../fixtures/demo-library';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { closeAllTransports } from '../../src/node';
import { startRemoteServer, type RemoteServer, type RemoteServerOptions } from '../../src/remote/server';
import { createServerLog, type ServerLogLevel } from '../../src/remote/server-log';

export interface LogRecord {
  level: string;
  message: string;
  [field: string]: unknown;
}

export interface TestServer {
  server: RemoteServer;
  url: string;
  /** Server log records so far. */
  records(): LogRecord[];
  /** Counters disposed so far (the demo library's lifecycle hook). */
  disposed: Counter[];
}

/** A JSON server log kept in memory: the raw text and the parsed records. */
export interface CapturedServerLog {
  log: ReturnType<typeof createServerLog>;
  text(): string;
  records(): LogRecord[];
}

export function captureServerLog(level: ServerLogLevel = 'debug'): CapturedServerLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = (): string => chunks.join('');
  return {
    log: createServerLog({ level, json: true, stream }),
    text,
    records: () =>
      text()
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as LogRecord),
  };
}

export async function startDemoServer(options: RemoteServerOptions = {}, level: ServerLogLevel = 'debug'): Promise<TestServer> {
  const captured = captureServerLog(level);
  const disposed: Counter[] = [];
  const server = await startRemoteServer(createDemoLibrary({ onDispose: (counter) => disposed.push({ ...counter }) }), {
    port: 0,
    log: captured.log,
    ...options,
  });
  return { server, url: server.url, records: captured.records, disposed };
}

/** The per-call log records (`message: 'call'`). */
export function callRecords(test: TestServer): LogRecord[] {
  return test.records().filter((record) => record.message === 'call');
}

/** Polls until `condition` holds; fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The status of one live session, if it exists. */
export function session(test: TestServer, name: string): ReturnType<RemoteServer['sessionStatus']>[number] | undefined {
  return test.server.sessionStatus().find((status) => status.name === name);
}

/** The end of a file that served QemuUtils to a node: server stopped, node connections closed, node log restored, scratch directory gone. */
export async function tearDownNodeServer(server: RemoteServer | undefined, nodeLog: { restore(): void } | undefined, scratch: string | undefined): Promise<void> {
  await server?.stop();
  await closeAllTransports();
  nodeLog?.restore();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
}

/**
 * A QemuUtils server on a free port for one test file: started before its tests, stopped after them with
 * every node connection closed. Returns the running server; calling it before `beforeAll` ran fails.
 */
export function useQemuServer(settings: Record<string, string> = { accel: 'tcg' }): () => RemoteServer {
  let server: RemoteServer | undefined;
  beforeAll(async () => {
    server = await startRemoteServer(createQemuLibrary(settings), { port: 0, log: winston.createLogger({ silent: true }) });
  });
  afterAll(async () => {
    await server?.stop();
    await closeAllTransports();
  });
  return () => {
    if (server === undefined) throw new Error('the QemuUtils test server has not started (useQemuServer runs in beforeAll)');
    return server;
  };
}
