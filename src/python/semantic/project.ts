/**
 * The project-level fixed point: calls from one module into functions and classes of ANOTHER
 * module bind their arguments into the callee module's parameters (timm's vision_transformer.py
 * passing `norm_layer=partial(LayerNorm, eps=1e-6)` to `Mlp` in layers/mlp.py), and the callee
 * module is analyzed again with them.
 *
 * What crosses from module to module is a `Seed`: a plain, serializable record (the callee by
 * file and definition offset, the values passed as qualified names, constants, references to
 * classes and functions by file and offset, and partials with their written arguments). Plain
 * records make the result of one file a function of its text, the files it imports and the seeds
 * it receives only — the same whether a run analyzes files one after another or on worker
 * threads (src/cli), and whatever their order.
 *
 * The driver (`solveSeeds`) analyzes every file, gathers the seeds each emits, and analyzes again
 * the files whose incoming seeds changed, for at most `MAX_SEED_ROUNDS` rounds; only callable
 * values travel (classes, functions, partials, framework names), value sets stay bounded by the
 * model's widening, and a cycle of calls between files ends with the rounds.
 */
import type { PyValue } from '../../frameworks/types';
import type { ProjectGraph } from './graph';
import type { ClassDef, FuncDef, ModuleModel } from './model';
import { ModuleModel as Model } from './model';
import { argList, children, parsePython, type SyntaxNode } from './syntax';
import type { BoundArg, Value, VSet } from './values';

/** A value as it crosses files. */
export type SeedValue =
  { q: string } | { c: PyValue } | { ref: 'class' | 'func'; path: string; at: number } | { partial: SeedValue; args: SeedArg[]; path: string; at: number };

export interface SeedArg {
  name?: string;
  star: '' | '*' | '**';
  /** As written (partial arguments only: the explanation and the argument binder show it). */
  text?: string;
  values: SeedValue[];
  /** A `**mapping` whose keys the code fixes, by key (timm's `**kwargs` handed to build_model_with_cfg). */
  keys?: { name: string; values: SeedValue[] }[];
  /** Such a mapping may hold other keys too, and each key may be absent (see values.ts, dict `open`). */
  open?: boolean;
}

/** One call of another module into a function or class of `target.path`. */
export interface Seed {
  target: { path: string; at: number };
  /** A method called on an instance (`self` is not among the arguments). */
  bound: boolean;
  args: SeedArg[];
  /** The calling file and line, as explanations show it (`timm/models/vision_transformer.py:123`). */
  from: string;
}

/** Rounds of re-analysis at most (a chain of parameters passed on through N files needs N rounds). */
export const MAX_SEED_ROUNDS = 4;
/** Seeds one file receives at most (distinct calls into it); beyond, the rest are dropped, deterministically. */
export const MAX_SEEDS_PER_FILE = 512;
const MAX_SEED_DEPTH = 8;

/**
 * The seeds of one file's analysis in a project: applied to its model before evaluation, and
 * collected from it afterwards. `file` is the path the graph knows the file by; `shown` how it
 * is named in explanations.
 */
export class SeedExchange {
  /** Seeds this file's calls send to other files (after collect()). */
  outgoing: Seed[] = [];
  private model: ModuleModel | null = null;

  constructor(
    private readonly graph: ProjectGraph,
    readonly file: string,
    private readonly shown: string,
    private readonly incoming: readonly Seed[] = [],
  ) {}

  /** Whether any seed reaches this file (its model must then be built with them). */
  get hasSeeds(): boolean {
    return this.incoming.some((s) => s.target.path === this.file);
  }

  /** The path of a model's file, or undefined for models outside the graph (snippets). */
  private pathOf(m: ModuleModel): string | undefined {
    return m === this.model ? this.file : this.graph.pathOf(m);
  }

  // ---- into this file ------------------------------------------------------------------------

  /** The constructor hook of the file's ModuleModel: binds every incoming seed. */
  apply(model: ModuleModel): void {
    this.model = model;
    for (const s of this.incoming) {
      if (s.target.path !== this.file) continue;
      const target = model.scopeAtOffset(s.target.at);
      if (!target || (target.kind === 'func' && target.isLambda)) continue;
      const args: BoundArg[] = s.args.map((a) => ({ name: a.name, star: a.star, node: null, values: a.keys ? [this.mapping(a)] : this.values(a.values, 0) }));
      model.seed(target, args, s.bound, s.from);
    }
  }

  /** A `**mapping` seed argument as the dict it was (each its own: a place no code of the file has). */
  private mapping(a: SeedArg): Value {
    const entries: [string, VSet][] = a.keys!.map((k) => [k.name, this.values(k.values, 0)]);
    return { k: 'dict', entries, at: -++this.mappings, hops: [], ...(a.open ? { open: true } : {}) };
  }
  private mappings = 0;

  private values(vs: readonly SeedValue[], depth: number): Value[] {
    const out: Value[] = [];
    for (const v of vs) {
      const x = this.value(v, depth);
      if (x) out.push(x);
    }
    return out;
  }

  private value(v: SeedValue, depth: number): Value | null {
    if (depth > MAX_SEED_DEPTH) return null;
    if ('q' in v) return { k: 'q', q: v.q, hops: [] };
    if ('c' in v) return { k: 'const', v: v.c, hops: [] };
    if ('ref' in v) {
      const m = v.path === this.file ? this.model : this.graph.modelOf(v.path);
      const s = m?.scopeAtOffset(v.at);
      if (!s) return null;
      if (v.ref === 'class' && s.kind === 'class') return { k: 'class', cls: s, hops: [] };
      if (v.ref === 'func' && s.kind === 'func') return { k: 'func', fn: s, hops: [] };
      return null;
    }
    const fn = this.value(v.partial, depth + 1);
    if (!fn) return null;
    // the written arguments, parsed on their own: the explanation and the binder read their text
    const snippet = snippetArgs(v.args, this.graph.display(v.path));
    if (!snippet) return null;
    const args: BoundArg[] = v.args.map((a, i) => ({ name: a.name, star: a.star, node: snippet.nodes[i], values: this.values(a.values, depth + 1) }));
    return { k: 'partial', fn, args, at: v.at, hops: [], owner: snippet.model };
  }

  // ---- out of this file ----------------------------------------------------------------------

  /** Reads the calls the file's model made into other files (after evaluation). */
  collect(model: ModuleModel): void {
    this.model = model;
    const out: Seed[] = [];
    for (const o of model.outgoing.values()) {
      const path = this.pathOf(o.target.owner);
      if (!path || path === this.file) continue;
      let useful = false;
      const args: SeedArg[] = o.args.map((a) => {
        const values = a.star ? [] : this.seedValues(model, a.values, 0).filter((x) => !('c' in x));
        if (values.length) useful = true;
        const keys = a.star === '**' ? this.seedKeys(model, a.values) : null;
        if (keys?.keys.some((k) => k.values.length)) useful = true;
        return { ...(a.name !== undefined ? { name: a.name } : {}), star: a.star, values, ...(keys ?? {}) };
      });
      if (!useful) continue;
      out.push({ target: { path, at: o.target.node.from }, bound: o.bound, args, from: `${this.shown}:${model.lineOf(o.at) + 1}` });
    }
    out.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    this.outgoing = out;
  }

  /**
   * A `**mapping` argument as one dict of its keys (the values of every dict of the set by key), when
   * every value is a dict of string keys; open when one is, changed in place, or lacks a key another has.
   */
  private seedKeys(model: ModuleModel, vs: readonly Value[]): { keys: { name: string; values: SeedValue[] }[]; open?: boolean } | null {
    const dicts = model.deref(vs);
    if (!dicts.length || dicts.some((d) => d.k !== 'dict' || d.entries.some(([k]) => typeof k !== 'string'))) return null;
    const by = new Map<string, Value[]>();
    let open = false;
    for (const d of dicts) {
      if (d.k !== 'dict') continue;
      open ||= !!d.open || !!d.mutated;
      for (const [k, e] of d.entries) by.set(k as string, [...(by.get(k as string) ?? []), ...e]);
    }
    for (const name of by.keys()) if (dicts.some((d) => d.k === 'dict' && !d.entries.some(([k]) => k === name))) open = true;
    const keys = [...by].map(([name, values]) => ({ name, values: this.seedValues(model, values, 0).filter((x) => !('c' in x)) }));
    return { keys, ...(open ? { open: true } : {}) };
  }

  private seedValues(model: ModuleModel, vs: readonly Value[], depth: number): SeedValue[] {
    const out: SeedValue[] = [];
    const seen = new Set<string>();
    for (const v of model.deref(vs)) {
      const x = this.seedValue(model, v, depth);
      if (!x) continue;
      const k = JSON.stringify(x);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(x);
      }
    }
    return out;
  }

  private seedValue(model: ModuleModel, v: Value, depth: number): SeedValue | null {
    if (depth > MAX_SEED_DEPTH) return null;
    switch (v.k) {
      case 'q':
        return { q: v.q };
      case 'const':
        return { c: v.v };
      case 'class':
      case 'func': {
        if (v.k === 'func' && (v.bound || v.fn.isLambda)) return null;
        const def: ClassDef | FuncDef = v.k === 'class' ? v.cls : v.fn;
        const path = this.pathOf(def.owner);
        return path ? { ref: v.k, path, at: def.node.from } : null;
      }
      case 'partial': {
        const owner = v.owner ?? model;
        const path = this.pathOf(owner);
        if (!path) return null;
        const fns = this.seedValues(model, [v.fn], depth + 1);
        if (fns.length !== 1 || 'c' in fns[0]) return null;
        const args: SeedArg[] = [];
        for (const a of v.args) {
          if (!a.node) return null;
          const text = owner.text.slice(a.node.from, a.node.to);
          args.push({ ...(a.name !== undefined ? { name: a.name } : {}), star: a.star, text, values: this.seedValues(model, a.values, depth + 1) });
        }
        return { partial: fns[0], args, path, at: v.at };
      }
      default:
        return null;
    }
  }
}

/** Partial arguments written in another file, parsed as a call of their own (nodes for the explanation). */
function snippetArgs(args: readonly SeedArg[], shown: string): { model: ModuleModel; nodes: (SyntaxNode | null)[] } | null {
  const parts = args.map((a) => `${a.star}${a.name !== undefined ? a.name + '=' : ''}${a.text ?? 'None'}`);
  const text = `_(${parts.join(', ')})\n`;
  const tree = parsePython(text);
  const model = new Model(text, tree, undefined, '', false, shown);
  let call: SyntaxNode | null = null;
  const stmt = tree.topNode.firstChild;
  for (let c = stmt?.firstChild ?? null; c; c = c.nextSibling) if (c.name === 'CallExpression') call = c;
  if (!call) return null;
  const list = children(call).find((c) => c.name === 'ArgList') ?? null;
  const nodes = argList(list, text).map((a) => a.value);
  return nodes.length === args.length ? { model, nodes } : null;
}

/**
 * Seeds by receiving file, from every file's outgoing seeds: de-duplicated, in a fixed order
 * (by calling file and line), bounded per file.
 */
export function seedsByTarget(outgoing: Iterable<readonly Seed[]>): Map<string, Seed[]> {
  const by = new Map<string, Map<string, Seed>>();
  for (const list of outgoing)
    for (const s of list) {
      let m = by.get(s.target.path);
      if (!m) by.set(s.target.path, (m = new Map()));
      m.set(JSON.stringify(s), s);
    }
  const out = new Map<string, Seed[]>();
  for (const [path, m] of by) {
    const keys = [...m.keys()].sort();
    out.set(
      path,
      keys.slice(0, MAX_SEEDS_PER_FILE).map((k) => m.get(k)!),
    );
  }
  return out;
}

/**
 * The round driver, for analyses run here or elsewhere (worker threads): `analyze` gets the
 * files to (re)analyze, each with the seeds it receives, and answers each file's outgoing seeds.
 * A file's result is that of its last analysis (the caller keeps it); the number of rounds run
 * is returned.
 */
export async function solveSeeds(
  files: readonly string[],
  analyze: (batch: { file: string; seeds: Seed[] }[]) => Promise<Map<string, Seed[]>> | Map<string, Seed[]>,
): Promise<number> {
  const outgoing = new Map<string, Seed[]>();
  const given = new Map<string, string>();
  let batch = files.map((file) => ({ file, seeds: [] as Seed[] }));
  let round = 0;
  for (; round < MAX_SEED_ROUNDS && batch.length; round++) {
    for (const b of batch) given.set(b.file, JSON.stringify(b.seeds));
    const answers = await analyze(batch);
    for (const [file, seeds] of answers) outgoing.set(file, seeds);
    if (round === MAX_SEED_ROUNDS - 1) break;
    const incoming = seedsByTarget(files.map((f) => outgoing.get(f) ?? []));
    batch = [];
    for (const file of files) {
      const seeds = incoming.get(file) ?? [];
      if (JSON.stringify(seeds) !== (given.get(file) ?? '[]')) batch.push({ file, seeds });
    }
  }
  return round;
}
