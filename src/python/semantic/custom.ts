/**
 * Hand-written normalization modules, recognized by what their forward computes rather than by
 * their name: `x * rsqrt(mean(x²) + eps)` is RMS normalization even in a class called
 * `T5LayerNorm`; subtracting the mean and dividing by the root of the variance is layer
 * normalization (over the axes the code reduces); delegating to `F.layer_norm` /
 * `F.group_norm` / `F.rms_norm` / `F.batch_norm` is that kind. A class that calls submodules
 * (`self.conv(x)`, `self.norm(x)`) contains layers rather than being one (`LayerScale` only
 * rescales, `Conv2dNormActivation` only contains), and is not a norm.
 */
import { findByQualifiedName } from '../../frameworks/index';
import type { FrameworkId, LayerKind, NormClassSpec } from '../../frameworks/types';
import { MAX_NESTING, type ClassDef, type FuncDef, type ModuleModel } from './model';
import { argList, children, dottedName, operands, type SyntaxNode } from './syntax';

export interface CustomNorm {
  kind: LayerKind;
  /** The framework class whose semantics apply. */
  spec: NormClassSpec;
  /** What the forward computes, in a few words: 'rsqrt of mean square over the last dim'. */
  computes: string;
  /** `__init__` parameter (or literal node) that sets ε. */
  eps?: { param?: string; node?: SyntaxNode };
  /** `__init__` parameter (or expression node) that sizes the weight. */
  size?: { param?: string; node?: SyntaxNode };
  /**
   * `__init__` parameter (or node) kept as `self.momentum`, for a BatchNorm that updates running statistics in its
   * forward; `convention` 'pytorch' when the forward weighs the new batch by it (`running.mul_(1 - m).add_(m * x)`),
   * null when it cannot be told (its value is then not shown as one).
   */
  momentum?: { param?: string; node?: SyntaxNode; convention: 'pytorch' | null };
  hasWeight: boolean;
  hasBias: boolean;
  /** `__init__` parameter that decides whether the weight exists (`affine=False`: none), when one does. */
  /** What decides whether the weight exists: an `__init__` parameter, or the value of a local of `__init__` the guard reads (`affine = config.x if p is None else p`). */
  affine?: { param: string } | { node: SyntaxNode };
  /** `__init__` parameter that decides whether the bias exists (nanoGPT's `self.bias = nn.Parameter(...) if bias else None`). */
  biasFlag?: { param: string };
  /** Axis text of the reduction when not the last one (`1` in channels-first LayerNorms). */
  axis?: string;
  /**
   * That axis only unless `self.<attr> == "<value>"`, under which its forward returns a functional norm over the last
   * dim first (ConvNeXt's LayerNorm: `if self.data_format == "channels_last": return F.layer_norm(...)`).
   */
  axisUnless?: { attr: string; value: string };
  /**
   * The forward scales by `1 + self.<weight>` (Gemma's RMSNorm), with the attribute's name and
   * whether `__init__` starts it at zeros (the scale then starts at 1, as a plain γ does).
   */
  scaleOffset?: { attr: string; zeroInit: boolean };
  /** Its forward passes no running statistics to `F.batch_norm` (`running_mean=None`): batch statistics in eval too. */
  noRunningStats?: boolean;
  /** A frozen BatchNorm (detectron2's FrozenBatchNorm2d): it always normalizes with its stored statistics, scale and shift, buffers it never updates. */
  frozen?: boolean;
}

const FAMILY: [string, FrameworkId][] = [
  ['torch.', 'pytorch'],
  ['keras.', 'keras'],
  ['tensorflow.keras.', 'tf_keras'],
  ['tf_keras.', 'tf_keras'],
  ['flax.linen.', 'flax_linen'],
  ['flax.nnx.', 'flax_nnx'],
  ['haiku.', 'haiku'],
  ['mlx.', 'mlx'],
  ['paddle.', 'paddle'],
];

/** Module class of each framework for each kind, when a custom module computes that kind. */
const MODULE_OF: Partial<Record<FrameworkId, Partial<Record<LayerKind, string>>>> = {
  pytorch: {
    rms_norm: 'torch.nn.RMSNorm',
    layer_norm: 'torch.nn.LayerNorm',
    group_norm: 'torch.nn.GroupNorm',
    batch_norm: 'torch.nn.BatchNorm2d',
    instance_norm: 'torch.nn.InstanceNorm2d',
  },
  keras: {
    rms_norm: 'keras.layers.RMSNormalization',
    layer_norm: 'keras.layers.LayerNormalization',
    group_norm: 'keras.layers.GroupNormalization',
    batch_norm: 'keras.layers.BatchNormalization',
  },
  tf_keras: {
    rms_norm: 'tensorflow.keras.layers.RMSNormalization',
    layer_norm: 'tensorflow.keras.layers.LayerNormalization',
    group_norm: 'tensorflow.keras.layers.GroupNormalization',
    batch_norm: 'tensorflow.keras.layers.BatchNormalization',
  },
  flax_linen: {
    rms_norm: 'flax.linen.RMSNorm',
    layer_norm: 'flax.linen.LayerNorm',
    group_norm: 'flax.linen.GroupNorm',
    batch_norm: 'flax.linen.BatchNorm',
    instance_norm: 'flax.linen.InstanceNorm',
  },
  flax_nnx: {
    rms_norm: 'flax.nnx.RMSNorm',
    layer_norm: 'flax.nnx.LayerNorm',
    group_norm: 'flax.nnx.GroupNorm',
    batch_norm: 'flax.nnx.BatchNorm',
    instance_norm: 'flax.nnx.InstanceNorm',
  },
  haiku: { rms_norm: 'haiku.RMSNorm', layer_norm: 'haiku.LayerNorm', group_norm: 'haiku.GroupNorm', batch_norm: 'haiku.BatchNorm' },
  mlx: { rms_norm: 'mlx.nn.RMSNorm', layer_norm: 'mlx.nn.LayerNorm', group_norm: 'mlx.nn.GroupNorm', batch_norm: 'mlx.nn.BatchNorm' },
  paddle: { layer_norm: 'paddle.nn.LayerNorm', group_norm: 'paddle.nn.GroupNorm', batch_norm: 'paddle.nn.BatchNorm2D' },
};

export function frameworkOfName(q: string): FrameworkId | undefined {
  for (const [prefix, id] of FAMILY) if (q.startsWith(prefix)) return id;
  return undefined;
}

/** Framework calls a forward may make on parameters or state without them being submodules. */
const FRAMEWORK_SELF_CALLS = new Set([
  'param',
  'variable',
  'add_weight',
  'sow',
  'make_rng',
  'get_variable',
  'put_variable',
  'is_initializing',
  'is_mutable_collection',
  '_check_input_dim',
  'register_buffer',
]);

interface Ops {
  methods: Set<string>;
  qualified: Set<string>;
  square: boolean;
  root: boolean;
  subtractMean: boolean;
  submodule: boolean;
  meanAxes: string[];
  /** `self.<attr>` of a `1 + self.<attr>` the forward computes. */
  onePlus?: string;
  /** A number added in the forward to a mean or variance (`mean(x ** 2) + 1e-8`): the ε it uses. */
  epsLiteral?: SyntaxNode;
  /** torch's `var`/`std` with its default Bessel's correction (N − 1), which no framework norm uses. */
  unbiased: boolean;
  /** ε added to the root rather than under it (`x / (sqrt(mean(x²)) + eps)`), as no framework norm does. */
  epsOutsideRoot: boolean;
  /** A `batch_norm` function called with `None` for its running mean and variance. */
  batchStatsOnly: boolean;
}

const NUMBER = /^\(?\d[\d_]*(\.[\d_]*)?([eE][-+]?\d+)?\)?$|^\(?\.\d+([eE][-+]?\d+)?\)?$/;

/** Without parentheses around it. */
function bare(n: SyntaxNode): SyntaxNode {
  let x = n;
  for (let i = 0; i < 8 && x.name === 'ParenthesizedExpression'; i++) {
    const inner = operands(x);
    if (inner.length !== 1) break;
    x = inner[0];
  }
  return x;
}

/** A square root written as a call (`sqrt(v)`, `v.sqrt()`, `v.std()`) or a power (`v ** 0.5`). */
function isRoot(n: SyntaxNode, text: string): boolean {
  const x = bare(n);
  if (x.name === 'CallExpression') return /(^|\.)\s*(sqrt|std)\s*$/.test(text.slice(x.firstChild!.from, x.firstChild!.to));
  if (x.name === 'BinaryExpression') {
    const k = children(x);
    return k.length === 3 && text.slice(k[1].from, k[1].to) === '**' && /^\(?(0?\.5|1\/2)\)?$/.test(text.slice(k[2].from, k[2].to).replace(/\s+/g, ''));
  }
  return false;
}

function walk(n: SyntaxNode, f: (n: SyntaxNode) => void, depth = 0): void {
  if (depth > MAX_NESTING) return;
  f(n);
  for (let c = n.firstChild; c; c = c.nextSibling) walk(c, f, depth + 1);
}

function opsOf(model: ModuleModel, cls: ClassDef, fwd: FuncDef, ops: Ops, seen: Set<FuncDef>): void {
  if (seen.has(fwd) || !fwd.body) return;
  seen.add(fwd);
  const text = model.text;
  const meanNames = new Set<string>();
  walk(fwd.body, (n) => {
    if (n.name === 'AssignStatement') {
      const k = children(n);
      if (k[0]?.name === 'VariableName' && /\bmean\b|\.mean\(/.test(text.slice(n.from, n.to))) meanNames.add(text.slice(k[0].from, k[0].to));
    }
  });
  walk(fwd.body, (n) => {
    if (n.name === 'CallExpression') {
      const callee = n.firstChild;
      if (!callee) return;
      if (callee.name === 'MemberExpression') {
        const k = children(callee);
        const last = k[k.length - 1];
        if (last?.name === 'PropertyName') {
          const m = text.slice(last.from, last.to);
          ops.methods.add(m);
          if (m === 'mean' || m === 'var' || m === 'std') {
            // the axis: `dim=`/`axis=` wherever it is written, else the first positional argument
            const args = argList(children(n).find((c) => c.name === 'ArgList') ?? null, text);
            const axis = args.find((a) => a.name === 'dim' || a.name === 'axis') ?? args.find((a) => !a.name && !a.star);
            if (axis?.value) ops.meanAxes.push(text.slice(axis.value.from, axis.value.to));
            if (m !== 'mean' && besselCorrected(args, text)) ops.unbiased = true;
          }
          if (m === 'pow') {
            // x.pow(2), torch.pow(x, 2): a square; torch.pow(v, -0.5): a reciprocal root
            const args = children(n).find((c) => c.name === 'ArgList');
            const last = args ? operands(args).pop() : undefined;
            const exponent = last ? text.slice(last.from, last.to).replace(/\s+/g, '') : '';
            if (/^2(\.0)?$/.test(exponent)) ops.square = true;
            if (/^\(?-?(0?\.5|1\/2|1\.0\/2)\)?$/.test(exponent)) ops.root = true;
          }
          if (m === 'square') ops.square = true;
          if (m === 'rsqrt' || m === 'sqrt') ops.root = true;
          if (k[0]?.name === 'VariableName' && text.slice(k[0].from, k[0].to) === 'self' && k[0] !== last) {
            const method = model.findMethod(cls, m);
            if (method) opsOf(model, cls, method, ops, seen);
            else if (!FRAMEWORK_SELF_CALLS.has(m)) ops.submodule = true;
          }
        }
      }
      const site = model.siteOf(n);
      for (const v of model.deref(site?.callee ?? [])) {
        // torch.var(x, dim) / torch.std: Bessel's correction unless told otherwise
        if (
          v.k === 'q' &&
          /^torch\.(var|std)$/.test(v.q) &&
          besselCorrected(argList(children(n).find((c) => c.name === 'ArgList') ?? null, text).slice(1), text)
        )
          ops.unbiased = true;
        if (v.k === 'q') ops.qualified.add(v.q);
        // F.batch_norm(x, None, None, ...): batch statistics whatever the mode
        if (v.k === 'q' && /^torch\.nn\.functional\.batch_norm$/.test(v.q)) {
          const args = argList(children(n).find((c) => c.name === 'ArgList') ?? null, text);
          const positional = args.filter((a) => !a.name && !a.star);
          const stat = (name: string, i: number) => args.find((a) => a.name === name)?.value ?? positional[i]?.value;
          const isNone = (x: SyntaxNode | null | undefined) => !!x && text.slice(x.from, x.to).trim() === 'None';
          if (isNone(stat('running_mean', 1)) && isNone(stat('running_var', 2))) ops.batchStatsOnly = true;
        }
        // a module-level helper it delegates to (timm's rms_norm(x, shape, weight, eps) in fast_norm.py): what it computes counts
        else if (v.k === 'func' && !v.bound && !v.fn.cls && !v.fn.isLambda) opsOf(v.fn.owner, cls, v.fn, ops, seen);
      }
      // calling an attribute that holds a module (self.norm(x), self.blocks[i](x))
      if (
        callee.name === 'MemberExpression' &&
        /^self\s*\.\s*\w+\s*(\[|$)/.test(text.slice(callee.from, callee.to)) &&
        !dottedName(callee, text)?.match(/^self\.(\w+)$/)
      )
        ops.submodule = true;
    } else if (n.name === 'BinaryExpression') {
      const k = children(n);
      if (k.length === 3 && k[1].name === 'ArithOp') {
        const op = text.slice(k[1].from, k[1].to);
        const right = text.slice(k[2].from, k[2].to).replace(/\s+/g, '');
        if (op === '**' && /^2(\.0)?$/.test(right)) ops.square = true;
        if (op === '**' && /^\(?-?(0?\.5|1\/2|1\.0\/2)\)?$/.test(right)) ops.root = true;
        if (op === '*' && text.slice(k[0].from, k[0].to).replace(/\s+/g, '') === right && k[0].name === 'VariableName') ops.square = true;
        if (op === '+') {
          // 1 + self.weight (Gemma): the learned scale is an offset from 1
          const sides = [k[0], k[2]].map((s) => text.slice(s.from, s.to).replace(/\s+/g, ''));
          const one = sides.findIndex((s) => /^1(\.0*)?$/.test(s));
          const attr = one >= 0 ? /^self\.(\w+)/.exec(sides[1 - one]) : null;
          if (attr) ops.onePlus ??= attr[1];
          // mean(x ** 2) + 1e-8: a number added to a statistic is the ε the forward uses
          const num = sides.findIndex((s) => NUMBER.test(s) && !/^1(\.0*)?$/.test(s));
          if (num >= 0 && /\b(mean|var)\b|\.pow\(|\*\*|\bsquare\b/.test(sides[1 - num])) ops.epsLiteral ??= k[num === 0 ? 0 : 2];
        }
        if (op === '/') {
          // x / (sqrt(v) + eps): ε outside the root
          const d = bare(k[2]);
          const dk = d.name === 'BinaryExpression' ? children(d) : [];
          if (dk.length === 3 && text.slice(dk[1].from, dk[1].to) === '+' && (isRoot(dk[0], text) || isRoot(dk[2], text))) ops.epsOutsideRoot = true;
        }
        if (op === '-') {
          const sides = [k[0], k[2]].map((s) => text.slice(s.from, s.to));
          if (sides.some((s) => meanNames.has(s.trim()) || /\.mean\(|\bmean\(/.test(s))) ops.subtractMean = true;
        }
      }
    }
  });
}

/**
 * The input a forward's submodules compute from, when none of them ever reads its first input or anything made
 * from it (`def forward(self, x, emb)`: `self.linear(emb)` only): its name; null otherwise (a block that applies
 * submodules to what it normalizes is a container). Names made from the first input are followed through the
 * forward's assignments in text order.
 */
function conditioningInput(model: ModuleModel, cls: ClassDef, fwd: FuncDef): string | null {
  const params = fwd.params.filter((p, i) => !(i === 0 && p.name === 'self') && p.star === '');
  if (params.length < 2 || !fwd.body) return null;
  const text = model.text;
  const tainted = new Set([params[0].name]);
  const mentions = (n: SyntaxNode) => {
    for (const m of text.slice(n.from, n.to).matchAll(/[\p{L}_][\p{L}\p{N}_]*/gu)) if (tainted.has(m[0])) return true;
    return false;
  };
  let ok = true;
  let used: string | null = null;
  walk(fwd.body, (n) => {
    if (!ok) return;
    if (n.name === 'AssignStatement') {
      const k = children(n);
      const value = k[k.length - 1];
      if (value && mentions(value))
        for (const t of k.slice(0, -1))
          walk(t, (v) => {
            if (v.name === 'VariableName') tainted.add(text.slice(v.from, v.to));
          });
    } else if (n.name === 'CallExpression' && n.firstChild?.name === 'MemberExpression') {
      const callee = text.slice(n.firstChild.from, n.firstChild.to).replace(/\s+/g, '');
      const sub = /^self\.(\w+)$/.exec(callee)?.[1];
      if (!sub || model.findMethod(cls, sub) || FRAMEWORK_SELF_CALLS.has(sub)) return;
      const args = children(n).find((c) => c.name === 'ArgList');
      if (!args || mentions(args)) ok = false;
      else
        used ??=
          params.slice(1).find((p) => new RegExp(`(?<![\\p{L}\\p{N}_])${p.name}(?![\\p{L}\\p{N}_])`, 'u').test(text.slice(args.from, args.to)))?.name ?? null;
    }
  });
  return ok ? used : null;
}

/** Whether the class's `__init__` (or Flax `setup`) constructs a framework normalization layer. */
function buildsNormLayers(model: ModuleModel, cls: ClassDef): boolean {
  const init = model.findMethod(cls, '__init__') ?? model.findMethod(cls, 'setup');
  if (!init?.body) return false;
  let found = false;
  walk(init.body, (n) => {
    if (found || n.name !== 'CallExpression') return;
    for (const v of model.deref(model.siteOf(n)?.callee ?? [])) if (v.k === 'q' && findByQualifiedName(v.q)?.form === 'module') found = true;
  });
  return found;
}

/** Whether torch's var/std with these arguments (after the tensor) keeps its default correction of 1. */
function besselCorrected(args: ReturnType<typeof argList>, text: string): boolean {
  const kw = (name: string) => args.find((a) => a.name === name)?.value;
  const unbiased = kw('unbiased');
  const correction = kw('correction');
  if (unbiased) return text.slice(unbiased.from, unbiased.to).trim() !== 'False';
  if (correction) return !/^0(\.0*)?$/.test(text.slice(correction.from, correction.to).trim());
  // (positional `unbiased` after dim: x.var(-1, False))
  const positional = args.filter((a) => !a.name && !a.star);
  if (positional.length >= 2 && positional[1].value) return text.slice(positional[1].value.from, positional[1].value.to).trim() !== 'False';
  return !args.some((a) => a.star);
}

/** The forward-like method of a class: forward (PyTorch), __call__ (Flax, Haiku, MLX), call (Keras). */
function forwardOf(model: ModuleModel, cls: ClassDef): FuncDef | undefined {
  return model.findMethod(cls, 'forward') ?? model.findMethod(cls, '__call__') ?? model.findMethod(cls, 'call');
}

/** Framework layers with a weight of their own (a subclass of one is that layer, whatever its forward normalizes). */
const WEIGHTED_LAYER = /\.(Conv\w*|ConvTranspose\w*|Linear|LazyLinear|LazyConv\w*|Bilinear|Dense|Embedding\w*|EinsumDense)$/;

const FUNCTION_KINDS = new Set<LayerKind>(['batch_norm', 'layer_norm', 'group_norm', 'instance_norm', 'rms_norm']);

/** What a user class computes, when it is a normalization; null when it is anything else. */
export function customNorm(model: ModuleModel, cls: ClassDef, depth = 0): CustomNorm | null {
  if (depth > 8) return null;
  const fwd = forwardOf(model, cls);
  if (!fwd) return null;
  const ops: Ops = {
    methods: new Set(),
    qualified: new Set(),
    square: false,
    root: false,
    subtractMean: false,
    submodule: false,
    meanAxes: [],
    unbiased: false,
    epsOutsideRoot: false,
    batchStatsOnly: false,
  };
  opsOf(model, cls, fwd, ops, new Set());
  // calling submodules makes a container, unless it extends a hand-written norm and still computes
  // that norm (timm's RmsNormAct2d(RmsNorm2d): the norm, then a dropout and an activation, as
  // BatchNormAct2d does for BatchNorm2d)
  const normBase = ops.submodule ? userNormBase(model, cls, depth) : null;
  // (or it normalizes its input with a functional norm and its submodules compute only from another input: a scale and
  // shift conditioned on it, diffusers' AdaGroupNorm)
  const conditioned = ops.submodule && !normBase ? conditioningInput(model, cls, fwd) : null;
  if (ops.submodule && !normBase && !conditioned) return null;
  const bases = model.frameworkBases(cls).map((b) => b.q);
  // a convolution or linear layer that standardizes its weight with a norm function (timm's
  // StdConv2d calls F.batch_norm on self.weight) is that layer, not a norm
  if (bases.some((q) => WEIGHTED_LAYER.test(q))) return null;
  let family: FrameworkId | undefined;
  for (const q of [...bases, ...ops.qualified]) if ((family = frameworkOfName(q))) break;
  if (!family) return null;

  let kind: LayerKind | undefined;
  let computes = '';
  let frozen = false;
  // delegation to a functional norm of the table (one kind: a forward chaining several norms is none of them)
  for (const q of ops.qualified) {
    const spec = findByQualifiedName(q);
    if (spec && spec.form === 'function' && FUNCTION_KINDS.has(spec.kind)) {
      if (kind && kind !== spec.kind) return null;
      kind = spec.kind;
      computes = `calls ${spec.id.split('.').slice(-2).join('.')}`;
    }
    if (spec && spec.form === 'module') return null; // builds a norm inside: a container
  }
  // a class that builds norm layers of its own holds them (a model), even when its forward does not call them
  if (buildsNormLayers(model, cls)) return null;
  const mean = ops.methods.has('mean') || [...ops.qualified].some((q) => /\.mean$/.test(q));
  const variance = ops.methods.has('var') || ops.methods.has('std') || [...ops.qualified].some((q) => /\.(var|std)$/.test(q));
  const root = ops.root || [...ops.qualified].some((q) => /\.(r?sqrt)$/.test(q));
  const square = ops.square || [...ops.qualified].some((q) => /\.(square|pow)$/.test(q));
  const initText = initTextOf(model, cls);
  const fwdText = fwd.body ? fwd.owner.text.slice(fwd.body.from, fwd.body.to) : '';
  // running statistics kept (buffers registered by name, or in a loop over their names)
  const keepsRunning =
    /register_buffer\(\s*["']running_mean["']|self\.running_mean\s*=/.test(initText) ||
    (/register_buffer\(/.test(initText) && /["']running_mean["']/.test(initText));
  // a forward that updates them in place or in training (a hand-written BatchNorm) is no frozen one
  const updates = /self\.training\b|self\.running_(mean|var)\s*(\.\s*(mul_|add_|copy_|lerp_|sub_|fill_|zero_|data)\b|=[^=])/.test(fwdText);
  if (!kind && root && keepsRunning && !updates) {
    kind = 'batch_norm';
    computes = 'fixed running statistics (frozen BatchNorm)';
    frozen = true;
  }
  if (!kind && root && keepsRunning && updates && mean && (variance || square)) {
    kind = 'batch_norm';
    computes = 'batch mean and variance per channel, running statistics updated in training and used in eval';
  }
  if (!kind && mean && root && (variance || (square && ops.subtractMean)) && ops.subtractMean) {
    kind = 'layer_norm';
    computes = 'mean and variance';
  }
  if (!kind && mean && square && root && !ops.subtractMean) {
    kind = 'rms_norm';
    computes = 'rsqrt of mean square';
  }
  if (!kind || (normBase && normBase.kind !== kind)) return null;
  // a layer or RMS norm keeps no statistics: a forward that updates its own (a running mean and variance of rewards
  // or observations, RL's normalizers) normalizes data, not as any of those layers does (a cached constant is no
  // statistic: I-BERT's IntLayerNorm keeps `self.dim_sqrt`)
  if (
    (kind === 'layer_norm' || kind === 'rms_norm') &&
    !computes.startsWith('calls ') &&
    /self\.\w*(mean|var|std|count|running)\w*(\.value|\.data)?\s*[-+*/]?=[^=]|self\.\w*(mean|var|std|count|running)\w*\.(mul_|add_|copy_|lerp_|sub_|fill_|zero_)\(/i.test(
      fwdText,
    )
  )
    return null;
  if (conditioned) {
    if (!computes.startsWith('calls ')) return null;
    computes += `, then a scale and shift computed from \`${conditioned}\``;
  }
  // computed otherwise than any framework's layer (variance over N − 1, ε outside the root): no
  // framework class describes it, and its numbers would be wrong
  // (Bessel's correction is torch's default only: JAX, NumPy, Keras and MLX default to none)
  if (
    (kind === 'layer_norm' || kind === 'rms_norm' || (kind === 'batch_norm' && !frozen)) &&
    !computes.startsWith('calls ') &&
    ((ops.unbiased && family === 'pytorch') || ops.epsOutsideRoot)
  )
    return null;
  const axis = ops.meanAxes.find((a) => a !== '-1' && a !== '(-1)' && a !== '[-1]');
  if (computes === 'mean and variance' || computes === 'rsqrt of mean square') computes += axis ? ` over dim ${axis}` : ' over the last dim';
  let id = MODULE_OF[family]?.[kind];
  if (id && (kind === 'batch_norm' || kind === 'instance_norm') && family === 'pytorch') {
    const rank = /([123])d\b/i.exec(cls.name)?.[1] ?? '2';
    id = id.replace(/[123]d$/, rank + 'd');
  }
  const spec = id ? findByQualifiedName(id) : undefined;
  if (!spec) return null;
  let scaleOffset: CustomNorm['scaleOffset'];
  if (ops.onePlus) {
    const attr = ops.onePlus;
    // (made in __init__, or in Keras's build(): `add_weight(..., initializer="zeros")`)
    const made = [initText, ...['build', 'setup'].map((m) => methodText(model, cls, m))].join('\n');
    const zeroInit = new RegExp(
      `self\\.${attr}\\s*=[^\\n]*(?:\\bzeros(?:_like|_init)?\\(|initializer\\s*=\\s*(['"])zeros\\1|initializers\\.(?:zeros|Zeros\\(\\)))`,
    ).test(made);
    scaleOffset = { attr, zeroInit };
    computes += `, scaled by 1 + ${attr}${zeroInit ? `, ${attr} starting at 0` : ''}`;
  }
  const params = paramsOf(model, cls);
  // a forward that reshapes the statistic's dims (xLSTM's multi-head LayerNorm normalizes each head's (…, NH, DH)
  // over DH, then flattens to NH·DH for its weight): the weight's size is not the normalized size, which is then
  // the input's
  if ((kind === 'layer_norm' || kind === 'rms_norm') && reshapesInForward(model, cls)) {
    delete params.size;
    computes += "; its forward reshapes, so the size it normalizes over is not its weight's";
  }
  // ε written in the forward itself (StyleGAN's PixelNorm adds 1e-8) when __init__ sets none
  if (!params.eps && ops.epsLiteral) params.eps = { node: ops.epsLiteral };
  const noRunningStats = kind === 'batch_norm' && ops.batchStatsOnly && !/running_(mean|var)/.test(initText);
  if (noRunningStats) computes += ' with no running statistics';
  // (a forward that first returns the functional norm over the last dim for one value of an attribute, then reduces
  // over dim 1: which dim depends on the call)
  let axisUnless: CustomNorm['axisUnless'];
  if (axis === '1' && fwd.body) {
    const body = fwd.owner.text.slice(fwd.body.from, fwd.body.to);
    const m = /^:?\s*(?:#[^\n]*\n\s*)*if\s+self\.(\w+)\s*==\s*(['"])([\w-]+)\2\s*:\s*(?:#[^\n]*)?\n\s*return\s+[\w.]*\b(?:layer_norm|rms_norm)\s*\(/.exec(body);
    if (m) {
      axisUnless = { attr: m[1], value: m[3] };
      computes += `; over dim 1, or the last dim when self.${m[1]} == "${m[3]}"`;
    }
  }
  return {
    kind,
    spec,
    computes,
    ...params,
    axis,
    ...(axisUnless ? { axisUnless } : {}),
    ...(scaleOffset ? { scaleOffset } : {}),
    ...(noRunningStats ? { noRunningStats } : {}),
    ...(frozen ? { frozen } : {}),
  };
}

/** The hand-written norm a class extends (a user base class recognized by customNorm), if any. */
function userNormBase(model: ModuleModel, cls: ClassDef, depth = 0): CustomNorm | null {
  if (depth > 8) return null;
  for (const b of cls.bases) {
    if (b.k !== 'class') continue;
    const found = customNorm(b.cls.owner, b.cls, depth + 1) ?? userNormBase(b.cls.owner, b.cls, depth + 1);
    if (found) return found;
  }
  return null;
}

/** The text of one method of a class ('' when it has none). */
function methodText(model: ModuleModel, cls: ClassDef, name: string): string {
  const f = model.findMethod(cls, name);
  return f ? model.text.slice(f.node.from, f.node.to) : '';
}

function initTextOf(model: ModuleModel, cls: ClassDef): string {
  const init = model.findMethod(cls, '__init__') ?? model.findMethod(cls, 'setup') ?? model.findMethod(cls, 'build');
  return init ? model.text.slice(init.node.from, init.node.to) : '';
}

/** ε and size as `__init__` sets them: `self.eps = eps`, `self.weight = nn.Parameter(torch.ones(dim))`. */
function paramsOf(model: ModuleModel, cls: ClassDef): Pick<CustomNorm, 'eps' | 'size' | 'momentum' | 'hasWeight' | 'hasBias' | 'affine' | 'biasFlag'> {
  const text = model.text;
  const out: Pick<CustomNorm, 'eps' | 'size' | 'momentum' | 'hasWeight' | 'hasBias' | 'affine' | 'biasFlag'> = { hasWeight: false, hasBias: false };
  const init = model.findMethod(cls, '__init__');
  const params = new Set(init?.params.map((p) => p.name) ?? []);
  const ref = (n: SyntaxNode): { param?: string; node?: SyntaxNode } => {
    const t = text.slice(n.from, n.to);
    return n.name === 'VariableName' && params.has(t) ? { param: t } : { node: n };
  };
  // a size written as `self.normalized_shape` or `tuple(normalized_shape)`: back to the parameter
  // it was made from (`normalized_shape = channels`), through a few assignments of __init__
  const chase = (n: SyntaxNode, depth = 0): SyntaxNode => {
    if (depth > 4 || !init?.body) return n;
    const t = text.slice(n.from, n.to).replace(/\s+/g, '');
    if (n.name === 'VariableName' && params.has(t)) return n;
    let inner: SyntaxNode | undefined;
    if (n.name === 'CallExpression' && /^(tuple|list|int)$/.test(text.slice(n.firstChild!.from, n.firstChild!.to))) {
      const args = children(n).find((x) => x.name === 'ArgList');
      const ops = args ? operands(args) : [];
      if (ops.length === 1) inner = ops[0];
    } else if ((n.name === 'TupleExpression' || n.name === 'ParenthesizedExpression') && operands(n).length === 1) {
      // (size,) is the size
      inner = operands(n)[0];
    } else if (n.name === 'VariableName' || (n.name === 'MemberExpression' && /^self\.\w+$/.test(t))) {
      // its first assignment in __init__
      walk(init.body, (m) => {
        if (inner || m.name !== 'AssignStatement') return;
        const k = children(m);
        if (k.length >= 3 && text.slice(k[0].from, k[0].to).replace(/\s+/g, '') === t && k[1].name === 'AssignOp') inner = k[k.length - 1];
      });
    }
    return inner ? chase(inner, depth + 1) : n;
  };
  // dataclass fields (Flax): epsilon / eps fields with defaults
  for (const f of cls.fields) if (/^(eps|epsilon)$/.test(f)) out.eps = { param: f };
  if (/self\.param\(|add_weight\(/.test(text.slice(cls.node.from, cls.node.to))) out.hasWeight = true;
  if (!init?.body) return out;
  // the forward's update of its running statistics, when it has one: which convention its momentum is in
  const fwd = model.findMethod(cls, 'forward') ?? model.findMethod(cls, '__call__');
  const fwdText = fwd?.body ? fwd.owner.text.slice(fwd.body.from, fwd.body.to).replace(/\s+/g, '') : '';
  const oneMinus = String.raw`\(1(?:\.0*)?-self\.momentum\)`;
  const pytorchUpdate = new RegExp(
    String.raw`self\.running_(?:mean|var)\.mul_\(1(?:\.0*)?-self\.momentum\)|${oneMinus}\*self\.running_(?:mean|var)|self\.running_(?:mean|var)\*${oneMinus}|self\.running_(?:mean|var)\.lerp_\([^,]*,self\.momentum\)`,
  );
  walk(init.body, (n) => {
    if (n.name !== 'AssignStatement') return;
    // `self.eps, self.momentum = eps, momentum`: each target with its own value
    const k = children(n);
    const at = k.findIndex((c) => c.name === 'AssignOp' || c.name === '=');
    const targets = at > 0 ? k.slice(0, at).filter((c) => c.name !== ',') : [];
    const values = at > 0 ? k.slice(at + 1).filter((c) => c.name !== ',') : [];
    if (targets.length > 1 && targets.length === values.length) {
      targets.forEach((t, i) => assigned(t, values[i]));
      return;
    }
    const value = k[k.length - 1];
    if (k[0] && value) assigned(k[0], value);
  });
  function assigned(target: SyntaxNode, value: SyntaxNode): void {
    if (target.name !== 'MemberExpression') return;
    const name = dottedName(target, text);
    if (!name?.startsWith('self.')) return;
    const attr = name.slice(5);
    const vtext = text.slice(value.from, value.to);
    if (attr === 'momentum' && !out.momentum && /running_(mean|var)/.test(fwdText))
      out.momentum = { ...ref(value), convention: pytorchUpdate.test(fwdText) ? 'pytorch' : null };
    if (/eps|epsilon/i.test(attr) && !out.eps) out.eps = ref(value);
    if (/Parameter\(|Buffer\(|\.param\(|add_weight\(/.test(vtext) && !/running_(mean|var)/.test(attr)) {
      if (/^(bias|beta|offset|shift)$/.test(attr)) out.hasBias = true;
      else {
        out.hasWeight = true;
        // nn.Parameter(torch.ones(dim)) → dim
        let sized: SyntaxNode | undefined;
        walk(value, (m) => {
          if (sized || m.name !== 'CallExpression') return;
          const c = m.firstChild;
          if (c && /(^|\.)(ones|zeros|full|empty|randn|rand)$/.test(text.slice(c.from, c.to))) {
            const args = children(m).find((x) => x.name === 'ArgList');
            const first = args ? operands(args)[0] : undefined;
            if (first) sized = first;
          }
        });
        if (sized && !out.size) out.size = ref(chase(sized));
      }
    }
  }
  // `if affine:` / `if self.elementwise_affine:` (set from a parameter) around the weight's creation
  const flagParam = init.params.find(
    (p, i) =>
      i > 0 && p.star === '' && /^(affine|elementwise_affine|use_weight|use_scale|with_scale|with_weight|use_affine|learnable|weight|scale)$/.test(p.name),
  );
  if (out.hasWeight && flagParam) {
    const body = text.slice(init.body.from, init.body.to);
    const attr = new RegExp(`self\\.(\\w+)\\s*=\\s*${flagParam.name}\\b`).exec(body)?.[1];
    const guard = new RegExp(`\\bif\\s+(?:${flagParam.name}${attr ? `|self\\.${attr}` : ''})\\s*:\\s*\\n[^\\n]*self\\.\\w+\\s*=\\s*[\\w.]*Parameter\\(`);
    if (guard.test(body)) out.affine = { param: flagParam.name };
    else {
      // a local made from it guards the weight (`affine = config.affine if elementwise_affine is None else
      // elementwise_affine`, then `if affine:`): whether the weight exists is that local's value
      const local = /\bif\s+(\w+)\s*:\s*\n[^\n]*self\.\w+\s*=\s*[\w.]*Parameter\(/.exec(body)?.[1];
      if (local && local !== 'self')
        walk(init.body, (n) => {
          if (out.affine || n.name !== 'AssignStatement') return;
          const k = children(n);
          const value = k[k.length - 1];
          if (
            k.length === 3 &&
            k[0].name === 'VariableName' &&
            text.slice(k[0].from, k[0].to) === local &&
            new RegExp(`\\b${flagParam.name}\\b`).test(text.slice(value.from, value.to))
          )
            out.affine = { node: value };
        });
    }
  }
  // and one that decides whether the bias exists: `self.bias = nn.Parameter(...) if bias else None`, or under `if bias:`
  const biasParam = init.params.find((p, i) => i > 0 && p.star === '' && /^(bias|use_bias|with_bias|add_bias|learnable_bias)$/.test(p.name));
  if (out.hasBias && biasParam) {
    const body = text.slice(init.body.from, init.body.to);
    const attr = new RegExp(`self\\.(\\w+)\\s*=\\s*${biasParam.name}\\b`).exec(body)?.[1];
    const flag = `(?:${biasParam.name}${attr ? `|self\\.${attr}` : ''})`;
    const inline = new RegExp(`self\\.(?:bias|beta|offset|shift)\\s*=\\s*[\\w.]*Parameter\\([^\\n]*\\)\\s+if\\s+${flag}\\s+else\\s+None\\b`);
    const guard = new RegExp(`\\bif\\s+${flag}\\s*:\\s*\\n[^\\n]*self\\.(?:bias|beta|offset|shift)\\s*=\\s*[\\w.]*Parameter\\(`);
    if (inline.test(body) || guard.test(body)) out.biasFlag = { param: biasParam.name };
  }
  if (!out.size) {
    // buffers sized by a parameter (`self.register_buffer("running_mean", torch.zeros(n))`, detectron2's FrozenBatchNorm2d)
    walk(init.body, (n) => {
      if (out.size || n.name !== 'CallExpression') return;
      const c = n.firstChild;
      if (!c || !/^self\.register_buffer$/.test(text.slice(c.from, c.to).replace(/\s+/g, ''))) return;
      const args = children(n).find((x) => x.name === 'ArgList');
      const value = args ? operands(args)[1] : undefined;
      if (!value || value.name !== 'CallExpression' || !value.firstChild) return;
      if (!/(^|\.)(ones|zeros|full|empty)$/.test(text.slice(value.firstChild.from, value.firstChild.to))) return;
      const inner = children(value).find((x) => x.name === 'ArgList');
      const first = inner ? operands(inner)[0] : undefined;
      if (first) out.size = ref(chase(first));
    });
  }
  if (!out.size) {
    const sizeParam = init.params.find(
      (p, i) => i > 0 && /^(dim|d_model|hidden_size|normalized_shape|num_features|num_channels|channels|embed_dim|size|features|n_embd|d)$/.test(p.name),
    );
    if (sizeParam) out.size = { param: sizeParam.name };
  }
  return out;
}

/**
 * A norm subclass whose forward moves the channels of a channels-first input last around the
 * normalization (`x.permute(0, 2, 3, 1)`, then back), as ConvNeXt's and timm's LayerNorm2d do:
 * the permutation as written, the input rank it is for, and, when it runs only under
 * `if self.<attr> == "<value>":` (transformers' ConvNextLayerNorm, data_format), that condition.
 * Null when the forward has no such permutation, or has it only in an `else` branch.
 */
export interface ChannelsLastPermute {
  /** As written, without spaces: '(0,2,3,1)'. */
  permutation: string;
  /** Rank of the channels-first input it is for (4: (N, C, H, W)). */
  rank: number;
  when?: { attr: string; value: string };
}

export function channelsLastPermute(model: ModuleModel, cls: ClassDef): ChannelsLastPermute | null {
  const fwd = model.findMethod(cls, 'forward');
  if (!fwd?.body) return null;
  // (an inherited forward may be written in another file: its own text)
  const text = fwd.owner.text;
  let found: ChannelsLastPermute | null = null;
  let blocked = false;
  walk(fwd.body, (n) => {
    if (found || blocked || n.name !== 'CallExpression') return;
    const callee = n.firstChild;
    const ct = callee ? text.slice(callee.from, callee.to).replace(/\s+/g, '') : '';
    const args = children(n).find((c) => c.name === 'ArgList');
    const at = args ? text.slice(args.from, args.to).replace(/\s+/g, '') : '';
    let rank = 0;
    // x.permute(0, 2, 3, 1), x.permute(0, 2, 1), x.movedim(1, -1), torch.movedim(x, 1, -1)
    const perm = /\.permute$/.test(ct) ? /^\(0((?:,\d+)+),1\)$/.exec(at) : null;
    if (perm) {
      const middle = perm[1].split(',').slice(1).map(Number);
      if (middle.every((d, i) => d === i + 2)) rank = middle.length + 2;
    } else if (/(^|\.)movedim$/.test(ct) && /(^|,)1,-1\)$/.test(at)) rank = 4;
    if (!rank) return;
    // the enclosing if, up to the forward's body: only its first branch is a condition we can read
    let when: ChannelsLastPermute['when'];
    for (let p = n.parent; p && p.from >= fwd.body!.from && p !== fwd.body; p = p.parent) {
      if (p.name !== 'IfStatement') continue;
      const firstBody = children(p).find((c) => c.name === 'Body');
      if (!firstBody || n.from < firstBody.from || n.to > firstBody.to) {
        blocked = true;
        return;
      }
      const cond = /^if\s+self\s*\.\s*(\w+)\s*==\s*["']([\w-]+)["']\s*:/.exec(text.slice(p.from, firstBody.to));
      if (!cond || when) {
        blocked = true;
        return;
      }
      when = { attr: cond[1], value: cond[2] };
    }
    found = { permutation: at, rank, ...(when ? { when } : {}) };
  });
  return blocked ? null : found;
}

/**
 * A framework norm's subclass whose forward scales by `self.weight + 1` (or `1 + self.weight`) instead of the weight
 * itself: Nemotron's LayerNorm1P passes `self.weight + 1.0` to F.layer_norm (a "zero-centred" γ). Read from the
 * syntax of the forward the class (or a user base) defines: a `+` whose sides are the literal 1 and the attribute
 * (a cast such as `.float()` after it allowed), so `2 * self.weight + 1` is not one. `zeroInit`: its `__init__`
 * (or reset_parameters) zeroes that weight, so the scale starts at 1 rather than 2.
 */
export function weightPlusOne(model: ModuleModel, cls: ClassDef): CustomNorm['scaleOffset'] | undefined {
  const fwd = model.findMethod(cls, 'forward');
  if (!fwd?.body) return undefined;
  const text = fwd.owner.text;
  let attr: string | undefined;
  walk(fwd.body, (n) => {
    if (attr || n.name !== 'BinaryExpression') return;
    const k = children(n);
    if (k.length !== 3 || k[1].name !== 'ArithOp' || text.slice(k[1].from, k[1].to) !== '+') return;
    const sides = [k[0], k[2]].map((x) => text.slice(x.from, x.to).replace(/\s+/g, ''));
    const one = sides.findIndex((x) => /^1(\.0*)?$/.test(x));
    const m = one >= 0 ? /^self\.(weight)(?:\.(?:float|half|bfloat16|to|type_as)\([^()]*\))?$/.exec(sides[1 - one]) : null;
    if (m) attr = m[1];
  });
  if (!attr) return undefined;
  const own = (c: ClassDef) => c.owner.text.slice(c.node.from, c.node.to);
  const zeroes = new RegExp(String.raw`zeros_\(\s*self\.${attr}\b|self\.${attr}(?:\.data)?\.zero_\(|self\.${attr}\s*=[^\n]*\bzeros(?:_like)?\(`);
  const zeroInit = zeroes.test(own(cls)) || (!!fwd.cls && fwd.cls !== cls && zeroes.test(own(fwd.cls)));
  return { attr, zeroInit };
}

/** Whether the forward a class defines reshapes a tensor (`.reshape(`, `.view(`, `.flatten(`, `.unflatten(`, `rearrange(`) in its own body. */
function reshapesInForward(model: ModuleModel, cls: ClassDef): boolean {
  const fwd = model.findMethod(cls, 'forward');
  if (!fwd?.body) return false;
  const text = fwd.owner.text;
  let found = false;
  walk(fwd.body, (n) => {
    if (found || n.name !== 'CallExpression' || !n.firstChild) return;
    found = /(?:\.(?:reshape|view|flatten|unflatten)|(?:^|\.)rearrange)$/.test(text.slice(n.firstChild.from, n.firstChild.to).replace(/\s+/g, ''));
  });
  return found;
}
