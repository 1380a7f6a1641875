/**
 * Text helpers the rules share: offset <-> position conversion (UTF-16 units, like the
 * recognizer's ranges) and a lexical mask of Python source that blanks comments and string
 * contents, so that the rules' small textual checks (what lies between two calls, whether
 * `self.norm.weight` is used) never look inside strings or comments.
 */
import type { Position, Range } from '../python/types';
import { detach } from '../python/detach';

export class LineIndex {
  /** Offset of the first character of each line. */
  private readonly starts: readonly number[];

  /** `starts`: the line starts when known already (a scanner's), else found here (\n, \r\n, \r). */
  constructor(
    readonly text: string,
    starts?: readonly number[],
  ) {
    if (starts) {
      this.starts = starts;
      return;
    }
    const found = [0];
    this.starts = found;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) found.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        found.push(i + 1);
      }
    }
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }

  lineStart(offset: number): number {
    return this.starts[this.position(offset).line];
  }

  range(startOffset: number, endOffset: number): Range {
    return { start: this.position(startOffset), end: this.position(endOffset), startOffset, endOffset };
  }
}

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
    let j = q + (triple ? 3 : 1);
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === BACKSLASH) {
        // Even in raw strings a backslash keeps the next quote from closing the string.
        j += 2;
        continue;
      }
      if (!triple && (d === NL || d === CR)) break;
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

/** Identifier characters of Python 3 (approximation by Unicode categories). */
export const IDENT = String.raw`[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*`;
/** A dotted name such as `self.conv1`. */
export const DOTTED = String.raw`${IDENT}(?:[ \t]*\.[ \t]*${IDENT})*`;

/**
 * maskPython of a text cut into chunks at clean line starts (outside any string, bracket or
 * continuation: ../python/semantic/syntax.ts chunkStarts), each chunk's mask cached by its text:
 * after an edit only the chunks whose text changed are masked again. Equal to maskPython(text)
 * (a test holds it to that on real and half-typed code).
 */
export class ChunkedMask {
  private cache = new Map<string | number, string>();

  /** `ids`: a number per chunk standing for its text (same number, same text), saving the lookup by text. */
  mask(text: string, starts: readonly number[], ids?: readonly number[]): string {
    const next = new Map<string | number, string>();
    const parts: string[] = [];
    for (let i = 0; i < starts.length; i++) {
      const end = i + 1 < starts.length ? starts[i + 1] : text.length;
      const key = ids ? ids[i] : text.slice(starts[i], end);
      let m = next.get(key) ?? this.cache.get(key);
      // (kept for the next edit: must not keep this version of the text)
      if (m === undefined) m = detach(maskPython(text.slice(starts[i], end)));
      next.set(key, m);
      parts.push(m);
    }
    this.cache = next;
    return parts.join('');
  }
}
