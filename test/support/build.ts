/**
 * A transpiled copy of `src/` and of the test launchers in `test/fixtures/` (in the repository's layout) for
 * tests that run the real CLI as its own process (so a crash, its exit code and its RSS are the server's
 * alone). Built once per source state: the directory is named by a digest of
 * every source file, so test files running in parallel share one build, and a stale one is never used.
 * `templates/` and `node-scripts/` are linked next to it, where the QEMU library looks for them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((entry) => {
      const path = join(directory, entry);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
    });
}

/** Path of `src/cli.js` in a build of the current sources (made if missing). */
export function builtCli(): string {
  const files = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'test', 'fixtures'))];
  const digest = createHash('sha256');
  const sources = files.map((file) => {
    const text = readFileSync(file, 'utf8');
    digest.update(file).update('\0').update(text).update('\0');
    return { file, text };
  });
  digest.update(readFileSync(join(ROOT, 'package.json')));
  const base = join(ROOT, '.cache', `reliability-build-${digest.digest('hex').slice(0, 16)}`);
  const cli = join(base, 'src', 'cli.js');
  if (existsSync(cli)) return cli;

  // Built aside and renamed into place, so a parallel test file never sees half a build.
  const scratch = `${base}.${process.pid}.${Date.now()}.tmp`;
  for (const { file, text } of sources) {
    const output = ts.transpileModule(text, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const target = join(scratch, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  writeFileSync(join(scratch, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  symlinkSync(join(ROOT, 'templates'), join(scratch, 'templates'));
  symlinkSync(join(ROOT, 'node-scripts'), join(scratch, 'node-scripts'));
  // node_modules resolves from the repository: `.cache/` sits inside it.
  try {
    renameSync(scratch, base);
  } catch {
    // Another test file finished the same build first.
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!existsSync(cli)) throw new Error(`Building the CLI into ${base} failed`);
  pruneOldBuilds(base);
  return cli;
}

/** Builds of older sources, a day old or more (a parallel test file may still use a recent one). */
function pruneOldBuilds(current: string): void {
  const cache = dirname(current);
  for (const entry of readdirSync(cache)) {
    const path = join(cache, entry);
    if (!entry.startsWith('reliability-build-') || path === current) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 24 * 3600 * 1000) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by another test file meanwhile.
    }
  }
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`No VmRSS in /proc/${pid}/status (has the process exited?)`);
  return Number(kb) * 1024;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
