/**
 * Incremental recognition for the editor. An edit is rescanned from the nearest clean line
 * start before it (a line start at bracket depth 0, outside strings) until the scan reaches a
 * clean line start at or after the edit's end that was also clean in the previous scan: from
 * there on tokens, calls and imports are the old ones moved by the edit's length, so their rows
 * are shifted rather than rescanned. The result always equals a full rescan of the new text.
 *
 * Calls live in a compact table (./table.ts); ScannedCall and ResolvedLayer objects are built
 * when asked for (`calls`, `layers`, `layerAt`) and cached until the next edit.
 */
import { BindingTimeline, bindLayer, specAt } from './resolve';
import { scanRegion } from './scan';
import {
  AS,
  CallTable,
  CS,
  C_ARG_FIRST,
  C_CALLEE_END,
  C_END,
  C_FLAGS,
  C_NAME_START,
  C_PARENT,
  C_START,
  F_COMPLETE,
  materialize,
  materializeAll,
} from './table';
import type { NormClassSpec } from '../frameworks/types';
import type { ImportBinding, Range, Rebinding, ResolvedLayer, ScanError, ScannedCall } from './types';

function lowerBound<T>(arr: readonly T[], key: number, get: (t: T) => number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (get(arr[mid]) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function lowerBoundNum(arr: readonly number[], key: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First call row starting at or after `key`. */
function lowerBoundRow(t: CallTable, key: number): number {
  let lo = 0;
  let hi = t.n;
  const c = t.c;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid * CS + C_START] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const rangeStart = (x: { range: Range }) => x.range.startOffset;
const rebindAt = (r: Rebinding) => r.at;

function shiftRange(r: Range, d: number, dl: number): void {
  r.startOffset += d;
  r.endOffset += d;
  r.start.line += dl;
  r.end.line += dl;
}

/** Replace arr[from, to) by items, in place. */
function splice<T>(arr: T[], from: number, to: number, items: readonly T[]): void {
  if (items.length < 10000) {
    arr.splice(from, to - from, ...items);
    return;
  }
  const tail = arr.slice(to);
  arr.length = from;
  for (const x of items) arr.push(x);
  for (const x of tail) arr.push(x);
}

function sameBindings(a: readonly ImportBinding[], b: readonly ImportBinding[], ra: readonly Rebinding[], rb: readonly Rebinding[]): boolean {
  if (a.length !== b.length || ra.length !== rb.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].local !== b[i].local || a[i].target !== b[i].target) return false;
  for (let i = 0; i < ra.length; i++) if (ra[i].local !== rb[i].local) return false;
  return true;
}

export class DocumentIndex {
  private _text: string;
  private table: CallTable;
  private _imports: ImportBinding[];
  private _errors: ScanError[];
  private _rebinds: Rebinding[];
  /** Physical line starts. */
  private lineStarts: number[];
  /** Clean line starts (depth 0, outside strings), ascending, starting with 0. */
  private clean: number[];
  private timelineCache: BindingTimeline;
  /** Rows whose callee resolves to a framework class, ascending, and those classes. */
  private layerRows: number[] = [];
  private layerSpecs: NormClassSpec[] = [];
  private callsCache: ScannedCall[] | null = null;
  private layersCache: ResolvedLayer[] | null = null;

  constructor(text: string) {
    this._text = text;
    const r = scanRegion(text, 0, 0);
    this.table = r.table;
    this._imports = r.imports;
    this._errors = r.errors;
    this._rebinds = r.rebinds;
    this.lineStarts = r.lines;
    this.clean = r.clean;
    this.timelineCache = this.buildTimeline();
    this.resolveRows(0, this.table.n, this.layerRows, this.layerSpecs);
  }

  get text(): string {
    return this._text;
  }
  /** Every call, in text order (built on first use after an edit). */
  get calls(): readonly ScannedCall[] {
    return (this.callsCache ??= materializeAll(this.table, this._text, this.lineStarts));
  }
  get callCount(): number {
    return this.table.n;
  }
  get imports(): readonly ImportBinding[] {
    return this._imports;
  }
  get errors(): readonly ScanError[] {
    return this._errors;
  }
  get rebinds(): readonly Rebinding[] {
    return this._rebinds;
  }
  /** The normalization layers, in text order (built on first use after an edit). */
  get layers(): readonly ResolvedLayer[] {
    if (!this.layersCache) {
      this.layersCache = this.layerRows.map((k, i) => this.layerOf(k, this.layerSpecs[i]));
    }
    return this.layersCache;
  }
  get lineCount(): number {
    return this.lineStarts.length;
  }

  private layerOf(row: number, spec: NormClassSpec): ResolvedLayer {
    const call = this.callsCache ? this.callsCache[row] : materialize(this.table, row, this._text, this.lineStarts);
    return bindLayer(call, spec);
  }

  private buildTimeline(): BindingTimeline {
    const t = new BindingTimeline();
    t.add(this._imports, this._rebinds);
    return t.seal();
  }

  private resolveRows(from: number, to: number, rows: number[], specs: NormClassSpec[]): void {
    const t = this.table;
    for (let k = from; k < to; k++) {
      const spec = specAt(t.callee[k], t.c[k * CS + C_START], this.timelineCache);
      if (spec) {
        rows.push(k);
        specs.push(spec);
      }
    }
  }

  /**
   * Replace text[startOffset, endOffset) by newText (offsets in UTF-16 code units, clamped to
   * the text) and bring every result up to date.
   */
  applyEdit(startOffset: number, endOffset: number, newText: string): void {
    const old = this._text;
    let s = Math.max(0, Math.min(old.length, Math.floor(startOffset) || 0));
    let e = Math.max(0, Math.min(old.length, Math.floor(endOffset) || 0));
    if (e < s) [s, e] = [e, s];
    if (s === e && newText.length === 0) return;
    const text = old.slice(0, s) + newText + old.slice(e);
    const delta = newText.length - (e - s);
    const clean = this.clean;

    // restart at the last clean line start strictly before the edit (or 0): the edit may join a
    // line break with the one before it (\r + \n)
    const ci = Math.max(0, lowerBoundNum(clean, s) - 1);
    const restart = clean[ci];
    const restartLine = lowerBoundNum(this.lineStarts, restart);
    const threshold = s + newText.length;
    let probe = ci;
    const stop = (c: number) => {
      if (c < threshold) return false;
      const oc = c - delta;
      while (probe < clean.length && clean[probe] < oc) probe++;
      return probe < clean.length && clean[probe] === oc;
    };
    const region = scanRegion(text, restart, restartLine, stop);
    const syncOld = region.stopped ? region.end - delta : old.length + 1;

    let dl = 0;
    if (region.stopped) {
      const newLine = restartLine + region.lines.length - 1;
      const oldLine = lowerBoundNum(this.lineStarts, syncOld);
      dl = newLine - oldLine;
    }

    // bindings
    const i0 = lowerBound(this._imports, restart, rangeStart);
    const i1 = lowerBound(this._imports, syncOld, rangeStart);
    const r0 = lowerBound(this._rebinds, restart, rebindAt);
    const r1 = lowerBound(this._rebinds, syncOld, rebindAt);
    const bindingsKept = sameBindings(this._imports.slice(i0, i1), region.imports, this._rebinds.slice(r0, r1), region.rebinds);
    for (let k = i1; k < this._imports.length; k++) shiftRange(this._imports[k].range, delta, dl);
    splice(this._imports, i0, i1, region.imports);
    for (let k = r1; k < this._rebinds.length; k++) this._rebinds[k].at += delta;
    splice(this._rebinds, r0, r1, region.rebinds);

    const errs = this._errors;
    const e0 = lowerBound(errs, restart, rangeStart);
    const e1 = lowerBound(errs, syncOld, rangeStart);
    for (let k = e1; k < errs.length; k++) shiftRange(errs[k].range, delta, dl);
    splice(errs, e0, e1, region.errors);

    // call rows
    const t = this.table;
    const rt = region.table;
    const c0 = lowerBoundRow(t, restart);
    const c1 = lowerBoundRow(t, syncOld);
    const a0 = c0 < t.n ? t.c[c0 * CS + C_ARG_FIRST] : t.na;
    const a1 = c1 < t.n ? t.c[c1 * CS + C_ARG_FIRST] : t.na;
    const dc = rt.n - (c1 - c0);
    const da = rt.na - (a1 - a0);
    {
      const c = t.c;
      for (let k = c1 * CS, end = t.n * CS; k < end; k += CS) {
        c[k + C_START] += delta;
        c[k + C_END] += delta;
        c[k + C_CALLEE_END] += delta;
        c[k + C_NAME_START] += delta;
        c[k + C_ARG_FIRST] += da;
        if (c[k + C_PARENT] >= 0) c[k + C_PARENT] += dc;
      }
      const a = t.a;
      for (let k = a1 * AS, end = t.na * AS; k < end; k++) a[k] += delta;
      const rc = rt.c;
      for (let k = 0, end = rt.n * CS; k < end; k += CS) {
        rc[k + C_ARG_FIRST] += a0;
        if (rc[k + C_PARENT] >= 0) rc[k + C_PARENT] += c0;
      }
    }
    const n = t.n + dc;
    const na = t.na + da;
    t.reserveCalls(n);
    t.reserveArgs(na);
    t.c.copyWithin((c1 + dc) * CS, c1 * CS, t.n * CS);
    t.c.set(rt.c.subarray(0, rt.n * CS), c0 * CS);
    t.a.copyWithin((a1 + da) * AS, a1 * AS, t.na * AS);
    t.a.set(rt.a.subarray(0, rt.na * AS), a0 * AS);
    t.n = n;
    t.na = na;
    splice(t.callee, c0, c1, rt.callee);
    splice(t.target, c0, c1, rt.target);
    splice(t.aname, a0, a1, rt.aname);
    splice(t.astar, a0, a1, rt.astar);
    splice(t.avalue, a0, a1, rt.avalue);

    // line starts and clean starts: old ones before the restart, the region's, old ones after the sync point
    const ls = this.lineStarts;
    const la = lowerBoundNum(ls, syncOld);
    const lb = region.stopped ? la + 1 : ls.length;
    for (let k = lb; k < ls.length; k++) ls[k] += delta;
    splice(ls, restartLine, lb, region.lines);
    const cb = region.stopped ? lowerBoundNum(clean, syncOld) + 1 : clean.length;
    for (let k = cb; k < clean.length; k++) clean[k] += delta;
    splice(clean, ci, cb, region.clean);

    this._text = text;
    this.callsCache = null;
    this.layersCache = null;
    this.timelineCache = this.buildTimeline();

    // layers: when the region's bindings are the same as before, only its own rows need resolving
    if (bindingsKept) {
      const l0 = lowerBoundNum(this.layerRows, c0);
      const l1 = lowerBoundNum(this.layerRows, c1);
      const rows: number[] = [];
      const specs: NormClassSpec[] = [];
      this.resolveRows(c0, c0 + rt.n, rows, specs);
      const lr = this.layerRows;
      for (let k = l1; k < lr.length; k++) lr[k] += dc;
      splice(lr, l0, l1, rows);
      splice(this.layerSpecs, l0, l1, specs);
    } else {
      this.layerRows = [];
      this.layerSpecs = [];
      this.resolveRows(0, t.n, this.layerRows, this.layerSpecs);
    }
  }

  /** Floor for candidates: calls never span a clean line start. */
  private floorOf(offset: number): number {
    const clean = this.clean;
    return clean[Math.max(0, lowerBoundNum(clean, offset + 1) - 1)];
  }

  private contains(k: number, offset: number): boolean {
    const c = this.table.c;
    const end = c[k * CS + C_END];
    return offset < end || (offset === end && (c[k * CS + C_FLAGS] & F_COMPLETE) === 0);
  }

  /** The innermost layer whose call contains the offset (hover anywhere in the call), or undefined. */
  layerAt(offset: number): ResolvedLayer | undefined {
    const rows = this.layerRows;
    const c = this.table.c;
    const floor = this.floorOf(offset);
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[rows[mid] * CS + C_START] <= offset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0; i--) {
      const k = rows[i];
      if (c[k * CS + C_START] < floor) break;
      if (this.contains(k, offset)) return this.layersCache ? this.layersCache[i] : this.layerOf(k, this.layerSpecs[i]);
    }
    return undefined;
  }

  /** The innermost call containing the offset, or undefined. */
  callAt(offset: number): ScannedCall | undefined {
    const t = this.table;
    const floor = this.floorOf(offset);
    for (let k = lowerBoundRow(t, offset + 1) - 1; k >= 0; k--) {
      if (t.c[k * CS + C_START] < floor) break;
      if (this.contains(k, offset)) return this.callsCache ? this.callsCache[k] : materialize(t, k, this._text, this.lineStarts);
    }
    return undefined;
  }

  /** 0-based line and UTF-16 column of an offset. */
  positionAt(offset: number): { line: number; character: number } {
    const o = Math.max(0, Math.min(this._text.length, offset));
    const line = lowerBoundNum(this.lineStarts, o + 1) - 1;
    return { line, character: o - this.lineStarts[line] };
  }

  /** Offset of a 0-based line and UTF-16 column (clamped to the line). */
  offsetAt(line: number, character: number): number {
    if (line < 0) return 0;
    if (line >= this.lineStarts.length) return this._text.length;
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this._text.length;
    return Math.min(this.lineStarts[line] + Math.max(0, character), next);
  }
}
