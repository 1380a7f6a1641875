/**
 * From tokens to calls and imports, one logical line at a time.
 *
 * A call is a dotted name (`a`, `a.b.c`) not preceded by `.` and directly followed by `(`:
 * exactly the calls whose `func` is a Name/Attribute chain in CPython's `ast`. Arguments are
 * split at commas of the call's own parentheses (not those of a `lambda`'s parameters) and
 * literal values are evaluated like `ast.literal_eval` would; anything else is kept as text.
 */
import type { PyValue } from '../frameworks/types';
import { Lexer, Op, Tok } from './lexer';
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
  C_PARENT_ARG,
  C_START,
  F_COMPLETE,
  F_HAS_PARENT,
  F_WHOLE_ARG,
} from './table';
import type { ImportBinding, Position, Range, Rebinding, ScanError } from './types';

const KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);
const COMPOUND = new Set(['if', 'elif', 'else', 'while', 'for', 'try', 'except', 'finally', 'with', 'def', 'class', 'async', 'match', 'case']);
/** Deepest literal nesting evaluated; deeper values are kept as text. */
const MAX_LITERAL_DEPTH = 64;

export interface RegionResult {
  /** Calls in text order; parent indices are relative to this table. */
  table: CallTable;
  imports: ImportBinding[];
  errors: ScanError[];
  rebinds: Rebinding[];
  /** Physical line starts from the region start on (first: the region start). */
  lines: number[];
  /** Clean line starts from the region start on (first: the region start). */
  clean: number[];
  /** Where scanning stopped: a clean line start, or the text length. */
  end: number;
  stopped: boolean;
}

interface Entry {
  /** Token index of the opener. */
  tok: number;
  /** Index (in the region's calls) of the call whose parenthesis this is, or -1. */
  call: number;
  /** Stack index of the nearest call entry at or below this one, or -1. */
  nearestCall: number;
  argStart: number;
  lambdas: number;
  /** Argument count so far (written order). */
  argCount: number;
  /** A call starting exactly at the current argument's value, candidate for wholeArg. */
  headCall: number;
}

/** A call of the logical line being parsed (rows are written when the line ends). */
interface LineCall {
  index: number;
  start: number;
  calleeEnd: number;
  nameStart: number;
  end: number;
  closeTok: number;
  flags: number;
  parent: number;
  parentArg: number;
  callee: string;
  target: string | undefined;
  argCount: number;
}

/** Python compares identifiers after NFKC normalization; ASCII ones are already normal. */
function nfkc(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return s.normalize('NFKC');
  return s;
}

/**
 * Scan from `start` (which must be a clean line start, `lineBase` its 0-based line index).
 * `stop` is asked at every clean line start after `start`; when it answers true, scanning ends there.
 */
export function scanRegion(text: string, start: number, lineBase: number, stop?: (clean: number) => boolean): RegionResult {
  const lx = new Lexer(text, start);
  const lines = lx.lines;
  const table = new CallTable(stop ? 16 : 256, stop ? 32 : 512);
  // Per-line buffers are reused: their used length is a counter (truncating an array costs a runtime call).
  const lineCalls: LineCall[] = [];
  let nCalls = 0;
  // per line: [call, s, e, vs, ve, star] per argument, with its name and value alongside
  const lineArgs: number[] = [];
  const lineArgName: (string | undefined)[] = [];
  const lineArgValue: (PyValue | undefined)[] = [];
  let nArgs = 0;
  const interned = new Interner(text, true);
  const targetNames = new Interner(text, false);
  const cursor: number[] = [];
  const argAt: number[] = [];
  const imports: ImportBinding[] = [];
  const rebinds: Rebinding[] = [];
  const clean = [start];
  let hint = 0;

  const pos = (off: number): Position => {
    // lines only grows; offsets mostly increase, so search from the last hit
    let lo = 0;
    let hi = lines.length - 1;
    if (lines[hint] <= off) {
      lo = hint;
      if (hint + 1 < lines.length && lines[hint + 1] > off) hi = hint;
    } else hi = hint;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid] <= off) lo = mid;
      else hi = mid - 1;
    }
    hint = lo;
    return { line: lineBase + lo, character: off - lines[lo] };
  };
  const range = (s: number, e: number): Range => ({ start: pos(s), end: pos(e), startOffset: s, endOffset: e });

  // Per-line state; arrays alias the lexer's (they are replaced when it grows).
  let kind = lx.kind;
  let ts = lx.start;
  let te = lx.end;
  let op = lx.op;
  let aux = lx.aux;
  const tokText = (i: number) => text.slice(ts[i], te[i]);
  const isOp = (i: number, code: number) => kind[i] === Tok.Op && op[i] === code;
  const isName = (i: number, s: string) => kind[i] === Tok.Name && te[i] - ts[i] === s.length && text.startsWith(s, ts[i]);

  const stack: Entry[] = [];
  const pool: Entry[] = [];
  let stmtLambdas = 0;

  // Statement state of the logical line being parsed.
  let stmt = 0;
  let lastEq = -1;
  let prevEq = -1;
  let annColon = -1;
  let patternEnd = -1;
  let matchKw = -1;
  // calls that may be the whole right side of an assignment: [call, targetStartTok, targetEndTok]
  const targets: number[] = [];
  let nTargets = 0;

  const analyzeSoftKeyword = (n: number) => {
    // `match subject:` and `case pattern [if guard]:` at the start of a logical line
    const len0 = te[0] - ts[0];
    if (kind[0] !== Tok.Name || (len0 !== 4 && len0 !== 5)) return;
    const soft = isName(0, 'case') ? 'case' : isName(0, 'match') ? 'match' : '';
    if (!soft || n < 3) return;
    const k1 = kind[1];
    if (k1 === Tok.Op) {
      const o = op[1];
      if (
        o === Op.Dot ||
        o === Op.Equal ||
        o === Op.Colon ||
        o === Op.Comma ||
        o === Op.Aug ||
        o === Op.RPar ||
        o === Op.RSqb ||
        o === Op.RBrace ||
        o === Op.EqEq ||
        o === Op.NotEq ||
        o === Op.Other
      )
        return;
    }
    let depth = 0;
    let guard = -1;
    for (let i = 1; i < n; i++) {
      if (kind[i] === Tok.Op) {
        const o = op[i];
        if (o === Op.LPar || o === Op.LSqb || o === Op.LBrace) depth++;
        else if (o === Op.RPar || o === Op.RSqb || o === Op.RBrace) depth--;
        else if (depth === 0) {
          if (o === Op.Equal || o === Op.Semi || o === Op.Aug) return;
          if (o === Op.Colon) {
            if (soft === 'match') matchKw = 0;
            else patternEnd = guard >= 0 ? guard : i;
            return;
          }
        }
      } else if (depth === 0 && soft === 'case' && guard < 0 && isName(i, 'if')) guard = i;
    }
  };

  const endStatement = (e: number) => {
    statement(stmt, e, lastEq);
    for (let k = 0; k < nTargets; k += 3) {
      const c = targets[k];
      if (lineCalls[c].closeTok === e - 1 && targets[k + 2] >= targets[k + 1]) {
        lineCalls[c].target = targetNames.get(ts[targets[k + 1]], te[targets[k + 2]]);
      }
    }
    nTargets = 0;
    lastEq = prevEq = annColon = -1;
  };

  const finishArg = (entry: Entry, e: number) => {
    const s = entry.argStart;
    if (e <= s) return;
    const call = lineCalls[entry.call];
    let vs = s;
    let name: string | undefined;
    let star = 0;
    if (isOp(s, Op.Star)) {
      star = 1;
      vs = s + 1;
    } else if (isOp(s, Op.Pow)) {
      star = 2;
      vs = s + 1;
    } else if (kind[s] === Tok.Name && s + 1 < e && isOp(s + 1, Op.Equal)) {
      name = interned.get(ts[s], te[s]);
      vs = s + 2;
    }
    const vStart = vs < e ? ts[vs] : te[e - 1];
    const vEnd = te[e - 1];
    // arguments of the line, in the order they end; flushLine groups them by call
    const q = nArgs * 6;
    lineArgs[q] = entry.call;
    lineArgs[q + 1] = ts[s];
    lineArgs[q + 2] = vEnd;
    lineArgs[q + 3] = vStart;
    lineArgs[q + 4] = vEnd;
    lineArgs[q + 5] = star;
    lineArgName[nArgs] = name;
    lineArgValue[nArgs] = vs < e ? literal(vs, e) : undefined;
    nArgs++;
    call.argCount++;
    if (entry.headCall >= 0) {
      const hc = lineCalls[entry.headCall];
      if (ts[vs] === hc.start && hc.closeTok === e - 1) hc.flags |= F_WHOLE_ARG;
      entry.headCall = -1;
    }
  };

  const closeEntry = (entry: Entry, closer: number, matched: boolean) => {
    if (entry.call < 0) return;
    const call = lineCalls[entry.call];
    // closeTok first: finishArg checks whether a nested call ends its last argument
    call.closeTok = closer;
    finishArg(entry, closer);
    const endOff = matched ? te[closer] : closer > 0 ? te[closer - 1] : ts[closer];
    if (matched) call.flags |= F_COMPLETE;
    call.end = Math.max(endOff, call.calleeEnd);
  };

  function parseLine(n: number): void {
    kind = lx.kind;
    ts = lx.start;
    te = lx.end;
    op = lx.op;
    aux = lx.aux;
    if (stack.length) stack.length = 0;
    stmtLambdas = 0;
    stmt = 0;
    lastEq = prevEq = annColon = patternEnd = matchKw = -1;
    nTargets = 0;
    analyzeSoftKeyword(n);
    let pendingParen = -1;
    let pendingCall = -1;
    for (let i = 0; i < n; i++) {
      const k = kind[i];
      if (k === Tok.Name) {
        if (i > 0 && op[i - 1] === Op.Dot && kind[i - 1] === Tok.Op) continue;
        let j = i;
        while (j + 2 < n && op[j + 1] === Op.Dot && kind[j + 1] === Tok.Op && kind[j + 2] === Tok.Name) j += 2;
        if (j + 1 < n && op[j + 1] === Op.LPar && kind[j + 1] === Tok.Op) {
          const prevKw = i > 0 && kind[i - 1] === Tok.Name && (isName(i - 1, 'def') || isName(i - 1, 'class'));
          if (!isKeyword(text, ts[i], te[i]) && !prevKw && !(i < patternEnd) && i !== matchKw) {
            pendingParen = j + 1;
            pendingCall = newCall(i, j);
            const top = stack.length ? stack[stack.length - 1] : null;
            const nc = top ? top.nearestCall : -1;
            if (nc >= 0) {
              const pe = stack[nc];
              const call = lineCalls[pendingCall];
              call.parent = pe.call;
              call.parentArg = pe.argCount;
              if (pe === top) {
                const s = pe.argStart;
                const vs = isOp(s, Op.Star) || isOp(s, Op.Pow) ? s + 1 : kind[s] === Tok.Name && isOp(s + 1, Op.Equal) ? s + 2 : s;
                if (vs === i) pe.headCall = pendingCall;
              }
            } else if (stack.length === 0 && lastEq >= 0 && i === lastEq + 1) {
              let tEnd = lastEq - 1;
              if (annColon >= 0 && annColon < lastEq) tEnd = annColon - 1;
              targets[nTargets++] = pendingCall;
              targets[nTargets++] = prevEq >= 0 ? prevEq + 1 : stmt;
              targets[nTargets++] = tEnd;
            }
          }
        }
        if (te[i] - ts[i] === 6 && isName(i, 'lambda')) {
          if (stack.length) stack[stack.length - 1].lambdas++;
          else stmtLambdas++;
        }
        continue;
      }
      if (k === Tok.Op) {
        const o = op[i];
        switch (o) {
          case Op.LPar:
          case Op.LSqb:
          case Op.LBrace: {
            const isCall = i === pendingParen;
            const idx = stack.length;
            const below = idx > 0 ? stack[idx - 1].nearestCall : -1;
            // entries are reused: a file has as many brackets as tokens of other kinds
            const ent = pool.pop() ?? ({} as Entry);
            ent.tok = i;
            ent.call = isCall ? pendingCall : -1;
            ent.nearestCall = isCall ? idx : below;
            ent.argStart = i + 1;
            ent.lambdas = 0;
            ent.argCount = 0;
            ent.headCall = -1;
            stack.push(ent);
            break;
          }
          case Op.RPar:
          case Op.RSqb:
          case Op.RBrace: {
            const m = aux[i];
            if (m < 0) break;
            while (stack.length > m) {
              const e = stack.pop()!;
              closeEntry(e, i, stack.length === m && o === Op.RPar);
              pool.push(e);
            }
            break;
          }
          case Op.Comma:
            if (stack.length) {
              const top = stack[stack.length - 1];
              if (top.lambdas === 0) {
                if (top.call >= 0) finishArg(top, i);
                top.argCount++;
                top.argStart = i + 1;
              }
            }
            break;
          case Op.Colon:
            if (stack.length) {
              const top = stack[stack.length - 1];
              if (top.lambdas > 0) top.lambdas--;
            } else if (stmtLambdas > 0) stmtLambdas--;
            else if (kind[stmt] === Tok.Name && te[stmt] - ts[stmt] <= 7 && COMPOUND.has(targetNames.get(ts[stmt], te[stmt]))) {
              endStatement(i);
              stmt = i + 1;
            } else if (annColon < 0) annColon = i;
            break;
          case Op.Equal:
            if (stack.length === 0) {
              prevEq = lastEq;
              lastEq = i;
            }
            break;
          case Op.Aug:
            if (stack.length === 0) lastEq = prevEq = -2;
            break;
          case Op.Semi:
            if (stack.length === 0) {
              endStatement(i);
              stmt = i + 1;
            }
            break;
        }
        continue;
      }
      if (k === Tok.Unwind) {
        const m = aux[i];
        while (stack.length > m) {
          const e = stack.pop()!;
          closeEntry(e, i, false);
          pool.push(e);
        }
        continue;
      }
      if (k === Tok.Newline) {
        while (stack.length) {
          const e = stack.pop()!;
          closeEntry(e, i, false);
          pool.push(e);
        }
        endStatement(i);
      }
    }
  }

  function newCall(i: number, j: number): number {
    // written without spaces or comments (the usual case): the callee is one span of the text
    let contiguous = true;
    for (let k = i; k < j; k++) {
      if (te[k] !== ts[k + 1]) {
        contiguous = false;
        break;
      }
    }
    let callee: string;
    if (contiguous) callee = interned.get(ts[i], te[j]);
    else {
      callee = tokText(i);
      for (let k = i + 2; k <= j; k += 2) callee += '.' + tokText(k);
      callee = nfkc(callee);
    }
    let c = lineCalls[nCalls];
    if (c === undefined) lineCalls[nCalls] = c = {} as LineCall;
    c.index = nCalls;
    c.start = ts[i];
    c.calleeEnd = te[j];
    c.nameStart = ts[j];
    c.end = te[j];
    c.closeTok = -1;
    c.flags = 0;
    c.parent = -1;
    c.parentArg = -1;
    c.callee = callee;
    c.target = undefined;
    c.argCount = 0;
    return nCalls++;
  }

  /** Append the logical line's calls to the table, in text order, their arguments after them. */
  function flushLine(): void {
    const m = nCalls;
    if (m === 0) return;
    const base = table.n;
    const nargs = nArgs;
    table.reserveCalls(base + m);
    table.reserveArgs(table.na + nargs);
    const tc = table.c;
    const ta = table.a;
    const tstar = table.astar;
    // first argument row of each call: calls in text order, each call's arguments together
    let next = table.na;
    for (let k = 0; k < m; k++) {
      const c = lineCalls[k];
      const o = table.n * CS;
      cursor[k] = next;
      tc[o + C_START] = c.start;
      tc[o + C_END] = c.end;
      tc[o + C_CALLEE_END] = c.calleeEnd;
      tc[o + C_NAME_START] = c.nameStart;
      tc[o + C_ARG_FIRST] = next;
      tc[o + C_ARG_COUNT] = c.argCount;
      tc[o + C_PARENT] = c.parent >= 0 ? base + c.parent : -1;
      tc[o + C_PARENT_ARG] = c.parentArg;
      tc[o + C_FLAGS] = c.parent >= 0 ? c.flags | F_HAS_PARENT : c.flags;
      table.callee.push(c.callee);
      table.target.push(c.target);
      table.n++;
      next += c.argCount;
    }
    // each call's arguments end in written order, so a stable placement keeps that order
    const na = table.na;
    for (let k = 0, q = 0; k < nargs; k++, q += 6) {
      const row = cursor[lineArgs[q]]++;
      const p = row * AS;
      ta[p] = lineArgs[q + 1];
      ta[p + 1] = lineArgs[q + 2];
      ta[p + 2] = lineArgs[q + 3];
      ta[p + 3] = lineArgs[q + 4];
      tstar[row] = lineArgs[q + 5];
      argAt[row - na] = k;
    }
    // the parallel arrays grow in row order
    const { aname, avalue } = table;
    for (let r = 0; r < nargs; r++) {
      const k = argAt[r];
      aname.push(lineArgName[k]);
      avalue.push(lineArgValue[k]);
    }
    table.na += nargs;
    nCalls = 0;
    nArgs = 0;
  }

  /** Imports and module-level rebinding in the statement [s, e). */
  function statement(s: number, e: number, lastEq: number): void {
    if (e <= s) return;
    if (kind[s] === Tok.Name) {
      if (isName(s, 'import')) return importStmt(s + 1, e);
      if (isName(s, 'from')) return fromStmt(s + 1, e);
    }
    // module level only: the statement starts in column 0
    const st = ts[s];
    if (!(st === 0 || text.charCodeAt(st - 1) === 10 || text.charCodeAt(st - 1) === 13)) return;
    const at = te[e - 1];
    let d = s;
    if (isName(d, 'async')) d++;
    if ((isName(d, 'def') || isName(d, 'class')) && d + 1 < e && kind[d + 1] === Tok.Name) {
      rebinds.push({ local: nfkc(tokText(d + 1)), at });
      return;
    }
    if (lastEq < 0) return;
    // every `=` at depth 0 separates targets; bind plain names (also in tuples)
    let depth = 0;
    let segStart = s;
    for (let i = s; i <= lastEq; i++) {
      if (kind[i] === Tok.Op) {
        const o = op[i];
        if (o === Op.LPar || o === Op.LSqb || o === Op.LBrace) depth++;
        else if (o === Op.RPar || o === Op.RSqb || o === Op.RBrace) depth--;
        else if (depth === 0 && o === Op.Equal) {
          bindTargets(segStart, i, at);
          segStart = i + 1;
        }
      }
    }
  }

  function bindTargets(s: number, e: number, at: number): void {
    // `a`, `a, b`, `(a, b)`, `a: T`
    let depth = 0;
    let expectName = true;
    for (let i = s; i < e; i++) {
      if (kind[i] === Tok.Op) {
        const o = op[i];
        if (depth === 0 && o === Op.Colon) return;
        if (o === Op.LPar || o === Op.LSqb) {
          depth++;
          expectName = true;
          continue;
        }
        if (o === Op.RPar || o === Op.RSqb) {
          depth--;
          continue;
        }
        if (o === Op.Comma) {
          expectName = true;
          continue;
        }
        if (o === Op.Star) continue;
        expectName = false;
        continue;
      }
      if (kind[i] === Tok.Name && expectName) {
        const next = i + 1 < e ? i + 1 : -1;
        if (next < 0 || isOp(next, Op.Comma) || isOp(next, Op.RPar) || isOp(next, Op.RSqb) || isOp(next, Op.Colon)) {
          rebinds.push({ local: nfkc(tokText(i)), at });
        }
      }
      expectName = false;
    }
  }

  function dotted(p: number, e: number): [string, number] | null {
    if (p >= e || kind[p] !== Tok.Name) return null;
    let name = tokText(p);
    let q = p;
    while (q + 2 < e && isOp(q + 1, Op.Dot) && kind[q + 2] === Tok.Name) {
      name += '.' + tokText(q + 2);
      q += 2;
    }
    return [nfkc(name), q];
  }

  function importStmt(p: number, e: number): void {
    while (p < e) {
      const d = dotted(p, e);
      if (!d) return;
      const [name, last] = d;
      let endTok = last;
      let local = name.split('.')[0];
      let target = local;
      if (last + 2 < e && isName(last + 1, 'as') && kind[last + 2] === Tok.Name) {
        local = nfkc(tokText(last + 2));
        target = name;
        endTok = last + 2;
      }
      imports.push({ local, target, range: range(ts[p], te[endTok]) });
      p = endTok + 1;
      if (p < e && isOp(p, Op.Comma)) p++;
      else return;
    }
  }

  function fromStmt(p: number, e: number): void {
    let dots = '';
    while (p < e && (isOp(p, Op.Dot) || isOp(p, Op.Ellipsis))) {
      dots += op[p] === Op.Ellipsis ? '...' : '.';
      p++;
    }
    let module = dots;
    if (!(p < e && isName(p, 'import'))) {
      const d = dotted(p, e);
      if (!d) return;
      module += d[0];
      p = d[1] + 1;
    }
    if (!(p < e && isName(p, 'import'))) return;
    p++;
    const prefix = module.endsWith('.') ? module : module + '.';
    if (p < e && isOp(p, Op.Star)) {
      imports.push({ local: '*', target: module, range: range(ts[p], te[p]) });
      return;
    }
    if (p < e && isOp(p, Op.LPar)) p++;
    while (p < e && kind[p] === Tok.Name) {
      const name = nfkc(tokText(p));
      let local = name;
      let endTok = p;
      if (p + 2 < e && isName(p + 1, 'as') && kind[p + 2] === Tok.Name) {
        local = nfkc(tokText(p + 2));
        endTok = p + 2;
      }
      imports.push({ local, target: prefix + name, range: range(ts[p], te[endTok]) });
      p = endTok + 1;
      if (p < e && isOp(p, Op.Comma)) p++;
      else return;
    }
  }

  // ---- literal values, like ast.literal_eval ----
  /** The literal value of tokens [s, e), or undefined when they are not one literal. */
  function literal(s: number, e: number): PyValue | undefined {
    const v = value(s, e, 0);
    return v !== undefined && litEnd === e ? v : undefined;
  }

  /** Token index after the value parsed by the last value() call. */
  let litEnd = 0;
  function value(p: number, e: number, depth: number): PyValue | undefined {
    if (p >= e || depth > MAX_LITERAL_DEPTH) return undefined;
    const k = kind[p];
    if (k === Tok.Number) {
      const v = numberAt(p);
      litEnd = p + 1;
      return v === null ? undefined : v;
    }
    if (k === Tok.Op && (op[p] === Op.Minus || op[p] === Op.Plus) && p + 1 < e && kind[p + 1] === Tok.Number) {
      const v = numberAt(p + 1);
      if (v === null) return undefined;
      litEnd = p + 2;
      return op[p] === Op.Minus ? -v : v;
    }
    if (k === Tok.Name) {
      litEnd = p + 1;
      const n = te[p] - ts[p];
      if (n === 4 && isName(p, 'None')) return null;
      if (n === 4 && isName(p, 'True')) return true;
      if (n === 5 && isName(p, 'False')) return false;
      return undefined;
    }
    if (k === Tok.String) {
      let out = '';
      let q = p;
      while (q < e && kind[q] === Tok.String) {
        const v = parseString(q);
        if (v === null) return undefined;
        out += v;
        q++;
      }
      litEnd = q;
      return out;
    }
    if (k === Tok.Op && (op[p] === Op.LPar || op[p] === Op.LSqb)) {
      const close = op[p] === Op.LPar ? Op.RPar : Op.RSqb;
      const items: PyValue[] = [];
      let q = p + 1;
      let comma = false;
      while (q < e && !isOp(q, close)) {
        const v = value(q, e, depth + 1);
        if (v === undefined) return undefined;
        items.push(v);
        q = litEnd;
        if (q < e && isOp(q, Op.Comma)) {
          comma = true;
          q++;
        } else if (!(q < e && isOp(q, close))) return undefined;
      }
      if (q >= e) return undefined;
      litEnd = q + 1;
      if (close === Op.RPar && items.length === 1 && !comma) return items[0];
      return items;
    }
    return undefined;
  }

  /** Value of a number token; small decimal integers are read without building their text. */
  function numberAt(i: number): number | null {
    const s = ts[i];
    const e = te[i];
    if (e - s <= 9) {
      let v = 0;
      let q = s;
      for (; q < e; q++) {
        const c = text.charCodeAt(q) - 48;
        if (c < 0 || c > 9) break;
        v = v * 10 + c;
      }
      // a leading zero is only valid as 0, 00...; parseNumber decides those
      if (q === e && (text.charCodeAt(s) !== 48 || e - s === 1)) return v;
    }
    return parseNumber(text.slice(s, e));
  }

  function parseString(i: number): string | null {
    if (aux[i] === 1) return null; // unterminated
    const s = ts[i];
    let q = s;
    let raw = false;
    for (;;) {
      const c = text.charCodeAt(q);
      if (c === 34 || c === 39) break;
      const l = c | 32;
      if (l === 98) return null; // bytes are not a PyValue
      if (l === 114) raw = true;
      q++;
    }
    const quote = text.charCodeAt(q);
    const qlen = text.charCodeAt(q + 1) === quote && text.charCodeAt(q + 2) === quote && te[i] - q >= 6 ? 3 : 1;
    const body = text.slice(q + qlen, te[i] - qlen);
    if (raw || body.indexOf('\\') < 0) return raw ? body : body.replace(/\r\n?/g, '\n');
    return unescape(body);
  }

  // ---- driver ----
  for (;;) {
    const more = lx.next();
    if (lx.n > 0) {
      parseLine(lx.n);
      flushLine();
    }
    if (!more) break;
    const c = lx.pos;
    clean.push(c);
    if (stop && stop(c)) {
      return { table, imports, errors: lexErrors(), rebinds, lines, clean, end: c, stopped: true };
    }
  }
  return { table, imports, errors: lexErrors(), rebinds, lines, clean, end: text.length, stopped: false };

  function lexErrors(): ScanError[] {
    return lx.errors.map((e) => ({ message: e.message, range: range(e.start, e.end) }));
  }
}

/** Whether text[s, e) is a Python keyword (without building the string). */
function isKeyword(text: string, s: number, e: number): boolean {
  const n = e - s;
  if (n < 2 || n > 8) return false;
  const c = text.charCodeAt(s);
  // keywords start with a lowercase ASCII letter or with F, N, T
  if (!((c >= 97 && c <= 122) || c === 70 || c === 78 || c === 84)) return false;
  return KEYWORDS.has(text.slice(s, e));
}

/**
 * Callee strings shared by every call written the same way: a file names the same few
 * classes thousands of times, and one string each keeps the table small and lookups cached.
 */
class Interner {
  private keys: (string | undefined)[] = new Array(1024);
  private used = 0;
  constructor(
    private readonly text: string,
    /** NFKC-normalize (identifiers) or keep the text as written. */
    private readonly normalize: boolean,
  ) {}

  /** text[s, e) (NFKC-normalized when asked) as a shared string. */
  get(s: number, e: number): string {
    const text = this.text;
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    const keys = this.keys;
    const mask = keys.length - 1;
    const n = e - s;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = keys[slot];
      if (k === undefined) break;
      if (k.length === n && text.startsWith(k, s)) return k;
    }
    const str = text.slice(s, e);
    const key = this.normalize ? nfkc(str) : str;
    // a non-ASCII spelling may normalize to another text: keep it out of the table
    if (key !== str) return key;
    if (++this.used * 2 > keys.length) this.rehash();
    const ks = this.keys;
    const m2 = ks.length - 1;
    let slot = h & m2;
    while (ks[slot] !== undefined) slot = (slot + 1) & m2;
    ks[slot] = key;
    return key;
  }

  private rehash(): void {
    const old = this.keys;
    const keys: (string | undefined)[] = new Array(old.length * 2);
    const mask = keys.length - 1;
    for (const k of old) {
      if (k === undefined) continue;
      let h = 0x811c9dc5;
      for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
      let slot = h & mask;
      while (keys[slot] !== undefined) slot = (slot + 1) & mask;
      keys[slot] = k;
    }
    this.keys = keys;
  }
}

export function parseNumber(t: string): number | null {
  const last = t.charCodeAt(t.length - 1) | 32;
  if (last === 106) return null; // complex
  const s = t.indexOf('_') >= 0 ? t.replace(/_/g, '') : t;
  const c1 = s.charCodeAt(1) | 32;
  if (s.charCodeAt(0) === 48 && s.length > 2 && (c1 === 120 || c1 === 111 || c1 === 98)) {
    const v = parseInt(s.slice(2), c1 === 120 ? 16 : c1 === 111 ? 8 : 2);
    return Number.isNaN(v) ? null : v;
  }
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

const SIMPLE: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Python escape sequences of a (non-raw, text) string body; null for \N{...}. */
function unescape(body: string): string | null {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\r') {
      out += '\n';
      if (body[i + 1] === '\n') i++;
      continue;
    }
    if (c !== '\\') {
      out += c;
      continue;
    }
    const d = body[i + 1];
    if (d === undefined) return null;
    if (d === '\n' || d === '\r') {
      i += d === '\r' && body[i + 2] === '\n' ? 2 : 1;
      continue;
    }
    if (d in SIMPLE) {
      out += SIMPLE[d];
      i++;
      continue;
    }
    if (d >= '0' && d <= '7') {
      let j = i + 1;
      while (j < body.length && j < i + 4 && body[j] >= '0' && body[j] <= '7') j++;
      out += String.fromCharCode(parseInt(body.slice(i + 1, j), 8));
      i = j - 1;
      continue;
    }
    const hexLen = d === 'x' ? 2 : d === 'u' ? 4 : d === 'U' ? 8 : 0;
    if (hexLen) {
      const h = body.slice(i + 2, i + 2 + hexLen);
      if (h.length !== hexLen || !/^[0-9a-fA-F]+$/.test(h)) return null;
      const cp = parseInt(h, 16);
      if (cp > 0x10ffff) return null;
      out += String.fromCodePoint(cp);
      i += 1 + hexLen;
      continue;
    }
    if (d === 'N') return null;
    out += '\\' + d;
    i++;
  }
  return out;
}
