/**
 * `transport: dry-run`: nothing runs. Every command, file write and socket connect is recorded in order
 * and answered from the node's `dry_run_responses`, so a user (and exact command-line tests) can see what
 * a keyword would do on a host.
 */
import type { Duplex } from 'node:stream';
import { checkCommand, checkMode, commandLine, resolveTimeout, writeFileCommand } from './command';
import { UnixSocketError } from './errors';
import { nodeLogger } from './log';
import { nodeLabel } from './node';
import { duplexPair } from './streams';
import type { CommandResult, DryRunResponse, ExecOptions, Node, NodeTransport, WriteFileOptions } from './types';

export interface DryRunExecRecord {
  kind: 'exec';
  /** The command as the caller gave it. */
  command: string;
  /** What would have been sent to the node's shell (with the `sudo -S ` prefix when `sudo`). */
  commandLine: string;
  sudo: boolean;
  /** Seconds; `null` = none. */
  timeout: number | null;
  /** stdin as UTF-8 text, when some was given. */
  stdin?: string;
  /** The canned result that was returned. */
  result: CommandResult;
}

export interface DryRunWriteFileRecord {
  kind: 'writeFile';
  path: string;
  /** The content as UTF-8 text. */
  content: string;
  mode?: string;
  sudo: boolean;
  /** The command the ssh/local transports would run, with `content` on its stdin. */
  commandLine: string;
}

export interface DryRunSocketRecord {
  kind: 'connectUnixSocket';
  path: string;
  /** How the ssh/local transports would connect: own access then sudo socat, own access only, sudo socat only. */
  via: 'auto' | 'direct' | 'sudo';
  /** Whether a canned peer answered. */
  connected: boolean;
}

export type DryRunRecord = DryRunExecRecord | DryRunWriteFileRecord | DryRunSocketRecord;

/** Serves one connection of a canned unix-socket peer; `socket` is the peer's end. */
export type DryRunSocketPeer = (socket: Duplex) => void;

/**
 * Characters of recorded text (command lines, file contents, output) a dry-run node keeps. Nothing but
 * tests reads the records, and a server serving dry-run sessions for days would otherwise grow without
 * bound; past this the oldest records go, a quarter at a time.
 */
export const DRY_RUN_RECORD_BUDGET = 4_000_000;

function recordSize(record: DryRunRecord): number {
  switch (record.kind) {
    case 'exec':
      return 200 + record.commandLine.length + (record.stdin?.length ?? 0) + record.result.stdout.length + record.result.stderr.length;
    case 'writeFile':
      return 200 + record.commandLine.length + record.content.length;
    default:
      return 200 + record.path.length;
  }
}

function matches(response: DryRunResponse, line: string): boolean {
  return response.regex ? new RegExp(response.match).test(line) : line.includes(response.match);
}

export class DryRunTransport implements NodeTransport {
  readonly kind = 'dry-run' as const;
  /** What the node was asked to do, in order: everything, or the newest when over DRY_RUN_RECORD_BUDGET. */
  readonly records: DryRunRecord[] = [];
  /** Oldest records dropped to stay within the budget. */
  droppedRecords = 0;
  private recordedSize = 0;
  private readonly responses: DryRunResponse[];
  private readonly socketPeers = new Map<string, DryRunSocketPeer>();
  private readonly label: string;

  constructor(node: Pick<Node, 'dryRunResponses' | 'username' | 'host' | 'port'>) {
    this.responses = [...node.dryRunResponses];
    this.label = `dry-run node ${nodeLabel(node)}`;
  }

  /** Adds canned responses checked after (`append`) or before the node's own ones. */
  addResponses(responses: DryRunResponse[], position: 'first' | 'last' = 'first'): void {
    if (position === 'first') this.responses.unshift(...responses);
    else this.responses.push(...responses);
  }

  /** Makes `connectUnixSocket(path)` succeed, handing the peer's end of each connection to `serve`. */
  setUnixSocketPeer(path: string, serve: DryRunSocketPeer): void {
    this.socketPeers.set(path, serve);
  }

  clearRecords(): void {
    this.records.length = 0;
    this.recordedSize = 0;
  }

  private remember(record: DryRunRecord): void {
    this.records.push(record);
    this.recordedSize += recordSize(record);
    if (this.recordedSize <= DRY_RUN_RECORD_BUDGET) return;
    let drop = 0;
    while (this.recordedSize > (DRY_RUN_RECORD_BUDGET * 3) / 4 && drop < this.records.length - 1) {
      this.recordedSize -= recordSize(this.records[drop] as DryRunRecord);
      drop += 1;
    }
    this.records.splice(0, drop);
    if (this.droppedRecords === 0) {
      nodeLogger().info(`${this.label}: over ${DRY_RUN_RECORD_BUDGET} characters of records; keeping the newest, dropping the oldest`);
    }
    this.droppedRecords += drop;
  }

  /** The command lines executed so far, in order (the usual thing an exact command-line test asserts). */
  commandLines(): string[] {
    return this.records.flatMap((record) => (record.kind === 'exec' ? [record.commandLine] : []));
  }

  async exec(command: string, options: ExecOptions = {}): Promise<CommandResult> {
    checkCommand(command);
    const line = commandLine(command, options.sudo);
    const timeout = resolveTimeout(options.timeout);
    const canned = this.responses.find((response) => matches(response, line));
    const result: CommandResult = { rc: canned?.rc ?? 0, stdout: canned?.stdout ?? '', stderr: canned?.stderr ?? '' };
    if (options.signal?.aborted) {
      result.rc = null;
      result.aborted = true;
    }
    const record: DryRunExecRecord = { kind: 'exec', command, commandLine: line, sudo: options.sudo === true, timeout, result };
    if (options.stdin !== undefined) record.stdin = options.stdin.toString();
    this.remember(record);
    if (result.stdout) options.onStdout?.(Buffer.from(result.stdout));
    if (result.stderr) options.onStderr?.(Buffer.from(result.stderr));
    return { ...result };
  }

  async writeFile(path: string, content: string | Buffer, options: WriteFileOptions = {}): Promise<void> {
    const mode = checkMode(options.mode);
    const record: DryRunWriteFileRecord = {
      kind: 'writeFile',
      path,
      content: content.toString(),
      sudo: options.sudo === true,
      commandLine: writeFileCommand(path, options),
    };
    if (mode !== undefined) record.mode = mode;
    this.remember(record);
  }

  async connectUnixSocket(path: string, options: { sudo?: boolean } = {}): Promise<Duplex> {
    const serve = this.socketPeers.get(path);
    const via = options.sudo === undefined ? 'auto' : options.sudo ? 'sudo' : 'direct';
    this.remember({ kind: 'connectUnixSocket', path, via, connected: serve !== undefined });
    if (!serve) {
      throw new UnixSocketError(path, this.label, 'a dry-run node has no real sockets and no canned peer is configured for this path (setUnixSocketPeer)');
    }
    const [client, peer] = duplexPair();
    serve(peer);
    return client;
  }

  async close(): Promise<void> {
    // Records stay readable after close: a test inspects them once the keyword has finished.
  }
}
