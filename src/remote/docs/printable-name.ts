/**
 * Robot's `printable_name(name, code_style=True)`: how Robot and libdoc display a published keyword name.
 * `qemu_add_vhost_user_if` -> `Qemu Add Vhost User If`, `getHTTPResponse` -> `Get HTTP Response`.
 */
export function printableName(name: string): string {
  const spaced = name.includes('_') ? name.replace(/_/g, ' ') : name;
  let parts = spaced.split(/\s+/).filter((part) => part !== '');
  const isLowercaseWord = /^\p{L}+$/u.test(spaced) && spaced === spaced.toLowerCase();
  if (parts.length === 1 && !isLowercaseWord) parts = splitCamelCase(parts[0]);
  return parts.map((part) => part[0].toUpperCase() + part.slice(1)).join(' ');
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
  let token: string[] = [];
  chars.forEach((char, index) => {
    const previous = index === 0 ? ' ' : chars[index - 1];
    const next = index === chars.length - 1 ? ' ' : chars[index + 1];
    if (isCamelCaseBoundary(previous, char, next)) {
      if (token.length > 0) tokens.push(token.join(''));
      token = [char];
    } else {
      token.push(char);
    }
  });
  if (token.length > 0) tokens.push(token.join(''));
  return tokens;
}
