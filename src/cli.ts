#!/usr/bin/env node
/**
 * `qemu-utils-remote`: the composition root. Parses options, picks the library, starts the remote server,
 * prints the started/stopped lines Robot users (and PythonRemoteServer's tooling) expect, writes the port
 * file, and stops gracefully on SIGINT, SIGTERM and SIGHUP. The product serves only the QEMU library; test
 * launchers call `main` with a table of their own (test/fixtures/demo-cli.ts adds the protocol demo).
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type winston from 'winston';
import { createQemuLibrary } from './library/qemu-library';
import { isLoopbackHost, loadCredentials } from './remote/auth';
import type { RemoteLibrary } from './remote/library';
import { startRemoteServer, type RemoteServer } from './remote/server';
import { createServerLog, SERVER_LOG_LEVELS, type ServerLogLevel } from './remote/server-log';

/** The environment variable that may hold the HTTP Basic credentials, `user:password`. */
const CREDENTIALS_ENV = 'QEMU_UTILS_REMOTE_CREDENTIALS';
/** The environment variable that may give the session lease in seconds (`--session-lease` wins). */
const SESSION_LEASE_ENV = 'QEMU_UTILS_REMOTE_SESSION_LEASE';
const AUTH_REALM = 'qemu-utils-remote';
const SERVER_HINTS = {
  credentials: `Set ${CREDENTIALS_ENV}=user:password or --credentials-file FILE`,
  port: 'pick another with --port',
  stopRefused: 'stopping is disabled (--no-allow-stop)',
};

const HELP = `Usage: qemu-utils-remote [options]

Serves a keyword library to Robot Framework over the remote library protocol (XML-RPC).
Each URL path is a session with its own library instance:
    Library    Remote    http://127.0.0.1:8270/DUT1_vm1    AS    DUT1_vm1

Options:
  --host HOST              Address to listen on (default 127.0.0.1). Anything but loopback
                           requires credentials.
  --port PORT              Port (default 8270; 0 picks a free port).
  --port-file FILE         Write the port number there once listening; removed on stop.
  --allow-stop             Let Robot stop the server with \`Stop Remote Server\` (default on
                           loopback; off on other addresses unless given).
  --no-allow-stop          Refuse remote stopping (the keyword then logs a warning).
  --max-sessions N         Live sessions allowed at once (default 64).
  --max-request-bytes N    Request body limit; larger requests get HTTP 413 (default 134217728).
  --grace-period SECONDS   On stop, how long running keywords may take before they are cut
                           (default 10).
  --session-lease SECONDS  A session that receives no call for this long is closed as its
                           Qemu Close would, with a warning in the server log (default 3600;
                           0 = never). The environment variable ${SESSION_LEASE_ENV} works too.
  --log-level LEVEL        Server log level: error, warn, info, debug or silent (default info).
  --log-json               Server log as one JSON object per line.
  --credentials-file FILE  HTTP Basic credentials, one line \`user:password\`. The environment
                           variable ${CREDENTIALS_ENV}=user:password works too.
                           Never given on the command line.
  --library NAME           The library to serve: qemu (default, QemuUtils).
  --qemu-option KEY=VALUE  Setting for the qemu library; repeatable.
  --help                   Show this help.
  --version                Show the version.

The server log goes to stderr; the started and stopped lines go to stdout.
`;

/** Wrong command-line usage: printed with a pointer to --help, exit code 2. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The libraries a command can serve, by `--library` name; each is made from the `--qemu-option` settings,
 * and may write lines of its own to the server log.
 */
export type LibraryTable = Readonly<Record<string, (settings: Record<string, string>, serverLog: winston.Logger) => RemoteLibrary<unknown>>>;

/** What the product serves; the server's log also gets each VM's QMP events. */
export const PRODUCT_LIBRARIES: LibraryTable = {
  qemu: (settings, serverLog) => createQemuLibrary(settings, undefined, serverLog) as RemoteLibrary<unknown>,
};

interface CliOptions {
  host: string;
  port: number;
  portFile?: string;
  allowStop: boolean;
  maxSessions: number;
  maxRequestBytes: number;
  gracePeriodMs: number;
  sessionLeaseMs: number;
  logLevel: ServerLogLevel;
  logJson: boolean;
  credentialsFile?: string;
  makeLibrary: LibraryTable[string];
  qemuOptions: Record<string, string>;
  help: boolean;
  version: boolean;
}

function wholeNumber(text: string | undefined, option: string, fallback: number, minimum: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < minimum) {
    throw new UsageError(`${option} must be a whole number of at least ${minimum}, got '${text}'.`);
  }
  return Number(text);
}

function parseOptions(argv: string[], libraries: LibraryTable, env: NodeJS.ProcessEnv): CliOptions {
  const secretOnArgv = argv.find((arg) => /^--(credentials|password|user|auth)(=|$)/.test(arg));
  if (secretOnArgv) {
    throw new UsageError(
      `Credentials are never taken from the command line (other users see it in ps): use --credentials-file FILE ` +
        `or ${CREDENTIALS_ENV}=user:password.`,
    );
  }
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'port-file': { type: 'string' },
      'allow-stop': { type: 'boolean' },
      'no-allow-stop': { type: 'boolean' },
      'max-sessions': { type: 'string' },
      'max-request-bytes': { type: 'string' },
      'grace-period': { type: 'string' },
      'session-lease': { type: 'string' },
      'log-level': { type: 'string' },
      'log-json': { type: 'boolean' },
      'credentials-file': { type: 'string' },
      library: { type: 'string' },
      'qemu-option': { type: 'string', multiple: true },
      help: { type: 'boolean' },
      version: { type: 'boolean' },
    },
  });
  if (values['allow-stop'] && values['no-allow-stop']) throw new UsageError('Give --allow-stop or --no-allow-stop, not both.');
  const port = wholeNumber(values.port, '--port', 8270, 0);
  if (port > 65535) throw new UsageError(`--port must be 0-65535, got ${port}.`);
  const logLevel = values['log-level'] ?? 'info';
  if (!(SERVER_LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${SERVER_LOG_LEVELS.join(', ')}, got '${logLevel}'.`);
  }
  const library = values.library ?? 'qemu';
  const makeLibrary = Object.hasOwn(libraries, library) ? libraries[library] : undefined;
  if (!makeLibrary) throw new UsageError(`--library must be ${Object.keys(libraries).join(' or ')}, got '${library}'.`);
  const qemuOptions: Record<string, string> = {};
  for (const setting of values['qemu-option'] ?? []) {
    const equals = setting.indexOf('=');
    if (equals <= 0) throw new UsageError(`--qemu-option takes KEY=VALUE, got '${setting}'.`);
    qemuOptions[setting.slice(0, equals)] = setting.slice(equals + 1);
  }
  const gracePeriod = values['grace-period'] ?? '10';
  if (!/^\d+(\.\d+)?$/.test(gracePeriod)) throw new UsageError(`--grace-period takes seconds, got '${gracePeriod}'.`);
  const lease = values['session-lease'] ?? env[SESSION_LEASE_ENV] ?? '3600';
  if (!/^\d+(\.\d+)?$/.test(lease)) {
    throw new UsageError(`--session-lease (or ${SESSION_LEASE_ENV}) takes seconds, 0 for never, got '${lease}'.`);
  }
  const host = values.host ?? '127.0.0.1';
  const options: CliOptions = {
    host,
    port,
    // Anyone who reaches a network-facing server could end every suite's run: stopping is opt-in there.
    allowStop: values['allow-stop'] ?? (!values['no-allow-stop'] && isLoopbackHost(host)),
    maxSessions: wholeNumber(values['max-sessions'], '--max-sessions', 64, 1),
    maxRequestBytes: wholeNumber(values['max-request-bytes'], '--max-request-bytes', 128 * 1024 * 1024, 1024),
    gracePeriodMs: Number(gracePeriod) * 1000,
    sessionLeaseMs: Number(lease) * 1000,
    logLevel: logLevel as ServerLogLevel,
    logJson: values['log-json'] ?? false,
    makeLibrary,
    qemuOptions,
    help: values.help ?? false,
    version: values.version ?? false,
  };
  if (values['port-file'] !== undefined) options.portFile = values['port-file'];
  if (values['credentials-file'] !== undefined) options.credentialsFile = values['credentials-file'];
  return options;
}

function packageVersion(): string {
  // dist/cli.js and src/cli.ts both sit one level below package.json.
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}

function writePortFile(path: string, port: number): void {
  // Written whole and then renamed, so a reader polling for it never sees an empty file.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, String(port));
  renameSync(temporary, path);
}

/** Runs the server until it stops; resolves with the process exit code. */
export async function main(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  libraries: LibraryTable = PRODUCT_LIBRARIES,
): Promise<number> {
  let options: CliOptions;
  try {
    options = parseOptions(argv, libraries, env);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`qemu-utils-remote: ${message}\nRun qemu-utils-remote --help for the options.\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (options.version) {
    process.stdout.write(`qemu-utils-remote ${packageVersion()}\n`);
    return 0;
  }
  const log = createServerLog({ level: options.logLevel, json: options.logJson });
  let server: RemoteServer;
  try {
    const credentials = loadCredentials({
      env,
      envVariable: CREDENTIALS_ENV,
      warn: (message) => log.warn(message),
      ...(options.credentialsFile ? { file: options.credentialsFile } : {}),
    });
    server = await startRemoteServer(options.makeLibrary(options.qemuOptions, log), {
      host: options.host,
      port: options.port,
      allowStop: options.allowStop,
      maxSessions: options.maxSessions,
      maxBodyBytes: options.maxRequestBytes,
      gracePeriodMs: options.gracePeriodMs,
      sessionLeaseMs: options.sessionLeaseMs,
      log,
      authRealm: AUTH_REALM,
      hints: SERVER_HINTS,
      ...(credentials ? { credentials } : {}),
    });
  } catch (error) {
    process.stderr.write(`qemu-utils-remote: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }

  process.on('unhandledRejection', (reason) => {
    // A library's stray promise must not take every session down with it.
    log.error('unhandled promise rejection in a library', { reason: reason instanceof Error ? reason.stack : String(reason) });
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    log.info('signal received', { signal, action: signals === 1 ? 'stopping' : 'cutting running keywords' });
    void server.stop(signals === 1 ? {} : { gracePeriodMs: 0 });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  if (options.portFile) writePortFile(options.portFile, server.port);
  process.stdout.write(`Robot Framework remote server at ${server.address} started.\n`);
  await server.stopped;
  if (options.portFile) rmSync(options.portFile, { force: true });
  process.stdout.write(`Robot Framework remote server at ${server.address} stopped.\n`);
  return 0;
}

/** Runs `main` as this process: exits with its code once stdout is flushed. */
export function runAsProcess(libraries: LibraryTable = PRODUCT_LIBRARIES): void {
  void main(process.argv.slice(2), process.env, libraries).then((code) => {
    // Flush stdout before exiting: it may be a pipe (Robot's Process library reads it).
    process.stdout.write('', () => process.exit(code));
  });
}

if (require.main === module) runAsProcess();
