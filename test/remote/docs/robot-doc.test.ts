import { execFileSync } from 'node:child_process';
import {
  buildLinkTargets,
  expandTableOfContents,
  introHeadings,
  robotDocToHtml,
  shortDoc,
  splitLines,
  splitTagsFromDoc,
} from '../../../src/remote/docs/robot-doc';
import { assertRobotAvailable, describeWithRobot } from '../../support/libdoc';

describe('robotDocToHtml', () => {
  it('makes paragraphs of blank-line separated text, joining lines', () => {
    expect(robotDocToHtml('First line\nsecond line.\n\nNext.')).toBe('<p>First line second line.</p>\n<p>Next.</p>');
  });

  it('formats bold, italic and code only at word boundaries', () => {
    expect(robotDocToHtml('A *bold*, _italic_ and ``code``.')).toBe('<p>A <b>bold</b>, <i>italic</i> and <code>code</code>.</p>');
    expect(robotDocToHtml('2*3*4 and snake_case_name')).toBe('<p>2*3*4 and snake_case_name</p>');
  });

  it('escapes HTML in the doc', () => {
    expect(robotDocToHtml('Use <b> & "quotes"')).toBe('<p>Use &lt;b&gt; &amp; "quotes"</p>');
  });

  it('renders tables, with =header= cells, and pads ragged rows', () => {
    expect(robotDocToHtml('| =A= | =B= |\n| 1 |')).toBe(
      '<table border="1">\n<tr>\n<th>A</th>\n<th>B</th>\n</tr>\n<tr>\n<td>1</td>\n<td></td>\n</tr>\n</table>',
    );
  });

  it('renders preformatted blocks line by line', () => {
    expect(robotDocToHtml('| Keyword    arg\n|   indented <x>')).toBe('<pre>\nKeyword    arg\n  indented &lt;x&gt;\n</pre>');
  });

  it('renders lists, joining indented continuation lines', () => {
    expect(robotDocToHtml('Items:\n- one\n  more\n- two')).toBe('<p>Items:</p>\n<ul>\n<li>one more</li>\n<li>two</li>\n</ul>');
  });

  it('renders headings one level below their = count, and rulers', () => {
    expect(robotDocToHtml('= Top =\n== Sub ==\n---')).toBe('<h2>Top</h2>\n<h3>Sub</h3>\n<hr>');
  });

  it('gives intro headings ids so in-page links resolve', () => {
    expect(robotDocToHtml('= Sessions =', new Map(), { intro: true })).toBe('<h2 id="Sessions">Sessions</h2>');
  });

  it('links URLs and [target|label] links, showing images as images', () => {
    expect(robotDocToHtml('See https://a.example/x. And [https://b.example|the guide] or [logo.png|Logo].')).toBe(
      '<p>See <a href="https://a.example/x">https://a.example/x</a>. And <a href="https://b.example">the guide</a> or ' +
        '<img src="logo.png" title="Logo">.</p>',
    );
  });

  it('links `Name` references to known targets ignoring case and spaces, others become plain names', () => {
    const targets = buildLinkTargets([
      ['Qemu Start', 'Qemu Start'],
      ['integer', 'type-integer'],
    ]);
    expect(robotDocToHtml('Call `qemu start` with an `integer`, not `Nothing`.', targets)).toBe(
      '<p>Call <a href="#Qemu%20Start" class="name">qemu start</a> with an <a href="#type-integer" class="name">integer</a>, ' +
        'not <span class="name">Nothing</span>.</p>',
    );
  });
});

describe('doc helpers', () => {
  it('splits lines like Python str.splitlines', () => {
    expect(splitLines('a\r\nb\rc\n')).toEqual(['a', 'b', 'c']);
    expect(splitLines('')).toEqual([]);
  });

  it('takes tags from a trailing Tags: line only', () => {
    expect(splitTagsFromDoc('Does it.\n\nTags: one, Two ,  \n')).toEqual({ doc: 'Does it.', tags: ['one', 'Two', ''] });
    expect(splitTagsFromDoc('Tags: in the middle\nDoes it.')).toEqual({ doc: 'Tags: in the middle\nDoes it.', tags: [] });
  });

  it('takes the short doc from the first paragraph, raw', () => {
    expect(shortDoc('Starts *it*\nnow.\n\nMore.')).toBe('Starts *it* now.');
    expect(shortDoc('\nLeading blank.')).toBe('');
  });

  it('expands %TOC% into links to the intro headings, Importing and Keywords', () => {
    const intro = 'Intro.\n\n%TOC%\n\n= One =\n\n= Two =';
    expect(expandTableOfContents(intro, { importing: true, keywords: true })).toBe(
      'Intro.\n\n- `One`\n- `Two`\n- `Importing`\n- `Keywords`\n\n= One =\n\n= Two =',
    );
    expect(introHeadings(intro)).toEqual(['One', 'Two']);
  });
});

/** Docs that exercise the corners of Robot's formatter; each must render exactly as Robot renders it. */
const SAMPLES = [
  'Plain.',
  'Line one\nline two\n\n\nAfter blanks.',
  '*bold* _it_ ``code`` *not bold * _a_b_ "*quoted*" (_paren_).',
  '*_bold italic_* and _*italic bold*_',
  '| =Col= | Cell with *bold* |\n| a | b | c |\n\nAfter table.',
  '|\n| pre\n|  two spaces\nparagraph right after',
  '- a\n- b\n continued\nnot continued',
  '= H1 =\n== H2 ==\n=== H3 ===\n==== not ====\n= bad',
  '----\n--\ntext',
  'http://x.example/a?b=1&c=2, (https://y.example). ftp://z.example/f.png',
  '[http://x.example|label] [http://x.example/i.png|Image] [#Anchor|in page] [no link]',
  '`Qemu Start` and `not a target` and ``code `tick` ``',
  'Tabs\tinside and <html> & entities &amp;',
  '  indented paragraph\n  second',
  '| not a table\n| =still pre= |x',
  'Ends with Tags text but not line: Tags: x',
];

describeWithRobot('robotDocToHtml against Robot Framework', () => {
  beforeAll(assertRobotAvailable);

  it('renders every sample exactly as Robot 7 does', () => {
    const targets = buildLinkTargets([['Qemu Start', 'Qemu Start']]);
    const script = [
      'import json, sys',
      'from robot.libdocpkg.htmlutils import DocToHtml',
      "to_html = DocToHtml('ROBOT', {'Qemu Start': '#Qemu%20Start'})",
      'print(json.dumps([to_html(doc) for doc in json.load(sys.stdin)]))',
    ].join('\n');
    const robot = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(SAMPLES) }).toString()) as string[];
    expect(SAMPLES.map((sample) => robotDocToHtml(sample, targets))).toEqual(robot);
  });
});
