/**
 * What the rules look at besides the normalization layers themselves: the convolution/linear
 * layers around them and which of those feeds which norm, from the data flow of the code
 * (src/python/semantic/flow.ts): a `forward`/`__call__`/`call` applying `self.bn` to the output of
 * `self.conv` however far apart they are declared, consecutive elements of a Sequential container,
 * Keras functional graphs and Flax compact bodies; with the operations between (an activation, a
 * dropout, a permute, a residual add, a concatenation), so that each rule decides which of them
 * it looks through. Where the flow is not known (an unknown call, a loop over a module list), no
 * producer feeds the norm and the rules that need one say nothing.
 */
import type { FrameworkId, FrameworkInfo, PyValue } from '../frameworks/types';
import { findProducer, type ProducerSpec } from '../frameworks/producers';
import { bindArguments, findByQualifiedName } from '../frameworks';
import type { CallArgument, CallRows, ImportBinding, Rebinding, ResolvedLayer, ScannedCall } from '../python/types';
import { BindingTimeline } from '../python/resolve';
import { positionIn } from '../python/table';
import { DOTTED, LineIndex } from './text';
import { maskPython } from '../python/mask';
import { isExpr } from './format';
import { FlowModel, type FlowEdges, type Op, type OpKind } from '../python/semantic/flow';
import { parsePython, type Tree } from '../python/semantic/syntax';
import { imageDataFormat } from '../python/semantic/index';

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
  /** The module's data flow, when the caller already has it (the editor's PythonModule). */
  flow?: FlowEdges;
  /** A parse of `text` to reuse for the data flow. */
  tree?: Tree;
  /** maskPython(text), when the caller keeps it up to date (./text.ts ChunkedMask). */
  masked?: string;
  /** Line starts of `text`, when the caller has them. */
  lines?: LineIndex;
  /**
   * Where the text is cut into chunks (at line starts, outside any string: ../python PythonModule
   * statementChunks), an id per chunk (same id, same text) and a memo the caller keeps across
   * edits: a check that scans the whole text can scan it chunk by chunk and keep each chunk's
   * findings under its id.
   */
  chunks?: Chunks;
}

export interface ProducerCall {
  call: ScannedCall;
  spec: ProducerSpec;
  qualifiedName: string;
  /** Arguments bound to parameter names (only those the spec can bind with certainty). */
  args: Map<string, CallArgument>;
  /** `*args`/`**kwargs` or more positionals than known: unwritten parameters are then unknown. */
  opaque: boolean;
  /** Keras's layout for the whole process, as the file sets it (see imageDataFormat), for a Keras conv that writes none. */
  globalLayout?: { value: string | null; code: string };
}

/**
 * A conv's layout when it may not be the framework's default: written (`data_format=...`, the
 * value as written), or the file's global Keras setting for one that writes none (value null:
 * set in a way not known here). Undefined: the default layout.
 */
export function layoutOf(p: ProducerCall): { value: PyValue; code: string; global: boolean } | undefined {
  const written = p.spec.layoutParam ? p.args.get(p.spec.layoutParam) : undefined;
  if (written) return { value: written.value, code: `${p.spec.layoutParam}=${written.text}`, global: false };
  // `Conv2D(8, 3, **conv_kw)`: the mapping may give one
  if (p.spec.layoutParam && p.opaque) return { value: null, code: `${p.spec.layoutParam} (from *args/**kwargs)`, global: false };
  const g = p.globalLayout;
  return g && g.value !== 'channels_last' ? { value: g.value, code: g.code, global: true } : undefined;
}

/** A producer whose output reaches a norm's input, and what happens to it on the way. */
export interface Adjacency {
  producer: ProducerCall;
  layer: ResolvedLayer;
  /** 'sequential': consecutive elements of a container; 'flow': applied one to the other's output in code. */
  via: 'sequential' | 'flow';
  /** Always true: an adjacency is only made where the data flow is known. */
  certain: boolean;
  /**
   * The operations between the producer's output and the norm's input, one list per way it gets
   * there (an `if` may add a dropout on one side); empty lists when applied back to back.
   */
  paths: Op[][];
  /** Offset of (one) application of the norm to the producer's output. */
  at: number;
  /** The producer's output is used elsewhere too (returned, kept, passed on): FlowEdge.shared. */
  shared?: boolean;
  /** The application may call any of these modules instead (FlowEdge.oneOf: construction offsets, -1 for none). */
  oneOf?: number[];
}

/** Whether every way from the producer to the norm passes only operations of the given kinds. */
export function onlyThrough(a: Adjacency, kinds: readonly OpKind[]): boolean {
  return a.paths.every((ops) => ops.every((o) => kinds.includes(o.kind)));
}

/** See ScanInput.chunks. */
export interface Chunks {
  starts: readonly number[];
  ids: readonly number[];
  memo: Map<string, unknown>;
  /** The masked text of chunk `i` (the part of RuleContext.masked it covers). */
  masked(i: number): string;
}

/** The chunk holding `offset` (the last starting at or before it: a line search over the chunk starts). */
function chunkAt(chunks: Chunks, offset: number): number {
  return positionIn(chunks.starts, offset).line;
}

/** Answers maskedMatches keeps per chunk at most. */
const MAX_KEYS_PER_CHUNK = 64;

/**
 * Whether `re` (no g or y flag) matches the masked text, chunk by chunk when the context has
 * chunks: each chunk's answer is kept under its id and `key` (which must name `re`), so an edit
 * looks at its own chunks only. Exact for a pattern whose every `\s*` has a literal `.` on one
 * side or a `(` after it (`self\s*\.\s*conv`, `zeros_\s*\(`), and which looks behind only for
 * characters other than a line break: chunks start at column-0 lines outside brackets, so a match
 * runs across two only where a line ends with a `.`, or the next starts with `.` or `(`: those
 * chunks are tested joined too.
 */
export function maskedMatches(ctx: RuleContext, key: string, re: RegExp): boolean {
  const c = ctx.chunks;
  if (!c) return re.test(ctx.masked);
  const n = c.starts.length;
  // per chunk id: whether its masked text is blank (a string or comment alone), starts with `.` or `(`, or ends with
  // `.` and blanks; and each key's answer
  const facts = (i: number) => {
    const k = `\u0001masked\u0001${c.ids[i]}`;
    let f = c.memo.get(k) as { blank: boolean; opens: boolean; dot: boolean; hits: Map<string, boolean> } | undefined;
    if (!f) {
      const m = c.masked(i);
      c.memo.set(k, (f = { blank: !/\S/.test(m), opens: /^\s*[.(]/.test(m), dot: /\.\s*$/.test(m), hits: new Map() }));
    }
    return f;
  };
  // the chunks met since the last that is not blank, which a dot joins to it (blank ones between count too)
  let run = '';
  let parts = 0;
  let blanks = '';
  let dot = false;
  for (let i = 0; i < n; i++) {
    const f = facts(i);
    if (f.blank) {
      if (parts) blanks += c.masked(i);
      continue;
    }
    let hit = f.hits.get(key);
    if (hit === undefined) {
      // (bounded: each name typed is a key of its own, and the chunks below keep their facts across edits)
      if (f.hits.size >= MAX_KEYS_PER_CHUNK) f.hits.clear();
      f.hits.set(key, (hit = re.test(c.masked(i))));
    }
    if (hit) return true;
    if (parts && (dot || f.opens)) {
      run += blanks + c.masked(i);
      parts++;
    } else {
      if (parts > 1 && re.test(run)) return true;
      run = c.masked(i);
      parts = 1;
    }
    blanks = '';
    dot = f.dot;
  }
  return parts > 1 && re.test(run);
}

export interface RuleContext {
  text: string;
  /** See ScanInput.chunks. */
  chunks?: Chunks;
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

/**
 * The layers checks report on: a call whose bracket is never closed is being typed (or the file
 * does not run): its last argument may be half-written and its missing ones still to come.
 */
export function checkedLayers(layers: readonly ResolvedLayer[]): ResolvedLayer[] {
  return layers.filter((l) => l.call.complete);
}

export function buildContext(scan: ScanInput, layers: ResolvedLayer[], framework: (id: FrameworkId) => FrameworkInfo | undefined): RuleContext {
  const { text } = scan;
  // (built when first read: a new string of the text's size per edit, which a check looking near a call need not pay for)
  let maskedText: string | undefined;
  const whole = () => (maskedText ??= scan.masked ?? maskPython(text));
  const lines = scan.lines ?? new LineIndex(text);
  const rows = scan.rows ?? rowsOf(scan.calls ?? []);
  const n = rows.count;
  const qualify = scan.qualify ?? qualifier(scan.imports, scan.rebinds);
  // What the rules that look at calls around the layers need (producers, partials, the data flow
  // between them), built on first use: checks that read only the text never pay for it.
  let facts: { producers: ProducerCall[]; partials: ResolvedLayer[]; adjacent: Adjacency[]; feeding: Map<ResolvedLayer, Adjacency> } | null = null;
  const flowFacts = () => {
    if (facts) return facts;
    // Only calls that name a producer or functools.partial are built as objects.
    const producers: ProducerCall[] = [];
    const producerAt = new Map<number, ProducerCall>();
    const partialCalls: ScannedCall[] = [];
    const format = imageDataFormat(text);
    for (let k = 0; k < n; k++) {
      const qn = qualify(rows.callee(k), rows.start(k));
      if (qn === null) continue;
      if (qn === 'functools.partial') partialCalls.push(rows.call(k));
      if (!rows.complete(k)) continue;
      const spec = findProducer(qn);
      if (spec) {
        const call = rows.call(k);
        const p: ProducerCall = { call, spec, qualifiedName: qn, ...bindProducer(call, spec) };
        if (format && spec.layoutParam && family(spec.framework) === 'keras') p.globalLayout = format;
        producers.push(p);
        producerAt.set(call.range.startOffset, p);
      }
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
      const binding = bindArguments(
        spec,
        positional.map((a) => a.value),
        keywords,
        { starArgs: true, starKwargs: true },
      );
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

    // Which producer's output reaches which norm's input: from the data flow of the code (see
    // src/python/semantic/flow.ts), where the flow is known; nothing is guessed from the order of
    // declarations. A producer and a norm of different frameworks are never paired.
    const adjacent: Adjacency[] = [];
    const flow = scan.flow ?? new FlowModel(text, scan.tree ?? parsePython(text), qualify);
    const byPair = new Map<string, Adjacency>();
    for (const e of flow.edges()) {
      const producer = producerAt.get(e.from);
      const layer = layerAt.get(e.to);
      if (!producer || !layer) continue;
      if (family(producer.spec.framework) !== family(layer.spec.framework)) continue;
      const key = `${e.from}>${e.to}`;
      const known = byPair.get(key);
      if (known) {
        for (const p of e.paths) known.paths.push(p.ops);
        if (e.shared) known.shared = true;
        if (e.oneOf) known.oneOf = [...new Set([...(known.oneOf ?? []), ...e.oneOf])];
        continue;
      }
      const a: Adjacency = {
        producer,
        layer,
        via: e.via === 'sequential' ? 'sequential' : 'flow',
        certain: true,
        paths: e.paths.map((p) => p.ops),
        at: e.at,
        ...(e.shared ? { shared: true } : {}),
        ...(e.oneOf ? { oneOf: e.oneOf } : {}),
      };
      byPair.set(key, a);
      adjacent.push(a);
    }
    // Through a norm that takes its channel count from its input (Keras's BatchNormalization, a
    // lazy norm: no count written), what feeds it feeds the next norm too, with the same channels.
    const normEdges = flow.edges().filter((e) => {
      const from = layerAt.get(e.from);
      const to = layerAt.get(e.to);
      if (!from || !to || from === to || family(from.spec.framework) !== family(to.spec.framework)) return false;
      const ch = from.spec.roles.channels;
      return !ch || from.effective[ch] === undefined || from.effective[ch].value === null;
    });
    for (let depth = 0, grew = normEdges.length > 0; grew && depth < 4; depth++) {
      grew = false;
      for (const e of normEdges) {
        for (const a of [...adjacent]) {
          if (a.layer.call.range.startOffset !== e.from) continue;
          const layer = layerAt.get(e.to)!;
          const key = `${a.producer.call.range.startOffset}>${e.to}`;
          if (byPair.has(key) || family(a.producer.spec.framework) !== family(layer.spec.framework)) continue;
          const through: Op = { kind: 'norm', name: a.layer.spec.name, at: e.from };
          const paths = a.paths.flatMap((p) => e.paths.map((q) => [...p, through, ...q.ops]));
          const c: Adjacency = { producer: a.producer, layer, via: 'flow', certain: true, paths, at: e.at };
          byPair.set(key, c);
          adjacent.push(c);
          grew = true;
        }
      }
    }
    // A norm fed by different producers in different places has no single feeding layer.
    const feeding = new Map<ResolvedLayer, Adjacency>();
    const ambiguous = new Set<ResolvedLayer>();
    for (const a of adjacent) {
      if (feeding.has(a.layer)) ambiguous.add(a.layer);
      else feeding.set(a.layer, a);
    }
    for (const l of ambiguous) feeding.delete(l);
    facts = { producers, partials, adjacent, feeding };
    return facts;
  };

  // Assignment statements.
  const assignRe = new RegExp(String.raw`^([ \t]*)(${DOTTED})[ \t]*=[ \t]*$`, 'u');
  // the masked text around an offset: its chunk's when the text has chunks (the whole masked text otherwise)
  const chunks = scan.chunks;
  const near = (at: number): { from: number; m: string } => {
    if (!chunks) return { from: 0, m: whole() };
    const i = chunkAt(chunks, at);
    return { from: chunks.starts[i], m: chunks.masked(i) };
  };
  const statementStart = (call: ScannedCall): { indent: string; target: string } | undefined => {
    const here = near(call.range.startOffset);
    const masked = here.m;
    const start = call.range.startOffset - here.from;
    // cheap test first: only blanks between an `=` and the call
    let q = start - 1;
    while (q >= 0 && (masked.charCodeAt(q) === 32 || masked.charCodeAt(q) === 9)) q--;
    if (q < 0 || masked.charCodeAt(q) !== 61) return undefined;
    const ls = lines.lineStart(call.range.startOffset);
    // (a chunk starts at a line start: the line is in it)
    const m = assignRe.exec(masked.slice(ls - here.from, start));
    if (!m) return undefined;
    // A backslash continuation means this line does not start a statement (the line before may be the chunk before's).
    const before = ls > here.from ? here : near(ls - 1);
    let k = ls - 1 - before.from;
    if (before.m[k] === '\n') k--;
    if (before.m[k] === '\r') k--;
    if (k >= 0 && before.m[k] === '\\') return undefined;
    return { indent: m[1], target: m[2].replace(/[ \t]/g, '') };
  };
  let allCalls: ScannedCall[] | undefined;
  return {
    text,
    chunks: scan.chunks,
    get masked() {
      return whole();
    },
    lines,
    layers: checkedLayers(layers),
    get calls() {
      if (!allCalls) {
        allCalls = [];
        for (let k = 0; k < n; k++) allCalls.push(rows.call(k));
      }
      return allCalls;
    },
    get partials() {
      return flowFacts().partials;
    },
    get producers() {
      return flowFacts().producers;
    },
    get adjacent() {
      return flowFacts().adjacent;
    },
    get feeding() {
      return flowFacts().feeding;
    },
    framework,
    assignmentTarget: (call) => (statementStart(call) ? statementStart(call)!.target : undefined),
  };
}

/** Whether two argument expressions denote the same count: equal integers, or identical source text. */
export function sameCount(a: CallArgument | undefined, b: { value: PyValue; text?: string } | undefined): boolean {
  if (!a || !b) return false;
  if (typeof a.value === 'number' && typeof b.value === 'number') return a.value === b.value;
  if (isExpr(a.value) && b.text !== undefined) return a.text.replace(/\s+/g, '') === b.text.replace(/\s+/g, '');
  return false;
}
