/**
 * Incremental recognition for the editor. An edit is rescanned from the nearest clean line
 * start before it (a line start at bracket depth 0, outside strings) until the scan reaches a
 * clean line start at or after the edit's end that was also clean in the previous scan: from
 * there on tokens, calls and imports are the old ones moved by the edit's length, so they are
 * shifted rather than rescanned. The result always equals a full rescan of the new text.
 */
import { BindingTimeline, resolveCalls } from './resolve';
import { scanRegion } from './scan';
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

const num = (n: number) => n;
const callStart = (c: ScannedCall) => c.range.startOffset;
const rangeStart = (x: { range: Range }) => x.range.startOffset;
const rebindAt = (r: Rebinding) => r.at;

function shiftRange(r: Range, d: number, dl: number): void {
  r.startOffset += d;
  r.endOffset += d;
  r.start.line += dl;
  r.end.line += dl;
}

function shiftCall(c: ScannedCall, d: number, dl: number, di: number): void {
  shiftRange(c.calleeRange, d, dl);
  shiftRange(c.nameRange, d, dl);
  shiftRange(c.range, d, dl);
  const args = c.args;
  for (let i = 0; i < args.length; i++) {
    shiftRange(args[i].range, d, dl);
    shiftRange(args[i].valueRange, d, dl);
  }
  if (c.parent !== undefined) c.parent += di;
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

function sameBindings(
  a: readonly ImportBinding[],
  b: readonly ImportBinding[],
  ra: readonly Rebinding[],
  rb: readonly Rebinding[],
): boolean {
  if (a.length !== b.length || ra.length !== rb.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].local !== b[i].local || a[i].target !== b[i].target) return false;
  for (let i = 0; i < ra.length; i++) if (ra[i].local !== rb[i].local) return false;
  return true;
}

export class DocumentIndex {
  private _text: string;
  private _calls: ScannedCall[];
  private _imports: ImportBinding[];
  private _errors: ScanError[];
  private _rebinds: Rebinding[];
  private _layers: ResolvedLayer[];
  /** Physical line starts. */
  private lineStarts: number[];
  /** Clean line starts (depth 0, outside strings), ascending, starting with 0. */
  private clean: number[];

  constructor(text: string) {
    this._text = text;
    const r = scanRegion(text, 0, 0);
    this._calls = r.calls;
    this._imports = r.imports;
    this._errors = r.errors;
    this._rebinds = r.rebinds;
    this.lineStarts = r.lines;
    this.clean = r.clean;
    this._layers = resolveCalls(this._calls, this.timeline());
  }

  get text(): string {
    return this._text;
  }
  get calls(): readonly ScannedCall[] {
    return this._calls;
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
  get layers(): readonly ResolvedLayer[] {
    return this._layers;
  }
  get lineCount(): number {
    return this.lineStarts.length;
  }

  private timeline(): BindingTimeline {
    const t = new BindingTimeline();
    t.add(this._imports, this._rebinds);
    return t.seal();
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
    const ci = Math.max(0, lowerBound(clean, s, num) - 1);
    const restart = clean[ci];
    const restartLine = lowerBound(this.lineStarts, restart, num);
    const threshold = s + newText.length;
    let probe = ci;
    const stop = (c: number) => {
      if (c < threshold) return false;
      const oc = c - delta;
      while (probe < clean.length && clean[probe] < oc) probe++;
      return probe < clean.length && clean[probe] === oc;
    };
    const region = scanRegion(text, restart, restartLine, stop);
    const syncNew = region.stopped ? region.end : text.length + 1;
    const syncOld = region.stopped ? syncNew - delta : old.length + 1;

    // calls
    const calls = this._calls;
    const c0 = lowerBound(calls, restart, callStart);
    const c1 = lowerBound(calls, syncOld, callStart);
    const l0 = lowerBound(this._layers, restart, (l) => l.call.range.startOffset);
    const l1 = lowerBound(this._layers, syncOld, (l) => l.call.range.startOffset);
    const i0 = lowerBound(this._imports, restart, rangeStart);
    const i1 = lowerBound(this._imports, syncOld, rangeStart);
    const r0 = lowerBound(this._rebinds, restart, rebindAt);
    const r1 = lowerBound(this._rebinds, syncOld, rebindAt);
    const bindingsKept = sameBindings(
      this._imports.slice(i0, i1),
      region.imports,
      this._rebinds.slice(r0, r1),
      region.rebinds,
    );

    let dl = 0;
    if (region.stopped) {
      const newLine = restartLine + region.lines.length - 1;
      const oldLine = lowerBound(this.lineStarts, syncOld, num);
      dl = newLine - oldLine;
    }
    const di = c0 + region.calls.length - c1;
    for (let k = c1; k < calls.length; k++) shiftCall(calls[k], delta, dl, di);
    for (const c of region.calls) if (c.parent !== undefined) c.parent += c0;
    splice(calls, c0, c1, region.calls);

    for (let k = i1; k < this._imports.length; k++) shiftRange(this._imports[k].range, delta, dl);
    splice(this._imports, i0, i1, region.imports);
    for (let k = r1; k < this._rebinds.length; k++) this._rebinds[k].at += delta;
    splice(this._rebinds, r0, r1, region.rebinds);

    const errs = this._errors;
    const e0 = lowerBound(errs, restart, rangeStart);
    const e1 = lowerBound(errs, syncOld, rangeStart);
    for (let k = e1; k < errs.length; k++) shiftRange(errs[k].range, delta, dl);
    splice(errs, e0, e1, region.errors);

    // line starts and clean starts: old ones before the restart, the region's, old ones after the sync point
    const ls = this.lineStarts;
    const la = lowerBound(ls, syncOld, num);
    const lb = region.stopped ? la + 1 : ls.length;
    for (let k = lb; k < ls.length; k++) ls[k] += delta;
    splice(ls, restartLine, lb, region.lines);
    const cb = region.stopped ? lowerBound(clean, syncOld, num) + 1 : clean.length;
    for (let k = cb; k < clean.length; k++) clean[k] += delta;
    splice(clean, ci, cb, region.clean);

    this._text = text;

    // layers: when the region's bindings are the same as before, only its own calls need resolving
    if (bindingsKept) {
      const fresh = resolveCalls(region.calls, this.timeline());
      splice(this._layers, l0, l1, fresh);
    } else {
      this._layers = resolveCalls(calls, this.timeline());
    }
  }

  /** The innermost layer whose call contains the offset (hover anywhere in the call), or undefined. */
  layerAt(offset: number): ResolvedLayer | undefined {
    const layers = this._layers;
    // calls never span a clean line start, so candidates start at or after the one before `offset`
    const clean = this.clean;
    const floor = clean[Math.max(0, lowerBound(clean, offset + 1, num) - 1)];
    let k = lowerBound(layers, offset + 1, (l) => l.call.range.startOffset) - 1;
    for (; k >= 0; k--) {
      const r = layers[k].call.range;
      if (r.startOffset < floor) break;
      if (offset < r.endOffset || (offset === r.endOffset && !layers[k].call.complete)) return layers[k];
    }
    return undefined;
  }

  /** The innermost call containing the offset, or undefined. */
  callAt(offset: number): ScannedCall | undefined {
    const calls = this._calls;
    const clean = this.clean;
    const floor = clean[Math.max(0, lowerBound(clean, offset + 1, num) - 1)];
    for (let k = lowerBound(calls, offset + 1, callStart) - 1; k >= 0; k--) {
      const r = calls[k].range;
      if (r.startOffset < floor) break;
      if (offset < r.endOffset) return calls[k];
    }
    return undefined;
  }

  /** 0-based line and UTF-16 column of an offset. */
  positionAt(offset: number): { line: number; character: number } {
    const o = Math.max(0, Math.min(this._text.length, offset));
    const line = lowerBound(this.lineStarts, o + 1, num) - 1;
    return { line, character: o - this.lineStarts[line] };
  }

  /** Offset of a 0-based line and UTF-16 column (clamped to the text). */
  offsetAt(line: number, character: number): number {
    if (line < 0) return 0;
    if (line >= this.lineStarts.length) return this._text.length;
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this._text.length;
    return Math.min(this.lineStarts[line] + Math.max(0, character), next);
  }
}
