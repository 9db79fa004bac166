import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDocs, sourceDateEpoch } from '../../src/docs/generate';
import { createQemuLibrary } from '../../src/library/qemu-library';
import { buildLibdocSpec, type LibdocSpec } from '../../src/remote/docs/libdoc-spec';
import { createFixtureLibrary } from '../support/docs-fixture-library';
import { assertRobotAvailable, runLibdoc, itWithRobot } from '../support/libdoc';

let outDir: string;
beforeEach(() => (outDir = mkdtempSync(join(tmpdir(), 'docs-'))));
afterEach(() => rmSync(outDir, { recursive: true, force: true }));

describe('npm run docs (generateDocs)', () => {
  it('writes the libdoc spec and the page, named after the library, reproducibly', () => {
    const generated = new Date('2024-01-02T03:04:05Z');
    const result = generateDocs({ outDir, library: createFixtureLibrary(), generated });
    expect(result).toEqual({ specFile: join(outDir, 'DemoLab.json'), pageFile: join(outDir, 'DemoLab.html'), keywords: 7 });
    const spec = JSON.parse(readFileSync(result.specFile, 'utf8')) as LibdocSpec;
    expect(spec).toEqual(buildLibdocSpec(createFixtureLibrary(), { generated }));
    const page = readFileSync(result.pageFile, 'utf8');
    expect(page).toContain('id="Start Machine"');
    expect(page).toContain('href="DemoLab.json"');
    expect(page).not.toContain('id="sessions-in-use"');
    const again = generateDocs({ outDir, library: createFixtureLibrary(), generated });
    expect(readFileSync(again.pageFile, 'utf8')).toBe(page);
  });

  itWithRobot('documents the QemuUtils library, and libdoc reads the spec it writes', async () => {
    await assertRobotAvailable();
    const result = generateDocs({ outDir, library: createQemuLibrary() });
    const listed = await runLibdoc([result.specFile, 'list']);
    const spec = JSON.parse(readFileSync(result.specFile, 'utf8')) as LibdocSpec;
    expect(listed.trim().split('\n').filter((line) => line !== '')).toEqual(spec.keywords.map((keyword) => keyword.name));
    expect(spec.name).toBe('QemuUtils');
  });

  it('reads SOURCE_DATE_EPOCH, refusing values that are not seconds', () => {
    expect(sourceDateEpoch('1704164645')?.toISOString()).toBe('2024-01-02T03:04:05.000Z');
    expect(sourceDateEpoch(undefined)).toBeUndefined();
    expect(() => sourceDateEpoch('yesterday')).toThrow(/SOURCE_DATE_EPOCH must be seconds/);
  });
});
