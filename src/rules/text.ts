/**
 * Text helpers the rules share: offset <-> position conversion (UTF-16 units, like the
 * recognizer's ranges) and a lexical mask of Python source that blanks comments and string
 * contents, so that the rules' small textual checks (what lies between two calls, whether
 * `self.norm.weight` is used) never look inside strings or comments.
 */
import type { Position, Range } from '../python/types';

export class LineIndex {
  /** Offset of the first character of each line. */
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
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

const isQuote = (c: string) => c === '"' || c === "'";

/**
 * Same length as `text`, with every comment and every string literal's characters (quotes and
 * prefix included) replaced by spaces; line breaks are kept so offsets and lines still match.
 * f-strings are blanked whole: names used inside their replacement fields do not count as uses.
 * Unterminated strings run to the end of their line (single-quoted) or of the text (triple).
 */
export function maskPython(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '#') {
      let j = i;
      while (j < n && text[j] !== '\n' && text[j] !== '\r') j++;
      blank(i, j);
      i = j;
      continue;
    }
    // A string prefix is up to two letters from r, b, u, f (any case) directly before a quote,
    // and not the tail of a longer identifier.
    let q = i;
    if (!isQuote(c)) {
      let k = i;
      while (k < n && k - i < 2 && /[rbufRBUF]/.test(text[k])) k++;
      const prev = i > 0 ? text[i - 1] : '';
      if (k > i && k < n && isQuote(text[k]) && !/[\p{L}\p{N}_]/u.test(prev)) q = k;
      else {
        i++;
        continue;
      }
    }
    const quote = text[q];
    const triple = text.startsWith(quote.repeat(3), q);
    let j = q + (triple ? 3 : 1);
    for (;;) {
      if (j >= n) break;
      const d = text[j];
      if (d === '\\') {
        // In raw strings a backslash still keeps the next quote from closing the string.
        j += 2;
        continue;
      }
      if (!triple && (d === '\n' || d === '\r')) break;
      if (d === quote && (!triple || text.startsWith(quote.repeat(3), j))) {
        j += triple ? 3 : 1;
        break;
      }
      j++;
    }
    j = Math.min(j, n);
    blank(i, j);
    i = j;
  }
  return out.join('');
}

/** Identifier characters of Python 3 (approximation by Unicode categories). */
export const IDENT = String.raw`[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*`;
/** A dotted name such as `self.conv1`. */
export const DOTTED = String.raw`${IDENT}(?:[ \t]*\.[ \t]*${IDENT})*`;
