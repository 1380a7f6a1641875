/**
 * A lexical mask of Python source: comments and string literals blanked, so that searches of the
 * text (the checks', and the semantic model's searches for statements such as `self.bias = None`
 * or `keras.config.set_image_data_format(...)`) never find what a string or comment holds (a
 * block disabled with a triple-quoted string).
 */
import { definitionAt } from './lexer';

const QUOTE1 = 39; // '
const QUOTE2 = 34; // "
const HASH = 35;
const BACKSLASH = 92;
const NL = 10;
const CR = 13;

/** r, b, u, f in either case: the letters of a string prefix. */
const isPrefixLetter = (c: number) => (c | 0x20) === 0x72 || (c | 0x20) === 0x62 || (c | 0x20) === 0x75 || (c | 0x20) === 0x66;
const isAsciiIdent = (c: number) => (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95;
const isIdentChar = (text: string, i: number) => {
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95;
  return /[\p{L}\p{N}_]/u.test(text[i]);
};

/** Whether the string whose prefix starts at `i` and quote is at `q` is an f-string. */
const isFString = (text: string, i: number, q: number) => {
  for (let k = i; k < q; k++) if ((text.charCodeAt(k) | 0x20) === 0x66) return true;
  return false;
};

const SPACES = ' '.repeat(256);
const spaces = (n: number) => (n <= SPACES.length ? SPACES.slice(0, n) : ' '.repeat(n));

/**
 * Same length as `text`, with every comment and every string literal's characters (quotes and
 * prefix included) replaced by spaces; line breaks are kept so offsets and lines still match.
 * f-strings are blanked whole: names used inside their replacement fields do not count as uses.
 * Unterminated strings run to the end of their line (single-quoted) or of the text (triple).
 * One pass, linear in the text.
 */
export function maskPython(text: string): string {
  const parts: string[] = [];
  let kept = 0; // text before this offset is already in `parts`
  const blank = (from: number, to: number) => {
    let lineBreak = false;
    for (let k = from; k < to; k++) {
      const c = text.charCodeAt(k);
      if (c === NL || c === CR) {
        lineBreak = true;
        break;
      }
    }
    parts.push(text.slice(kept, from), lineBreak ? text.slice(from, to).replace(/[^\r\n]/g, ' ') : spaces(to - from));
    kept = to;
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === HASH) {
      let j = i;
      while (j < n && text.charCodeAt(j) !== NL && text.charCodeAt(j) !== CR) j++;
      blank(i, j);
      i = j;
      continue;
    }
    let q = i;
    if (c !== QUOTE1 && c !== QUOTE2) {
      // A string prefix is up to two letters directly before a quote, not the tail of an identifier.
      if (!isPrefixLetter(c) || (i > 0 && isIdentChar(text, i - 1))) {
        i++;
        // neither can the rest of an ASCII identifier
        if (isAsciiIdent(c)) while (i < n && isAsciiIdent(text.charCodeAt(i))) i++;
        continue;
      }
      let k = i + 1;
      if (k < n && isPrefixLetter(text.charCodeAt(k))) k++;
      const d = text.charCodeAt(k);
      if (d !== QUOTE1 && d !== QUOTE2) {
        i = k;
        continue;
      }
      q = k;
    }
    const quote = text.charCodeAt(q);
    const triple = text.charCodeAt(q + 1) === quote && text.charCodeAt(q + 2) === quote;
    // (as the lexer: a triple-quoted string, not an f-string, opened on an indented line ends before a definition at column 0)
    let cuts = false;
    if (triple && !isFString(text, i, q)) {
      const line = Math.max(text.lastIndexOf('\n', i - 1), text.lastIndexOf('\r', i - 1)) + 1;
      const c0 = text.charCodeAt(line);
      cuts = c0 === 32 || c0 === 9;
    }
    let j = q + (triple ? 3 : 1);
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === BACKSLASH) {
        // Even in raw strings a backslash keeps the next quote from closing the string.
        j += 2;
        continue;
      }
      if (!triple && (d === NL || d === CR)) break;
      if (cuts && (d === NL || d === CR)) {
        const next = d === CR && text.charCodeAt(j + 1) === NL ? j + 2 : j + 1;
        if (definitionAt(text, next)) {
          j = next;
          break;
        }
      }
      if (d === quote && (!triple || (text.charCodeAt(j + 1) === quote && text.charCodeAt(j + 2) === quote))) {
        j += triple ? 3 : 1;
        break;
      }
      j++;
    }
    j = Math.min(j, n);
    blank(i, j);
    i = j;
  }
  parts.push(text.slice(kept));
  return parts.join('');
}
