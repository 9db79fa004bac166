/**
 * Keyword names as Robot shows and matches them: `printable_name(name, code_style=True)` of `robot.utils`
 * (`add_vhost_user_interface` -> `Add Vhost User Interface`, `getHTTPResponse` -> `Get HTTP Response`) and
 * `normalize(name, ignore='_')` (case, spaces and underscores do not count).
 */

/** Robot's printable name of a published keyword name; Unicode-aware as Python's `str` methods are. */
export function printableName(name: string): string {
  const spaced = name.includes('_') ? name.replaceAll('_', ' ') : name;
  let parts = spaced.split(/\s+/).filter((part) => part !== '');
  const isLowercaseWord = /^\p{L}+$/u.test(spaced) && spaced === spaced.toLowerCase();
  const [only] = parts;
  if (parts.length === 1 && only !== undefined && !isLowercaseWord) parts = splitCamelCase(only);
  return parts.map(capitalizeFirst).join(' ');
}

/** The name Robot matches keywords by: `Same Name` and `same_name` are one keyword. */
export function normalizedName(name: string): string {
  // Upper then lower case is Python's casefold() for what names hold (`ß` and `SS` match).
  return name.toUpperCase().toLowerCase().replace(/[\s_]/g, '');
}

function capitalizeFirst(part: string): string {
  const [first = '', ...rest] = [...part];
  return first.toUpperCase() + rest.join('');
}

const isDigit = (char: string): boolean => /^\p{Nd}$/u.test(char);
const isUpper = (char: string): boolean => char !== char.toLowerCase() && char === char.toUpperCase();
const isLower = (char: string): boolean => char !== char.toUpperCase() && char === char.toLowerCase();
const isAlpha = (char: string): boolean => /^\p{L}$/u.test(char);

function isCamelCaseBoundary(previous: string, char: string, next: string): boolean {
  if (isDigit(previous)) return !isDigit(char);
  if (isUpper(char)) return isLower(next) || (isAlpha(previous) && !isUpper(previous));
  return isDigit(char);
}

function splitCamelCase(word: string): string[] {
  const chars = [...word];
  const tokens: string[] = [];
  let token = '';
  chars.forEach((char, index) => {
    if (isCamelCaseBoundary(chars[index - 1] ?? ' ', char, chars[index + 1] ?? ' ') && token) {
      tokens.push(token);
      token = '';
    }
    token += char;
  });
  if (token) tokens.push(token);
  return tokens;
}
