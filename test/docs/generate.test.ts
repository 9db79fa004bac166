/**
 * `npm run docs`: the files it writes, and the spec in them checked against Robot Framework's own libdoc,
 * which builds its spec of the same library from the running remote server, not from our spec builder.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import winston from 'winston';
import { generateDocs, sourceDateEpoch, writeLibspec } from '../../src/docs/generate';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { startRemoteServer } from '../../src/remote';
import type { LibdocSpec } from '../../src/remote/docs/libdoc-spec';
import type { RemoteLibrary } from '../../src/remote/library';
import { createFixtureLibrary } from '../support/docs-fixture-library';
import { assertRobotAvailable, comparable, itWithRobot, libdocSpecFromServer, runLibdoc } from '../support/libdoc';

let outDir: string;
beforeEach(() => (outDir = mkdtempSync(join(tmpdir(), 'docs-'))));
afterEach(() => rmSync(outDir, { recursive: true, force: true }));

/**
 * What Robot's libdoc makes of `library` served by our remote server, less the server's own `Stop Remote
 * Server` (every Robot remote server has it; the library's docs leave it out).
 */
async function robotLibdoc<I>(library: RemoteLibrary<I>): Promise<LibdocSpec> {
  const server = await startRemoteServer(library, { port: 0, log: winston.createLogger({ silent: true }) });
  try {
    const spec = await libdocSpecFromServer(`${server.url}/docs`, library, join(outDir, 'robot-libdoc.json'));
    return { ...spec, keywords: spec.keywords.filter((keyword) => keyword.name !== 'Stop Remote Server') };
  } finally {
    await server.stop();
  }
}

describe('npm run docs (generateDocs)', () => {
  it('writes the libdoc spec and the page, named after the library, reproducibly', () => {
    const generated = new Date('2024-01-02T03:04:05Z');
    const result = generateDocs({ outDir, library: createFixtureLibrary(), generated });
    expect(result).toEqual({ specFile: join(outDir, 'DemoLab.json'), pageFile: join(outDir, 'DemoLab.html'), keywords: 7 });
    const spec = JSON.parse(readFileSync(result.specFile, 'utf8')) as LibdocSpec;
    expect([spec.name, spec.generated, spec.keywords.length]).toEqual(['DemoLab', '2024-01-02T03:04:05+00:00', 7]);
    const page = readFileSync(result.pageFile, 'utf8');
    expect(page).toContain('id="Start Machine"');
    expect(page).toContain('href="DemoLab.json"');
    expect(page).not.toContain('id="sessions-in-use"');
    const again = generateDocs({ outDir, library: createFixtureLibrary(), generated });
    expect(readFileSync(again.specFile, 'utf8')).toBe(readFileSync(result.specFile, 'utf8'));
    expect(readFileSync(again.pageFile, 'utf8')).toBe(page);
  });

  itWithRobot('writes the spec Robot libdoc builds from the same library served over the remote protocol', async () => {
    await assertRobotAvailable();
    const library = createFixtureLibrary();
    const spec = JSON.parse(readFileSync(generateDocs({ outDir, library }).specFile, 'utf8')) as LibdocSpec;
    expect(comparable(spec)).toEqual(comparable(await robotLibdoc(library)));
  });

  itWithRobot('documents the QemuUtils library as Robot libdoc does, and libdoc reads the spec it writes', async () => {
    await assertRobotAvailable();
    const library = createQemuLibrary();
    const result = generateDocs({ outDir, library });
    const spec = JSON.parse(readFileSync(result.specFile, 'utf8')) as LibdocSpec;
    expect(spec.name).toBe('QemuUtils');
    // An empty `initDoc` makes libdoc show Remote's own import text, ours shows our own: compare the rest.
    const withoutInitDoc = (of: LibdocSpec): unknown => comparable(library.initDoc ? of : { ...of, inits: of.inits.map((init) => ({ ...init, doc: '', shortdoc: '' })) });
    expect(withoutInitDoc(spec)).toEqual(withoutInitDoc(await robotLibdoc(library)));
    const listed = await runLibdoc([result.specFile, 'list']);
    expect(listed.trim().split('\n').filter((line) => line !== '')).toEqual(spec.keywords.map((keyword) => keyword.name));
  });

  itWithRobot('writes the libspec editors load, which libdoc reads back with every keyword and the version', async () => {
    await assertRobotAvailable();
    const result = generateDocs({ outDir, library: createQemuLibrary() });
    const libspec = writeLibspec(result.specFile);
    expect(libspec).toBe(join(outDir, 'QemuUtils.libspec'));
    const xml = readFileSync(libspec, 'utf8');
    expect(xml).toMatch(/<keywordspec lineno="-1" name="QemuUtils" type="LIBRARY" format="HTML"/);
    const spec = JSON.parse(readFileSync(result.specFile, 'utf8')) as LibdocSpec;
    expect(xml).toContain(`<version>${spec.version}</version>`);
    // The version is in the intro too (`__intro__`), and Get Library Version returns it.
    expect(spec.doc).toContain(`Version ${spec.version} (`);
    const listed = await runLibdoc([libspec, 'list']);
    expect(listed.trim().split('\n').filter((line) => line !== '')).toEqual(spec.keywords.map((keyword) => keyword.name));
    expect(listed).toContain('Get Library Version');
  });

  it('says what is missing when libdoc cannot write the libspec', () => {
    const result = generateDocs({ outDir, library: createFixtureLibrary() });
    expect(() => writeLibspec(result.specFile, join(outDir, 'no-python'))).toThrow(/no-python -m robot\.libdoc could not write .*DemoLab\.libspec \(Robot Framework importable/);
  });

  it('reads SOURCE_DATE_EPOCH, refusing values that are not seconds', () => {
    expect(sourceDateEpoch('1704164645')?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(sourceDateEpoch(undefined)).toBeUndefined();
    expect(() => sourceDateEpoch('yesterday')).toThrow(/SOURCE_DATE_EPOCH must be seconds/);
  });
});
