/**
 * HTTP Basic credentials: where they come from (an environment variable or a file, never the command line,
 * where `ps` would show them), and a constant-time check of what a client sends.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { CredentialsError } from './errors';

export interface Credentials {
  user: string;
  password: string;
}

/** Parses `user:password` (the password may contain `:`). */
export function parseCredentials(text: string, source: string): Credentials {
  const line = text.replace(/\r?\n$/, '');
  const colon = line.indexOf(':');
  if (colon <= 0 || colon === line.length - 1) {
    throw new CredentialsError(`${source} must hold 'user:password' with both parts non-empty.`);
  }
  return { user: line.slice(0, colon), password: line.slice(colon + 1) };
}

export interface CredentialSources {
  /** Path of a file holding `user:password`. Wins over the environment. */
  file?: string;
  /** The environment variable that may hold `user:password` (the caller names it); unset: none is read. */
  envVariable?: string;
  env?: NodeJS.ProcessEnv;
  /** Told when the file is readable by group or others. */
  warn?: (message: string) => void;
}

/** Credentials from the file or the environment variable, or undefined when neither is set. */
export function loadCredentials(sources: CredentialSources): Credentials | undefined {
  if (sources.file) {
    let text: string;
    try {
      text = readFileSync(sources.file, 'utf8');
      if ((statSync(sources.file).mode & 0o077) !== 0) {
        sources.warn?.(`Credentials file ${sources.file} is readable by others; chmod 600 it.`);
      }
    } catch (error) {
      throw new CredentialsError(`Cannot read credentials file ${sources.file}: ${(error as Error).message}`);
    }
    return parseCredentials(text, `Credentials file ${sources.file}`);
  }
  if (sources.envVariable === undefined) return undefined;
  const fromEnv = (sources.env ?? process.env)[sources.envVariable];
  if (fromEnv !== undefined && fromEnv !== '') return parseCredentials(fromEnv, `Environment variable ${sources.envVariable}`);
  return undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Checks an `Authorization` header. Hashing both sides first makes the comparison constant-time regardless
 * of length, so timing reveals nothing about the expected values.
 */
export function checkBasicAuth(header: string | undefined, expected: Credentials): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : '';
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  const userOk = timingSafeEqual(digest(user), digest(expected.user));
  const passwordOk = timingSafeEqual(digest(password), digest(expected.password));
  return colon >= 0 && userOk && passwordOk;
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}
