/**
 * QEMU versions: what `qemu-system-<arch> --version` prints, and the comparisons the command line depends on.
 * The original used distutils' StrictVersion, which rejects 4-part and empty versions and is gone in
 * Python 3.12; semver's `coerce` reads `2.11`, `7.2.22`, `2.5.0.1` and distro-suffixed text alike.
 */
import semver, { type SemVer } from 'semver';
import { QemuVersionError } from './errors';

/** The original's pattern: the version is the run of digits and dots after this text. */
const VERSION_LINE = /QEMU emulator version ([\d.]*)/;

/**
 * The version string as the original returned it (`7.2.22` from
 * `QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)`), or `undefined` when absent.
 */
export function parseQemuVersionOutput(stdout: string): string | undefined {
  const found = VERSION_LINE.exec(stdout)?.[1];
  return found && /\d/.test(found) ? found.replace(/\.+$/, '') : undefined;
}

/** A comparable version, or `undefined` when the text holds none. */
export function coerceVersion(text: string): SemVer | undefined {
  return semver.coerce(text) ?? undefined;
}

export function requireVersion(text: string, what: string): SemVer {
  const version = coerceVersion(text);
  if (!version) throw new QemuVersionError(`${what} is not a version: ${JSON.stringify(text)}`);
  return version;
}

/** `found >= wanted`: the original wrote `>` where it meant "at least" (2.10.0 got no file locking). */
export function versionAtLeast(found: string | SemVer, wanted: string): boolean {
  const have = typeof found === 'string' ? requireVersion(found, 'QEMU version') : found;
  return semver.gte(have, requireVersion(wanted, 'Version to compare'));
}

/**
 * What the command line needs to know about the QEMU it will run. `version` is `undefined` when it could
 * not be determined; then every choice falls back to the 2019 original's spelling.
 */
export interface QemuFeatures {
  version?: SemVer;
}

/** `-balloon none` was removed in QEMU 4.2 (later CSIT dropped it there). */
export function hasBalloonOption(features: QemuFeatures): boolean {
  return !features.version || semver.lt(features.version, '4.2.0');
}

/** QEMU 6.0 deprecated short-form booleans (`server,nowait`) in favour of `server=on,wait=off`. */
export function wantsExplicitBooleans(features: QemuFeatures): boolean {
  return features.version !== undefined && semver.gte(features.version, '6.0.0');
}

/** `file.locking=off` on the nestedvm drive needs QEMU >= 2.10 (the original: found > 2.10). */
export function supportsFileLocking(features: QemuFeatures): boolean {
  return features.version !== undefined && semver.gte(features.version, '2.10.0');
}
