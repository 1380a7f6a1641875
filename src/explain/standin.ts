/**
 * Layers whose sizes are expressions (`planes`, `cfg.dim`): computed on a small stand-in size in
 * their place, for the worked example (said so) and for the parameter count as a formula in the
 * expression. Shared by the compact card and the full explanation.
 */
import type { CoreLayerSpec } from '../core/spec';
import type { PyValue } from '../frameworks/types';
import { frameworkCount } from '../frameworks/paramCount';
import { isExpr, pyRepr } from '../frameworks/read';
import { groupsPerChannel, layerCore, num, roleValue, type LayerContext } from './context';
import { code } from './format';
import { Md, md } from './markdown';

/** Stand-in for a symbolic size in the glimpse: what the worked example shows in full. */
export const standInSize = (ctx: LayerContext) =>
  ctx.layer.spec.kind === 'layer_norm' || ctx.layer.spec.kind === 'rms_norm' ? 4 : ctx.layer.spec.kind === 'group_norm' ? GROUP_STAND_IN_PER : 3;

/** Channels per group of a GroupNorm stand-in: the example shows every channel of its groups. */
const GROUP_STAND_IN_PER = 2;

export interface StandIn {
  core: CoreLayerSpec;
  rank: number;
  /** The written expressions replaced, with the value used. */
  symbols: { text: string; value: number }[];
  /**
   * Written ε or momentum expressions taken at a default, for the example (a size is a stand-in
   * already): the one the code gives (ResolvedLayer.codeDefaults), else the framework class's.
   * `from` says which, with names in backticks.
   */
  defaults: { text: string; value: PyValue; from: string }[];
}

/** Text whose backticked names become code spans, the rest escaped ("default of `eps` in `f`, line 3"). */
export function backticked(text: string): Md {
  return Md.join(text.split('`').map((part, i) => (i % 2 ? Md.code(part) : Md.text(part))));
}

/** The stand-in, in words: "`planes` = 3, `cfg.eps` as 1e-06 (default of `eps` in `Norm.__init__`, line 6)". */
export function standInText(s: StandIn): Md {
  return Md.join(
    [
      ...s.symbols.map((x) => md`${code(x.text)} = ${x.value}`),
      ...s.defaults.map((x) => md`${code(x.text)} as ${code(pyRepr(x.value))} (${backticked(x.from)})`),
    ],
    ', ',
  );
}

/**
 * The value an ε or momentum written as an expression takes in the example: the default the code
 * gives it (the enclosing function's parameter, the user class's `__init__`), else the framework
 * class's own default; null when neither exists.
 */
export function exprDefault(ctx: LayerContext, name: string): { value: PyValue; from: string } | null {
  const own = ctx.layer.codeDefaults?.[name];
  if (own) return own;
  const p = ctx.layer.spec.params.find((q) => q.name === name);
  if (!p || p.default === undefined) return null;
  // (the code does give it, as an expression NormLens cannot evaluate: a config's field, a call)
  return { value: p.default, from: `\`${ctx.layer.spec.name}\`'s default; the value the code gives is known only when it runs` };
}

/** A layer whose sizes are expressions (`planes`, `cfg.dim`), computed with `size` in their place. */
export function standIn(ctx: LayerContext, size: number, forCount = false): StandIn | null {
  const spec = ctx.layer.spec;
  if (!spec.toCore) return null;
  const values: Record<string, PyValue> = { ...ctx.values };
  // ε and momentum do not change a count, and the example is on a stand-in already: their
  // defaults stand in for expressions (the example says so)
  const defaults: StandIn['defaults'] = [];
  for (const role of ['eps', 'momentum'] as const) {
    const name = spec.roles[role];
    const v = name ? values[name] : undefined;
    const d = name && isExpr(v) ? exprDefault(ctx, name) : null;
    if (name && d && isExpr(v)) {
      if (!forCount) defaults.push({ text: v.expr, ...d });
      values[name] = d.value;
    }
  }
  // (and any other argument written as a parameter of the code with a literal default, fairseq's
  // `LayerNorm(normalized_shape, eps, elementwise_affine)` in a factory: that default stands in, said so)
  // (sizes keep their symbolic stand-ins below: a count is a formula in them)
  const sizes = new Set([spec.roles.channels, spec.roles.groups, spec.roles.normalizedShape]);
  for (const [name, own] of Object.entries(ctx.layer.codeDefaults ?? {})) {
    const v = values[name];
    if (sizes.has(name) || !isExpr(v) || (typeof own.value !== 'boolean' && typeof own.value !== 'number')) continue;
    if (!forCount) defaults.push({ text: v.expr, ...own });
    values[name] = own.value;
  }
  const symbols: { text: string; value: number }[] = [];
  const groups = spec.roles.groups ? values[spec.roles.groups] : undefined;
  let g = num(groups);
  const ch = spec.roles.channels;
  if (spec.roles.groups && isExpr(groups)) {
    // two groups, so the example shows what groups are; one when a written channel count is odd
    const c = ch ? num(values[ch]) : null;
    g = c !== null && c % 2 !== 0 ? 1 : 2;
    values[spec.roles.groups] = g;
    symbols.push({ text: groups.expr, value: g });
  }
  if (ch && isExpr(values[ch])) {
    const text = (values[ch] as { expr: string }).expr;
    // (the groups written as the same expression as the channels, wav2vec2's GroupNorm(n, n): one channel per group,
    // whatever n is; the channel count then is the group count)
    const same = spec.roles.groups && isExpr(groups) && groups.expr.replace(/\s+/g, '') === text.replace(/\s+/g, '');
    if (same && forCount) {
      // (counted at the stand-in size itself: the count is linear in it)
      values[spec.roles.groups!] = size;
      symbols[symbols.length - 1].value = size;
    }
    const v = same ? (forCount ? size : g!) : g !== null && g > 0 && Number.isInteger(g) ? g * size : size;
    if (!same) symbols.push({ text, value: v });
    values[ch] = v;
  }
  const ns = spec.roles.normalizedShape;
  if (ns) {
    const v = values[ns];
    if (isExpr(v)) {
      symbols.push({ text: v.expr, value: size });
      values[ns] = size;
    } else if (Array.isArray(v) && v.some(isExpr)) {
      values[ns] = v.map((x) => {
        if (!isExpr(x)) return x;
        symbols.push({ text: x.expr, value: size });
        return size;
      });
    }
  }
  if (!symbols.length) return null;
  const r = layerCore(ctx.layer, values, ctx.rank);
  if ('error' in r) return null;
  return { core: r, rank: ctx.rank, symbols, defaults };
}

/**
 * A LayerNorm whose forward normalizes the channels of a channels-first input (LayerOrigin.channelsFirst):
 * its input shape, the channel count in words, and how the code does it; null for any other layer.
 */
export function channelsFirstText(ctx: LayerContext, core: CoreLayerSpec | null): { input: Md; channels: Md; how: Md } | null {
  const cf = ctx.layer.origin?.channelsFirst;
  if (!cf || (ctx.layer.spec.kind !== 'layer_norm' && ctx.layer.spec.kind !== 'rms_norm')) return null;
  const written = ctx.layer.spec.roles.normalizedShape ? ctx.values[ctx.layer.spec.roles.normalizedShape] : undefined;
  const n = core && (core.kind === 'layer_norm' || core.kind === 'rms_norm') && core.normalizedShape.length === 1 ? core.normalizedShape[0] : null;
  const channels = isExpr(written) ? md`C = ${code(written.expr)}` : typeof written === 'number' ? md`C = ${written}` : n !== null ? md`C = ${n}` : Md.raw('C');
  const letters = cf.rank === 3 ? '(N, C, L)' : cf.rank === 5 ? '(N, C, D, H, W)' : '(N, C, H, W)';
  return { input: code(letters), channels, how: backticked(cf.how) };
}

/**
 * What a user class removes of the layer's γ and β once built (ResolvedLayer.removed), or puts
 * back (ResolvedLayer.restored), for the parameter lines: `removed` names the tensors it certainly
 * removes or puts back and by what ("`weight` removed by `self.weight = None` in `NoScale`", the
 * count already follows it), `unsure` the statement that may remove one (or, `adds`, put one back)
 * under a condition.
 */
export function removalText(ctx: LayerContext): { removed: Md | null; unsure: string | undefined; adds: boolean } {
  const gone = ctx.layer.removed ?? {};
  const back = ctx.layer.restored ?? {};
  const nnx = ctx.layer.spec.framework === 'flax_nnx';
  const said = (t: 'weight' | 'bias', r: { code: string }, what: string) =>
    md`${code(t === 'weight' && nnx ? 'scale' : t)} ${Md.raw(what)} by ${code(r.code.replace(/ in \S+$/, ''))} in ${code(r.code.replace(/^.* in /, ''))}`;
  const parts = [
    ...(['weight', 'bias'] as const).flatMap((t) => (gone[t]?.definite ? [said(t, gone[t]!, 'removed')] : [])),
    ...(['weight', 'bias'] as const).flatMap((t) => (back[t]?.definite ? [said(t, back[t]!, 'put back')] : [])),
  ];
  const drops = [gone.weight, gone.bias].find((r) => r && !r.definite)?.code;
  const adds = [back.weight, back.bias].find((r) => r && !r.definite)?.code;
  return { removed: parts.length ? Md.join(parts, ', ') : null, unsure: drops ?? adds, adds: !drops && !!adds };
}

/**
 * What `track_running_stats = False`, set once a PyTorch BatchNorm or InstanceNorm is built with
 * it True, does (ResolvedLayer.untracked; PyTorch 2.13): `sure` when it certainly runs, `unsure`
 * the statement that may run. A BatchNorm keeps its running statistics, stops updating them and
 * still normalizes with them in eval; an InstanceNorm keeps updating them and never uses them.
 */
export function untrackedText(ctx: LayerContext): { sure: Md | null; unsure: string | undefined } {
  const u = ctx.layer.untracked;
  if (!u) return { sure: null, unsure: undefined };
  if (!u.definite) return { sure: null, unsure: u.code };
  const cls = / in ([\w.]+)$/.exec(u.code);
  const by = cls ? md`${code(u.code.slice(0, cls.index))} in ${code(cls[1])}` : code(u.code);
  return {
    sure:
      ctx.layer.spec.kind === 'instance_norm'
        ? md`running stats kept but unused since ${by}: eval normalizes each sample by its own statistics`
        : md`running stats frozen by ${by}: training no longer updates them, eval normalizes with them as they stand`,
    unsure: undefined,
  };
}

/** The learnable tensors a core spec has, in words ('γ and β', 'γ', 'β'), or null for none. */
export function affineWords(core: CoreLayerSpec): string | null {
  const w = 'hasWeight' in core ? core.hasWeight : false;
  const b = 'hasBias' in core ? core.hasBias : false;
  return w && b ? 'γ and β' : w ? 'γ' : b ? 'β' : null;
}

/**
 * An expression as a factor of a product: in parentheses when an operator joins its top level
 * (`2·(a + b)`, not 2·`a + b`, which a terminal shows as 2·a + b), else as written.
 */
function factor(expr: string, multiplied: boolean): Md {
  let depth = 0;
  let joined = false;
  const t = expr.trim();
  for (let i = 0; i < t.length && !joined; i++) {
    const c = t[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    // (a leading sign is not a join)
    else if (depth === 0 && i > 0 && /[\s+\-*/%@<>&|^]/.test(c)) joined = true;
  }
  return multiplied && joined ? md`(${code(t)})` : code(expr);
}

/**
 * Count of learnable and buffer values, as one line's text (without a label): numbers, or a formula
 * `a·sym + b` in the written expression when the size is one (counted at two stand-in sizes: every
 * count is linear in it). Null when there is nothing to say (a function, several expressions).
 */
export function parameterCount(ctx: LayerContext): Md | null {
  if (ctx.layer.spec.form !== 'module') return null;
  // The core counts PyTorch's tensors under PyTorch's names; other frameworks get the symbols.
  const torch = ctx.layer.spec.framework === 'pytorch';
  const names = (core: CoreLayerSpec, trainable: boolean) => {
    const detail = frameworkCount(core, ctx.layer.spec.framework).detail.filter((d) => d.trainable === trainable);
    if (torch) return detail.map((d) => d.name);
    const tn = ctx.framework.tensorNames;
    return detail.map((d) =>
      d.name === tn.weight ? 'γ' : d.name === tn.bias ? 'β' : d.name === tn.runningMean ? 'moving mean' : d.name === tn.runningVar ? 'moving variance' : d.name,
    );
  };
  const line = (learn: Md, learnNames: string[], buf: Md | null, bufNames: string[]) => {
    const l = learnNames.length ? md`${learn} learnable (${Md.raw(learnNames.join(', '))})` : Md.raw('no learnable parameters');
    const b = buf && bufNames.length ? md` · ${buf} in buffers` : Md.raw('');
    return md`${l}${b}`;
  };
  // (a frozen BatchNorm, detectron2's FrozenBatchNorm2d, holds weight, bias, running_mean and running_var as buffers and
  // no update counter: 4 values per channel where the BatchNorm it is shown as, without affine, has 2 and the counter)
  const frozen = !!ctx.layer.origin?.frozen;
  const counted = (c: { parameters: number; buffers: number }) => (frozen ? { parameters: 0, buffers: 2 * (c.buffers - 1) } : c);
  const bufferNames = (core: CoreLayerSpec) => (frozen ? ['weight', 'bias', 'running_mean', 'running_var'] : names(core, false));
  // (Flax nnx sizes LayerNorm's and RMSNorm's scale and bias by num_features, not by the input: 0.12.8)
  const nf = ctx.values.num_features;
  const kind = ctx.layer.spec.kind;
  if (ctx.layer.spec.framework === 'flax_nnx' && (kind === 'layer_norm' || kind === 'rms_norm') && (typeof nf === 'number' || isExpr(nf))) {
    // (less what a subclass certainly removes once built: `self.bias = None`)
    const gone = (t: 'weight' | 'bias') => !!ctx.layer.removed?.[t]?.definite;
    const learn = [
      ctx.values.use_scale !== false && !gone('weight') ? 'γ' : '',
      kind === 'layer_norm' && ctx.values.use_bias !== false && !gone('bias') ? 'β' : '',
    ].filter(Boolean);
    if (isExpr(nf))
      return line(
        learn.length
          ? md`${learn.length === 1 ? Md.raw('') : md`${learn.length}·`}${factor(nf.expr, learn.length !== 1)}`
          : md`
0
            `,
        learn,
        null,
        [],
      );
    return line(md`${learn.length * nf}`, learn, null, []);
  }
  const formula = (a: number, b: number, sym: Md) => (a === 0 ? md`${b}` : md`${a === 1 ? Md.raw('') : md`${a}·`}${sym}${b ? md` + ${b}` : Md.raw('')}`);
  if (ctx.core && !(ctx.sizedFromSample || ((ctx.core.kind === 'batch_norm' || ctx.core.kind === 'instance_norm') && ctx.core.numFeatures === null))) {
    const c = counted(frameworkCount(ctx.core, ctx.layer.spec.framework));
    return line(md`${c.parameters}`, frozen ? [] : names(ctx.core, true), md`${c.buffers}`, bufferNames(ctx.core));
  }
  // Symbolic: count at two sizes; every count is linear in the one symbol.
  let one: StandIn | CoreLayerSpec | null;
  let two: StandIn | CoreLayerSpec | null;
  let sym: Md;
  if (ctx.core) {
    const core = ctx.core;
    if ((core.kind === 'batch_norm' || core.kind === 'instance_norm') && core.numFeatures === null) {
      one = { ...core, numFeatures: 1 };
      two = { ...core, numFeatures: 2 };
      sym = Md.raw('C');
    } else {
      const words = affineWords(core);
      return Md.raw(
        words ? `${words} per ${ctx.layer.spec.kind === 'group_norm' ? 'channel' : 'normalized element'}, sized from the input` : 'no learnable parameters',
      );
    }
  } else {
    one = standIn(ctx, 1, true);
    two = standIn(ctx, 2, true);
    if (!one || !two || !('symbols' in one) || !('symbols' in two)) return null;
    const varying = one.symbols.filter((s, i) => s.value !== (two as StandIn).symbols[i].value);
    if (varying.length !== 1) return null;
    // (a shape written as a list of sizes counts their product: `[C, H, W]` → C·H·W)
    const list = /^\s*[[(]([^[\]()]*)[\])]\s*$/.exec(varying[0].text);
    const items = list
      ? list[1]
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : [];
    sym = items.length > 1 ? code(items.join('·')) : factor(varying[0].text, true);
  }
  const c1 = 'symbols' in one ? one.core : one;
  const c2 = 'symbols' in two! ? (two as StandIn).core : (two as CoreLayerSpec);
  const s1 = 'symbols' in one ? one.symbols.find((s, i) => s.value !== (two as StandIn).symbols[i].value)!.value : 1;
  const s2 = 'symbols' in one ? (two as StandIn).symbols.find((s, i) => s.value !== (one as StandIn).symbols[i].value)!.value : 2;
  const n1 = counted(frameworkCount(c1, ctx.layer.spec.framework));
  const n2 = counted(frameworkCount(c2, ctx.layer.spec.framework));
  const lin = (a1: number, a2: number) => {
    const a = (a2 - a1) / (s2 - s1);
    return formula(a, a1 - a * s1, sym);
  };
  return line(lin(n1.parameters, n2.parameters), frozen ? [] : names(c1, true), lin(n1.buffers, n2.buffers), bufferNames(c1));
}

/**
 * What a layer sized from its input (Keras, Flax) is computed as: the channel count of the sample
 * for a GroupNorm ("stand-in C = 32 for the input's channels"), else "sizes as if the input had this shape".
 */
export function sampleStandIn(ctx: LayerContext, core: CoreLayerSpec): Md {
  if (core.kind === 'group_norm' && typeof roleValue(ctx, 'channels') !== 'number') {
    return groupsPerChannel(ctx) ? md`stand-in C = ${core.numChannels}, one group per channel` : md`stand-in C = ${core.numChannels} for the input's channels`;
  }
  return Md.raw('sizes as if the input had this shape');
}
