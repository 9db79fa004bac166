/**
 * The private sshd of the node-layer tests (`scripts/sshd.sh`): reads its env.json and hands out ready
 * node dicts. When it is not running, tests FAIL saying what to run; `QUR_SKIP_SSH_TESTS=1` (never set by
 * CI) skips them instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setNodeLogger } from '../../src/node/log';

export interface SshdEnv {
  name: string;
  host: string;
  port: number;
  stateDir: string;
  pidFile: string;
  logFile: string;
  rootUser: string;
  keyPath: string;
  passwordUser: string;
  password: string;
  hostKeyFingerprint: string;
  knownHostsPath: string;
  maxSessions: number;
}

export const SSH_TESTS_SKIPPED = process.env.QUR_SKIP_SSH_TESTS === '1';
/** `describe` for suites that need the private sshd: skipped only on explicit opt-out. Resolved at the call, so the benches can load this file outside jest. */
export function describeSsh(name: string, body: () => void): void {
  (SSH_TESTS_SKIPPED ? describe.skip : describe)(name, body);
}

const REPO = resolve(__dirname, '..', '..');
const SCRIPT = join(REPO, 'scripts', 'sshd.sh');

function stateRoot(): string {
  return process.env.QUR_STATE_DIR ?? '/var/tmp/qemu-utils-remote';
}

function isRunning(pidFile: string): boolean {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The env of a running sshd instance; throws an actionable error when there is none. */
export function sshdEnv(name = 'sshd'): SshdEnv {
  const file = join(stateRoot(), name, 'env.json');
  const hint = 'run `bash scripts/sshd.sh start` (as root), or set QUR_SKIP_SSH_TESTS=1 to skip the SSH tests';
  if (!existsSync(file)) throw new Error(`The test sshd is not set up (${file} missing): ${hint}`);
  const env = JSON.parse(readFileSync(file, 'utf8')) as SshdEnv;
  if (!isRunning(env.pidFile)) throw new Error(`The test sshd is not running (no live pid in ${env.pidFile}): ${hint}`);
  return env;
}

/** root by key: the RSA PEM key text, as a CSIT topology carries it. */
export function rootKeyNodeDict(env: SshdEnv, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'DUT', host: env.host, port: env.port, username: env.rootUser, priv_key: readFileSync(env.keyPath, 'utf8'), ...extra };
}

/** The unprivileged test user by password (it has NOPASSWD sudo, like CSIT's testuser). */
export function passwordNodeDict(env: SshdEnv, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'DUT', host: env.host, port: env.port, username: env.passwordUser, password: env.password, ...extra };
}

/** Starts (or re-checks) a separate sshd instance, for tests that stop sshd under a live connection. */
export function startSshdInstance(name: string, port: number): SshdEnv {
  execFileSync('bash', [SCRIPT, 'start'], { env: { ...process.env, QUR_SSHD_NAME: name, QUR_SSHD_PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  return sshdEnv(name);
}

export function stopSshdInstance(name: string, port: number): void {
  execFileSync('bash', [SCRIPT, 'stop'], { env: { ...process.env, QUR_SSHD_NAME: name, QUR_SSHD_PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Routes the node layer's log into an array for the duration of a test file (keeps jest output readable,
 * and lets tests assert what was logged). Call in beforeAll; call the returned restore in afterAll.
 */
export function captureNodeLog(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const remember = (message: string): void => {
    lines.push(message);
  };
  const previous = setNodeLogger({ debug: remember, info: remember, warn: remember });
  return { lines, restore: () => setNodeLogger(previous) };
}
