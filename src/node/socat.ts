/**
 * The fallback path to a unix socket the account may not open itself: `sudo -S socat` bridging a
 * command's stdin/stdout to the socket, on whatever runs commands (an SSH exec channel, a local child).
 */
import type { Duplex, Readable } from 'node:stream';
import { SOCAT_READY } from './command';
import { UnixSocketError } from './errors';

export interface SocatProcess {
  /** stdin/stdout of the running `socat` command, which become the socket stream. */
  stream: Duplex;
  stderr: Readable;
  /** Registers the one callback for the command's end. */
  onExit(callback: (rc: number | null, signal: string | null) => void): void;
  kill(): void;
}

const READY_TIMEOUT_MS = 10_000;

/** Resolves with the bridge once socat reports it is connected; rejects with socat's own error otherwise. */
/** `directFailure`: why the account's own connect failed, when it was tried. */
export function awaitSocatBridge(proc: SocatProcess, path: string, where: string, directFailure: string | undefined): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    let stderrText = '';
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill();
      reject(new UnixSocketError(path, where, directFailure === undefined ? `sudo socat failed: ${reason}` : `direct connect failed (${directFailure}); sudo socat fallback failed: ${reason}`));
    };
    const timer = setTimeout(() => {
      fail(`socat did not report a connection within ${READY_TIMEOUT_MS / 1000} s; stderr: ${stderrText.trim()}`);
    }, READY_TIMEOUT_MS);
    proc.stderr.on('data', (chunk: Buffer) => {
      if (settled) return;
      stderrText += chunk.toString();
      if (stderrText.includes(SOCAT_READY)) {
        settled = true;
        clearTimeout(timer);
        resolve(proc.stream);
      }
    });
    proc.onExit((rc, signal) => {
      const errorLines = stderrText
        .split('\n')
        .filter((line) => / [EF] /.test(line) || /sudo|not found|denied/i.test(line))
        .join('\n')
        .trim();
      fail(`socat exited (${signal ? `signal ${signal}` : `rc ${String(rc)}`}): ${errorLines || stderrText.trim() || 'no message'}`);
    });
  });
}
