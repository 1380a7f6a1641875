/**
 * Calls stored compactly: offsets in typed arrays, strings and values in parallel arrays.
 * A 20,000-line file has tens of thousands of calls; as objects with ranges and positions that
 * is hundreds of thousands of long-lived allocations, which costs more than the scan itself.
 * Rows are cheap to shift after an edit (a loop over integers) and ScannedCall objects are
 * built only when someone asks for them.
 */
import type { PyValue } from '../frameworks/types';
import type { CallArgument, Position, Range, ScannedCall } from './types';

/** Call row layout. */
export const C_START = 0;
export const C_END = 1;
export const C_CALLEE_END = 2;
export const C_NAME_START = 3;
export const C_ARG_FIRST = 4;
export const C_ARG_COUNT = 5;
export const C_PARENT = 6;
export const C_PARENT_ARG = 7;
export const C_FLAGS = 8;
export const CS = 9;
/** Argument row layout: s, e, value start, value end. */
export const AS = 4;

export const F_COMPLETE = 1;
export const F_WHOLE_ARG = 2;
/** The row has a parent (C_PARENT may be stored shifted, so its sign says nothing). */
export const F_HAS_PARENT = 4;

export class CallTable {
  n = 0;
  na = 0;
  c: Int32Array;
  a: Int32Array;
  callee: string[] = [];
  target: (string | undefined)[] = [];
  aname: (string | undefined)[] = [];
  /** 0 none, 1 '*', 2 '**'; grows with the argument rows */
  astar: Uint8Array;
  /** undefined: not a literal; the value is its source text. */
  avalue: (PyValue | undefined)[] = [];

  constructor(calls = 64, args = 128) {
    this.c = new Int32Array(Math.max(1, calls) * CS);
    this.a = new Int32Array(Math.max(1, args) * AS);
    this.astar = new Uint8Array(Math.max(1, args));
  }

  reserveCalls(n: number): void {
    if (n * CS <= this.c.length) return;
    const b = new Int32Array(Math.max(n, (this.c.length / CS) * 2) * CS);
    b.set(this.c.subarray(0, this.n * CS));
    this.c = b;
  }

  reserveArgs(n: number): void {
    if (n * AS <= this.a.length) return;
    const b = new Int32Array(Math.max(n, (this.a.length / AS) * 2) * AS);
    b.set(this.a.subarray(0, this.na * AS));
    this.a = b;
    const st = new Uint8Array(b.length / AS);
    st.set(this.astar.subarray(0, this.na));
    this.astar = st;
  }

  start(k: number): number {
    return this.c[k * CS + C_START];
  }
  end(k: number): number {
    return this.c[k * CS + C_END];
  }
}

/** Line starts → positions. */
export function positionIn(lines: ArrayLike<number>, off: number): Position {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid] <= off) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: off - lines[lo] };
}

/** Offset → position, for the text the rows belong to. */
export type PositionOf = (offset: number) => Position;

/** Offsets are mostly asked in increasing order, close together: try the last line found first. */
export const positionsOf = (lines: ArrayLike<number>): PositionOf => {
  let hint = 0;
  return (o) => {
    const n = lines.length;
    if (hint < n && lines[hint] <= o && (hint + 1 === n || lines[hint + 1] > o)) return { line: hint, character: o - lines[hint] };
    if (hint + 2 < n && lines[hint + 1] <= o && lines[hint + 2] > o) {
      hint++;
      return { line: hint, character: o - lines[hint] };
    }
    const p = positionIn(lines, o);
    hint = p.line;
    return p;
  };
};

function rangeIn(pos: PositionOf, s: number, e: number): Range {
  return { start: pos(s), end: pos(e), startOffset: s, endOffset: e };
}

/** What the rows need of their text: its pieces. */
export interface TextSlices {
  slice(start: number, end: number): string;
}

/** Build the ScannedCall of row k (parent indices are given relative to `base`). */
export function materialize(t: CallTable, k: number, text: TextSlices, lines: PositionOf): ScannedCall {
  const c = t.c;
  const o = k * CS;
  const s = c[o + C_START];
  const ce = c[o + C_CALLEE_END];
  const args: CallArgument[] = [];
  const first = c[o + C_ARG_FIRST];
  const count = c[o + C_ARG_COUNT];
  for (let j = first; j < first + count; j++) {
    const p = j * AS;
    const vs = t.a[p + 2];
    const ve = t.a[p + 3];
    const text_ = text.slice(vs, ve);
    const v = t.avalue[j];
    const arg: CallArgument = {
      value: v === undefined ? { expr: text_ } : v,
      text: text_,
      range: rangeIn(lines, t.a[p], t.a[p + 1]),
      valueRange: rangeIn(lines, vs, ve),
    };
    const name = t.aname[j];
    if (name !== undefined) arg.name = name;
    const star = t.astar[j];
    if (star) arg.star = star === 1 ? '*' : '**';
    args.push(arg);
  }
  const flags = c[o + C_FLAGS];
  const call: ScannedCall = {
    callee: t.callee[k],
    calleeRange: rangeIn(lines, s, ce),
    nameRange: rangeIn(lines, c[o + C_NAME_START], ce),
    range: rangeIn(lines, s, c[o + C_END]),
    args,
    complete: (flags & F_COMPLETE) !== 0,
  };
  if (flags & F_HAS_PARENT) {
    call.parent = c[o + C_PARENT];
    call.parentArg = c[o + C_PARENT_ARG];
    call.wholeArg = (flags & F_WHOLE_ARG) !== 0;
  }
  const target = t.target[k];
  if (target !== undefined) call.target = target;
  return call;
}

/** Every row as a ScannedCall. */
export function materializeAll(t: CallTable, text: string, lines: PositionOf): ScannedCall[] {
  const out: ScannedCall[] = new Array(t.n);
  for (let k = 0; k < t.n; k++) out[k] = materialize(t, k, text, lines);
  return out;
}
