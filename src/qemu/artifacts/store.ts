/**
 * Where saved VM artifacts live on the server: one private directory per server process,
 * `$TMPDIR/qemu-utils-remote-artifacts-<uid>/<pid>-XXXXXX` (both mode 0700, made on the first save), one
 * directory per VM instance in it (0700), files 0600. Guest files and command lines may carry credentials
 * (VPP startup configs, the VM dict's password is not in them, but a test's own exec file may be), so
 * nobody but the server's user reads them. A VM's directory is replaced by its next save and removed when
 * its session ends (`Qemu Close`, lease expiry, server stop); the root goes with the last VM's directory,
 * and when the process exits.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root: string | undefined;
let instances = 0;
/** Saved directories in the root: the root goes with the last, so a server at rest leaves nothing behind. */
let saved = 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `$TMPDIR/qemu-utils-remote-artifacts-<uid>`, ours alone (a real directory, owned by us, 0700), with the
 * roots of server processes that are gone (SIGKILLed, or whose exit handler never ran) removed; undefined
 * when someone else made that path, and then each root is made in $TMPDIR directly.
 */
function userBase(): string | undefined {
  const uid = process.getuid?.() ?? 0;
  const base = join(tmpdir(), `qemu-utils-remote-artifacts-${uid}`);
  try {
    mkdirSync(base, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  const stat = lstatSync(base);
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) return undefined;
  for (const entry of readdirSync(base)) {
    const pid = /^(\d+)-/.exec(entry)?.[1];
    if (pid !== undefined && !alive(Number(pid))) rmSync(join(base, entry), { recursive: true, force: true });
  }
  return base;
}

function artifactRoot(): string {
  if (root === undefined) {
    const base = userBase();
    root = base === undefined ? mkdtempSync(join(tmpdir(), 'qemu-utils-remote-artifacts-')) : mkdtempSync(join(base, `${process.pid}-`));
    const made = root;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return root;
}

function released(): void {
  saved -= 1;
  if (saved > 0 || root === undefined) return;
  rmSync(root, { recursive: true, force: true });
  root = undefined;
}

/** A name safe as one path component. */
function component(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 120) || '_';
}

/** One VM instance's artifact directory; `files` maps relative names (may contain one `/`) to contents. */
export class ArtifactDirectory {
  private path: string | undefined;
  private readonly number: number;

  constructor(private readonly label: string) {
    instances += 1;
    this.number = instances;
  }

  /** Replaces what was saved before with `files`; returns the directory. */
  save(files: ReadonlyMap<string, string>): string {
    this.remove();
    // Named here, not when made: every `Qemu Init` makes one, few VMs ever save artifacts.
    const dir = join(artifactRoot(), `${component(this.label)}-${this.number}`);
    mkdirSync(dir, { mode: 0o700 });
    this.path = dir;
    saved += 1;
    for (const [name, content] of files) {
      const parts = name.split('/').map(component);
      if (parts.length > 1) mkdirSync(join(dir, ...parts.slice(0, -1)), { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, ...parts), content, { mode: 0o600 });
    }
    return dir;
  }

  get directory(): string | undefined {
    return this.path;
  }

  remove(): void {
    if (this.path === undefined) return;
    rmSync(this.path, { recursive: true, force: true });
    this.path = undefined;
    released();
  }
}
