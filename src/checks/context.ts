/**
 * What the rules look at besides the normalization layers themselves: the convolution/linear
 * layers around them and which of those directly feeds which norm. "Directly feeds" is decided
 * only where the order is certain or conventional:
 * - consecutive elements of a Sequential container (`nn.Sequential(conv, bn)`, `keras.Sequential([conv, bn])`);
 * - consecutive assignment statements at the same indentation, nothing but blank lines and
 *   comments between them (`self.conv = nn.Conv2d(...)` then `self.bn = nn.BatchNorm2d(...)`,
 *   or the functional `x = layers.Conv2D(...)(x)` then `x = layers.GroupNormalization()(x)`).
 */
import type { FrameworkId, FrameworkInfo, PyValue } from '../frameworks/types';
import { findContainer, findProducer, type ProducerSpec } from '../frameworks/producers';
import { bindArguments, findByQualifiedName } from '../frameworks';
import type { CallArgument, CallRows, ImportBinding, Rebinding, ResolvedLayer, ScannedCall } from '../python/types';
import { BindingTimeline } from '../python/resolve';
import { DOTTED, LineIndex, maskPython } from './text';
import { isExpr } from './format';

/** The part of a scan the rules need: the text, every call found, and the imports. */
export interface ScanInput {
  text: string;
  /** Every call; or give `rows` instead, so that only the calls the rules look at are built. */
  calls?: ScannedCall[];
  rows?: CallRows;
  imports: ImportBinding[];
  /** Module-level names rebound after their import (they no longer denote it). */
  rebinds?: Rebinding[];
  /**
   * Qualified name of a callee at an offset; by default from `imports` and `rebinds` exactly as
   * the recognizer resolves layers (a notebook passes one that sees earlier cells' imports).
   */
  qualify?: (callee: string, at: number) => string | null;
}

export interface ProducerCall {
  call: ScannedCall;
  spec: ProducerSpec;
  qualifiedName: string;
  /** Arguments bound to parameter names (only those the spec can bind with certainty). */
  args: Map<string, CallArgument>;
  /** `*args`/`**kwargs` or more positionals than known: unwritten parameters are then unknown. */
  opaque: boolean;
}

export interface Adjacency {
  producer: ProducerCall;
  layer: ResolvedLayer;
  via: 'sequential' | 'statements';
  /**
   * The norm certainly receives the producer's output: Sequential order, or functional code where
   * the norm is applied to the very name the producer's result was assigned to.
   */
  certain: boolean;
}

export interface RuleContext {
  text: string;
  /** The text with comments and string contents blanked (same offsets). */
  masked: string;
  lines: LineIndex;
  layers: ResolvedLayer[];
  /**
   * Norm classes pre-configured with `functools.partial(nn.BatchNorm2d, eps=..., momentum=...)`
   * (a common way to pass a norm layer around): their written arguments, for the rules that
   * check single values. Not layers themselves.
   */
  partials: ResolvedLayer[];
  /** Every call, in text order (built on first use). */
  readonly calls: ScannedCall[];
  producers: ProducerCall[];
  adjacent: Adjacency[];
  /** The adjacency whose norm is this layer, if any. */
  feeding: Map<ResolvedLayer, Adjacency>;
  framework(id: FrameworkId): FrameworkInfo | undefined;
  /** Assignment target of a call written as `target = Call(...)`, if it is one. */
  assignmentTarget(call: ScannedCall): string | undefined;
}

/** The recognizer's resolution of callees for a single text: imports and rebindings in text order. */
export function qualifier(imports: readonly ImportBinding[], rebinds: readonly Rebinding[] = []): (callee: string, at: number) => string | null {
  const t = new BindingTimeline();
  t.add(imports, rebinds);
  t.seal();
  return (callee, at) => t.qualify(callee, 0, at);
}

/** Bind a call's arguments to a producer's leading parameters. */
function bindProducer(call: ScannedCall, spec: ProducerSpec): { args: Map<string, CallArgument>; opaque: boolean } {
  const args = new Map<string, CallArgument>();
  let opaque = false;
  let position = 0;
  for (const a of call.args) {
    if (a.star) {
      opaque = true;
      continue;
    }
    if (a.name !== undefined) {
      args.set(a.name, a);
      continue;
    }
    const name = spec.positional[position++];
    if (name === undefined) opaque = true;
    else args.set(name, a);
  }
  return { args, opaque };
}

/** Rows over a list of call objects, in text order. */
function rowsOf(calls: readonly ScannedCall[]): CallRows {
  const sorted = [...calls].sort((a, b) => a.range.startOffset - b.range.startOffset);
  return {
    count: sorted.length,
    start: (k) => sorted[k].range.startOffset,
    end: (k) => sorted[k].range.endOffset,
    complete: (k) => sorted[k].complete,
    callee: (k) => sorted[k].callee,
    call: (k) => sorted[k],
  };
}

/** Integer literal value of a PyValue, if it is one. */
export function intValue(v: PyValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

const family = (id: FrameworkId): string => (id === 'tf_keras' ? 'keras' : id);

export function buildContext(
  scan: ScanInput,
  layers: ResolvedLayer[],
  framework: (id: FrameworkId) => FrameworkInfo | undefined,
): RuleContext {
  const { text } = scan;
  const masked = maskPython(text);
  const lines = new LineIndex(text);
  const rows = scan.rows ?? rowsOf(scan.calls ?? []);
  const n = rows.count;
  const qualify = scan.qualify ?? qualifier(scan.imports, scan.rebinds);
  /** Index of the first call starting at or after an offset. */
  const firstAtOrAfter = (offset: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rows.start(mid) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  // Only calls that name a producer, a container or functools.partial are built as objects.
  const producers: ProducerCall[] = [];
  const producerAt = new Map<number, ProducerCall>();
  const containers: { call: ScannedCall; elements: 'args' | 'list' }[] = [];
  const partialCalls: ScannedCall[] = [];
  for (let k = 0; k < n; k++) {
    const qn = qualify(rows.callee(k), rows.start(k));
    if (qn === null) continue;
    if (qn === 'functools.partial') partialCalls.push(rows.call(k));
    if (!rows.complete(k)) continue;
    const spec = findProducer(qn);
    if (spec) {
      const call = rows.call(k);
      const p: ProducerCall = { call, spec, qualifiedName: qn, ...bindProducer(call, spec) };
      producers.push(p);
      producerAt.set(call.range.startOffset, p);
      continue;
    }
    const container = findContainer(qn);
    if (container) containers.push({ call: rows.call(k), elements: container.elements });
  }

  const partials: ResolvedLayer[] = [];
  for (const call of partialCalls) {
    const [first, ...rest] = call.args;
    if (!first || first.name !== undefined || first.star || !isExpr(first.value)) continue;
    const qn = qualify(first.text.replace(/\s+/g, ''), call.range.startOffset);
    const spec = qn === null ? undefined : findByQualifiedName(qn);
    if (!spec || rest.some((a) => a.star)) continue;
    const positional = rest.filter((a) => a.name === undefined);
    const keywords: Record<string, PyValue> = {};
    for (const a of rest) if (a.name !== undefined) keywords[a.name] = a.value;
    // The remaining arguments arrive later: nothing is missing yet.
    const binding = bindArguments(spec, positional.map((a) => a.value), keywords, { starArgs: true, starKwargs: true });
    if (binding.errors.length) continue;
    const names = spec.params.filter((p) => !p.keywordOnly).map((p) => p.name);
    const writtenArg = (name: string) => rest.find((a) => a.name === name) ?? positional[names.indexOf(name)];
    const effective: ResolvedLayer['effective'] = {};
    for (const [name, b] of Object.entries(binding.effective)) {
      const arg = b.isDefault ? undefined : writtenArg(name);
      effective[name] = { value: b.value, isDefault: b.isDefault, ...(arg ? { range: arg.valueRange } : {}) };
    }
    partials.push({
      call: { ...call, args: rest, nameRange: first.valueRange },
      qualifiedName: qn!,
      spec,
      arguments: binding.arguments,
      effective,
      bindingErrors: [],
    });
  }

  const layerAt = new Map<number, ResolvedLayer>();
  for (const l of layers) if (l.spec.form === 'module' && l.call.complete) layerAt.set(l.call.range.startOffset, l);

  const adjacent: Adjacency[] = [];
  const pair = (a: number, b: number, via: Adjacency['via'], certain: boolean) => {
    const producer = producerAt.get(a);
    const layer = layerAt.get(b);
    if (!producer || !layer) return;
    if (family(producer.spec.framework) !== family(layer.spec.framework)) return;
    adjacent.push({ producer, layer, via, certain });
  };

  // Sequential containers: consecutive top-level calls separated by nothing but a comma.
  for (const { call, elements } of containers) {
    let from: number;
    let to: number;
    if (elements === 'list') {
      const first = call.args.find((a) => a.name === undefined && !a.star);
      if (!first || !/^[[(]/.test(first.text)) continue;
      from = first.valueRange.startOffset + 1;
      to = first.valueRange.endOffset - 1;
    } else {
      from = masked.indexOf('(', call.calleeRange.endOffset) + 1;
      to = call.range.endOffset - 1;
      if (from <= 0) continue;
    }
    // [start, end) of each top-level element call
    const items: number[] = [];
    for (let i = firstAtOrAfter(from); i < n && rows.start(i) < to; i++) {
      const s = rows.start(i);
      const e = rows.end(i);
      if (e > to) continue;
      if (items.length && s < items[items.length - 1]) continue;
      items.push(s, e);
    }
    for (let i = 0; i + 3 < items.length; i += 2) {
      if (onlyComma(masked, items[i + 1], items[i + 2])) pair(items[i], items[i + 2], 'sequential', true);
    }
  }

  // Assignment statements.
  const assignRe = new RegExp(String.raw`^([ \t]*)(${DOTTED})[ \t]*=[ \t]*$`, 'u');
  const statementStart = (call: ScannedCall): { indent: string; target: string } | undefined => {
    // cheap test first: only blanks between an `=` and the call
    let q = call.range.startOffset - 1;
    while (q >= 0 && (masked.charCodeAt(q) === 32 || masked.charCodeAt(q) === 9)) q--;
    if (q < 0 || masked.charCodeAt(q) !== 61) return undefined;
    const ls = lines.lineStart(call.range.startOffset);
    const m = assignRe.exec(masked.slice(ls, call.range.startOffset));
    if (!m) return undefined;
    // A backslash continuation means this line does not start a statement.
    let k = ls - 1;
    if (masked[k] === '\n') k--;
    if (masked[k] === '\r') k--;
    if (k >= 0 && masked[k] === '\\') return undefined;
    return { indent: m[1], target: m[2].replace(/[ \t]/g, '') };
  };
  /**
   * End of `Call(...)`, optionally applied once more as `Call(...)(x)`, when the rest of its line is
   * empty; with the application's argument text.
   */
  const statementEnd = (call: ScannedCall): { end: number; applied?: string } | undefined => {
    let end = call.range.endOffset;
    let applied: string | undefined;
    let k = end;
    while (masked[k] === ' ' || masked[k] === '\t') k++;
    if (masked[k] === '(') {
      let depth = 0;
      for (; k < masked.length; k++) {
        const c = masked[k];
        if (c === '(' || c === '[' || c === '{') depth++;
        else if (c === ')' || c === ']' || c === '}') {
          depth--;
          if (depth === 0) break;
        }
      }
      if (depth !== 0) return undefined;
      applied = masked.slice(end, k + 1).trim().slice(1, -1).replace(/\s+/g, '');
      end = k + 1;
    }
    const nl = masked.indexOf('\n', end);
    if (masked.slice(end, nl < 0 ? masked.length : nl).trim() !== '') return undefined;
    return { end, applied };
  };

  const byEnd = new Map<number, { producer: ScannedCall; indent: string; target: string; applied: boolean }>();
  for (const p of producers) {
    const start = statementStart(p.call);
    const end = start && statementEnd(p.call);
    if (start && end) byEnd.set(end.end, { producer: p.call, indent: start.indent, target: start.target, applied: end.applied !== undefined });
  }
  for (const layer of layerAt.values()) {
    const start = statementStart(layer.call);
    if (!start) continue;
    // Walk back over blank and comment-only lines to the end of the previous statement.
    let k = lines.lineStart(layer.call.range.startOffset) - 1;
    while (k >= 0 && /\s/.test(masked[k])) k--;
    const prev = byEnd.get(k + 1);
    if (!prev || prev.indent !== start.indent) continue;
    const applied = statementEnd(layer.call)?.applied;
    pair(prev.producer.range.startOffset, layer.call.range.startOffset, 'statements', prev.applied && applied === prev.target);
  }

  let allCalls: ScannedCall[] | undefined;
  return {
    text,
    masked,
    lines,
    layers,
    partials,
    get calls() {
      if (!allCalls) {
        allCalls = [];
        for (let k = 0; k < n; k++) allCalls.push(rows.call(k));
      }
      return allCalls;
    },
    producers,
    adjacent,
    feeding: new Map(adjacent.map((a) => [a.layer, a])),
    framework,
    assignmentTarget: (call) => (statementStart(call) ? statementStart(call)!.target : undefined),
  };
}

/** JavaScript's `\s`. */
const isSpace = (c: number) =>
  (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;

/** Whether text[from, to) is a comma with only whitespace around it. */
function onlyComma(text: string, from: number, to: number): boolean {
  let i = from;
  while (i < to && isSpace(text.charCodeAt(i))) i++;
  if (i >= to || text.charCodeAt(i) !== 44) return false;
  i++;
  while (i < to && isSpace(text.charCodeAt(i))) i++;
  return i === to;
}

/** Whether two argument expressions denote the same count: equal integers, or identical source text. */
export function sameCount(a: CallArgument | undefined, b: { value: PyValue; text?: string } | undefined): boolean {
  if (!a || !b) return false;
  if (typeof a.value === 'number' && typeof b.value === 'number') return a.value === b.value;
  if (isExpr(a.value) && b.text !== undefined) return a.text.replace(/\s+/g, '') === b.text.replace(/\s+/g, '');
  return false;
}
