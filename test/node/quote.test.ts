import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellJoin, shellQuote } from '../../src/node/quote';

/** Runs `script` in a real shell and returns its stdout bytes as UTF-8. */
function runShell(shell: string, script: string): string {
  return execFileSync(shell, ['-c', script], { encoding: 'utf8' });
}

const NASTY_VALUES: Array<[string, string]> = [
  ['plain word', 'vhost-user1'],
  ['path', '/run/vpp/sock-1-1'],
  ['empty', ''],
  ['spaces', 'two  spaces and a\ttab'],
  ['single quote', "it's"],
  ['only single quotes', "'''"],
  ['double quotes', 'say "hi"'],
  ['dollar', '$HOME ${PATH} $1 $$'],
  ['backticks', '`id -u`'],
  ['command substitution', '$(id -u)'],
  ['newlines', 'line1\nline2\n'],
  ['semicolon and operators', 'a; b && c || d | e & f > g < h'],
  ['glob and tilde', '* ? [a-z] ~root'],
  ['backslashes', 'a\\b\\\\c\\n'],
  ['comment', '# not a comment'],
  ['non-ASCII', 'héllo wörld ✓ 日本語 🚀'],
  ['leading dash', '-n'],
  ['equals and colon', 'key=value:x,y'],
];

describe.each(['/bin/sh', '/bin/bash'])('shellQuote through a real %s', (shell) => {
  test.each(NASTY_VALUES)('%s comes back intact', (_label, value) => {
    expect(runShell(shell, `printf '%s' ${shellQuote(value)}`)).toBe(value);
  });

  test('shellJoin keeps every word separate and intact', () => {
    const words = NASTY_VALUES.map(([, value]) => value);
    const output = runShell(shell, `printf '%s\\0' ${shellJoin(words)}`);
    expect(output.split('\0').slice(0, -1)).toEqual(words);
  });

  test('a quoted value never runs as a command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qur-quote-'));
    const marker = join(dir, 'pwned');
    try {
      for (const attack of [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`, `'; touch ${marker}; '`]) {
        expect(runShell(shell, `printf '%s' ${shellQuote(attack)}`)).toBe(attack);
      }
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('shellQuote form', () => {
  test('safe words stay bare, as CSIT command lines read', () => {
    expect(shellQuote('/run/vpp/sock-1-1')).toBe('/run/vpp/sock-1-1');
    expect(shellQuote(42)).toBe('42');
    expect(shellJoin(['taskset', '-pc', '2', 1234])).toBe('taskset -pc 2 1234');
  });

  test('anything else is single-quoted', () => {
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
  });
});
