/**
 * The keyword documentation page the server answers `GET /` with, and `npm run docs` writes: one
 * self-contained HTML file (inline CSS and a little vanilla JS, no external assets) built from the libdoc
 * spec, so it says exactly what libdoc and IDEs say. Keyword anchors are the printable names, as in
 * libdoc's HTML, so links such as `Lib.html#Open%20Session` work with either page. Sections of our own
 * have lowercase ids (`sessions-in-use`), which cannot clash with intro headings such as `= Sessions =`.
 */
import { buildLibdocSpec, type DocumentedLibrary, type LibdocArgument, type LibdocKeyword, type LibdocSpec, type LibdocType } from './libdoc-spec';
import { escapeAttribute, escapeHtml, htmlToText, robotDocToHtml } from './robot-doc';
import { PAGE_SCRIPT, PAGE_STYLE } from './html-page-assets';

/** One session as the server reports it on the live page. */
export interface DocsSession {
  /** URL path without `/`; `''` is the default session (`/` and `/RPC2`). */
  name: string;
  /** Whether the session holds a library instance. */
  hasInstance: boolean;
  /** Keyword running now, as published (`open_session`) or printable. */
  runningKeyword?: string;
  /** Calls running or queued in the session. */
  pendingCalls?: number;
  /** Keywords run in the session so far. */
  calls?: number;
  lastUsed?: Date;
}

export interface DocsPageOptions {
  /** Version of the serving program, shown next to the library's own version. */
  serverVersion?: string;
  /** Name of the serving program; default `Robot remote server`. */
  serverName?: string;
  /** Sessions in use: given when the page is served live; omitted for published docs. */
  sessions?: readonly DocsSession[];
  /** Base URL shown in import examples (`http://127.0.0.1:8270`). */
  serverUrl?: string;
  /** Link to the libdoc JSON spec (`spec.json` when served live, `Lib.json` when published). */
  specUrl?: string;
  /** Generation time of the spec; default now. */
  generated?: Date;
}

const DEFAULT_SERVER_URL = 'http://127.0.0.1:8270';

// Inline, so browsers do not ask the server for /favicon.ico.
const FAVICON =
  'data:image/svg+xml,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#3451c7"/>' +
      '<path d="M9 10h14M9 16h14M9 22h9" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>',
  );

/** Renders the documentation page of `library`. */
export function renderDocsPage(library: DocumentedLibrary, options: DocsPageOptions = {}): string {
  return renderDocsPageFromSpec(buildLibdocSpec(library, { generated: options.generated }), options);
}

/** Renders the documentation page from an already built spec (so a published page and spec agree). */
export function renderDocsPageFromSpec(spec: LibdocSpec, options: DocsPageOptions = {}): string {
  const title = `${spec.name} ${spec.version} keyword documentation`.replace(/\s+/g, ' ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="${escapeAttribute(options.serverName ?? 'Robot remote server')}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<link rel="icon" href="${FAVICON}">`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<a class="skip" href="#Keywords">Skip to keywords</a>',
    renderHeader(spec, options),
    '<div class="layout">',
    renderNavigation(spec, options),
    '<main id="main">',
    renderIntroduction(spec),
    renderImporting(spec, options),
    options.sessions ? renderSessions(options.sessions) : '',
    renderKeywords(spec),
    renderTypes(spec),
    renderFooter(spec, options),
    '</main>',
    '</div>',
    `<script>${PAGE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderHeader(spec: LibdocSpec, options: DocsPageOptions): string {
  const facts = [
    spec.version ? `<span class="badge" title="Library version">v${escapeHtml(spec.version)}</span>` : '',
    options.serverVersion
      ? `<span class="fact">${options.sessions ? 'served by ' : ''}${escapeHtml(options.serverName ?? 'remote server')} <strong>${escapeHtml(options.serverVersion)}</strong></span>`
      : '',
    options.sessions ? `<a class="fact" href="#sessions-in-use">${plural(options.sessions.length, 'session')} in use</a>` : '',
  ].filter((fact) => fact !== '');
  return `<header class="top">
<div class="brand"><h1>${escapeHtml(spec.name)}</h1>${facts.join('')}</div>
<div class="search" role="search">
<label for="search" class="visually-hidden">Search keywords</label>
<input id="search" type="search" autocomplete="off" spellcheck="false" placeholder="Search keywords, docs, tags… ( / )" aria-describedby="search-status" aria-controls="keyword-list">
<span id="search-status" class="status" role="status" aria-live="polite">${plural(spec.keywords.length, 'keyword')}</span>
</div>
</header>`;
}

/** Keywords grouped by tag; a keyword shows under each of its tags, untagged ones under "Other". */
function tagGroups(spec: LibdocSpec): Array<{ tag: string | undefined; keywords: LibdocKeyword[] }> {
  const groups = spec.tags.map((tag) => ({ tag: tag as string | undefined, keywords: spec.keywords.filter((keyword) => keyword.tags.includes(tag)) }));
  const untagged = spec.keywords.filter((keyword) => keyword.tags.length === 0);
  if (untagged.length > 0) groups.push({ tag: undefined, keywords: untagged });
  return groups;
}

function renderNavigation(spec: LibdocSpec, options: DocsPageOptions): string {
  const sections = [
    ['Introduction', 'Introduction'],
    ['Importing', 'Importing'],
    ...(options.sessions ? [['sessions-in-use', 'Sessions in use']] : []),
    ['Keywords', `Keywords (${spec.keywords.length})`],
    ...(spec.typedocs.length > 0 ? [['data-types', 'Data types']] : []),
  ];
  const groups = tagGroups(spec).map(({ tag, keywords }) => {
    const label = tag ?? 'Other';
    const items = keywords
      .map((keyword) => `<li data-keyword="${escapeAttribute(keyword.name)}"><a href="${anchor(keyword.name)}">${escapeHtml(keyword.name)}</a></li>`)
      .join('');
    return `<details class="group" open${tag === undefined ? ' data-untagged' : ` data-tag="${escapeAttribute(tag)}"`}>
<summary><span class="group-name">${escapeHtml(label)}</span> <span class="count">${keywords.length}</span></summary>
<ul>${items}</ul>
</details>`;
  });
  return `<nav class="side" aria-label="Contents">
<ul class="sections">${sections.map(([id, label]) => `<li><a href="${anchor(id)}">${escapeHtml(label)}</a></li>`).join('')}</ul>
<h2 class="side-title">Keywords by tag</h2>
${groups.join('\n')}
</nav>`;
}

function renderIntroduction(spec: LibdocSpec): string {
  return `<section id="Introduction" class="card intro" aria-labelledby="introduction-title">
<h2 id="introduction-title">Introduction</h2>
<div class="doc">${spec.doc}</div>
</section>`;
}

function renderImporting(spec: LibdocSpec, options: DocsPageOptions): string {
  const serverUrl = options.serverUrl ?? DEFAULT_SERVER_URL;
  const example = `Library    Remote    ${serverUrl}/&lt;session&gt;    AS    &lt;alias&gt;`;
  const init = spec.inits[0];
  return `<section id="Importing" class="card" aria-labelledby="importing-title">
<h2 id="importing-title">Importing</h2>
<div class="call"><pre><code>${escapeHtml('*** Settings ***')}\n${example}</code></pre>${copyButton()}</div>
${init ? `<div class="doc">${init.doc}</div>${renderArgumentTable(init.args)}` : ''}
</section>`;
}

function formatTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

function renderActivity(session: DocsSession): string {
  if (session.runningKeyword) return `<span class="pill busy">${escapeHtml(session.runningKeyword)}</span>`;
  if (session.pendingCalls) return `<span class="pill busy">${plural(session.pendingCalls, 'call')}</span>`;
  return '<span class="muted">idle</span>';
}

function renderSessions(sessions: readonly DocsSession[]): string {
  const rows = sessions.map(
    (session) => `<tr>
<th scope="row">${session.name === '' ? '<span class="muted">default</span> <code>/</code>' : `<code>/${escapeHtml(session.name)}</code>`}</th>
<td>${session.hasInstance ? '<span class="pill ok">instance</span>' : '<span class="pill">empty</span>'}</td>
<td>${renderActivity(session)}</td>
<td>${session.calls ?? ''}</td>
<td>${session.lastUsed ? escapeHtml(formatTime(session.lastUsed)) : ''}</td>
</tr>`,
  );
  const body =
    sessions.length === 0
      ? '<p class="muted">No sessions in use. Each URL path Robot imports the library with is a session.</p>'
      : `<div class="table-wrap"><table class="data"><thead><tr><th scope="col">Session</th><th scope="col">State</th><th scope="col">Running</th><th scope="col">Calls</th><th scope="col">Last used</th></tr></thead>
<tbody>${rows.join('')}</tbody></table></div>`;
  return `<section id="sessions-in-use" class="card" aria-labelledby="sessions-title">
<h2 id="sessions-title">Sessions in use</h2>
${body}
</section>`;
}

function renderKeywords(spec: LibdocSpec): string {
  return `<section id="Keywords" aria-labelledby="keywords-title">
<div class="section-head">
<h2 id="keywords-title">Keywords</h2>
<div class="tools"><button type="button" class="ghost" data-action="expand">Expand all</button><button type="button" class="ghost" data-action="collapse">Collapse all</button></div>
</div>
<p id="no-match" class="empty" hidden>No keyword matches your search.</p>
<div id="keyword-list">
${spec.keywords.map(renderKeyword).join('\n')}
</div>
</section>`;
}

function renderKeyword(keyword: LibdocKeyword): string {
  const tags = keyword.tags.map((tag) => `<button type="button" class="tag" data-tag="${escapeAttribute(tag)}" title="Show keywords tagged ${escapeAttribute(tag)}">${escapeHtml(tag)}</button>`);
  const searchText = [keyword.name, keyword.tags.join(' '), keyword.args.map((arg) => arg.name).join(' '), htmlToText(keyword.doc)].join(' ');
  return `<article class="kw${keyword.deprecated ? ' deprecated' : ''}" id="${escapeAttribute(keyword.name)}" data-tags="${escapeAttribute(keyword.tags.join('\n').toLowerCase())}" data-search="${escapeAttribute(searchText.toLowerCase())}">
<details>
<summary>
<h3 class="kw-name">${escapeHtml(keyword.name)}${keyword.deprecated ? ' <span class="pill warn">deprecated</span>' : ''}</h3>
<code class="signature">${renderSignature(keyword)}</code>
${keyword.shortdoc ? `<p class="shortdoc">${shortDocHtml(keyword.shortdoc)}</p>` : ''}
</summary>
<div class="kw-body">
${keyword.args.length > 0 ? renderArgumentTable(keyword.args) : '<p class="muted">No arguments.</p>'}
${keyword.returnType ? `<p class="returns"><span class="label">Returns</span> <code>${renderType(keyword.returnType)}</code></p>` : ''}
<div class="doc">${keyword.doc || '<p class="muted">No documentation.</p>'}</div>
<div class="usage"><span class="label">Call</span><div class="call"><pre><code>${escapeHtml(callExample(keyword))}</code></pre>${copyButton()}</div></div>
${tags.length > 0 ? `<p class="tags"><span class="label">Tags</span> ${tags.join(' ')}</p>` : ''}
</div>
</details>
</article>`;
}

/** The short doc with its inline formatting, without links: it sits inside the toggle of the entry. */
function shortDocHtml(shortdoc: string): string {
  return robotDocToHtml(shortdoc)
    .replace(/^<p>|<\/p>$/g, '')
    .replace(/<a [^>]*>(.*?)<\/a>/g, '$1');
}

function renderSignature(keyword: LibdocKeyword): string {
  const args = keyword.args.map((arg) => {
    if (arg.kind === 'POSITIONAL_ONLY_MARKER' || arg.kind === 'NAMED_ONLY_MARKER') return `<span class="marker">${escapeHtml(arg.repr)}</span>`;
    const prefix = arg.kind === 'VAR_POSITIONAL' ? '*' : arg.kind === 'VAR_NAMED' ? '**' : '';
    let html = `<span class="arg-name">${escapeHtml(prefix + arg.name)}</span>`;
    if (arg.type) html += `<span class="arg-type">: ${escapeHtml(typeText(arg.type))}</span>`;
    if (arg.defaultValue !== null) html += `<span class="arg-default">${arg.type ? ' = ' : '='}${escapeHtml(arg.defaultValue)}</span>`;
    return html;
  });
  const returns = keyword.returnType ? ` <span class="arrow">→</span> <span class="arg-type">${escapeHtml(typeText(keyword.returnType))}</span>` : '';
  return `(${args.join(', ')})${returns}`;
}

const KIND_LABELS: Record<LibdocArgument['kind'], string> = {
  POSITIONAL_ONLY: 'positional only',
  POSITIONAL_ONLY_MARKER: '',
  POSITIONAL_OR_NAMED: 'positional or named',
  VAR_POSITIONAL: 'any number of positional',
  NAMED_ONLY_MARKER: '',
  NAMED_ONLY: 'named only',
  VAR_NAMED: 'any named (name=value)',
};

function renderArgumentTable(args: LibdocArgument[]): string {
  const rows = args
    .filter((arg) => arg.kind !== 'POSITIONAL_ONLY_MARKER' && arg.kind !== 'NAMED_ONLY_MARKER')
    .map((arg) => {
      const prefix = arg.kind === 'VAR_POSITIONAL' ? '*' : arg.kind === 'VAR_NAMED' ? '**' : '';
      const defaultCell = arg.defaultValue !== null ? `<code>${escapeHtml(arg.defaultValue)}</code>` : arg.required ? '<span class="pill req">required</span>' : '';
      return `<tr><th scope="row"><code>${escapeHtml(prefix + arg.name)}</code></th><td>${arg.type ? `<code>${renderType(arg.type)}</code>` : ''}</td><td>${defaultCell}</td><td class="muted">${KIND_LABELS[arg.kind]}</td></tr>`;
    });
  return `<div class="table-wrap"><table class="data args"><thead><tr><th scope="col">Argument</th><th scope="col">Type</th><th scope="col">Default</th><th scope="col">Kind</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function typeText(type: LibdocType): string {
  if (type.union) return type.nested.map(typeText).join(' | ');
  return type.nested.length > 0 ? `${type.name}[${type.nested.map(typeText).join(', ')}]` : type.name;
}

/** A type with its standard parts linked to their docs in the Data types section. */
function renderType(type: LibdocType): string {
  if (type.union) return type.nested.map(renderType).join(' | ');
  const name = type.typedoc ? `<a href="${anchor(`type-${type.typedoc}`)}">${escapeHtml(type.name)}</a>` : escapeHtml(type.name);
  return type.nested.length > 0 ? `${name}[${type.nested.map(renderType).join(', ')}]` : name;
}

/** A Robot line calling the keyword with its required arguments as variables. */
export function callExample(keyword: LibdocKeyword): string {
  const cells: string[] = [];
  for (const arg of keyword.args) {
    if (!arg.required) continue;
    cells.push(arg.kind === 'NAMED_ONLY' ? `${arg.name}=\${${arg.name}}` : `\${${arg.name}}`);
  }
  const call = [keyword.name, ...cells].join('    ');
  return keyword.returnType ? `\${result}=    ${call}` : call;
}

function renderTypes(spec: LibdocSpec): string {
  if (spec.typedocs.length === 0) return '';
  const entries = spec.typedocs.map(
    (typedoc) => `<article class="card type" id="${escapeAttribute(`type-${typedoc.name}`)}">
<h3>${escapeHtml(typedoc.name)}</h3>
<div class="doc">${typedoc.doc}</div>
<p class="muted small">Accepts: ${typedoc.accepts.map((accepted) => `<code>${escapeHtml(accepted)}</code>`).join(', ')}.
Used by: ${typedoc.usages.map((usage) => `<a href="${anchor(usage)}">${escapeHtml(usage)}</a>`).join(', ')}.</p>
</article>`,
  );
  return `<section id="data-types" aria-labelledby="types-title">
<h2 id="types-title">Data types</h2>
<p class="muted">Robot converts arguments to these types before calling; the server converts them too when a client sends other values.</p>
<div class="types">${entries.join('\n')}</div>
</section>`;
}

function renderFooter(spec: LibdocSpec, options: DocsPageOptions): string {
  const spec_link = options.specUrl ? ` · <a href="${escapeAttribute(options.specUrl)}">libdoc JSON spec</a>` : '';
  return `<footer class="foot muted small">Generated ${escapeHtml(spec.generated)}${spec_link} · Also: <code>python3 -m robot.libdoc Remote::${escapeHtml(options.serverUrl ?? DEFAULT_SERVER_URL)}/any ${escapeHtml(spec.name)}.html</code></footer>`;
}

function copyButton(): string {
  return '<button type="button" class="copy" data-action="copy" aria-label="Copy to clipboard">Copy</button>';
}

function anchor(id: string): string {
  return `#${encodeURIComponent(id)}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
