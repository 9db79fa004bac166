/** Inline style and behaviour of the keyword documentation page (kept apart from its markup). */

export const PAGE_STYLE = String.raw`
:root {
  --bg: #f5f6fa; --surface: #ffffff; --text: #1c2230; --muted: #5d6677; --border: #e2e5ee;
  --accent: #3451c7; --accent-soft: #e9eeff; --code-bg: #f0f2f7; --code-text: #24324f;
  --type: #0b7285; --default: #9c36b5; --ok: #2b8a3e; --ok-soft: #e6f6ea; --warn: #b35c00; --warn-soft: #fff1e0;
  --busy: #1864ab; --busy-soft: #e5f1ff; --shadow: 0 1px 2px rgba(20, 30, 60, .06), 0 2px 8px rgba(20, 30, 60, .04);
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f131a; --surface: #171c25; --text: #e3e7ef; --muted: #9aa3b5; --border: #2a3140;
    --accent: #8ea6ff; --accent-soft: #222c48; --code-bg: #1e2431; --code-text: #d5dcf0;
    --type: #66d9e8; --default: #e599f7; --ok: #8ce99a; --ok-soft: #1d3325; --warn: #ffc078; --warn-soft: #3a2a17;
    --busy: #a5d8ff; --busy-soft: #1b2d42; --shadow: none;
  }
}
* { box-sizing: border-box; }
html { scroll-padding-top: 84px; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; border-radius: 4px; }
code, pre { font-family: var(--mono); font-size: .88em; }
code { background: var(--code-bg); color: var(--code-text); padding: .1em .35em; border-radius: 4px; }
pre { background: var(--code-bg); color: var(--code-text); padding: 10px 14px; border-radius: 8px; overflow-x: auto; margin: .6em 0; }
pre code { background: none; padding: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.skip { position: absolute; left: -999px; top: 8px; background: var(--surface); padding: 8px 12px; z-index: 10; }
.skip:focus { left: 8px; }
.muted { color: var(--muted); }
.small { font-size: .85em; }

.top { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 12px 24px; align-items: center; justify-content: space-between;
  padding: 12px 28px; background: color-mix(in srgb, var(--surface) 88%, transparent); backdrop-filter: blur(8px); border-bottom: 1px solid var(--border); }
.brand { display: flex; align-items: baseline; flex-wrap: wrap; gap: 10px; }
.brand h1 { margin: 0; font-size: 1.45rem; letter-spacing: -.01em; }
.badge { background: var(--accent); color: #fff; border-radius: 999px; padding: 1px 10px; font-size: .8rem; font-weight: 600; }
@media (prefers-color-scheme: dark) { .badge { color: #0f131a; } }
.fact { color: var(--muted); font-size: .88rem; }
.fact + .fact::before { content: "·"; margin-right: 10px; color: var(--border); }
.search { display: flex; align-items: center; gap: 12px; flex: 1 1 320px; max-width: 560px; }
.search input { flex: 1; font: inherit; padding: 8px 14px; border-radius: 10px; border: 1px solid var(--border); background: var(--bg); color: var(--text); }
.search input:focus { border-color: var(--accent); outline: 3px solid var(--accent-soft); }
.status { color: var(--muted); font-size: .85rem; white-space: nowrap; min-width: 7em; text-align: right; }

.layout { display: grid; grid-template-columns: 270px minmax(0, 1fr); gap: 28px; max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
.side { position: sticky; top: 84px; align-self: start; max-height: calc(100vh - 100px); overflow-y: auto; padding-right: 6px; font-size: .92rem; }
.side ul { list-style: none; margin: 0; padding: 0; }
.sections { margin-bottom: 18px !important; }
.sections a, .group li a { display: block; padding: 3px 10px; border-radius: 6px; color: var(--text); }
.sections a:hover, .group li a:hover { background: var(--accent-soft); text-decoration: none; }
.group li a[aria-current] { background: var(--accent-soft); color: var(--accent); font-weight: 600; }
.side-title { font-size: .75rem; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); margin: 0 0 6px 10px; }
.group { margin-bottom: 4px; }
.group summary { cursor: pointer; padding: 4px 10px; border-radius: 6px; font-weight: 600; display: flex; justify-content: space-between; }
.group summary:hover { background: var(--accent-soft); }
.group .count { color: var(--muted); font-weight: 400; font-size: .85em; }
.group ul { margin: 2px 0 8px 10px !important; border-left: 2px solid var(--border); }

main { min-width: 0; }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: 12px; padding: 18px 24px; margin-bottom: 20px; box-shadow: var(--shadow); }
main h2 { margin: 0 0 10px; font-size: 1.25rem; }
.section-head { display: flex; align-items: center; justify-content: space-between; margin: 28px 0 12px; }
.section-head h2 { margin: 0; }
.tools { display: flex; gap: 6px; }
button { font: inherit; cursor: pointer; }
.ghost { background: none; border: 1px solid var(--border); color: var(--muted); border-radius: 8px; padding: 3px 10px; font-size: .85rem; }
.ghost:hover { color: var(--accent); border-color: var(--accent); }

.doc > :first-child { margin-top: 0; }
.doc > :last-child { margin-bottom: 0; }
.doc h2, .doc h3, .doc h4 { margin: 1.2em 0 .4em; }
.doc h2 { font-size: 1.12rem; } .doc h3 { font-size: 1rem; } .doc h4 { font-size: .95rem; }
.doc table { border-collapse: collapse; margin: .6em 0; font-size: .92em; display: block; max-width: 100%; overflow-x: auto; border: 0; }
.doc table td, .doc table th { border: 1px solid var(--border); padding: 4px 10px; text-align: left; vertical-align: top; white-space: nowrap; }
.doc table th { background: var(--code-bg); }
.doc span.name, .shortdoc span.name { font-family: var(--mono); font-size: .92em; color: var(--muted); }
.card > * + * { margin-top: 12px; }
.doc hr { border: 0; border-top: 1px solid var(--border); }

.kw { background: var(--surface); border: 1px solid var(--border); border-radius: 12px; margin-bottom: 10px; box-shadow: var(--shadow); transition: border-color .2s; }
.kw:hover { border-color: color-mix(in srgb, var(--accent) 35%, var(--border)); }
.kw > details > summary { list-style: none; cursor: pointer; padding: 12px 20px 12px 44px; position: relative; border-radius: 12px; }
.kw > details > summary::-webkit-details-marker { display: none; }
.kw > details > summary::before { content: ""; position: absolute; left: 20px; top: 20px; width: 7px; height: 7px;
  border-right: 2px solid var(--muted); border-bottom: 2px solid var(--muted); transform: rotate(-45deg); transition: transform .15s; }
.kw > details[open] > summary::before { transform: rotate(45deg); }
.kw > details[open] > summary { border-bottom: 1px solid var(--border); border-radius: 12px 12px 0 0; }
.kw-name { display: inline; margin: 0; font-size: 1.05rem; }
.signature { display: block; background: none; padding: 0; margin-top: 2px; color: var(--muted); white-space: normal; overflow-wrap: anywhere; }
.arg-name { color: var(--text); } .arg-type { color: var(--type); } .arg-default { color: var(--default); } .marker, .arrow { color: var(--muted); }
.shortdoc { margin: 4px 0 0; color: var(--muted); }
.kw > details[open] .shortdoc { display: none; } /* the doc below starts with the same paragraph */
.kw-body { padding: 14px 20px 18px 44px; }
.kw-body > :first-child { margin-top: 0; }
.kw-body > * + * { margin-top: 12px; }
.label { display: inline-block; min-width: 4.5em; font-size: .75rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
.returns, .tags { margin: 0; }
.deprecated .kw-name { text-decoration: line-through; text-decoration-color: var(--warn); }
.kw.flash { animation: flash 1.6s ease-out; }
@keyframes flash { from { box-shadow: 0 0 0 4px var(--accent-soft); border-color: var(--accent); } }

.table-wrap { overflow-x: auto; }
table.data { border-collapse: collapse; width: 100%; font-size: .92em; }
table.data th, table.data td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--border); vertical-align: top; }
table.data thead th { font-size: .75rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); font-weight: 600; }
table.data tbody th { font-weight: 400; }

.pill { display: inline-block; border-radius: 999px; padding: 0 9px; font-size: .78rem; background: var(--code-bg); color: var(--muted); font-family: inherit; }
.pill.ok { background: var(--ok-soft); color: var(--ok); } .pill.busy { background: var(--busy-soft); color: var(--busy); }
.pill.warn { background: var(--warn-soft); color: var(--warn); vertical-align: middle; } .pill.req { background: var(--warn-soft); color: var(--warn); }
.tag { border: 1px solid var(--border); background: var(--accent-soft); color: var(--accent); border-radius: 999px; padding: 0 10px; font-size: .8rem; }
.tag:hover { border-color: var(--accent); }

.call { position: relative; }
.call pre { margin: 4px 0 0; padding-right: 64px; }
.copy { position: absolute; top: 6px; right: 6px; border: 1px solid var(--border); background: var(--surface); color: var(--muted); border-radius: 6px; font-size: .75rem; padding: 1px 8px; }
.copy:hover { color: var(--accent); border-color: var(--accent); }

.types { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
.type { margin: 0; padding: 14px 18px; }
.type h3 { margin: 0 0 6px; font-family: var(--mono); font-size: .98rem; }
.empty { background: var(--surface); border: 1px dashed var(--border); border-radius: 12px; padding: 24px; text-align: center; color: var(--muted); }
.foot { margin-top: 32px; border-top: 1px solid var(--border); padding-top: 12px; }

body.searching .intro, body.searching #Importing, body.searching #sessions-in-use, body.searching #data-types { display: none; }
[hidden] { display: none !important; }

@media (max-width: 860px) {
  .layout { grid-template-columns: 1fr; padding: 16px; }
  .side { position: static; max-height: none; }
  .top { padding: 10px 16px; }
  .kw > details > summary { padding-left: 36px; } .kw > details > summary::before { left: 14px; }
  .kw-body { padding-left: 20px; }
}
@media print {
  .top { position: static; } .side, .tools, .copy, .search { display: none; }
  .layout { display: block; } .kw-body { display: block; }
}
`;

/**
 * Search (words match name, tags, argument names and doc text; `tag:x` matches a tag), tag chips, opening
 * the keyword a link or the URL fragment points at, expand/collapse all, and copy buttons.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var search = document.getElementById('search');
  var status = document.getElementById('search-status');
  var noMatch = document.getElementById('no-match');
  var keywords = Array.prototype.slice.call(document.querySelectorAll('article.kw'));
  var navItems = Array.prototype.slice.call(document.querySelectorAll('nav.side li[data-keyword]'));
  var groups = Array.prototype.slice.call(document.querySelectorAll('nav.side details.group'));
  var total = keywords.length;
  var noun = function (count) { return count === 1 ? ' keyword' : ' keywords'; };
  var normalizeTag = function (tag) { return tag.toLowerCase().replace(/[\s_]+/g, ''); };

  function parseQuery(text) {
    var query = { words: [], tags: [] };
    var pattern = /tag:"([^"]*)"|tag:(\S+)|"([^"]*)"|(\S+)/gi;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match[1] !== undefined || match[2] !== undefined) query.tags.push(normalizeTag(match[1] !== undefined ? match[1] : match[2]));
      else query.words.push((match[3] !== undefined ? match[3] : match[4]).toLowerCase());
    }
    return query;
  }

  function matches(keyword, query) {
    var text = keyword.getAttribute('data-search');
    var tags = keyword.getAttribute('data-tags').split('\n').map(normalizeTag);
    return query.words.every(function (word) { return text.indexOf(word) >= 0; }) &&
      query.tags.every(function (tag) { return tags.indexOf(tag) >= 0; });
  }

  function applyFilter() {
    var query = parseQuery(search.value);
    var active = query.words.length + query.tags.length > 0;
    var visible = {};
    var count = 0;
    keywords.forEach(function (keyword) {
      var shown = !active || matches(keyword, query);
      keyword.hidden = !shown;
      if (shown) { visible[keyword.id] = true; count++; }
    });
    navItems.forEach(function (item) { item.hidden = !visible[item.getAttribute('data-keyword')]; });
    groups.forEach(function (group) { group.hidden = !group.querySelector('li:not([hidden])'); });
    document.body.classList.toggle('searching', active);
    noMatch.hidden = count > 0;
    status.textContent = active ? count + ' of ' + total + noun(total) : total + noun(total);
  }

  function setQuery(text) {
    search.value = text;
    applyFilter();
  }

  function openKeyword(keyword, focus) {
    if (keyword.hidden) setQuery('');
    navItems.forEach(function (item) {
      var link = item.querySelector('a');
      if (item.getAttribute('data-keyword') === keyword.id) link.setAttribute('aria-current', 'location');
      else link.removeAttribute('aria-current');
    });
    var details = keyword.querySelector('details');
    details.open = true;
    keyword.classList.remove('flash');
    void keyword.offsetWidth;
    keyword.classList.add('flash');
    keyword.scrollIntoView({ block: 'start' });
    if (focus) details.querySelector('summary').focus({ preventScroll: true });
  }

  function openFromHash() {
    if (location.hash.length < 2) return;
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (error) { return; }
    var target = document.getElementById(id);
    if (target && target.classList.contains('kw')) openKeyword(target, true);
  }

  search.addEventListener('input', applyFilter);
  search.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') { setQuery(''); search.blur(); }
    if (event.key === 'Enter') {
      // Without this the Enter keypress lands on the summary focused below, and closes it again.
      event.preventDefault();
      var first = keywords.filter(function (keyword) { return !keyword.hidden; })[0];
      if (first) { history.replaceState(null, '', '#' + encodeURIComponent(first.id)); openKeyword(first, true); }
    }
  });
  document.addEventListener('keydown', function (event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });
  document.addEventListener('click', function (event) {
    var element = event.target.closest('button, a');
    if (!element) return;
    if (element.classList.contains('tag')) {
      var tag = element.getAttribute('data-tag');
      setQuery(/\s/.test(tag) ? 'tag:"' + tag + '"' : 'tag:' + tag);
      document.getElementById('Keywords').scrollIntoView({ block: 'start' });
      return;
    }
    var action = element.getAttribute('data-action');
    if (action === 'expand' || action === 'collapse') {
      keywords.forEach(function (keyword) { if (!keyword.hidden) keyword.querySelector('details').open = action === 'expand'; });
    } else if (action === 'copy') {
      var text = element.parentNode.querySelector('pre').textContent;
      var done = function () { element.textContent = 'Copied'; setTimeout(function () { element.textContent = 'Copy'; }, 1200); };
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, function () {});
    } else if (element.tagName === 'A' && element.getAttribute('href') === location.hash) {
      // Following a link to the current fragment fires no hashchange: open the keyword anyway.
      setTimeout(openFromHash, 0);
    }
  });
  window.addEventListener('hashchange', openFromHash);
  applyFilter();
  openFromHash();
})();
`;
