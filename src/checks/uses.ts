/**
 * Where the code uses a layer it built: applied in place (`nn.BatchNorm()(x)`), or through the
 * name it was assigned to (`self.bn = ...` then `self.bn(x)`, `self.bn.requires_grad_(False)`).
 * Read from the masked text and the scanner's calls; a use NormLens cannot read (the name passed
 * elsewhere, stored in a container) is reported as such, so checks can stay silent.
 */
import type { ScannedCall } from '../python/types';
import type { RuleContext } from './context';

/** The argument text of `Call(...)(args)` when the built object is applied at once, with its span. */
export function appliedArguments(ctx: RuleContext, call: ScannedCall): { text: string; from: number; to: number } | undefined {
  const m = ctx.masked;
  let k = call.range.endOffset;
  while (m[k] === ' ' || m[k] === '\t') k++;
  if (m[k] !== '(') return undefined;
  const open = k;
  let depth = 0;
  for (; k < m.length; k++) {
    const c = m[k];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return { text: m.slice(open + 1, k), from: open, to: k + 1 };
    }
  }
  return undefined;
}

/**
 * Whether an argument list's text (masked: no strings or comments) passes a parameter: by its
 * keyword, or, when `position` is given, as the positional argument at that 0-based index
 * (`bn(x, not train)` passes use_running_average, second in `__call__(self, x, use_running_average)`).
 * `**kwargs` (and `*args` when the parameter is positional) may.
 */
export function passesKeyword(argText: string, name: string, position?: number): 'yes' | 'maybe' | 'no' {
  if (new RegExp(String.raw`(^|[,(\s])${name}\s*=(?!=)`, 'u').test(argText)) return 'yes';
  if (/\*\*/.test(argText)) return 'maybe';
  if (position === undefined) return 'no';
  // the arguments at bracket depth 0
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let k = 0; k < argText.length; k++) {
    const c = argText[k];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(argText.slice(from, k));
      from = k + 1;
    }
  }
  parts.push(argText.slice(from));
  let positional = 0;
  for (const raw of parts) {
    const a = raw.trim();
    if (!a) continue;
    if (a.startsWith('*')) return 'maybe';
    if (/^[\p{L}_][\p{L}\p{N}_]*\s*=(?!=)/u.test(a)) continue;
    positional++;
  }
  return positional > position ? 'yes' : 'no';
}

export interface NameUse {
  /** Offset where the name starts. */
  at: number;
  /** The call of the name itself (`self.bn(x)`), when the use is one. */
  call?: ScannedCall;
  /** The attribute read after the name (`requires_grad_` of `self.bn.requires_grad_(False)`), when any. */
  attribute?: string;
}

/**
 * Every use of a dotted name (`self.bn`, `bn`) in [from, to) of the masked text, not counting
 * longer names it is the start or the end of (`self.bn2`, `x.bn`).
 */
export function usesOf(ctx: RuleContext, name: string, from = 0, to = ctx.masked.length): NameUse[] {
  const m = ctx.masked;
  const esc = name
    .split('.')
    .map((p) => p.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'))
    .join(String.raw`\s*\.\s*`);
  const re = new RegExp(String.raw`(?<![\p{L}\p{N}_.])${esc}(?![\p{L}\p{N}_])`, 'gu');
  re.lastIndex = from;
  const callAt = new Map<number, ScannedCall>();
  for (const c of ctx.calls) if (c.range.startOffset >= from && c.range.startOffset < to) callAt.set(c.range.startOffset, c);
  const out: NameUse[] = [];
  for (let r = re.exec(m); r && r.index < to; r = re.exec(m)) {
    let k = r.index + r[0].length;
    while (m[k] === ' ' || m[k] === '\t') k++;
    const use: NameUse = { at: r.index };
    if (m[k] === '(') {
      const call = callAt.get(r.index);
      if (call && call.callee.replace(/\s+/g, '') === name) use.call = call;
    } else if (m[k] === '.') {
      const a = /^\.\s*([\p{L}_][\p{L}\p{N}_]*)/u.exec(m.slice(k, k + 80));
      if (a) use.attribute = a[1];
    }
    out.push(use);
  }
  return out;
}

/** End offset of the indented block that contains `offset` (the first later line indented less than `offset`'s line). */
export function blockEnd(ctx: RuleContext, offset: number): number {
  const m = ctx.masked;
  const ls = ctx.lines.lineStart(offset);
  const indent = /^[ \t]*/.exec(m.slice(ls, offset))![0].length;
  let k = m.indexOf('\n', offset);
  while (k >= 0 && k < m.length) {
    const next = k + 1;
    const line = m.slice(next, m.indexOf('\n', next) < 0 ? m.length : m.indexOf('\n', next));
    if (line.trim() !== '' && /^[ \t]*/.exec(line)![0].length < indent) return next;
    k = m.indexOf('\n', next);
  }
  return m.length;
}

/** [start, end) of the class body that encloses `offset`, or undefined at module level. */
export function enclosingClass(ctx: RuleContext, offset: number): { from: number; to: number } | undefined {
  const m = ctx.masked;
  let ls = ctx.lines.lineStart(offset);
  let indent = /^[ \t]*/.exec(m.slice(ls, offset))![0].length;
  while (ls > 0) {
    const prev = ctx.lines.lineStart(ls - 1);
    const line = m.slice(prev, ls - 1);
    ls = prev;
    if (line.trim() === '') continue;
    const i = /^[ \t]*/.exec(line)![0].length;
    if (i >= indent) continue;
    indent = i;
    if (/^[ \t]*class\b/.test(line)) return { from: prev, to: blockEnd(ctx, m.indexOf('\n', prev) + 1 || m.length) };
    if (i === 0) return undefined;
  }
  return undefined;
}
