/**
 * The diagnostics rules: each is data (code, severity, title, explanation) plus one small check
 * function over the rule context. Framework facts (parameter roles, defaults, momentum
 * conventions) come from the framework table through each layer's spec; nothing here names a
 * framework's class. To add a rule, append an entry to RULES.
 */
import { averagingWindow, convertMomentum } from '../core/conversions';
import type { EffectiveArgument, CallArgument, Range, ResolvedLayer, ScannedCall } from '../python/types';
import type { ParamRoles, PyValue } from '../frameworks/types';
import { NORM_CLASSES } from '../frameworks';
import type { NormDiagnostic, QuickFix, RuleInfo, Severity, TextEdit } from './types';
import { intValue, onlyThrough, sameCount, type Adjacency, type ProducerCall, type RuleContext } from './context';
import type { OpKind } from '../python/semantic/flow';
import { pyNumber, pyRepr, tidy } from './format';

export interface Rule extends RuleInfo {
  check(ctx: RuleContext): NormDiagnostic[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

interface Bound {
  name: string;
  effective: EffectiveArgument;
  /** The argument as written, when written. */
  written?: CallArgument;
}

/** The parameter playing `role` in this layer's class, with its effective value. */
function role(layer: ResolvedLayer, r: keyof ParamRoles): Bound | undefined {
  const name = layer.spec.roles[r];
  if (!name) return undefined;
  const effective = layer.effective[name];
  if (!effective) return undefined;
  if (effective.isDefault) return { name, effective };
  return { name, effective, written: writtenArgument(layer.call, effective.range) };
}

function writtenArgument(call: ScannedCall, range: Range | undefined): CallArgument | undefined {
  if (!range) return undefined;
  return call.args.find(
    (a) =>
      a.valueRange.startOffset === range.startOffset ||
      (a.range.startOffset === range.startOffset && a.range.endOffset === range.endOffset),
  );
}

function diagnostic(
  rule: RuleInfo,
  message: string,
  range: Range,
  fixes: QuickFix[] = [],
  severity: Severity = rule.severity,
): NormDiagnostic {
  return { code: rule.code, severity, message, range, fixes };
}

/** Replace what the user wrote for an argument, or add it as a keyword before the `)`. */
function setArgument(ctx: RuleContext, call: ScannedCall, name: string, valueText: string, written?: CallArgument): TextEdit {
  if (written) return { range: written.valueRange, newText: valueText };
  const last = call.args[call.args.length - 1];
  if (last) {
    const at = last.range.endOffset;
    return { range: ctx.lines.range(at, at), newText: `, ${name}=${valueText}` };
  }
  const at = call.range.endOffset - 1; // before the closing parenthesis
  return { range: ctx.lines.range(at, at), newText: `${name}=${valueText}` };
}

/** Range to underline for a parameter: its written value, else the class name. */
const anchor = (layer: ResolvedLayer, b: Bound | undefined): Range => b?.written?.valueRange ?? layer.call.nameRange;

const numberOf = (v: PyValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

const shortName = (layer: ResolvedLayer) => layer.spec.name;

/** The norm's axis was written and differs from the class's default (`axis=-1` written out is the default). */
function axisMoved(layer: ResolvedLayer): boolean {
  const ax = role(layer, 'axis');
  if (!ax?.written) return false;
  return JSON.stringify(ax.effective.value) !== JSON.stringify(defaultOf(layer, ax.name));
}

/**
 * Operations that keep the channel count of what a producer outputs: elementwise ones, dropout,
 * pooling, resizing. A concatenation, a reshape, a permute or a sum with another tensor do not.
 */
const KEEP_CHANNELS: readonly OpKind[] = ['activation', 'dropout', 'pool', 'resize', 'identity', 'scale'];
/**
 * Operations that leave a per-channel constant (a conv bias) a per-channel constant of the
 * same value: moving or reshaping axes. An add, a product, a dropout (it rescales in training)
 * or an activation between change it, and the bias is then no longer cancelled.
 */
const KEEP_BIAS: readonly OpKind[] = ['identity', 'permute', 'shape'];

/** The class's default for a parameter, from the framework table. */
function defaultOf(layer: ResolvedLayer, name: string): PyValue | undefined {
  const param = layer.spec.params.find((p) => p.name === name);
  return param && 'default' in param ? param.default : undefined;
}

// ---------------------------------------------------------------------------------------------
// GroupNorm

interface GroupFacts {
  groups: Bound;
  groupCount: number;
  channels?: { count: number; bound?: Bound; from?: ProducerCall };
}

function groupFacts(ctx: RuleContext, layer: ResolvedLayer): GroupFacts | undefined {
  const groups = role(layer, 'groups');
  if (!groups) return undefined;
  const groupCount = intValue(groups.effective.value);
  if (groupCount === undefined) return undefined;
  // Flax sizes groups by group_size instead when it is given; the group count is then not in play.
  const groupSize = layer.effective.group_size;
  if (groupSize && !groupSize.isDefault && groupSize.value !== null) return undefined;
  const ch = role(layer, 'channels');
  if (ch) {
    const count = intValue(ch.effective.value);
    return { groups, groupCount, channels: count === undefined ? undefined : { count, bound: ch } };
  }
  // The class takes no channel count (e.g. it infers it from the input): use the layer that feeds it.
  // Only where the norm certainly receives that output (Sequential order or functional data flow).
  const feed = ctx.feeding.get(layer);
  if (feed && !onlyThrough(feed, KEEP_CHANNELS)) return { groups, groupCount };
  const out = feed && outCount(feed.producer);
  if (feed && out !== undefined && !feed.producer.args.get(feed.producer.spec.layoutParam ?? '')) {
    return { groups, groupCount, channels: { count: out, from: feed.producer } };
  }
  return { groups, groupCount };
}

/** The divisors of n closest to g, one below and one above when they exist, nearest first. */
export function nearestDivisors(n: number, g: number): number[] {
  // Divisors come in pairs (d, n / d) with d <= sqrt(n); absurd channel counts get no suggestion.
  if (!Number.isSafeInteger(n) || n < 1 || n > 1e12) return [];
  let below: number | undefined;
  let above: number | undefined;
  const consider = (d: number) => {
    if (d < g && (below === undefined || d > below)) below = d;
    if (d > g && (above === undefined || d < above)) above = d;
  };
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    consider(d);
    consider(n / d);
  }
  const out = [below, above].filter((d): d is number => d !== undefined);
  return out.sort((a, b) => Math.abs(a - g) - Math.abs(b - g) || a - b);
}

const groupsPositive: Rule = {
  code: 'groupnorm-groups-positive',
  severity: 'error',
  title: 'GroupNorm needs at least one group',
  explanation:
    'Group normalization splits the channels into groups and normalizes each group of each sample on its own. ' +
    'The number of groups must be a positive integer: zero groups divides by zero when the channels are split, ' +
    'and a negative count is meaningless. One group normalizes all channels together (like LayerNorm over C, H, W); ' +
    'as many groups as channels normalizes each channel on its own (like InstanceNorm).',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of ctx.layers) {
      const f = groupFacts(ctx, layer);
      if (!f || f.groupCount > 0) continue;
      out.push(
        diagnostic(
          this,
          `${shortName(layer)} needs a positive number of groups, got ${f.groups.name}=${f.groupCount}.`,
          anchor(layer, f.groups),
        ),
      );
    }
    return out;
  },
};

const groupsDivide: Rule = {
  code: 'groupnorm-divisibility',
  severity: 'error',
  title: 'GroupNorm channels not divisible by the number of groups',
  explanation:
    'Group normalization splits the channels into groups of equal size, so the channel count must be a multiple of ' +
    'the number of groups. PyTorch refuses such a layer when it is constructed ("num_channels must be divisible by ' +
    'num_groups"); Keras and Flax fail when the layer first sees its input. Pick a group count that divides the ' +
    'channels; the quick fixes offer the nearest ones.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of ctx.layers) {
      const f = groupFacts(ctx, layer);
      if (!f || !f.channels || f.groupCount <= 0 || f.channels.count <= 0) continue;
      const { count } = f.channels;
      if (count % f.groupCount === 0) continue;
      const where = f.channels.bound
        ? `${f.channels.bound.name}=${count}`
        : `${count} channels (from the ${f.channels.from!.spec.qualifiedNames[0].split('.').pop()} before it)`;
      const choices = nearestDivisors(count, f.groupCount);
      const fixes = choices.map((d) => ({
        title: `Use ${f.groups.name}=${d}`,
        edits: [setArgument(ctx, layer.call, f.groups.name, String(d), f.groups.written)],
      }));
      out.push(
        diagnostic(
          this,
          `${where} cannot be split into ${f.groups.name}=${f.groupCount} equal groups` +
            (choices.length ? `; group counts that divide ${count} nearby: ${choices.join(', ')}.` : '.'),
          anchor(layer, f.groups),
          fixes,
        ),
      );
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// Momentum convention

const momentumConvention: Rule = {
  code: 'momentum-convention',
  severity: 'warning',
  title: 'Momentum written in the other framework convention',
  explanation:
    'Frameworks disagree on what the running-statistics momentum means. PyTorch and MLX give the weight of the new ' +
    'batch: running = (1 - m) * running + m * batch, default 0.1. Keras, Flax and Paddle give the weight of the old ' +
    'average: running = m * running + (1 - m) * batch, default 0.99 or 0.9. Code ported between them often keeps ' +
    'the number and flips its meaning: momentum=0.99 in PyTorch makes the running statistics follow the last batch ' +
    'almost entirely (this shipped in torchvision\'s MaxViT), and momentum=0.1 in Keras barely averages at all. ' +
    'The fix writes the same averaging in this framework\'s convention (1 - m).',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of [...ctx.layers, ...ctx.partials]) {
      const mb = role(layer, 'momentum');
      if (!mb?.written) continue;
      const m = numberOf(mb.effective.value);
      if (m === undefined || !(m > 0 && m < 1) || m === 0.5) continue;
      const info = ctx.framework(layer.spec.framework);
      const conv = info?.momentumConvention;
      if (!conv) continue;
      const newWeight = conv === 'new-weight';
      // new-weight frameworks expect small m; old-weight (decay) frameworks expect m close to 1.
      if (newWeight ? m < 0.5 : m > 0.5) continue;
      const other = newWeight ? 'old-weight' : 'new-weight';
      const fixed = tidy(convertMomentum(m, other, conv));
      const batches = (w: number) => {
        const n = averagingWindow(w).effectiveSamples;
        return n < 1.5 ? 'about 1 batch' : `about ${Math.round(n)} batches`;
      };
      const actualNew = newWeight ? m : 1 - m;
      const message = newWeight
        ? `${mb.name}=${pyNumber(m)} in ${info!.name} is the weight of the new batch, so the running statistics ` +
          `average over ${batches(actualNew)}. This looks like the old-weight convention of Keras/Flax; ` +
          `the same averaging here is ${mb.name}=${pyNumber(fixed)}.`
        : `${mb.name}=${pyNumber(m)} in ${info!.name} is the weight kept from the old average, so the running ` +
          `statistics average over ${batches(actualNew)}. This looks like PyTorch's new-weight convention; ` +
          `the same averaging here is ${mb.name}=${pyNumber(fixed)}.`;
      out.push(
        diagnostic(this, message, mb.written.valueRange, [
          {
            title: `Use ${mb.name}=${pyNumber(fixed)} (${info!.name} convention)`,
            edits: [{ range: mb.written.valueRange, newText: pyNumber(fixed) }],
          },
        ]),
      );
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// Producer -> norm pairs

function outCount(p: ProducerCall): number | undefined {
  return intValue(p.args.get(p.spec.outParam)?.value);
}

/** The norm's channel count and where it is written, when it can be compared with a producer's output. */
function normChannels(a: Adjacency): { count: number; bound: Bound; shape: 'int' | 'list' } | undefined {
  const { layer, producer } = a;
  const kind = layer.spec.kind;
  const channelKinds = ['batch_norm', 'group_norm', 'instance_norm'];
  if (axisMoved(layer)) return undefined;
  const ch = role(layer, 'channels');
  if (ch?.written) {
    if (producer.spec.kind === 'linear' && kind === 'instance_norm') return undefined;
    if (!channelKinds.includes(kind) && producer.spec.channels !== 'last') return undefined;
    const count = intValue(ch.effective.value);
    return count === undefined ? undefined : { count, bound: ch, shape: 'int' };
  }
  const ns = role(layer, 'normalizedShape');
  if (ns?.written && (producer.spec.kind === 'linear' || producer.spec.channels === 'last')) {
    const v = ns.effective.value;
    if (intValue(v) !== undefined) return { count: v as number, bound: ns, shape: 'int' };
    if (Array.isArray(v) && v.length === 1 && intValue(v[0]) !== undefined) return { count: v[0] as number, bound: ns, shape: 'list' };
  }
  return undefined;
}

const producerName = (p: ProducerCall) => p.qualifiedName.split('.').pop()!;

const channelMismatch: Rule = {
  code: 'channel-mismatch',
  severity: 'error',
  title: 'Norm channel count differs from the layer before it',
  explanation:
    'A normalization layer that directly follows a convolution or linear layer normalizes that layer\'s output, so ' +
    'its channel (feature) count must equal the producer\'s output count: out_channels of a convolution, ' +
    'out_features of a linear layer. A mismatch fails at the first forward pass (for BatchNorm: "running_mean should ' +
    'contain N elements"). NormLens compares integer literals where the code applies the norm to the producer\'s output ' +
    '(in forward, in a Sequential container, in a Keras functional graph), with at most activations, dropout or pooling ' +
    'between; a concatenation or a reshape between changes the count, and the rule then says nothing.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const a of ctx.adjacent) {
      if (a.producer.opaque && !a.producer.args.get(a.producer.spec.outParam)) continue;
      if (a.producer.spec.layoutParam && a.producer.args.get(a.producer.spec.layoutParam)) continue;
      // only what keeps the channel count may sit between (not a concatenation with a skip)
      if (!onlyThrough(a, KEEP_CHANNELS)) continue;
      const produced = outCount(a.producer);
      const norm = normChannels(a);
      if (produced === undefined || !norm || norm.count === produced) continue;
      const written = norm.bound.written!;
      const newText = norm.shape === 'int' ? String(produced) : written.text.replace(/-?\d+/, String(produced));
      out.push(
        diagnostic(
          this,
          `${shortName(a.layer)} expects ${norm.bound.name}=${norm.count}, but the ${producerName(a.producer)} before it ` +
            `produces ${a.producer.spec.outParam}=${produced}.`,
          written.valueRange,
          [{ title: `Use ${norm.bound.name}=${newText}`, edits: [{ range: written.valueRange, newText }] }],
        ),
      );
    }
    return out;
  },
};

const convBiasBeforeBn: Rule = {
  code: 'conv-bias-before-bn',
  severity: 'info',
  title: 'Bias cancelled by the BatchNorm that follows',
  explanation:
    'BatchNorm subtracts the per-channel mean, so a constant per-channel bias added by the convolution or linear ' +
    'layer just before it cancels out exactly in training (and is absorbed by the running mean in evaluation). The ' +
    'bias costs parameters and memory and receives zero gradient; BatchNorm\'s own shift (beta) already provides ' +
    'the offset. Turn the producer\'s bias off. NormLens says so only where the code applies the BatchNorm to the ' +
    'producer\'s output with nothing but permutes or reshapes between: an activation, a dropout or a residual add between ' +
    'them keeps the bias from cancelling.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const a of ctx.adjacent) {
      const { producer: p, layer } = a;
      if (layer.spec.kind !== 'batch_norm') continue;
      if (axisMoved(layer)) continue;
      // only axis moves and reshapes between: an add, a dropout or an activation keep the bias from cancelling
      if (!onlyThrough(a, KEEP_BIAS)) continue;
      if (p.spec.layoutParam && p.args.get(p.spec.layoutParam)) continue;
      const act = p.spec.activationParam ? p.args.get(p.spec.activationParam) : undefined;
      if (act && !(act.value === null || act.value === 'linear')) continue;
      const bias = p.args.get(p.spec.bias.param);
      if (bias) {
        // Written: only a literal that keeps the bias on (True, or None for a bias attribute).
        if (!p.spec.bias.on.some((v) => v === bias.value)) continue;
      } else if (p.opaque) continue;
      // The norm must be the one that normalizes this output: counts agree, or are not both literals.
      const ch = role(layer, 'channels');
      const outArg = p.args.get(p.spec.outParam);
      if (ch?.written && outArg) {
        const known = intValue(ch.effective.value) !== undefined && intValue(outArg.value) !== undefined;
        const agree = sameCount(outArg, { value: ch.effective.value, text: ch.written.text });
        if (known && !agree) continue;
      }
      const edit = setArgument(ctx, p.call, p.spec.bias.param, p.spec.bias.off, bias);
      out.push({
        about: layer.call.range,
        ...diagnostic(
          this,
          `The bias of this ${producerName(p)} is cancelled by the ${shortName(layer)} that follows ` +
            `(it subtracts the per-channel mean); ${p.spec.bias.param}=${p.spec.bias.off} saves the parameters.`,
          bias ? bias.valueRange : p.call.nameRange,
          [{ title: `Set ${p.spec.bias.param}=${p.spec.bias.off}`, edits: [edit] }],
        ),
      });
    }
    return out;
  },
};

const layerNormChannelsFirst: Rule = {
  code: 'layernorm-channels-first',
  severity: 'warning',
  title: 'LayerNorm(C) on a channels-first conv output normalizes the last axis, not C',
  explanation:
    'PyTorch\'s LayerNorm(C) normalizes over the last axis and checks that it has size C. A convolution outputs ' +
    '(N, C, H, W) (or (N, C, L)): the channels are first, so LayerNorm(C) applied to it directly either fails with ' +
    '"Given normalized_shape=[C], expected input with shape [*, C]" (when W differs from C) or, when W happens to ' +
    'equal C, silently normalizes over the width instead of the channels. Move the channels last around it ' +
    '(x.permute(0, 2, 3, 1), then back), as ConvNeXt\'s LayerNorm2d does. NormLens says so only where the code applies ' +
    'the LayerNorm to the convolution\'s output with nothing but elementwise operations, dropout or pooling between, ' +
    'and as a warning: whether it fails depends on the input size, which the code does not fix.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const a of ctx.adjacent) {
      const { producer: p, layer } = a;
      if (layer.spec.kind !== 'layer_norm' || p.spec.kind !== 'conv' || p.spec.channels !== 'first') continue;
      if (p.spec.layoutParam && p.args.get(p.spec.layoutParam)) continue;
      // Only a LayerNorm named as such: a subclass or custom module may move the channels itself (timm's
      // LayerNorm2d permutes in forward), and a parameter's default may be replaced by its callers (rdnet passes
      // LayerNorm2d for a `norm_layer=nn.LayerNorm` default).
      if (layer.origin && layer.origin.via !== 'import' && layer.origin.via !== 'alias') continue;
      if (!onlyThrough(a, ['activation', 'dropout', 'pool', 'resize', 'identity', 'scale'])) continue;
      const ns = role(layer, 'normalizedShape');
      if (!ns?.written) continue;
      const v = ns.effective.value;
      const count = intValue(v) ?? (Array.isArray(v) && v.length === 1 ? intValue(v[0]) : undefined);
      const outArg = p.args.get(p.spec.outParam);
      const produced = outCount(p);
      // LayerNorm(C) for the conv's C channels; another size may be meant for the last axis
      const same = count !== undefined && produced !== undefined ? count === produced : sameCount(outArg, { value: v, text: ns.written.text.replace(/^\[(.*)\]$/, '$1') });
      if (!same) continue;
      const last = /1d$/i.test(p.qualifiedName) ? 'L' : 'W';
      const shape = /1d$/i.test(p.qualifiedName) ? '(N, C, L)' : /3d$/i.test(p.qualifiedName) ? '(N, C, D, H, W)' : '(N, C, H, W)';
      const c = ns.written.text;
      out.push(
        diagnostic(
          this,
          `${shortName(layer)}(${c}) normalizes the last axis, but the ${producerName(p)} before it outputs ${shape} with the ` +
            `${c} channels first: this fails unless ${last} == ${c}, and then normalizes over ${last}, not the channels. ` +
            `Permute the channels last around it (as ConvNeXt's LayerNorm2d does).`,
          ns.written.valueRange,
        ),
      );
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// eps

const divisionKinds = new Set(['layer_norm', 'rms_norm', 'group_norm']);

const epsZero: Rule = {
  code: 'eps-zero',
  severity: 'warning',
  title: 'eps=0 divides by zero on constant input',
  explanation:
    'Normalization divides by sqrt(variance + eps); eps exists to keep that division finite. With eps=0 a slice with ' +
    'zero variance (a constant or all-zero input, a padded region, a dead channel) divides 0 by 0: LayerNorm, ' +
    'GroupNorm and RMSNorm return NaN, and the NaN then spreads through the whole network. BatchNorm in evaluation ' +
    'divides by a running variance that can be exactly 0 for a channel that never varied. Use a small positive eps ' +
    '(the framework default is a good choice).',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of [...ctx.layers, ...ctx.partials]) {
      const eb = role(layer, 'eps');
      if (!eb?.written || eb.effective.value !== 0) continue;
      const def = defaultOf(layer, eb.name);
      const fixes: QuickFix[] =
        def !== undefined && (typeof def === 'number' ? def > 0 : def === null)
          ? [{ title: `Use ${eb.name}=${pyRepr(def)} (the default)`, edits: [{ range: eb.written.valueRange, newText: pyRepr(def) }] }]
          : [];
      const what = divisionKinds.has(layer.spec.kind)
        ? `a constant input gives 0/0 = NaN in ${shortName(layer)}`
        : `a channel with zero variance divides by zero in ${shortName(layer)}`;
      out.push(diagnostic(this, `${eb.name}=0 leaves nothing to guard the division: ${what}.`, eb.written.valueRange, fixes));
    }
    return out;
  },
};

const epsNegative: Rule = {
  code: 'eps-negative',
  severity: 'warning',
  title: 'Negative eps',
  explanation:
    'eps is added to the variance before the square root. A negative eps makes variance + eps negative whenever the ' +
    'variance is smaller than |eps| (a nearly constant slice, or a channel with tiny activations), and the square ' +
    'root of a negative number is NaN: the whole output of that slice becomes NaN. eps must be positive; a sign typo ' +
    '(-1e-5 for 1e-5) is the usual cause.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of [...ctx.layers, ...ctx.partials]) {
      const eb = role(layer, 'eps');
      const v = numberOf(eb?.effective.value);
      if (!eb?.written || v === undefined || !(v < 0)) continue;
      const positive = pyNumber(-v);
      out.push(
        diagnostic(
          this,
          `${eb.name}=${pyNumber(v)} is negative: where the variance is below ${positive} the square root is taken of a ` +
            `negative number and ${shortName(layer)} returns NaN.`,
          eb.written.valueRange,
          [{ title: `Use ${eb.name}=${positive}`, edits: [{ range: eb.written.valueRange, newText: positive }] }],
        ),
      );
    }
    return out;
  },
};

const epsLarge: Rule = {
  code: 'eps-large',
  severity: 'info',
  title: 'eps larger than 0.1',
  explanation:
    'eps is added to the variance before the square root, so it should be negligible next to the variances the layer ' +
    'sees (defaults are 1e-5 to 1e-3). An eps above 0.1 dominates small variances: features with variance below eps ' +
    'are shrunk instead of scaled to unit variance, and the output is no longer normalized. Intentional in rare ' +
    'cases; usually a typo such as 1e-1 for 1e-5, or a value meant for another argument.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of [...ctx.layers, ...ctx.partials]) {
      const eb = role(layer, 'eps');
      const v = numberOf(eb?.effective.value);
      if (!eb?.written || v === undefined || !(v > 0.1)) continue;
      const def = defaultOf(layer, eb.name);
      out.push(
        diagnostic(
          this,
          `${eb.name}=${pyNumber(v)} is large next to typical variances: features whose variance is below it are ` +
            `not scaled to unit variance.`,
          eb.written.valueRange,
          typeof def === 'number' && def > 0
            ? [{ title: `Use ${eb.name}=${pyRepr(def)} (the default)`, edits: [{ range: eb.written.valueRange, newText: pyRepr(def) }] }]
            : [],
        ),
      );
    }
    return out;
  },
};

// ---------------------------------------------------------------------------------------------
// InstanceNorm affine default

/** Every `name.weight` / `name.bias` read or written outside strings and comments: name -> first attribute. */
const usesCache = new WeakMap<RuleContext, Map<string, string>>();
function parameterUses(ctx: RuleContext): Map<string, string> {
  let uses = usesCache.get(ctx);
  if (uses) return uses;
  uses = new Map();
  const text = ctx.masked;
  const identChar = /[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}]/u;
  // Anchor on the attribute (cheap), then read the dotted name before it backwards.
  for (const m of text.matchAll(/\.[ \t]*(weight|bias)(?![\p{L}\p{N}_])/gu)) {
    let k = m.index!;
    let start = k;
    let plain = true; // a pure dotted name, not `f(x).norm`
    for (;;) {
      let j = k;
      while (j > 0 && (text[j - 1] === ' ' || text[j - 1] === '\t')) j--;
      let h = j;
      while (h > 0 && identChar.test(text[h - 1])) h--;
      if (h === j) {
        plain = false;
        break;
      }
      start = h;
      let b = h;
      while (b > 0 && (text[b - 1] === ' ' || text[b - 1] === '\t')) b--;
      if (b > 0 && text[b - 1] === '.') k = b - 1;
      else break;
    }
    if (!plain) continue;
    const name = text.slice(start, m.index).replace(/[ \t]/g, '');
    if (/^\p{N}/u.test(name)) continue;
    if (!uses.has(name)) uses.set(name, m[1]);
  }
  usesCache.set(ctx, uses);
  return uses;
}

const instanceAffine: Rule = {
  code: 'instancenorm-affine-default',
  severity: 'info',
  title: 'InstanceNorm without learnable scale and shift by default',
  explanation:
    'PyTorch\'s InstanceNorm1d/2d/3d (and MLX\'s InstanceNorm) default to affine=False: they have no weight and no ' +
    'bias, unlike BatchNorm, GroupNorm and LayerNorm, and unlike Flax\'s InstanceNorm, whose use_scale and use_bias ' +
    'default to True. Code that reads or initializes `.weight` or `.bias` of such a layer finds None. Pass affine=True ' +
    'when the layer should learn a per-channel scale and shift. Reported once per file.',
  check(ctx) {
    for (const layer of ctx.layers) {
      if (layer.spec.kind !== 'instance_norm') continue;
      const ab = role(layer, 'affine');
      if (!ab || !ab.effective.isDefault || ab.effective.value !== false) continue;
      const target = ctx.assignmentTarget(layer.call);
      if (!target) continue;
      const used = parameterUses(ctx).get(target);
      if (!used) continue;
      return [
        diagnostic(
          this,
          `${shortName(layer)} has ${ab.name}=False by default, so ${target}.${used} is None: the layer learns no ` +
            `scale or shift. Pass ${ab.name}=True if it should.`,
          layer.call.nameRange,
          [{ title: `Set ${ab.name}=True`, edits: [setArgument(ctx, layer.call, ab.name, 'True')] }],
        ),
      ];
    }
    return [];
  },
};

// ---------------------------------------------------------------------------------------------
// Binding errors reported by the recognizer

const bindingError: Rule = {
  code: 'binding-error',
  severity: 'error',
  title: 'Arguments do not match the class signature',
  explanation:
    'The call passes arguments the class does not accept: an unknown keyword, too many positional arguments, a ' +
    'parameter given twice, or a required parameter missing. Python raises TypeError when this line runs. A ' +
    'keyword spelled as another framework spells it (epsilon for PyTorch\'s eps, affine for LayerNorm\'s ' +
    'elementwise_affine) gets a quick fix that renames it.',
  check(ctx) {
    const out: NormDiagnostic[] = [];
    for (const layer of ctx.layers) {
      for (const message of layer.bindingErrors) {
        out.push(diagnostic(this, message, bindingRange(layer, message), renameFixes(ctx, layer, message)));
      }
    }
    return out;
  },
};

/** Roles whose parameter the frameworks name differently, with the same meaning and value. */
const RENAMABLE: (keyof ParamRoles)[] = ['eps', 'affine'];
let spellings: Map<string, Set<keyof ParamRoles>> | undefined;

/** For an unknown keyword that another class uses for a role this class has: rename it. */
function renameFixes(ctx: RuleContext, layer: ResolvedLayer, message: string): QuickFix[] {
  const m = /unexpected keyword argument '([^']+)'/.exec(message);
  if (!m) return [];
  if (!spellings) {
    spellings = new Map();
    for (const spec of NORM_CLASSES) {
      for (const r of RENAMABLE) {
        const name = spec.roles[r];
        if (!name) continue;
        if (!spellings.has(name)) spellings.set(name, new Set());
        spellings.get(name)!.add(r);
      }
    }
  }
  const arg = layer.call.args.find((a) => a.name === m[1]);
  if (!arg) return [];
  const fixes: QuickFix[] = [];
  for (const r of spellings.get(m[1]) ?? []) {
    const target = layer.spec.roles[r];
    if (!target || target === m[1] || target in layer.arguments) continue;
    const at = arg.range.startOffset;
    fixes.push({ title: `Rename ${m[1]} to ${target}`, edits: [{ range: ctx.lines.range(at, at + m[1].length), newText: target }] });
  }
  return fixes;
}

/** Underline the argument a binding message names (a quoted keyword), else the class name. */
function bindingRange(layer: ResolvedLayer, message: string): Range {
  for (const m of message.matchAll(/['"`]([\p{L}_][\p{L}\p{N}_]*)['"`]/gu)) {
    const arg = layer.call.args.find((a) => a.name === m[1]);
    if (arg) return arg.range;
  }
  if (/positional/i.test(message)) {
    const positional = layer.call.args.filter((a) => a.name === undefined && !a.star);
    const accepted = layer.spec.params.filter((p) => !p.keywordOnly).length;
    if (positional.length > accepted) return positional[accepted].range;
  }
  return layer.call.nameRange;
}

export const RULES: readonly Rule[] = [
  groupsDivide,
  groupsPositive,
  momentumConvention,
  channelMismatch,
  convBiasBeforeBn,
  layerNormChannelsFirst,
  epsZero,
  epsNegative,
  epsLarge,
  instanceAffine,
  bindingError,
];

