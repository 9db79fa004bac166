/**
 * Knowing when a VM has booted, without the host VPP API and without polling sleeps.
 *
 * kernelvm: the serial log is streamed from the node (`tail -F`) and scanned as it arrives for the VNF's own
 * start-up text, as later CSIT does: testpmd's 'Press enter to exit', or VPP's version banner (the VNF's
 * exec file ends with `show version`). A power-down or a kernel panic fails at once.
 * nestedvm: the guest agent is asked (guest-sync, guest-ping) until it answers.
 * Both also watch the QEMU process, so a VM that dies during boot fails the wait at once.
 */
import { execCmd, connectUnixSocket, ConnectionLostError, NodeConnectionError, nodeLabel, type CommandResult, type Node } from '../node';
import { shellQuote } from '../node/quote';
import type { CallContext } from './call';
import { tailLines } from './checks';
import { QemuStartError } from './errors';
import { QgaClient, mapInterfaceNamesByMac, type VmInterfaceEntry } from './monitor';

/** Text that says the VNF is up. */
export const BOOT_SUCCESS_PATTERNS: readonly RegExp[] = [/Press enter to exit/, /vpp v\S+ built by/];

/** Text that says it never will be. */
export const BOOT_FAILURE_PATTERNS: readonly { pattern: RegExp; reason: string }[] = [
  { pattern: /reboot: Power down/, reason: 'the guest powered down before the VNF started (the VNF exited or failed to run)' },
  { pattern: /Kernel panic[^\n]*/, reason: 'the guest kernel panicked' },
];

export type SerialVerdict = { kind: 'booted'; marker: string } | { kind: 'failed'; reason: string; line: string };

/** How much of the log is kept for error messages and for markers split across chunks. */
const KEPT_LOG_CHARS = 64 * 1024;

/** Scans a serial log as it arrives; markers may be split across chunks. */
export class SerialLogScanner {
  private text = '';
  private scannedUpTo = 0;
  private verdictValue: SerialVerdict | undefined;

  /** `successPatterns` empty: only failures end the scan (a console watched while something else detects boot). */
  constructor(private readonly successPatterns: readonly RegExp[] = BOOT_SUCCESS_PATTERNS) {}

  get verdict(): SerialVerdict | undefined {
    return this.verdictValue;
  }

  push(chunk: string): SerialVerdict | undefined {
    if (this.verdictValue) return this.verdictValue;
    // The guest's console writes CRLF; the log's lines end up in error messages and the Robot log.
    this.text += chunk.replace(/\r/g, '');
    // Rescan from the start of the last incomplete line, so a marker split across chunks is still seen.
    const from = this.text.lastIndexOf('\n', this.scannedUpTo - 1) + 1;
    const window = this.text.slice(from);
    // Failures are read from complete lines only: a panic line cut at a chunk boundary would be reported cut.
    // (The kernel goes on printing after either failure, so its line is always completed.)
    const completeLines = window.slice(0, window.lastIndexOf('\n') + 1);
    for (const { pattern, reason } of BOOT_FAILURE_PATTERNS) {
      const found = pattern.exec(completeLines);
      if (found) return (this.verdictValue = { kind: 'failed', reason, line: found[0] });
    }
    for (const pattern of this.successPatterns) {
      const found = pattern.exec(window);
      if (found) return (this.verdictValue = { kind: 'booted', marker: found[0] });
    }
    this.scannedUpTo = this.text.length;
    if (this.text.length > KEPT_LOG_CHARS * 2) {
      const drop = this.text.length - KEPT_LOG_CHARS;
      this.text = this.text.slice(drop);
      this.scannedUpTo -= drop;
    }
    return undefined;
  }

  /**
   * The failure an incomplete last line shows, once nothing more will come (the process exited, the wait
   * timed out): its cut line is better than no reason.
   */
  failureInLastLine(): SerialVerdict | undefined {
    if (this.verdictValue) return this.verdictValue;
    const window = this.text.slice(this.text.lastIndexOf('\n') + 1);
    for (const { pattern, reason } of BOOT_FAILURE_PATTERNS) {
      const found = pattern.exec(window);
      if (found) return (this.verdictValue = { kind: 'failed', reason, line: found[0] });
    }
    return undefined;
  }

  /** The last lines seen, for error messages. */
  tail(lines = 20): string {
    return this.text.split('\n').slice(-lines).join('\n');
  }
}

/** Printed by the watch script once the process is gone, so a canned (dry-run) answer never reads as an exit. */
const GONE = 'qemu-utils-remote: process gone';

/**
 * A node-side loop that ends when process `pid` no longer runs, or after `maxSeconds`. A zombie counts as
 * gone: on hosts whose PID 1 does not reap orphans, a killed QEMU stays a zombie forever (its memory is freed
 * all the same). The loop bounds itself: a KILL sent when the watch is abandoned may not reach it.
 */
export function processGoneCommand(pid: number, maxSeconds: number): string {
  const stat = `/proc/${pid}/stat`;
  const checks = Math.max(1, Math.ceil(maxSeconds * 10));
  const loop =
    `n=0; while [ $n -lt ${checks} ]; do s=$(sed 's/.*) //' ${stat} 2>/dev/null | cut -c1); ` +
    `if [ -z "$s" ] || [ "$s" = Z ]; then echo ${shellQuote(GONE)}; exit 0; fi; n=$((n+1)); sleep 0.1; done; exit 1`;
  return `sh -c ${shellQuote(loop)}`;
}

/** Whether the output of `processGoneCommand` says the process is gone. */
export function saysProcessGone(stdout: string): boolean {
  return stdout.includes(GONE);
}

/** Resolves `true` when process `pid` is gone from the node, `false` when the watch ended otherwise. */
export async function waitForProcessExit(node: Node, pid: number, maxSeconds: number, signal: AbortSignal): Promise<boolean> {
  const result = await execCmd(node, processGoneCommand(pid, maxSeconds), { timeout: maxSeconds + 30, signal });
  return saysProcessGone(result.stdout);
}

export interface KernelvmBootOptions {
  log: string;
  timeoutSeconds: number;
  pid?: number;
  call: CallContext;
  /** The VNF's own markers (CSIT HEAD's payloads, `HeadBootMarker.success`); default BOOT_SUCCESS_PATTERNS. */
  successPatterns?: readonly RegExp[];
}

/** How the serial log stream ended: the tail command's result, or the error the node layer raised. */
export type StreamEnd = { result: CommandResult } | { error: unknown };

interface BootWaitOutcome {
  verdict?: SerialVerdict;
  exited?: boolean;
  timedOut?: boolean;
  streamEnded?: StreamEnd;
}

/**
 * Why the serial log stream ended before the boot marker, for the failure: the tail command's exit code or
 * signal and its stderr, or the lost connection. `lifetime` is the stream's own bound (`timeout`'s rc 124).
 */
export function streamEndReason(ended: StreamEnd, lifetime: number): string {
  if ('error' in ended) {
    const error = ended.error;
    if (error instanceof ConnectionLostError) {
      const said = error.stderr.trim() ? `; its stderr: ${tailLines(error.stderr, 5)}` : '';
      return `the connection to the node was lost while tail ran [${error.detail}]${said}`;
    }
    if (error instanceof NodeConnectionError) return `the connection to the node failed: ${error.message}`;
    return `the tail command could not run: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  const { rc, exitSignal, stderr, aborted } = ended.result;
  const how = aborted
    ? 'was aborted'
    : exitSignal
      ? `was killed by signal ${exitSignal}`
      : rc === null
        ? 'ended without an exit status'
        : rc === 124
          ? `exited with rc 124 (its own ${lifetime} s bound expired)`
          : `exited with rc ${rc}`;
  return `tail ${how}${stderr.trim() ? `; its stderr: ${tailLines(stderr, 5)}` : ', printing nothing on stderr'}`;
}

function combinedSignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((signal): signal is AbortSignal => signal !== undefined));
}

/** Waits for the VNF's start-up text in the serial log; throws QemuStartError with the log's tail otherwise. */
export async function waitForKernelvmBoot(node: Node, options: KernelvmBootOptions): Promise<string> {
  const scanner = new SerialLogScanner(options.successPatterns ?? BOOT_SUCCESS_PATTERNS);
  const stop = new AbortController();
  const signal = combinedSignal(stop.signal, options.call.signal);
  const decoder = new TextDecoder();
  let settle: (outcome: BootWaitOutcome) => void = () => undefined;
  const outcome = new Promise<BootWaitOutcome>((resolve) => {
    settle = resolve;
  });
  const timer = setTimeout(() => settle({ timedOut: true }), options.timeoutSeconds * 1000);
  // `-F` follows the file by name: it may not exist yet when QEMU has only just daemonized. `timeout` bounds
  // it on the node: abandoning the stream signals sudo, which cannot pass a KILL on to tail. `--foreground`
  // keeps timeout in the command's process group: without it, it moves tail into a group of its own, out of
  // reach of the kill that ends an abandoned command, and the boot wait returns only when `lifetime` ends.
  const lifetime = Math.ceil(options.timeoutSeconds) + 5;
  const stream = execCmd(node, `timeout --foreground ${lifetime} tail -c +1 -F ${shellQuote(options.log)}`, {
    sudo: true,
    timeout: null,
    signal,
    onStdout: (chunk) => {
      const verdict = scanner.push(decoder.decode(chunk, { stream: true }));
      if (verdict) settle({ verdict });
    },
  }).then(
    (result) => settle({ streamEnded: { result } }),
    (error: unknown) => settle({ streamEnded: { error } }),
  );
  const exit =
    options.pid === undefined
      ? undefined
      : waitForProcessExit(node, options.pid, lifetime, signal).then(
          (gone) => {
            if (gone) settle({ exited: true });
          },
          () => undefined,
        );
  const abortListener = (): void => settle({});
  options.call.signal?.addEventListener('abort', abortListener);
  try {
    const result = await outcome;
    if (result.verdict?.kind === 'booted') {
      options.call.log.debug(`Boot marker seen in ${options.log}: ${result.verdict.marker}`);
      return result.verdict.marker;
    }
    const verdict = result.verdict ?? scanner.failureInLastLine();
    const tail = scanner.tail().trim() ? scanner.tail() : '(empty: nothing was read from it)';
    const where = `${node.host}`;
    // The original's first words (suites match on them), then the keyword, node and step, as node failures say them.
    const step = `${options.call.keyword ?? 'Qemu Start'} on node ${nodeLabel(node)} failed while waiting for the VM to boot (serial log ${options.log})`;
    if (verdict?.kind === 'failed') {
      throw new QemuStartError(`QEMU: NF failed to run on ${where}! ${verdict.reason}: ${verdict.line}\n${step}.\nSerial log tail:\n${tail}`);
    }
    if (result.exited) throw new QemuStartError(`QEMU: VM process ${String(options.pid)} exited during boot on ${where}. ${step}.\nSerial log tail:\n${tail}`);
    if (result.timedOut) {
      const awaited = options.successPatterns === undefined ? "'Press enter to exit' or VPP's version banner" : options.successPatterns.map(String).join(' or ');
      throw new QemuStartError(
        `QEMU: Timeout, VM not booted on ${where}! ${step}: no VNF start-up text (${awaited}) ` +
          `within boot_timeout ${options.timeoutSeconds} s.\nSerial log tail:\n${tail}`,
      );
    }
    if (options.call.signal?.aborted) throw new QemuStartError(`QEMU: boot wait on ${where} aborted (server shutting down)`);
    const why = result.streamEnded === undefined ? 'for no known reason' : streamEndReason(result.streamEnded, lifetime);
    throw new QemuStartError(`QEMU: streaming ${options.log} from ${where} ended before the VM booted: ${why}.\n${step}.\nSerial log tail:\n${tail}`, {
      cause: result.streamEnded !== undefined && 'error' in result.streamEnded ? result.streamEnded.error : undefined,
    });
  } finally {
    clearTimeout(timer);
    options.call.signal?.removeEventListener('abort', abortListener);
    stop.abort();
    await Promise.allSettled([stream, exit]);
  }
}

export interface NestedvmBootOptions {
  qga: string;
  timeoutSeconds: number;
  pid?: number;
  /** The guest console's TCP port on the node's 127.0.0.1 (4555+id), watched for a panic and kept for errors. */
  consolePort?: number;
  call: CallContext;
}

/**
 * Reads the guest console (QEMU's TCP server chardev) on the node with bash's /dev/tcp, bounded by
 * `timeout`: no tool beyond bash and coreutils is needed on the node.
 */
export function consoleCommand(port: number, maxSeconds: number): string {
  return `timeout --foreground ${Math.ceil(maxSeconds)} bash -c ${shellQuote(`exec 3<>/dev/tcp/127.0.0.1/${port} && exec cat <&3`)}`;
}

/**
 * Waits until the guest agent answers, then names the VM's interfaces as the guest does (by MAC). Returns
 * the updated interfaces.
 */
export async function waitForNestedvmBoot<T extends VmInterfaceEntry>(
  node: Node,
  interfaces: Readonly<Record<string, T>>,
  options: NestedvmBootOptions,
): Promise<Record<string, T>> {
  const stop = new AbortController();
  const signal = combinedSignal(stop.signal, options.call.signal);
  const logger = { debug: (message: string) => options.call.log.debug(message), warn: (message: string) => options.call.log.warn(message) };
  let exited = false;
  const lifetime = Math.ceil(options.timeoutSeconds) + 5;
  const exit =
    options.pid === undefined
      ? undefined
      : waitForProcessExit(node, options.pid, lifetime, signal).then(
          (gone) => {
            if (!gone) return;
            exited = true;
            stop.abort();
          },
          () => undefined,
        );
  // The agent says when the guest is up; the console says at once when it never will be (a panic), and
  // what it printed goes into the error. Best effort: without it only the agent and the process are watched.
  const consoleLog = new SerialLogScanner([]);
  const decoder = new TextDecoder();
  let consoleVerdict: SerialVerdict | undefined;
  const consoleStream =
    options.consolePort === undefined
      ? undefined
      : execCmd(node, consoleCommand(options.consolePort, lifetime), {
          timeout: null,
          signal,
          onStdout: (chunk) => {
            const verdict = consoleLog.push(decoder.decode(chunk, { stream: true }));
            if (verdict && !consoleVerdict) {
              consoleVerdict = verdict;
              stop.abort();
            }
          },
        }).catch(() => undefined);
  const consoleTail = (): string => {
    const tail = consoleLog.tail().trim();
    return tail ? `\nConsole tail:\n${tail}` : '';
  };
  let client: QgaClient | undefined;
  try {
    client = await QgaClient.waitUntilReady({
      connect: () => connectUnixSocket(node, options.qga, { sudo: true }),
      timeoutMs: options.timeoutSeconds * 1000,
      signal,
      logger,
    });
    const guest = await client.networkGetInterfaces({ signal });
    if (guest.length === 0) throw new QemuStartError(`Get VM interface list failed on ${node.host}`);
    const mapped = mapInterfaceNamesByMac(interfaces, guest);
    for (const key of mapped.unmatched) options.call.log.trace(`Interface name for MAC ${String(interfaces[key].mac_address)} not found`);
    return mapped.interfaces;
  } catch (error) {
    if (consoleVerdict?.kind === 'failed') {
      throw new QemuStartError(`QEMU: VM failed to boot on ${node.host}! ${consoleVerdict.reason}: ${consoleVerdict.line}${consoleTail()}`, { cause: error });
    }
    if (exited) throw new QemuStartError(`QEMU: VM process ${String(options.pid)} exited during boot on ${node.host}.${consoleTail()}`, { cause: error });
    if (error instanceof QemuStartError) throw error;
    if (options.call.signal?.aborted) throw new QemuStartError(`QEMU: boot wait on ${node.host} aborted (server shutting down)`, { cause: error });
    // The original's first words (suites match on them), then the node, keyword and step, as node failures say them.
    throw new QemuStartError(
      `QEMU: Timeout, VM not booted on ${node.host}! ${options.call.keyword ?? 'Qemu Start'} on node ${nodeLabel(node)} failed while ` +
        `waiting for the guest agent on ${options.qga} (boot_timeout ${options.timeoutSeconds} s): ${(error as Error).message}${consoleTail()}`,
      { cause: error },
    );
  } finally {
    await client?.close();
    stop.abort();
    await Promise.allSettled([exit, consoleStream]);
  }
}
