/**
 * The data flow of a module's code: which layer's output reaches which layer's input, and what
 * happens to the tensor on the way. Each function body (a `forward`, a Flax `@nn.compact`
 * `__call__`, a Keras `call`, a function that builds a Keras functional graph, the module's
 * top-level code) is run once over abstract tensors: a tensor is a node of a small graph (a
 * parameter, the output of a layer applied to inputs, an operation on tensors, a merge of the two
 * sides of an `if`). Layers are named by the start offset of the call that constructs them
 * (`nn.Conv2d(...)` in `__init__`, `nn.Conv(...)` inline in a compact body, an element of
 * `nn.Sequential(...)`), so the rules match them with the recognizer's layers by offset;
 * `self.bn1 = norm_layer(planes)` names the layer at `norm_layer(planes)`, as the semantic model
 * does.
 *
 * Where the flow cannot be known it is not guessed: a call of an unknown function, a layer taken
 * from a list in a loop, a name reassigned in a loop, an attribute whose construction is not seen
 * yield an "unknown" tensor, and nothing reaches a layer through it. The operations on the path
 * are recorded (`Op`), so that each rule decides which of them keep what it cares about: a conv
 * bias survives a permute into a BatchNorm but not an add or a dropout; an activation keeps the
 * channel count, a concatenation does not.
 *
 * Units are analyzed lazily, each once: the editor pays only for the units it reads.
 */
import { findContainer } from '../../frameworks/producers';
import { argList, children, dottedName, operands, paramList, statements, type SyntaxNode, type Tree } from './syntax';

/** What an operation between two layers does to the tensor. */
export type OpKind =
  /** Elementwise nonlinearity (ReLU, GELU, ...): keeps the shape. */
  | 'activation'
  /** Dropout (also its functional form): keeps the shape, rescales in training. */
  | 'dropout'
  /** Pooling: keeps the channel count. */
  | 'pool'
  /** Interpolation/upsampling, padding or cropping: other spatial sizes, the same channels on the same axis. */
  | 'resize'
  /** No change of values (Identity, contiguous, a dtype cast). */
  | 'identity'
  /** Moves axes (permute, transpose, movedim): same values, the channel axis may move. */
  | 'permute'
  /** Reshapes (view, reshape, flatten, squeeze, rearrange): same values, other shape. */
  | 'shape'
  /** Sum with another tensor (residual add, `layers.Add`). */
  | 'add'
  /** Product with another tensor. */
  | 'mul'
  /** Arithmetic with a non-tensor operand (`x * 0.5`, `x + 1`, `-x`). */
  | 'scale'
  /** Concatenation or stacking: the channel count changes. */
  | 'cat'
  /** Indexing, unpacking a tuple. */
  | 'getitem'
  /**
   * A normalization layer sized from its input (Keras/Flax BatchNorm, a lazy norm): the checks
   * follow a producer's channels through it (it keeps the count), never a bias (it removes one).
   */
  | 'norm';

export interface Op {
  kind: OpKind;
  /** As written: 'relu', 'torch.cat', 'permute', '+', 'Dropout'. */
  name: string;
  /** Offset of the expression that performs it. */
  at: number;
}

/** An abstract tensor. */
export type TNode =
  | { t: 'param'; id: number; name: string }
  /** A layer applied: `layer` is the start offset of the call that constructs it. */
  | { t: 'apply'; id: number; layer: number; at: number; input: TNode | null; inputs: TNode[] }
  | { t: 'op'; id: number; op: Op; inputs: TNode[] }
  /** One of several values (the branches of an `if`). */
  | { t: 'phi'; id: number; alts: TNode[] }
  /** Anything else (an unknown call, a loop-carried value): its inputs kept for ancestry only. */
  | { t: 'unknown'; id: number; inputs: TNode[]; at: number };

/** One way from a producer's output to a consumer's input. */
export interface FlowPath {
  /** Operations in the order the tensor passes them. */
  ops: Op[];
}

/** A layer's output reaching another layer's input. */
export interface FlowEdge {
  /** Start offset of the producer's construction call. */
  from: number;
  /** Start offset of the consumer's construction call. */
  to: number;
  /** Offset of the application (`self.bn(x)`, `nn.BatchNorm()(x)`, the element of a Sequential). */
  at: number;
  /**
   * Every way the producer's output reaches this application (several when the two sides of an
   * `if` differ in the operations between). Present only when every source of the consumer's
   * input at this application is this producer: an edge is what certainly happens.
   */
  paths: FlowPath[];
  via: 'call' | 'sequential';
  /**
   * The producer's output (or a value between it and the norm) is also used elsewhere: returned, passed to another
   * call, kept (`feat = self.conv(x); out = self.bn(feat); return out, feat`). What the norm cancels still shows there.
   */
  shared?: true;
  /**
   * The application may call any of several modules (an attribute assigned in the branches of an `if`): the
   * construction offset of each, -1 for one that is no construction call here (`nn.Identity()` is one).
   */
  oneOf?: number[];
}

export type PlacementKind = 'pre-norm' | 'post-norm';

/** Where a layer sits relative to a residual add. */
export interface Placement {
  kind: PlacementKind;
  /** Offset of the residual add (`x + F(norm(x))` for pre-norm; the sum the norm takes for post-norm). */
  addAt: number;
  /** Offset of the layer's application. */
  at: number;
}

/** Qualified name of a callee written at an offset (imports resolved), or null. */
export type Qualify = (callee: string, at: number) => string | null;

type Val =
  | { k: 't'; node: TNode }
  /** Layers a name may hold (several: assigned differently on two branches). */
  | { k: 'mod'; mods: Mod[] }
  | { k: 'list'; items: Val[] }
  | { k: 'const' }
  | { k: 'unk' };

type Mod =
  /** A layer constructed by a call (`layer` = its start offset; `q` its qualified class, when known). */
  | { m: 'layer'; layer: number; q: string | null; name: string }
  /** A container applying its elements in order. */
  | { m: 'seq'; items: Mod[]; at: number }
  | { m: 'unknown' };

const UNK: Val = { k: 'unk' };
const CONST: Val = { k: 'const' };

const FRAMEWORK_PREFIX = /^(torch|keras|tensorflow|tf_keras|flax|jax|haiku|mlx|paddle|einops|timm\.layers|numpy)\./;

const ACTIVATIONS = new Set([
  'relu',
  'relu6',
  'gelu',
  'silu',
  'swish',
  'sigmoid',
  'tanh',
  'leaky_relu',
  'elu',
  'selu',
  'celu',
  'hardswish',
  'hard_swish',
  'hardsigmoid',
  'hard_sigmoid',
  'mish',
  'softplus',
  'softsign',
  'hardtanh',
  'quick_gelu',
  'log_sigmoid',
  'relu_',
  'gelu_',
  'silu_',
  'sigmoid_',
  'tanh_',
  'leaky_relu_',
  'hardswish_',
  'prelu',
  'rrelu',
  'threshold',
]);
const ACTIVATION_CLASSES = new Set([
  'ReLU',
  'ReLU6',
  'GELU',
  'SiLU',
  'LeakyReLU',
  'ELU',
  'SELU',
  'CELU',
  'Sigmoid',
  'Tanh',
  'Hardswish',
  'Hardsigmoid',
  'Mish',
  'PReLU',
  'Softplus',
  'Softsign',
  'Hardtanh',
  'RReLU',
  'Activation',
  'Threshold',
  'QuickGELU',
  'Swish',
]);
const DROPOUT = /^(alpha_|feature_alpha_)?dropout([123]d)?_?$/;
const DROPOUT_CLASSES = /^(Alpha|FeatureAlpha|Spatial|Gaussian)?Dropout([123]d|[123]D)?$/;
const POOL = /^(adaptive_)?(max|avg|lp)_?pool(ing)?([123]d)?$/;
const POOL_CLASSES = /^(Adaptive|Global)?(Max|Avg|Average|LP)Pool(ing)?([123][dD])?$/;
const RESIZE = new Set(['interpolate', 'upsample', 'upsample_nearest', 'upsample_bilinear', 'resize', 'pad']);
const RESIZE_CLASSES =
  /^(Upsample|UpsamplingNearest2d|UpsamplingBilinear2d|UpSampling[123]D|Resizing|ZeroPadding[123]D|Cropping[123]D|(Zero|Constant|Reflection|Replication|Circular)Pad[123]d)$/;
const PERMUTE = new Set(['permute', 'transpose', 'swapaxes', 'moveaxis', 'movedim', 'swapdims', 'mT', 'T']);
const SHAPE = new Set(['reshape', 'view', 'view_as', 'flatten', 'unflatten', 'squeeze', 'unsqueeze', 'expand_dims', 'rearrange', 'reshape_as']);
const IDENTITY = new Set(['contiguous', 'clone', 'float', 'half', 'bfloat16', 'to', 'type', 'type_as', 'astype']);
const CAT = new Set(['cat', 'concat', 'concatenate', 'stack', 'hstack', 'vstack', 'dstack']);

/** How a function or class (by qualified name) acts on a tensor, when it is one of the transparent ones. */
function opOfFunction(q: string): OpKind | undefined {
  if (!FRAMEWORK_PREFIX.test(q)) return undefined;
  const last = q.slice(q.lastIndexOf('.') + 1);
  if (ACTIVATIONS.has(last)) return 'activation';
  if (DROPOUT.test(last)) return 'dropout';
  if (POOL.test(last)) return 'pool';
  if (RESIZE.has(last)) return 'resize';
  if (PERMUTE.has(last)) return 'permute';
  if (SHAPE.has(last)) return 'shape';
  if (CAT.has(last)) return 'cat';
  if (last === 'add') return 'add';
  if (last === 'mul' || last === 'multiply') return 'mul';
  return undefined;
}

function opOfClass(q: string): OpKind | undefined {
  if (!FRAMEWORK_PREFIX.test(q)) return undefined;
  const last = q.slice(q.lastIndexOf('.') + 1);
  if (ACTIVATION_CLASSES.has(last)) return 'activation';
  if (DROPOUT_CLASSES.test(last)) return 'dropout';
  if (POOL_CLASSES.test(last)) return 'pool';
  if (RESIZE_CLASSES.test(last)) return 'resize';
  if (last === 'Identity') return 'identity';
  if (last === 'Flatten' || last === 'Unflatten' || last === 'Reshape') return 'shape';
  if (last === 'Permute') return 'permute';
  if (last === 'Concatenate') return 'cat';
  if (last === 'Add') return 'add';
  if (last === 'Multiply') return 'mul';
  return undefined;
}

function opOfMethod(name: string): OpKind | undefined {
  if (ACTIVATIONS.has(name)) return 'activation';
  if (PERMUTE.has(name)) return 'permute';
  if (SHAPE.has(name)) return 'shape';
  if (IDENTITY.has(name)) return 'identity';
  if (name === 'add' || name === 'add_') return 'add';
  if (name === 'mul' || name === 'mul_') return 'mul';
  return undefined;
}

/** A function body (or the module's top level) analyzed as one unit. */
interface Unit {
  node: SyntaxNode;
  body: SyntaxNode | null;
  cls: SyntaxNode | null;
  params: string[];
  /** The module's top level. */
  top?: boolean;
}

interface UnitFlow {
  edges: FlowEdge[];
  /** Applications of layers, in the order they run. */
  applies: (TNode & { t: 'apply' })[];
  /** Uses of each node: nodes that take it as an input, and returns. */
  uses: Map<TNode, number>;
  /** Nodes that are a unit parameter. */
  params: Set<TNode>;
  /** Sums of two tensors. */
  adds: (TNode & { t: 'op' })[];
}

/** Depth bound for expressions and ancestry walks. */
const MAX_DEPTH = 200;
/** Bound on the nodes of one unit (a generated file with thousands of statements stays linear). */
const MAX_NODES = 50_000;

/** A def, a class (decorated or not) or an import: what UnitRun.stmt runs at top level without evaluating anything. */
const definesOnly = (n: SyntaxNode): boolean =>
  n.name === 'FunctionDefinition' || n.name === 'ClassDefinition' || n.name === 'DecoratedStatement' || n.name === 'ImportStatement';

/** The top level's flow of a tree, shared by the FlowModels of its blocks. */
const topFlows = new WeakMap<Tree, { qualify: Qualify; flow: UnitFlow }>();

/** What the checks read of a module's data flow (a FlowModel, or edges gathered per block). */
export interface FlowEdges {
  edges(): FlowEdge[];
}

/** Disjoint offset ranges [from, to), in text order. */
export type Ranges = readonly (readonly [number, number])[];

function inRanges(ranges: Ranges, at: number): boolean {
  for (const [from, to] of ranges) if (from <= at && at < to) return true;
  return false;
}

export class FlowModel implements FlowEdges {
  private units: Unit[] | null = null;
  private flows = new Map<SyntaxNode['from'], UnitFlow>();
  private classes: Map<string, SyntaxNode[]> | null = null;
  private attrCache = new Map<string, SyntaxNode[] | null>();
  private seqEdges: FlowEdge[] | null = null;

  /**
   * `items`: only these top-level statements (a block of ./blocks.ts: statements that share no
   * module-level name with the rest, so the flow of their code is the same as in the whole module).
   */
  constructor(
    readonly text: string,
    readonly tree: Tree,
    readonly qualify: Qualify,
    private readonly items?: readonly SyntaxNode[],
  ) {}

  /** The module's top-level statements (or the block's). */
  private topStatements(): readonly SyntaxNode[] {
    return this.items ?? statements(this.tree.topNode);
  }

  /** Whether an offset lies in the statements this model reports on. */
  private within(at: number): boolean {
    const items = this.items;
    if (!items) return true;
    // (in text order: the last statement starting at or before `at`)
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (items[mid].from <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && at < items[lo - 1].to;
  }

  /** Every edge of the module: in its functions, its top-level code and its Sequential containers. */
  edges(ranges?: Ranges): FlowEdge[] {
    const out: FlowEdge[] = [];
    const seen = new Set<string>();
    const add = (e: FlowEdge) => {
      const key = `${e.from}>${e.to}@${e.at}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push(e);
    };
    for (const u of this.unitsIn(ranges)) for (const e of this.flowOf(u).edges) if (this.within(e.at)) add(e);
    for (const e of this.sequentialEdges()) if (!ranges || inRanges(ranges, e.at)) add(e);
    return out.sort((a, b) => a.to - b.to || a.from - b.from || a.at - b.at);
  }

  /**
   * The places each unit's findings tie together, once per finding: an edge's producer,
   * consumer, application and alternatives; a placement's layer and application. (A finding of
   * one statement about another's layer ties the two statements: see PythonModule.)
   */
  links(ranges?: Ranges): number[][] {
    const out: number[][] = [];
    for (const u of this.unitsIn(ranges)) {
      const f = this.flowOf(u);
      for (const e of f.edges) if (this.within(e.at)) out.push([e.from, e.to, e.at, ...(e.oneOf ?? []).filter((o) => o >= 0)]);
      for (const [a, p] of placementsOf(f)) if (this.within(p.at)) out.push([a.layer, p.at]);
    }
    for (const e of this.sequentialEdges()) if (!ranges || inRanges(ranges, e.at)) out.push([e.from, e.to, e.at, ...(e.oneOf ?? []).filter((o) => o >= 0)]);
    return out;
  }

  /**
   * The units whose code lies in `ranges` (top-level statements of the block), and the module's
   * top-level code; all units without ranges. (A unit elsewhere names no layer built in them
   * unless it reads a name they bind: PythonModule asks so only of statements no other reads.)
   */
  private unitsIn(ranges?: Ranges): Unit[] {
    const all = this.allUnits();
    return ranges ? all.filter((u) => u.top || inRanges(ranges, u.node.from)) : all;
  }

  /** Placement of each layer applied next to a residual add, by the layer's construction offset (found by the units in `ranges`: see unitsIn). */
  placements(ranges?: Ranges): Map<number, Placement> {
    const out = new Map<number, Placement>();
    const conflict = new Set<number>();
    for (const u of this.unitsIn(ranges)) {
      const f = this.flowOf(u);
      for (const [a, p] of placementsOf(f)) {
        if (!this.within(p.at)) continue;
        const prev = out.get(a.layer);
        if (prev && prev.kind !== p.kind) conflict.add(a.layer);
        else if (!prev) out.set(a.layer, p);
      }
    }
    for (const l of conflict) out.delete(l);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Units

  private allUnits(): Unit[] {
    if (this.units) return this.units;
    const units: Unit[] = [];
    const top = this.tree.topNode;
    // the top level runs whole (a statement of another block may end it); what it finds
    // outside the block is left out by within()
    units.push({ node: top, body: top, cls: null, params: [], top: true });
    const visit = (n: SyntaxNode, cls: SyntaxNode | null, depth: number) => {
      if (depth > MAX_DEPTH) return;
      for (const s of depth === 0 ? this.topStatements() : statements(n)) {
        const def = s.name === 'DecoratedStatement' ? children(s).find((c) => c.name === 'FunctionDefinition' || c.name === 'ClassDefinition') : s;
        if (!def) continue;
        if (def.name === 'FunctionDefinition') {
          const params = paramList(children(def).find((c) => c.name === 'ParamList') ?? null, this.text).map((p) => p.name!);
          const body = children(def).find((c) => c.name === 'Body') ?? null;
          units.push({ node: def, body, cls, params: cls ? params.slice(1) : params });
          if (body) visit(body, null, depth + 1);
        } else if (def.name === 'ClassDefinition') {
          const body = children(def).find((c) => c.name === 'Body') ?? null;
          if (body) visit(body, def, depth + 1);
        } else {
          // statements that hold bodies (if/for/with/try) may define functions too
          for (const b of children(def)) if (b.name === 'Body') visit(b, cls, depth + 1);
        }
      }
    };
    visit(top, null, 0);
    this.units = units;
    return units;
  }

  private flowOf(u: Unit): UnitFlow {
    let f = this.flows.get(u.node.from);
    // a block of definitions and imports only: the top level's run gives nothing within it (stmt() binds their
    // names, nothing more), so the whole module's top level is not run for it (an edit in a class costs no walk of
    // every statement of the file)
    if (!f && u.top && this.items?.every(definesOnly))
      this.flows.set(u.node.from, (f = { edges: [], applies: [], uses: new Map(), params: new Set(), adds: [] }));
    if (!f) {
      // the blocks of one tree share its top level's flow (each keeps what lies in it)
      const shared = u.top && this.items ? topFlows.get(this.tree) : undefined;
      // (run by a model of the whole module: top-level code of other blocks sees their classes)
      f =
        shared && shared.qualify === this.qualify
          ? shared.flow
          : new UnitRun(u.top && this.items ? new FlowModel(this.text, this.tree, this.qualify) : this, u).run();
      if (u.top && this.items && !shared) topFlows.set(this.tree, { qualify: this.qualify, flow: f });
      this.flows.set(u.node.from, f);
    }
    return f;
  }

  /** Class definitions of this module by name (for attributes assigned in a base class). */
  classByName(name: string): SyntaxNode[] {
    if (!this.classes) {
      this.classes = new Map();
      const visit = (n: SyntaxNode, depth: number) => {
        if (depth > MAX_DEPTH) return;
        for (const s of depth === 0 ? this.topStatements() : statements(n)) {
          const def = s.name === 'DecoratedStatement' ? children(s).find((c) => c.name === 'ClassDefinition') : s;
          if (def?.name !== 'ClassDefinition') continue;
          const nameNode = children(def).find((c) => c.name === 'VariableName');
          if (nameNode) {
            const key = this.text.slice(nameNode.from, nameNode.to);
            this.classes!.set(key, [...(this.classes!.get(key) ?? []), def]);
          }
          const body = children(def).find((c) => c.name === 'Body');
          if (body) visit(body, depth + 1);
        }
      };
      visit(this.tree.topNode, 0);
    }
    return this.classes.get(name) ?? [];
  }

  /**
   * The expressions assigned to `self.<attr>` anywhere in a class's methods (or, when it has none,
   * in a base class of the same module); null when an assignment is not a plain one (a `setattr`,
   * an augmented assignment, a tuple target) or the attribute is nowhere assigned.
   */
  attrValues(cls: SyntaxNode, attr: string, depth = 0): { value: SyntaxNode; method: SyntaxNode }[] | null {
    const key = `${cls.from}:${attr}`;
    if (this.attrCache.has(key)) return this.attrCache.get(key) as never;
    this.attrCache.set(key, null);
    const own = this.selfAssignments(cls).get(attr);
    let result: { value: SyntaxNode; method: SyntaxNode }[] | null = own === undefined ? null : own;
    if (own === undefined && depth < 8) {
      // inherited from a base class written in this module
      const args = children(cls).find((c) => c.name === 'ArgList');
      for (const b of args ? operands(args) : []) {
        const name = dottedName(b, this.text);
        const bases = name ? this.classByName(name) : [];
        if (bases.length !== 1) continue;
        const r = this.attrValues(bases[0], attr, depth + 1);
        if (r) {
          result = r;
          break;
        }
      }
    }
    this.attrCache.set(key, result as never);
    return result;
  }

  private assignments = new Map<number, Map<string, { value: SyntaxNode; method: SyntaxNode }[] | null>>();

  /**
   * Every `self.<attr> = value` in a class's methods, by attribute, read in one pass; null for an
   * attribute also assigned in a way that is not plain (a tuple target, an augmented assignment).
   */
  private selfAssignments(cls: SyntaxNode): Map<string, { value: SyntaxNode; method: SyntaxNode }[] | null> {
    let out = this.assignments.get(cls.from);
    if (out) return out;
    const found = new Map<string, { value: SyntaxNode; method: SyntaxNode }[] | null>();
    out = found;
    this.assignments.set(cls.from, out);
    const text = this.text;
    const attrOf = (n: SyntaxNode): string | null => {
      if (n.name !== 'MemberExpression') return null;
      const k = children(n);
      return k.length === 3 && k[0].name === 'VariableName' && text.slice(k[0].from, k[0].to) === 'self' && k[1].name === '.'
        ? text.slice(k[2].from, k[2].to)
        : null;
    };
    const bad = (attr: string) => found.set(attr, null);
    const add = (attr: string, value: SyntaxNode, method: SyntaxNode) => {
      const list = found.get(attr);
      if (list === null) return;
      if (list) list.push({ value, method });
      else found.set(attr, [{ value, method }]);
    };
    const scan = (n: SyntaxNode, method: SyntaxNode, d: number) => {
      if (d > MAX_DEPTH) return;
      for (let c = n.firstChild; c; c = c.nextSibling) {
        if (c.name === 'FunctionDefinition' || c.name === 'ClassDefinition' || c.name === 'LambdaExpression') continue;
        if (c.name === 'AssignStatement') {
          const { targets, value } = splitAssign(c);
          for (const t of targets) {
            if (t.length === 1) {
              const attr = attrOf(t[0]);
              if (attr !== null) {
                if (value) add(attr, value, method);
                else bad(attr);
              } else if (t[0].name === 'TupleExpression' || t[0].name === 'ParenthesizedExpression')
                for (const x of operands(t[0])) {
                  const a = attrOf(x);
                  if (a !== null) bad(a);
                }
            } else
              for (const x of t) {
                const a = attrOf(x);
                if (a !== null) bad(a);
              }
          }
        } else if (c.name === 'UpdateStatement' && c.firstChild) {
          const a = attrOf(c.firstChild);
          if (a !== null) bad(a);
        }
        scan(c, method, d + 1);
      }
    };
    const body = children(cls).find((c) => c.name === 'Body');
    for (const s of statements(body ?? null)) {
      const def = s.name === 'DecoratedStatement' ? children(s).find((c) => c.name === 'FunctionDefinition') : s;
      if (def?.name === 'FunctionDefinition') scan(def, def, 0);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Sequential containers anywhere in the module

  private sequentialEdges(): FlowEdge[] {
    if (this.seqEdges) return this.seqEdges;
    const out: FlowEdge[] = [];
    const calls: SyntaxNode[] = [];
    for (const top of this.items ?? [this.tree.topNode]) {
      const cursor = top.cursor();
      do {
        if (cursor.name === 'CallExpression') calls.push(cursor.node);
      } while (cursor.next() && cursor.from < top.to);
    }
    for (const call of calls) {
      const callee = call.firstChild;
      const name = callee ? dottedName(callee, this.text) : null;
      const q = name ? this.qualify(name, call.from) : null;
      if (!q || !findContainer(q)) continue;
      // A unit of its own: the container applied to an input.
      const run = new UnitRun(this, { node: call, body: null, cls: null, params: [] });
      const mod = run.sequentialOf(call, q, null);
      if (mod.m !== 'seq') continue;
      run.applySeq(mod, run.param('input'), 'sequential');
      out.push(...run.result().edges);
    }
    this.seqEdges = out;
    return out;
  }
}

/** Targets (each a comma-separated run of nodes) and value of an assignment statement. */
function splitAssign(n: SyntaxNode): { targets: SyntaxNode[][]; value: SyntaxNode | null } {
  const segments: SyntaxNode[][] = [[]];
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c.name === 'AssignOp' || c.name === '=') segments.push([]);
    else if (c.name !== ',' && c.name !== 'TypeDef' && c.name !== 'Comment') segments[segments.length - 1].push(c);
  }
  if (segments.length < 2) return { targets: [], value: null };
  const last = segments.pop()!;
  return { targets: segments, value: last.length === 1 ? last[0] : null };
}

// ---------------------------------------------------------------------------------------------
// Running one unit

class UnitRun {
  private nextId = 0;
  private edges: FlowEdge[] = [];
  private applies: (TNode & { t: 'apply' })[] = [];
  private uses = new Map<TNode, number>();
  private params = new Set<TNode>();
  private adds: (TNode & { t: 'op' })[] = [];
  private text: string;
  private nodes = 0;
  private overflow = false;
  /** Locals of the method a `self.x = <local>` was assigned in, resolved once. */
  private localCache = new Map<number, Map<string, { count: number; found: SyntaxNode | null }>>();

  constructor(
    private readonly model: FlowModel,
    private readonly unit: Unit,
  ) {
    this.text = model.text;
  }

  run(): UnitFlow {
    const env = new Map<string, Val>();
    for (const p of this.unit.params) env.set(p, { k: 't', node: this.param(p) });
    if (this.unit.body) this.block(this.unit.body, env, 0);
    return this.result();
  }

  result(): UnitFlow {
    if (this.overflow) return { edges: [], applies: [], uses: new Map(), params: new Set(), adds: [] };
    // a value on the way used more than once (a phi is read by whoever reads it: counted as its own)
    for (const [e, nodes] of this.onTheWay) if (nodes.some((n) => n.t !== 'phi' && (this.uses.get(n) ?? 0) > 1)) e.shared = true;
    return { edges: this.edges, applies: this.applies, uses: this.uses, params: this.params, adds: this.adds };
  }

  param(name: string): TNode {
    const n: TNode = { t: 'param', id: this.nextId++, name };
    this.params.add(n);
    return n;
  }

  private use(n: TNode) {
    this.uses.set(n, (this.uses.get(n) ?? 0) + 1);
  }

  private mk<T extends TNode>(n: T): T {
    if (++this.nodes > MAX_NODES) this.overflow = true;
    if (n.t === 'apply' || n.t === 'op' || n.t === 'unknown') for (const i of n.inputs) this.use(i);
    if (n.t === 'phi') for (const i of n.alts) this.use(i);
    if (n.t === 'op' && n.op.kind === 'add') this.adds.push(n as TNode & { t: 'op' });
    return n;
  }

  private unknown(inputs: TNode[], at: number): TNode {
    return this.mk({ t: 'unknown', id: this.nextId++, inputs, at });
  }

  private op(kind: OpKind, name: string, at: number, inputs: TNode[]): TNode {
    return this.mk({ t: 'op', id: this.nextId++, op: { kind, name, at }, inputs });
  }

  // --- statements ---------------------------------------------------------------------------

  private block(body: SyntaxNode, env: Map<string, Val>, depth: number): boolean {
    for (const s of statements(body)) {
      if (this.stmt(s, env, depth)) return true;
    }
    return false;
  }

  /** Runs a statement; true when control leaves the block (return, raise, break, continue). */
  private stmt(s: SyntaxNode, env: Map<string, Val>, depth: number): boolean {
    if (depth > MAX_DEPTH || this.overflow) return true;
    switch (s.name) {
      case 'AssignStatement': {
        const { targets, value } = splitAssign(s);
        const v = value ? this.expr(value, env, depth) : UNK;
        for (const t of targets) this.assign(t, v, env, s.from);
        return false;
      }
      case 'UpdateStatement': {
        const kids = children(s);
        const target = kids[0];
        const opNode = kids.find((c) => c.name === 'UpdateOp');
        const value = kids[kids.length - 1];
        const op = opNode ? this.text.slice(opNode.from, opNode.to) : '';
        const left = this.expr(target, env, depth);
        const right = this.expr(value, env, depth);
        this.assign([target], this.binary(op.slice(0, -1), left, right, s.from), env, s.from);
        return false;
      }
      case 'ExpressionStatement':
        for (const c of operands(s)) this.expr(c, env, depth);
        return false;
      case 'ReturnStatement': {
        for (const c of operands(s)) {
          const v = this.expr(c, env, depth);
          for (const n of tensorsOf(v)) this.use(n);
        }
        return true;
      }
      case 'RaiseStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
        return true;
      case 'IfStatement':
        return this.ifStmt(s, env, depth);
      case 'ForStatement':
      case 'WhileStatement':
        this.loop(s, env, depth);
        return false;
      case 'WithStatement': {
        const body = children(s).find((c) => c.name === 'Body');
        for (const c of operands(s)) if (c.name !== 'Body' && c.name === 'CallExpression') this.expr(c, env, depth);
        // `with ... as name` binds something unknown
        for (const c of children(s)) if (c.name === 'VariableName' && c.prevSibling?.name === 'as') env.set(this.text.slice(c.from, c.to), UNK);
        return body ? this.block(body, env, depth + 1) : false;
      }
      case 'TryStatement': {
        const bodies = children(s).filter((c) => c.name === 'Body');
        if (bodies.length === 0) return false;
        // the try body as the straight-line path; handlers as alternatives
        const before = new Map(env);
        const left = this.block(bodies[0], env, depth + 1);
        for (const b of bodies.slice(1)) {
          const alt = new Map(before);
          this.block(b, alt, depth + 1);
          for (const k of new Set([...alt.keys(), ...env.keys()]))
            if (alt.get(k) !== env.get(k)) env.set(k, this.merge([env.get(k) ?? UNK, alt.get(k) ?? UNK], s.from));
        }
        return left && bodies.length === 1;
      }
      case 'FunctionDefinition':
      case 'ClassDefinition':
      case 'DecoratedStatement': {
        const def = s.name === 'DecoratedStatement' ? children(s).find((c) => c.name === 'FunctionDefinition' || c.name === 'ClassDefinition') : s;
        const nameNode = def && children(def).find((c) => c.name === 'VariableName');
        if (nameNode) env.set(this.text.slice(nameNode.from, nameNode.to), UNK);
        return false;
      }
      case 'ImportStatement':
      case 'PassStatement':
      case 'GlobalStatement':
      case 'NonlocalStatement':
      case 'AssertStatement':
        return false;
      default:
        // unknown statement kinds: every name they may assign becomes unknown
        for (const n of assignedNames(s, this.text)) env.set(n, UNK);
        return false;
    }
  }

  private assign(target: SyntaxNode[], v: Val, env: Map<string, Val>, at: number) {
    if (target.length === 1) {
      const t = target[0];
      if (t.name === 'VariableName') {
        env.set(this.text.slice(t.from, t.to), v);
        return;
      }
      if (t.name === 'TupleExpression' || t.name === 'ArrayExpression' || t.name === 'ParenthesizedExpression') {
        this.assign(operands(t), v, env, at);
        return;
      }
      // attribute or subscript targets are not tracked; what they keep is used there (it may be read later)
      for (const n of tensorsOf(v)) this.use(n);
      return;
    }
    // `a, b = v`
    const items = v.k === 'list' && v.items.length === target.length ? v.items : null;
    target.forEach((t, i) => {
      if (t.name === 'VariableName') {
        let item: Val;
        if (items) item = items[i];
        else {
          const ts = tensorsOf(v);
          item = ts.length ? { k: 't', node: this.op('getitem', '[]', at, ts) } : UNK;
        }
        env.set(this.text.slice(t.from, t.to), item);
      } else if (t.name === 'TupleExpression' || t.name === 'ParenthesizedExpression') {
        for (const n of assignedNames(t, this.text)) env.set(n, UNK);
      }
    });
  }

  private ifStmt(s: SyntaxNode, env: Map<string, Val>, depth: number): boolean {
    const kids = children(s);
    const branches: Map<string, Val>[] = [];
    let hasElse = false;
    let allLeave = true;
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (k.name === 'if' || k.name === 'elif') {
        const cond = kids[i + 1];
        if (cond && cond.name !== 'Body') this.expr(cond, env, depth);
      }
      if (k.name === 'else') hasElse = true;
      if (k.name === 'Body') {
        const b = new Map(env);
        const leaves = this.block(k, b, depth + 1);
        if (!leaves) {
          branches.push(b);
          allLeave = false;
        }
      }
    }
    if (!hasElse) {
      branches.push(new Map(env));
      allLeave = false;
    }
    if (allLeave) return true;
    const names = new Set<string>();
    for (const b of branches) for (const k of b.keys()) names.add(k);
    for (const n of names) {
      const vals = branches.map((b) => b.get(n) ?? UNK);
      env.set(n, vals.every((v) => v === vals[0]) ? vals[0] : this.merge(vals, s.from));
    }
    return false;
  }

  private loop(s: SyntaxNode, env: Map<string, Val>, depth: number) {
    const kids = children(s);
    const body = kids.find((c) => c.name === 'Body');
    // iterated expression and condition
    for (const c of kids)
      if (c !== body && c.name !== 'VariableName' && !/^(for|in|while|else|async)$/.test(c.name) && c.name !== 'Body') this.expr(c, env, depth);
    if (!body) return;
    // Names assigned in the loop hold what earlier iterations left: unknown at the loop's start.
    const assigned = assignedNames(body, this.text);
    for (const c of kids)
      if (c.name === 'VariableName' || c.name === 'TupleExpression')
        for (const n of c.name === 'VariableName' ? [this.text.slice(c.from, c.to)] : assignedNames(c, this.text)) assigned.add(n);
    const before = new Map(env);
    for (const n of assigned) {
      const prev = env.get(n);
      const inputs = prev ? tensorsOf(prev) : [];
      env.set(n, { k: 't', node: this.unknown(inputs, s.from) });
    }
    const b = new Map(env);
    this.block(body, b, depth + 1);
    for (const n of assigned) {
      const inputs = [...tensorsOf(before.get(n) ?? UNK), ...tensorsOf(b.get(n) ?? UNK)];
      env.set(n, { k: 't', node: this.unknown(inputs, s.from) });
    }
  }

  private merge(vals: Val[], at: number): Val {
    if (vals.every((v) => v.k === 'mod')) return { k: 'mod', mods: vals.flatMap((v) => (v as { mods: Mod[] }).mods) };
    if (vals.every((v) => v.k === 't')) return { k: 't', node: this.mk({ t: 'phi', id: this.nextId++, alts: vals.map((v) => (v as { node: TNode }).node) }) };
    const ts = vals.flatMap(tensorsOf);
    return ts.length ? { k: 't', node: this.unknown(ts, at) } : UNK;
  }

  // --- expressions --------------------------------------------------------------------------

  private expr(n: SyntaxNode, env: Map<string, Val>, depth: number): Val {
    if (depth > MAX_DEPTH || this.overflow) return UNK;
    switch (n.name) {
      case 'VariableName': {
        const name = this.text.slice(n.from, n.to);
        const v = env.get(name);
        if (v) return v;
        return UNK;
      }
      case 'Number':
      case 'String':
      case 'ContinuedString':
      case 'FormatString':
      case 'Boolean':
      case 'None':
        return CONST;
      case 'ParenthesizedExpression': {
        const inner = operands(n);
        return inner.length === 1 ? this.expr(inner[0], env, depth + 1) : UNK;
      }
      case 'TupleExpression':
      case 'ArrayExpression':
        return { k: 'list', items: operands(n).map((c) => this.expr(c, env, depth + 1)) };
      case 'MemberExpression':
        return this.member(n, env, depth);
      case 'CallExpression':
        return this.call(n, env, depth);
      case 'BinaryExpression': {
        const kids = children(n);
        if (kids.length !== 3) return UNK;
        const op = this.text.slice(kids[1].from, kids[1].to);
        const left = this.expr(kids[0], env, depth + 1);
        const right = this.expr(kids[2], env, depth + 1);
        return this.binary(op, left, right, n.from);
      }
      case 'UnaryExpression': {
        const kids = children(n);
        const v = this.expr(kids[kids.length - 1], env, depth + 1);
        const op = this.text.slice(kids[0].from, kids[0].to);
        if (v.k === 't' && (op === '-' || op === '+')) return { k: 't', node: this.op('scale', op, n.from, [v.node]) };
        return v.k === 't' ? { k: 't', node: this.unknown([v.node], n.from) } : UNK;
      }
      case 'ConditionalExpression': {
        const ops = operands(n);
        if (ops.length !== 3) return UNK;
        this.expr(ops[1], env, depth + 1);
        return this.merge([this.expr(ops[0], env, depth + 1), this.expr(ops[2], env, depth + 1)], n.from);
      }
      case 'AwaitExpression':
      case 'LambdaExpression':
      case 'ArrayComprehensionExpression':
      case 'DictionaryExpression':
      case 'DictionaryComprehensionExpression':
      case 'SetExpression':
      case 'ComprehensionExpression':
      default: {
        // evaluate nested calls (they may apply layers) and keep the tensors for ancestry
        const ts: TNode[] = [];
        for (const c of operands(n)) ts.push(...tensorsOf(this.expr(c, env, depth + 1)));
        return ts.length ? { k: 't', node: this.unknown(ts, n.from) } : UNK;
      }
    }
  }

  private binary(op: string, left: Val, right: Val, at: number): Val {
    const lt = left.k === 't' ? left.node : null;
    const rt = right.k === 't' ? right.node : null;
    if (!lt && !rt) return left.k === 'unk' || right.k === 'unk' ? UNK : CONST;
    if (op === '+' || op === '-') {
      if (lt && rt) return { k: 't', node: this.op('add', op, at, [lt, rt]) };
      const other = lt ? right : left;
      // an unknown operand may be a tensor as well: then nothing is known of the sum's channels
      if (other.k === 'unk') return { k: 't', node: this.unknown([(lt ?? rt)!], at) };
      return { k: 't', node: this.op('scale', op, at, [(lt ?? rt)!]) };
    }
    if (op === '*' || op === '/') {
      if (lt && rt) return { k: 't', node: this.op('mul', op, at, [lt, rt]) };
      const other = lt ? right : left;
      if (other.k === 'unk') return { k: 't', node: this.unknown([(lt ?? rt)!], at) };
      return { k: 't', node: this.op('scale', op, at, [(lt ?? rt)!]) };
    }
    return {
      k: 't',
      node: this.unknown(
        [lt, rt].filter((x): x is TNode => x !== null),
        at,
      ),
    };
  }

  private member(n: SyntaxNode, env: Map<string, Val>, depth: number): Val {
    const kids = children(n);
    if (kids.length >= 2 && kids[1].name === '[') {
      // subscript
      const obj = this.expr(kids[0], env, depth + 1);
      for (const c of kids.slice(2)) if (c.name !== ']' && c.name !== ',' && c.name !== ':') this.expr(c, env, depth + 1);
      if (obj.k === 'list') return UNK;
      if (obj.k === 'mod') return { k: 'mod', mods: [{ m: 'unknown' }] };
      return obj.k === 't' ? { k: 't', node: this.op('getitem', '[]', n.from, [obj.node]) } : UNK;
    }
    if (kids.length === 3 && kids[2].name === 'PropertyName') {
      const prop = this.text.slice(kids[2].from, kids[2].to);
      if (kids[0].name === 'VariableName' && this.text.slice(kids[0].from, kids[0].to) === 'self' && this.unit.cls && !env.has('self')) {
        return this.selfAttr(prop);
      }
      const obj = this.expr(kids[0], env, depth + 1);
      if (obj.k === 't' && (prop === 'T' || prop === 'mT')) return { k: 't', node: this.op('permute', prop, n.from, [obj.node]) };
      return UNK;
    }
    return UNK;
  }

  /** Layers an attribute of `self` holds, from its assignments in the class. */
  private selfAttr(attr: string): Val {
    const values = this.model.attrValues(this.unit.cls!, attr);
    if (!values || values.length === 0) return UNK;
    const mods: Mod[] = [];
    for (const { value, method } of values) mods.push(this.modOf(value, method, 0));
    if (mods.every((m) => m.m === 'unknown')) return UNK;
    return { k: 'mod', mods };
  }

  /** The layer an expression in `__init__` (or another method) constructs. */
  private modOf(value: SyntaxNode, method: SyntaxNode | null, depth: number): Mod {
    if (depth > 8) return { m: 'unknown' };
    if (value.name === 'CallExpression') {
      const callee = value.firstChild!;
      // `nn.Conv2d(...).cuda()`, `make()(...)`: a call's result, not the layer constructed at this offset
      if (callee.name === 'CallExpression' || (callee.name === 'MemberExpression' && callee.firstChild?.name === 'CallExpression')) return { m: 'unknown' };
      const name = dottedName(callee, this.text);
      const q = name ? this.model.qualify(name, value.from) : null;
      if (q && findContainer(q)) return this.sequentialOf(value, q, method);
      // a framework function call (`nn.ModuleList(...)`, `torch.zeros(...)`) is not one layer
      if (q && /^[a-z_]/.test(q.slice(q.lastIndexOf('.') + 1)) && FRAMEWORK_PREFIX.test(q)) return { m: 'unknown' };
      if (q && /(^|\.)Module(List|Dict)$|ParameterList|ParameterDict/.test(q)) return { m: 'unknown' };
      return { m: 'layer', layer: value.from, q, name: name ?? this.text.slice(callee.from, callee.to) };
    }
    if (value.name === 'VariableName' && method) {
      const def = this.localDef(method, this.text.slice(value.from, value.to));
      if (def) return this.modOf(def, method, depth + 1);
    }
    return { m: 'unknown' };
  }

  /** The value of a local assigned exactly once in a method, outside loops. */
  private localDef(method: SyntaxNode, name: string): SyntaxNode | null {
    const e = this.localsOf(method).get(name);
    return e && e.count === 1 ? e.found : null;
  }

  /**
   * How each local of a method is assigned: how often (a tuple target, an augmented assignment or a
   * loop target counts two: never a single definition) and the value of its last plain assignment,
   * null inside a loop. One walk of the method for all its names (a long `__init__` asks for many).
   */
  private localsOf(method: SyntaxNode): Map<string, { count: number; found: SyntaxNode | null }> {
    let out = this.localCache.get(method.from);
    if (out) return out;
    const locals = new Map<string, { count: number; found: SyntaxNode | null }>();
    const entry = (name: string) => {
      let e = locals.get(name);
      if (!e) locals.set(name, (e = { count: 0, found: null }));
      return e;
    };
    const text = this.text;
    const scan = (n: SyntaxNode, inLoop: boolean, d: number) => {
      if (d > MAX_DEPTH) return;
      for (let c = n.firstChild; c; c = c.nextSibling) {
        if (c.name === 'FunctionDefinition' || c.name === 'ClassDefinition' || c.name === 'LambdaExpression') continue;
        if (c.name === 'AssignStatement') {
          const { targets, value } = splitAssign(c);
          for (const t of targets) {
            if (t.length === 1 && t[0].name === 'VariableName') {
              const e = entry(text.slice(t[0].from, t[0].to));
              e.count++;
              e.found = inLoop ? null : value;
            } else {
              const names = new Set<string>();
              for (const x of t) for (const name of assignedNames(x, text)) names.add(name);
              for (const name of names) entry(name).count += 2;
            }
          }
        } else if (c.name === 'UpdateStatement' || c.name === 'ForStatement')
          for (const name of assignedNames(c.name === 'ForStatement' ? (c.getChild('VariableName') ?? c) : c.firstChild!, text)) entry(name).count += 2;
        scan(c, inLoop || c.name === 'ForStatement' || c.name === 'WhileStatement', d + 1);
      }
    };
    scan(method, false, 0);
    this.localCache.set(method.from, (out = locals));
    return out;
  }

  /** A Sequential container's elements, in order; unknown when they cannot all be listed. */
  sequentialOf(call: SyntaxNode, q: string, method: SyntaxNode | null): Mod {
    const spec = findContainer(q)!;
    const args = argList(children(call).find((c) => c.name === 'ArgList') ?? null, this.text);
    let elems: SyntaxNode[] | null = [];
    const listItems = (n: SyntaxNode | null, d: number): SyntaxNode[] | null => {
      if (!n || d > 4) return null;
      if (n.name === 'ArrayExpression' || n.name === 'TupleExpression') {
        const out: SyntaxNode[] = [];
        for (let c = n.firstChild; c; c = c.nextSibling) {
          if (c.name === '*' || (c.name === 'ArithOp' && this.text.slice(c.from, c.to) === '*')) return null; // nested star: not listed
          if (c.name === 'ArrayComprehensionExpression' || c.name === 'ComprehensionExpression' || c.name === 'for') return null;
        }
        out.push(...operands(n));
        return out;
      }
      if (n.name === 'VariableName' && method) return this.listOfLocal(method, this.text.slice(n.from, n.to), call.from);
      if (n.name === 'CallExpression') {
        // OrderedDict([('conv', Conv2d(...)), ...]) or OrderedDict(conv=Conv2d(...), ...)
        const callee = n.firstChild!;
        const name = dottedName(callee, this.text);
        const cq = name ? this.model.qualify(name, n.from) : null;
        if (cq !== 'collections.OrderedDict' && name !== 'OrderedDict') return null;
        const oargs = argList(children(n).find((c) => c.name === 'ArgList') ?? null, this.text);
        if (oargs.length === 1 && !oargs[0].name && !oargs[0].star) {
          const pairs = listItems(oargs[0].value, d + 1);
          if (!pairs) return null;
          const out: SyntaxNode[] = [];
          for (const p of pairs) {
            const kv = p.name === 'TupleExpression' || p.name === 'ParenthesizedExpression' ? operands(p) : [];
            if (kv.length !== 2) return null;
            out.push(kv[1]);
          }
          return out;
        }
        if (oargs.every((a) => a.name && !a.star)) return oargs.map((a) => a.value!).filter(Boolean);
        return null;
      }
      return null;
    };
    if (spec.elements === 'list') {
      const first = args[0];
      if (!first || first.name || first.star) return { m: 'unknown' };
      elems = listItems(first.value, 0);
    } else {
      for (const a of args) {
        if (a.name) continue; // keyword arguments of the container
        if (a.star === '*') {
          const items = listItems(a.value, 0);
          if (!items) {
            elems = null;
            break;
          }
          elems.push(...items);
        } else if (a.star === '**') {
          elems = null;
          break;
        } else if (a.value) {
          if (args.length === 1) {
            const od = listItems(a.value, 0);
            if (od && a.value.name === 'CallExpression') {
              elems.push(...od);
              continue;
            }
          }
          elems.push(a.value);
        }
      }
    }
    if (!elems) return { m: 'unknown' };
    return { m: 'seq', items: elems.map((e) => this.modOf(e, method, 1)), at: call.from };
  }

  /**
   * A list built in straight-line code of a method: `layers = [a, b]`, then `layers.append(c)`,
   * `layers += [d]`, `layers.extend([e])`. Unknown when it is changed under a condition or in a loop.
   */
  private listOfLocal(method: SyntaxNode, name: string, before: number): SyntaxNode[] | null {
    const body = children(method).find((c) => c.name === 'Body');
    if (!body) return null;
    let items: SyntaxNode[] | null = null;
    let ok = true;
    const text = this.text;
    const isName = (n: SyntaxNode | null) => n?.name === 'VariableName' && text.slice(n.from, n.to) === name;
    const mentions = (n: SyntaxNode) => {
      const c = n.cursor();
      do if (c.name === 'VariableName' && text.slice(c.from, c.to) === name) return true;
      while (c.next() && c.from < n.to);
      return false;
    };
    for (const s of statements(body)) {
      if (!ok || s.from > before) break;
      if (s.to > before) {
        // the statement that builds the container: it may only read the list
        if (s.name !== 'AssignStatement' && s.name !== 'ExpressionStatement' && s.name !== 'ReturnStatement') ok = false;
        break;
      }
      if (s.name === 'AssignStatement') {
        const { targets, value } = splitAssign(s);
        if (targets.length === 1 && targets[0].length === 1 && isName(targets[0][0])) {
          items = value && value.name === 'ArrayExpression' ? operands(value) : null;
          if (!items) ok = false;
          continue;
        }
      }
      if (items === null) continue;
      if (s.name === 'ExpressionStatement') {
        const call = operands(s)[0];
        if (call?.name === 'CallExpression') {
          const callee = call.firstChild!;
          const k = children(callee);
          if (callee.name === 'MemberExpression' && k.length === 3 && isName(k[0])) {
            const method = text.slice(k[2].from, k[2].to);
            const a = argList(children(call).find((c) => c.name === 'ArgList') ?? null, text);
            if (method === 'append' && a.length === 1 && !a[0].name && !a[0].star && a[0].value) {
              items.push(a[0].value);
              continue;
            }
            if (method === 'extend' && a.length === 1 && a[0].value?.name === 'ArrayExpression') {
              items.push(...operands(a[0].value));
              continue;
            }
            ok = false;
            continue;
          }
        }
      }
      if (s.name === 'UpdateStatement' && isName(s.firstChild)) {
        const v = children(s).pop()!;
        if (v.name === 'ArrayExpression') {
          items.push(...operands(v));
          continue;
        }
        ok = false;
        continue;
      }
      // any other statement that may change the list (a conditional append, a loop) makes it unknown
      if (mentions(s) && (mentionsMutation(s, name, text) || assignedNames(s, text).has(name))) ok = false;
    }
    return ok ? items : null;
  }

  private call(n: SyntaxNode, env: Map<string, Val>, depth: number): Val {
    const callee = n.firstChild!;
    const argsNode = children(n).find((c) => c.name === 'ArgList') ?? null;
    const args = argList(argsNode, this.text);
    const argVals = () => args.map((a) => ({ a, v: a.value ? this.expr(a.value, env, depth + 1) : UNK }));

    // `Conv(...)(x)`: a layer constructed and applied at once (Keras functional, Flax compact)
    if (callee.name === 'CallExpression') {
      const inner = this.calleeMod(callee, env, depth);
      const vals = argVals();
      if (inner) return this.applyMods(inner, vals, n.from);
      const ts = vals.flatMap((x) => tensorsOf(x.v));
      const f = this.expr(callee, env, depth + 1);
      return ts.length || f.k === 't' ? { k: 't', node: this.unknown([...ts, ...tensorsOf(f)], n.from) } : UNK;
    }

    // `obj.method(...)`
    if (callee.name === 'MemberExpression') {
      const kids = children(callee);
      if (kids.length === 3 && kids[2].name === 'PropertyName') {
        const name = dottedName(callee, this.text);
        const root = name?.split('.')[0];
        const isSelf = kids[0].name === 'VariableName' && this.text.slice(kids[0].from, kids[0].to) === 'self';
        if (!isSelf && !(root && env.has(root) && env.get(root)!.k !== 't' && name !== null)) {
          const obj = this.expr(kids[0], env, depth + 1);
          if (obj.k === 't') {
            const method = this.text.slice(kids[2].from, kids[2].to);
            const kind = opOfMethod(method);
            const vals = argVals();
            const others = vals.flatMap((x) => tensorsOf(x.v));
            if (kind && ((kind !== 'add' && kind !== 'mul') || others.length <= 1))
              return { k: 't', node: this.op(kind, method, n.from, [obj.node, ...others]) };
            return { k: 't', node: this.unknown([obj.node, ...others], n.from) };
          }
        }
      }
    }

    const f = callee.name === 'VariableName' || callee.name === 'MemberExpression' ? this.expr(callee, env, depth + 1) : UNK;
    if (f.k === 'mod') return this.applyMods(f.mods, argVals(), n.from);

    const name = dottedName(callee, this.text);
    const q = name && !(env.has(name.split('.')[0]) && f.k !== 'unk') ? this.qualify(name, n.from) : null;
    const vals = argVals();
    if (q) {
      const last = q.slice(q.lastIndexOf('.') + 1);
      const kind = /^[A-Z]/.test(last) ? undefined : opOfFunction(q);
      if (kind === 'cat') {
        // torch.cat([a, b], dim=1): the tensors of the first argument
        const first = vals.find((x) => !x.a.name);
        const ts = first ? tensorsOf(first.v) : [];
        if (ts.length) return { k: 't', node: this.op('cat', last, n.from, ts) };
      } else if (kind) {
        const ts = vals.filter((x) => !x.a.name).flatMap((x) => tensorsOf(x.v));
        if (ts.length >= 1 && (ts.length === 1 || kind === 'add' || kind === 'mul')) return { k: 't', node: this.op(kind, last, n.from, ts) };
      }
      if (/^[A-Z]/.test(last) && !findContainer(q)) {
        // a layer constructed in place, not applied here (applied later through a name)
        return { k: 'mod', mods: [{ m: 'layer', layer: n.from, q, name: name! }] };
      }
      if (findContainer(q)) return { k: 'mod', mods: [this.sequentialOf(n, q, null)] };
    } else if (name && !env.has(name.split('.')[0]) && /^[A-Z]/.test(name.slice(name.lastIndexOf('.') + 1))) {
      // a class of this module (or one the imports do not name): a layer, of unknown kind
      return { k: 'mod', mods: [{ m: 'layer', layer: n.from, q: null, name }] };
    }
    const ts = vals.flatMap((x) => tensorsOf(x.v));
    return ts.length ? { k: 't', node: this.unknown(ts, n.from) } : UNK;
  }

  private qualify(name: string, at: number): string | null {
    return this.model.qualify(name, at);
  }

  /** The layers a callee that is itself a call constructs (`nn.Conv(...)` in `nn.Conv(...)(x)`). */
  private calleeMod(callee: SyntaxNode, env: Map<string, Val>, depth: number): Mod[] | null {
    const v = this.expr(callee, env, depth + 1);
    return v.k === 'mod' ? v.mods : null;
  }

  private applyMods(mods: Mod[], vals: { a: { name?: string; star: string }; v: Val }[], at: number): Val {
    const positional = vals.filter((x) => !x.a.name && !x.a.star);
    const first = positional[0]?.v;
    const all = vals.flatMap((x) => tensorsOf(x.v));
    const outs: TNode[] = [];
    const before = this.edges.length;
    // (the alternatives of one application read its inputs once: counted once, see FlowEdge.shared)
    const usedBefore = mods.length > 1 ? all.map((n) => this.uses.get(n) ?? 0) : [];
    for (const m of mods) {
      if (vals.some((x) => x.a.star)) {
        outs.push(this.unknown(all, at));
        continue;
      }
      outs.push(this.applyMod(m, first, all, at));
    }
    if (mods.length > 1) {
      all.forEach((n, i) => {
        if ((this.uses.get(n) ?? 0) > usedBefore[i] + 1) this.uses.set(n, usedBefore[i] + 1);
      });
      const oneOf = mods.map((m) => (m.m === 'layer' ? m.layer : -1));
      for (let i = before; i < this.edges.length; i++) if (this.edges[i].at === at) this.edges[i].oneOf = oneOf;
    }
    if (outs.length === 1) return { k: 't', node: outs[0] };
    return { k: 't', node: this.mk({ t: 'phi', id: this.nextId++, alts: outs }) };
  }

  private applyMod(m: Mod, first: Val | undefined, all: TNode[], at: number, via: FlowEdge['via'] = 'call'): TNode {
    if (m.m === 'unknown') return this.unknown(all, at);
    if (m.m === 'seq') {
      const input = first?.k === 't' ? first.node : null;
      if (!input) return this.unknown(all, at);
      return this.applySeq(m, input, via);
    }
    const kind = m.q ? opOfClass(m.q) : undefined;
    if (kind === 'cat' || kind === 'add' || kind === 'mul') {
      // Keras merge layers take a list of tensors
      const ts = first ? tensorsOf(first) : [];
      if (ts.length) return this.op(kind, m.name, at, ts);
      return this.unknown(all, at);
    }
    const input = first?.k === 't' ? first.node : null;
    if (kind && input) return this.op(kind, m.name, at, [input]);
    const node = this.mk({
      t: 'apply' as const,
      id: this.nextId++,
      layer: m.layer,
      at,
      input,
      inputs: input ? [input, ...all.filter((x) => x !== input)] : all,
    });
    this.applies.push(node);
    if (input) this.recordEdges(m.layer, at, input, via);
    return node;
  }

  applySeq(m: Mod & { m: 'seq' }, input: TNode, via: FlowEdge['via']): TNode {
    let x = input;
    for (const item of m.items) {
      const at = item.m === 'layer' ? item.layer : m.at;
      x = this.applyMod(item, { k: 't', node: x }, [x], at, item.m === 'layer' ? 'sequential' : via);
    }
    return x;
  }

  /** Edges into a layer applied to `input`: only when every source of the input is one producer. */
  private recordEdges(layer: number, at: number, input: TNode, via: FlowEdge['via']) {
    const sources = traceSources(input);
    if (!sources) return;
    const producers = new Set(sources.map((s) => s.from));
    if (producers.size !== 1) return;
    const [from] = producers;
    if (from === null || from === layer) return;
    const seen = new Set<string>();
    const paths: FlowPath[] = [];
    for (const s of sources) {
      const key = s.ops.map((o) => `${o.kind}:${o.at}`).join(',');
      if (seen.has(key)) continue;
      seen.add(key);
      paths.push({ ops: s.ops });
    }
    const e: FlowEdge = { from: from!, to: layer, at, paths, via };
    this.edges.push(e);
    // (whether those values are used elsewhere too is known once the whole unit has run: see result)
    this.onTheWay.set(
      e,
      sources.flatMap((s) => s.nodes),
    );
  }
  /** Each edge's values between its producer and its norm. */
  private readonly onTheWay = new Map<FlowEdge, TNode[]>();
}

function mentionsMutation(s: SyntaxNode, name: string, text: string): boolean {
  // `print(len(layers))` does not change the list; a method call on it may
  const c = s.cursor();
  do {
    if (c.name === 'MemberExpression') {
      const k = children(c.node);
      if (k.length === 3 && k[0].name === 'VariableName' && text.slice(k[0].from, k[0].to) === name) return true;
    }
  } while (c.next() && c.from < s.to);
  return false;
}

/** Tensors in a value (list items included). */
function tensorsOf(v: Val): TNode[] {
  if (v.k === 't') return [v.node];
  if (v.k === 'list') return v.items.flatMap(tensorsOf);
  return [];
}

/** Names a statement or target binds (assignment targets, loop variables, `with ... as`). */
function assignedNames(n: SyntaxNode, text: string): Set<string> {
  const out = new Set<string>();
  const c = n.cursor();
  const end = n.to;
  const visitTarget = (t: SyntaxNode) => {
    if (t.name === 'VariableName') out.add(text.slice(t.from, t.to));
    else if (t.name === 'TupleExpression' || t.name === 'ArrayExpression' || t.name === 'ParenthesizedExpression') for (const x of operands(t)) visitTarget(x);
  };
  if (n.name === 'VariableName') {
    out.add(text.slice(n.from, n.to));
    return out;
  }
  do {
    const node = c.node;
    if (c.name === 'FunctionDefinition' || c.name === 'ClassDefinition') {
      const nm = children(node).find((k) => k.name === 'VariableName');
      if (nm) out.add(text.slice(nm.from, nm.to));
      continue;
    }
    if (c.name === 'AssignStatement') for (const t of splitAssign(node).targets) t.forEach(visitTarget);
    else if (c.name === 'UpdateStatement' && node.firstChild) visitTarget(node.firstChild);
    else if (c.name === 'ForStatement') {
      for (let k = node.firstChild; k && k.name !== 'in'; k = k.nextSibling) visitTarget(k);
    } else if (c.name === 'WithStatement') {
      for (const k of children(node)) if (k.prevSibling?.name === 'as') visitTarget(k);
    } else if (c.name === 'TupleExpression' && n.name === 'TupleExpression') visitTarget(node);
  } while (c.next() && c.from < end);
  return out;
}

interface Source {
  /** The producer's construction offset, or null when the input comes from elsewhere (a parameter, an unknown call). */
  from: number | null;
  ops: Op[];
  /** The values on the way, from the producer's application to the norm's input. */
  nodes: TNode[];
}

/**
 * Where a tensor comes from: back through operations to the layers whose outputs it carries.
 * Null when it cannot be told (too many ways).
 */
function traceSources(n: TNode): Source[] | null {
  const out: Source[] = [];
  let budget = 256;
  const walk = (x: TNode, ops: Op[], nodes: TNode[], depth: number): boolean => {
    if (--budget < 0 || depth > MAX_DEPTH) return false;
    switch (x.t) {
      case 'apply':
        out.push({ from: x.layer, ops, nodes: [x, ...nodes] });
        return true;
      case 'param':
      case 'unknown':
        out.push({ from: null, ops, nodes: [x, ...nodes] });
        return true;
      case 'phi':
        return x.alts.every((a) => walk(a, ops, [x, ...nodes], depth + 1));
      case 'op':
        return x.inputs.every((i) => walk(i, [x.op, ...ops], [x, ...nodes], depth + 1));
    }
  };
  return walk(n, [], [], 0) ? out : null;
}

// ---------------------------------------------------------------------------------------------
// Placement

/** Whether `anc` is `x` or among its ancestors. */
function reaches(x: TNode, anc: TNode, budget = { n: 4096 }): boolean {
  // A node's inputs exist before it (ids grow): nothing older than `anc` can lead to it.
  if (anc.id > x.id) return false;
  const seen = new Set<TNode>();
  const stack = [x];
  while (stack.length) {
    const y = stack.pop()!;
    if (y === anc) return true;
    if (y.id < anc.id || seen.has(y) || --budget.n < 0) continue;
    seen.add(y);
    if (y.t === 'apply' || y.t === 'op' || y.t === 'unknown') stack.push(...y.inputs);
    else if (y.t === 'phi') stack.push(...y.alts);
  }
  return false;
}

/** Whether a layer is applied somewhere between `x` and its ancestor `anc` (exclusive of `anc`). */
function throughLayer(x: TNode, anc: TNode): boolean {
  const seen = new Set<TNode>();
  const walk = (y: TNode, layered: boolean, depth: number): boolean => {
    if (y === anc) return layered;
    if (y.id < anc.id || seen.has(y) || depth > MAX_DEPTH || seen.size > 4096) return false;
    seen.add(y);
    const l = layered || y.t === 'apply' || y.t === 'unknown';
    const next = y.t === 'phi' ? y.alts : y.t === 'param' ? [] : y.inputs;
    return next.some((z) => walk(z, l, depth + 1));
  };
  return walk(x, false, 0);
}

/** Skip operations that leave a value as it is (identity, casts) and merges of equal values. */
function bare(n: TNode): TNode {
  let x = n;
  for (let i = 0; i < 64 && x.t === 'op' && x.op.kind === 'identity' && x.inputs.length === 1; i++) x = x.inputs[0];
  return x;
}

/**
 * A residual add: a sum of two tensors where one carries the other through at least one layer
 * (x + F(x)), or one is an input of the unit and the other went through a layer (the caller
 * passes the skip: `BertSelfOutput.forward(hidden_states, input_tensor)`).
 */
function residualOperands(add: TNode & { t: 'op' }, f: UnitFlow): { skip: TNode; branch: TNode }[] {
  if (add.op.kind !== 'add' || add.inputs.length !== 2 || add.op.name === '-') return [];
  const [a, b] = add.inputs.map(bare);
  const out: { skip: TNode; branch: TNode }[] = [];
  for (const [skip, branch] of [
    [a, b],
    [b, a],
  ]) {
    if (reaches(branch, skip) && throughLayer(branch, skip)) out.push({ skip, branch });
    else if (f.params.has(skip) && hasLayer(branch) && !reaches(skip, branch)) out.push({ skip, branch });
  }
  return out;
}

function hasLayer(x: TNode): boolean {
  const seen = new Set<TNode>();
  const stack = [x];
  while (stack.length) {
    const y = stack.pop()!;
    if (seen.has(y) || seen.size > 4096) continue;
    seen.add(y);
    if (y.t === 'apply') return true;
    if (y.t === 'op' || y.t === 'unknown') stack.push(...y.inputs);
    else if (y.t === 'phi') stack.push(...y.alts);
  }
  return false;
}

/**
 * Placement of each layer application of a unit. Post-norm: the layer takes the sum of a residual
 * add (through reshapes at most) and nothing else uses that sum. Pre-norm: a residual add's skip is
 * the layer's input and its branch went through the layer. Each add is looked at once, with the
 * applications that take its skip as input (a generated file of thousands of blocks stays linear).
 */
function placementsOf(f: UnitFlow): Map<TNode & { t: 'apply' }, Placement> {
  const out = new Map<TNode & { t: 'apply' }, Placement>();
  const byInput = new Map<TNode, (TNode & { t: 'apply' })[]>();
  for (const a of f.applies) {
    if (!a.input) continue;
    const input = bare(a.input);
    const list = byInput.get(input);
    if (list) list.push(a);
    else byInput.set(input, [a]);
    let x = input;
    for (let i = 0; i < 16 && x.t === 'op' && (x.op.kind === 'shape' || x.op.kind === 'permute') && x.inputs.length === 1; i++) {
      if ((f.uses.get(x) ?? 0) !== 1) break;
      x = bare(x.inputs[0]);
    }
    if (x.t === 'op' && x.op.kind === 'add' && (f.uses.get(x) ?? 0) === 1 && residualOperands(x, f).length) {
      out.set(a, { kind: 'post-norm', addAt: x.op.at, at: a.at });
    }
  }
  for (const n of f.adds) {
    for (const { skip, branch } of residualOperands(n, f)) {
      for (const a of byInput.get(skip) ?? []) {
        if (out.has(a)) continue;
        if (reaches(branch, a) && !reaches(skip, a)) out.set(a, { kind: 'pre-norm', addAt: n.op.at, at: a.at });
      }
    }
  }
  return out;
}
