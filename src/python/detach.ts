/**
 * Strings kept across edits must not keep the text they were cut from. V8 represents a slice or a
 * concatenation of 13 characters or more as a view into its parts, so one `text.slice(...)` held
 * by a cache keeps a whole version of the file alive (760 KB for a 20,000-line file), and a long
 * editing session kept hundreds of them.
 */

/** V8 copies strings shorter than this (SlicedString::kMinLength, ConsString::kMinLength). */
const MIN_VIEW = 13;

/**
 * A copy of `s` that shares nothing with the string it came from. Concatenating first makes V8
 * build a new flat string; the slice then points into that small string only. In other engines
 * it is an ordinary copy.
 */
export function detach(s: string): string {
  return s.length < MIN_VIEW ? s : (' ' + s).slice(1);
}

/**
 * Replaces, in place, every string reachable from `v` through plain objects and arrays by a
 * detached copy (same value, so nothing that reads them sees a difference). Properties named in
 * `skip` are shared tables, not walked. Returns `v`.
 */
export function detachStrings<T>(v: T, skip: ReadonlySet<string> = NONE, depth = 0): T {
  if (typeof v !== 'object' || v === null || depth > 64) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'string') {
        if (x.length >= MIN_VIEW) v[i] = detach(x);
      } else if (typeof x === 'object') detachStrings(x, skip, depth + 1);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const key in o) {
    if (skip.has(key)) continue;
    const x = o[key];
    if (typeof x === 'string') {
      if (x.length >= MIN_VIEW) o[key] = detach(x);
    } else if (typeof x === 'object') detachStrings(x, skip, depth + 1);
  }
  return v;
}

const NONE: ReadonlySet<string> = new Set();
