/**
 * Our spec against Robot Framework's real libdoc: libdoc reads the same keyword definitions from a remote
 * server (`Remote::http://...`), and the two JSON specs must agree field for field, apart from the
 * differences `buildLibdocSpec` documents. Then libdoc must accept our spec as its own input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createQemuLibrary } from '../../../src/library/qemu-library';
import { buildLibdocSpec, type LibdocSpec } from '../../../src/remote/docs/libdoc-spec';
import { createFixtureLibrary } from '../../support/docs-fixture-library';
import { comparable, describeWithRobot, libdocSpecOf, runLibdoc } from '../../support/libdoc';

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'libdoc-compat-'));
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describeWithRobot('libdoc spec compared with Robot Framework libdoc', () => {
  it('matches libdoc field for field on a library using every doc feature', async () => {
    const library = createFixtureLibrary();
    const theirs = await libdocSpecOf(library, directory, 'fixture');
    const ours = buildLibdocSpec(library);
    expect(comparable(ours)).toEqual(comparable(theirs));
    // The same type docs are listed, in the same order, for the same keywords.
    expect(ours.typedocs.map((typedoc) => typedoc.name)).toEqual(theirs.typedocs.map((typedoc) => typedoc.name));
  });

  it('matches libdoc on the QemuUtils library', async () => {
    const library = createQemuLibrary();
    const theirs = await libdocSpecOf(library, directory, 'qemu');
    const ours = buildLibdocSpec(library);
    // An empty `initDoc` makes libdoc show Remote's own import text, ours shows our own: compare the rest.
    const withoutInitDoc = (spec: LibdocSpec): unknown =>
      comparable(library.initDoc ? spec : { ...spec, inits: spec.inits.map((init) => ({ ...init, doc: '', shortdoc: '' })) });
    expect(withoutInitDoc(ours)).toEqual(withoutInitDoc(theirs));
  });

  it('is accepted by libdoc as input: it lists every keyword and converts to HTML', async () => {
    const spec = buildLibdocSpec(createFixtureLibrary());
    const specFile = join(directory, 'DemoLab.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const listed = await runLibdoc([specFile, 'list']);
    expect(listed.trim().split('\n')).toEqual(spec.keywords.map((keyword) => keyword.name));
    const htmlFile = join(directory, 'DemoLab.html');
    await runLibdoc([specFile, htmlFile]);
    expect(readFileSync(htmlFile, 'utf8')).toContain('Add Network Interface');
  });
});
