/**
 * The semantic layer between the scanner and everything that explains or checks: which
 * normalization class each call may build when the class is not named at the call, and which
 * direct-looking calls are not what they seem (`def make(torch): torch.nn.BatchNorm2d(3)`).
 */
import type { PositionOf } from '../table';
import type { ResolvedLayer, ScannedCall } from '../types';
import type { PyValue } from '../../frameworks/types';
import { LayerResolver } from './layers';
import {
  fixedDefault,
  literalOf,
  MAX_NESTING,
  ModuleModel,
  numberOf,
  type ClassDef,
  type FuncDef,
  type ImportHost,
  type LeafWatch,
  type MemberSet,
  type Scope,
  type Site,
} from './model';
import { bindArguments, findByQualifiedName, type BindingError } from '../../frameworks/index';
import type { SeedExchange } from './project';
import { moduleChunks, parsePython, type SyntaxNode, type Tree } from './syntax';
import { maskPython } from '../mask';
import { mappingKeys, type Value } from './values';

export { ModuleModel } from './model';
export type { ImportHost, LeafWatch } from './model';
export { SeedExchange, solveSeeds, seedsByTarget, type Seed } from './project';

export interface SemanticOptions {
  /** Resolves `from .norms import X` to another module's values (cross-file analysis). */
  host?: ImportHost;
  /** Dotted module name of this file, for relative imports ('timm.layers.norm'). */
  moduleName?: string;
  /** The file is a package's `__init__.py`. */
  isPackage?: boolean;
  /** Path shown for user classes (`definedBy.path`). */
  path?: string;
  /** A previous parse to reuse (incremental parsing). */
  tree?: Tree;
  /**
   * The model of this very text, already built (the project graph's, shared with the files that
   * import this one); used when its text is the text analyzed. Seeds cannot be applied to it.
   */
  model?: ModuleModel;
  /** Calls between files of a project: seeds bound before evaluation, the file's own calls into others collected after (./project.ts). */
  exchange?: SeedExchange;
}

export interface SemanticResult {
  /** Layers built indirectly (parameters, partials, aliases, attributes, subclasses, custom modules). */
  layers: ResolvedLayer[];
  /** Start offsets of calls whose callee's root name is a local (parameter, local, comprehension variable). */
  shadowed: Set<number>;
  model: ModuleModel;
}

/**
 * Analyze a module. `callAt(offset)` gives the scanner's call starting at an offset (the
 * scanner stays the owner of call positions and literal arguments); `pos` maps offsets to
 * positions of the same text.
 */
export function analyzeSemantics(
  text: string,
  callAt: (offset: number) => ScannedCall | undefined,
  pos: PositionOf,
  options: SemanticOptions = {},
): SemanticResult {
  const tree = options.model?.text === text ? options.model.tree : (options.tree ?? parsePython(text));
  const exchange = options.exchange;
  const reuse = options.model && options.model.text === text && !exchange?.hasSeeds ? options.model : undefined;
  const model =
    reuse ??
    new ModuleModel(
      text,
      tree,
      options.host,
      options.moduleName,
      options.isPackage,
      undefined,
      undefined,
      undefined,
      exchange ? (m) => exchange.apply(m) : undefined,
    );
  exchange?.collect(model);
  return layersOf(model, callAt, pos, options);
}

/**
 * The semantic layers of one block of a module (./blocks.ts: top-level statements that share no
 * module-level name with the rest), from the whole module's text and tree.
 */
export function analyzeBlock(
  text: string,
  tree: Tree,
  items: readonly SyntaxNode[],
  execEnd: number | undefined,
  callAt: (offset: number) => ScannedCall | undefined,
  pos: PositionOf,
  options: SemanticOptions = {},
  /** Where the whole module first calls its own names, when the caller knows it (ModuleModel's ownCallAt). */
  ownCallAt?: number,
  /** Statements whose effects outside themselves are recorded (ModuleModel's LeafWatch). */
  watch?: LeafWatch,
  /** Only the layers of calls in these ranges (all without). */
  sitesIn?: readonly (readonly [number, number])[],
): SemanticResult {
  return layersOf(
    new ModuleModel(text, tree, options.host, options.moduleName, options.isPackage, undefined, items, execEnd, undefined, ownCallAt, watch),
    callAt,
    pos,
    options,
    sitesIn,
  );
}

function layersOf(
  model: ModuleModel,
  callAt: (offset: number) => ScannedCall | undefined,
  pos: PositionOf,
  options: SemanticOptions,
  sitesIn?: readonly (readonly [number, number])[],
): SemanticResult {
  const resolver = new LayerResolver(model, pos, options.path);
  const layers: ResolvedLayer[] = [];
  let unknown: Set<number> | undefined;
  for (const site of model.sites.values()) {
    if (sitesIn && !sitesIn.some(([from, to]) => from <= site.node.from && site.node.from < to)) continue;
    // (most calls build no norm: their call objects are not built)
    const candidates = resolver.candidates(site.callee, site.args);
    if (!candidates.length) {
      // the name holds only functions of this module (`BatchNorm2d = lambda c: nn.GroupNorm(4, c)` under a
      // condition the code fixes): the scanner's reading of the call as the imported class is dropped
      if (site.callee.length && site.callee.every((v) => v.k === 'func' && v.fn.owner === model)) (unknown ??= new Set(model.shadowed)).add(site.node.from);
      continue;
    }
    // a functional norm that is how a norm class computes (`F.layer_norm` in LayerNorm2d's forward: the layer is
    // listed where it is built, not again here), or that standardizes a weight (BiT's StdConv2d: no activations)
    if (candidates.every((c) => c.spec.form === 'function') && (inNormClass(site.scope, resolver) || standardizesWeight(site, model))) {
      (unknown ??= new Set(model.shadowed)).add(site.node.from);
      continue;
    }
    const calleeEnd = site.node.firstChild!.to;
    // the scanner's call when it is this one (same callee); otherwise (a subscript or call result
    // as callee: `NORM2FN[kind](dim)`) one built from the syntax tree
    let call = callAt(site.node.from);
    if (!call || call.calleeRange.endOffset !== calleeEnd) call = resolver.callFromSyntax(site.node) ?? undefined;
    if (!call) continue;
    const layer = resolver.layer(call, site.callee, site.args, candidates);
    if (layer) layers.push(layer);
    // no framework class fits, and the name may hold a class NormLens does not know (`nn.BatchNorm2d = FancyBN`):
    // the scanner's reading of the call (with its binding errors) is dropped too
    else if (resolver.foreignClass(site.callee)) (unknown ??= new Set(model.shadowed)).add(site.node.from);
  }
  layers.sort((a, b) => a.call.range.startOffset - b.call.range.startOffset);
  return { layers, shadowed: unknown ?? model.shadowed, model };
}

/** Whether a scope lies in a class NormLens reads as a normalization layer (a subclass or a hand-written one). */
function inNormClass(scope: Scope | null, resolver: LayerResolver): boolean {
  for (let s: Scope | null = scope, depth = 0; s && depth < MAX_NESTING; s = s.parent, depth++)
    if (s.kind === 'class') return s.owner === resolver.model && resolver.classify(s) !== null;
  return false;
}

/** Whether a functional norm's input is a weight (`F.batch_norm(self.weight.reshape(1, out, -1), ...)`: weight standardization). */
function standardizesWeight(site: Site, model: ModuleModel): boolean {
  const first = site.args.find((a) => !a.name && !a.star);
  return !!first?.node && /(^|\.)weight\b/.test(model.text.slice(first.node.from, first.node.to));
}

/**
 * Direct layers (from the scanner) and semantic ones in text order: a direct layer whose
 * callee is shadowed by a local name is dropped unless the model resolves it too.
 */
export function mergeLayers(direct: readonly ResolvedLayer[], sem: SemanticResult): ResolvedLayer[] {
  const semAt = new Map(sem.layers.map((l) => [l.call.range.startOffset, l]));
  const out: ResolvedLayer[] = [];
  for (const l of direct) {
    const at = l.call.range.startOffset;
    if (semAt.has(at)) continue;
    if (sem.shadowed.has(at)) continue;
    out.push(resolveSizes(l, sem.model));
  }
  for (const l of sem.layers) out.push(resolveSizes(l, sem.model));
  return out.sort((a, b) => a.call.range.startOffset - b.call.range.startOffset);
}

/** The numbers a loop or a local function's callers give an expression (EffectiveArgument.oneOf): distinct, in order; none when it may hold anything else. */
function numbersOnly(values: readonly Value[]): number[] | undefined {
  const out: number[] = [];
  for (const v of values) {
    if (v.k !== 'const' || typeof v.v !== 'number' || !Number.isFinite(v.v)) return undefined;
    if (!out.includes(v.v)) out.push(v.v);
  }
  return out.length > 1 && out.length <= MAX_ONE_OF ? out : undefined;
}
/**
 * Whether nothing between a call and its def, class or module may skip it for some of a loop's values: no
 * branch, `try`, `while`, short-circuit or filtered comprehension around it, no `break` or `continue` in a loop
 * around it. (A value set is the same whatever the branch: `if c % 32 == 0:` does not take 48 out of it.)
 */
function everyRun(call: SyntaxNode, text: string): boolean {
  for (let n = call.parent; n; n = n.parent) {
    switch (n.name) {
      case 'FunctionDefinition':
      case 'ClassDefinition':
      case 'LambdaExpression':
      case 'Script':
        return true;
      case 'IfStatement':
      case 'TryStatement':
      case 'WhileStatement':
      case 'MatchStatement':
      case 'ConditionalExpression':
        return false;
      case 'ForStatement':
        if (/\b(?:break|continue)\b/.test(text.slice(n.from, n.to))) return false;
        break;
      case 'BinaryExpression':
      case 'ArrayComprehensionExpression':
      case 'DictionaryComprehensionExpression':
      case 'SetComprehensionExpression':
      case 'ComprehensionExpression':
        for (let c = n.firstChild; c; c = c.nextSibling) if (c.name === 'and' || c.name === 'or' || c.name === 'if') return false;
        break;
    }
  }
  return true;
}

/** (past this many, a loop over a long table: no list is shown) */
const MAX_ONE_OF = 16;

/**
 * Arguments written as expressions that the code fixes to one value (a module constant, a local
 * assigned once, arithmetic on them: `WIDTH = 64; nn.BatchNorm2d(WIDTH * 2)`) take that value in
 * `effective`; `arguments` keeps what was written. A parameter (whatever its default) or anything
 * that may hold several values stays symbolic (with the numbers it may be, when only numbers: `oneOf`).
 */
export function resolveSizes(
  layer: ResolvedLayer,
  model: ModuleModel,
  bias = 0,
  /** The text's loops that set eps or momentum on every layer (loopSetters of the model's text, unless given). */
  setters?: readonly LoopSetter[],
): ResolvedLayer {
  // bias: how far the text the model was built from has moved since (offsets now = model's + bias)
  const site = model.sites.get(layer.call.calleeRange.endOffset - bias);
  if (!site) return layer;
  let copy: ResolvedLayer | null = null;
  // `**dd` with dd = {'device': device, 'dtype': dtype}: only those may be set by it; and what a
  // literal one sets (`**{'eps': 1e-3}`, CFG = dict(eps=1e-3)) is written through it
  const unpacked = layer.kwargsUnpacked ? unpackedDict(site, model, layer.kwargsUnpacked.text) : undefined;
  if (unpacked) {
    copy = {
      ...layer,
      kwargsUnpacked: { ...layer.kwargsUnpacked!, keys: unpacked.keys },
      effective: { ...layer.effective },
      arguments: { ...layer.arguments },
    };
    for (const [k, v] of Object.entries(unpacked.values ?? {}))
      if (layer.spec.params.some((p) => p.name === k) && copy.effective[k]?.isDefault !== false) {
        copy.effective[k] = { value: v, isDefault: false };
        copy.arguments[k] = v;
      }
    const errors = unpacked.values ? mappingBindingErrors(layer, unpacked.values) : undefined;
    if (errors) copy.bindingErrors = errors;
  }
  // `*(32, 64)`, `*args` with args = (32, 64): its items are the positional arguments after those written
  const items = unpackedSequence(site, model, layer);
  if (items) {
    const spread = spreadItems(layer, items);
    if (spread) copy = { ...(copy ?? layer), ...spread };
  }
  for (const [name, e] of Object.entries(layer.effective)) {
    if (e.isDefault || !e.range || typeof e.value !== 'object' || e.value === null || Array.isArray(e.value)) continue;
    const arg = site.args.find((a) => a.node && a.node.from + bias === e.range!.startOffset);
    const own = arg?.node ? parameterDefault(arg.node, site.scope, model) : undefined;
    if (own) {
      copy ??= { ...layer, effective: { ...layer.effective } };
      copy.codeDefaults = { ...copy.codeDefaults, [name]: own };
    }
    if (!arg) continue;
    if (arg.values.length > 1) {
      const oneOf = everyRun(site.node, model.text) ? numbersOnly(arg.values) : undefined;
      if (oneOf) {
        copy ??= { ...layer, effective: { ...layer.effective } };
        copy.effective[name] = { ...copy.effective[name], oneOf };
      }
    }
    if (arg.values.length !== 1) continue;
    const v = arg.values[0];
    // (a tuple or list of sizes the code fixes each: `[C, H, W]` with module constants)
    const sizes =
      v.k === 'seq' && !v.many && v.items.length && v.items.every((it) => it.length === 1 && it[0].k === 'const' && typeof it[0].v === 'number')
        ? v.items.map((it) => (it[0] as { v: number }).v)
        : undefined;
    if (v.k !== 'const' && !sizes) continue;
    copy ??= { ...layer, effective: { ...layer.effective } };
    copy.effective[name] = { ...e, value: sizes ?? (v as { v: PyValue }).v };
  }
  // a subclass that drops its base's shift or scale (`self.bias = None` after super().__init__, timm's LayerNorm2dNoBias)
  for (const [attr, drop] of droppedBySubclass(site, model, layer)) {
    const spec = layer.spec;
    const fw = spec.framework;
    if (drop.value === 'parameter') {
      // a tensor put back where the arguments left it out (`self.weight = nn.Parameter(torch.ones(c))` after
      // `super().__init__(c, elementwise_affine=False)`): PyTorch's forward passes self.weight and self.bias on
      if (fw !== 'pytorch' || (attr !== 'weight' && attr !== 'bias')) continue;
      const off = (name: string | undefined) => name !== undefined && (copy ?? layer).effective[name]?.value === false;
      if (!off(spec.roles.affine) && !(attr === 'bias' && off(spec.roles.bias))) continue;
      copy ??= { ...layer, effective: { ...layer.effective } };
      copy.restored = { ...copy.restored, [attr]: { code: drop.code, definite: drop.definite } };
      continue;
    }
    // the argument the statement amounts to: torch's LayerNorm `bias` (PyTorch 2.13: `bias=False` in its repr,
    // only `weight` in named_parameters); Keras's `center`/`scale`, which build() reads (Keras 3.15.1: no beta)
    const param =
      fw === 'pytorch' && attr === 'bias' && drop.value === null
        ? spec.roles.bias
        : (fw === 'keras' || fw === 'tf_keras') && drop.value !== null
          ? attr
          : undefined;
    const e = param ? (copy ?? layer).effective[param] : undefined;
    if (param && e) {
      if (e.value === drop.value || (param === spec.roles.bias && e.value === false)) continue;
      copy ??= { ...layer, effective: { ...layer.effective } };
      const value = drop.value ?? false;
      if (drop.definite) {
        copy.effective[param] = { value, isDefault: false, setAfter: drop.code };
        copy.codeDefaults = { ...copy.codeDefaults, [param]: { value, from: `\`${drop.code.replace(' in ', '` in `')}\`` } };
      } else if (!e.maySetBy) copy.effective[param] = { ...e, maySetBy: drop.code };
      continue;
    }
    // otherwise the tensor itself: torch's weight or bias (the module's forward passes None on), nnx's scale or bias
    const tensor =
      fw === 'pytorch' && (attr === 'weight' || attr === 'bias') ? attr : fw === 'flax_nnx' && (attr === 'scale' || attr === 'bias') ? attr : undefined;
    if (!tensor || drop.value !== null) continue;
    const affine = spec.roles.affine ? (copy ?? layer).effective[spec.roles.affine] : undefined;
    if (affine?.value === false) continue;
    copy ??= { ...layer, effective: { ...layer.effective } };
    copy.removed = { ...copy.removed, [tensor === 'scale' ? 'weight' : tensor]: { code: drop.code, definite: drop.definite } };
  }
  // `self.f = nn.LayerNorm(32)` then `self.f.eps = 1e-3` in the same class: the value used is not the one built with
  for (const [name, set] of setAfterwards(site, model, layer, setters)) {
    const e = (copy ?? layer).effective[name];
    if (!e || e.maySetBy) continue;
    if (name === 'track_running_stats') {
      // (PyTorch 2.13: one built without running statistics has no buffers to use: True set later changes nothing)
      if (e.value === false || set.value === true || (set.value !== undefined && set.value !== false)) continue;
      copy ??= { ...layer, effective: { ...layer.effective } };
      // (what may run later and sets it to False too leaves it so)
      const later = !set.later || /=\s*False\b/.test(set.later);
      copy.untracked = { code: set.code, definite: set.value === false && later && e.value === true };
      continue;
    }
    copy ??= { ...layer, effective: { ...layer.effective } };
    if (set.value !== undefined) {
      // set once built, for certain: the value used, said where (what may change it later too)
      copy.effective[name] = { value: set.value, isDefault: false, setAfter: set.code, ...(set.later ? { maySetBy: set.later } : {}) };
      copy.codeDefaults = { ...copy.codeDefaults, [name]: { value: set.value, from: set.from ?? `\`${set.code}\`` } };
    } else copy.effective[name] = { ...e, maySetBy: set.code };
  }
  return copy ?? layer;
}

/**
 * The ε a forward passes to a functional norm when it is not the layer's own `self.eps` (`eps=1e-12`), as written;
 * `value`: a number the forward certainly passes (its one functional norm call, directly in its body: not under an
 * if, a loop, a try or a conditional expression).
 */
function forwardEps(model: ModuleModel, fwd: FuncDef): { text: string; value?: number } | undefined {
  let found: { text: string; value?: number } | undefined;
  let calls = 0;
  for (const site of model.sites.values()) {
    if (site.scope !== fwd) continue;
    for (const v of model.deref(site.callee)) {
      const spec = v.k === 'q' ? findByQualifiedName(v.q) : undefined;
      if (!spec || spec.form !== 'function' || !spec.roles.eps) continue;
      calls++;
      const at = spec.params.findIndex((p) => p.name === spec.roles.eps);
      const positional = site.args.filter((a) => !a.name && !a.star);
      const arg = site.args.find((a) => a.name === spec.roles.eps) ?? (at >= 0 && !spec.params[at].keywordOnly ? positional[at] : undefined);
      const text = arg?.node ? model.text.slice(arg.node.from, arg.node.to).replace(/\s+/g, ' ').trim() : undefined;
      if (!found && text && text.replace(/ /g, '') !== 'self.eps') {
        const n = literalText(text);
        let plain = true;
        for (let p = site.node.parent; p && p !== fwd.body; p = p.parent)
          if (/^(If|For|While|Try|Match)Statement$|^(Conditional|Lambda)Expression$|^FunctionDefinition$/.test(p.name)) plain = false;
        found = { text: `eps=${text}`, ...(typeof n === 'number' && plain ? { value: n } : {}) };
      }
      break;
    }
  }
  // (two calls may pass two values: which one runs is not known)
  if (found && calls > 1) delete found.value;
  return found;
}

/**
 * Attributes a norm reads at every call, so that setting them once built changes what it computes
 * (see liveSets): ε and momentum, and PyTorch's track_running_stats (a BatchNorm built with it then
 * keeps its running statistics but stops updating them: ResolvedLayer.untracked).
 */
const LIVE_ATTRIBUTES = ['eps', 'epsilon', 'momentum', 'track_running_stats'] as const;
const LIVE = LIVE_ATTRIBUTES.join('|');
const LIVE_ATTRIBUTE = new RegExp(`^(?:${LIVE})$`);
const LIVE_WORD = new RegExp(`\\b(?:${LIVE})\\b`);
const LIVE_SETATTR = new RegExp(String.raw`\bsetattr\s*\(\s*([\p{L}_][\p{L}\p{N}_.]*)\s*,\s*(['"])(${LIVE})\2\s*,\s*([^\n#;]*?)\)[ \t]*(?=[\n#;]|$)`, 'gu');
const LIVE_LINE = new RegExp(String.raw`^[^\n]*\.[ \t]*(?:${LIVE})\b[^\n]*$`, 'gm');
const LIVE_TARGET = new RegExp(String.raw`^([\p{L}_][\p{L}\p{N}_]*(?:[ \t]*\.[ \t]*[\p{L}_][\p{L}\p{N}_]*)*)[ \t]*\.[ \t]*(${LIVE})$`, 'u');

/**
 * Assignments to an attribute of the layer a call builds, in the class that builds it
 * (`self.f.eps = 1e-3` after `self.f = nn.LayerNorm(32)`): by attribute, the statement as written.
 */
function setAfterwards(site: Site, model: ModuleModel, layer: ResolvedLayer, setters?: readonly LoopSetter[]): Map<string, SetBy> {
  // what sets it on this very layer first (a definite `self.bn.momentum = None` is not hidden behind a loop's "may")
  const out = setOnLayer(site, model, layer);
  // then what code outside its class sets on an instance's layer (`net.ln.eps = 1e-4`): that
  // instance's, not every one the class builds
  for (const x of setOnInstances(site, model)) {
    const had = out.get(x.attr);
    if (!had) out.set(x.attr, { code: x.code });
    else if (had.value !== undefined && !had.later) had.later = x.code;
  }
  // a loop over a model's layers that sets it on each one (of the classes its guard names); after a
  // definite assignment too (the loop may run later)
  // (a hand-written module is no framework class at run time: a guard naming one never holds for it, only one naming
  // the user class does; detectron2's FrozenBatchNorm2d is no _BatchNorm)
  const custom = layer.origin?.computes !== undefined;
  const names = custom ? [layer.origin?.definedBy?.name] : [layer.spec.name, layer.qualifiedName.split('.').pop()!, layer.origin?.definedBy?.name];
  const guarded = (c: string) => names.some((n) => n && (n === c || TORCH_NORM_BASES[c]?.test(n)));
  // (the class the call builds, when it is a user subclass: its exact type)
  const own = layer.origin?.via === 'subclass' ? layer.origin.definedBy?.name : undefined;
  // (the exact type's name, for a guard that tests it: the user class when there is one)
  const typeName = layer.origin?.definedBy?.name ?? layer.qualifiedName.split('.').pop()!;
  for (const st of setters ?? loopSetters(model.text)) {
    const byName = st.nameHas?.some((part) => typeName.includes(part));
    if ((st.classes.length || st.nameHas) && !byName && !(st.classes.length && (st.exact && own ? st.classes.includes(own) : st.classes.some(guarded))))
      continue;
    const had = out.get(st.attr);
    if (!had) out.set(st.attr, { code: st.code });
    else if (had.value !== undefined && !had.later) had.later = st.code;
  }
  return out;
}

/**
 * `X.holder.eps = ...` (or epsilon, momentum) outside the class whose method builds the layer as
 * `self.holder = ...`, where X may be an instance of that class or of a subclass of it, or an
 * object NormLens does not follow (ModuleModel.memberSets).
 */
function setOnInstances(site: Site, model: ModuleModel): MemberSet[] {
  const stmt = site.node.parent;
  const cls = site.scope.kind === 'func' ? site.scope.cls : undefined;
  if (!cls || !model.memberSets.length || stmt?.name !== 'AssignStatement' || stmt.firstChild?.name !== 'MemberExpression') return [];
  const target = model.text.slice(stmt.firstChild.from, stmt.firstChild.to).replace(/\s+/g, '');
  const holder = /^self\.(\w+)$/.exec(target)?.[1];
  if (!holder) return [];
  const family = new Set<ClassDef>();
  const add = (c: ClassDef) => {
    if (family.has(c)) return;
    family.add(c);
    c.subclasses.forEach(add);
  };
  add(cls);
  return model.memberSets.filter(
    (x) =>
      x.holder === holder &&
      LIVE_ATTRIBUTE.test(x.attr) &&
      (x.any || x.classes.some((c) => family.has(c))) &&
      // (`self.holder.eps = ...` in the class itself: setOnBuilt reads those, in order)
      !(x.at >= cls.node.from && x.at < cls.node.to),
  );
}

/** What sets an attribute of a layer once built: as written; `value` when it certainly holds after construction; `later`: what may still change it. */
interface SetBy {
  code: string;
  value?: PyValue;
  later?: string;
  /** With `value`: where, in words with code in backticks, when not the code itself. */
  from?: string;
}

/**
 * What sets LIVE_ATTRIBUTES on the layer a call builds: an assignment to the name or attribute it
 * is bound to, else its subclass around its base (which runs first). A subclass's value is certain
 * when every class the call may build sets the same one for certain (see setBySubclass).
 */
function setOnLayer(site: Site, model: ModuleModel, layer: ResolvedLayer): Map<string, SetBy> {
  const out = setOnBuilt(site, model, layer);
  if (layer.origin?.via !== 'subclass') return out;
  // (`kwargs.setdefault('eps', 1e-3)` gives way to an eps the call passes, and may to what a mapping or a second
  // positional argument of the call passes)
  const passes = (k: string) => site.args.some((a) => a.name === k);
  const mayPass = site.args.some((a) => a.star) || site.args.filter((a) => !a.name && !a.star).length > 1;
  const each = model
    .deref(site.callee)
    .flatMap((v) => (v.k === 'class' ? [new Map([...setBySubclass(v.cls)].filter(([k, x]) => !(x.ifAbsent && passes(k))))] : []));
  for (const sets of each)
    for (const [k, set] of sets) {
      if (out.has(k)) continue;
      const sure = set.value !== undefined && !(set.ifAbsent && mayPass) && each.every((x) => x.get(k)?.value === set.value);
      out.set(k, { code: set.code, ...(sure ? { value: set.value, from: `\`${set.code.replace(/ in (?=[\w.]+$)/, '` in `')}\`` } : {}) });
    }
  return out;
}

/** What sets LIVE_ATTRIBUTES on the layer a call builds once built: an assignment to the name or attribute it is bound to. */
function setOnBuilt(site: Site, model: ModuleModel, layer: ResolvedLayer): Map<string, SetBy> {
  const out = new Map<string, SetBy>();
  const stmt = site.node.parent;
  const text = model.text;
  if (stmt?.name === 'AssignStatement' && stmt.firstChild?.name === 'VariableName') {
    // `bn = layers.BatchNormalization()` then `bn.momentum = 0.9` in the same function (or in
    // the statements analyzed, at module level)
    const name = text.slice(stmt.firstChild.from, stmt.firstChild.to);
    const scope = site.scope;
    const sets = (nameSets(model, scope).get(name) ?? []).filter((x) => x.at >= stmt.to);
    return lastSet(
      sets.map((x) => ({ ...x, here: true })),
      (x) => definite(text, stmt, x.at, x.code).value,
    );
  }
  const cls = site.scope.kind === 'func' ? site.scope.cls : null;
  if (!cls || stmt?.name !== 'AssignStatement' || stmt.firstChild?.name !== 'MemberExpression') return out;
  // (a Flax linen submodule's fields are frozen once assigned in setup: setting one raises, it changes nothing)
  if (layer.spec.framework === 'flax_linen') return out;
  const body = text.slice(cls.node.from, cls.node.to);
  // (most classes set no such attribute: no pattern is built for them)
  if (!LIVE_WORD.test(body)) return out;
  const target = text.slice(stmt.firstChild.from, stmt.firstChild.to).replace(/\s+/g, '');
  if (!/^self\.\w+$/.test(target)) return out;
  const sets: { attr: string; code: string; at: number; here: boolean }[] = [];
  for (const x of liveSets(body)) {
    if (x.target !== target) continue;
    const at = cls.node.from + x.at;
    // (in the very function that builds it: a set in another method may run or not)
    const here = !!(site.scope.kind === 'func' && site.scope.body && at >= site.scope.body.from && at < site.scope.body.to);
    // (before it is built, in the same body: it set an object this statement then replaces)
    if (here && at < stmt.from) continue;
    sets.push({ attr: x.attr, code: x.code, at, here });
  }
  return lastSet(sets, (x) => definite(text, stmt, x.at, x.code).value);
}

/**
 * What a run of assignments leaves on one layer, by attribute (sets in text order; `here`: in the
 * body that builds it, after it): the last that certainly runs (`sure` gives its value) decides,
 * the ones before it are overwritten, and any after it, or in another method, may still change it
 * (`later`). Without one that certainly runs: the last of the body (else the first elsewhere) may set it.
 */
function lastSet<T extends { attr: string; code: string; here: boolean }>(sets: readonly T[], sure: (x: T) => PyValue | undefined): Map<string, SetBy> {
  const out = new Map<string, SetBy>();
  for (const attr of new Set(sets.map((x) => x.attr))) {
    const list = sets.filter((x) => x.attr === attr);
    let last = -1;
    let value: PyValue | undefined;
    for (let i = list.length - 1; i >= 0 && last < 0; i--) {
      if (!list[i].here) continue;
      value = sure(list[i]);
      if (value !== undefined) last = i;
    }
    if (last < 0) {
      out.set(attr, { code: ([...list].reverse().find((x) => x.here) ?? list[0]).code });
      continue;
    }
    const later = list.filter((x, i) => i > last || !x.here);
    out.set(attr, { code: list[last].code, value, ...(later.length ? { later: later[later.length - 1].code } : {}) });
  }
  return out;
}

/**
 * The value a plain `X.attr = literal` at `at` certainly sets on the layer built by `stmt`: after
 * the statement and at its indentation (in the same body, not under a condition or loop), with no
 * `return`, `raise`, `break` or `continue` between (lastSet picks the last of several).
 */
function definite(text: string, stmt: SyntaxNode, at: number, code: string): { value: PyValue } | Record<string, never> {
  const m = /^[\w.]+ = (.+)$/.exec(code);
  const value = m ? literalText(m[1]) : undefined;
  if (value === undefined || at < stmt.to) return {};
  const lineStart = (o: number) => text.lastIndexOf('\n', o - 1) + 1;
  const indentOf = (o: number) => /^[ \t]*/.exec(text.slice(lineStart(o), o + 1))![0];
  const indent = indentOf(stmt.from);
  if (indentOf(at) !== indent || text.slice(lineStart(at), at).trim() !== '') return {};
  for (const line of text.slice(stmt.to, lineStart(at)).split('\n')) {
    if (/^[ \t]*(#|$)/.test(line)) continue;
    if (!line.startsWith(indent) || /^\s*(?:return|raise|break|continue)\b/.test(line)) return {};
  }
  return { value };
}

/** A literal as written in an assignment (None, True/False, a number, a quoted string); undefined otherwise. */
function literalText(raw: string): PyValue | undefined {
  const t = raw.trim();
  if (t === 'None') return null;
  if (t === 'True' || t === 'False') return t === 'True';
  const q = /^(['"])([^'"\\]*)\1$/.exec(t);
  if (q) return q[2];
  if (/^[-+]?[\d.][\d._eE+-]*$/.test(t)) {
    const n = numberOf(t.replace(/^\+/, ''));
    return n === undefined ? undefined : n;
  }
  return undefined;
}

/**
 * Loops over a model's layers that set one of LIVE_ATTRIBUTES on each (YOLOv5's
 * `initialize_weights`: `for m in model.modules(): if type(m) is nn.BatchNorm2d: m.eps = 1e-3`;
 * Keras's `for layer in model.layers: ... layer.momentum = 0.9`), anywhere in the file. Each:
 * the attribute, the statement as written with the loop it is in (no line: a file's analyses are
 * moved with edits, their texts are not), and the norm classes the loop's body names (a guard
 * such as `isinstance(m, nn.BatchNorm2d)`; none named: any layer). Which model the loop gets is
 * not known: a layer only may be changed by it. Found by text, as setAfterwards does.
 */
export interface LoopSetter {
  attr: string;
  code: string;
  classes: string[];
  /** A function's setter (`def init_weights(m): m.eps = 1e-3`): its name. */
  fn?: string;
  /** Its guard tests the exact type (`type(m) is C`): a subclass of a class named is not C. */
  exact?: boolean;
  /** Its guard tests the type's name (`'BatchNorm' in type(m).__name__`): the parts it looks for. */
  nameHas?: string[];
}

const LOOP_ITERABLE = /\.(?:modules|named_modules|children|named_children)\s*\(\s*\)|\.(?:layers|submodules)\b/;
const FOR = String.raw`^(?<indent>[ \t]*)for[ \t]+(?<target>[^\n]+?)[ \t]+in[ \t]+(?<iterable>[^\n]+?)[ \t]*:[ \t]*(?:#[^\n]*)?$`;
// (one line of parameters: `def init_weights(m):`, `def _init(self, module, std=0.02):`)
const DEF = String.raw`^(?<dindent>[ \t]*)def[ \t]+(?<name>\w+)[ \t]*\([ \t]*(?:(?:self|cls)[ \t]*,[ \t]*)?(?<param>\w+)[^\n]*\)[^\n]*:[ \t]*(?:#[^\n]*)?$`;
const FOR_OR_DEF_LINE = new RegExp(`${FOR}|${DEF}`, 'gm');
const DEF_LINE = new RegExp(DEF, 'gm');
/** PyTorch's private bases of its norm classes, as guards name them (`isinstance(m, _BatchNorm)`): the classes each covers. */
const TORCH_NORM_BASES: Record<string, RegExp> = {
  _NormBase: /^(?:Lazy)?(?:Sync)?(?:BatchNorm|InstanceNorm)/,
  _BatchNorm: /^(?:Lazy)?(?:Sync)?BatchNorm/,
  _InstanceNorm: /^(?:Lazy)?InstanceNorm/,
};
const NORM_CLASS_NAME = /\b(?:\w+\.)*(\w*(?:Norm|Normalization)\w*)\b/g;

let lastSetters: { text: string; setters: LoopSetter[] } | null = null;

/** The loops of `text` that set eps, epsilon or momentum on every layer they visit (see LoopSetter); cached for the last text. */
export function loopSetters(text: string): LoopSetter[] {
  if (lastSetters?.text === text) return lastSetters.setters;
  // chunk by chunk, as the parser reads the text (past a string left open above, a column-0 def or
  // class starts afresh): what the editor's per-chunk search finds
  const starts = moduleChunks(text);
  const setters = appliedOnly(
    starts.flatMap((from, i) => chunkSetters(text.slice(from, i + 1 < starts.length ? starts[i + 1] : text.length))),
    text,
  );
  lastSetters = { text, setters };
  return setters;
}

/**
 * The setters of loopSetters written in `text` (a chunk of a file: a loop or def never runs past
 * the column-0 line that ends a chunk), functions included whether or not the file applies them
 * (appliedOnly decides with the whole file).
 */
export function chunkSetters(text: string): LoopSetter[] {
  const setters: LoopSetter[] = [];
  // (most files set neither: a plain search rules them out)
  if (LIVE_WORD.test(text)) {
    const visits = ['.modules(', '.named_modules(', '.children(', '.named_children(', '.layers', '.submodules'].some((a) => text.includes(a));
    let masked: string | undefined;
    for (const m of text.matchAll(visits ? FOR_OR_DEF_LINE : DEF_LINE)) {
      // (a `for` or `def` a string holds is no code)
      masked ??= maskPython(text);
      const lead = /^[ \t]*/.exec(m[0])![0].length;
      if (masked[m.index + lead] !== text[m.index + lead]) continue;
      const { line, indent, v, what } = m.groups?.iterable
        ? {
            line: m[0],
            indent: m.groups.indent,
            v: /(\w+)\W*$/.exec(m.groups.target)?.[1],
            what: `for ${m.groups.target.trim()} in ${m.groups.iterable.trim()}`,
          }
        : // a function whose first parameter (after self) is set: applied to each layer (`model.apply(init_fn)`) or to one
          { line: m[0], indent: m.groups!.dindent, v: m.groups!.param, what: `in ${m.groups!.name}()` };
      if (m.groups?.iterable && !LOOP_ITERABLE.test(m.groups.iterable)) continue;
      // (a method's own attributes are no layer it is given)
      if (!v || v === 'self' || v === 'cls') continue;
      // the body: the lines after it indented deeper (blank lines and comments inside too)
      let end = m.index + line.length;
      for (let at = end + 1; at < text.length;) {
        const nl = text.indexOf('\n', at);
        const next = text.slice(at, nl < 0 ? text.length : nl);
        const blank = /^[ \t]*(#|$)/.test(next);
        if (!blank && !(next.startsWith(indent) && /^[ \t]/.test(next.slice(indent.length)))) break;
        if (!blank) end = nl < 0 ? text.length : nl;
        at = nl < 0 ? text.length : nl + 1;
      }
      const body = text.slice(m.index + line.length, end);
      const sets = liveSets(body).filter((x) => x.target === v);
      if (!sets.length) continue;
      // `'BatchNorm' in type(m).__name__` (or `m.__class__.__name__`): a part of the exact type's name
      const nameHas = [...body.matchAll(new RegExp(String.raw`(['"])(\w+)\1\s+in\s+(?:type\s*\(\s*${v}\s*\)|${v}\s*\.\s*__class__)\s*\.\s*__name__`, 'g'))].map(
        (x) => x[2],
      );
      const classes = [
        ...new Set([...body.matchAll(NORM_CLASS_NAME)].map((c) => c[1]).filter((c) => (/^[A-Z]/.test(c) || c in TORCH_NORM_BASES) && !nameHas.includes(c))),
      ];
      // `type(m) is nn.BatchNorm2d` (YOLOv5): the class itself, not its subclasses
      const exact = new RegExp(String.raw`\btype\s*\(\s*${v}\s*\)`).test(body) && !/\bisinstance\s*\(/.test(body);
      for (const x of sets)
        setters.push({
          attr: x.attr,
          code: `${x.code} (${what})`,
          classes,
          ...(m.groups?.name ? { fn: m.groups.name } : {}),
          ...(exact ? { exact } : {}),
          ...(nameHas.length ? { nameHas } : {}),
        });
    }
  }
  return setters;
}

/** Setters of functions only when the file hands the function to `.apply(...)` (`model.apply(init_weights)`, `self.apply(lambda m: set_eps(m, 1e-3))`). */
export function appliedOnly(setters: LoopSetter[], text: string): LoopSetter[] {
  if (!setters.some((x) => x.fn)) return setters;
  return setters.filter((x) => !x.fn || new RegExp(String.raw`\.apply[ \t]*\([^\n]*\b${x.fn}\b`).test(text));
}

/**
 * Keras's image layout as this file sets it for the whole process
 * (`keras.config.set_image_data_format("channels_first")`, also through `keras.backend` or
 * `tf.keras.backend`): a conv written without `data_format` then uses it. `value`: the one literal
 * layout every such call gives, each a statement of its own at module level, with nothing but
 * imports, defs and classes above the first (Keras fixes a layer's layout when it is built, so it
 * then holds for every model the file builds); null when the file sets it otherwise (in a
 * function, under a condition, below code that may build a model, to several or computed
 * values): the layout is then not known. Calls a string or comment holds do not count. `code`: the first
 * call as written. Undefined when the file never calls it (Keras's default, channels_last).
 */
export function imageDataFormat(text: string, named = true): { value: string | null; code: string } | undefined {
  // (the editor's key and its checks read the same text one after the other)
  if (lastFormat?.text === text) return lastFormat.format;
  // (`named`: false when the caller knows the text never names the setter, chunk by chunk)
  const format = named ? readImageDataFormat(text) : undefined;
  lastFormat = { text, format };
  return format;
}
let lastFormat: { text: string; format: ReturnType<typeof readImageDataFormat> } | null = null;

/** The name of Keras's process-wide layout setter (keras.config.set_image_data_format). */
export const SET_IMAGE_DATA_FORMAT = 'set_image_data_format';

function readImageDataFormat(text: string): { value: string | null; code: string } | undefined {
  if (!text.includes(SET_IMAGE_DATA_FORMAT)) return undefined;
  // (what a string or comment holds is no call)
  const masked = maskPython(text);
  const inCode = (at: number) => masked.startsWith('set_image_data_format', at);
  const all = [...text.matchAll(/set_image_data_format/g)].filter((m) => inCode(m.index));
  if (!all.length) return undefined;
  const calls = [
    ...text.matchAll(/^(?:[\p{L}_][\p{L}\p{N}_]*\.)*set_image_data_format[ \t]*\([ \t]*(['"])(channels_first|channels_last)\1[ \t]*\)[ \t]*(?:#[^\n]*)?$/gmu),
  ].filter((m) => inCode(m.index + m[0].indexOf('set_image_data_format')));
  const first = /[^\n]*$/.exec(text.slice(0, all[0].index))![0] + /^[^\n]*/.exec(text.slice(all[0].index))![0];
  const values = new Set(calls.map((m) => m[2]));
  // Keras fixes a layer's layout when the layer is built: the setting holds for every layer only when
  // nothing at module level runs before it (imports, defs and classes only; a model built above it keeps channels_last)
  const before = masked.slice(0, masked.lastIndexOf('\n', all[0].index) + 1);
  const quiet = before.split('\n').every((l) => !/^\S/.test(l) || /^(?:import|from|def|class|async[ \t]+def|@)\b/.test(l) || /^@/.test(l));
  return {
    value: calls.length === all.length && values.size === 1 && quiet ? [...values][0] : null,
    code: (calls[0]?.[0] ?? first).replace(/[ \t]*#.*$/, '').trim(),
  };
}

/** `NAME.eps = …` (and epsilon, momentum) in a function's body or in the module statements a model analyzes, by NAME: one pass per scope (a file may hold thousands of layers). */
type NameSets = Map<string, { at: number; attr: string; code: string }[]>;
const nameSetsOf = new WeakMap<object, NameSets>();
function nameSets(model: ModuleModel, scope: Scope): NameSets {
  const owner = scope.kind === 'func' ? scope : model;
  let sets = nameSetsOf.get(owner);
  if (sets) return sets;
  sets = new Map();
  nameSetsOf.set(owner, sets);
  const text = model.text;
  // (at module level, the module's own statements: a def's or class's body sets its own locals)
  const ranges: [number, number][] =
    scope.kind === 'func'
      ? scope.body
        ? [[scope.body.from, scope.body.to]]
        : []
      : model
          .topStatements()
          .filter((n) => n.name !== 'FunctionDefinition' && n.name !== 'ClassDefinition' && n.name !== 'DecoratedStatement')
          .map((n) => [n.from, n.to]);
  for (const [from, to] of ranges) {
    const part = text.slice(from, to);
    // (most code sets none: a plain search rules it out; then each `.eps =`, and the name before it)
    for (const x of liveSets(part)) {
      // (on a plain name: `bn.momentum = 0.9`)
      if (x.target.includes('.')) continue;
      const list = sets.get(x.target) ?? [];
      list.push({ at: from + x.at, attr: x.attr, code: x.code });
      sets.set(x.target, list);
    }
  }
  return sets;
}

/** A statement that sets one of LIVE_ATTRIBUTES of an object: where (offset in the text searched), on what (`self.bn`, `m`), which, and as written. */
interface LiveSet {
  at: number;
  target: string;
  attr: string;
  code: string;
}

/**
 * `s` cut at the characters `cut` accepts where they lie outside brackets and strings (the parts,
 * untrimmed). A small reader of one Python line, for the statements found by text here.
 */
function splitOutside(s: string, cut: (i: number) => boolean): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && cut(i)) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** The parts of a plain assignment statement split at its top-level `=` signs (not `==`, `<=`, `>=`, `!=`, keywords in calls). */
function splitAssign(s: string): string[] {
  return splitOutside(s, (i) => s[i] === '=' && s[i + 1] !== '=' && !'=!<>+-*/%&|^@:'.includes(s[i - 1] ?? ''));
}

/** An expression list without the brackets around it: `(a, b)` → `a, b` (a call's parentheses are kept). */
function unwrap(s: string): string {
  if (!/^[([]/.test(s) || splitTop(s).length !== 1) return s;
  const close = s[0] === '(' ? ')' : ']';
  if (!s.endsWith(close)) return s;
  // the brackets must enclose everything: their depth never falls to 0 before the end
  let depth = 0;
  for (let i = 0; i < s.length - 1; i++) {
    if ('([{'.includes(s[i])) depth++;
    else if (')]}'.includes(s[i])) depth--;
    if (depth === 0) return s;
  }
  return s.slice(1, -1).trim();
}

/** Top-level commas of an expression list (brackets and strings kept whole), each part trimmed; none for an empty list. */
function splitTop(s: string): string[] {
  const parts = splitOutside(s, (i) => s[i] === ',').map((x) => x.trim());
  return parts.length === 1 && !parts[0] ? [] : parts;
}

/**
 * Every statement of `part` setting eps, epsilon or momentum on an object, one statement a line
 * (or after `;` / a one-line `if ...:`): `T.eps = v`, `T.momentum *= v` (as written), the element
 * of a tuple assignment `T.eps, T.momentum = 1e-3, 0.03` (paired with its value when the sides
 * have as many elements), and `setattr(T, 'eps', v)`. Found by text (as PyTorch users write it).
 */
export function liveSets(part: string): LiveSet[] {
  const out: LiveSet[] = [];
  // (most code sets none: plain searches rule it out)
  if (!LIVE_WORD.test(part)) return out;
  for (const m of part.matchAll(LIVE_SETATTR))
    out.push({ at: m.index, target: m[1].replace(/\s+/g, ''), attr: m[3], code: `setattr(${m[1]}, '${m[3]}', ${m[4].trim()})` });
  // each statement holding `.attr` followed by an assignment operator on its line
  for (const m of part.matchAll(LIVE_LINE)) {
    let from = m.index;
    for (const stmt of m[0].split(';')) {
      // a one-line compound statement: what follows its colon
      const body = stmt.replace(/^[ \t]*(?:if|elif|else|for|while|with)\b[^:]*:/, (x) => ' '.repeat(x.length)).replace(/#.*$/, '');
      const op = /(?<![=!<>+\-*/%&|^@:])(\*\*=|\/\/=|[-+*/%]=|=)(?!=)/.exec(body);
      if (op) {
        // `a = b = v` (chained): every part but the last is a target list; `(a, b) = (x, y)`, `[a, b] = ...`
        // and `x: float = v` (annotated) as Python reads them
        const parts = op[1] === '=' ? splitAssign(body) : [body.slice(0, op.index), body.slice(op.index + op[0].length)];
        const rhs = unwrap(parts[parts.length - 1].trim());
        for (const part of parts.slice(0, -1)) {
          const lhs = part.replace(/:[^,()[\]]*$/, '');
          const targets = splitTop(unwrap(lhs.trim()));
          const values = op[1] === '=' && targets.length > 1 ? splitTop(rhs) : [];
          targets.forEach((t, i) => {
            const x = LIVE_TARGET.exec(t);
            if (!x) return;
            const target = x[1].replace(/\s+/g, '');
            const value = targets.length === 1 ? rhs : values.length === targets.length ? values[i] : `(${rhs})[${i}]`;
            out.push({ at: from + body.indexOf(t), target, attr: x[2], code: `${target}.${x[2]} ${op[1]} ${value}` });
          });
        }
      }
      from += stmt.length + 1;
    }
  }
  // (not what a string or comment holds: a block disabled with a triple-quoted string)
  const masked = out.length ? maskPython(part) : part;
  return out.filter((x) => masked[x.at] === part[x.at]).sort((a, b) => a.at - b.at);
}

/**
 * What a user subclass (and its user bases) sets around its framework base, by attribute; computed
 * once per class. `value`: the literal it certainly leaves, when the class sets it once, after its
 * `super().__init__(...)`, at its `__init__`'s own indentation with nothing that may end the body
 * before (Keras 3.15.1: `self.epsilon = 1e-5` there is the epsilon used).
 */
interface SubclassValue {
  code: string;
  value?: PyValue;
  /** `kwargs.setdefault('eps', 1e-3)`: it applies only where the call passes no such keyword. */
  ifAbsent?: boolean;
}
const bySubclass = new WeakMap<ClassDef, Map<string, SubclassValue>>();
function setBySubclass(cls: ClassDef): Map<string, SubclassValue> {
  const cached = bySubclass.get(cls);
  if (cached) return cached;
  const out = new Map<string, SubclassValue>();
  bySubclass.set(cls, out);
  for (let c: ClassDef | null = cls, depth = 0; c && depth < 8; depth++) {
    const init = c.owner.findMethod(c, '__init__');
    if (init?.cls === c && init.body) {
      const body = c.owner.text.slice(init.body.from, init.body.to);
      const indent = /\n([ \t]+)\S/.exec(body)?.[1];
      // (the first call of the base's __init__, not one a comment names: what is set before it, the base sets again)
      const maskedBody = maskPython(body);
      const start = maskedBody.search(/\bsuper\s*\(|\.__init__\s*\(/);
      const sets = liveSets(body).filter((x) => x.target === 'self' && !(start >= 0 && x.at < start));
      const mine = lastSet(
        sets.map((x) => ({ ...x, here: true })),
        (x) => {
          const line = body.slice(body.lastIndexOf('\n', x.at - 1) + 1, x.at);
          // (a method of its own called after it, `self.reset_eps()`, may set it again)
          const sure =
            start >= 0 &&
            x.at > start &&
            indent !== undefined &&
            line === indent &&
            definiteLine(body, x.at, indent) &&
            !/\bself\s*\.\s*\w+\s*\(/.test(maskedBody.slice(body.indexOf('\n', x.at) + 1 || body.length));
          const m = sure ? /^[\w.]+ = (.+)$/.exec(x.code) : null;
          return m ? literalText(m[1]) : undefined;
        },
      );
      // (the last that certainly runs, unless a later one may change it; a derived class's set comes first)
      for (const [attr, x] of mine)
        if (!out.has(attr)) out.set(attr, { code: `${x.later ?? x.code} in ${c.name}`, ...(x.value !== undefined && !x.later ? { value: x.value } : {}) });
      // keywords it adds to the **kwargs it hands its base (`kwargs.setdefault('eps', 1e-3)`, `kwargs['eps'] = ...`)
      const kw = init.params.find((p) => p.star === '**')?.name;
      if (kw) {
        // one at the body's own indentation before the base's __init__, of a literal, certainly runs: setdefault gives
        // its value unless the call passes the keyword (PyTorch 2.13: BN1dEps(96).eps is 0.001, BN1dEps(96, eps=1e-5)'s 1e-05),
        // an item assignment whatever the call passes
        const sure = new RegExp(
          `^([ \\t]*)${kw}\\s*(?:\\.\\s*setdefault\\s*\\(\\s*(['"])(\\w+)\\2\\s*,\\s*([^\\n#;,()]+?)\\s*\\)|\\[\\s*(['"])(\\w+)\\5\\s*\\]\\s*=\\s*([^\\n#;]+?))[ \\t]*(?:#.*)?$`,
          'gm',
        );
        for (const m of body.matchAll(sure)) {
          const key = m[3] ?? m[6];
          const value = literalText(m[4] ?? m[7]);
          if (out.has(key) || value === undefined || m[1] !== indent || !(start < 0 || m.index < start) || !definiteLine(body, m.index, indent)) continue;
          // (not what a string or comment holds)
          if (maskedBody[m.index + m[1].length] !== body[m.index + m[1].length]) continue;
          out.set(key, { code: `${m[0].trim().replace(/[ \t]*#.*$/, '')} in ${c.name}`, value, ...(m[3] ? { ifAbsent: true } : {}) });
        }
        for (const m of body.matchAll(new RegExp(`\\b${kw}\\s*(?:\\.\\s*setdefault\\s*\\(|\\[)\\s*['"](\\w+)['"][^\\n#;]*`, 'g')))
          if (!out.has(m[1])) out.set(m[1], { code: `${m[0].trim()} in ${c.name}` });
      }
    }
    // a forward of its own that calls the functional norm with another ε (`F.layer_norm(..., 1e-12)`)
    const fwd = c.owner.findMethod(c, 'forward');
    if (fwd?.cls === c && !out.has('eps')) {
      const eps = forwardEps(c.owner, fwd);
      if (eps) out.set('eps', { code: `${eps.text} in ${c.name}.forward`, ...(eps.value !== undefined ? { value: eps.value } : {}) });
    }
    const next: Value | undefined = c.bases.find((b) => b.k === 'class');
    c = next?.k === 'class' ? next.cls : null;
  }
  return out;
}

/**
 * What a user class between the call and the framework class sets, in its own `__init__` after its
 * `super().__init__(...)`, on the tensors or switches its base reads afterwards: `self.weight = None`
 * / `self.bias = None` (torch; also `self.register_parameter('bias', None)` and `setattr(self, 'bias',
 * None)`), `self.scale = None` (Flax nnx), `self.center = False` / `self.scale = False` (Keras, whose
 * build() reads them). Definite when the statement sits at the body's own indentation (not under an
 * if or a loop) and every class the call may build does so. By attribute: the statement as written,
 * with the class, and the value set.
 */
function droppedBySubclass(site: Site, model: ModuleModel, layer: ResolvedLayer): Map<string, SubclassSet> {
  const out = new Map<string, SubclassSet>();
  if (layer.origin?.via !== 'subclass') return out;
  // (the classes it may build, as the layer's own class is chosen: a parameter's unknown value aside)
  const each = model.deref(site.callee).flatMap((v) => (v.k === 'class' ? [atCall(dropsOf(v.cls), v.cls, site)] : []));
  for (const drops of each)
    for (const [attr, d] of drops)
      if (!out.has(attr)) out.set(attr, { ...d, definite: each.every((x) => x.get(attr)?.definite && x.get(attr)?.value === d.value) });
  return out;
}

interface SubclassSet {
  code: string;
  definite: boolean;
  /** What it sets: None, a switch, Keras's axis, or a new learnable tensor (`self.weight = nn.Parameter(...)`). */
  value: null | boolean | number | 'parameter';
  /** The statement sits in `if [not] PARAM:` at the top of the called class's own `__init__`: the call's value of PARAM decides. */
  when?: { param: string; negate: boolean };
}

/**
 * The sets of a class (dropsOf) for one call of it: one under `if not use_bias:` runs for certain
 * when the call gives use_bias a literal (or leaves its literal default) that makes the test hold,
 * and not at all when it makes it fail (PyTorch: MaybeNoBias(8) keeps its bias,
 * MaybeNoBias(8, use_bias=False) has none).
 */
function atCall(sets: Map<string, SubclassSet>, cls: ClassDef, site: Site): Map<string, SubclassSet> {
  if (![...sets.values()].some((x) => x.when)) return sets;
  const init = cls.owner.findMethod(cls, '__init__');
  if (!init || init.cls !== cls || site.args.some((a) => a.star)) return sets;
  const params = init.params.slice(1).filter((p) => p.star === '');
  const valueOf = (name: string): PyValue | undefined => {
    const i = params.findIndex((p) => p.name === name);
    if (i < 0) return undefined;
    const arg = site.args.find((a) => a.name === name) ?? (params[i].keywordOnly ? undefined : site.args.filter((a) => !a.name)[i]);
    if (arg) return arg.values.length === 1 && arg.values[0].k === 'const' ? arg.values[0].v : undefined;
    return params[i].defaultNode ? literalOf(params[i].defaultNode, cls.owner.text) : undefined;
  };
  const out = new Map<string, SubclassSet>();
  for (const [attr, x] of sets) {
    const v = x.when ? valueOf(x.when.param) : undefined;
    const truth = v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v)) ? undefined : Array.isArray(v) ? v.length > 0 : !!v;
    if (!x.when || truth === undefined) out.set(attr, x);
    else if (truth !== x.when.negate) out.set(attr, { ...x, definite: true });
  }
  return out;
}

const dropsCache = new WeakMap<ClassDef, Map<string, SubclassSet>>();
function dropsOf(cls: ClassDef): Map<string, SubclassSet> {
  let out = dropsCache.get(cls);
  if (out) return out;
  out = new Map();
  dropsCache.set(cls, out);
  for (let c: ClassDef | null = cls, depth = 0; c && depth < 8; depth++) {
    const init = c.owner.findMethod(c, '__init__');
    if (init?.cls === c && init.body) {
      const body = c.owner.text.slice(init.body.from, init.body.to);
      const indent = /\n([ \t]+)\S/.exec(body)?.[1];
      // (the first call of the base's __init__, not one a comment names)
      const masked = maskPython(body);
      const start = masked.search(/\bsuper\s*\(|\.__init__\s*\(/);
      for (const m of body.matchAll(
        /^([ \t]*)(?:self\s*\.\s*(weight|bias|scale|center|axis)\s*=[ \t]*(None|True|False|-?\d+)|(?:self\s*\.\s*register_parameter|setattr)\s*\(\s*(?:self\s*,\s*)?(['"])(weight|bias|scale)\4\s*,\s*None\s*\)|self\s*\.\s*(weight|bias)\s*=[ \t]*((?:torch\s*\.\s*)?(?:nn\s*\.\s*)?Parameter\s*\([^\n#]*\)))[ \t]*(?:#.*)?$/gm,
      )) {
        const attr = m[2] ?? m[5] ?? m[6];
        // (Keras's axis, which build() reads, takes an integer; the tensors and switches take None or a bool)
        if ((attr === 'axis') !== (m[3] !== undefined && /\d/.test(m[3]))) continue;
        // the header it sits under (the nearest line above indented less): an `if [not] PARAM:` at the top of the
        // called class's own body, on a parameter of its __init__ (`if not use_bias:`)
        const header =
          c === cls && indent && m[1].startsWith(indent) && m[1].length > indent.length
            ? body
                .slice(0, m.index)
                .split('\n')
                .reverse()
                .find((l) => /\S/.test(l) && !/^[ \t]*#/.test(l) && /^[ \t]*/.exec(l)![0].length < m[1].length)
            : undefined;
        const test = header ? /^([ \t]*)if[ \t]+(not[ \t]+)?(\w+)[ \t]*:[ \t]*(?:#.*)?$/.exec(header) : null;
        const when =
          test &&
          test[1] === indent &&
          init.params.some((p) => p.name === test[3] && p.star === '') &&
          !new RegExp(`^[ \t]*${test[3]}[ \t]*=(?!=)`, 'm').test(body)
            ? { param: test[3], negate: !!test[2] }
            : undefined;
        if (start >= 0 && m.index > start && !out.has(attr) && masked[m.index + m[1].length] === m[0][m[1].length])
          out.set(attr, {
            ...(when ? { when } : {}),
            code: `${m[0].trim().replace(/[ \t]*#.*$/, '')} in ${c.name}`,
            // (and not set again below: `self.bias = nn.Parameter(...)` gives it back)
            definite:
              m[1] === indent &&
              definiteLine(body, m.index, indent) &&
              !new RegExp(`\\bself\\s*\\.\\s*${attr}\\s*=(?!=)`).test(masked.slice(m.index + m[0].length)),
            value: m[7] ? 'parameter' : m[3] === 'True' ? true : m[3] === 'False' ? false : m[3] && /\d/.test(m[3]) ? Number(m[3]) : null,
          });
      }
    }
    const next: Value | undefined = c.bases.find((b) => b.k === 'class');
    c = next?.k === 'class' ? next.cls : null;
  }
  return out;
}

/** No `return`, `raise` or statement that may end the body at `indent` before offset `at` of it. */
function definiteLine(body: string, at: number, indent: string): boolean {
  const before = body.slice(0, at);
  return !new RegExp(`^${indent}(?:return|raise)\\b`, 'm').test(before);
}

/**
 * What a call's one `**mapping` argument holds, when the code fixes its keys: a dict written with
 * literal string keys that the module never changes in place (ModuleModel marks those it does),
 * at the call or bound to a name. `values`: each key's one literal value, when every key has one.
 * Undefined otherwise.
 */
function unpackedDict(site: Site, model: ModuleModel, written: string): { keys: string[]; values?: Record<string, PyValue> } | undefined {
  const star = site.args.filter((a) => a.star === '**');
  if (star.length !== 1 || !star[0].node) return undefined;
  const node = star[0].node;
  // the layer's only mapping must be this one (not also a partial's, written elsewhere)
  if (written !== `**${model.text.slice(node.from, node.to)}`) return undefined;
  const dicts = star[0].values;
  const keys = mappingKeys(dicts);
  if (!keys) return undefined;
  const only = dicts.length === 1 && dicts[0].k === 'dict' ? dicts[0] : undefined;
  let values: Record<string, PyValue> | undefined;
  if (only?.k === 'dict' && only.entries.every(([, vs]) => vs.length === 1 && vs[0].k === 'const')) {
    values = {};
    for (const [k, vs] of only.entries) values[k as string] = (vs[0] as { v: PyValue }).v;
  }
  return { keys, ...(values ? { values } : {}) };
}

/**
 * The binding errors of a PyTorch call whose one `**mapping` the code fixes to one literal dict
 * (its keys then certainly passed): Python's own, written arguments and keys together (a key the
 * class does not take, one also written at the call, a required parameter neither gives).
 * Undefined where the call's binding is not known whole (a `*sequence` too, a class reached through
 * a partial or a user class) or the framework's classes may take more keywords than its table (only
 * PyTorch's have no `**kwargs`).
 */
function mappingBindingErrors(layer: ResolvedLayer, values: Readonly<Record<string, PyValue>>): BindingError[] | undefined {
  const args = layer.call.args;
  // (a call of the class by its own name: through a partial, an alias of one or a user class, the call's
  // arguments are not all those the class gets)
  if (layer.origin || layer.spec.framework !== 'pytorch') return undefined;
  if (args.some((a) => a.star === '*') || args.filter((a) => a.star === '**').length !== 1) return undefined;
  const positional = args.filter((a) => !a.star && a.name === undefined).map((a) => a.value);
  const keywords: Record<string, PyValue> = {};
  for (const a of args) if (a.name !== undefined) keywords[a.name] = a.value;
  const twice: BindingError[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (k in keywords) twice.push({ problem: 'multiple-values', callable: layer.spec.name, param: k });
    else keywords[k] = v;
  }
  return [...twice, ...bindArguments(layer.spec, positional, keywords).errors];
}

/**
 * The items of a call's one `*sequence` argument, when the code fixes them: a tuple or list written
 * at the call with literal items, or a name bound to one at module level or in the function that
 * the code uses nowhere but in `*name` and its bindings (a list passed on, appended to or indexed
 * may change). Undefined otherwise.
 */
function unpackedSequence(site: Site, model: ModuleModel, layer: ResolvedLayer): PyValue[] | undefined {
  const stars = site.args.filter((a) => a.star === '*');
  const written = layer.call.args.filter((a) => a.star === '*');
  if (stars.length !== 1 || written.length !== 1 || !stars[0].node) return undefined;
  const node = stars[0].node;
  if (written[0].text.replace(/^\*\s*/, '') !== model.text.slice(node.from, node.to)) return undefined;
  const vs = stars[0].values;
  if (vs.length !== 1 || vs[0].k !== 'const' || !Array.isArray(vs[0].v)) return undefined;
  if (node.name === 'VariableName') {
    const name = model.text.slice(node.from, node.to);
    const uses = new RegExp(`(?<![\\p{L}\\p{N}_.])${name}(?![\\p{L}\\p{N}_])`, 'gu');
    for (let m = uses.exec(model.text); m; m = uses.exec(model.text)) {
      const before = model.text.slice(Math.max(0, m.index - 1), m.index);
      const after = model.text.slice(m.index + name.length, m.index + name.length + 3);
      if (!(before === '*' || /^\s*=(?!=)/.test(after))) return undefined;
    }
  } else if (node.name !== 'TupleExpression' && node.name !== 'ArrayExpression') return undefined;
  return vs[0].v;
}

/**
 * What a layer binds with a `*sequence`'s items spread after its written positional arguments, as
 * Python binds them; undefined when Python would refuse the call (too many, a parameter also given
 * by keyword, a required one left out): the layer then stays as it was, unsure.
 */
function spreadItems(layer: ResolvedLayer, items: readonly PyValue[]): Pick<ResolvedLayer, 'effective' | 'arguments' | 'argsUnpacked'> | undefined {
  const args = layer.call.args;
  const star = args.findIndex((a) => a.star === '*');
  // (a `**mapping` beside it may give one of the same parameters, which Python refuses: unsure)
  if (args.some((a) => a.star === '**')) return undefined;
  const plain = (a: (typeof args)[number]) => !a.star && a.name === undefined;
  const before = args.slice(0, star).filter(plain).length;
  // (positionals written after the star come after its items, as Python binds them)
  const after = args.slice(star + 1).filter(plain);
  const keywords = new Set(args.flatMap((a) => (a.name !== undefined ? [a.name] : [])));
  const positional = layer.spec.params.filter((p) => !p.keywordOnly);
  if (before + items.length + after.length > positional.length) return undefined;
  const effective = { ...layer.effective };
  const argumentsNow = { ...layer.arguments };
  const text = `*${args[star].text.replace(/^\*\s*/, '')}`;
  const names: string[] = [];
  for (const [k, p] of positional.slice(before).entries()) {
    const e = effective[p.name];
    if (k < items.length + after.length && keywords.has(p.name)) return undefined;
    if (k < items.length) {
      effective[p.name] = { value: items[k], isDefault: false };
      argumentsNow[p.name] = items[k];
      names.push(p.name);
    } else if (k < items.length + after.length) {
      const a = after[k - items.length];
      effective[p.name] = { value: a.value, isDefault: false, range: a.valueRange };
      argumentsNow[p.name] = a.value;
    } else if (e?.maySetBy === text) {
      if (!e.isDefault) return undefined;
      const { maySetBy: _, ...sure } = e;
      effective[p.name] = sure;
    }
  }
  return { effective, arguments: argumentsNow, argsUnpacked: { text, names } };
}

/**
 * The literal default of the enclosing function's parameter an argument names (`def qk_norm(q, k,
 * eps=1e-6): F.rms_norm(q, s, eps=eps)` → 1e-6), with where in words; undefined when the argument
 * is not a bare parameter name or its default is not a literal.
 */
function parameterDefault(node: SyntaxNode, scope: Scope, model: ModuleModel): { value: PyValue; from: string } | undefined {
  if (node.name !== 'VariableName' || scope.kind !== 'func') return undefined;
  const name = model.text.slice(node.from, node.to);
  const p = scope.params.find((x) => x.name === name && x.star === '');
  const value = p ? fixedDefault(p, model.text) : undefined;
  if (!p || value === undefined || value === null) return undefined;
  const line = model.lineOf(p.node.from) + 1;
  const fn = scope.cls ? `${scope.cls.name}.${scope.name}` : scope.name;
  return { value, from: `default of \`${name}\` in \`${fn}\`, line ${line}` };
}
