/**
 * The keyword documentation page, served by the real remote server at `GET /`, in a real headless Chromium:
 * it loads without external requests or script errors, shows the live sessions, filters as you type, opens
 * keywords from clicks, links and URL fragments, and is usable from the keyboard. Leaves screenshots in
 * test-results/docs-page.png and docs-page-full.png. Needs Debian's `chromium` (apt-get install -y chromium).
 *
 * Browser-side code is passed as strings: the test program has Node's types, not the DOM's.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createServerLog, startRemoteServer, type RemoteServer } from '../../../src/remote';
import { createFixtureLibrary } from '../../support/docs-fixture-library';
import { launchChromium, type HeadlessChromium } from '../../support/chromium';
import { py } from '../../support/xmlrpc';

const SCREENSHOT = join(__dirname, '../../../test-results/docs-page.png');

let browser: HeadlessChromium;
let server: RemoteServer;
let baseUrl: string;
let page: Page;
const requested: string[] = [];
const scriptErrors: string[] = [];

beforeAll(async () => {
  // The real remote server: a session with an instance (made over XML-RPC, as Robot would) shows live.
  server = await startRemoteServer(createFixtureLibrary(), { port: 0, log: createServerLog({ level: 'silent' }) });
  baseUrl = server.url;
  await py(baseUrl, "result = run('start_machine', [1], path='/DUT1_vm1')");
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('request', (request) => requested.push(request.url()));
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') scriptErrors.push(message.text());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const visibleKeywords = (): Promise<string[]> =>
  page.locator('article.kw:visible h3').evaluateAll((headings) => headings.map((heading) => heading.firstChild?.textContent?.trim() ?? ''));

describe('keyword documentation page in Chromium', () => {
  it('loads with every keyword, the version, the sessions and no external requests or errors', async () => {
    await page.goto(`${baseUrl}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('DemoLab');
    await expect(page.title()).resolves.toBe('DemoLab 2.1.0 keyword documentation');
    expect(await visibleKeywords()).toHaveLength(8);
    await expect(page.locator('#search-status').textContent()).resolves.toBe('8 keywords');
    await expect(page.locator('header').textContent()).resolves.toMatch(/v2\.1\.0.*served by qemu-utils-remote \d+\.\d+\.\d+.*1 session in use/s);
    await expect(page.locator('#sessions-in-use tbody tr').textContent()).resolves.toMatch(/\/DUT1_vm1\s*instance/);
    expect(await page.locator('nav.side details.group summary .group-name').allTextContents()).toEqual([
      'exec',
      'Guest',
      'lifecycle',
      'network',
      'setup',
      'Other', // Stop Remote Server, the protocol's own keyword
    ]);
    expect(requested).toEqual([`${baseUrl}/`]);
    expect(scriptErrors).toEqual([]);
  });

  it('filters keywords and the tag groups as you type, and says how many match', async () => {
    await page.locator('#search').pressSequentially('vhost');
    expect(await visibleKeywords()).toEqual(['Add Network Interface']);
    await expect(page.locator('#search-status').textContent()).resolves.toBe('1 of 8 keywords');
    expect(await page.locator('nav.side li[data-keyword]:visible').allTextContents()).toEqual(['Add Network Interface', 'Add Network Interface']);
    await expect(page.locator('[id="Introduction"]').isVisible()).resolves.toBe(false);

    await page.locator('#search').fill('tag:lifecycle machine');
    expect(await visibleKeywords()).toEqual(['Get Machine Status', 'Old Start', 'Start Machine', 'Stop Machine']);

    await page.locator('#search').fill('no such thing');
    expect(await visibleKeywords()).toEqual([]);
    await expect(page.locator('#no-match').isVisible()).resolves.toBe(true);

    await page.locator('#search').press('Escape');
    expect(await visibleKeywords()).toHaveLength(8);
    await expect(page.locator('[id="Introduction"]').isVisible()).resolves.toBe(true);
  });

  it('opens a keyword on click, showing its arguments, types, defaults, doc and a call example', async () => {
    const keyword = page.locator('article[id="Start Machine"]');
    await expect(keyword.locator('.kw-body').isVisible()).resolves.toBe(false);
    await keyword.locator('summary').click();
    const rows = [];
    for (const row of await keyword.locator('table.args tbody tr').all()) {
      rows.push((await row.locator('th, td').allTextContents()).map((cell) => cell.trim()));
    }
    expect(rows).toEqual([
      ['machine_id', 'int', 'required', 'positional or named'],
      ['memory', 'int', '1024', 'positional or named'],
      ['cpus', 'int | None', 'None', 'positional or named'],
      ['kernel_args', 'list[str]', 'None', 'positional or named'],
      ['wait', 'bool', 'True', 'named only'],
    ]);
    await expect(keyword.locator('.returns').textContent()).resolves.toContain('dict[str, int]');
    await expect(keyword.locator('.doc').isVisible()).resolves.toBe(true);
    await expect(keyword.locator('.doc').textContent()).resolves.toContain('returns its ports');
    await expect(keyword.locator('.usage pre').textContent()).resolves.toBe('${result}=    Start Machine    ${machine_id}');
  });

  it('follows links between keywords: a `Keyword` reference in a doc opens its entry', async () => {
    await page.locator('article[id="Start Machine"] .doc a', { hasText: 'Stop Machine' }).click();
    await expect(page.evaluate('decodeURIComponent(location.hash)')).resolves.toBe('#Stop Machine');
    const target = page.locator('article[id="Stop Machine"]');
    await expect(target.locator('.kw-body').isVisible()).resolves.toBe(true);
    await expect(target.locator('.doc').textContent()).resolves.toContain('waiting up to timeout seconds');
  });

  it('opens the keyword a URL fragment names, and filters by a tag chip', async () => {
    await page.goto(`${baseUrl}/#Run%20Command`);
    const run = page.locator('article[id="Run Command"]');
    await expect(run.locator('.kw-body').isVisible()).resolves.toBe(true);
    await run.locator('button.tag', { hasText: 'Guest' }).click();
    await expect(page.locator('#search').inputValue()).resolves.toBe('tag:Guest');
    expect(await visibleKeywords()).toEqual(['Run Command']);
    await page.locator('#search').fill('');
  });

  it('works from the keyboard: / focuses search, Enter opens the first match', async () => {
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('/');
    await expect(page.evaluate('document.activeElement.id')).resolves.toBe('search');
    await page.keyboard.type('interface');
    await page.keyboard.press('Enter');
    const add = page.locator('article[id="Add Network Interface"]');
    await expect(add.locator('.kw-body').isVisible()).resolves.toBe(true);
    await expect(page.evaluate("document.activeElement.closest('article').id")).resolves.toBe('Add Network Interface');
    await page.keyboard.press('Enter'); // on the focused summary: toggles it closed
    await expect(add.locator('.kw-body').isVisible()).resolves.toBe(false);
    expect(scriptErrors).toEqual([]);
  });

  it('saves screenshots: the page at an open keyword, and the whole page', async () => {
    await page.goto(`${baseUrl}/#Start%20Machine`);
    await page.evaluate('document.activeElement.blur()');
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    const image = await page.screenshot({ path: SCREENSHOT, animations: 'disabled' });
    expect(image.length).toBeGreaterThan(10_000);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: SCREENSHOT.replace(/\.png$/, '-full.png'), fullPage: true, animations: 'disabled' });
  });
});
