/**
 * Runs the real `qemu-utils-remote` CLI as a child process. The sources (`src/` and the test launcher in
 * `test/fixtures/`, in the repository's layout) are transpiled (no type check, so another module's type error
 * cannot block these tests; `tsc` covers types) with TypeScript's own `transpileModule` into `.cache/` inside
 * the repository, where `node_modules` resolves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((entry) => {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The `.ts` files a CLI build transpiles: the product and the test launchers. */
export function cliSources(): string[] {
  return [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'test', 'fixtures'))];
}

/** Transpiles `src/` into a fresh directory; returns the path of `cli.js`. Remove it with `removeBuild`. */
export function buildCli(): string {
  const base = join(ROOT, '.cache', `cli-test-${process.pid}-${Date.now()}`);
  for (const file of cliSources()) {
    const output = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const target = join(base, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  // The CLI reads its version from the package.json next to its directory, as in the published layout.
  copyFileSync(join(ROOT, 'package.json'), join(base, 'package.json'));
  return join(base, 'src', 'cli.js');
}

/** The test launcher that adds `--library demo` (test/fixtures/demo-cli.ts), built beside `cli`. */
export function demoCli(cli: string): string {
  return join(dirname(dirname(cli)), 'test', 'fixtures', 'demo-cli.js');
}

export function removeBuild(cli: string): void {
  rmSync(dirname(dirname(cli)), { recursive: true, force: true });
}

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Kills every server a test started and left running (after a failed assertion). */
export function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, QEMU_UTILS_REMOTE_CREDENTIALS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export interface StartedCli extends CliRun {
  port: number;
  url: string;
}

/** Starts the server and waits for its started line. */
export async function startCli(cli: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<StartedCli> {
  const run = runCli(cli, args, env);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /Robot Framework remote server at (\S+):(\d+) started\./.exec(run.stdout());
    if (match) return { ...run, port: Number(match[2]), url: `http://${match[1]}:${match[2]}` };
    if (run.child.exitCode !== null || Date.now() > deadline) {
      run.child.kill('SIGKILL');
      throw new Error(`The server did not start.\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
