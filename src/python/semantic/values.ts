/**
 * The abstract values of the semantic model: what a Python name may hold, as far as telling
 * which normalization class a call builds needs. Sets are small and bounded: past `MAX_VALUES`
 * a set becomes "unknown", so that resolution never grows without bound.
 */
import type { PyValue } from '../../frameworks/types';
import type { SyntaxNode } from './syntax';
import type { ClassDef, FuncDef, ModuleModel } from './model';

/** How a value travelled from where it is written to where it is called. */
export type Via = 'import' | 'alias' | 'attribute' | 'parameter-default' | 'call' | 'partial' | 'subclass' | 'custom-module';

export interface Hop {
  /** 'param': internal mark of a value entering a function through a parameter (see ModuleModel.apply). */
  via: Via | 'param';
  /** The name, attribute or parameter it passed through (`norm_layer`, `self._norm_layer`). */
  name: string;
  /** Offset where the hop happens (the assignment, default or argument). */
  at: number;
  /** Set when the hop happened in another file (a caller there passed the value): that file and line, as shown. */
  from?: string;
  /** The argument as written, for a value a caller passes that NormLens cannot follow (`norm_layers[i]`). */
  what?: string;
  /** An import of a module that replaces the framework class (`import patch`, whose body sets `nn.BatchNorm2d = ...`). */
  patched?: boolean;
}

/** A partial's bound arguments: evaluated values, kept with the syntax they came from. */
export interface BoundArg {
  name?: string;
  star: '' | '*' | '**';
  node: SyntaxNode | null;
  values: VSet;
}

export type Value =
  /** Something imported, or reached through an import: a module, class or function. */
  | { k: 'q'; q: string; hops: Hop[] }
  /** A literal (None is null). */
  | { k: 'const'; v: PyValue; hops: Hop[] }
  | { k: 'partial'; fn: Value; args: BoundArg[]; at: number; hops: Hop[]; owner?: ModuleModel }
  | { k: 'class'; cls: ClassDef; hops: Hop[] }
  | { k: 'func'; fn: FuncDef; hops: Hop[]; bound?: boolean }
  /** An instance of a user class (`self`, or what a user class call returns). */
  | { k: 'inst'; cls: ClassDef; hops: Hop[] }
  /** `super()` inside a method of `cls`. */
  | { k: 'super'; cls: ClassDef; hops: Hop[] }
  /**
   * `mutated`: bound to a name the module changes in place (`NAME[k] = v`, `NAME.update(...)` ...): its entries are not all there is.
   * `open`: keys other than its entries may be there too, and each entry may be absent (a function's `**kwargs`: what its
   * calls here pass that no parameter takes, while callers elsewhere may pass anything; `dict(args, **kwargs)` of such).
   * `sig`: a `**kwargs` is one dict that grows as calls are bound; each version is a value of its own.
   */
  | { k: 'dict'; entries: [PyValue | undefined, VSet][]; at: number; hops: Hop[]; mutated?: boolean; open?: boolean; sig?: number }
  /** `many`: of unknown length, every element one of items[0] (what `zip(...)`, `tuple(x)` or `repeat(x, n)` give). */
  | { k: 'seq'; items: VSet[]; at: number; hops: Hop[]; many?: boolean }
  /** A parameter of the function being summarized, inside a subclass's `super().__init__` call. */
  | { k: 'param'; name: string; hops: Hop[] }
  /** A name imported from another module of the project, resolved when read (so only what is used is loaded). */
  | { k: 'ext'; module: string; name: string; at: number; local: string; model: ModuleModel; hops: Hop[] }
  | { k: 'unknown'; hops: Hop[] };

export type VSet = readonly Value[];

export const MAX_VALUES = 12;
export const UNKNOWN: Value = { k: 'unknown', hops: [] };
export const EMPTY: VSet = [];
/** "Unknown" standing for values dropped by widening. */
export const WIDE: Value = { k: 'unknown', hops: [], wide: true } as Value;

/** A value's identity (hops aside), computed once per value object (spread copies keep it: hops are not part of it). */
export function keyOf(v: Value): string {
  const cached = (v as { _k?: string })._k;
  if (cached !== undefined) return cached;
  const k = computeKey(v);
  (v as { _k?: string })._k = k;
  return k;
}

function computeKey(v: Value): string {
  switch (v.k) {
    case 'q':
      return 'q:' + v.q;
    case 'const':
      return 'c:' + JSON.stringify(v.v);
    case 'partial':
      return `p:${v.owner?.uid ?? ''}:${v.at}:${keyOf(v.fn)}`;
    case 'class':
      return `C:${v.cls.owner.uid}:${v.cls.id}`;
    case 'func':
      return `F:${v.fn.owner.uid}:${v.fn.id}`;
    case 'inst':
      return `I:${v.cls.owner.uid}:${v.cls.id}`;
    case 'super':
      return `S:${v.cls.owner.uid}:${v.cls.id}`;
    case 'dict':
      return v.sig === undefined ? 'd:' + v.at : `d:${v.at}#${v.sig}`;
    case 'seq':
      return (v.many ? 's*:' : 's:') + v.at;
    case 'param':
      return 'a:' + v.name;
    case 'ext':
      return `x:${v.model.uid}:${v.module}:${v.name}`;
    case 'unknown':
      return v === WIDE ? '??' : '?';
  }
}

/** Union, keeping the first occurrence of each value (and so its explanation). */
export function union(a: VSet, b: VSet): VSet {
  // (a set joined with itself, as the branches of an `if` that leave a name alone hold it)
  if (a === b) return a;
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  // once widened, a set takes no more constants or containers (so passes cannot oscillate)
  // (but an unknown a caller passes, which the layers name as not followed, is kept: one at most)
  if (a.includes(WIDE)) b = b.filter((v) => v.k !== 'const' && v.k !== 'seq' && v.k !== 'dict' && (v.k !== 'unknown' || (v !== WIDE && named(v))));
  // sets are small (at most MAX_VALUES): a scan over cached keys beats building a Set
  let out: Value[] | null = null;
  for (const v of b) {
    const k = keyOf(v);
    const have = out ?? a;
    let found = -1;
    for (let i = 0; i < have.length; i++) {
      if (keyOf(have[i]) === k) {
        found = i;
        break;
      }
    }
    if (found >= 0) {
      // an unknown a caller passes (the layers name it as not followed) is kept over a plain one
      if (k === '?' && named(v) && !named(have[found])) (out ??= [...a])[found] = v;
      continue;
    }
    (out ??= [...a]).push(v);
  }
  if (!out) return a;
  return out.length > MAX_VALUES || countKinds(out) ? capped(out) : out;
}

/** An unknown carrying what a caller passed as written (Hop.what). */
function named(v: Value): boolean {
  return v.hops.some((h) => h.what);
}

/**
 * Whether the set's unknown (its first value keyed '?') carries what a caller passed: a union then
 * takes no other unknown into it (it keeps that one), so adding unknowns changes nothing.
 */
export function holdsNamedUnknown(vs: VSet): boolean {
  for (const v of vs) if (keyOf(v) === '?') return named(v);
  return false;
}

/** Constants and containers matter only a few at a time (sizes, registries): more of them widen to unknown, so passes converge. */
const MAX_CONSTS = 4;
/**
 * Strings are counted apart, and more of them are kept: they are the keys a configuration picks
 * a norm by (detectron2's get_norm is given "BN", "FrozenBN", "GN", "SyncBN" and "LN" across one
 * file). The model never makes new strings in a loop, so the bound still makes passes converge.
 */
const MAX_STRINGS = 8;
function countKinds(vs: Value[]): boolean {
  let consts = 0;
  let strings = 0;
  let containers = 0;
  for (const v of vs) {
    if (v.k === 'const') {
      if (typeof v.v === 'string') strings++;
      else consts++;
    } else if (v.k === 'seq' || v.k === 'dict') containers++;
  }
  return consts > MAX_CONSTS || strings > MAX_STRINGS || containers > MAX_CONSTS;
}

/** Past the bound, keep what matters for resolution (classes, partials) and say the rest is unknown. */
function capped(vs: Value[]): VSet {
  const callables = vs.filter((v) => v.k === 'q' || v.k === 'partial' || v.k === 'class' || v.k === 'func' || v.k === 'inst');
  // many partials of one class (each caller's own `partial(BatchNorm2d, eps=...)`) must not crowd
  // out the other classes: one value per class or function first, then the rest, in order
  const chosen = new Set<Value>();
  const roots = new Set<string>();
  for (const v of callables) {
    if (chosen.size >= MAX_VALUES - 1) break;
    const r = rootKey(v);
    if (!roots.has(r)) {
      roots.add(r);
      chosen.add(v);
    }
  }
  for (const v of callables) if (chosen.size < MAX_VALUES - 1) chosen.add(v);
  return [...callables.filter((v) => chosen.has(v)), WIDE];
}

/** The class or function a partial (of partials) finally calls. */
function rootKey(v: Value, depth = 0): string {
  return v.k === 'partial' && depth < 16 ? rootKey(v.fn, depth + 1) : keyOf(v);
}

export function sameSet(a: VSet, b: VSet): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return b.every((v) => {
    const k = keyOf(v);
    return a.some((x) => keyOf(x) === k);
  });
}

/** The same values, each with one more hop on its way. */
export function withHop(vs: VSet, hop: Hop): VSet {
  return vs.map((v) => (v.k === 'q' || v.k === 'partial' || v.k === 'class' ? { ...v, hops: [...v.hops, hop] } : v));
}

export const isNone = (v: Value) => v.k === 'const' && v.v === null;

/**
 * The keys a `**mapping` may hold, when the code fixes them: every value is a dict written with
 * literal string keys that the module never changes in place. Undefined otherwise (any key).
 */
export function mappingKeys(vs: VSet): string[] | undefined {
  if (!vs.length || !vs.every((v) => v.k === 'dict' && !v.mutated && !v.open && v.entries.every(([k]) => typeof k === 'string'))) return undefined;
  const keys = new Set<string>();
  for (const v of vs) if (v.k === 'dict') for (const [k] of v.entries) keys.add(k as string);
  return [...keys];
}

/** Hops worth showing (without the internal parameter marks). */
export const visibleHops = (hops: readonly Hop[]): Hop[] => hops.filter((h) => h.via !== 'param');
