/**
 * Incremental recognition for the editor. An edit is rescanned from the nearest clean line
 * start before it (a line start at bracket depth 0, outside strings, or a `def`/`class` line that
 * ends brackets a half-typed line left open) until the scan reaches a
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
  C_ARG_COUNT,
  C_ARG_FIRST,
  C_CALLEE_END,
  C_END,
  C_FLAGS,
  C_NAME_START,
  C_PARENT,
  C_START,
  F_COMPLETE,
  F_HAS_PARENT,
  materialize,
  type TextSlices,
} from './table';
import type { RegionResult } from './scan';
import type { NormClassSpec } from '../frameworks/types';
import type { CallRows, ImportBinding, Range, Rebinding, ResolvedLayer, ScanError, ScannedCall } from './types';

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

/**
 * A sorted array of offsets where every element from `gap` on is stored minus a pending delta:
 * an edit shifts the rest of the file by moving the gap to it and adding to the delta, so
 * typing at one place costs nothing per element; elements are fixed up only between two edit
 * places.
 */
class GapArray {
  a: number[];
  gap: number;
  pd = 0;
  constructor(a: number[]) {
    this.a = a;
    this.gap = a.length;
  }
  get length(): number {
    return this.a.length;
  }
  get(k: number): number {
    return k >= this.gap ? this.a[k] + this.pd : this.a[k];
  }
  /** First index whose value is >= key. */
  lowerBound(key: number): number {
    let lo = 0;
    let hi = this.a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.get(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  moveGap(m: number): void {
    const a = this.a;
    const pd = this.pd;
    if (m > this.gap) for (let k = this.gap; k < m; k++) a[k] += pd;
    else for (let k = m; k < this.gap; k++) a[k] -= pd;
    this.gap = m;
  }
  /** Replace [from, to) by items (exact values); everything after moves by delta. */
  replace(from: number, to: number, items: readonly number[], delta: number): void {
    this.moveGap(to);
    this.pd += delta;
    splice(this.a, from, to, items);
    this.gap = from + items.length;
  }
  /** Exact values (moves the gap to the end). */
  values(): number[] {
    this.moveGap(this.a.length);
    return this.a;
  }
}

/** Largest replacement kept apart from the flat text before the two are joined. */
const MAX_PENDING = 1 << 14;

/**
 * The text as a flat string with one span replaced: typing at one place only rewrites the small
 * replacement, so an edit costs nothing per character of the file. The whole string is joined
 * when someone asks for it, or when an edit lands elsewhere.
 */
class GapText implements TextSlices {
  private base: string;
  /** base[gs, ge) is replaced by mid. */
  private gs = 0;
  private ge = 0;
  private mid = '';
  length: number;

  constructor(text: string) {
    this.base = text;
    this.length = text.length;
  }

  slice(a: number, b: number): string {
    const gs = this.gs;
    const mEnd = gs + this.mid.length;
    const sh = this.ge - mEnd;
    if (b <= gs) return this.base.slice(a, b);
    if (a >= mEnd) return this.base.slice(a + sh, b + sh);
    if (a >= gs && b <= mEnd) return this.mid.slice(a - gs, b - gs);
    return (
      (a < gs ? this.base.slice(a, gs) : '') +
      this.mid.slice(Math.max(0, a - gs), Math.min(this.mid.length, b - gs)) +
      (b > mEnd ? this.base.slice(this.ge, b + sh) : '')
    );
  }

  toString(): string {
    if (this.gs !== this.ge || this.mid.length > 0) {
      this.base = this.base.slice(0, this.gs) + this.mid + this.base.slice(this.ge);
      this.gs = this.ge = 0;
      this.mid = '';
    }
    return this.base;
  }

  /** Replace [s, e) (current offsets) by t. */
  replace(s: number, e: number, t: string): void {
    const mEnd = this.gs + this.mid.length;
    const pending = this.gs !== this.ge || this.mid.length > 0;
    if (pending && (e < this.gs || s > mEnd || this.mid.length + t.length > MAX_PENDING)) this.toString();
    if (this.gs === this.ge && this.mid.length === 0) {
      this.gs = s;
      this.ge = e;
      this.mid = t;
    } else {
      const lo = Math.min(s, this.gs);
      const hi = Math.max(e, mEnd);
      const ge = hi + (this.ge - mEnd);
      this.mid = this.slice(lo, s) + t + this.slice(e, hi);
      this.gs = lo;
      this.ge = ge;
    }
    this.length += t.length - (e - s);
  }
}

/** Move a region scanned from a window of the text to the window's offset in the text. */
function moveRegion(r: RegionResult, base: number): void {
  const t = r.table;
  const c = t.c;
  for (let k = 0, end = t.n * CS; k < end; k += CS) {
    c[k + C_START] += base;
    c[k + C_END] += base;
    c[k + C_CALLEE_END] += base;
    c[k + C_NAME_START] += base;
  }
  const a = t.a;
  for (let k = 0, end = t.na * AS; k < end; k++) a[k] += base;
  for (let k = 0; k < r.lines.length; k++) r.lines[k] += base;
  for (let k = 0; k < r.clean.length; k++) r.clean[k] += base;
  r.end += base;
  for (const x of r.imports) {
    x.range.startOffset += base;
    x.range.endOffset += base;
  }
  for (const x of r.errors) {
    x.range.startOffset += base;
    x.range.endOffset += base;
  }
  for (const x of r.rebinds) x.at += base;
}

/** Offset → position over a GapArray of line starts. */
function positionsIn(lines: GapArray) {
  // the offsets of one call are close together: try the last line found and the next ones first
  let hint = 0;
  return (off: number) => {
    const n = lines.length;
    let line = hint;
    if (line < n && lines.get(line) <= off) {
      let k = 0;
      while (k < 4 && line + 1 < n && lines.get(line + 1) <= off) {
        line++;
        k++;
      }
      if (k === 4) line = Math.max(0, lines.lowerBound(off + 1) - 1);
    } else line = Math.max(0, lines.lowerBound(off + 1) - 1);
    hint = line;
    return { line, character: off - lines.get(line) };
  };
}

export class DocumentIndex {
  private src: GapText;
  private table: CallTable;
  private _imports: ImportBinding[];
  private _errors: ScanError[];
  private _rebinds: Rebinding[];
  /** Physical line starts. */
  private lineStarts: GapArray;
  /** Clean line starts (depth 0, outside strings), ascending, starting with 0. */
  private clean: GapArray;
  /**
   * Call rows from gapRow on (and argument rows from gapArg on) are stored minus a pending
   * shift: offsets pDelta, row indices (parent) pDc, argument indices (first argument) pDa.
   */
  private gapRow = 0;
  private gapArg = 0;
  private pDelta = 0;
  private pDc = 0;
  private pDa = 0;
  private timelineCache: BindingTimeline;
  /** Rows whose callee resolves to a framework class, ascending, and those classes. */
  private layerRows: number[] = [];
  private layerSpecs: NormClassSpec[] = [];
  private callsCache: ScannedCall[] | null = null;
  /** Calls built one at a time since the last edit, by row. */
  private rowCache: (ScannedCall | undefined)[] = [];
  private rowsView: CallRows | null = null;
  private layersCache: ResolvedLayer[] | null = null;
  /** The part of the text the last edit had scanned again (offsets after it): outside it the scan is the old one, moved. */
  rescanned: [number, number] = [0, 0];

  constructor(text: string) {
    this.src = new GapText(text);
    const r = scanRegion(text, 0, 0);
    this.table = r.table;
    this._imports = r.imports;
    this._errors = r.errors;
    this._rebinds = r.rebinds;
    this.lineStarts = new GapArray(r.lines);
    this.clean = new GapArray(r.clean);
    this.gapRow = r.table.n;
    this.gapArg = r.table.na;
    this.timelineCache = this.buildTimeline();
    this.resolveRows(0, this.table.n, this.layerRows, this.layerSpecs);
  }

  get text(): string {
    return this.src.toString();
  }
  /** Length of the text (UTF-16 units), without joining it. */
  get length(): number {
    return this.src.length;
  }
  /** Every call, in text order (built on first use after an edit). */
  get calls(): readonly ScannedCall[] {
    if (!this.callsCache) {
      this.moveGap(this.table.n);
      const pos = positionsIn(this.lineStarts);
      const rc = this.rowCache;
      const all: ScannedCall[] = new Array(this.table.n);
      for (let k = 0; k < all.length; k++) all[k] = rc[k] ?? materialize(this.table, k, this.src, pos);
      this.callsCache = all;
    }
    return this.callsCache;
  }
  get callCount(): number {
    return this.table.n;
  }

  /** Every call as rows, objects built only for the rows asked for (valid until the next edit). */
  callRows(): CallRows {
    if (this.rowsView) return this.rowsView;
    // (rows past the last edit keep its shift pending: applying it to all of them here would cost
    // a pass over every row after the edit, twice per keystroke)
    const t = this.table;
    const flags = C_FLAGS;
    this.rowsView = {
      count: t.n,
      start: (k) => this.rowStart(k),
      end: (k) => this.rowEnd(k),
      complete: (k) => (t.c[k * CS + flags] & F_COMPLETE) !== 0,
      callee: (k) => t.callee[k],
      call: (k) => this.callOfRow(k),
    };
    return this.rowsView;
  }

  /**
   * The calls starting in [from, to) as the scanner sees them, relative to `from` and to the
   * first of them (places, completeness, enclosing call, assignment target, argument count): two
   * spans with the same shape and the same text were scanned the same way.
   */
  callShape(from: number, to: number): string {
    const t = this.table;
    const c = t.c;
    const k0 = this.lowerBoundRow(from);
    let shape = '';
    for (let k = k0; k < t.n && this.rowStart(k) < to; k++) {
      const o = k * CS;
      const parent = c[o + C_FLAGS] & F_HAS_PARENT ? c[o + C_PARENT] + (k >= this.gapRow ? this.pDc : 0) - k0 : 'n';
      shape += `${this.rowStart(k) - from},${this.rowEnd(k) - from},${c[o + C_FLAGS]},${parent},${c[o + C_ARG_COUNT]},${t.target[k] ?? ''};`;
    }
    return shape;
  }

  /** The furthest end of the calls starting in [from, to) (`to` when none runs past it): where a call left open ends. */
  callsEnd(from: number, to: number): number {
    let end = to;
    for (let k = this.lowerBoundRow(from); k < this.table.n && this.rowStart(k) < to; k++) end = Math.max(end, this.rowEnd(k));
    return end;
  }

  private callOfRow(row: number): ScannedCall {
    if (this.callsCache) return this.callsCache[row];
    return (this.rowCache[row] ??= this.materializeRow(row));
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
  /** The normalization layers whose call starts in [from, to), in text order (only those are built). */
  layersIn(from: number, to: number): ResolvedLayer[] {
    if (this.layersCache) return this.layersCache.filter((l) => l.call.range.startOffset >= from && l.call.range.startOffset < to);
    const rows = this.layerRows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.rowStart(rows[mid]) < from) lo = mid + 1;
      else hi = mid;
    }
    const out: ResolvedLayer[] = [];
    for (let i = lo; i < rows.length && this.rowStart(rows[i]) < to; i++) out.push(this.layerOf(rows[i], this.layerSpecs[i]));
    return out;
  }

  /** Physical line starts (\n, \r\n, \r), ascending from 0. */
  lineStartOffsets(): readonly number[] {
    return this.lineStarts.values();
  }

  /** The call rows starting in [from, to): [first, end). */
  rowsIn(from: number, to: number): [number, number] {
    return [this.lowerBoundRow(from), this.lowerBoundRow(to)];
  }

  /** Clean line starts (bracket depth 0, outside strings), ascending from 0: where top-level statements may start. */
  cleanStarts(): readonly number[] {
    return this.clean.values();
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  private layerOf(row: number, spec: NormClassSpec): ResolvedLayer {
    return bindLayer(this.callOfRow(row), spec);
  }

  private materializeRow(row: number): ScannedCall {
    if (row >= this.gapRow) this.moveGap(row + 1);
    return materialize(this.table, row, this.src, positionsIn(this.lineStarts));
  }

  /** Start offset of a call row. */
  private rowStart(k: number): number {
    return this.table.c[k * CS + C_START] + (k >= this.gapRow ? this.pDelta : 0);
  }

  private rowEnd(k: number): number {
    return this.table.c[k * CS + C_END] + (k >= this.gapRow ? this.pDelta : 0);
  }

  /** First call row starting at or after `key`. */
  private lowerBoundRow(key: number): number {
    let lo = 0;
    let hi = this.table.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.rowStart(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Make rows before m exact and rows from m on carry the pending shift. */
  private moveGap(m: number): void {
    const t = this.table;
    const c = t.c;
    const a = t.a;
    if (m === this.gapRow) return;
    const sign = m > this.gapRow ? 1 : -1;
    const [r0, r1] = sign > 0 ? [this.gapRow, m] : [m, this.gapRow];
    const d = sign * this.pDelta;
    const dc = sign * this.pDc;
    const da = sign * this.pDa;
    for (let k = r0 * CS, end = r1 * CS; k < end; k += CS) {
      c[k + C_START] += d;
      c[k + C_END] += d;
      c[k + C_CALLEE_END] += d;
      c[k + C_NAME_START] += d;
      c[k + C_ARG_FIRST] += da;
      if (c[k + C_FLAGS] & F_HAS_PARENT) c[k + C_PARENT] += dc;
    }
    // argument rows of those call rows
    // row m itself carries the pending shift now
    const newGapArg = m >= t.n ? t.na : c[m * CS + C_ARG_FIRST] + this.pDa;
    const [x0, x1] = sign > 0 ? [this.gapArg, newGapArg] : [newGapArg, this.gapArg];
    for (let k = x0 * AS, end = x1 * AS; k < end; k++) a[k] += d;
    this.gapRow = m;
    this.gapArg = newGapArg;
  }

  private buildTimeline(): BindingTimeline {
    const t = new BindingTimeline();
    t.add(this._imports, this._rebinds);
    return t.seal();
  }

  private resolveRows(from: number, to: number, rows: number[], specs: NormClassSpec[]): void {
    const t = this.table;
    for (let k = from; k < to; k++) {
      const spec = specAt(t.callee[k], this.rowStart(k), this.timelineCache);
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
    const src = this.src;
    const oldLength = src.length;
    let s = Math.max(0, Math.min(oldLength, Math.floor(startOffset) || 0));
    let e = Math.max(0, Math.min(oldLength, Math.floor(endOffset) || 0));
    if (e < s) [s, e] = [e, s];
    if (s === e && newText.length === 0) return;
    src.replace(s, e, newText);
    const delta = newText.length - (e - s);
    const clean = this.clean;

    // restart at the last clean line start strictly before the edit (or 0): the edit may join a
    // line break with the one before it (\r + \n); and one before that, since whether a line
    // start is clean may depend on the line's first word (`def`/`class` end open brackets), which
    // the edit may change
    const ci = Math.max(0, clean.lowerBound(s) - 2);
    const restart = clean.get(ci);
    const restartLine = this.lineStarts.lowerBound(restart);
    const threshold = s + newText.length;
    // Scan a window of the new text from the restart point; a window that ends before the scan
    // meets the old scan again (with room for the lexer's lookahead) is widened.
    let region: RegionResult;
    for (let size = 4096; ; size *= 4) {
      const hi = Math.min(src.length, threshold + size);
      let probe = ci;
      const stop = (c: number) => {
        c += restart;
        if (c < threshold) return false;
        const oc = c - delta;
        while (probe < clean.length && clean.get(probe) < oc) probe++;
        return probe < clean.length && clean.get(probe) === oc;
      };
      const win = src.slice(restart, hi);
      region = scanRegion(win, 0, restartLine, stop);
      if (hi === src.length || (region.stopped && region.end + 8 <= win.length)) break;
    }
    moveRegion(region, restart);
    this.rescanned = [restart, region.stopped ? region.end : src.length];
    const syncOld = region.stopped ? region.end - delta : oldLength + 1;

    let dl = 0;
    if (region.stopped) {
      const newLine = restartLine + region.lines.length - 1;
      const oldLine = this.lineStarts.lowerBound(syncOld);
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

    // call rows: rows before c1 exact, rows from c1 on shifted lazily
    const t = this.table;
    const rt = region.table;
    const c0 = this.lowerBoundRow(restart);
    const c1 = this.lowerBoundRow(syncOld);
    this.moveGap(c1);
    const a1 = this.gapArg;
    const a0 = c0 < c1 ? t.c[c0 * CS + C_ARG_FIRST] : a1;
    const dc = rt.n - (c1 - c0);
    const da = rt.na - (a1 - a0);
    {
      const rc = rt.c;
      for (let k = 0, end = rt.n * CS; k < end; k += CS) {
        rc[k + C_ARG_FIRST] += a0;
        if (rc[k + C_FLAGS] & F_HAS_PARENT) rc[k + C_PARENT] += c0;
      }
    }
    this.pDelta += delta;
    this.pDc += dc;
    this.pDa += da;
    const n = t.n + dc;
    const na = t.na + da;
    t.reserveCalls(n);
    t.reserveArgs(na);
    if (dc !== 0) t.c.copyWithin((c1 + dc) * CS, c1 * CS, t.n * CS);
    t.c.set(rt.c.subarray(0, rt.n * CS), c0 * CS);
    if (da !== 0) t.a.copyWithin((a1 + da) * AS, a1 * AS, t.na * AS);
    t.a.set(rt.a.subarray(0, rt.na * AS), a0 * AS);
    if (da !== 0) t.astar.copyWithin(a1 + da, a1, t.na);
    t.astar.set(rt.astar.subarray(0, rt.na), a0);
    t.n = n;
    t.na = na;
    this.gapRow = c1 + dc;
    this.gapArg = a1 + da;
    splice(t.callee, c0, c1, rt.callee);
    splice(t.target, c0, c1, rt.target);
    splice(t.aname, a0, a1, rt.aname);
    splice(t.avalue, a0, a1, rt.avalue);

    // line starts and clean starts: old ones before the restart, the region's, old ones after the sync point
    const la = this.lineStarts.lowerBound(syncOld);
    this.lineStarts.replace(restartLine, region.stopped ? la + 1 : this.lineStarts.length, region.lines, delta);
    const cb = region.stopped ? clean.lowerBound(syncOld) + 1 : clean.length;
    clean.replace(ci, cb, region.clean, delta);

    this.callsCache = null;
    this.layersCache = null;
    this.rowCache = [];
    this.rowsView = null;
    // the timeline reads offsets from the (shifted) bindings: rebuild only when the region had any
    if (i1 > i0 || r1 > r0 || region.imports.length || region.rebinds.length) this.timelineCache = this.buildTimeline();

    // layers: when the region's bindings are the same as before, only its own rows need resolving
    if (bindingsKept) {
      const l0 = lowerBoundNum(this.layerRows, c0);
      const l1 = lowerBoundNum(this.layerRows, c1);
      const rows: number[] = [];
      const specs: NormClassSpec[] = [];
      this.resolveRows(c0, c0 + rt.n, rows, specs);
      const lr = this.layerRows;
      if (dc !== 0) for (let k = l1; k < lr.length; k++) lr[k] += dc;
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
    return this.clean.get(Math.max(0, this.clean.lowerBound(offset + 1) - 1));
  }

  private contains(k: number, offset: number): boolean {
    const end = this.rowEnd(k);
    return offset < end || (offset === end && (this.table.c[k * CS + C_FLAGS] & F_COMPLETE) === 0);
  }

  /** The innermost layer whose call contains the offset (hover anywhere in the call), or undefined. */
  layerAt(offset: number): ResolvedLayer | undefined {
    const rows = this.layerRows;
    const floor = this.floorOf(offset);
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.rowStart(rows[mid]) <= offset) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0; i--) {
      const k = rows[i];
      if (this.rowStart(k) < floor) break;
      if (this.contains(k, offset)) return this.layersCache ? this.layersCache[i] : this.layerOf(k, this.layerSpecs[i]);
    }
    return undefined;
  }

  /** The innermost call containing the offset, or undefined. */
  callAt(offset: number): ScannedCall | undefined {
    const floor = this.floorOf(offset);
    for (let k = this.lowerBoundRow(offset + 1) - 1; k >= 0; k--) {
      if (this.rowStart(k) < floor) break;
      if (this.contains(k, offset)) return this.callOfRow(k);
    }
    return undefined;
  }

  /** 0-based line and UTF-16 column of an offset. */
  positionAt(offset: number): { line: number; character: number } {
    return positionsIn(this.lineStarts)(Math.max(0, Math.min(this.src.length, offset)));
  }

  /** Offset of a 0-based line and UTF-16 column (clamped to the line). */
  offsetAt(line: number, character: number): number {
    if (line < 0) return 0;
    if (line >= this.lineStarts.length) return this.src.length;
    const next = line + 1 < this.lineStarts.length ? this.lineStarts.get(line + 1) : this.src.length;
    return Math.min(this.lineStarts.get(line) + Math.max(0, character), next);
  }
}
