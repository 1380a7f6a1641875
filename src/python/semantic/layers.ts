/**
 * From the semantic model's calls to layers: for each call whose callee may hold a framework
 * norm class (through a parameter default, an alias, an attribute, a partial, a registry), a
 * subclass of one, or a hand-written norm module, the framework class whose semantics apply,
 * the arguments that reach it, and how NormLens knows.
 */
import { findByQualifiedName } from '../../frameworks/index';
import { isExpr } from '../../frameworks/read';
import type { NormClassSpec, PyValue } from '../../frameworks/types';
import { bindLayer } from '../resolve';
import type { PositionOf } from '../table';
import type { CallArgument, FoundVia, LayerOrigin, Range, ResolvedLayer, ScannedCall } from '../types';
import { channelsLastPermute, customNorm, weightPlusOne, type CustomNorm } from './custom';
import { assignmentParts, fixedDefault, literalOf, MAX_NESTING, type ClassDef, type FuncDef, type ModuleModel, type ParamDef } from './model';
import { argList, children, statements, type SyntaxNode } from './syntax';
import { mappingKeys, visibleHops, type BoundArg, type Hop, type Value, type VSet } from './values';

/** An argument on its way to a framework class: written somewhere in the file, or a literal we supply. */
export interface SynthArg {
  name?: string;
  star: '' | '*' | '**';
  node: SyntaxNode | null;
  /** A value NormLens supplies (e.g. elementwise_affine=False for a module without weight). */
  literal?: PyValue;
  /** The module the node belongs to, when not the call's (a class imported from a sibling file). */
  owner?: ModuleModel;
  /** The literal default of the user `__init__` parameter this argument was passed for (ResolvedLayer.codeDefaults). */
  codeDefault?: { value: PyValue; from: string };
  /** A `**mapping` of the call (as written) that may set it instead (a user `__init__` parameter it did not pass by name). */
  maySetBy?: string;
  /** For a `**mapping`: the keys it may hold, when the code fixes them (values.ts mappingKeys). */
  keys?: string[];
  /** What the model found the argument to hold where it was written (a partial's keyword: `eps=bn_eps`). */
  values?: VSet;
}

interface Candidate {
  spec: NormClassSpec;
  via: FoundVia;
  hops: Hop[];
  args: SynthArg[];
  /** Where a partial that configured it was written. */
  partialAt?: number;
  cls?: ClassDef;
  custom?: CustomNorm;
  /** LayerOrigin.channelsFirst: a subclass whose forward permutes the channels last for this call. */
  channelsFirst?: { rank: number; how: string };
  /** LayerOrigin.scaleOffset: a subclass whose forward scales by its weight + 1. */
  scaleOffset?: CustomNorm['scaleOffset'];
  /** The same class reached another way (another caller's partial): its arguments may differ. */
  alts?: Candidate[];
}

const MAX_UNFOLD = 16;

function fromBound(args: readonly BoundArg[], owner?: ModuleModel): SynthArg[] {
  return args.map((a) => {
    const keys = a.star === '**' ? mappingKeys(a.values) : undefined;
    return { name: a.name, star: a.star, node: a.node, owner, values: a.values, ...(keys ? { keys } : {}) };
  });
}

/**
 * A user class named as a norm (`ScaledL2RMSNorm`, `FusedLayerNorm2d`), not one that says it is none (`NoNorm`,
 * `IdentityNorm`) or is a loss or a weight reparametrization (`GradNorm`, `SpectralNorm`). A call that may build
 * one besides classes NormLens knows is still listed, naming it; it is never described as one of them.
 */
function namedNorm(cls: ClassDef): boolean {
  return /Norm(alization)?([123]d)?$/.test(cls.name) && !/^_*(No|Null|Identity|Dummy|Fake|Grad|Spectral|Weight|Clip)/.test(cls.name);
}

/** The argument that binds a framework parameter, by keyword or by position (none behind a `*`). */
function argFor(spec: NormClassSpec, args: readonly SynthArg[], name: string): SynthArg | undefined {
  const named = args.find((a) => a.name === name);
  if (named) return named;
  const positional = spec.params.filter((p) => !p.keywordOnly).map((p) => p.name);
  const i = positional.indexOf(name);
  let k = 0;
  for (const a of args) {
    if (a.star) return undefined;
    if (a.name) continue;
    if (k++ === i) return a;
  }
  return undefined;
}

/** The values an argument written as `expr` may hold: its literal values, and `expr` itself while it may hold others. */
function valuesOf(vs: VSet | undefined, expr: PyValue): PyValue[] {
  if (!vs?.length) return [expr];
  const out: PyValue[] = [];
  let open = false;
  for (const x of vs) {
    if (x.k === 'const') out.push(x.v);
    else open = true;
  }
  return open ? [...out, expr] : out;
}

/** partial(f, *a, **k)(*b, **l) = f(*a, *b, **{**k, **l}) */
function mergeArgs(first: readonly SynthArg[], then: readonly SynthArg[]): SynthArg[] {
  const later = new Set(then.filter((a) => a.name).map((a) => a.name));
  const pos = [...first.filter((a) => !a.name && a.star !== '**'), ...then.filter((a) => !a.name && a.star !== '**')];
  const kw = [...first.filter((a) => (a.name && !later.has(a.name)) || a.star === '**'), ...then.filter((a) => a.name || a.star === '**')];
  return [...pos, ...kw];
}

/** The `codeDefault`s of a candidate's arguments, by the framework parameter each binds to, where the bound value is an expression. */
function codeDefaultsOf(spec: NormClassSpec, args: readonly SynthArg[], layer: ResolvedLayer): ResolvedLayer['codeDefaults'] {
  const positional = spec.params.filter((p) => !p.keywordOnly).map((p) => p.name);
  let out: ResolvedLayer['codeDefaults'];
  let i = 0;
  for (const a of args) {
    if (a.star) continue;
    const name = a.name ?? positional[i++];
    const v = name ? layer.effective[name]?.value : undefined;
    if (!a.codeDefault || !name || typeof v !== 'object' || v === null || Array.isArray(v)) continue;
    (out ??= {})[name] = a.codeDefault;
  }
  return out;
}

export class LayerResolver {
  private classCache = new Map<ClassDef, { kind: 'subclass'; spec: NormClassSpec; base: string } | { kind: 'custom'; custom: CustomNorm } | null>();

  constructor(
    readonly model: ModuleModel,
    private readonly pos: PositionOf,
    private readonly path?: string,
  ) {}

  private text(n: SyntaxNode, owner: ModuleModel = this.model): string {
    return owner.text.slice(n.from, n.to);
  }

  private foreign(owner: ModuleModel): ModuleModel | undefined {
    return owner === this.model ? undefined : owner;
  }

  /** What a user class is, as far as norms go. */
  classify(cls: ClassDef): { kind: 'subclass'; spec: NormClassSpec; base: string } | { kind: 'custom'; custom: CustomNorm } | null {
    if (this.classCache.has(cls)) return this.classCache.get(cls)!;
    this.classCache.set(cls, null); // cycles through bases
    let out: { kind: 'subclass'; spec: NormClassSpec; base: string } | { kind: 'custom'; custom: CustomNorm } | null = null;
    for (const b of this.model.frameworkBases(cls)) {
      const spec = findByQualifiedName(b.q);
      if (spec && spec.form === 'module') {
        out = { kind: 'subclass', spec, base: b.q };
        break;
      }
    }
    if (!out) {
      const custom = customNorm(cls.owner, cls);
      if (custom) out = { kind: 'custom', custom };
    }
    this.classCache.set(cls, out);
    return out;
  }

  private unfold(v: Value, args: SynthArg[], depth: number, partialAt?: number): Candidate[] {
    if (depth > MAX_UNFOLD) return [];
    if (v.k === 'ext') return this.model.deref([v]).flatMap((x) => (x.k === 'ext' ? [] : this.unfold(x, args, depth + 1, partialAt)));
    switch (v.k) {
      case 'q': {
        const spec = findByQualifiedName(v.q);
        const hops = visibleHops(v.hops);
        return spec ? [{ spec, via: partialAt !== undefined ? 'partial' : ((hops[0]?.via as FoundVia | undefined) ?? 'import'), hops, args, partialAt }] : [];
      }
      case 'partial': {
        const owner = v.owner && v.owner !== this.model ? v.owner : undefined;
        // a partial written in another file is explained by the import that brought it
        const at = owner ? partialAt : (partialAt ?? v.at);
        return this.unfold(v.fn, mergeArgs(this.withCodeDefaults(fromBound(v.args, owner), owner ?? this.model), args), depth + 1, at).map((c) => ({
          ...c,
          via: owner && at === undefined ? 'partial' : c.via,
          hops: [...c.hops, ...visibleHops(v.hops)],
        }));
      }
      case 'class': {
        const what = this.classify(v.cls);
        if (!what) return [];
        if (what.kind === 'subclass') {
          const mapped = this.fieldDefaults(v.cls, what.spec, this.throughInit(v.cls, args, 0));
          const channelsFirst = what.spec.kind === 'layer_norm' || what.spec.kind === 'rms_norm' ? this.permutesChannels(v.cls, args) : undefined;
          // (a torch norm's forward reads self.weight: one that passes weight + 1 scales by that)
          const scaleOffset = what.spec.framework === 'pytorch' ? weightPlusOne(this.model, v.cls) : undefined;
          return [
            {
              spec: what.spec,
              via: 'subclass',
              hops: visibleHops(v.hops),
              args: mapped,
              partialAt,
              cls: v.cls,
              ...(channelsFirst ? { channelsFirst } : {}),
              ...(scaleOffset ? { scaleOffset } : {}),
            },
          ];
        }
        // (a forward that reduces over dim 1 unless an attribute set from the call says the last dim)
        const unless = what.custom.axisUnless;
        const lastDim = unless ? this.attributeIs(v.cls, args, unless.attr, unless.value) : false;
        return [
          {
            spec: what.custom.spec,
            via: 'custom-module',
            hops: visibleHops(v.hops),
            args: this.customArgs(v.cls, what.custom, args),
            partialAt,
            cls: v.cls,
            custom: lastDim ? { ...what.custom, axis: undefined } : what.custom,
          },
        ];
      }
      default:
        return [];
    }
  }

  /**
   * Whether a LayerNorm subclass's forward moves the channels last around the norm for this call:
   * always (timm's LayerNorm2d), or under `if self.<attr> == "<value>"` when `__init__` sets the
   * attribute from a parameter the call gives that value (transformers' ConvNextLayerNorm with
   * data_format="channels_first"), its default included.
   */
  private permutesChannels(cls: ClassDef, args: SynthArg[]): { rank: number; how: string } | undefined {
    const p = channelsLastPermute(cls.owner, cls);
    if (!p) return undefined;
    const perm = `permute${p.permutation.replace(/,/g, ', ')}`;
    if (!p.when) return { rank: p.rank, how: `its forward moves the channels last (\`${perm}\`) around the norm and back` };
    const init = this.model.findMethod(cls, '__init__');
    if (!init?.body) return undefined;
    const owner = init.owner;
    const m = new RegExp(`self\\.${p.when.attr}\\s*=\\s*(\\w+)\\s*(?:\\n|$|#)`, 'm').exec(owner.text.slice(init.body.from, init.body.to));
    if (!m || !init.params.some((q) => q.name === m[1])) return undefined;
    const v = this.paramValue(init, this.bindParams(init, args).byName, m[1]);
    const value =
      v?.literal !== undefined ? v.literal : v?.node && v.owner ? literalOf(v.node, v.owner.text) : v?.node ? literalOf(v.node, this.model.text) : undefined;
    if (value !== p.when.value) return undefined;
    return { rank: p.rank, how: `with \`${m[1]}=${JSON.stringify(value)}\` its forward moves the channels last (\`${perm}\`) around the norm and back` };
  }

  /**
   * Whether `self.<attr>`, which `__init__` sets from a parameter, holds `value` for this call (the call's literal or the
   * parameter's literal default); undefined when the code does not fix it.
   */
  private attributeIs(cls: ClassDef, args: SynthArg[], attr: string, value: PyValue): boolean | undefined {
    const init = this.model.findMethod(cls, '__init__');
    if (!init?.body) return undefined;
    const owner = init.owner;
    const m = new RegExp(`self\\.${attr}\\s*=\\s*(\\w+)\\s*(?:\\n|$|#)`, 'm').exec(owner.text.slice(init.body.from, init.body.to));
    if (!m || !init.params.some((q) => q.name === m[1])) return undefined;
    const v = this.paramValue(init, this.bindParams(init, args).byName, m[1]);
    const got =
      v?.literal !== undefined ? v.literal : v?.node && v.owner ? literalOf(v.node, v.owner.text) : v?.node ? literalOf(v.node, this.model.text) : undefined;
    return got === undefined ? undefined : got === value;
  }

  /** The `super().__init__(...)` (or `Base.__init__(self, ...)`) call of an `__init__`. */
  private superInit(init: FuncDef): { args: SynthArg[] } | null {
    const owner = init.owner;
    let found: { args: SynthArg[] } | null = null;
    const visit = (n: SyntaxNode, depth = 0) => {
      if (found || depth > MAX_NESTING) return;
      if (n.name === 'FunctionDefinition' || n.name === 'ClassDefinition' || n.name === 'LambdaExpression') return;
      if (n.name === 'CallExpression') {
        const callee = n.firstChild;
        const t = callee ? this.text(callee, owner).replace(/\s+/g, '') : '';
        if (/^super\([^()]*\)\.__init__$/.test(t) || /^[\w.]+\.__init__$/.test(t)) {
          const list = children(n).find((c) => c.name === 'ArgList') ?? null;
          const site = owner.siteOf(n);
          let args: SynthArg[] = argList(list, owner.text).map((a, i) => {
            // (what a `**factory_kwargs` passed on holds, from the model's evaluation of this call)
            const keys = a.star === '**' && site?.args[i] ? mappingKeys(site.args[i].values) : undefined;
            return { name: a.name, star: a.star, node: a.value, owner: this.foreign(owner), ...(keys ? { keys } : {}) };
          });
          if (!t.startsWith('super(')) args = args.slice(1);
          found = { args };
          return;
        }
      }
      for (let c = n.firstChild; c; c = c.nextSibling) visit(c, depth + 1);
    };
    if (init.body) visit(init.body);
    return found;
  }

  /** Arguments of a call bound to a user function's parameters (self skipped). */
  private bindParams(f: FuncDef, args: readonly SynthArg[]): { byName: Map<string, SynthArg>; extraPos: SynthArg[]; extraKw: SynthArg[] } {
    const params = f.params.slice(1);
    const positional = params.filter((p) => p.star === '' && !p.keywordOnly);
    const byName = new Map<string, SynthArg>();
    const extraPos: SynthArg[] = [];
    const extraKw: SynthArg[] = [];
    let i = 0;
    for (const a of args) {
      if (a.star === '*' || a.star === '**') {
        (a.star === '*' ? extraPos : extraKw).push(a);
        continue;
      }
      if (a.name) {
        if (params.some((p) => p.name === a.name && p.star === '')) byName.set(a.name, a);
        else extraKw.push(a);
      } else if (i < positional.length) byName.set(positional[i++].name, a);
      else extraPos.push(a);
    }
    return { byName, extraPos, extraKw };
  }

  /**
   * A partial's arguments written as a parameter of the function around it that has a literal default
   * (`partial(nn.BatchNorm2d, eps=bn_eps)` in `__init__(self, c, bn_eps=1e-3)`): that default, for the worked
   * example's stand-in (the class's own default would not be what the code gives).
   */
  private withCodeDefaults(args: SynthArg[], owner: ModuleModel): SynthArg[] {
    return args.map((a) => {
      if (a.codeDefault || a.node?.name !== 'VariableName') return a;
      const name = owner.text.slice(a.node.from, a.node.to);
      let f: FuncDef | undefined;
      for (const g of owner.funcs) if (g.node.from <= a.node.from && a.node.from < g.node.to && (!f || g.node.from >= f.node.from)) f = g;
      const p = f?.params.find((x) => x.name === name && x.star === '');
      const d = p ? fixedDefault(p, owner.text) : undefined;
      if (!f || !p || d === undefined || typeof d !== 'number') return a;
      return {
        ...a,
        codeDefault: {
          value: d,
          from: `default of \`${name}\`${f.cls ? ` in \`${f.cls.name}.${f.name}\`` : ` of \`${f.name}\``}, ${this.where(owner, p.node.from)}`,
        },
      };
    });
  }

  /** A parameter's value at a call: what the call passed, else its default. */
  private paramValue(f: FuncDef, bound: Map<string, SynthArg>, name: string): SynthArg | null {
    const b = bound.get(name);
    const p = f.params.find((x) => x.name === name);
    if (b) {
      const out: SynthArg = { star: '', node: b.node, literal: b.literal, owner: b.owner };
      // the call passed a value for a parameter the class gives a literal default: kept for
      // when the passed value is an expression (the worked example's stand-in)
      const d = p?.defaultNode ? literalOf(p.defaultNode, f.owner.text) : undefined;
      if (d !== undefined && p && f.cls)
        out.codeDefault = { value: d, from: `default of \`${name}\` in \`${f.cls.name}.__init__\`, ${this.where(f.owner, p.node.from)}` };
      else if (b.codeDefault) out.codeDefault = b.codeDefault;
      return out;
    }
    if (p?.defaultNode) return { star: '', node: p.defaultNode, owner: this.foreign(f.owner) };
    return null;
  }

  /** "line 6" in this file, "norms.py:6" in another. */
  private where(owner: ModuleModel, offset: number): string {
    const other = this.foreign(owner);
    return other ? `${(other.path ?? other.moduleName ?? '').split('/').pop()}:${other.lineOf(offset) + 1}` : `line ${this.line(offset) + 1}`;
  }

  /**
   * A dataclass-style subclass (Flax linen) changes a default by declaring the field again
   * (`class MyLN(nn.LayerNorm): epsilon: float = 1e-5`): each such field of the class or a user
   * base between it and the framework class (the nearest wins) that the call does not pass.
   */
  private fieldDefaults(cls: ClassDef, spec: NormClassSpec, args: SynthArg[], depth = 0): SynthArg[] {
    if (spec.framework !== 'flax_linen' || depth > 8) return args;
    // (a positional argument fills fields in order: not mixed with these)
    if (args.some((a) => !a.name)) return args;
    const out = [...args];
    const params = new Set(spec.params.map((p) => p.name));
    for (const { name, value } of annotatedFields(cls))
      if (params.has(name) && !out.some((a) => a.name === name)) out.push({ name, star: '', node: value, owner: this.foreign(cls.owner) });
    const next = cls.bases.find((b) => b.k === 'class');
    return next && next.k === 'class' ? this.fieldDefaults(next.cls, spec, out, depth + 1) : out;
  }

  /**
   * A dataclass field's value at a construction call (a hand-written Flax linen module): passed by
   * name, or in field order (a base's fields first, as dataclasses order them), else its default in
   * the class body or the nearest user base's. Null when neither the call nor a body gives it.
   */
  private fieldValue(cls: ClassDef, args: SynthArg[], name: string): SynthArg | null {
    const chain: ClassDef[] = [];
    for (let c: ClassDef | undefined = cls; c && chain.length < 8;) {
      chain.push(c);
      const b: ClassDef['bases'][number] | undefined = c.bases.find((x) => x.k === 'class');
      c = b && b.k === 'class' ? b.cls : undefined;
    }
    const passed = args.find((a) => !a.star && a.name === name);
    const asPassed = (a: SynthArg): SynthArg => ({ star: '', node: a.node, literal: a.literal, owner: a.owner });
    if (passed) return asPassed(passed);
    const order: string[] = [];
    for (const c of [...chain].reverse()) for (const f of c.fields) if (!order.includes(f)) order.push(f);
    const positional = args.filter((a) => !a.star && !a.name);
    const at = order.indexOf(name);
    if (at >= 0 && at < positional.length && !args.some((a) => a.star === '*')) return asPassed(positional[at]);
    const mapping = args.filter((a) => a.star === '**' && (!a.keys || a.keys.includes(name)));
    const maySetBy = mapping.length ? mapping.map((a) => `**${a.node ? this.text(a.node, a.owner ?? this.model) : '…'}`).join(', ') : undefined;
    for (const c of chain) {
      const field = annotatedFields(c).find((f) => f.name === name);
      if (field) return { star: '', node: field.value, owner: this.foreign(c.owner), ...(maySetBy ? { maySetBy } : {}) };
    }
    return null;
  }

  /** The arguments a subclass's `__init__` passes on to its framework base, for a call's arguments. */
  private throughInit(cls: ClassDef, args: SynthArg[], depth: number): SynthArg[] {
    if (depth > 8) return args;
    const init = this.model.findMethod(cls, '__init__');
    if (!init?.cls) return args;
    const sup = this.superInit(init);
    if (!sup) return args;
    const { byName, extraPos, extraKw } = this.bindParams(init, args);
    const star = init.params.find((p) => p.star === '*')?.name;
    const star2 = init.params.find((p) => p.star === '**')?.name;
    // a **mapping the call passes may set any parameter it did not pass by name (Python binds its
    // keys to named parameters first): what such a parameter gives the base is unsure
    const mapping = args.filter((a) => a.star === '**');
    const setters = (param: string) => {
      const by = mapping.filter((a) => !a.keys || a.keys.includes(param));
      return by.length ? by.map((a) => `**${a.node ? this.text(a.node, a.owner ?? this.model) : '…'}`).join(', ') : undefined;
    };
    const out: SynthArg[] = [];
    for (const s of sup.args) {
      const ref = s.node && s.node.name === 'VariableName' ? this.text(s.node, init.owner) : undefined;
      if (s.star === '*' && ref === star) out.push(...extraPos);
      else if (s.star === '**' && ref === star2) out.push(...extraKw);
      else if (!s.star && ref && init.params.some((p) => p.name === ref && p.star === '')) {
        const v = this.paramValue(init, byName, ref);
        const maySetBy = byName.has(ref) ? v?.maySetBy : setters(ref);
        if (v) out.push({ ...v, name: s.name, ...(maySetBy ? { maySetBy } : {}) });
      } else out.push(s);
    }
    // the __init__ found may belong to a user base in between: go on from its own base
    const owner = init.cls;
    const next = owner.bases.find((b) => b.k === 'class');
    if (next && next.k === 'class') return this.throughInit(next.cls, out, depth + 1);
    return out;
  }

  /** Arguments of the framework class for a custom module's call: size, ε and affine as its `__init__` sets them. */
  private customArgs(cls: ClassDef, c: CustomNorm, args: SynthArg[]): SynthArg[] {
    const init = this.model.findMethod(cls, '__init__');
    const bound = init ? this.bindParams(init, args).byName : new Map<string, SynthArg>();
    const roles = c.spec.roles;
    const out: SynthArg[] = [];
    const value = (ref: { param?: string; node?: SyntaxNode } | undefined): SynthArg | null => {
      if (!ref) return null;
      if (ref.node) return { star: '', node: ref.node, owner: this.foreign(cls.owner) };
      if (ref.param && init) return this.paramValue(init, bound, ref.param);
      // (a dataclass-style module, Flax linen: the call sets its fields)
      if (ref.param) return this.fieldValue(cls, args, ref.param);
      return null;
    };
    const sizeName = roles.normalizedShape ?? roles.channels;
    let size = value(c.size);
    // (a size left at None where nothing is sized by it, `MuseGlimmerRMSNorm(eps=..., with_scale=False)`: the input's)
    const none = (a: SynthArg) => a.literal === null || (!!a.node && a.node.name === 'None');
    if (size && none(size)) size = { star: '', node: null, literal: { expr: '?' } };
    const sizeParamRequired = sizeName && c.spec.params.find((p) => p.name === sizeName && p.default === undefined);
    if (sizeName && size) out.push({ ...size, name: sizeName });
    else if (sizeParamRequired) out.push({ name: sizeName, star: '', node: null, literal: { expr: '?' } });
    const eps = value(c.eps);
    if (roles.eps && eps) out.push({ ...eps, name: roles.eps });
    // a hand-written BatchNorm's momentum, when its forward updates the statistics as PyTorch does; in another way,
    // no value (the class's default would be taken for the module's)
    const momentum = c.momentum?.convention === 'pytorch' ? value(c.momentum) : null;
    if (roles.momentum && momentum) out.push({ ...momentum, name: roles.momentum });
    else if (roles.momentum && c.momentum) out.push({ name: roles.momentum, star: '', node: null, literal: { expr: '?' } });
    // (what the module's own parameters imply, only where it is not the class's default: nobody wrote it)
    const unlessDefault = (name: string | undefined, v: boolean) => {
      if (name && c.spec.params.find((p) => p.name === name)?.default !== v) out.push({ name, star: '', node: null, literal: v });
    };
    // a parameter that decides whether the weight exists gives the call's own value
    const affine = !c.affine ? null : 'node' in c.affine ? value(c.affine) : init ? this.paramValue(init, bound, c.affine.param) : null;
    if (roles.affine && affine) out.push({ ...affine, name: roles.affine });
    // (a frozen BatchNorm applies its stored scale and shift: buffers, counted as such, see LayerOrigin.frozen)
    else if (!c.frozen) unlessDefault(roles.affine, c.hasWeight);
    if (c.spec.framework === 'pytorch' && !c.frozen) {
      // (and one that decides whether the bias exists: the call's value)
      const bias = c.biasFlag && init ? this.paramValue(init, bound, c.biasFlag.param) : null;
      if (roles.bias && bias) out.push({ ...bias, name: roles.bias });
      else unlessDefault(roles.bias, c.hasBias);
    }
    if (c.noRunningStats) unlessDefault(roles.trackRunningStats, false);
    // (plumbing the framework class requires and the module's own signature need not take: Flax nnx's rngs)
    for (const q of c.spec.params)
      if (q.plumbing && !('default' in q) && !out.some((a) => a.name === q.name)) out.push({ name: q.name, star: '', node: null, literal: { expr: q.name } });
    if (c.spec.roles.groups && !out.some((a) => a.name === c.spec.roles.groups))
      out.unshift({ name: c.spec.roles.groups, star: '', node: null, literal: { expr: '?' } });
    return out;
  }

  /** True when calling `v` certainly builds a class that is not a normalization. */
  private buildsOther(v: Value, depth: number): boolean {
    if (depth > MAX_UNFOLD) return false;
    if (v.k === 'ext') return this.model.deref([v]).some((x) => x.k !== 'ext' && this.buildsOther(x, depth + 1));
    switch (v.k) {
      case 'q': {
        if (findByQualifiedName(v.q)) return false;
        // a class of a framework (capitalized last name under a framework's module), e.g. torch.nn.Identity
        const last = v.q.slice(v.q.lastIndexOf('.') + 1);
        return /^(torch|keras|tensorflow|tf_keras|flax|haiku|mlx|paddle)\./.test(v.q) && /^[A-Z]/.test(last);
      }
      case 'partial':
        return this.buildsOther(v.fn, depth + 1);
      case 'class':
        return this.classify(v.cls) === null && !namedNorm(v.cls);
      default:
        return false;
    }
  }

  /** How the how-line names a value buildsOther holds: `nn.Identity`, or a user class with where it is. */
  private otherName(v: Value, depth: number): string | undefined {
    if (depth > MAX_UNFOLD) return undefined;
    if (v.k === 'ext') {
      const x = this.model.deref([v]).find((y) => y.k !== 'ext' && this.buildsOther(y, depth + 1));
      return x && this.otherName(x, depth + 1);
    }
    if (v.k === 'q') return `\`${v.q}\``;
    if (v.k === 'partial') return this.otherName(v.fn, depth + 1);
    if (v.k === 'class') return `\`${v.cls.name}\`, ${this.where(v.cls.owner, v.cls.node.from)}`;
    return undefined;
  }

  /** A user class the call may build that calls itself a norm but computes what NormLens cannot describe (see namedNorm). */
  private undescribed(callee: readonly Value[]): ClassDef | undefined {
    for (const v of this.model.deref(callee)) if (v.k === 'class' && this.classify(v.cls) === null && namedNorm(v.cls)) return v.cls;
    return undefined;
  }

  /** Candidates of one call site, best first, de-duplicated by class. */
  candidates(callee: readonly Value[], args: readonly BoundArg[]): Candidate[] {
    const out: Candidate[] = [];
    const seen = new Map<string, Candidate>();
    for (const v of callee) {
      for (const c of this.unfold(v, fromBound(args), 0)) {
        // two user classes of one framework class (timm's LayerNorm2d and LayerNorm) are two candidates
        const key = c.cls ? `${c.spec.id}:${c.cls.owner.uid}:${c.cls.id}` : c.spec.id;
        const first = seen.get(key);
        if (first) {
          (first.alts ??= []).push(c);
          continue;
        }
        seen.set(key, c);
        out.push(c);
      }
    }
    // a default that no call seen leaves to it goes after what the calls pass (shown first): within a class, and
    // between classes
    // (in the order the values came, each class where its first value shown came)
    const order = new Map<Candidate, number>();
    for (const c of out) for (const x of [c, ...(c.alts ?? [])]) order.set(x, order.size);
    const groups = out.map((c) => {
      const all = [c, ...(c.alts ?? [])];
      const best = all.find((x) => !this.unusedDefault(x)) ?? c;
      return { c: best === c ? c : { ...best, alts: all.filter((x) => x !== best) }, at: order.get(best)!, unused: this.unusedDefault(best) };
    });
    groups.sort((a, b) => Number(a.unused) - Number(b.unused) || a.at - b.at);
    return groups.map((g) => g.c);
  }

  /**
   * Whether a candidate comes from a parameter's default that every call of this file seen passes
   * something else for (dinov2's Block, always given `norm_layer=partial(nn.LayerNorm, eps=1e-6)`):
   * callers elsewhere may still leave it, so it stays, after them. A replacement written for `None`
   * (`if norm_layer is None: norm_layer = nn.BatchNorm2d`) counts only when every value passed is known
   * and not None.
   */
  private unusedDefault(c: Candidate): boolean {
    return c.hops.some((h) => {
      if (h.via !== 'parameter-default' || h.from) return false;
      const written = this.defaultAt().get(h.at);
      if (written) return written.passed.length > 0 && !written.defaultUsed;
      // assigned in the body: the innermost function there with that parameter
      const p = this.innermostFunc(h.at)?.params.find((x) => x.name === h.name);
      return (
        !!p &&
        p.passed.length > 0 &&
        !p.defaultUsed &&
        p.passed.every((v) => v.k === 'q' || v.k === 'class' || v.k === 'partial' || v.k === 'func' || (v.k === 'const' && v.v !== null))
      );
    });
  }
  /** The innermost function of this model whose definition holds `at` (the last of those starting latest). */
  private innermostFunc(at: number): FuncDef | undefined {
    // (by start, binary search, then back to the first that still holds it: every candidate of a
    // large block asks, so not a walk of every function each time)
    const fs = (this.funcsByStart ??= this.model.funcs.filter((g) => g.owner === this.model).sort((a, b) => a.node.from - b.node.from));
    let lo = 0;
    let hi = fs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fs[mid].node.from <= at) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0; i--) if (at < fs[i].node.to) return fs[i];
    return undefined;
  }
  private funcsByStart: FuncDef[] | null = null;
  private defaults: Map<number, ParamDef> | null = null;
  private defaultAt(): Map<number, ParamDef> {
    if (!this.defaults) {
      this.defaults = new Map();
      for (const f of this.model.funcs) if (f.owner === this.model) for (const p of f.params) if (p.defaultNode) this.defaults.set(p.defaultNode.from, p);
    }
    return this.defaults;
  }

  /**
   * What an argument of a call written elsewhere (a partial's keyword) holds when the model is
   * done: the values of the last pass at that call (a partial value keeps those of the pass that
   * made it first), else those the argument came with.
   */
  private finalValues(a: SynthArg | undefined): VSet | undefined {
    if (!a?.node) return a?.values;
    let call: SyntaxNode | null = a.node.parent;
    while (call && call.name !== 'CallExpression') call = call.parent;
    const site = call ? (a.owner ?? this.model).siteOf(call) : undefined;
    return site?.args.find((b) => b.node?.from === a.node!.from && b.name === a.name)?.values ?? a.values;
  }

  private line(at: number): number {
    return this.pos(at).line;
  }

  origin(c: Candidate, all: Candidate[], plainName = true): LayerOrigin {
    const t = this.model.text;
    let how: string;
    let line: number | undefined;
    const hopText = (h: Hop): string => {
      const l = this.line(h.at) + 1;
      switch (h.via) {
        case 'parameter-default':
          return `default of \`${h.name}\`, line ${l}`;
        case 'attribute':
          return `through \`${h.name}\`, line ${l}`;
        case 'call':
          return h.from ? `passed as \`${h.name}\` from \`${h.from}\`` : `passed as \`${h.name}\`, line ${l}`;
        case 'import':
          if (h.patched && h.from) return `replaced by \`${h.from}\` when it runs first`;
          if (h.patched && h.name.endsWith('__init__.py')) return `replaced by \`${h.name}\`, which runs first`;
          return h.patched ? `replaced by module \`${h.name}\`, imported line ${l}` : `imported as \`${h.name}\`, line ${l}`;
        default:
          // (a factory evaluated with this call's arguments: ModuleModel.inlineAt)
          if (h.name.endsWith('(…)')) return `returned by \`${h.name}\`, line ${l}`;
          return h.name.includes('[') ? `registry \`${h.name}\`, line ${l}` : `alias \`${h.name}\`, line ${l}`;
      }
    };
    // the user class built, and where it is written
    const classText = (cls: ClassDef) => {
      const other = this.foreign(cls.owner);
      // (a path and a function's name as code: the hover's Markdown would escape their dots)
      const where = other ? `\`${other.path ?? other.moduleName}:${other.lineOf(cls.node.from) + 1}\`` : `line ${this.line(cls.node.from) + 1}`;
      const computes = c.custom?.computes.replace(/^calls ([^\s;,]+)/, 'calls `$1`');
      if (c.custom) return `custom module \`${cls.name}\` (${computes}), ${where}`;
      const offset = c.scaleOffset
        ? ` (its forward scales by ${c.scaleOffset.attr} + 1${c.scaleOffset.zeroInit ? `, ${c.scaleOffset.attr} starting at 0` : ''})`
        : '';
      return `subclass \`${cls.name}\` of \`${c.spec.name}\`${offset}, ${where}`;
    };
    if (c.via === 'subclass' || c.via === 'custom-module') {
      const cls = c.cls!;
      if (!this.foreign(cls.owner)) line = this.line(cls.node.from);
      how = classText(cls);
      // a frozen-BatchNorm pattern (mmdet's norm_eval): train() kept in eval mode, whatever the model's mode
      const train = c.via === 'subclass' ? cls.owner.findMethod(cls, 'train') : undefined;
      if (train?.cls) how += `; \`${train.cls.name}\` overrides \`train()\`, so its mode may not follow \`model.train()\``;
    } else if (c.partialAt !== undefined) {
      line = this.line(c.partialAt);
      const src = writtenCall(t, c.partialAt).replace(/\s+/g, ' ');
      how = `\`${src.length > 70 ? src.slice(0, 67) + '…' : src}\`, line ${line + 1}`;
    } else if (c.hops.length) {
      line = this.line(c.hops[0].at);
      how = hopText(c.hops[0]);
    } else if (plainName) {
      // the class as written (imported), beside others the same name may hold (a later rebinding, a patch)
      how = `\`${c.spec.name}\` as imported`;
    } else {
      // named inside the callee's expression (`(norm or nn.LayerNorm)(dim)`)
      how = `\`${c.spec.name}\` in the expression`;
    }
    // hops after the first that say something (attributes, imports, the factory that returned it;
    // local aliases add nothing); a user class says where it is defined, and which factory gave it
    const factory = (h: Hop) => h.via === 'alias' && h.name.endsWith('(…)');
    const byClass = c.via === 'subclass' || c.via === 'custom-module';
    const more = byClass
      ? c.hops.filter(factory)
      : c.hops.slice(c.partialAt !== undefined ? 0 : 1).filter((h) => h.via === 'attribute' || h.via === 'import' || factory(h));
    if (more.length) how += '; ' + more.slice(0, 2).map(hopText).join('; ');
    // a user class reached through a partial written elsewhere (a factory's): say which class it is
    if (c.cls && !byClass) how = how ? `${classText(c.cls)}; ${how}` : classText(c.cls);
    const o: LayerOrigin = { via: c.via, how, line };
    if (c.cls) {
      const other = this.foreign(c.cls.owner);
      const line = other ? other.lineOf(c.cls.node.from) : this.line(c.cls.node.from);
      const path = other ? other.path : this.path;
      o.definedBy = { name: c.cls.name, line, ...(path ? { path } : {}) };
    }
    if (all.length > 1) {
      const specs = [...new Set(all.map((x) => x.spec.id))];
      if (specs.length > 1) o.candidates = specs;
      const classes = [...new Set(all.map((x) => (x.cls ? x.cls.name : x.spec.id)))];
      if (all.some((x) => x.cls) && classes.length > 1) o.classes = classes;
    }
    if (c.custom) o.computes = c.custom.computes;
    const offset = c.custom?.scaleOffset ?? c.scaleOffset;
    if (offset) o.scaleOffset = offset;
    if (c.custom?.frozen) o.frozen = true;
    if (c.channelsFirst) o.channelsFirst = c.channelsFirst;
    else if (c.custom && c.custom.axis === '1' && (c.spec.kind === 'layer_norm' || c.spec.kind === 'rms_norm'))
      o.channelsFirst = { rank: 4, how: 'its forward reduces over dim 1, the channels' };
    return o;
  }

  /** A call argument for the binder: the scanner's own when it is one of the call's, else built from the syntax. */
  toArgument(a: SynthArg, own: Map<number, CallArgument>, fallback: Range): CallArgument {
    if (a.node && a.owner) {
      // written in another file: its value, placed at this call
      const t = a.owner.text.slice(a.node.from, a.node.to);
      const lit = literalOf(a.node, a.owner.text);
      const arg: CallArgument = { value: lit === undefined ? { expr: t } : lit, text: t, range: fallback, valueRange: fallback };
      if (a.name) arg.name = a.name;
      if (a.star) arg.star = a.star;
      if (a.maySetBy) arg.maySetBy = a.maySetBy;
      if (a.keys) arg.keys = a.keys;
      return arg;
    }
    if (a.node) {
      const mine = own.get(a.node.from);
      if (mine)
        return a.name === mine.name && a.star === (mine.star ?? '') && !a.maySetBy
          ? mine
          : { ...mine, name: a.name, star: a.star || undefined, ...(a.maySetBy ? { maySetBy: a.maySetBy } : {}) };
    }
    const range = (s: number, e: number): Range => ({ start: this.pos(s), end: this.pos(e), startOffset: s, endOffset: e });
    const text = a.node ? this.model.text.slice(a.node.from, a.node.to) : a.literal !== undefined ? JSON.stringify(a.literal) : '';
    const lit = a.literal !== undefined ? a.literal : literalOf(a.node, this.model.text);
    const r = a.node ? range(a.node.from, a.node.to) : fallback;
    const arg: CallArgument = { value: lit === undefined ? { expr: text } : lit, text, range: r, valueRange: r };
    if (a.name) arg.name = a.name;
    if (a.star) arg.star = a.star;
    if (a.maySetBy) arg.maySetBy = a.maySetBy;
    if (a.keys) arg.keys = a.keys;
    return arg;
  }

  /**
   * A call the scanner does not list (its callee is not a dotted name), built from the syntax
   * tree with the same conventions: ranges of the callee, its last name, the whole call and each
   * argument, literal values where the argument is a literal.
   */
  callFromSyntax(node: SyntaxNode): ScannedCall | null {
    const callee = node.firstChild;
    const list = children(node).find((c) => c.name === 'ArgList');
    if (!callee || !list) return null;
    const text = this.model.text;
    const range = (s: number, e: number): Range => ({ start: this.pos(s), end: this.pos(e), startOffset: s, endOffset: e });
    const args: CallArgument[] = argList(list, text).map((a) => {
      const v = a.value;
      const vt = v ? text.slice(v.from, v.to) : '';
      const lit = literalOf(v, text);
      const arg: CallArgument = {
        value: lit === undefined ? { expr: vt } : lit,
        text: vt,
        range: range(a.from, a.to),
        valueRange: v ? range(v.from, v.to) : range(a.from, a.to),
      };
      if (a.name) arg.name = a.name;
      if (a.star) arg.star = a.star;
      return arg;
    });
    // the name a hover anchors on: the last identifier of the callee (`NORM2FN` in `NORM2FN[k]`)
    // (spaces dropped around dots and inside brackets, kept between words: `(a or LayerNorm)`)
    const calleeText = text
      .slice(callee.from, callee.to)
      .replace(/\s+/g, ' ')
      .replace(/ ?\. ?/g, '.')
      .replace(/([([{]) | ([)\]}])/g, '$1$2');
    const m = /([A-Za-z_]\w*)\W*$/.exec(text.slice(callee.from, callee.to));
    const nameStart = m ? callee.from + m.index : callee.from;
    const nameEnd = m ? nameStart + m[1].length : callee.to;
    return {
      callee: calleeText,
      calleeRange: range(callee.from, callee.to),
      nameRange: range(nameStart, nameEnd),
      range: range(node.from, node.to),
      args,
      complete: text[node.to - 1] === ')',
    };
  }

  /**
   * A class of a library NormLens does not know that the callee may hold instead
   * (`try: from apex.normalization import FusedLayerNorm as LayerNorm`, `nn.BatchNorm2d = FancyBN`).
   */
  foreignClass(callee: readonly Value[]): Value | undefined {
    return this.model.deref(callee).find((v) => v.k === 'q' && !findByQualifiedName(v.q) && /^[A-Z]/.test(v.q.slice(v.q.lastIndexOf('.') + 1)));
  }

  /** The layer a call site builds, or null. */
  layer(site: ScannedCall, callee: readonly Value[], args: readonly BoundArg[], all = this.candidates(callee, args)): ResolvedLayer | null {
    if (all.length === 0) return null;
    // the call may also build something that is not a norm (nn.Identity passed as norm_layer, timm's
    // Affine from some model functions): listed with the norms it may build, and said
    const notNorm = callee.find((v) => this.buildsOther(v, 0));
    // (but not when it is picked from a registry by a key NormLens cannot tell, MobileBERT's
    // `NORM2FN[config.normalization_type]`: which of them the code builds is the configuration's)
    if (notNorm?.hops.some((h) => h.via === 'alias' && /\[…\]$|\.get\(…\)$/.test(h.name))) return null;
    // a plain call of an imported class is the direct recognizer's (unless the name may also hold a
    // function: `if USE_GN: BatchNorm2d = lambda c: nn.GroupNorm(4, c)`, said below)
    const held = this.model.deref(callee);
    const fn = held.find((v) => v.k === 'func' && !v.bound);
    const foreign = this.foreignClass(callee);
    // (a callee the scanner does not read, `(norm or nn.LayerNorm)(dim)`, is the model's to list)
    if (!fn && !foreign && all.every((c) => c.via === 'import' && c.hops.length === 0 && !c.alts?.length) && /^[\p{L}_][\p{L}\p{N}_.]*$/u.test(site.callee))
      return null;
    const own = new Map<number, CallArgument>();
    for (const a of site.args) own.set(a.valueRange.startOffset, a);
    // A class inferred for a call must take the call's arguments: one that does not (an unknown
    // keyword, too many positionals) was the wrong inference, never a problem of the user's code.
    const fitting: { c: Candidate; layer: ResolvedLayer }[] = [];
    for (const first of all) {
      // (the same class reached another way, a partial of it from a patch, when the first way does not fit)
      for (const c of [first, ...(first.alts ?? [])]) {
        const synth: ScannedCall = { ...site, args: c.args.map((a) => this.toArgument(a, own, site.nameRange)) };
        const layer = bindLayer(synth, c.spec);
        if (layer.bindingErrors.length === 0) {
          const defaults = codeDefaultsOf(c.spec, c.args, layer);
          if (defaults) layer.codeDefaults = defaults;
          fitting.push({ c: c === first ? c : { ...c, alts: first.alts!.filter((x) => x !== c) }, layer });
          break;
        }
      }
    }
    if (fitting.length === 0) return null;
    const { c, layer } = fitting[0];
    // the same class from other callers (each its own partial), and the other classes the call
    // may build (timm's LayerNorm2d by default, its LayerNorm with a caller's eps): the values
    // they give where they differ from the one shown
    const others: { spec: NormClassSpec; args: SynthArg[]; layer?: ResolvedLayer }[] = [
      ...(c.alts ?? []),
      ...fitting.slice(1).map((f) => ({ spec: f.c.spec, args: f.c.args, layer: f.layer })),
    ];
    // an argument shown as written in a partial elsewhere (`partial(nn.BatchNorm2d, eps=bn_eps)`): the literal values
    // the code gives it there
    for (const [name, e] of Object.entries(layer.effective)) {
      if (!isExpr(e.value)) continue;
      const a = argFor(c.spec, c.args, name);
      if (!a?.node || (!a.owner && a.node.from >= site.range.startOffset && a.node.from < site.range.endOffset)) continue;
      const given = valuesOf(this.finalValues(a), e.value).filter((x) => !isExpr(x));
      for (const x of given) if (!(e.alternatives ?? []).some((y) => JSON.stringify(y) === JSON.stringify(x))) e.alternatives = [...(e.alternatives ?? []), x];
    }
    for (const alt of others) {
      const other = alt.layer ?? bindLayer({ ...site, args: alt.args.map((a) => this.toArgument(a, own, site.nameRange)) }, alt.spec);
      if (other.bindingErrors.length) continue;
      for (const [name, e] of Object.entries(layer.effective)) {
        const v = other.effective[name]?.value;
        if (v === undefined || (isExpr(e.value) && !e.alternatives?.length)) continue;
        // an expression written where the other caller's partial was (`partial(nn.BatchNorm2d, eps=bn_eps)`): the
        // literal values the code gives it there, and the expression itself when it may hold others
        const given = isExpr(v) ? valuesOf(this.finalValues(argFor(alt.spec, alt.args, name)), v) : [v];
        for (const x of given) {
          if (JSON.stringify(x) === JSON.stringify(e.value)) continue;
          const seenValues = e.alternatives ?? [];
          if (!seenValues.some((y) => JSON.stringify(y) === JSON.stringify(x))) e.alternatives = [...seenValues, x];
        }
      }
    }
    layer.call = site;
    layer.origin = this.origin(
      c,
      fitting.map((f) => f.c),
      /^[\p{L}_][\p{L}\p{N}_.]*$/u.test(site.callee),
    );
    // a registry or alias that also holds a function (`'gn': lambda c: nn.GroupNorm(8, c)`): what it builds is
    // listed where it is written, and this call may build that instead
    if (fn && fn.k === 'func') {
      const owner = fn.fn.owner;
      const src = owner.text.slice(fn.fn.node.from, fn.fn.node.to).replace(/\s+/g, ' ');
      const text = fn.fn.isLambda ? (src.length > 40 ? src.slice(0, 39) + '…' : src) : `${fn.fn.name}(…)`;
      const where = this.foreign(owner) ? `${owner.path ?? owner.moduleName}:${owner.lineOf(fn.fn.node.from) + 1}` : `line ${this.line(fn.fn.node.from) + 1}`;
      layer.origin.how += `${layer.origin.how ? '; ' : ''}or what \`${text}\` builds, ${where}`;
    }
    if (foreign?.k === 'q' && !this.buildsOther(foreign, 0))
      layer.origin.how += `${layer.origin.how ? '; ' : ''}or \`${foreign.q}\`, a class NormLens does not know`;
    const other = notNorm && this.otherName(notNorm, 0);
    if (other) layer.origin.how += `${layer.origin.how ? '; ' : ''}or ${other}, which is not a normalization layer`;
    const undescribed = this.undescribed(callee);
    if (undescribed)
      layer.origin.how += `${layer.origin.how ? '; ' : ''}or \`${undescribed.name}\`, ${this.where(undescribed.owner, undescribed.node.from)}, a norm whose computation NormLens cannot describe`;
    // a caller in this file passes something else that cannot be followed: the classes shown may not be all
    const hop = callee.flatMap((v) => (v.k === 'unknown' ? v.hops : [])).find((h) => h.via === 'call' && h.what);
    if (hop) {
      const line = this.line(hop.at);
      const text = hop.what!.length > 40 ? hop.what!.slice(0, 39) + '…' : hop.what!;
      layer.origin.unfollowed = { text, line };
      const passes = text.startsWith('**') ? `a caller's \`${text}\` may set \`${hop.name}\`` : `a caller passes \`${text}\` as \`${hop.name}\``;
      layer.origin.how += `${layer.origin.how ? '; ' : ''}${passes}, line ${line + 1}, not followed`;
    }
    return layer;
  }
}

/** A class body's annotated assignments with a value (`epsilon: float = 1e-6`, a dataclass field's default), in order. */
function annotatedFields(cls: ClassDef): { name: string; value: SyntaxNode }[] {
  const out: { name: string; value: SyntaxNode }[] = [];
  const body = children(cls.node).find((c) => c.name === 'Body');
  for (const st of body ? statements(body) : []) {
    if (st.name !== 'AssignStatement') continue;
    const parts = assignmentParts(st);
    const target = parts.targets.length === 1 && parts.targets[0].length === 1 ? parts.targets[0][0] : null;
    const value = parts.value[0];
    if (parts.annotated && target?.name === 'VariableName' && value) out.push({ name: cls.owner.text.slice(target.from, target.to), value });
  }
  return out;
}

/**
 * The call written at `at`, up to the bracket that closes its own (strings skipped): a partial of
 * a partial reads whole, not up to the inner one's `)`. Up to the first `)` when none closes it
 * within 2,000 characters (half-typed code).
 */
function writtenCall(text: string, at: number): string {
  const open = text.indexOf('(', at);
  let depth = 0;
  let quote = '';
  for (let i = open; open >= 0 && i < text.length && i < open + 2000; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if ((ch === ')' || ch === ']' || ch === '}') && --depth === 0) return text.slice(at, i + 1);
  }
  return text.slice(at, text.indexOf(')', at) + 1 || at + 80);
}
