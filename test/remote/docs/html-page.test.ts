import type { RemoteLibrary } from '../../../src/remote/library';
import { callExample, renderDocsPage } from '../../../src/remote/docs/html-page';
import { buildLibdocSpec } from '../../../src/remote/docs/libdoc-spec';
import { createFixtureLibrary } from '../../support/docs-fixture-library';

const hostile: RemoteLibrary<object> = {
  ...createFixtureLibrary(),
  name: 'Lib<script>',
  keywords: [
    {
      name: 'evil_keyword',
      parameters: [{ name: 'x"><img src=x onerror=alert(1)>', default: '</script><script>alert(2)</script>' }],
      tags: ['<b>tag</b>'],
      doc: '<script>alert(3)</script> `Evil Keyword`',
      instance: 'none',
      run: async () => undefined,
    },
  ],
};

describe('renderDocsPage', () => {
  it('escapes every library-provided text', () => {
    const page = renderDocsPage(hostile);
    expect(page).not.toMatch(/<script>alert|<img src=x|<b>tag<\/b>/);
    expect(page.match(/<script>/g)).toHaveLength(1); // only the page's own script
    expect(page).toContain('Lib&lt;script&gt;');
  });

  it('is self-contained: no external stylesheets, scripts or images of its own', () => {
    const page = renderDocsPage(createFixtureLibrary());
    expect(page).not.toMatch(/<link[^>]+rel="stylesheet"|<script[^>]+src=|<img[^>]+src="https?:/);
  });

  it('shows sessions only when given, with the default session named as such', () => {
    expect(renderDocsPage(createFixtureLibrary())).not.toContain('id="sessions-in-use"');
    const live = renderDocsPage(createFixtureLibrary(), {
      sessions: [
        { name: '', hasInstance: false },
        { name: 'DUT1_vm1', hasInstance: true, runningKeyword: 'Start Machine', calls: 3 },
      ],
      serverVersion: '9.9.9',
    });
    expect(live).toContain('id="sessions-in-use"');
    expect(live).toContain('2 sessions in use');
    expect(live).toContain('<span class="muted">default</span> <code>/</code>');
    expect(live).toContain('<span class="pill busy">Start Machine</span>');
    expect(live).toContain('9.9.9');
  });

  it('groups keywords by tag in the navigation, untagged ones under Other', () => {
    const library = createFixtureLibrary();
    library.keywords.push({ ...library.keywords[0], name: 'untagged_one', tags: [] });
    const page = renderDocsPage(library);
    const groups = [...page.matchAll(/<span class="group-name">([^<]+)<\/span>/g)].map((match) => match[1]);
    expect(groups).toEqual(['exec', 'Guest', 'lifecycle', 'network', 'setup', 'Other']);
  });
});

describe('callExample', () => {
  it('calls the keyword with its required arguments, assigning the result when it returns one', () => {
    const spec = buildLibdocSpec(createFixtureLibrary());
    const byName = (name: string) => spec.keywords.find((keyword) => keyword.name === name)!;
    expect(callExample(byName('Start Machine'))).toBe('${result}=    Start Machine    ${machine_id}');
    expect(callExample(byName('Add Network Interface'))).toBe('Add Network Interface    ${socket}');
    expect(callExample(byName('Stop Machine'))).toBe('Stop Machine');
  });
});
