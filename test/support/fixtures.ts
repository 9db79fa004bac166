/** The Python fixtures in test/fixtures/: each prints its outcome as one JSON line, last on stdout. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export const FIXTURES_DIR = join(__dirname, '..', 'fixtures');

export interface FixtureRun {
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** Runs `python3 test/fixtures/<script> <args>` there (its sibling modules importable); the last stdout line parsed. */
export function runPythonFixture(script: string, args: readonly string[] = [], { input, timeoutMs = 30_000 }: FixtureRun = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', [script, ...args], { cwd: FIXTURES_DIR, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`python3 ${script} ${args.join(' ')} failed (${error?.message ?? 'no JSON line'}):\n${stderr}\nstdout: ${stdout}`));
      }
    });
    child.stdin?.end(input ?? '');
  });
}
