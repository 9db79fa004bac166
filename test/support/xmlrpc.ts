/**
 * Runs Python snippets against a remote-library server through `xmlrpc_driver.py` (Python's
 * `xmlrpc.client`, the client Robot's Remote library uses). See the driver for the helpers a snippet gets.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const DRIVER = join(__dirname, 'xmlrpc_driver.py');

export type PyError =
  | { type: 'Fault'; faultCode: number; faultString: string }
  | { type: 'ProtocolError'; status: number; message: string }
  | { type: string; message: string };

export type PyResult = { value: unknown; error?: undefined } | { value?: undefined; error: PyError };

/** Runs `script` (which sets `result`) in a new python3 process. Rejects only if Python itself fails. */
export function runPython(url: string, script: string, timeoutMs = 60_000): Promise<PyResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [DRIVER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`python3 driver timed out after ${timeoutMs} ms\nscript:\n${script}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot run python3 (install python3): ${error.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as PyResult);
      } catch {
        reject(new Error(`python3 driver failed (exit ${code}):\n${stderr}\nstdout: ${stdout}\nscript:\n${script}`));
      }
    });
    child.stdin.end(JSON.stringify({ url, script }));
  });
}

/** Runs `script` and returns `result`; fails with the Python-side error when it raised. */
export async function py(url: string, script: string, timeoutMs?: number): Promise<unknown> {
  const outcome = await runPython(url, script, timeoutMs);
  if (outcome.error) throw new Error(`Python raised ${JSON.stringify(outcome.error)}\nscript:\n${script}`);
  return outcome.value;
}

/** Runs `script`, which must raise; returns what it raised. */
export async function pyError(url: string, script: string): Promise<PyError> {
  const outcome = await runPython(url, script);
  if (!outcome.error) throw new Error(`Expected an error, got ${JSON.stringify(outcome.value)}\nscript:\n${script}`);
  return outcome.error;
}

/** A JSON value as a Python expression (JSON is Python but for true/false/null). */
export function pyJson(value: unknown): string {
  return `__import__('json').loads(${JSON.stringify(JSON.stringify(value))})`;
}

/** One keyword call of a session: name, positional and named arguments. */
export type KeywordStep = readonly [name: string, args: readonly unknown[], kwargs: Record<string, unknown>];

/** Runs each session's keywords in order, all sessions at once (the driver's `run_sessions`); the results by session path. */
export async function runSessions<R>(url: string, flows: Record<string, readonly KeywordStep[]>): Promise<Record<string, R[]>> {
  return (await py(url, `result = run_sessions(${pyJson(flows)})`)) as Record<string, R[]>;
}
