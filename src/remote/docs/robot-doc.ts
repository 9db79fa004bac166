/**
 * Robot Framework documentation syntax -> HTML, as libdoc renders it.
 *
 * Libdoc's JSON spec holds HTML (docFormat HTML), and IDEs and libdoc's own HTML viewer display that HTML
 * verbatim, so our output follows Robot 7.4's formatter rule by rule: paragraphs, `*bold*`, `_italic_`,
 * ``code``, URLs and `[target|label]` links, `| table |` rows (`= x =` cells are headers), `| ` preformatted
 * blocks, `- ` lists, `= headings =`, `---` rulers, and `` `Name` `` references to keywords and sections.
 * Matching byte for byte lets the libdoc comparison test catch any drift.
 */

/** Where a `` `Name` `` reference points; keys are compared ignoring case and spaces, as Robot does. */
export type LinkTargets = ReadonlyMap<string, string>;

const HTML_ESCAPES: ReadonlyArray<[string, string]> = [
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
];

/** Escapes text for HTML content (not attributes). */
export function escapeHtml(text: string): string {
  let escaped = text;
  for (const [raw, entity] of HTML_ESCAPES) escaped = escaped.split(raw).join(entity);
  return escaped;
}

/** Escapes text for a double-quoted HTML attribute. */
export function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#09;');
}

// Python's line boundaries include the file/group/record separator control characters.
// eslint-disable-next-line no-control-regex
const PYTHON_LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python's `str.splitlines()`: Robot splits docs with it, so `\r`, `\v`, `\f` and friends end lines too. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(PYTHON_LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Python's `str.strip()` / `rstrip()` for the whitespace Robot docs contain. */
const stripText = (text: string): string => text.trim();
const rstripText = (text: string): string => text.trimEnd();

// ---------------------------------------------------------------------------------------------------------
// Inline formatting

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.gif', '.bmp', '.svg'];

function isImage(text: string): boolean {
  const lower = text.toLowerCase();
  return text.startsWith('data:image/') || IMAGE_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

const quoteAttribute = (text: string): string => text.replace(/"/g, '&quot;');
const imageTag = (src: string, title?: string): string =>
  `<img src="${quoteAttribute(src)}" title="${quoteAttribute(title || src)}">`;
const linkTag = (href: string, content?: string): string => `<a href="${quoteAttribute(href)}">${content || href}</a>`;

// A URL starts at line start or after a space (optionally after opening punctuation) and ends before
// closing punctuation followed by a space or the line end. `[\w+,\-.]` is Python's `[\w+-.]` range.
const URL_PATTERN = /((^| )["'([{]*)([a-z][\w+,\-.]*:\/\/[^\s|]+?)(?=[)\]}"'.,!?:;|]*($| ))/gim;

function formatUrls(text: string, asImages: boolean): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_PATTERN, (_match, prefix: string, _start: string, url: string) =>
    prefix + (asImages && isImage(url) ? imageTag(url) : linkTag(url)),
  );
}

function formatBracketLink(inner: string): string {
  const separator = inner.indexOf('|');
  const target = stripText(inner.slice(0, separator));
  let content = stripText(inner.slice(separator + 1));
  if (isImage(content)) content = imageTag(content, target);
  else if (isImage(target)) return imageTag(target, content);
  return linkTag(target, content);
}

const BRACKET_LINK = /\[(.+?\|.*?)]/;

function formatLinks(text: string): string {
  // With a capture group, split() alternates surrounding text and link bodies, as Python's re.split does.
  const tokens = text.split(BRACKET_LINK);
  return tokens.map((token, index) => (index % 2 === 0 ? formatUrls(token, true) : formatBracketLink(token))).join('');
}

const BOLD = /((^| )["'(]*_?)\*([^ ].*?)\*(?=_?["').,!?:;]*($| ))/g;
const ITALIC = /((^| )["'(]*)_([^ _].*?)_(?=["').,!?:;]*($| ))/g;
const CODE = /((^| )["'(]*)``([^ `].*?)``(?=["').,!?:;]*($| ))/g;

/** Formats one (already escaped) line: bold, italic, code, then links, like Robot's LineFormatter. */
export function formatInline(line: string): string {
  let formatted = line;
  if (formatted.includes('*')) formatted = formatted.replace(BOLD, '$1<b>$3</b>');
  if (formatted.includes('_')) formatted = formatted.replace(ITALIC, '$1<i>$3</i>');
  if (formatted.includes('``')) formatted = formatted.replace(CODE, '$1<code>$3</code>');
  return formatLinks(formatted);
}

// ---------------------------------------------------------------------------------------------------------
// Block formatting

interface BlockFormatter {
  /** Whether `line` starts a block of this kind, or continues the one being collected. */
  handles(line: string): boolean;
  add(line: string): void;
  /** Renders the collected lines and resets. */
  end(): string;
}

abstract class CollectingFormatter implements BlockFormatter {
  protected lines: string[] = [];
  protected readonly stripsLines: boolean = true;
  handles(line: string): boolean {
    return this.accepts(this.stripsLines ? stripText(line) : line);
  }
  add(line: string): void {
    this.lines.push(this.stripsLines ? stripText(line) : line);
  }
  end(): string {
    const html = this.render(this.lines);
    this.lines = [];
    return html;
  }
  protected abstract accepts(line: string): boolean;
  protected abstract render(lines: string[]): string;
}

const TABLE_LINE = /^\| (.* |)\|$/;

class TableFormatter extends CollectingFormatter {
  protected accepts(line: string): boolean {
    return TABLE_LINE.test(line);
  }
  protected render(lines: string[]): string {
    const rows = lines.map((line) => line.slice(1, -1).split(/ \|(?= )/).map(stripText));
    const width = Math.max(...rows.map((row) => row.length));
    const html = ['<table border="1">'];
    for (const row of rows) {
      while (row.length < width) row.push('');
      html.push('<tr>');
      for (const cell of row) {
        const header = cell.startsWith('=') && cell.endsWith('=');
        const tag = header ? 'th' : 'td';
        const content = header ? stripText(cell.slice(1, -1)) : cell;
        html.push(`<${tag}>${formatInline(content)}</${tag}>`);
      }
      html.push('</tr>');
    }
    html.push('</table>');
    return html.join('\n');
  }
}

class PreformattedFormatter extends CollectingFormatter {
  protected accepts(line: string): boolean {
    return line.startsWith('| ') || line === '|';
  }
  protected render(lines: string[]): string {
    return ['<pre>', ...lines.map((line) => formatInline(line.slice(2))), '</pre>'].join('\n');
  }
}

class ListFormatter extends CollectingFormatter {
  protected override readonly stripsLines = false;
  protected accepts(line: string): boolean {
    return stripText(line).startsWith('- ') || (line.startsWith(' ') && this.lines.length > 0);
  }
  protected render(lines: string[]): string {
    const items: string[][] = [];
    for (const raw of lines) {
      const line = stripText(raw);
      if (line.startsWith('- ') || items.length === 0) items.push([line.startsWith('- ') ? stripText(line.slice(2)) : line]);
      else items[items.length - 1].push(line);
    }
    return ['<ul>', ...items.map((item) => `<li>${formatInline(item.join(' '))}</li>`), '</ul>'].join('\n');
  }
}

const HEADING = /^(={1,3})\s+(\S.*?)\s+\1$/;

/** Matches a `= Heading =` line (already stripped); returns its level (1-3) and text. */
export function matchHeading(line: string): { level: number; text: string } | undefined {
  const match = HEADING.exec(line);
  return match ? { level: match[1].length, text: match[2] } : undefined;
}

abstract class SingleLineFormatter extends CollectingFormatter {
  protected accepts(line: string): boolean {
    return this.lines.length === 0 && this.matches(line);
  }
  protected render(lines: string[]): string {
    return this.renderLine(lines[0]);
  }
  protected abstract matches(line: string): boolean;
  protected abstract renderLine(line: string): string;
}

class HeadingFormatter extends SingleLineFormatter {
  protected matches(line: string): boolean {
    return HEADING.test(line);
  }
  protected renderLine(line: string): string {
    const heading = matchHeading(line);
    const level = (heading?.level ?? 1) + 1;
    return `<h${level}>${heading?.text ?? line}</h${level}>`;
  }
}

class RulerFormatter extends SingleLineFormatter {
  protected matches(line: string): boolean {
    return /^-{3,}$/.test(line);
  }
  protected renderLine(): string {
    return '<hr>';
  }
}

class ParagraphFormatter extends CollectingFormatter {
  constructor(private readonly others: readonly BlockFormatter[]) {
    super();
  }
  protected accepts(line: string): boolean {
    return !this.others.some((other) => other.handles(line));
  }
  protected render(lines: string[]): string {
    return `<p>${formatInline(lines.join(' '))}</p>`;
  }
}

/** Formats an escaped multi-line text into blocks (Robot's HtmlFormatter). */
function formatBlocks(escaped: string): string {
  const specific: BlockFormatter[] = [
    new TableFormatter(),
    new PreformattedFormatter(),
    new ListFormatter(),
    new HeadingFormatter(),
    new RulerFormatter(),
  ];
  const formatters = [...specific, new ParagraphFormatter(specific)];
  const results: string[] = [];
  let current: BlockFormatter | undefined;
  const endCurrent = (): void => {
    if (current) results.push(current.end());
    current = undefined;
  };
  for (const line of splitLines(escaped)) {
    if (stripText(line) === '') {
      endCurrent();
    } else if (current?.handles(line)) {
      current.add(line);
    } else {
      endCurrent();
      current = formatters.find((formatter) => formatter.handles(line));
      current?.add(line);
    }
  }
  endCurrent();
  return results.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Names and the public API

/** Robot's NormalizedDict key: case, and whitespace ignored. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '');
}

/** Builds a lookup for `` `Name` `` references: target name -> fragment (`#Open%20Session`). */
export function buildLinkTargets(entries: Iterable<[name: string, anchor: string]>): LinkTargets {
  const targets = new Map<string, string>();
  for (const [name, anchor] of entries) targets.set(normalizeName(escapeHtml(name)), `#${encodeURIComponent(anchor)}`);
  return targets;
}

/**
 * Converts a doc in Robot Framework syntax to HTML, linking `` `Name` `` to `targets` (others become
 * `<span class="name">`). `intro` gives headings ids so the intro's own `` `Section` `` links resolve.
 */
export function robotDocToHtml(doc: string, targets: LinkTargets = new Map(), options: { intro?: boolean } = {}): string {
  let html = formatBlocks(escapeHtml(doc)).replace(/`(.+?)`/g, (_match, name: string) => {
    const target = targets.get(normalizeName(name));
    return target ? `<a href="${target}" class="name">${name}</a>` : `<span class="name">${name}</span>`;
  });
  if (options.intro) html = html.replace(/<h([234])>(.+?)<\/h\1>/g, '<h$1 id="$2">$2</h$1>');
  return html;
}

/** Heading texts of an intro: they are link targets, as in libdoc. */
export function introHeadings(intro: string): string[] {
  return splitLines(intro)
    .map((line) => matchHeading(stripText(line))?.text)
    .filter((text): text is string => text !== undefined);
}

/**
 * Expands a `%TOC%` line of an intro into a list of links to its headings, then Importing and Keywords,
 * as libdoc does.
 */
export function expandTableOfContents(intro: string, sections: { importing: boolean; keywords: boolean }): string {
  if (!intro.includes('%TOC%')) return intro;
  const entries = splitLines(intro)
    .map((line) => /^\s*=\s+(.+?)\s+=\s*$/.exec(line)?.[1])
    .filter((entry): entry is string => entry !== undefined);
  if (sections.importing) entries.push('Importing');
  if (sections.keywords) entries.push('Keywords');
  const toc = entries.map((entry) => `- \`${entry}\``).join('\n');
  return splitLines(intro)
    .map((line) => (stripText(line) === '%TOC%' ? toc : line))
    .join('\n');
}

/** Splits a trailing `Tags: a, b` line off a doc, as Robot does for every keyword doc. */
export function splitTagsFromDoc(doc: string): { doc: string; tags: string[] } {
  const stripped = rstripText(doc);
  const lines = splitLines(stripped);
  const last = lines[lines.length - 1];
  if (last === undefined || !stripText(last.toUpperCase()).startsWith('TAGS:')) return { doc: stripped, tags: [] };
  return {
    doc: rstripText(lines.slice(0, -1).join('\n')),
    tags: last
      .slice(last.indexOf(':') + 1)
      .split(',')
      .map(stripText),
  };
}

/** The first paragraph of a raw doc on one line (libdoc's `shortdoc`). */
export function shortDoc(doc: string): string {
  const lines: string[] = [];
  for (const line of splitLines(doc)) {
    if (stripText(line) === '') break;
    lines.push(line);
  }
  return lines.join(' ');
}

/** Plain text of doc HTML, for search indexes and summaries. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}
