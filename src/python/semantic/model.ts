/**
 * A semantic model of one Python module: its scopes (module, class, function, lambda,
 * comprehension), what each name may hold where it is read, and every call with the values its
 * callee may have. It is an abstract interpretation over small sets of values (./values.ts):
 * statements run in order with both branches of an `if` kept, parameters hold their defaults
 * plus whatever the module's own calls pass them, `self.x` holds every value any method assigns,
 * and the whole is iterated to a fixed point (bounded passes, bounded sets), so that
 * `norm_layer(planes)` in a block resolves through `_make_layer`, `self._norm_layer` and the
 * default written in `ResNet.__init__`.
 *
 * Nothing here throws on odd input: unknown syntax evaluates to "unknown".
 */
import type { PyValue } from '../../frameworks/types';
import { positionIn } from '../table';
import { argList, children, dottedName, operands, paramList, statements, type ArgNode, type SyntaxNode, type Tree } from './syntax';
import { EMPTY, holdsNamedUnknown, isNone, keyOf, sameSet, union, UNKNOWN, WIDE, withHop, type BoundArg, type Hop, type Value, type VSet } from './values';

/**
 * The value a parameter's default certainly has: a literal (`eps=1e-3`), or an expression the model
 * fixes to one constant (`momentum=1 - TF_MOMENTUM` with a module constant). Undefined otherwise.
 */
export function fixedDefault(p: ParamDef, text: string): PyValue | undefined {
  if (!p.defaultNode) return undefined;
  const lit = literalOf(p.defaultNode, text);
  if (lit !== undefined) return lit;
  const d = p.defaults;
  return d.length === 1 && d[0].k === 'const' ? d[0].v : undefined;
}

export interface ParamDef {
  name: string;
  star: '' | '*' | '**';
  keywordOnly: boolean;
  node: SyntaxNode;
  defaultNode: SyntaxNode | null;
  /** The default's values (evaluated where the `def` runs). */
  defaults: VSet;
  /** Values passed by the module's own calls. */
  passed: VSet;
  /** Some call seen may leave it to its default (calls that pass it are all there are otherwise). */
  defaultUsed?: boolean;
  /** A `**kwargs`: how many times the dict of what calls pass into it grew (each version is a value of its own). */
  versions?: number;
}

interface ScopeBase {
  id: number;
  /** The module model the scope belongs to (another file's, for names imported from siblings). */
  owner: ModuleModel;
  parent: Scope | null;
  /** Names bound in this scope (Python's rule: assigned anywhere in it makes a name local). */
  locals: Set<string>;
  /** Every value each local name is given anywhere in the scope. */
  summary: Map<string, VSet>;
  /** Names declared `global` or `nonlocal`. */
  nonlocals?: Set<string>;
}

export interface ModuleScope extends ScopeBase {
  kind: 'module';
}

export interface FuncDef extends ScopeBase {
  kind: 'func';
  name: string;
  node: SyntaxNode;
  params: ParamDef[];
  /** Body node (a Body, or the expression of a lambda). */
  body: SyntaxNode | null;
  isLambda: boolean;
  /** The class whose body defines it, for methods. */
  cls?: ClassDef;
  decorators: string[];
  returns: VSet;
}

export interface ClassDef extends ScopeBase {
  kind: 'class';
  name: string;
  node: SyntaxNode;
  baseNodes: SyntaxNode[];
  bases: VSet;
  body: SyntaxNode | null;
  methods: Map<string, FuncDef>;
  /** `self.x = ...` values, by attribute name. */
  attrs: Map<string, VSet>;
  /** Annotated class-body names in order (dataclass-style fields of Flax modules). */
  fields: string[];
  /** Values passed to fields by construction calls. */
  fieldPassed: Map<string, VSet>;
  decorators: string[];
  /** User classes of this module that list it as a base. */
  subclasses: ClassDef[];
}

export type Scope = ModuleScope | FuncDef | ClassDef;

/** A call as the model saw it in its last pass. */
export interface Site {
  node: SyntaxNode;
  callee: VSet;
  args: BoundArg[];
  scope: Scope;
}

/**
 * `X.holder.attr = ...` where X may be an instance of a user class (`net.ln.eps = 1e-4`,
 * `model.bn.momentum = 0.01` in a function given the model): it changes the layer that class keeps
 * as `self.holder`, on that instance. `code`: the statement as written (its first line).
 */
export interface MemberSet {
  classes: ClassDef[];
  /** X may also be an object NormLens does not follow: an instance of any class. */
  any?: boolean;
  holder: string;
  attr: string;
  code: string;
  at: number;
}

/**
 * Top-level statements of a block watched for effects outside themselves (PythonModule's reuse of
 * a large block's analysis after an edit inside one of its statements, ../module.ts). A watched
 * statement whose evaluation never changed what another statement's code reads (a parameter, a
 * return, an attribute, a name, a class's subclasses...) can be left out of the block, or put
 * back, without changing the results of the others.
 */
export interface LeafWatch {
  /** The statements' ranges, in text order, disjoint. */
  ranges: readonly (readonly [number, number])[];
  /**
   * The watched unit of each range: statements watched as one (a leaf group: a statement with the
   * few that alone read what it binds). Absent: each range is its own unit.
   */
  unit?: readonly number[];
  /** Module-level names and the unit that alone binds each. */
  names: ReadonlyMap<string, number>;
  /** The names each unit may read (ItemInfo.words). */
  reads: readonly (readonly string[])[];
  /** Out: per unit, whether its evaluation changed something outside it. */
  foreign: boolean[];
  /** Out: the units evaluated, in order, three numbers each: the round, the unit's start (-1: the module body), the range holding it (-1: none). */
  schedule: number[];
  /** Out: the fixed point was reached within the rounds. */
  converged: boolean;
}

/** What another module of the same package exports, for `from .norms import X`. */
export interface ImportHost {
  /**
   * Module-level values of `name` in module `module` (absolute dotted name; a leading '.' marks
   * one resolved from a relative import), with the model they come from; undefined when unknown.
   * `from` is the dotted name of the importing module (to resolve folder-relative imports).
   */
  lookup(module: string, name: string, from: string): { values: VSet; model: ModuleModel } | undefined;
  /**
   * The framework attributes that importing `module` (same naming as lookup) certainly replaces
   * (ModuleModel.exportedPatches), with the model they come from; undefined when unknown.
   */
  patches?(module: string, from: string): { patches: ReadonlyMap<string, VSet>; model: ModuleModel } | undefined;
  /**
   * What other files of the project replace, wherever they do (a patch is process-wide: a file
   * imported first by the entry point patches the class for every module), by qualified name, with
   * the file as shown; their values are foreign (hops dropped, partials owned by their model).
   */
  anywhere?(): ReadonlyMap<string, { vs: VSet; from: string }>;
}

interface Env {
  scope: Scope;
  vars: Map<string, VSet>;
  /** Comprehension variables in effect. */
  extra: Map<string, VSet> | null;
  terminated: boolean;
  /** For module-level code: flow-sensitive reads; functions read the module summary. */
  parent: Env | null;
  /** A call evaluated at its call site (see evaluateCall): its returns gather here, not in the function's summary. */
  ret?: { vs: VSet };
}

/** Rounds of the worklist (each evaluates only the units whose inputs grew). */
const MAX_ROUNDS = 12;
/** Syntax nesting followed at most (CPython itself stops at 200 nested brackets). */
export const MAX_NESTING = 400;
/** Depth bound for partials of partials and nested evaluation. */
const MAX_DEPTH = 200;

const BUILTINS_SPECIAL = new Set(['super', 'getattr', 'setattr', 'partial', 'isinstance', 'print', 'len', 'range', 'dict']);
/** Builtins whose result is iterated for its elements (ModuleModel.iterate), when the code binds no such name. */
const ITERATORS = new Set(['zip', 'enumerate', 'tuple', 'list', 'reversed', 'sorted']);

/** The elements iterating over values gives: a sequence's items, a literal tuple's; unknown otherwise. */
function elementsOf(vs: VSet): VSet {
  let out: VSet = EMPTY;
  for (const v of vs) {
    if (v.k === 'seq') for (const item of v.items) out = union(out, item);
    else if (v.k === 'const' && Array.isArray(v.v)) for (const x of v.v) out = union(out, [{ k: 'const', v: x, hops: [] }]);
    else out = union(out, [UNKNOWN]);
  }
  return out.length ? out : [UNKNOWN];
}
/**
 * Calls of small functions evaluated again at their call site, nested at most this deep (a
 * factory calling a factory: timm's create_norm_act_layer → get_norm_act_layer).
 */
const MAX_INLINE = 2;
/** A function body evaluated per call site is at most this long (characters): factories are short. */
const MAX_INLINE_CHARS = 3000;
/** A condition's hold on one name (see ModuleModel.narrowing). */
interface Narrowing {
  name: string;
  test: (v: Value) => boolean | undefined;
  exact: boolean;
}

const negate = (r: boolean | undefined) => (r === undefined ? undefined : !r);
/** Values of unknown origin (a parameter's callers elsewhere, an unresolved import) may be of any type. */
const opaque = (v: Value) => v.k === 'unknown' || v.k === 'param' || v.k === 'ext';

/**
 * Which values `isinstance(v, T)` admits, by T (a builtin's name or a qualified name); undefined:
 * it cannot be told. A framework name (`q`) is a class or a function, never a string or a partial.
 */
const TYPE_TESTS: Record<string, (v: Value) => boolean | undefined> = {
  str: (v) => (opaque(v) ? undefined : v.k === 'const' && typeof v.v === 'string'),
  type: (v) => (opaque(v) || v.k === 'q' ? undefined : v.k === 'class'),
  'functools.partial': (v) => (opaque(v) ? undefined : v.k === 'partial'),
  'builtins.partial': (v) => (opaque(v) ? undefined : v.k === 'partial'),
  'types.FunctionType': (v) => (opaque(v) || v.k === 'q' ? undefined : v.k === 'func' && !v.bound),
  'types.LambdaType': (v) => (opaque(v) || v.k === 'q' ? undefined : v.k === 'func' && !v.bound),
  // numbers: a literal 1.0 is read as 1, so a whole number may be an int or a float; bool is an int
  int: (v) =>
    opaque(v) || v.k === 'q'
      ? undefined
      : v.k !== 'const'
        ? false
        : typeof v.v === 'boolean'
          ? true
          : typeof v.v === 'number' && Number.isInteger(v.v)
            ? undefined
            : false,
  float: (v) =>
    opaque(v) || v.k === 'q'
      ? undefined
      : v.k !== 'const'
        ? false
        : typeof v.v === 'number' && !Number.isInteger(v.v)
          ? true
          : typeof v.v === 'number'
            ? undefined
            : false,
  bool: (v) => (opaque(v) || v.k === 'q' ? undefined : v.k === 'const' && typeof v.v === 'boolean'),
  // a literal b'..' is read as a string
  bytes: (v) => (opaque(v) || v.k === 'q' ? undefined : v.k === 'const' && typeof v.v === 'string' ? undefined : false),
  NoneType: (v) => (opaque(v) || v.k === 'q' ? undefined : isNone(v)),
  dict: (v) => (opaque(v) || v.k === 'q' ? undefined : v.k === 'dict'),
  // a literal tuple and a list read alike
  tuple: (v) => (opaque(v) || v.k === 'q' || v.k === 'seq' || (v.k === 'const' && Array.isArray(v.v)) ? undefined : false),
  list: (v) => (opaque(v) || v.k === 'q' || v.k === 'seq' || (v.k === 'const' && Array.isArray(v.v)) ? undefined : false),
};

/** A framework name that names a class (a capitalized name under a framework's modules: torch.nn.BatchNorm2d). */
const FRAMEWORK_CLASS = /^(torch|keras|tensorflow|tf_keras|flax|haiku|mlx|paddle)\..*\.[A-Z]\w*$/;
/** A framework class name is tested as the class it names. */
const asTested = (v: Value): Value => (v.k === 'q' && FRAMEWORK_CLASS.test(v.q) ? ({ k: 'class', hops: [] } as unknown as Value) : v);

/** `isinstance(v, C)` for a class of instances (a framework module class, a user class): a class, function or literal is none. */
const instanceTest = (v: Value): boolean | undefined =>
  v.k === 'class' || v.k === 'partial' || v.k === 'func' || v.k === 'const' || v.k === 'dict' || v.k === 'seq' ? false : undefined;

/** What a factory's body does with its argument: tests its type or its value, or looks it up in a registry (by name or in a dict). */
const FACTORY = /\bisinstance\s*\(|\bgetattr\s*\(|\.get\s*\(|\b_?[A-Z][A-Z0-9_]*\s*\[|\bin\s+_?[A-Z][A-Z0-9_]*\b|[=!]=\s*['"]/;

/** Nesting of call-site evaluations on the stack, across models (see ModuleModel.evaluateCall). */
let inlineDepth = 0;

/**
 * The values a dict holds at a literal key: the last entry written with that key, unless an entry
 * of any key (`**other`) comes after it (then also unknown). Null when no entry has the key and
 * none may.
 */
function dictLookup(entries: readonly [PyValue | undefined, VSet][], key: PyValue): VSet | null {
  const want = JSON.stringify(key);
  let found: VSet | null = null;
  let open = false;
  for (const [k, vs] of entries) {
    if (k === undefined) open = true;
    else if (JSON.stringify(k) === want) {
      found = vs;
      open = false;
    }
  }
  if (found) return open ? union(found, [UNKNOWN]) : found;
  return open ? [UNKNOWN] : null;
}

/**
 * The keywords a `**mapping` argument passes, when the code fixes its keys: every value of the
 * mapping is a dict written with literal string keys (`dict(norm_layer=...)`, `{'eps': 1e-6}`,
 * built from such dicts) that the module never changes in place. By key: the values (the last
 * entry of that key in each dict) and whether every dict has it (else the call may leave the
 * parameter to its default). `open`: other keys may be there too (a dict some of whose keys the
 * code fixes: a function's `**kwargs`, `dict(args, **kwargs)` of one). Null when nothing is known
 * of its keys: nothing is said of the call then.
 */
function mappingKeywords(a: BoundArg): { keys: Map<string, { values: VSet; always: boolean }>; open: boolean } | null {
  if (a.star !== '**' || !a.values.length) return null;
  const keys = new Map<string, { values: VSet; always: boolean }>();
  const dicts = a.values;
  for (const d of dicts) if (d.k !== 'dict' || (d.mutated && !d.open) || d.entries.some(([k]) => typeof k !== 'string')) return null;
  let open = false;
  // each dict's last entry of each key (as dictLookup takes it), looked up once per key
  const byKey = dicts.map((d) => entryMap(d));
  for (const d of dicts) {
    if (d.k !== 'dict') continue;
    if (d.open) open = true;
    for (const [k] of d.entries) {
      const key = k as string;
      if (keys.has(key)) continue;
      let values: VSet = EMPTY;
      let always = true;
      for (let i = 0; i < dicts.length; i++) {
        const vs = byKey[i].get(key);
        if (vs) values = union(values, vs);
        // (an open dict's entry may be absent)
        if (!vs || (dicts[i] as { open?: boolean }).open) always = false;
      }
      keys.set(key, { values, always });
    }
  }
  return { keys, open };
}

/** A dict of string keys by key (the last entry of each), made once per dict value. */
function entryMap(d: Value): Map<string, VSet> {
  let m = entryMaps.get(d);
  if (!m) {
    m = new Map();
    if (d.k === 'dict') for (const [k, vs] of d.entries) m.set(k as string, vs);
    entryMaps.set(d, m);
  }
  return m;
}
const entryMaps = new WeakMap<Value, Map<string, VSet>>();

/** `str.<method>(args)` on a literal, as Python computes it; undefined when not evaluated here. */
function strMethod(s: string, method: string, args: readonly (PyValue | undefined)[]): PyValue | undefined {
  const [a, b] = args;
  const chars = (x: PyValue | undefined) => (x === undefined || x === null ? null : typeof x === 'string' ? x : undefined);
  const strip = (from: boolean, to: boolean) => {
    const set = chars(a);
    if (set === undefined || args.length > 1) return undefined;
    const drop = (c: string) => (set === null ? /\s/.test(c) : set.includes(c));
    let i = 0;
    let j = s.length;
    if (from) while (i < j && drop(s[i])) i++;
    if (to) while (j > i && drop(s[j - 1])) j--;
    return s.slice(i, j);
  };
  switch (method) {
    case 'lower':
    case 'casefold':
      return args.length ? undefined : s.toLowerCase();
    case 'upper':
      return args.length ? undefined : s.toUpperCase();
    case 'strip':
      return strip(true, true);
    case 'lstrip':
      return strip(true, false);
    case 'rstrip':
      return strip(false, true);
    case 'replace': {
      if (typeof a !== 'string' || typeof b !== 'string' || a === '' || args.length > 2) return undefined;
      return s.split(a).join(b);
    }
    case 'split':
    case 'rsplit': {
      // without maxsplit both split alike
      if (args.length > 1) return undefined;
      const sep = chars(a);
      if (sep === undefined || sep === '') return undefined;
      return sep === null ? s.split(/\s+/).filter((x) => x !== '') : s.split(sep);
    }
    case 'startswith':
      return typeof a === 'string' && args.length === 1 ? s.startsWith(a) : undefined;
    case 'endswith':
      return typeof a === 'string' && args.length === 1 ? s.endsWith(a) : undefined;
  }
  return undefined;
}

/**
 * A registry looked up by a key that cannot be told gives all its values when it has at most this
 * many (`{'bn': BatchNorm2d, 'ln': LayerNorm}[kind]`: either); a larger one gives "unknown" (one of
 * timm's eighteen norms is no answer).
 */
const MAX_OPEN_LOOKUP = 4;
/**
 * Whether the object a name holds goes where the module may change it unseen: passed to a call
 * (`mutate(kw)`, not `**kw`), bound to another name (`alias = kw`), put in a container or
 * returned. Read from the text around the occurrence at `at` (of `length` characters).
 */
function escapes(text: string, at: number, length: number): boolean {
  let b = at - 1;
  while (b >= 0 && (text[b] === ' ' || text[b] === '\t')) b--;
  let a = at + length;
  while (a < text.length && (text[a] === ' ' || text[a] === '\t')) a++;
  const next = text[a] ?? '\n';
  if (!/[,)\]}\n;#\r]/.test(next)) return false;
  const prev = text[b] ?? '';
  if (prev === '*') return false; // **kw, *args: its entries are copied
  // dict(x, ...): copied too (timm's `dict(model_args, **kwargs)`)
  if (prev === '(' && /(?:^|[^\w.])dict\s*\($/.test(text.slice(Math.max(0, b - 8), b + 1))) return false;
  if (/[([{,:]/.test(prev)) return true;
  if (prev === '=' && !/[=!<>]/.test(text[b - 1] ?? '')) return true;
  return /\b(return|yield)$/.test(text.slice(Math.max(0, b - 6), b + 1));
}

/** After a name: an item assignment (augmented too), a changing dict method, or `|=` (sticky: tested where the name ends). */
const MUTATION = /\s*(?:\[[^\]\n]*\]\s*(?:[-+*/%&|^@]|\/\/|\*\*|<<|>>)?=(?!=)|\.\s*(?:update|setdefault|pop|popitem|clear)\s*\(|\|=)/y;

/** A `from … import *` anywhere (it may bind any name at module level). */
const STAR_IMPORT = /^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+\*/m;

/** String methods evaluated on literal strings (registry keys are normalized with them). */
const STR_METHODS = new Set(['lower', 'upper', 'casefold', 'strip', 'lstrip', 'rstrip', 'replace', 'split', 'rsplit', 'startswith', 'endswith']);

function literalString(raw: string): string | undefined {
  const m = /^([rRbBuU]{0,2})('''|"""|'|")([\s\S]*)\2$/.exec(raw);
  if (!m || /[fF]/.test(m[1])) return undefined;
  const body = m[3];
  if (/[rR]/.test(m[1]) || !body.includes('\\')) return body;
  return body.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' })[c] ?? '\\' + c);
}

export function numberOf(raw: string): number | undefined {
  const t = raw.replace(/_/g, '');
  if (/[jJ]$/.test(t)) return undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[oO][0-7]+$/.test(t)) return parseInt(t.slice(2), 8);
  if (/^0[bB][01]+$/.test(t)) return parseInt(t.slice(2), 2);
  const n = Number(t);
  return Number.isFinite(n) || t === 'inf' ? n : undefined;
}

/** The value of a literal expression (numbers, strings, True/False/None, tuples and lists of them, simple arithmetic). */
export function literalOf(n: SyntaxNode | null, text: string, depth = 0): PyValue | undefined {
  if (!n || depth > 50) return undefined;
  switch (n.name) {
    case 'Number':
      return numberOf(text.slice(n.from, n.to));
    case 'String':
      return literalString(text.slice(n.from, n.to));
    case 'ContinuedString': {
      let s = '';
      for (const c of children(n)) {
        const v = literalOf(c, text, depth + 1);
        if (typeof v !== 'string') return undefined;
        s += v;
      }
      return s;
    }
    case 'Boolean':
      return text.slice(n.from, n.to) === 'True';
    case 'None':
      return null;
    case 'ParenthesizedExpression': {
      const inner = operands(n);
      return inner.length === 1 ? literalOf(inner[0], text, depth + 1) : undefined;
    }
    case 'TupleExpression':
    case 'ArrayExpression': {
      const out: PyValue[] = [];
      for (const c of operands(n)) {
        const v = literalOf(c, text, depth + 1);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'UnaryExpression': {
      const kids = children(n);
      const op = text.slice(kids[0].from, kids[0].to);
      const v = literalOf(kids[kids.length - 1], text, depth + 1);
      if (typeof v !== 'number') return undefined;
      return op === '-' ? -v : op === '+' ? v : undefined;
    }
    case 'BinaryExpression': {
      const kids = children(n);
      if (kids.length !== 3 || kids[1].name !== 'ArithOp') return undefined;
      const a = literalOf(kids[0], text, depth + 1);
      const b = literalOf(kids[2], text, depth + 1);
      if (typeof a !== 'number' || typeof b !== 'number') return undefined;
      return arith(text.slice(kids[1].from, kids[1].to), a, b);
    }
  }
  return undefined;
}

export function arith(op: string, a: number, b: number): number | undefined {
  let r: number;
  switch (op) {
    case '+':
      r = a + b;
      break;
    case '-':
      r = a - b;
      break;
    case '*':
      r = a * b;
      break;
    case '/':
      if (b === 0) return undefined;
      r = a / b;
      break;
    case '//':
      if (b === 0) return undefined;
      r = Math.floor(a / b);
      break;
    case '%':
      if (b === 0) return undefined;
      r = a - b * Math.floor(a / b);
      break;
    case '**':
      r = a ** b;
      break;
    default:
      return undefined;
  }
  return Number.isFinite(r) ? r : undefined;
}

/** Targets and value of an assignment: `a = b = value`, `a, b = x, y`, `x: T = v`. */
export function assignmentParts(n: SyntaxNode): { targets: SyntaxNode[][]; value: SyntaxNode[]; annotated: boolean } {
  const segments: SyntaxNode[][] = [[]];
  let annotated = false;
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c.name === 'AssignOp') segments.push([]);
    else if (c.name === 'TypeDef') annotated = true;
    else if (c.name !== ',' && c.name !== 'Comment') segments[segments.length - 1].push(c);
  }
  if (segments.length === 1) return { targets: [segments[0]], value: [], annotated };
  return { targets: segments.slice(0, -1), value: segments[segments.length - 1], annotated };
}

/** Names a target list binds (`a`, `(a, b)`, `*rest`; not attributes or subscripts). */
export function targetNames(nodes: readonly SyntaxNode[], text: string, out: string[] = []): string[] {
  for (const t of nodes) {
    if (t.name === 'VariableName') out.push(text.slice(t.from, t.to));
    else if (t.name === 'TupleExpression' || t.name === 'ArrayExpression' || t.name === 'ParenthesizedExpression') targetNames(operands(t), text, out);
  }
  return out;
}

/** Names after `for` up to `in` (and those targets), in a for statement or comprehension clause. */
export function forTargets(n: SyntaxNode, text: string): { names: string[]; targets: SyntaxNode[]; iter: SyntaxNode | null }[] {
  const out: { names: string[]; targets: SyntaxNode[]; iter: SyntaxNode | null }[] = [];
  const kids = children(n);
  for (let i = 0; i < kids.length; i++) {
    if (kids[i].name !== 'for') continue;
    const t: SyntaxNode[] = [];
    let j = i + 1;
    for (; j < kids.length && kids[j].name !== 'in'; j++) if (kids[j].name !== ',') t.push(kids[j]);
    out.push({ names: targetNames(t, text), targets: t, iter: kids[j + 1] ?? null });
  }
  return out;
}

/**
 * What each name a loop's targets bind takes from the iterable's elements: the elements for one
 * name, a tuple's items for a tuple of names when every element is that one tuple (as `zip` gives),
 * unknown otherwise (a starred name, an attribute or subscript target keeps nothing known).
 */
function loopBindings(targets: readonly SyntaxNode[], elements: VSet, text: string, depth = 0): [string, VSet][] {
  const names = targetNames(targets, text);
  if (targets.length === 1 && targets[0].name === 'VariableName') return [[names[0], elements]];
  const tuple = (t: SyntaxNode) => t.name === 'TupleExpression' || t.name === 'ParenthesizedExpression' || t.name === 'ArrayExpression';
  const parts = targets.length === 1 && tuple(targets[0]) ? operands(targets[0]) : targets;
  const seq = elements.length === 1 && elements[0].k === 'seq' && !elements[0].many ? elements[0] : undefined;
  if (!seq || seq.items.length !== parts.length || depth > 8 || !parts.every((t) => t.name === 'VariableName' || tuple(t)))
    return names.map((n) => [n, [UNKNOWN]]);
  return parts.flatMap((t, i) => loopBindings([t], seq.items[i], text, depth + 1));
}

const COMPREHENSIONS = new Set(['ArrayComprehensionExpression', 'SetComprehensionExpression', 'DictionaryComprehensionExpression', 'ComprehensionExpression']);

let nextModelId = 0;
/** Slot of every class's bases: a change there may change any attribute or method lookup. */
const BASES = {};

export class ModuleModel {
  /** Distinguishes the scopes of different models in value keys. */
  readonly uid = nextModelId++;
  readonly module: ModuleScope;
  readonly funcs: FuncDef[] = [];
  readonly classes: ClassDef[] = [];
  /** Scope of each def/class/lambda node, by its start offset. */
  private scopeAt = new Map<number, FuncDef | ClassDef>();
  /**
   * Calls, by the end offset of their callee expression: unique per call, where start offsets are
   * not (`F.layer_norm(x).to(dtype)` holds two calls starting at `F`). See siteOf().
   */
  sites = new Map<number, Site>();

  private lineStarts: number[] | null = null;

  /** 0-based line of an offset of this model's text (binary search over line starts, built once). */
  lineOf(offset: number): number {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    return positionIn(this.lineStarts, offset).line;
  }

  /** The call a CallExpression node made, as the model saw it. */
  siteOf(call: SyntaxNode): Site | undefined {
    const callee = call.firstChild;
    return callee ? this.sites.get(callee.to) : undefined;
  }
  /** Names whose local binding hides a module-level name: calls written with them, by offset. */
  readonly shadowed = new Set<number>();
  private nextId = 0;
  private returnSlots = new Map<FuncDef, object>();
  private returnSlot(f: FuncDef): object {
    let o = this.returnSlots.get(f);
    if (!o) {
      this.returnSlots.set(f, (o = {}));
      this.slotOwner?.set(o, f);
    }
    return o;
  }
  /** With a watch: the scope (or module-level name) each return, summary and final slot belongs to. */
  private slotOwner: Map<object, Scope | string> | undefined;
  /** With a watch: the watched statement being evaluated (-1: none). */
  private curLeaf = -1;
  /** The watched unit of the range holding an offset, or -1. */
  private leafAt(at: number): number {
    const w = this.watch!;
    const r = w.ranges;
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid][0] <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && at < r[lo - 1][1] ? (w.unit?.[lo - 1] ?? lo - 1) : -1;
  }
  /** With a watch: the watched statement being evaluated changes `slot`; it is foreign unless the slot is its own. */
  private changes(slot: object): void {
    const w = this.watch;
    if (!w || this.curLeaf < 0 || slot === BASES) return;
    const o = (slot as Partial<Scope>).kind === 'func' || (slot as Partial<Scope>).kind === 'class' ? (slot as Scope) : this.slotOwner!.get(slot);
    const at = o === undefined ? -1 : typeof o === 'string' ? (w.names.get(o) ?? -1) : o.kind === 'module' ? -1 : this.leafAt(o.node.from);
    if (at !== this.curLeaf) w.foreign[this.curLeaf] = true;
  }
  passes = 0;

  constructor(
    readonly text: string,
    readonly tree: Tree,
    readonly host?: ImportHost,
    /** Dotted name of this module (for relative imports), e.g. 'timm.layers.norm'; and whether it is a package's __init__. */
    readonly moduleName = '',
    readonly isPackage = false,
    /** Path shown for classes defined here. */
    readonly path?: string,
    /**
     * The top-level statements to analyze (direct children of the tree's top node, in text
     * order), when not all of them: one block of the module whose names no other block shares
     * (./blocks.ts), analyzed alone with the same result for its calls as the whole module gives.
     */
    readonly items?: readonly SyntaxNode[],
    /** With `items`: statements starting at or after this offset are defined but never run (the module body ended before them). */
    readonly execEnd?: number,
    /**
     * Called once scopes are collected, before evaluation: binds what calls in OTHER modules pass
     * to this module's functions and classes (see seed(); the project-level fixed point of
     * ./project.ts).
     */
    seeds?: (model: ModuleModel) => void,
    /** firstOwnCall() of the whole module when the caller knows it already (PythonModule reads it from its statements' cached facts). */
    ownCallAt?: number,
    /** Statements whose effects outside themselves are recorded (see LeafWatch). */
    private readonly watch?: LeafWatch,
  ) {
    this.ownCallAt = ownCallAt;
    if (watch) this.slotOwner = new Map();
    this.module = { kind: 'module', id: this.nextId++, owner: this, parent: null, locals: new Set(), summary: new Map() };
    if (items) {
      this.nesting++;
      for (const c of items) this.collectNode(c, this.module);
      this.nesting--;
    } else this.collect(tree.topNode, this.module);
    seeds?.(this);
    this.run();
  }

  /** The module-level statements this model runs (its block's, or the whole module's), compound ones opened. */
  topStatements(): SyntaxNode[] {
    if (this.tops) return this.tops;
    const out: SyntaxNode[] = (this.tops = []);
    // (the whole module's end as its blocks get it, ./blocks.ts: after the first statement that ends the body)
    let end = this.execEnd;
    if (!this.items)
      for (let c = this.tree.topNode.firstChild; c && end === undefined; c = c.nextSibling)
        if (c.name !== ':' && c.name !== 'Comment' && c.name !== '⚠' && c.name !== 'ImportStatement' && ends(c)) end = c.to;
    for (const c of this.items ?? children(this.tree.topNode)) {
      if (c.name === ':' || c.name === 'Comment' || c.name === '⚠') continue;
      if (end !== undefined && c.from >= end) break;
      if (c.name === 'StatementGroup') out.push(...statements(c));
      else out.push(c);
    }
    return out;
  }

  private tops: SyntaxNode[] | null = null;

  // ---- calls between modules -----------------------------------------------------------------

  /**
   * Calls of this module into functions and classes of other modules, with the values they pass
   * (last evaluation of each call), keyed by call offset and callee: what the project-level
   * fixed point binds into the callee module's parameters.
   */
  readonly outgoing = new Map<string, { target: FuncDef | ClassDef; args: BoundArg[]; bound: boolean; at: number }>();

  /** The function, lambda or class whose definition starts at `offset`. */
  scopeAtOffset(offset: number): FuncDef | ClassDef | undefined {
    return this.scopeAt.get(offset);
  }

  /**
   * Values another module's call passes to a function or class of this module (before run():
   * only from the constructor's `seeds` hook). `from` names the caller's file and line; hops
   * say "passed as `norm_layer` from vision_transformer.py:123".
   */
  seed(target: FuncDef | ClassDef, args: BoundArg[], bound: boolean, from: string): void {
    if (target.owner !== this) return;
    if (target.kind === 'class') {
      const init = this.findMethod(target, '__init__');
      if (init) this.bind(init, args, true, from);
      else this.bindFields(target, args, from);
    } else this.bind(target, args, bound, from);
  }

  // ---- collection: scopes, locals, parameters ----------------------------------------------

  private t(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  /** Nesting depth of collect(): past MAX_NESTING (CPython's parser refuses at 200 brackets) the rest is skipped. */
  private nesting = 0;

  private collect(n: SyntaxNode, scope: Scope): void {
    if (this.nesting > MAX_NESTING) return;
    this.nesting++;
    for (let c = n.firstChild; c; c = c.nextSibling) this.collectNode(c, scope);
    this.nesting--;
  }

  private collectNode(c: SyntaxNode, scope: Scope): void {
    switch (c.name) {
      case 'FunctionDefinition':
        this.defineFunction(c, scope, []);
        return;
      case 'ClassDefinition':
        this.defineClass(c, scope, []);
        return;
      case 'DecoratedStatement': {
        const decorators = children(c)
          .filter((d) => d.name === 'Decorator')
          .map((d) => this.t(d).replace(/^@\s*/, '').replace(/\(.*$/s, '').trim());
        const def = children(c).find((d) => d.name === 'FunctionDefinition' || d.name === 'ClassDefinition');
        for (const d of children(c)) if (d.name === 'Decorator') this.collect(d, scope);
        if (def?.name === 'FunctionDefinition') this.defineFunction(def, scope, decorators);
        else if (def) this.defineClass(def, scope, decorators);
        return;
      }
      case 'LambdaExpression': {
        const f = this.newFunc(
          c,
          scope,
          '<lambda>',
          child(c, 'ParamList'),
          operands(c)
            .filter((x) => x.name !== 'ParamList')
            .pop() ?? null,
          true,
          [],
        );
        if (f.body) this.collectNode(f.body, f);
        return;
      }
      case 'AssignStatement': {
        const parts = assignmentParts(c);
        for (const tg of parts.targets) for (const name of targetNames(tg, this.text)) scope.locals.add(name);
        if (scope.kind === 'class' && parts.annotated) {
          const first = parts.targets[0][0];
          if (first?.name === 'VariableName' && !/ClassVar/.test(this.t(c))) scope.fields.push(this.t(first));
        }
        break;
      }
      case 'UpdateStatement': {
        const first = c.firstChild;
        if (first?.name === 'VariableName') scope.locals.add(this.t(first));
        break;
      }
      case 'ForStatement':
        for (const f of forTargets(c, this.text)) for (const name of f.names) scope.locals.add(name);
        break;
      case 'ImportStatement':
        for (const b of this.importBindings(c)) if (b.local !== '*') scope.locals.add(b.local);
        return;
      case 'WithStatement':
      case 'TryStatement': {
        const kids = children(c);
        for (let i = 0; i < kids.length - 1; i++) if (kids[i].name === 'as' && kids[i + 1].name === 'VariableName') scope.locals.add(this.t(kids[i + 1]));
        break;
      }
      case 'ScopeStatement':
        // global / nonlocal: the names are not local here (removed once the whole body is seen)
        for (const v of children(c)) if (v.name === 'VariableName') (scope.nonlocals ??= new Set()).add(this.t(v));
        return;
    }
    if (c.name === 'NamedExpression') {
      // `(n := f())` binds n in the enclosing function or module, comprehensions included
      const target = c.firstChild;
      if (target?.name === 'VariableName') scope.locals.add(this.t(target));
    }
    if (COMPREHENSIONS.has(c.name)) {
      // comprehension variables live in their own scope; nothing to collect for the enclosing one
      this.collect(c, scope);
      return;
    }
    this.collect(c, scope);
  }

  private newFunc(
    node: SyntaxNode,
    scope: Scope,
    name: string,
    plist: SyntaxNode | null,
    body: SyntaxNode | null,
    isLambda: boolean,
    decorators: string[],
  ): FuncDef {
    const params: ParamDef[] = paramList(plist, this.text).map((p: ArgNode) => ({
      name: p.name!,
      star: p.star,
      keywordOnly: !!p.keywordOnly,
      node: p.nameNode!,
      defaultNode: p.value,
      defaults: EMPTY,
      passed: EMPTY,
    }));
    const f: FuncDef = {
      kind: 'func',
      id: this.nextId++,
      owner: this,
      parent: scope,
      locals: new Set(params.map((p) => p.name)),
      summary: new Map(),
      name,
      node,
      params,
      body,
      isLambda,
      decorators,
      returns: EMPTY,
    };
    if (scope.kind === 'class' && !isLambda) f.cls = scope;
    this.funcs.push(f);
    this.scopeAt.set(node.from, f);
    return f;
  }

  private defineFunction(c: SyntaxNode, scope: Scope, decorators: string[]): void {
    const nameNode = child(c, 'VariableName');
    const name = nameNode ? this.t(nameNode) : '<def>';
    scope.locals.add(name);
    // defaults and decorators belong to the enclosing scope
    const plist = child(c, 'ParamList');
    if (plist) for (const p of paramList(plist, this.text)) if (p.value) this.collectNode(p.value, scope);
    const f = this.newFunc(c, scope, name, plist, child(c, 'Body'), false, decorators);
    if (scope.kind === 'class') scope.methods.set(name, f);
    if (f.body) this.collect(f.body, f);
    for (const n of f.nonlocals ?? []) f.locals.delete(n);
  }

  private defineClass(c: SyntaxNode, scope: Scope, decorators: string[]): void {
    const nameNode = child(c, 'VariableName');
    const name = nameNode ? this.t(nameNode) : '<class>';
    scope.locals.add(name);
    const args = argList(child(c, 'ArgList'), this.text);
    const cls: ClassDef = {
      kind: 'class',
      id: this.nextId++,
      owner: this,
      parent: scope,
      locals: new Set(),
      summary: new Map(),
      name,
      node: c,
      baseNodes: args.filter((a) => !a.name && !a.star && a.value).map((a) => a.value!),
      bases: EMPTY,
      body: child(c, 'Body'),
      methods: new Map(),
      attrs: new Map(),
      fields: [],
      fieldPassed: new Map(),
      decorators,
      subclasses: [],
    };
    for (const b of cls.baseNodes) this.collectNode(b, scope);
    this.classes.push(cls);
    this.scopeAt.set(c.from, cls);
    if (cls.body) this.collect(cls.body, cls);
  }

  /** (local name, dotted target) of an import statement; relative modules resolved against this module. */
  importBindings(n: SyntaxNode): { local: string; target: string }[] {
    const kids = children(n);
    const out: { local: string; target: string }[] = [];
    if (kids[0]?.name === 'from') {
      let i = 1;
      let dots = 0;
      let mod = '';
      for (; i < kids.length && kids[i].name !== 'import'; i++) {
        const t = this.t(kids[i]);
        // leading dots make the import relative; dots between names only join them
        if (kids[i].name === 'VariableName') mod += (mod ? '.' : '') + t;
        else if (!mod && /^\.+$/.test(t)) dots += t.length;
      }
      const base = dots > 0 ? this.relative(dots, mod) : mod;
      i++;
      for (; i < kids.length; i++) {
        const k = kids[i];
        if (k.name === '*' || this.t(k) === '*') out.push({ local: '*', target: base });
        if (k.name !== 'VariableName') continue;
        const name = this.t(k);
        let local = name;
        if (kids[i + 1]?.name === 'as' && kids[i + 2]?.name === 'VariableName') {
          local = this.t(kids[i + 2]);
          i += 2;
        }
        out.push({ local, target: base ? base + '.' + name : name });
      }
      return out;
    }
    // import a.b.c [as x], d
    let parts: string[] = [];
    for (let i = 1; i < kids.length; i++) {
      const k = kids[i];
      if (k.name === 'VariableName') parts.push(this.t(k));
      else if (k.name === 'as') {
        const alias = kids[i + 1];
        if (alias?.name === 'VariableName') out.push({ local: this.t(alias), target: parts.join('.') });
        parts = [];
        i++;
      } else if (k.name === ',') {
        if (parts.length) out.push({ local: parts[0], target: parts[0] });
        parts = [];
      }
    }
    if (parts.length) out.push({ local: parts[0], target: parts[0] });
    return out;
  }

  private relative(dots: number, mod: string): string {
    const pkg = this.moduleName.split('.').filter(Boolean);
    if (!this.isPackage) pkg.pop();
    for (let d = 1; d < dots; d++) pkg.pop();
    const base = pkg.join('.');
    return '.' + (base ? base + (mod ? '.' + mod : '') : mod);
  }

  // ---- evaluation ----------------------------------------------------------------------------

  /**
   * The unit being evaluated: the module body (with class bodies) or one function. Each slot that
   * a unit reads from outside itself (an enclosing scope's names, a class's attributes, a
   * function's returns, its own parameters) remembers the unit, and a slot that grows puts its
   * readers back on the worklist: after the first round only what changed is evaluated again.
   */
  private unit!: Scope;
  private dirty = new Set<Scope>();
  private readers = new Map<object, Set<Scope>>();
  private unitSites = new Map<Scope, Map<number, Site>>();
  private unitShadowed = new Map<Scope, number[]>();
  private unitMemberSets = new Map<Scope, MemberSet[]>();
  /** Every `X.holder.attr = ...` on an instance of a user class, once the model is built (see MemberSet). */
  memberSets: MemberSet[] = [];

  /**
   * Framework attributes this module replaces (`nn.BatchNorm2d = ...`), by qualified name: what it
   * assigns (a slot), where the module body first does (moduleAt), and whether a function does.
   */
  private readonly patches = new Map<string, { vs: VSet; moduleAt?: number; inFunction?: boolean }>();

  /** `X.attr = values` on a framework module or class (`nn.BatchNorm2d = partial(nn.GroupNorm, 2)`, `torch.nn.BatchNorm2d = FrozenBN`). */
  private patch(base: VSet, attr: string, values: VSet, written: string, at: number, env: Env): void {
    for (const b of base.some((v) => v.k === 'ext') ? this.deref(base) : base) {
      if (b.k !== 'q') continue;
      const q = `${b.q}.${attr}`;
      let slot = this.patches.get(q);
      if (!slot) this.patches.set(q, (slot = { vs: EMPTY }));
      if (this.watch && this.curLeaf >= 0) this.watch.foreign[this.curLeaf] = true;
      if (env.scope === this.module && !env.parent) slot.moduleAt = Math.min(slot.moduleAt ?? Infinity, at);
      else slot.inFunction = true;
      slot.vs = this.grow(slot.vs, withHop(values, { via: 'alias', name: written, at }), slot);
    }
  }

  private read(slot: object): void {
    // (a call of another file's function evaluated here: that model's fixed point is done)
    if (this.foreignPure) return;
    let r = this.readers.get(slot);
    if (!r) this.readers.set(slot, (r = new Set()));
    r.add(this.unit);
  }

  private touched(slot: object): void {
    this.changes(slot);
    // (a reader still to run in this round reads the grown slot then: it need not run again)
    if (slot === BASES) {
      // a class's bases changed: any lookup may change (every unit is queued once the unit ends:
      // a module defines many classes)
      this.basesTouched = true;
      return;
    }
    const r = this.readers.get(slot);
    if (r) for (const u of r) if (!this.pending.has(u)) this.dirty.add(u);
  }
  /** Units of the current round not yet evaluated in it. */
  private pending = new Set<Scope>();
  private basesTouched = false;

  private run(): void {
    this.dirty = new Set<Scope>([this.module, ...this.funcs]);
    for (let round = 0; round < MAX_ROUNDS && this.dirty.size; round++) {
      this.passes = round + 1;
      const work = this.dirty;
      this.dirty = new Set();
      this.pending = new Set(work);
      if (work.has(this.module)) {
        this.pending.delete(this.module);
        this.watch?.schedule.push(round, -1, -1);
        this.execUnit(this.module);
      }
      for (const f of this.funcs)
        if (work.has(f)) {
          this.pending.delete(f);
          if (this.watch) {
            this.curLeaf = this.leafAt(f.node.from);
            this.watch.schedule.push(round, f.node.from, this.curLeaf);
          }
          this.execUnit(f);
          this.curLeaf = -1;
        }
    }
    if (this.watch) {
      this.watch.converged = this.dirty.size === 0;
      // a watched statement that changes a name it reads in place (`REG[k] = v`, `f(REG)`) changes what the
      // statements binding it read: changedInPlace looks at every statement of the block
      // (a name nothing binds at module level, nor a star import may, holds no other statement's object;
      // nor does a framework's module or class, which no item assignment or dict method changes (an
      // attribute set on one is a patch, seen where it is evaluated), nor a number, string, bool or
      // None, which nothing changes in place (`eps=eps` passes one on))
      const w = this.watch;
      const star = STAR_IMPORT.test(this.text);
      const unchangeable = (name: string) => {
        const vs = this.final.get(name);
        return (
          !!vs &&
          vs.length > 0 &&
          !this.globalWrites.has(name) &&
          vs.every((v) => v.k === 'q' || (v.k === 'const' && (v.v === null || typeof v.v !== 'object')))
        );
      };
      const shared = (name: string) => (star || this.module.locals.has(name)) && !unchangeable(name);
      w.ranges.forEach(([from, to], k) => {
        const u = w.unit?.[k] ?? k;
        for (const name of w.reads[u])
          if (!w.foreign[u] && w.names.get(name) !== u && shared(name) && this.changesIn(name, null, from, to)) w.foreign[u] = true;
      });
    }
    this.pending.clear();
    this.sites = new Map();
    for (const m of this.unitSites.values()) for (const [k, v] of m) this.sites.set(k, v);
    this.shadowed.clear();
    for (const list of this.unitShadowed.values()) for (const o of list) this.shadowed.add(o);
    this.memberSets = [...this.unitMemberSets.values()].flat();
  }

  /** Units evaluated in all (the cost of the analysis, for the bench). */
  executions = 0;

  private execUnit(u: Scope): void {
    this.executions++;
    this.unit = u;
    this.unitSites.set(u, new Map());
    this.unitShadowed.set(u, []);
    this.unitMemberSets.set(u, []);
    if (u === this.module) {
      const env: Env = { scope: this.module, vars: new Map(), extra: null, terminated: false, parent: null };
      this.execBlock(this.topStatements(), env);
      for (const [name, vs] of env.vars) {
        const old = this.final.get(name);
        if (old && sameSet(old, vs)) continue;
        this.final.set(name, old ? union(old, vs) : vs);
        if (old) this.touched(this.finalSlot(name));
      }
    } else if (u.kind === 'func') this.execFunction(u);
    if (this.basesTouched) {
      this.basesTouched = false;
      for (const x of [this.module, ...this.funcs]) if (!this.pending.has(x)) this.dirty.add(x);
    }
  }

  private execFunction(f: FuncDef): void {
    this.read(f); // its parameters' values
    const vars = new Map<string, VSet>();
    const isStatic = f.decorators.includes('staticmethod');
    const isClassMethod = f.decorators.includes('classmethod');
    f.params.forEach((p, i) => {
      let vs: VSet;
      if (i === 0 && f.cls && !isStatic && p.star === '') vs = isClassMethod ? [{ k: 'class', cls: f.cls, hops: [] }] : [{ k: 'inst', cls: f.cls, hops: [] }];
      // (a `**kwargs` some call here passes keywords into: the open dict of them, see passExtra)
      else if (p.star === '**' && p.passed.length) vs = p.passed;
      else if (p.star) vs = [UNKNOWN];
      else {
        // values entering through the parameter are marked, and the parameter itself stands for what callers elsewhere pass
        const tag = `${f.owner.uid}:${f.id}:${p.name}`;
        // (what the calls pass first when every call seen passes it: the default is then only for callers elsewhere;
        // and what this file's calls pass before what other files' do, which are bound first. The call that brought
        // a value here decides: one another file passed to a caller here, which hands it on, is this file's call's)
        const elsewhere = (v: Value) => {
          for (let i = v.hops.length - 1; i >= 0; i--) if (v.hops[i].via === 'call') return !!v.hops[i].from;
          return false;
        };
        const passed = p.passed.some(elsewhere) ? [...p.passed.filter((v) => !elsewhere(v)), ...p.passed.filter(elsewhere)] : p.passed;
        const known = passed.length && !p.defaultUsed ? union(passed, p.defaults) : union(p.defaults, passed);
        vs = union(withHop(known, { via: 'param', name: tag, at: p.node.from }), [{ k: 'param', name: tag, hops: [] }]);
      }
      vars.set(p.name, vs);
      this.record(f, p.name, vs);
    });
    const env: Env = { scope: f, vars, extra: null, terminated: false, parent: null };
    if (f.isLambda) {
      if (f.body) f.returns = this.grow(f.returns, this.evalExpr(f.body, env, 0), this.returnSlot(f));
    } else this.execBlock(statements(f.body), env);
  }

  /** Union into a slot; when it grows, the units that read `slot` are evaluated again. */
  private grow(old: VSet, add: VSet, slot: object): VSet {
    // evaluating a call at its site changes no slot: what it finds is that call's alone
    if (this.pure) return old;
    const u = union(old, add);
    if (u !== old && !sameSet(u, old)) this.touched(slot);
    return u;
  }

  /** A scope's summary slot of one name (what units read through enclosing scopes). */
  private summarySlot(scope: Scope, name: string): object {
    let m = this.summarySlots.get(scope);
    if (!m) this.summarySlots.set(scope, (m = new Map()));
    let o = m.get(name);
    if (!o) {
      m.set(name, (o = {}));
      this.slotOwner?.set(o, scope.kind === 'module' ? name : scope);
    }
    return o;
  }
  private summarySlots = new Map<Scope, Map<string, object>>();

  /** Each module-level name's value when the module body has run (what functions called later see). */
  private final = new Map<string, VSet>();
  private finalSlots = new Map<string, object>();
  private finalSlot(name: string): object {
    let o = this.finalSlots.get(name);
    if (!o) {
      this.finalSlots.set(name, (o = {}));
      this.slotOwner?.set(o, name);
    }
    return o;
  }
  /** Where the module body last binds each name. */
  private lastModuleBind = new Map<string, number>();
  private ownCallAt: number | undefined;
  /**
   * Where the module body (the whole module's, whatever block this model analyzes: a block's
   * results must not depend on the others) first calls a name it binds itself at top level
   * (`x = make(8)`, `m = Net()`): read from the syntax, so that it is the same for every block.
   */
  private firstOwnCall(): number {
    if (this.ownCallAt !== undefined) return this.ownCallAt;
    const facts = statements(this.tree.topNode).map((st) => ({ from: st.from, ...ownCallFacts(st, this.text) }));
    const own = new Set(facts.flatMap((f) => f.own));
    return (this.ownCallAt = facts.find((f) => f.roots.some((r) => own.has(r)))?.from ?? Infinity);
  }

  /**
   * Whether a function reading module-level `name` sees only its final value: no function sets it
   * (`global name`), and the module body calls none of its own functions or classes before it
   * last binds the name (such a call may run the function while an earlier binding holds).
   */
  private finalReadable(name: string): boolean {
    if (!this.final.has(name)) return false;
    return (this.lastModuleBind.get(name) ?? Infinity) < this.firstOwnCall();
  }
  /** Values functions assign to a module-level name (`global BatchNorm2d; BatchNorm2d = nn.SyncBatchNorm`): a function may see them instead of the final value. */
  private globalWrites = new Map<string, VSet>();
  /** Whether some function assigns a module-level name through `global` (scopes are fixed once collected: asked once per name). */
  private writtenByGlobal(name: string): boolean {
    let w = this.globalNames.get(name);
    if (w === undefined) this.globalNames.set(name, (w = this.funcs.some((f) => f.nonlocals?.has(name) && this.bindingScope(f, name) === this.module)));
    return w;
  }
  private globalNames = new Map<string, boolean>();

  private record(scope: Scope, name: string, vs: VSet): void {
    scope.summary.set(name, this.grow(scope.summary.get(name) ?? EMPTY, vs, this.summarySlot(scope, name)));
  }

  private changedNames = new Map<string, boolean>();

  /**
   * Whether the code changes a dict bound to `name` in `scope` in place (`name[k] = v`, `del
   * name[k]`, `name.update(...)`, `.setdefault`, `.pop`, `.clear`, `name |= ...`). A function's
   * local is looked for in that function; a module-level name in the statements analyzed, outside
   * the functions where the name is a local of their own (so that a block, ./blocks.ts, and the
   * whole module answer alike: every statement that reads the module's name shares its block).
   * More is safe: such a dict only says less.
   */
  private changedInPlace(name: string, scope: Scope): boolean {
    const key = `${scope.id}:${name}`;
    let r = this.changedNames.get(key);
    if (r !== undefined) return r;
    r = false;
    const text = this.text;
    const fn = scope.kind === 'func' ? scope : null;
    const ranges: [number, number][] = fn ? [[fn.node.from, fn.node.to]] : this.items ? this.items.map((it) => [it.from, it.to]) : [[0, text.length]];
    for (const [from, to] of ranges) if ((r = this.changesIn(name, fn, from, to))) break;
    this.changedNames.set(key, r);
    return r;
  }

  /** Whether the text in [from, to) changes `name` in place (see changedInPlace), `fn` the function it is local to (null: the module). */
  private changesIn(name: string, fn: FuncDef | null, from: number, to: number): boolean {
    const text = this.text;
    const ident = /[\p{L}\p{N}_]/u;
    // (at module level: an occurrence inside a function that binds the name itself is another variable)
    const ownLocal = (at: number) => !fn && this.funcs.some((f) => f.node.from <= at && at < f.node.to && f.locals.has(name) && !f.nonlocals?.has(name));
    // (searched within the range: an indexOf in the whole text runs on to the next use of the name,
    // which for a block of many statements was a walk of the file per statement)
    const seg = text.slice(from, Math.min(text.length, to + name.length - 1));
    for (let i = seg.indexOf(name); i >= 0 && i < to - from; i = seg.indexOf(name, i + 1)) {
      const at = from + i;
      const before = text[at - 1] ?? '';
      const after = text[at + name.length] ?? '';
      if (ident.test(before) || before === '.' || ident.test(after)) continue;
      MUTATION.lastIndex = at + name.length;
      if ((MUTATION.test(text) || /\bdel\s+$/.test(text.slice(Math.max(0, at - 8), at)) || escapes(text, at, name.length)) && !ownLocal(at)) return true;
    }
    return false;
  }

  /** The scope a name assigned in `scope` lives in (`global`/`nonlocal` names: the enclosing one that binds it, else the module). */
  private bindingScope(scope: Scope, name: string): Scope {
    if (!scope.nonlocals?.has(name)) return scope;
    let s: Scope | null = scope.parent;
    while (s && !(s.locals.has(name) && s.kind !== 'class')) s = s.parent;
    return s ?? this.module;
  }

  private assign(env: Env, name: string, vs: VSet, at: number): void {
    // a registry or keyword dict the code changes later says nothing certain about its keys
    if (vs.some((v) => v.k === 'dict' && !v.mutated) && this.changedInPlace(name, this.bindingScope(env.scope, name)))
      vs = vs.map((v) => (v.k === 'dict' ? { ...v, mutated: true } : v));
    const scope = env.scope;
    const nonlocals = scope.nonlocals;
    let hopped: VSet;
    if (scope.kind === 'func' && scope.params.some((p) => p.name === name)) hopped = withHop(vs, { via: 'parameter-default', name, at });
    else hopped = withHop(vs, { via: 'alias', name, at });
    if (nonlocals?.has(name)) {
      // global x / nonlocal x: the value lands in the module (or enclosing) summary
      let s: Scope | null = scope.parent;
      while (s && !(s.locals.has(name) && s.kind !== 'class')) s = s.parent;
      this.record(s ?? this.module, name, hopped);
      // (and apart: what functions set a module name to, beside its final module-level value)
      if ((s ?? this.module) === this.module) this.globalWrites.set(name, this.grow(this.globalWrites.get(name) ?? EMPTY, hopped, this.finalSlot(name)));
      return;
    }
    env.vars.set(name, hopped);
    this.record(scope, name, hopped);
    if (scope === this.module) this.lastModuleBind.set(name, Math.max(this.lastModuleBind.get(name) ?? -1, at));
  }

  private lookup(name: string, env: Env): VSet {
    if (env.extra?.has(name)) return env.extra.get(name)!;
    const scope = env.scope;
    if (scope.locals.has(name)) {
      const here = env.vars.get(name);
      if (here) return here;
      // not bound on this path yet (a loop, a later branch): everything the scope gives it
      this.read(this.summarySlot(scope, name));
      return scope.summary.get(name) ?? EMPTY;
    }
    // enclosing scopes (class bodies are skipped by functions, as in Python)
    let inFunction = scope.kind === 'func';
    for (let s: Scope | null = scope.parent; s; s = s.parent) {
      if (s.kind === 'class') continue;
      if (s.locals.has(name)) {
        // a function runs once the module body has: it sees the module's last binding of the
        // name (an import rebound below it), unless the body may call it before that binding
        if (s === this.module && inFunction && this.finalReadable(name)) {
          this.read(this.finalSlot(name));
          const final = this.final.get(name);
          // (a function that sets it with `global` may have run first)
          const written = this.writtenByGlobal(name);
          if (final) return written ? union(final, this.globalWrites.get(name) ?? EMPTY) : final;
        }
        this.read(this.summarySlot(s, name));
        return s.summary.get(name) ?? EMPTY;
      }
      if (s.kind === 'func') inFunction = true;
    }
    if (name === 'super') return [{ k: 'q', q: 'builtins.super', hops: [] }];
    if (BUILTINS_SPECIAL.has(name)) return [{ k: 'q', q: 'builtins.' + name, hops: [] }];
    return [UNKNOWN];
  }

  /** True when a name read in `scope` is bound by a function-level parameter, local or comprehension variable. */
  private locallyBound(name: string, env: Env): boolean {
    if (env.extra?.has(name)) return true;
    for (let s: Scope | null = env.scope; s && s.kind !== 'module'; s = s.parent) {
      if (s.kind === 'class') continue;
      if (s.locals.has(name)) {
        // an import inside the function is not a shadow of the module's meaning
        const vs = env.scope === s ? (env.vars.get(name) ?? s.summary.get(name)) : s.summary.get(name);
        return !(vs && vs.length > 0 && vs.every((v) => (v.k === 'q' || v.k === 'ext') && v.hops.length === 0));
      }
    }
    return false;
  }

  private copyEnv(env: Env): Env {
    return { ...env, vars: new Map(env.vars) };
  }

  /**
   * Join branch environments into `env`. `first`: the branch the code's own values take (see
   * defaultTruth): its values come first in each set, so a name's first value is the one the
   * defaults give.
   */
  private join(env: Env, branches: Env[], first?: Env): void {
    const live = branches.filter((b) => !b.terminated);
    if (live.length === 0) {
      env.terminated = true;
      return;
    }
    const names = new Set<string>();
    for (const b of live) for (const k of b.vars.keys()) names.add(k);
    const ordered = first && live.includes(first) ? [first, ...live.filter((b) => b !== first)] : live;
    for (const k of names) {
      let vs: VSet = EMPTY;
      let missing = false;
      for (const b of ordered) {
        const v = b.vars.get(k);
        if (v === undefined) missing = true;
        else vs = union(vs, v);
      }
      if (missing) vs = union(vs, env.scope.summary.get(k) ?? EMPTY);
      env.vars.set(k, vs);
    }
  }

  private blockDepth = 0;

  private execBlock(stmts: readonly SyntaxNode[], env: Env): void {
    if (this.blockDepth > MAX_NESTING) return;
    this.blockDepth++;
    // (the module body's own statements: which watched one runs)
    const top = !!this.watch && this.blockDepth === 1 && env.scope === this.module && !env.parent;
    for (const s of stmts) {
      if (env.terminated) break;
      if (top) this.curLeaf = this.leafAt(s.from);
      this.exec(s, env);
    }
    if (top) this.curLeaf = -1;
    this.blockDepth--;
  }

  private exec(s: SyntaxNode, env: Env): void {
    switch (s.name) {
      case 'ExpressionStatement':
        for (const e of operands(s)) this.evalExpr(e, env, 0);
        return;
      case 'AssignStatement':
        this.execAssign(s, env);
        return;
      case 'UpdateStatement': {
        const ops = operands(s);
        for (const e of ops.slice(1)) this.evalExpr(e, env, 0);
        if (ops[0]?.name === 'VariableName') this.assign(env, this.t(ops[0]), [UNKNOWN], s.from);
        return;
      }
      case 'IfStatement':
        this.execIf(s, env);
        return;
      case 'ForStatement':
      case 'WhileStatement':
        this.execLoop(s, env);
        return;
      case 'TryStatement':
        this.execTry(s, env);
        return;
      case 'WithStatement': {
        const kids = children(s);
        for (let i = 0; i < kids.length; i++) {
          const k = kids[i];
          if (k.name === 'Body') this.execBlock(statements(k), env);
          else if (k.name === 'as' && kids[i + 1]?.name === 'VariableName') {
            this.assign(env, this.t(kids[i + 1]), [UNKNOWN], s.from);
            i++;
          } else if (k.name !== 'with' && k.name !== ',' && k.name !== 'async') this.evalExpr(k, env, 0);
        }
        return;
      }
      case 'ReturnStatement': {
        const ops = operands(s);
        let vs: VSet = EMPTY;
        if (ops.length === 1) vs = this.evalExpr(ops[0], env, 0);
        else if (ops.length > 1) vs = [{ k: 'seq', items: ops.map((o) => this.evalExpr(o, env, 0)), at: s.from, hops: [] }];
        const f = env.scope;
        if (env.ret) env.ret.vs = union(env.ret.vs, vs);
        else if (f.kind === 'func') f.returns = this.grow(f.returns, vs, this.returnSlot(f));
        env.terminated = true;
        return;
      }
      case 'RaiseStatement':
        for (const e of operands(s)) this.evalExpr(e, env, 0);
        env.terminated = true;
        return;
      case 'FunctionDefinition':
      case 'ClassDefinition':
        this.execDef(s, env);
        return;
      case 'DecoratedStatement': {
        for (const d of children(s)) if (d.name === 'Decorator') this.evalDecorator(d, env);
        const def = children(s).find((d) => d.name === 'FunctionDefinition' || d.name === 'ClassDefinition');
        if (def) this.execDef(def, env);
        return;
      }
      case 'ImportStatement':
        this.execImport(s, env);
        return;
      case 'PassStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'ScopeStatement':
      case 'Comment':
        return;
      default:
        // assert, del, print, match ...: evaluate what they contain so their calls are seen
        for (const c of children(s)) {
          if (c.name === 'Body') this.execBlock(statements(c), this.copyEnv(env));
          else if (!/^[a-z]+$/.test(c.name) && c.name !== '⚠') this.evalExpr(c, env, 0);
        }
    }
  }

  private evalDecorator(d: SyntaxNode, env: Env): void {
    const kids = operands(d);
    // `@a.b(...)` is written without a CallExpression node: evaluate argument lists found inside
    for (const k of kids) if (k.name === 'ArgList') for (const a of argList(k, this.text)) if (a.value) this.evalExpr(a.value, env, 0);
  }

  private execDef(s: SyntaxNode, env: Env): void {
    const def = this.scopeAt.get(s.from);
    const nameNode = child(s, 'VariableName');
    if (!def || !nameNode) return;
    if (def.kind === 'func') {
      for (const p of def.params)
        if (p.defaultNode)
          p.defaults = this.grow(
            p.defaults,
            withHop(this.evalExpr(p.defaultNode, env, 0), { via: 'parameter-default', name: p.name, at: p.defaultNode.from }),
            def,
          );
      this.setName(env, this.t(nameNode), [{ k: 'func', fn: def, hops: [] }], s.from);
      return;
    }
    def.bases = this.grow(def.bases, this.deref(def.baseNodes.flatMap((b) => this.evalExpr(b, env, 0))), BASES);
    // only this module's own classes: another module's class (PreTrainedModel, read by thousands of files) must not collect them
    for (const b of def.bases)
      if (b.k === 'class' && b.cls.owner === this && !b.cls.subclasses.includes(def)) {
        b.cls.subclasses.push(def);
        this.changes(b.cls);
      }
    this.setName(env, this.t(nameNode), [{ k: 'class', cls: def, hops: [] }], s.from);
    // the class body runs now, in its own scope
    const cenv: Env = { scope: def, vars: new Map(), extra: null, terminated: false, parent: env };
    this.execBlock(statements(def.body), cenv);
  }

  /** Bind a name without a hop (def, class, import). */
  private setName(env: Env, name: string, vs: VSet, at?: number): void {
    env.vars.set(name, vs);
    this.record(env.scope, name, vs);
    if (env.scope === this.module) this.lastModuleBind.set(name, Math.max(this.lastModuleBind.get(name) ?? -1, at ?? Infinity));
  }

  private execImport(s: SyntaxNode, env: Env): void {
    for (const b of this.importBindings(s)) {
      if (b.local === '*') continue;
      let vs: VSet = [{ k: 'q', q: b.target, hops: [] }];
      const dot = b.target.lastIndexOf('.');
      if (this.host && dot > 0)
        vs = [{ k: 'ext', module: b.target.slice(0, dot), name: b.target.slice(dot + 1), at: s.from, local: b.local, model: this, hops: [] }];
      // `from torch.nn import GroupNorm` once a module imported above has replaced it: the replacement
      const imported = this.importedPatches().get(b.target);
      if (imported && !imported.may && imported.at < s.from) vs = union(imported.vs, vs);
      this.setName(env, b.local, vs, s.from);
    }
  }

  private execAssign(s: SyntaxNode, env: Env): void {
    const { targets, value } = assignmentParts(s);
    if (value.length === 0) {
      // `x: T` declares without binding
      return;
    }
    const values = value.map((v) => this.evalExpr(v, env, 0));
    const whole: VSet = values.length === 1 ? values[0] : [{ k: 'seq', items: values, at: s.from, hops: [] }];
    for (const tg of targets) this.assignTarget(tg, whole, values.length > 1 ? values : null, env, s.from);
  }

  private assignTarget(tg: readonly SyntaxNode[], whole: VSet, parts: VSet[] | null, env: Env, at: number): void {
    if (tg.length === 1) {
      const t = tg[0];
      if (t.name === 'VariableName') {
        this.assign(env, this.t(t), whole, at);
        return;
      }
      if (t.name === 'MemberExpression') {
        const kids = children(t);
        if (kids.length === 3 && kids[1].name === '.') {
          const base = this.evalExpr(kids[0], env, 0);
          const attr = this.t(kids[2]);
          const held = kids[0].name === 'MemberExpression' ? children(kids[0]) : [];
          if (held.length === 3 && held[1].name === '.' && !this.pure) {
            const values = this.evalExpr(held[0], env, 0);
            const classes = values.flatMap((v) => (v.k === 'inst' ? [v.cls] : []));
            // (an object NormLens cannot follow, such as a function's model parameter no call fills, may be any instance)
            const any = values.some((v) => v.k === 'unknown' || v.k === 'param');
            const stmt = t.parent;
            if ((classes.length || any) && stmt) {
              // (one on an object of any class, or of another statement's class, changes what that one's layers show)
              if (any && this.watch && this.curLeaf >= 0) this.watch.foreign[this.curLeaf] = true;
              for (const c of classes) this.changes(c);
              this.unitMemberSets.get(this.unit)?.push({
                classes,
                ...(any ? { any } : {}),
                holder: this.t(held[2]),
                attr,
                code: this.text.slice(stmt.from, stmt.to).split('\n')[0].trim(),
                at: stmt.from,
              });
            }
          }
          for (const b of base)
            if (b.k === 'inst')
              b.cls.attrs.set(attr, this.grow(b.cls.attrs.get(attr) ?? EMPTY, withHop(whole, { via: 'attribute', name: 'self.' + attr, at }), b.cls));
          this.patch(
            base.filter((b) => b.k !== 'inst'),
            attr,
            whole,
            this.t(t).replace(/\s+/g, ''),
            at,
            env,
          );
        } else this.evalExpr(t, env, 0);
        return;
      }
      if (t.name === 'TupleExpression' || t.name === 'ParenthesizedExpression' || t.name === 'ArrayExpression') {
        this.assignTarget(operands(t), whole, parts, env, at);
        return;
      }
      return;
    }
    // a, b = ...
    let items: VSet[] | null = parts;
    if (!items && whole.length === 1 && whole[0].k === 'seq') items = whole[0].items;
    if (!items && whole.length === 1 && whole[0].k === 'const' && Array.isArray(whole[0].v))
      items = (whole[0].v as PyValue[]).map((v) => [{ k: 'const', v, hops: [] }]);
    tg.forEach((t, i) => this.assignTarget([t], items && items.length === tg.length ? items[i] : [UNKNOWN], null, env, at));
  }

  /**
   * `x is None`, `x is not None`, `not x`, `x`, `isinstance(x, T)`, `not isinstance(x, T)`: which
   * name the condition narrows, and for each value whether the condition holds (undefined: it may
   * or may not). `exact`: a branch left with none of the name's values never runs.
   */
  private narrowing(cond: SyntaxNode | undefined, env: Env): Narrowing | null {
    if (!cond) return null;
    if (cond.name === 'BinaryExpression') {
      const k = children(cond);
      if (k.length >= 3 && k[0].name === 'VariableName' && k[1].name === 'is' && k[k.length - 1].name === 'None') {
        const none = !(k.length === 4 && k[2].name === 'not');
        return { name: this.t(k[0]), test: (v) => isNone(v) === none, exact: false };
      }
      if (k.length === 3 && k[0].name === 'VariableName' && k[1].name === 'CompareOp' && k[2].name === 'None') {
        const op = this.t(k[1]);
        if (op === '==') return { name: this.t(k[0]), test: isNone, exact: false };
        if (op === '!=') return { name: this.t(k[0]), test: (v) => !isNone(v), exact: false };
      }
    }
    if (cond.name === 'UnaryExpression') {
      const k = children(cond);
      if (k.length === 2 && k[0].name === 'not' && k[1].name === 'VariableName') return { name: this.t(k[1]), test: isNone, exact: false };
      if (k.length === 2 && k[0].name === 'not') {
        const inner = this.narrowing(k[1], env);
        if (inner?.exact) return { ...inner, test: (v) => negate(inner.test(v)) };
      }
    }
    if (cond.name === 'VariableName') return { name: this.t(cond), test: (v) => !isNone(v), exact: false };
    if (cond.name === 'CallExpression') return this.isinstanceTest(cond, env);
    if (cond.name === 'BinaryExpression') return this.compareTest(cond, env);
    return null;
  }

  /**
   * `x == 'bn'`, `x != 'bn'` (a literal on one side), `x in S`, `x not in S` (S a literal tuple,
   * list or set, or a name bound to one): for each value of x, whether it holds, when that can be
   * told (a literal compared with a literal; a class, function or partial is never equal to one).
   */
  private compareTest(cond: SyntaxNode, env: Env): Narrowing | null {
    const k = children(cond);
    const op = k
      .slice(1, -1)
      .map((x) => this.t(x))
      .join(' ');
    if (k.length < 3 || k[0].name !== 'VariableName') return null;
    const name = this.t(k[0]);
    const right = k[k.length - 1];
    if (op === '==' || op === '!=') {
      const lit = literalOf(right, this.text);
      if (lit === undefined || typeof lit === 'object') return null;
      const test = (v: Value) => (v.k === 'const' ? v.v === lit : v.k === 'class' || v.k === 'func' || v.k === 'partial' ? false : undefined);
      return { name, test: op === '==' ? test : (v) => negate(test(v)), exact: true };
    }
    if (op === 'in' || op === 'not in') {
      const members = this.deref(this.evalExpr(right, env, 1));
      if (members.length !== 1) return null;
      const m = members[0];
      let items: VSet[];
      if (m.k === 'seq') items = m.items.map((vs) => this.deref(vs));
      else if (m.k === 'const' && Array.isArray(m.v)) items = (m.v as PyValue[]).map((x) => [{ k: 'const', v: x, hops: [] } as Value]);
      else return null;
      // every member known: a value found is in, one not found is not
      const known = items.every((vs) => vs.length > 0 && vs.every((x) => !opaque(x) && x.k !== 'dict' && x.k !== 'seq'));
      const test = (v: Value): boolean | undefined => {
        if (opaque(v)) return undefined;
        const key = keyOf(v);
        if (items.some((vs) => vs.some((x) => keyOf(x) === key))) return known && items.every((vs) => vs.length === 1) ? true : undefined;
        // (a framework class may also be named by another path: not found by name is not told, unless no
        // member is a framework name: a framework's class is then none of them, timm's `norm_layer in _NORM_ACT_TYPES`)
        if (!known) return undefined;
        if (v.k !== 'q') return false;
        return FRAMEWORK_CLASS.test(v.q) && items.every((vs) => vs.every((x) => x.k !== 'q')) ? false : undefined;
      };
      return { name, test: op === 'in' ? test : (v) => negate(test(v)), exact: true };
    }
    return null;
  }

  /** `isinstance(x, str)`, `isinstance(x, (type, functools.partial))` ...: the kinds of value each type admits. */
  private isinstanceTest(call: SyntaxNode, env: Env): Narrowing | null {
    const callee = call.firstChild;
    if (callee?.name !== 'VariableName' || this.t(callee) !== 'isinstance') return null;
    const fn = this.lookup('isinstance', env);
    if (!(fn.length === 1 && fn[0].k === 'q' && fn[0].q === 'builtins.isinstance')) return null;
    const args = argList(child(call, 'ArgList'), this.text);
    if (args.length !== 2 || args.some((a) => a.name !== undefined || a.star) || args[0].value?.name !== 'VariableName' || !args[1].value) return null;
    // nothing to narrow when the name holds only values of unknown type (a parameter from elsewhere)
    const name = this.t(args[0].value);
    const cur = env.vars.get(name) ?? env.scope.summary.get(name);
    if (!cur || cur.every((v) => v.k === 'unknown' || v.k === 'param' || v.k === 'inst')) return null;
    // (a, (b, c)) is a or b or c; () is nothing
    const elems: SyntaxNode[] = [];
    const flat = (n: SyntaxNode, depth: number) => {
      if ((n.name === 'TupleExpression' || n.name === 'ParenthesizedExpression') && depth < 8) for (const o of operands(n)) flat(o, depth + 1);
      else elems.push(n);
    };
    flat(args[1].value, 0);
    const tests: ((v: Value) => boolean | undefined)[] = [];
    for (const e of elems) {
      const written = this.t(e);
      // a builtin type by its name, unless the code binds that name
      const builtin =
        e.name === 'VariableName' && this.lookup(written, env).every((v) => v.k === 'unknown')
          ? written
          : /^type\s*\(\s*None\s*\)$/.test(written) && this.lookup('type', env).every((v) => v.k === 'unknown')
            ? 'NoneType'
            : undefined;
      const values = builtin ? [] : this.deref(this.evalExpr(e, env, 1));
      const q = values.length === 1 && values[0].k === 'q' ? values[0].q : undefined;
      const test = builtin ? TYPE_TESTS[builtin] : q ? TYPE_TESTS[q] : undefined;
      if (test) tests.push(test);
      // a framework's module class or a user class: its instances only
      else if (
        values.length > 0 &&
        values.every((v) => v.k === 'class' || (v.k === 'q' && /^(torch|keras|tensorflow|flax|haiku|mlx|paddle)\..*\.[A-Z]\w*$/.test(v.q)))
      )
        tests.push(instanceTest);
      else tests.push(() => undefined);
    }
    const any = (v: Value): boolean | undefined => {
      let maybe = false;
      for (const t of tests) {
        const r = t(asTested(v));
        if (r === true) return true;
        if (r === undefined) maybe = true;
      }
      return maybe ? undefined : false;
    };
    // an import not yet resolved is tested as what it resolves to
    const test = (v: Value): boolean | undefined => {
      if (v.k !== 'ext') return any(v);
      const rs = this.deref([v]).map(any);
      return rs.length && rs.every((r) => r === true) ? true : rs.length && rs.every((r) => r === false) ? false : undefined;
    };
    return { name: this.t(args[0].value), test, exact: true };
  }

  private narrow(env: Env, n: Narrowing | null, truth: boolean): void {
    if (!n || !env.scope.locals.has(n.name)) return;
    const cur = env.vars.get(n.name) ?? env.scope.summary.get(n.name);
    if (!cur) return;
    const kept = cur.filter((v) => {
      const r = n.test(v);
      return r === undefined || r === truth;
    });
    env.vars.set(n.name, kept);
    // (falsy-but-not-None values are rare for what we track: `if x:` keeps them)
    if (n.exact && cur.length > 0 && kept.length === 0) env.terminated = true;
  }

  private execIf(s: SyntaxNode, env: Env): void {
    const kids = children(s);
    const branches: Env[] = [];
    const rest = this.copyEnv(env);
    let hasElse = false;
    // (a branch after one a fixed condition takes: never run)
    let taken = false;
    // the branch the code's own values take, while the conditions so far tell (see defaultTruth)
    let first: Env | undefined;
    let telling = true;
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (k.name === 'if' || k.name === 'elif') {
        const cond = kids[i + 1];
        const body = kids.slice(i + 2).find((x) => x.name === 'Body');
        if (taken) {
          this.neverRuns(body);
          continue;
        }
        // (a branch no value of an isinstance test reaches is never run, nor what follows it)
        if (rest.terminated) break;
        const truth = cond && cond.name !== 'Body' ? this.truthOf(cond, rest) : undefined;
        // a condition the code fixes (`if False:`, `USE_GN = True` ... `if USE_GN:`) runs one way only
        if (truth === false) {
          this.neverRuns(body);
          continue;
        }
        if (truth === true) taken = true;
        const byDefault = truth ?? (telling && cond && cond.name !== 'Body' ? this.defaultTruth(cond, rest) : undefined);
        const n = this.narrowing(cond, rest);
        const b = this.copyEnv(rest);
        this.narrow(b, n, true);
        if (body && !b.terminated) this.execBlock(statements(body), b);
        branches.push(b);
        if (telling && byDefault !== false) {
          if (byDefault === true) first = b;
          telling = false;
        }
        if (truth === true) rest.terminated = true;
        else this.narrow(rest, n, false);
      } else if (k.name === 'else') {
        hasElse = true;
        if (taken) {
          this.neverRuns(kids[i + 1]);
          continue;
        }
        if (rest.terminated) break;
        const body = kids[i + 1];
        const b = this.copyEnv(rest);
        if (body?.name === 'Body') this.execBlock(statements(body), b);
        branches.push(b);
        if (telling) first = b;
        telling = false;
      }
    }
    if (!hasElse) {
      branches.push(rest);
      if (telling) first = rest;
    }
    this.join(env, branches, first);
  }

  /**
   * Which way a condition goes for every value the code gives the name itself (defaults,
   * literals, what its own calls pass), leaving out what callers elsewhere may pass (a parameter's
   * `param` value): undefined when those values do not all go one way. Orders the branches joined,
   * never drops one: with `conv_mlp=False`, `LayerNorm2d if conv_mlp else nn.LayerNorm` builds a
   * LayerNorm first, a LayerNorm2d too.
   */
  private defaultTruth(cond: SyntaxNode, env: Env): boolean | undefined {
    const k = children(cond);
    if (cond.name === 'UnaryExpression' && k.length === 2 && k[0].name === 'not') return negate(this.defaultTruth(k[1], env));
    if (cond.name === 'ParenthesizedExpression' && k.length === 3) return this.defaultTruth(k[1], env);
    let name: string;
    let test: (v: Value) => boolean | undefined;
    if (cond.name === 'VariableName') {
      name = this.t(cond);
      // (a class, a function or a partial is true; a constant as Python tells it)
      test = (v) => (v.k === 'class' || v.k === 'func' || v.k === 'partial' || v.k === 'q' ? true : decided([v]));
    } else if (cond.name === 'BinaryExpression') {
      const n = this.narrowing(cond, env);
      if (!n) return undefined;
      ({ name, test } = n);
    } else return undefined;
    let out: boolean | undefined;
    // (an import is not followed for this: it only orders, and an unresolved name does not tell)
    for (const v of this.lookup(name, env)) {
      if (v.k === 'param') continue;
      const t = test(v);
      if (t === undefined || (out !== undefined && t !== out)) return undefined;
      out = t;
    }
    return out;
  }

  /** Python's truth of a condition the code fixes (a literal, a name bound to one, `not` of either); undefined otherwise. */
  private truthOf(cond: SyntaxNode, env: Env): boolean | undefined {
    const k = children(cond);
    if (cond.name === 'UnaryExpression' && k.length === 2 && k[0].name === 'not') {
      const t = this.truthOf(k[1], env);
      return t === undefined ? undefined : !t;
    }
    if (cond.name === 'ParenthesizedExpression' && k.length === 3) return this.truthOf(k[1], env);
    // (a literal or a name: an attribute, `self.normalize_qk`, is a field a caller may set)
    const value = this.evalExpr(cond, env, 0);
    return cond.name === 'VariableName' || cond.name === 'Boolean' || cond.name === 'Number' || cond.name === 'None' || cond.name === 'String'
      ? decided(value)
      : undefined;
  }

  /**
   * The calls of a branch that never runs (its condition is fixed): not layers, whatever the
   * scanner reads there (they are dropped as shadowed calls are, see ModuleModel.shadowed).
   */
  private neverRuns(body: SyntaxNode | undefined): void {
    if (!body || body.name !== 'Body' || this.pure) return;
    const list = this.unitShadowed.get(this.unit);
    if (!list) return;
    const c = body.cursor();
    let budget = 100_000;
    do {
      if (c.name === 'CallExpression') list.push(c.from);
    } while (--budget > 0 && c.next() && c.from < body.to);
  }

  private execLoop(s: SyntaxNode, env: Env): void {
    const kids = children(s);
    if (s.name === 'ForStatement') {
      // the targets take the iterable's elements (`for fn, planes in zip(block_fns, channels)`)
      for (const f of forTargets(s, this.text)) {
        const elements = f.iter ? elementsOf(this.evalExpr(f.iter, env, 0)) : [UNKNOWN];
        for (const [name, vs] of loopBindings(f.targets, elements, this.text)) this.assign(env, name, vs, s.from);
      }
    } else {
      const cond = kids[1];
      if (cond && cond.name !== 'Body') this.evalExpr(cond, env, 0);
    }
    const bodies = kids.filter((k) => k.name === 'Body');
    const once = this.copyEnv(env);
    if (bodies[0]) this.execBlock(statements(bodies[0]), once);
    once.terminated = false; // a return inside a loop still may not run
    const twice = this.copyEnv(once);
    if (bodies[0]) this.execBlock(statements(bodies[0]), twice);
    twice.terminated = false;
    this.join(env, [env.terminated ? { ...env, terminated: false } : this.copyEnv(env), once, twice]);
    if (bodies[1]) this.execBlock(statements(bodies[1]), env);
  }

  private execTry(s: SyntaxNode, env: Env): void {
    const kids = children(s);
    const branches: Env[] = [];
    let tryEnv: Env | null = null;
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (k.name === 'try' && kids[i + 1]?.name === 'Body') {
        tryEnv = this.copyEnv(env);
        this.execBlock(statements(kids[i + 1]), tryEnv);
        branches.push(tryEnv);
      } else if (k.name === 'except') {
        const h = this.copyEnv(env);
        let j = i + 1;
        for (; j < kids.length && kids[j].name !== 'Body'; j++) {
          if (kids[j].name === 'as' && kids[j + 1]?.name === 'VariableName') this.assign(h, this.t(kids[j + 1]), [UNKNOWN], s.from);
        }
        if (kids[j]) this.execBlock(statements(kids[j]), h);
        branches.push(h);
        i = j;
      } else if (k.name === 'else' && kids[i + 1]?.name === 'Body' && tryEnv) {
        this.execBlock(statements(kids[i + 1]), tryEnv);
        i++;
      } else if (k.name === 'finally' && kids[i + 1]?.name === 'Body') {
        this.join(env, branches);
        branches.length = 0;
        this.execBlock(statements(kids[i + 1]), env);
        i++;
      }
    }
    if (branches.length) this.join(env, branches);
  }

  // ---- expressions -------------------------------------------------------------------------

  evalExpr(n: SyntaxNode, env: Env, depth: number): VSet {
    if (depth > MAX_DEPTH) return [UNKNOWN];
    switch (n.name) {
      case 'VariableName':
        return this.lookup(this.t(n), env);
      case 'Number':
      case 'String':
      case 'ContinuedString':
      case 'Boolean':
      case 'None': {
        const v = literalOf(n, this.text);
        return v === undefined ? [UNKNOWN] : [{ k: 'const', v, hops: [] }];
      }
      case 'FormatString':
        return [UNKNOWN];
      case 'ParenthesizedExpression': {
        const inner = operands(n);
        return inner.length === 1 ? this.evalExpr(inner[0], env, depth + 1) : [UNKNOWN];
      }
      case 'NamedExpression': {
        const k = operands(n);
        const value = k.length >= 2 ? this.evalExpr(k[k.length - 1], env, depth + 1) : [UNKNOWN];
        if (k[0]?.name === 'VariableName') this.assign({ ...env, extra: null }, this.t(k[0]), value, n.from);
        return value;
      }
      case 'TupleExpression':
      case 'ArrayExpression': {
        const lit = literalOf(n, this.text);
        const items = operands(n).map((c) => this.evalExpr(c, env, depth + 1));
        if (lit !== undefined) return [{ k: 'const', v: lit, hops: [] }];
        return [{ k: 'seq', items, at: n.from, hops: [] }];
      }
      case 'DictionaryExpression':
        return [this.evalDict(n, env, depth)];
      case 'SetExpression':
        // membership is all a set is read for here: as a sequence of its items
        return [{ k: 'seq', items: operands(n).map((c) => this.evalExpr(c, env, depth + 1)), at: n.from, hops: [] }];
      case 'MemberExpression':
        return this.evalMember(n, env, depth);
      case 'CallExpression':
        return this.evalCall(n, env, depth);
      case 'ConditionalExpression': {
        const ops = operands(n);
        // a if cond else b
        if (ops.length === 3) {
          this.evalExpr(ops[1], env, depth + 1);
          const a = this.evalExpr(ops[0], env, depth + 1);
          const b = this.evalExpr(ops[2], env, depth + 1);
          // (the side the code's own values take first: see defaultTruth)
          return this.defaultTruth(ops[1], env) === false ? union(b, a) : union(a, b);
        }
        return [UNKNOWN];
      }
      case 'BinaryExpression': {
        const k = children(n);
        if (k.length === 3 && (k[1].name === 'or' || k[1].name === 'and')) {
          const a = this.evalExpr(k[0], env, depth + 1);
          const b = this.evalExpr(k[2], env, depth + 1);
          return k[1].name === 'or'
            ? union(
                a.filter((v) => !isNone(v)),
                b,
              )
            : union(a.filter(isNone), b);
        }
        const lit = literalOf(n, this.text);
        const vals = operands(n).map((c) => this.evalExpr(c, env, depth + 1));
        if (lit !== undefined) return [{ k: 'const', v: lit, hops: [] }];
        // arithmetic on names the code fixes to one number (WIDTH * 2 with WIDTH = 64)
        if (k.length === 3 && k[1].name === 'ArithOp' && vals.length === 2) {
          const [a, b] = vals.map((vs) => (vs.length === 1 && vs[0].k === 'const' && typeof vs[0].v === 'number' ? vs[0].v : undefined));
          const r = a !== undefined && b !== undefined ? arith(this.t(k[1]), a, b) : undefined;
          if (r !== undefined) return [{ k: 'const', v: r, hops: [] }];
        }
        return [UNKNOWN];
      }
      case 'UnaryExpression': {
        const lit = literalOf(n, this.text);
        for (const c of operands(n)) this.evalExpr(c, env, depth + 1);
        return lit === undefined ? [UNKNOWN] : [{ k: 'const', v: lit, hops: [] }];
      }
      case 'LambdaExpression': {
        const f = this.scopeAt.get(n.from);
        if (f?.kind === 'func') {
          for (const p of f.params) if (p.defaultNode) p.defaults = this.grow(p.defaults, this.evalExpr(p.defaultNode, env, depth + 1), f);
          return [{ k: 'func', fn: f, hops: [] }];
        }
        return [UNKNOWN];
      }
      default:
        if (COMPREHENSIONS.has(n.name)) {
          const extra = new Map(env.extra ?? []);
          for (const f of forTargets(n, this.text)) {
            const elements = f.iter ? elementsOf(this.evalExpr(f.iter, { ...env, extra }, depth + 1)) : [UNKNOWN];
            for (const [name, vs] of loopBindings(f.targets, elements, this.text)) extra.set(name, withHop(vs, { via: 'alias', name, at: n.from }));
          }
          const inner = { ...env, extra };
          for (const c of operands(n)) if (c.name !== 'VariableName' || !extra.has(this.t(c))) this.evalExpr(c, inner, depth + 1);
          return [UNKNOWN];
        }
        for (const c of operands(n)) this.evalExpr(c, env, depth + 1);
        return [UNKNOWN];
    }
  }

  private evalDict(n: SyntaxNode, env: Env, depth: number): Value {
    const entries: [PyValue | undefined, VSet][] = [];
    // key, value, key, value ... in order; `**other` brings other's entries when it is a known
    // dict, else an entry of any key (later entries win, as in Python)
    const all = children(n);
    let key: SyntaxNode | null = null;
    let spread = false;
    for (const c of all) {
      if (c.name === '{' || c.name === '}' || c.name === ',' || c.name === 'Comment') continue;
      if (c.name === ':') continue;
      if (c.name === '**') {
        key = null;
        spread = true;
        continue;
      }
      if (spread) {
        spread = false;
        const vs = this.deref(this.evalExpr(c, env, depth + 1));
        if (vs.length === 1 && vs[0].k === 'dict') {
          entries.push(...vs[0].entries);
          // (an open dict's other keys: any key)
          if (vs[0].open) entries.push([undefined, [UNKNOWN]]);
        } else entries.push([undefined, [UNKNOWN]]);
        continue;
      }
      if (key === null) key = c;
      else {
        entries.push([literalOf(key, this.text), this.evalExpr(c, env, depth + 1)]);
        key = null;
      }
    }
    return { k: 'dict', entries, at: n.from, hops: [] };
  }

  private evalMember(n: SyntaxNode, env: Env, depth: number): VSet {
    const kids = children(n);
    if (kids.length >= 3 && kids[1].name === '[') {
      const base = this.evalExpr(kids[0], env, depth + 1);
      const idxNode = kids[2];
      const idx = idxNode.name === ']' ? undefined : literalOf(idxNode, this.text);
      const keys = idxNode.name !== ']' ? this.evalExpr(idxNode, env, depth + 1) : EMPTY;
      // a registry lookup is a way a class reaches a call: say which one
      const named = (k: PyValue | undefined) => `${containerName(this.t(kids[0]))}[${k === undefined ? '…' : JSON.stringify(k)}]`;
      // a key the code computes from literals (`_NORM_MAP[name.lower()]`): each value it may have
      if (idx === undefined && keys.some((v) => v.k === 'const')) {
        let out: VSet = EMPTY;
        for (const k of keys) {
          const key = k.k === 'const' ? k.v : undefined;
          out = union(out, this.subscript(base, key, named(key)));
        }
        return out;
      }
      return this.subscript(base, idx, named(idx));
    }
    if (kids.length === 3 && kids[1].name === '.') {
      const base = this.evalExpr(kids[0], env, depth + 1);
      return this.member(base, this.t(kids[2]), env, n.from);
    }
    for (const c of operands(n)) this.evalExpr(c, env, depth + 1);
    return [UNKNOWN];
  }

  private subscript(base: VSet, idx: PyValue | undefined, name: string): VSet {
    let out: VSet = EMPTY;
    for (const b of this.deref(base)) {
      const hop = { via: 'alias' as const, name, at: b.k === 'dict' || b.k === 'seq' ? b.at : 0 };
      if (b.k === 'dict') {
        let hit = b.mutated && !b.open ? [UNKNOWN] : idx !== undefined ? dictLookup(b.entries, idx) : null;
        // (an open dict may hold the key with another value, or not at all)
        if (b.open) hit = union([UNKNOWN], hit ?? EMPTY);
        if (hit) out = union(out, withHop(hit, hop));
        else if (b.entries.length > MAX_OPEN_LOOKUP) out = union(out, [UNKNOWN]);
        else for (const [, vs] of b.entries) out = union(out, withHop(vs, hop));
      } else if (b.k === 'seq') {
        if (typeof idx === 'number' && Number.isInteger(idx) && b.items[idx < 0 ? b.items.length + idx : idx])
          out = union(out, withHop(b.items[idx < 0 ? b.items.length + idx : idx], hop));
        else for (const vs of b.items) out = union(out, withHop(vs, hop));
      } else if (
        b.k === 'const' &&
        Array.isArray(b.v) &&
        typeof idx === 'number' &&
        Number.isInteger(idx) &&
        b.v[idx < 0 ? b.v.length + idx : idx] !== undefined
      ) {
        // `name.split('-')[0]`
        out = union(out, [{ k: 'const', v: b.v[idx < 0 ? b.v.length + idx : idx], hops: [] }]);
      } else out = union(out, [UNKNOWN]);
    }
    return out.length ? out : [UNKNOWN];
  }

  /** Classes of a hierarchy connected to `cls` (itself, user bases, user subclasses). */
  private hierarchy(cls: ClassDef, seen = new Set<ClassDef>()): ClassDef[] {
    if (seen.has(cls)) return [];
    seen.add(cls);
    const out = [cls];
    for (const b of cls.bases) if (b.k === 'class') out.push(...this.hierarchy(b.cls, seen));
    for (const s of cls.subclasses) out.push(...this.hierarchy(s, seen));
    return out;
  }

  /** Method resolution among user classes (depth-first, good enough for single inheritance). */
  findMethod(cls: ClassDef, name: string, seen = new Set<ClassDef>()): FuncDef | undefined {
    if (seen.has(cls)) return undefined;
    seen.add(cls);
    const m = cls.methods.get(name);
    if (m) return m;
    for (const b of cls.bases)
      if (b.k === 'class') {
        const f = this.findMethod(b.cls, name, seen);
        if (f) return f;
      }
    return undefined;
  }

  private member(base: VSet, attr: string, env: Env, at?: number): VSet {
    let out: VSet = EMPTY;
    // `from ..ops import misc as m; m.Conv(...)`: a name its package does not bind is its submodule
    // (as Python's import system makes it): the attribute is looked up in that module's file
    const resolved: Value[] = [];
    for (const b of base) {
      if (b.k !== 'ext') {
        resolved.push(b);
        continue;
      }
      const vs = this.deref([b]);
      if (vs.length === 1 && vs[0].k === 'q' && vs[0].q === `${b.module}.${b.name}`) {
        const sub: Value = { ...b, module: `${b.module}.${b.name}`, name: attr, hops: [] };
        const found = this.deref([sub]);
        // found in the submodule's file: keep it as an import of that file (resolved when used)
        if (!(found.length === 1 && found[0].k === 'q' && found[0].q === `${sub.module}.${attr}`)) {
          out = union(out, [sub]);
          continue;
        }
      }
      resolved.push(...vs);
    }
    for (const b of resolved) {
      switch (b.k) {
        case 'q': {
          if (attr === '__name__') {
            out = union(out, [{ k: 'const', v: b.q.slice(b.q.lastIndexOf('.') + 1), hops: [] }]);
            break;
          }
          // replaced by this module (see patch): what it was replaced with, and the attribute itself
          // (code that runs before the replacement, or another module, sees that). The module's own
          // statements above a module-level replacement see the class; a replacement only a function
          // makes (it may never run) comes second
          // A project module imported above (`import patch`) replaces it as if this module did, at the import.
          const q = `${b.q}.${attr}`;
          const slot = this.patches.get(q);
          if (slot) this.read(slot);
          const inModule = env.scope === this.module && !env.parent;
          const imported = this.importedPatches().get(q);
          let own: VSet = [{ k: 'q', q, hops: b.hops }];
          if (imported && !(inModule && at !== undefined && imported.at > at)) own = imported.may ? union(own, imported.vs) : union(imported.vs, own);
          // another file of the project that replaces it may have run first (an entry point importing it): after the class
          const other = (this.elsewhere ??= this.host?.anywhere?.() ?? new Map()).get(q);
          if (other && !imported) own = union(own, withHop(other.vs, { via: 'import', name: other.from, at: at ?? 0, patched: true, from: other.from }));
          const seen = slot?.vs.length && !(inModule && at !== undefined && !slot.inFunction && (slot.moduleAt ?? Infinity) > at);
          out = union(out, !seen ? own : slot!.moduleAt !== undefined ? union(slot!.vs, own) : union(own, slot!.vs));
          break;
        }
        case 'partial':
          // functools.partial's own attribute: the callable it wraps
          out = union(out, attr === 'func' ? [b.fn] : [UNKNOWN]);
          break;
        case 'inst': {
          const m = this.findMethod(b.cls, attr);
          if (m) {
            out = union(out, [{ k: 'func', fn: m, hops: [], bound: true } as Value]);
            break;
          }
          let vs: VSet = EMPTY;
          for (const c of this.hierarchy(b.cls)) {
            this.read(c);
            vs = union(vs, c.attrs.get(attr) ?? EMPTY);
            vs = union(vs, c.fieldPassed.get(attr) ?? EMPTY);
            if (c.locals.has(attr)) {
              this.read(this.summarySlot(c, attr));
              vs = union(vs, withHop(c.summary.get(attr) ?? EMPTY, { via: 'attribute', name: 'self.' + attr, at: c.node.from }));
            }
          }
          out = union(out, vs.length ? vs : [UNKNOWN]);
          break;
        }
        case 'class': {
          if (attr === '__name__') {
            out = union(out, [{ k: 'const', v: b.cls.name, hops: [] }]);
            break;
          }
          this.read(b.cls);
          const m = this.findMethod(b.cls, attr);
          if (m) out = union(out, [{ k: 'func', fn: m, hops: [] }]);
          else {
            this.read(this.summarySlot(b.cls, attr));
            out = union(out, b.cls.summary.get(attr) ?? [UNKNOWN]);
          }
          break;
        }
        case 'super':
          out = union(out, [{ k: 'super', cls: b.cls, hops: [{ via: 'alias', name: attr, at: 0 }] }]);
          break;
        default:
          out = union(out, [UNKNOWN]);
      }
    }
    void env;
    return out.length ? out : [UNKNOWN];
  }

  /**
   * A method of literal strings (`name.replace('_', '').lower()`) or of dicts (`REGISTRY.get(key,
   * default)`) called with literal arguments; null when the call is not one of those.
   */
  private methodCall(base: VSet, attr: string, args: BoundArg[], written: string): VSet | null {
    const vs = this.deref(base);
    if (!vs.length || args.some((a) => a.star || a.name !== undefined)) return null;
    const one = (a: BoundArg) => (a.values.length === 1 && a.values[0].k === 'const' ? (a.values[0] as { v: PyValue }).v : undefined);
    const isStr = (v: Value) => v.k === 'const' && typeof v.v === 'string';
    if (STR_METHODS.has(attr) && vs.some(isStr)) {
      const lits = args.map(one);
      if (lits.some((x) => x === undefined)) return null;
      // (the other values, of a parameter's callers elsewhere, stay unknown)
      let out: VSet = EMPTY;
      for (const v of vs) {
        const r = isStr(v) ? strMethod((v as { v: string }).v, attr, lits) : undefined;
        out = union(out, [r === undefined ? UNKNOWN : { k: 'const', v: r, hops: [] }]);
      }
      return out;
    }
    // an open dict (a `**kwargs` some calls here pass keywords into): as a mapping nothing is known
    // of, and the entries those calls pass
    if (
      (attr === 'get' || attr === 'pop') &&
      args.length <= 2 &&
      vs.some((v) => v.k === 'dict' && v.open) &&
      vs.every((v) => v.k === 'unknown' || (v.k === 'dict' && v.open))
    ) {
      let out: VSet = [UNKNOWN];
      if (args[1]) out = union(out, withHop(args[1].values, { via: 'alias', name: `${written}.${attr}(…)`, at: args[1].node?.from ?? 0 }));
      const key = args[0] ? one(args[0]) : undefined;
      for (const d of vs)
        if (d.k === 'dict' && key !== undefined) {
          const hit = dictLookup(d.entries, key);
          if (hit) out = union(out, withHop(hit, { via: 'alias', name: `${written}[${JSON.stringify(key)}]`, at: d.at }));
        }
      return out;
    }
    // a mapping nothing is known of (`**kwargs`, a config): its entry, or the default given
    // (`kwargs.pop('norm_layer', nn.LayerNorm)`: timm's and Hugging Face's way to take a keyword out)
    if ((attr === 'get' || attr === 'pop') && args.length === 2 && vs.every((v) => v.k === 'unknown'))
      return union(vs, withHop(args[1].values, { via: 'alias', name: `${written}.${attr}(…)`, at: args[1].node?.from ?? 0 }));
    // a parameter that may be a dict written here (mmcv's `norm_cfg = norm_cfg or {}`): each its own way
    const open = (v: Value) => v.k === 'unknown' || v.k === 'param';
    if (attr === 'get' && args.length === 2 && vs.some(open) && vs.every((v) => open(v) || v.k === 'dict')) {
      const dicts = vs.filter((v) => v.k === 'dict');
      const fromOpen = withHop(args[1].values, { via: 'alias', name: `${written}.get(…)`, at: args[1].node?.from ?? 0 });
      return union(union([UNKNOWN], fromOpen), dicts.length ? (this.methodCall(dicts, attr, args, written) ?? [UNKNOWN]) : EMPTY);
    }
    if (attr === 'get' && vs.every((v) => v.k === 'dict') && args.length >= 1 && args.length <= 2) {
      const keys = args[0].values;
      const fallback: VSet = args[1]
        ? withHop(args[1].values, { via: 'alias', name: `${written}.get(…)`, at: args[1].node?.from ?? 0 })
        : [{ k: 'const', v: null, hops: [] }];
      let out: VSet = EMPTY;
      for (const d of vs) {
        if (d.k !== 'dict') continue;
        if (d.mutated && !d.open) {
          out = union(out, [UNKNOWN]);
          continue;
        }
        if (d.open) out = union(out, union([UNKNOWN], fallback));
        for (const k of keys.length ? keys : [UNKNOWN]) {
          const key = k.k === 'const' ? k.v : undefined;
          const hop = { via: 'alias' as const, name: `${written}[${key === undefined ? '…' : JSON.stringify(key)}]`, at: d.at };
          if (key === undefined && d.entries.length > MAX_OPEN_LOOKUP) {
            out = union(union(out, [UNKNOWN]), fallback);
            continue;
          }
          if (key === undefined) {
            for (const [, e] of d.entries) out = union(out, withHop(e, hop));
            out = union(out, fallback);
            continue;
          }
          const hit = dictLookup(d.entries, key);
          if (hit) out = union(out, withHop(hit, hop));
          // absent, or maybe absent (an entry of any key may have it): the default too
          if (!hit || hit.includes(UNKNOWN)) out = union(out, fallback);
        }
      }
      return out.length ? out : null;
    }
    return null;
  }

  /** Depth of evaluateCall on this model's stack (slots are not changed while it is above 0). */
  private pure = 0;
  /** Set while a call into this model is evaluated for another model: reads are not recorded. */
  private foreignPure = false;
  private inlineSize = new Map<FuncDef, boolean>();

  /**
   * The values a call of a small function returns, evaluated with this call's arguments when its
   * summary (every call's arguments together) says little: no value, an unknown one, or several
   * callables. A factory such as `get_norm_layer('batchnorm2d')` then gives its one class, not
   * every class of its registry. Null when not evaluated here (the summary applies).
   */
  private inlineAt(f: FuncDef, args: BoundArg[], bound: boolean, at: number): VSet | null {
    if (inlineDepth >= MAX_INLINE || f.isLambda || !f.body) return null;
    let small = this.inlineSize.get(f);
    if (small === undefined) {
      const body = f.owner.text.slice(f.body.from, f.body.to);
      // a factory: a short function that tests what it is given or looks it up in a registry
      small = body.length <= MAX_INLINE_CHARS && !/\byield\b/.test(body) && FACTORY.test(body);
      this.inlineSize.set(f, small);
    }
    if (!small) return null;
    const callables = f.returns.filter((v) => !isNone(v) && v.k !== 'const' && v.k !== 'dict' && v.k !== 'seq');
    const vague =
      f.returns.length === 0 || f.returns.some((v) => v.k === 'unknown' || v.k === 'param' || v.hops.some((h) => h.via === 'param')) || callables.length > 1;
    // (returns of constants and containers only: no class comes out of it)
    if (!vague || (f.returns.length > 0 && callables.length === 0)) return null;
    // only a call that hands it something a factory maps (a name, a class, a partial, a function):
    // a call with tensors, configs and instances alone gets what the summary says
    if (!args.some((a) => !a.star && a.values.some((v) => v.k === 'const' || v.k === 'class' || v.k === 'partial' || v.k === 'q' || v.k === 'func')))
      return null;
    const foreign = f.owner !== this;
    let got = f.owner.evaluateCall(f, args, bound, foreign);
    if (!got || got.length === 0) return null;
    if (foreign) {
      // hops written in the other file have its offsets: only those the arguments brought are kept
      const mine = new Set<Hop>();
      for (const a of args) for (const v of a.values) for (const h of v.hops) mine.add(h);
      got = got.map((v) => (v.hops.every((h) => mine.has(h)) ? v : { ...v, hops: v.hops.filter((h) => mine.has(h)) }));
    }
    return withHop(got, { via: 'alias', name: `${f.name}(…)`, at });
  }

  /**
   * Evaluates `f`'s body for one call (its arguments bound to the parameters, the defaults for the
   * rest), changing nothing the fixed point keeps; its returns, or null. Called on the model that
   * owns `f`; `foreign` when the call is written in another model.
   */
  evaluateCall(f: FuncDef, args: BoundArg[], bound: boolean, foreign: boolean): VSet | null {
    if (!f.body) return null;
    const wasForeign = this.foreignPure;
    this.pure++;
    inlineDepth++;
    if (foreign) this.foreignPure = true;
    try {
      const passed = this.bindMap(f, args, bound);
      const vars = new Map<string, VSet>();
      const isStatic = f.decorators.includes('staticmethod');
      const isClassMethod = f.decorators.includes('classmethod');
      f.params.forEach((p, i) => {
        let vs: VSet;
        if (i === 0 && f.cls && !isStatic && p.star === '' && bound)
          vs = isClassMethod ? [{ k: 'class', cls: f.cls, hops: [] }] : [{ k: 'inst', cls: f.cls, hops: [] }];
        else if (p.star) vs = [UNKNOWN];
        else vs = passed.get(p.name) ?? (p.defaultNode ? p.defaults : [UNKNOWN]);
        vars.set(p.name, vs);
      });
      const env: Env = { scope: f, vars, extra: null, terminated: false, parent: null, ret: { vs: EMPTY } };
      this.execBlock(statements(f.body), env);
      return env.ret!.vs;
    } finally {
      this.pure--;
      inlineDepth--;
      this.foreignPure = wasForeign;
    }
  }

  private evalArgs(list: SyntaxNode | null, env: Env, depth: number): BoundArg[] {
    return argList(list, this.text).map((a) => ({
      name: a.name,
      star: a.star,
      node: a.value,
      values: a.value ? this.evalExpr(a.value, env, depth + 1) : [UNKNOWN],
    }));
  }

  private evalCall(n: SyntaxNode, env: Env, depth: number): VSet {
    const calleeNode = n.firstChild;
    const list = child(n, 'ArgList');
    if (!calleeNode) return [UNKNOWN];
    // `obj.method(...)`: the object's values are kept (methods of literal strings and dicts are evaluated)
    let base: VSet | null = null;
    let callee: VSet;
    const parts = calleeNode.name === 'MemberExpression' && depth + 2 <= MAX_DEPTH ? children(calleeNode) : null;
    if (parts && parts.length === 3 && parts[1].name === '.') {
      base = this.evalExpr(parts[0], env, depth + 2);
      callee = this.member(base, this.t(parts[2]), env, calleeNode.from);
    } else callee = calleeNode.name === 'ArgList' ? [UNKNOWN] : this.evalExpr(calleeNode, env, depth + 1);
    const args = this.evalArgs(list, env, depth);
    if (!this.pure) this.unitSites.get(this.unit)?.set(calleeNode.to, { node: n, callee, args, scope: env.scope });
    const root =
      calleeNode.name === 'VariableName'
        ? this.t(calleeNode)
        : calleeNode.name === 'MemberExpression'
          ? dottedName(calleeNode, this.text)?.split('.')[0]
          : undefined;
    if (root && !this.pure && this.locallyBound(root, env)) this.unitShadowed.get(this.unit)?.push(n.from);
    if (base && parts) {
      const m = this.methodCall(base, this.t(parts[2]), args, containerName(this.t(parts[0])));
      if (m) return m;
    }
    if (root && calleeNode.name === 'VariableName' && ITERATORS.has(root) && callee.every((v) => v.k === 'unknown')) return this.iterate(root, args, n.from);
    let out: VSet = EMPTY;
    for (const c of callee) out = union(out, this.apply(c, args, env, n.from, depth + 1));
    this.handedOn(callee, args);
    return out.length ? out : [UNKNOWN];
  }

  /**
   * What Python's iterator builtins give, as a sequence of its elements (the code binds none of
   * these names): `zip(a, b)` pairs the elements of each, `enumerate(x)` puts a count before
   * them, `tuple(x)`, `list(x)`, `reversed(x)` and `sorted(x)` keep them (a sequence stays itself).
   */
  private iterate(name: string, args: BoundArg[], at: number): VSet {
    const plain = args.filter((a) => !a.star && !a.name);
    if (plain.length !== args.length && name !== 'sorted') return [UNKNOWN];
    if (name === 'zip') {
      if (!plain.length) return [UNKNOWN];
      return [{ k: 'seq', many: true, items: [[{ k: 'seq', items: plain.map((a) => elementsOf(a.values)), at, hops: [] }]], at, hops: [] }];
    }
    if (name === 'enumerate') {
      if (plain.length !== 1) return [UNKNOWN];
      return [{ k: 'seq', many: true, items: [[{ k: 'seq', items: [[UNKNOWN], elementsOf(plain[0].values)], at, hops: [] }]], at, hops: [] }];
    }
    if (plain.length !== 1) return [UNKNOWN];
    const x = plain[0].values;
    if (x.length && x.every((v) => v.k === 'seq') && name !== 'sorted') return x;
    return [{ k: 'seq', many: true, items: [elementsOf(x)], at, hops: [] }];
  }

  /**
   * A class of this module handed, with a `**mapping`, to code NormLens does not follow (timm's
   * `build_model_with_cfg(Visformer, variant, pretrained, **kwargs)` in another file, which calls
   * `model_cls(**kwargs)`): it may be built with what the mapping holds, as if called with it here.
   */
  private handedOn(callee: VSet, args: BoundArg[]): void {
    const stars = args.filter((a) => a.star === '**');
    if (!stars.length) return;
    const followed = (v: Value) =>
      (v.k === 'func' && v.fn.owner === this) ||
      (v.k === 'class' && v.cls.owner === this) ||
      v.k === 'partial' ||
      v.k === 'super' ||
      (v.k === 'q' && /^(builtins|functools)\./.test(v.q));
    if (callee.some(followed)) return;
    for (const a of args) {
      if (a.star) continue;
      for (const v of a.values) {
        if (v.k !== 'class' || v.cls.owner !== this) continue;
        const init = this.findMethod(v.cls, '__init__');
        if (init?.owner === this) this.bind(init, stars, true);
      }
    }
  }

  /**
   * `dict(mapping, k=v, **kwargs)` (timm's `dict(model_args, **kwargs)`): the mapping's entries,
   * then each keyword, a later one replacing a key; open when a `**` part's keys are not all known
   * (its known keys are kept: what the code passes, as a parameter's default is). Null when the
   * first argument is not one dict of string keys, or another is given by position.
   */
  private mergedDict(args: BoundArg[], at: number): VSet | null {
    const entries = new Map<string, VSet>();
    let open = false;
    for (const [i, a] of args.entries()) {
      if (a.star === '*' || (!a.star && a.name === undefined && i > 0)) return null;
      if (!a.star && a.name === undefined) {
        const d = a.values.length === 1 ? a.values[0] : null;
        if (d?.k !== 'dict' || (d.mutated && !d.open) || d.entries.some(([k]) => typeof k !== 'string')) return null;
        for (const [k, vs] of d.entries) entries.set(k as string, vs);
        open ||= !!d.open;
      } else if (a.name !== undefined) entries.set(a.name, a.values);
      else {
        const mk = mappingKeywords(a);
        if (!mk) {
          open = true;
          continue;
        }
        // (a key a part may lack: the entry before it stays possible, and the key may be absent)
        for (const [name, k] of mk.keys) entries.set(name, k.always ? k.values : union(entries.get(name) ?? EMPTY, k.values));
        open ||= mk.open || [...mk.keys.values()].some((k) => !k.always);
      }
    }
    return [{ k: 'dict', entries: [...entries], at, hops: [], ...(open ? { open: true } : {}) }];
  }

  /** The values a call of `c` with `args` returns; binds arguments into user parameters on the way. */
  private apply(c: Value, args: BoundArg[], env: Env, at: number, depth: number): VSet {
    if (depth > MAX_DEPTH) return [UNKNOWN];
    if (c.k === 'ext') {
      // an imported name is read from its module only when it is called (or subclassed, or looked into)
      let out: VSet = EMPTY;
      for (const v of this.deref([c])) out = union(out, this.apply(v, args, env, at, depth + 1));
      return out.length ? out : [UNKNOWN];
    }
    switch (c.k) {
      case 'q': {
        if (c.q === 'functools.partial') {
          const [fn, ...rest] = args;
          if (!fn || fn.star) return [UNKNOWN];
          const out: Value[] = [];
          for (const f of fn.values) {
            // (a callable NormLens does not know stays unknown, a too wide registry's entry too wide)
            if (f.k === 'unknown') {
              const u = f === WIDE ? WIDE : UNKNOWN;
              if (!out.includes(u)) out.push(u);
              continue;
            }
            if (f.k === 'const') continue;
            out.push({ k: 'partial', fn: f, args: rest, at, hops: [], owner: this });
            // the bound arguments reach the callee when the partial is called (where the others are given)
            const outer = this.partialArgs;
            this.partialArgs = true;
            this.apply(f, rest, env, at, depth + 1);
            this.partialArgs = outer;
          }
          return out.length ? out : [UNKNOWN];
        }
        if (c.q === 'builtins.getattr' && args.length >= 2) {
          // each name the code may give (`kind = 'BatchNorm2d' if x else 'GroupNorm'`); a parameter, which callers
          // elsewhere may give any name, or another value: unknown
          // (a parameter's literal default among them: its class, and unknown for what callers elsewhere give, as a
          // registry looked up by such a key gives its entry)
          const names = args[1].values;
          const literal = names.filter((v) => v.k === 'const' && typeof v.v === 'string');
          if (!literal.length) return [UNKNOWN];
          let out: VSet = EMPTY;
          for (const v of literal) {
            const name = (v as { v: string }).v;
            out = union(out, withHop(this.member(args[0].values, name, env), { via: 'alias', name: `getattr(…, '${name}')`, at }));
          }
          return literal.length < names.length ? union(out, [UNKNOWN]) : out;
        }
        if (c.q === 'builtins.setattr' && args.length === 3 && !args.some((a) => a.star || a.name)) {
          // `setattr(nn, 'GroupNorm', partial(nn.GroupNorm, 4))`: a framework class replaced, as `nn.GroupNorm = ...` (see assignTarget)
          const name = args[1].values.length === 1 && args[1].values[0].k === 'const' ? (args[1].values[0] as { v: PyValue }).v : undefined;
          if (typeof name === 'string') this.patch(args[0].values, name, args[2].values, `setattr(…, '${name}', …)`, at, env);
          return [{ k: 'const', v: null, hops: [] }];
        }
        if (c.q === 'itertools.repeat' && args.length >= 1 && !args[0].star && !args[0].name) {
          // repeat(x, n): x, n times (timm's to_ntuple gives `tuple(repeat(x, n))`)
          return [{ k: 'seq', many: true, items: [args[0].values], at, hops: [] }];
        }
        if (c.q === 'builtins.dict') {
          // dict(batchnorm=nn.BatchNorm2d, ...): a registry as a literal `{...}` is one
          if (args.some((a) => a.star || a.name === undefined)) return this.mergedDict(args, at) ?? [UNKNOWN];
          return [{ k: 'dict', entries: args.map((a): [PyValue, VSet] => [a.name!, a.values]), at, hops: [] }];
        }
        if (c.q === 'builtins.super') {
          for (let s: Scope | null = env.scope; s; s = s.parent) if (s.kind === 'func' && s.cls) return [{ k: 'super', cls: s.cls, hops: [] }];
          return [UNKNOWN];
        }
        return [UNKNOWN];
      }
      case 'partial': {
        // partial(f, a)(b, k=v) calls f(a, b, k=v), later keywords overriding earlier ones
        const kw = new Set(args.filter((a) => a.name).map((a) => a.name));
        const merged = [...c.args.filter((a) => !a.name || !kw.has(a.name)), ...args];
        return this.apply(c.fn, merged, env, at, depth + 1);
      }
      case 'class': {
        if (c.cls.owner === this) {
          const init = this.findMethod(c.cls, '__init__');
          if (init) this.bind(init, args, true);
          else this.bindFields(c.cls, args);
        } else if (!this.pure) this.outgoing.set(`${at}:${c.cls.owner.uid}:${c.cls.id}`, { target: c.cls, args, bound: true, at });
        return [{ k: 'inst', cls: c.cls, hops: [] }];
      }
      case 'func': {
        const f = c.fn;
        if (f.owner === this) this.read(this.returnSlot(f));
        // another file's function is summarized by its own module; only this module's get our arguments
        if (f.owner === this) this.bind(f, args, !!c.bound);
        else if (!this.pure) this.outgoing.set(`${at}:${f.owner.uid}:${f.id}`, { target: f, args, bound: !!c.bound, at });
        // a small function whose summary says little (a factory mapping names to classes) is
        // evaluated again with this call's own arguments
        const here = this.inlineAt(f, args, !!c.bound, at);
        if (here) return here;
        // what entered through a parameter and is returned is, at this call, what this call passes
        const tag = `${f.owner.uid}:${f.id}:`;
        const through = new Set<string>();
        const rest = f.returns.filter((v) => {
          if (v.k === 'param' && v.name.startsWith(tag)) {
            through.add(v.name.slice(tag.length));
            return false;
          }
          const h = v.hops.find((x) => x.via === 'param' && x.name.startsWith(tag));
          if (h) through.add(h.name.slice(tag.length));
          return !h;
        });
        // (and inside a sequence it returns: `tuple(repeat(x, n))` holds what the call passes as x)
        const holds = (vs: VSet, depth: number): boolean =>
          vs.some((v) => (v.k === 'param' && v.name.startsWith(tag)) || (v.k === 'seq' && depth < 4 && v.items.some((it) => holds(it, depth + 1))));
        let passedHere: Map<string, VSet> | null = null;
        const inside = (vs: VSet, depth: number): VSet => {
          let r: VSet = EMPTY;
          for (const v of vs) {
            if (v.k === 'param' && v.name.startsWith(tag)) {
              const p = v.name.slice(tag.length);
              passedHere ??= this.bindMap(f, args, !!c.bound);
              r = union(r, passedHere.get(p) ?? f.params.find((x) => x.name === p)?.defaults ?? [UNKNOWN]);
            } else
              r = union(r, [v.k === 'seq' && depth < 4 && holds(v.items.flat(), depth + 1) ? { ...v, items: v.items.map((it) => inside(it, depth + 1)) } : v]);
          }
          return r;
        };
        let out: VSet = rest.some((v) => v.k === 'seq' && holds(v.items.flat(), 1)) ? inside(rest, 0) : rest;
        if (through.size) {
          const passed = this.bindMap(f, args, !!c.bound);
          // (what the call passes in comes back out through the function: say so)
          for (const p of through)
            out = union(out, withHop(passed.get(p) ?? f.params.find((x) => x.name === p)?.defaults ?? [UNKNOWN], { via: 'alias', name: `${f.name}(…)`, at }));
        }
        return out.length ? out : [UNKNOWN];
      }
      case 'super': {
        // super().__init__(...) (or another method): the arguments reach the user base's method
        const attr = c.hops[0]?.name;
        if (!attr) return [UNKNOWN];
        for (const b of c.cls.bases) {
          if (b.k !== 'class') continue;
          const m = this.findMethod(b.cls, attr);
          if (!m) continue;
          if (m.owner === this) this.bind(m, args, true);
          else if (!this.pure) this.outgoing.set(`${at}:${m.owner.uid}:${m.id}`, { target: m, args, bound: true, at });
          break;
        }
        return [UNKNOWN];
      }
      default:
        return [UNKNOWN];
    }
  }

  /** Arguments of a call into the parameters of a user function (positional, then keywords). */
  private bind(f: FuncDef, args: BoundArg[], skipFirst: boolean, from?: string): void {
    const params = f.params.slice(skipFirst ? 1 : 0);
    let i = 0;
    const positional = params.filter((p) => p.star === '' && !p.keywordOnly);
    // the text of each argument, written once (a `**kwargs` may reach dozens of parameters)
    const texts = new Map<SyntaxNode, string>();
    const written = (node: SyntaxNode) => {
      let w = texts.get(node);
      if (w === undefined) texts.set(node, (w = this.t(node).replace(/\s+/g, ' ')));
      return w;
    };
    const pass = (p: ParamDef, values: VSet, at: number, node?: SyntaxNode | null, prefix = '') => {
      // (unknowns add nothing to a parameter whose first unknown already says what a caller passed:
      // union keeps that one; a `**kwargs` handed on by many calls reaches every parameter each time)
      if (values.every((v) => v.k === 'unknown' && v !== WIDE) && holdsNamedUnknown(p.passed)) return;
      // (nor does a caller's own parameter, to one that holds a caller's parameter already: both
      // stand for what callers elsewhere pass; 418 classes passing their `planes` to one helper
      // would otherwise fill it past the bound and widen it, one caller after another)
      if (p.passed.some((v) => v.k === 'param')) {
        const rest = values.filter((v) => v.k !== 'param');
        if (!rest.length) return;
        values = rest;
      }
      const hop: Hop = from ? { via: 'call', name: p.name, at: p.node.from, from } : { via: 'call', name: p.name, at };
      // what the call passes but NormLens cannot follow keeps where it came from (the layer says so)
      const opaque = (v: Value) => v.k === 'unknown' && v !== WIDE && !v.hops.length;
      const what = node && !from && values.some(opaque) ? prefix + written(node) : undefined;
      const vs = what ? values.map((v): Value => (opaque(v) ? { k: 'unknown', hops: [{ ...hop, what }] } : v)) : values;
      p.passed = this.grow(p.passed, withHop(vs, hop), f);
    };
    const given = new Set<ParamDef>();
    const opaque: BoundArg[] = [];
    // the keywords no parameter takes, for the callee's `**kwargs` (if it has one)
    const kw = params.find((p) => p.star === '**');
    const extra: [string, VSet][] = [];
    // (a keyword written by name that an open mapping may also hold: Python refuses the call when it does)
    let byName: Set<string> | null = null;
    for (const a of args) {
      if (a.star) {
        if (a.star === '*') i = Infinity;
        // `**kw` with keys the code fixes passes each by name (Python refuses a name given twice)
        const mk = a.star === '**' ? mappingKeywords(a) : null;
        if (a.star === '**' && (!mk || mk.open)) opaque.push(a);
        for (const [name, k] of mk?.keys ?? []) {
          if (mk!.open && (byName ??= new Set(args.flatMap((x) => (!x.star && x.name ? [x.name] : [])))).has(name)) continue;
          const p = params.find((x) => x.name === name && x.star === '');
          if (p) pass(p, k.values, a.node?.from ?? 0);
          else if (kw) extra.push([name, k.values]);
          if (p && k.always) given.add(p);
        }
        continue;
      }
      let p: ParamDef | undefined;
      if (a.name) p = params.find((x) => x.name === a.name && x.star === '');
      else if (i < positional.length) p = positional[i++];
      if (p) {
        given.add(p);
        pass(p, a.values, a.node?.from ?? 0, a.node);
      } else if (a.name && kw) extra.push([a.name, a.values]);
    }
    if (kw && extra.length) this.passExtra(f, kw, extra, args.find((a) => a.node)?.node?.from ?? 0, from);
    // a `**kwargs` whose keys the code does not fix (a builder's, a config's) may set any
    // parameter the call does not give otherwise: its default is then not certain
    for (const a of opaque) for (const p of params) if (p.star === '' && !given.has(p)) pass(p, [UNKNOWN], a.node?.from ?? 0, a.node, '**');
    if (!this.partialArgs)
      for (const p of params)
        if (p.star === '' && !given.has(p) && !p.defaultUsed) {
          p.defaultUsed = true;
          this.changes(f);
        }
  }
  /**
   * Keywords a call passes that no parameter of `f` takes, into its `**kwargs`: one open dict of
   * every such keyword its calls pass, each with the values of every call (callers elsewhere may
   * pass others, or none: a `**kwargs` always may hold other keys, and each key may be absent).
   * timm's model functions hand `norm_layer=BatchNormAct2d` through `_create_resnetv2(variant,
   * **kwargs)` on to the model class this way.
   */
  private passExtra(f: FuncDef, kw: ParamDef, extra: readonly [string, VSet][], at: number, from?: string): void {
    if (this.pure) return;
    const old = kw.passed.length === 1 && kw.passed[0].k === 'dict' ? kw.passed[0] : null;
    const had = old ? entryMap(old) : new Map<string, VSet>();
    // (copied only when the call adds something: most calls of a function pass what others did)
    let entries: Map<string, VSet> | null = old ? null : new Map();
    for (const [name, vs] of extra) {
      const hop: Hop = from ? { via: 'call', name, at: kw.node.from, from } : { via: 'call', name, at };
      const cur = (entries ?? had).get(name);
      const u = union(cur ?? EMPTY, withHop(vs, hop));
      if (!cur || (u !== cur && !sameSet(u, cur))) (entries ??= new Map(had)).set(name, u);
    }
    if (!entries) return;
    kw.passed = [{ k: 'dict', entries: [...entries], at: kw.node.from, hops: [], open: true, sig: (kw.versions = (kw.versions ?? 0) + 1) }];
    this.touched(f);
  }

  /** Binding a partial's own arguments: the parameters it leaves are given where it is called. */
  private partialArgs = false;

  /** A call's argument values by parameter name (positional, then keywords). */
  private bindMap(f: FuncDef, args: BoundArg[], skipFirst: boolean): Map<string, VSet> {
    const params = f.params.slice(skipFirst ? 1 : 0);
    const positional = params.filter((p) => p.star === '' && !p.keywordOnly);
    const out = new Map<string, VSet>();
    let i = 0;
    for (const a of args) {
      if (a.star) {
        if (a.star === '*') i = Infinity;
        for (const [name, k] of mappingKeywords(a)?.keys ?? []) {
          const p = params.find((x) => x.name === name && x.star === '');
          // (a key some of the dicts lack leaves the default possible)
          if (p && !out.has(p.name)) out.set(p.name, k.always ? k.values : union(k.values, p.defaultNode ? p.defaults : [UNKNOWN]));
        }
        continue;
      }
      const p = a.name ? params.find((x) => x.name === a.name && x.star === '') : positional[i++];
      if (p) out.set(p.name, a.values);
    }
    return out;
  }

  private bindFields(cls: ClassDef, args: BoundArg[], from?: string): void {
    const fields: string[] = [];
    for (const c of [...this.hierarchy(cls)].reverse()) if (c === cls || this.isBaseOf(c, cls)) fields.push(...c.fields.filter((f) => !fields.includes(f)));
    let i = 0;
    const pass = (name: string, values: VSet, at: number) => {
      const vs = withHop(values, from ? { via: 'call', name, at: cls.node.from, from } : { via: 'call', name, at });
      for (const c of this.hierarchy(cls)) if (c.fields.includes(name)) c.fieldPassed.set(name, this.grow(c.fieldPassed.get(name) ?? EMPTY, vs, c));
    };
    for (const a of args) {
      if (a.star) {
        if (a.star === '*') i = Infinity;
        for (const [name, k] of mappingKeywords(a)?.keys ?? []) if (fields.includes(name)) pass(name, k.values, a.node?.from ?? 0);
        continue;
      }
      const name = a.name ?? fields[i++];
      if (name) pass(name, a.values, a.node?.from ?? 0);
    }
  }

  private isBaseOf(a: ClassDef, b: ClassDef, seen = new Set<ClassDef>()): boolean {
    if (seen.has(b)) return false;
    seen.add(b);
    return b.bases.some((x) => x.k === 'class' && (x.cls === a || this.isBaseOf(a, x.cls, seen)));
  }

  /** A class's framework bases, reached through its user bases: qualified names. */
  frameworkBases(cls: ClassDef, seen = new Set<ClassDef>()): { q: string; via: ClassDef }[] {
    if (seen.has(cls)) return [];
    seen.add(cls);
    const out: { q: string; via: ClassDef }[] = [];
    for (const b of cls.bases) {
      if (b.k === 'q') out.push({ q: b.q, via: cls });
      else if (b.k === 'class') out.push(...this.frameworkBases(b.cls, seen));
    }
    return out;
  }

  /**
   * The framework attributes importing this module replaces (`nn.BatchNorm2d = partial(nn.GroupNorm, 2)`
   * in a patch module imported for its effect): those its module body replaces, then those of the
   * project modules it imports. A replacement only a function makes is not certain to run: left out.
   */
  exportedPatches(): ReadonlyMap<string, VSet> {
    const out = new Map<string, VSet>();
    // (not what runs only as a script: `if __name__ == "__main__":`)
    const main = statements(this.tree.topNode).filter((st) => st.name === 'IfStatement' && /^if\s+__name__\s*==\s*['"]__main__['"]/.test(this.t(st)));
    for (const [q, slot] of this.patches)
      if (slot.moduleAt !== undefined && slot.vs.length && !main.some((st) => st.from <= slot.moduleAt! && slot.moduleAt! < st.to))
        out.set(q, this.deref(slot.vs));
    for (const [q, p] of this.importedPatches()) if (!out.has(q) && !p.may) out.set(q, p.vs);
    return out;
  }

  /** Every framework attribute this module replaces, at module level or in a function (see ImportHost.anywhere). */
  patchedAnywhere(): ReadonlyMap<string, VSet> {
    const out = new Map<string, VSet>();
    for (const [q, slot] of this.patches) if (slot.vs.length) out.set(q, this.deref(slot.vs));
    return out;
  }

  private elsewhere?: ReadonlyMap<string, { vs: VSet; from: string }>;

  private imported?: Map<string, { vs: VSet; at: number; may: boolean }>;

  /**
   * What the project modules this module imports replace (see exportedPatches), by qualified name,
   * with the first import statement that runs them: certain for an import the module body runs (at
   * top level, or in a try, an if, a with ...) of what the imported module's body replaces; `may`
   * for an import in a function, or what only a function of the imported module replaces (after
   * the class itself). Read from the whole tree, so that each block of the module sees the same.
   */
  private importedPatches(): ReadonlyMap<string, { vs: VSet; at: number; may: boolean }> {
    if (this.imported) return this.imported;
    const out = (this.imported = new Map());
    const host = this.host;
    if (!host?.patches) return out;
    const imports: { st: SyntaxNode; inFunction: boolean }[] = [];
    for (const st of statements(this.tree.topNode)) if (st.name === 'ImportStatement') imports.push({ st, inFunction: false });
    // (imports written in a block or a function: found by their lines, then their nodes)
    for (const m of this.text.matchAll(/^[ \t]+(?:from|import)[ \t]/gm)) {
      let n: SyntaxNode | null = this.tree.resolveInner(m.index + m[0].length - 1, 1);
      while (n && n.name !== 'ImportStatement') n = n.parent;
      if (!n || n.parent?.name === 'Script') continue;
      let inFunction = false;
      for (let p = n.parent; p; p = p.parent)
        if (p.name === 'FunctionDefinition' || p.name === 'LambdaExpression' || p.name === 'ClassDefinition') inFunction = true;
      imports.push({ st: n, inFunction });
    }
    imports.sort((a, b) => a.st.from - b.st.from);
    // Python runs every package around a module (its `__init__.py`) before the module: as if imported at its top
    const parts = this.moduleName.split('.').filter(Boolean);
    const around = parts.slice(0, parts.length - 1).map((_, i) => parts.slice(0, i + 1).join('.'));
    const runs: { modules: string[]; st: SyntaxNode; inFunction: boolean; pkg?: boolean }[] = [
      ...(around.length ? [{ modules: around, st: this.tree.topNode, inFunction: false, pkg: true }] : []),
      ...imports.map((x) => ({ ...x, modules: this.executedModules(x.st) })),
    ];
    // `importlib.import_module("patch")`, `__import__("patch")` with a literal name: an import too
    for (const m of this.text.matchAll(/\b(?:importlib[ \t]*\.[ \t]*import_module|__import__)[ \t]*\([ \t]*(['"])([\w.]+)\1[ \t]*\)/g)) {
      let n: SyntaxNode | null = this.tree.resolveInner(m.index, 1);
      while (n && n.name !== 'CallExpression') n = n.parent;
      // (the call itself, not one around a string that mentions it)
      if (!n || n.from !== m.index) continue;
      let inFunction = false;
      for (let p = n.parent; p; p = p.parent)
        if (p.name === 'FunctionDefinition' || p.name === 'LambdaExpression' || p.name === 'ClassDefinition') inFunction = true;
      const parts = m[2].split('.');
      runs.push({ modules: parts.map((_, i) => parts.slice(0, i + 1).join('.')), st: n, inFunction });
    }
    runs.sort((a, b) => a.st.from - b.st.from);
    for (const { st, inFunction, modules, pkg } of runs) {
      for (const module of modules) {
        const found = host.patches(module, this.moduleName);
        if (!found) continue;
        // (a package around this module: its __init__.py, which runs before it)
        const name = pkg ? `${module.replace(/^\./, '').replace(/\./g, '/')}/__init__.py` : module.slice(module.lastIndexOf('.') + 1);
        const add = (q: string, vs: VSet, may: boolean) => {
          const had = out.get(q);
          if (had && had.may <= may) return;
          out.set(q, { vs: withHop(foreign(vs, found.model), { via: 'import', name, at: st.from, patched: true }), at: st.from, may });
        };
        for (const [q, vs] of found.patches) add(q, vs, inFunction);
        for (const [q, vs] of found.model.patchedAnywhere()) add(q, vs, true);
      }
    }
    return out;
  }

  /** The modules an import statement runs: `import a.b` runs a and a.b; `from a import b` runs a, and a.b when b is a submodule. */
  private executedModules(n: SyntaxNode): string[] {
    const out = new Set<string>();
    const kids = children(n);
    if (kids[0]?.name === 'from') {
      for (const b of this.importBindings(n)) {
        const dot = b.target.lastIndexOf('.');
        if (dot > 0) out.add(b.target.slice(0, dot));
        if (b.local !== '*') out.add(b.target);
      }
      return [...out];
    }
    let parts: string[] = [];
    const flush = () => {
      for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'));
      parts = [];
    };
    for (let i = 1; i < kids.length; i++) {
      const k = kids[i];
      if (k.name === 'VariableName') parts.push(this.t(k));
      else if (k.name === 'as') {
        flush();
        i++;
      } else if (k.name === ',') flush();
    }
    flush();
    return [...out];
  }

  /** Module-level values of a name (what another module importing it sees). */
  exported(name: string): VSet | undefined {
    return this.module.locals.has(name) ? this.deref(this.module.summary.get(name) ?? EMPTY) : undefined;
  }

  private derefDepth = 0;

  /** Imported names of other project modules, replaced by what those modules bind them to. */
  deref(vs: VSet): VSet {
    if (!vs.some((v) => v.k === 'ext')) return vs;
    let out: VSet = EMPTY;
    for (const v of vs) {
      if (v.k !== 'ext') {
        out = union(out, [v]);
        continue;
      }
      let found: { values: VSet; model: ModuleModel } | undefined;
      if (this.derefDepth < 16 && v.model.host) {
        this.derefDepth++;
        try {
          found = v.model.host.lookup(v.module, v.name, v.model.moduleName);
        } finally {
          this.derefDepth--;
        }
      }
      if (!found) {
        out = union(out, [{ k: 'q', q: `${v.module}.${v.name}`, hops: [] }]);
        continue;
      }
      const mine = foreign(found.values, found.model);
      out = union(out, v.model === this ? withHop(mine, { via: 'import', name: v.local, at: v.at }) : mine);
    }
    return out;
  }
}

/** Python's truth of a condition whose only value is a literal (None, a bool, a number, a string, a tuple); undefined otherwise. */
function decided(vs: VSet): boolean | undefined {
  if (vs.length !== 1 || vs[0].k !== 'const') return undefined;
  const v = vs[0].v;
  if (v === null || typeof v === 'boolean') return !!v;
  if (typeof v === 'number' || typeof v === 'string') return !!v;
  if (Array.isArray(v)) return v.length > 0;
  return undefined;
}

/**
 * Values of another module's model as this one uses them: hops and partial arguments keep that
 * file's offsets, so hops are dropped and partials marked with the model they belong to.
 */
function foreign(values: VSet, model: ModuleModel): VSet {
  return values
    .filter((x) => x.k === 'q' || x.k === 'class' || x.k === 'partial' || x.k === 'func' || x.k === 'const')
    .map((x): Value => (x.k === 'partial' ? { ...x, hops: [], owner: x.owner ?? model } : { ...x, hops: [] }));
}

/** Whether executing a block of statements ends it, exactly as ModuleModel.exec decides. */
function blockEnds(body: SyntaxNode | null | undefined, depth: number): boolean {
  if (!body || depth > MAX_NESTING) return false;
  for (const st of statements(body)) if (ends(st, depth + 1)) return true;
  return false;
}

/**
 * Whether a statement ends the code after it, as ModuleModel's evaluation decides (`raise`,
 * `return`, an if/else whose every branch ends, a try whose every way ends or whose finally
 * ends, a loop's else, a with's body).
 */
export function ends(s: SyntaxNode, depth = 0): boolean {
  if (depth > MAX_NESTING) return false;
  switch (s.name) {
    case 'ReturnStatement':
    case 'RaiseStatement':
      return true;
    case 'StatementGroup':
      return blockEnds(s, depth);
    case 'IfStatement': {
      const kids = children(s);
      let hasElse = false;
      let all = true;
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i];
        if (k.name === 'if' || k.name === 'elif') {
          const body = kids.slice(i + 2).find((x) => x.name === 'Body');
          if (!blockEnds(body, depth)) all = false;
        } else if (k.name === 'else') {
          hasElse = true;
          const body = kids[i + 1];
          if (!(body?.name === 'Body' && blockEnds(body, depth))) all = false;
        }
      }
      return hasElse && all;
    }
    case 'ForStatement':
    case 'WhileStatement':
      return blockEnds(children(s).filter((k) => k.name === 'Body')[1], depth);
    case 'WithStatement':
      for (const k of children(s)) if (k.name === 'Body' && blockEnds(k, depth)) return true;
      return false;
    case 'TryStatement': {
      const kids = children(s);
      let ways = 0;
      let ended = 0;
      let tryWay = -1;
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i];
        if (k.name === 'try' && kids[i + 1]?.name === 'Body') {
          ways++;
          tryWay = blockEnds(kids[i + 1], depth) ? 1 : 0;
          ended += tryWay;
        } else if (k.name === 'except') {
          let j = i + 1;
          while (j < kids.length && kids[j].name !== 'Body') j++;
          ways++;
          if (kids[j] && blockEnds(kids[j], depth)) ended++;
          i = j;
        } else if (k.name === 'else' && kids[i + 1]?.name === 'Body' && tryWay >= 0) {
          // the else runs on the try's way (unless that way ended already)
          if (tryWay === 0 && blockEnds(kids[i + 1], depth)) {
            tryWay = 1;
            ended++;
          }
          i++;
        } else if (k.name === 'finally' && kids[i + 1]?.name === 'Body') {
          // the ways join before the finally (none at all counts as ended, as in ModuleModel.join)
          if (ended === ways) return true;
          if (blockEnds(kids[i + 1], depth)) return true;
          ways = ended = 0;
          i++;
        }
      }
      return ways > 0 && ended === ways;
    }
  }
  return false;
}

/**
 * What one top-level statement tells ModuleModel.firstOwnCall: the names it defines or assigns
 * at top level (a def, a class, an assignment), and, for a statement that runs code there (not a
 * def, class or import), the leading names of the callees of the calls in it, lambdas aside.
 */
export function ownCallFacts(st: SyntaxNode, text: string): { own: string[]; roots: string[] } {
  const t = (n: SyntaxNode) => text.slice(n.from, n.to);
  const own: string[] = [];
  if (st.name === 'FunctionDefinition' || st.name === 'ClassDefinition') {
    const n = st.getChild('VariableName');
    if (n) own.push(t(n));
  } else if (st.name === 'DecoratedStatement') {
    const d = st.getChild('FunctionDefinition') ?? st.getChild('ClassDefinition');
    const n = d?.getChild('VariableName');
    if (n) own.push(t(n));
  } else if (st.name === 'AssignStatement') for (const tg of assignmentParts(st).targets) targetNames(tg, text, own);
  const roots = new Set<string>();
  if (st.name === 'FunctionDefinition' || st.name === 'ClassDefinition' || st.name === 'DecoratedStatement' || st.name === 'ImportStatement')
    return { own, roots: [] };
  const visit = (n: SyntaxNode, depth: number): void => {
    if (depth > MAX_NESTING) return;
    if (n.name === 'CallExpression') {
      const root = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(t(n.firstChild ?? n))?.[0];
      if (root) roots.add(root);
    }
    if (n.name === 'LambdaExpression') return;
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c, depth + 1);
  };
  visit(st, 0);
  return { own, roots: [...roots] };
}

export function child(n: SyntaxNode, ...names: string[]): SyntaxNode | null {
  for (let c = n.firstChild; c; c = c.nextSibling) if (names.includes(c.name)) return c;
  return null;
}

/**
 * A container as a hop's text names it: a dotted name as written (without spaces), a dict or list written in place
 * as `{…}` / `[…]` (its text, with lambdas and calls, would read as nonsense once squeezed), anything else with its
 * runs of white space made one.
 */
function containerName(written: string): string {
  const t = written.trim();
  if (/^[\p{L}\p{N}_.\s]+$/u.test(t)) return t.replace(/\s+/g, '');
  if (t.startsWith('{')) return '{…}';
  if (t.startsWith('[')) return '[…]';
  return t.replace(/\s+/g, ' ');
}
