/**
 * `npm run docs`: writes the QemuUtils keyword documentation for publishing, without a running server:
 * `docs/QemuUtils.json` (libdoc JSON spec: IDEs and `python3 -m robot.libdoc QemuUtils.json out.html` read
 * it), `docs/QemuUtils.html` (the page the server shows at `GET /`, minus the live sessions) and, when Robot
 * Framework is importable by python3, `docs/QemuUtils.libspec` (libdoc's XML spec, which editors load:
 * RobotCode, the Robot Framework LSP; docs/robot-suites.md). `SOURCE_DATE_EPOCH` fixes the generation time,
 * for reproducible output.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createQemuLibrary } from '../library/qemu-library';
import { packageIdentity, publishedLibrary } from '../remote/docs/endpoint';
import { renderDocsPageFromSpec } from '../remote/docs/html-page';
import { buildLibdocSpec, type DocumentedLibrary } from '../remote/docs/libdoc-spec';

export interface GenerateDocsOptions {
  outDir: string;
  library: DocumentedLibrary;
  generated?: Date;
}

export interface GeneratedDocs {
  specFile: string;
  pageFile: string;
  keywords: number;
}

/** `SOURCE_DATE_EPOCH` (seconds) as a date, or undefined when unset; rejects garbage loudly. */
export function sourceDateEpoch(value: string | undefined = process.env.SOURCE_DATE_EPOCH): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds)) throw new Error(`SOURCE_DATE_EPOCH must be seconds since the epoch, got '${value}'.`);
  return new Date(seconds * 1000);
}

export function generateDocs(options: GenerateDocsOptions): GeneratedDocs {
  const spec = buildLibdocSpec(options.library, options.generated ? { generated: options.generated } : {});
  const identity = packageIdentity(__dirname);
  mkdirSync(options.outDir, { recursive: true });
  const specFile = join(options.outDir, `${spec.name}.json`);
  const pageFile = join(options.outDir, `${spec.name}.html`);
  writeFileSync(specFile, `${JSON.stringify(spec, null, 2)}\n`);
  writeFileSync(
    pageFile,
    renderDocsPageFromSpec(spec, {
      specUrl: `${spec.name}.json`,
      ...(identity.name ? { serverName: identity.name } : {}),
      ...(identity.version ? { serverVersion: identity.version } : {}),
    }),
  );
  return { specFile, pageFile, keywords: spec.keywords.length };
}

/**
 * Converts the JSON spec `specFile` into libdoc's XML spec next to it (`<name>.libspec`, docs as HTML, as
 * editors expect) with Robot's own libdoc; returns its path. Throws saying what is missing without Robot.
 */
export function writeLibspec(specFile: string, python = 'python3'): string {
  const libspec = specFile.replace(/\.json$/, '.libspec');
  try {
    execFileSync(python, ['-m', 'robot.libdoc', '--format', 'XML', '--specdocformat', 'HTML', specFile, libspec], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stderr?: Buffer; message: string };
    const detail = failed.stderr?.toString().trim() || failed.message;
    throw new Error(`${python} -m robot.libdoc could not write ${libspec} (Robot Framework importable by ${python} is needed): ${detail}`);
  }
  // Robot 7's libdoc leaves out a library's lineno unless positive (ours is -1: no source file), and its
  // own XML reader then fails on the missing attribute: write libdoc's -1 back, so libdoc and editors read it.
  const xml = readFileSync(libspec, 'utf8');
  if (!/<keywordspec [^>]*\blineno=/.test(xml)) writeFileSync(libspec, xml.replace(/<keywordspec /, '<keywordspec lineno="-1" '));
  return libspec;
}

function main(argv: string[]): void {
  const outIndex = argv.indexOf('--out');
  const outDir = resolve(outIndex >= 0 && argv[outIndex + 1] ? argv[outIndex + 1] : join(__dirname, '..', '..', 'docs'));
  const generated = sourceDateEpoch();
  // As served: Robot (and libdoc) see the server's stop_remote_server next to the library's keywords.
  const library = publishedLibrary(createQemuLibrary());
  const result = generateDocs({ outDir, library, ...(generated ? { generated } : {}) });
  const shown = (file: string): string => relative(process.cwd(), file) || file;
  process.stdout.write(`Wrote ${shown(result.specFile)} and ${shown(result.pageFile)} (${result.keywords} keywords).\n`);
  try {
    process.stdout.write(`Wrote ${shown(writeLibspec(result.specFile))} (the editors' libspec).\n`);
  } catch (error) {
    process.stderr.write(`Did not write the libspec: ${(error as Error).message}\n`);
  }
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`npm run docs failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
