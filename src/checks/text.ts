/**
 * Text helpers the rules share: offset <-> position conversion (UTF-16 units, like the
 * recognizer's ranges) and the lexical mask of Python source (../python/mask.ts) kept chunk by
 * chunk, so that the rules' small textual checks (what lies between two calls, whether
 * `self.norm.weight` is used) never look inside strings or comments.
 */
import type { Position, Range } from '../python/types';
import { detach } from '../python/detach';
import { maskPython } from '../python/mask';

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

  /**
   * maskPython of chunk `i` alone (what mask() joins), cached as mask() caches it: a check that
   * looks at a few chunks need not build the whole masked text (a new string of the file's size
   * on every edit).
   */
  chunk(text: string, starts: readonly number[], ids: readonly number[], i: number): string {
    let m = this.cache.get(ids[i]);
    if (m === undefined) {
      // (chunks read apart between two mask() calls: bounded as mask() bounds them, to the text's)
      if (this.cache.size > 2 * starts.length + 1000) {
        const live = new Set(ids);
        for (const k of this.cache.keys()) if (!live.has(k as number)) this.cache.delete(k);
      }
      m = detach(maskPython(text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : text.length)));
      this.cache.set(ids[i], m);
    }
    return m;
  }
}
