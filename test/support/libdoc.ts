/**
 * Running Robot Framework's real libdoc from tests, and a Python stand-in remote server to point it at.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LibdocSpec } from '../../src/remote/docs/libdoc-spec';
import type { RemoteLibrary } from '../../src/remote/library';
import { libraryInformation } from './library-information';

const execFileAsync = promisify(execFile);

/**
 * Robot Framework is the one component whose absence skips tests rather than failing them: it is not in
 * the package registries CI reaches. The skip is announced on the console and counted by jest.
 */
export const robotImportable: boolean = (() => {
  try {
    execFileSync('python3', ['-c', 'import robot.libdoc'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

if (!robotImportable) {
  console.warn(
    'Robot Framework is not importable by python3: tests that compare with real Robot/libdoc are SKIPPED. ' +
      'Install it (pip install robotframework) to run them.',
  );
}

/** `it` when Robot Framework is importable, else a visible skip. */
export const itWithRobot: jest.It = robotImportable ? it : it.skip;
/** `describe` when Robot Framework is importable, else a visible skip. */
export const describeWithRobot: jest.Describe = robotImportable ? describe : describe.skip;

/** Fails with what to do when Robot Framework is not importable. */
export async function assertRobotAvailable(): Promise<void> {
  try {
    await execFileAsync('python3', ['-c', 'import robot.libdoc']);
  } catch {
    throw new Error(
      'Robot Framework is not importable by python3: these tests compare with real libdoc. ' +
        'Install it (pip install robotframework==7.4.2, or put its src/ on PYTHONPATH).',
    );
  }
}

/** Runs `python3 -m robot.libdoc ARGS`; rejects with libdoc's output when it fails. */
export async function runLibdoc(args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('python3', ['-m', 'robot.libdoc', ...args], { timeout: 30_000 });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`libdoc ${args.join(' ')} failed: ${failure.stdout ?? ''}${failure.stderr ?? ''}${failure.message}`);
  }
}

export interface StaticRemoteServer {
  url: string;
  stop(): Promise<void>;
}

/** Serves `info` as `get_library_information` from test/support/static_remote_server.py. */
export async function startStaticRemoteServer(info: unknown, directory: string): Promise<StaticRemoteServer> {
  const infoFile = join(directory, 'library-information.json');
  writeFileSync(infoFile, JSON.stringify(info));
  const child: ChildProcess = spawn('python3', [join(__dirname, 'static_remote_server.py'), infoFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    let errors = '';
    const timer = setTimeout(() => reject(new Error(`static remote server did not start: ${errors}`)), 10_000);
    child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^(\d+)\n/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`static remote server exited with ${code}: ${errors}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

/** A libdoc spec with the fields blanked that differ on purpose between ours and libdoc's (see `buildLibdocSpec`). */
export function comparable(spec: LibdocSpec): unknown {
  const keyword = (entry: LibdocSpec['keywords'][number]) => ({ ...entry, source: 'SOURCE', lineno: 'LINE' });
  return {
    ...spec,
    generated: 'GENERATED',
    source: 'SOURCE',
    lineno: 'LINE',
    inits: spec.inits.map(keyword),
    keywords: spec.keywords.map(keyword),
    typedocs: spec.typedocs.map((typedoc) => ({ ...typedoc, doc: 'TYPEDOC' })),
  };
}

/** Robot's own libdoc spec of `library`, read over the remote protocol from a Python stand-in server serving its information. */
export async function libdocSpecOf<I>(library: RemoteLibrary<I>, directory: string, label: string): Promise<LibdocSpec> {
  const server = await startStaticRemoteServer(libraryInformation(library), directory);
  try {
    return await libdocSpecFromServer(`${server.url}/session`, library, join(directory, `${label}-libdoc.json`));
  } finally {
    await server.stop();
  }
}

/** Robot's own libdoc spec of the remote library at `url` (named and versioned as `library`), written to `output`. */
export async function libdocSpecFromServer<I>(url: string, library: RemoteLibrary<I>, output: string): Promise<LibdocSpec> {
  await runLibdoc(['--name', library.name, '--version', library.version, `Remote::${url}`, output]);
  return JSON.parse(readFileSync(output, 'utf8')) as LibdocSpec;
}

/** `python3 -m robot ARGS` from the project root with no output files: rc and console output. */
export async function runRobotNoOutput(args: string[]): Promise<{ rc: number; output: string }> {
  const command = ['-m', 'robot', '--output', 'NONE', '--log', 'NONE', '--report', 'NONE', '--console', 'verbose', ...args];
  try {
    const { stdout, stderr } = await execFileAsync('python3', command, { cwd: join(__dirname, '..', '..'), timeout: 120_000 });
    return { rc: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { rc: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? String(error)}` };
  }
}
