/**
 * Quoting for POSIX shells. Every value that reaches a command line on a node goes through `shellQuote`.
 *
 * Like Python's `shlex.quote`: words made only of safe characters stay bare, so command lines read as
 * CSIT's did; anything else is single-quoted, with embedded single quotes written as `'"'"'`.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(value: string | number): string {
  const text = String(value);
  if (text === '') return "''";
  if (SAFE_WORD.test(text)) return text;
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/** Quotes each word and joins them with single spaces. */
export function shellJoin(words: ReadonlyArray<string | number>): string {
  return words.map(shellQuote).join(' ');
}
