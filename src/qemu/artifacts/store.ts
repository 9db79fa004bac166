/**
 * Where saved VM artifacts live on the server: one private directory per server process under the system's
 * temporary directory (`qemu-utils-remote-artifacts-XXXXXX`, mode 0700, made on the first save), one
 * directory per VM instance in it (0700), files 0600. Guest files and command lines may carry credentials
 * (VPP startup configs, the VM dict's password is not in them, but a test's own exec file may be), so
 * nobody but the server's user reads them. A VM's directory is replaced by its next save and removed when
 * its session ends (`Qemu Close`, lease expiry, server stop); the whole root goes when the process exits.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root: string | undefined;
let instances = 0;

function artifactRoot(): string {
  if (root === undefined) {
    root = mkdtempSync(join(tmpdir(), 'qemu-utils-remote-artifacts-'));
    const made = root;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return root;
}

/** A name safe as one path component. */
function component(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 120) || '_';
}

/** One VM instance's artifact directory; `files` maps relative names (may contain one `/`) to contents. */
export class ArtifactDirectory {
  private path: string | undefined;
  private readonly name: string;

  constructor(label: string) {
    instances += 1;
    this.name = `${component(label)}-${instances}`;
  }

  /** Replaces what was saved before with `files`; returns the directory. */
  save(files: ReadonlyMap<string, string>): string {
    this.remove();
    const dir = join(artifactRoot(), this.name);
    mkdirSync(dir, { mode: 0o700 });
    this.path = dir;
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
    if (this.path !== undefined) rmSync(this.path, { recursive: true, force: true });
    this.path = undefined;
  }
}
