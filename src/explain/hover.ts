/**
 * The hover for one recognized normalization layer: what it normalizes and over which axes, the
 * formula with the user's ε, train vs eval, every effective argument, parameters and buffers,
 * the same layer in other frameworks, the checks that hold in this code and general advice, a
 * worked example computed live, and links to the panel and calculators. Pure and cheap: only
 * this layer is looked at.
 */
import { FLOAT32_EPS } from '../core/index';
import type { CoreLayerSpec } from '../core/spec';
import { isNormMethod, type FrameworkId, type LayerKind, type PyValue } from '../frameworks/types';
import { bindingMessage } from '../frameworks/index';
import type { ResolvedLayer } from '../python/types';
import { updateEquation } from './convention';
import { frameworkCount } from '../frameworks/paramCount';
import {
  diagnosticsFor,
  givenAtCall,
  groupSizeOf,
  groupsPerChannel,
  startingScale,
  infoOf,
  layerContext,
  num,
  otherClasses,
  roleName,
  roleValue,
  unpackedOver,
  standInShape,
} from './context';
import type { NormDiagnostic } from '../checks/types';
import type { LayerContext } from './context';
import { workedExample } from './example';
import type { WorkedExample } from './example';
import { bytesText, code, codeMarked, escapeMd, fixed, mdTable, plural, pyFloat, shapeText } from './format';
import { isExpr, pyRepr } from '../frameworks/read';
import { MAX_USER_TEXT, Md, md } from './markdown';
import { visiblePrefix } from '../core/visible';
import { CALC_COMMANDS, calcLinkArg, panelLinkArg, OPEN_PANEL_COMMAND, startFromLayer } from './links';
import { adviceFor } from './advice';
import { layerNotes } from '../checks/index';
import { otherFrameworks } from './translations';
import { placementText } from './placement';
import {
  affineWords,
  backticked,
  channelsFirstText,
  parameterCount,
  removalText,
  sampleStandIn,
  standIn,
  standInSize,
  standInText,
  untrackedText,
} from './standin';

export interface HoverOptions {
  decimals: number;
  seed: number;
  preferredFramework?: FrameworkId;
  /** The document's diagnostics: those about this layer are its checks (shown as they are, nothing generic). */
  diagnostics?: readonly NormDiagnostic[];
  /** False for the full explanation opened as a document (the Markdown preview runs no command links). */
  links?: boolean;
}

export interface HoverSections {
  title: string;
  /** What it normalizes, over which axes, for its expected input. */
  axes: Md;
  formula: Md;
  modes: Md;
  arguments: Md;
  parameters: Md;
  /** Empty when the other frameworks would not say anything different. */
  frameworks: Md;
  /** The checks that hold for this layer in this code: diagnostics about it, then notes (severity 'note'). */
  checks: { code: string; severity: string; message: string }[];
  /** General advice for every layer of its kind ("Good to know"), never about this code. */
  advice: { id: string; title: string; text: Md }[];
  /** Markdown of the worked example, or a short reason there is none. */
  example: Md;
  exampleData: WorkedExample | null;
  links: Md;
}

export interface Hover {
  markdown: Md;
  sections: HoverSections;
}

export const KIND_NAMES: Record<LayerKind, string> = {
  batch_norm: 'batch normalization',
  layer_norm: 'layer normalization',
  group_norm: 'group normalization',
  instance_norm: 'instance normalization',
  rms_norm: 'RMS normalization',
  local_response_norm: 'local response normalization',
  unit_norm: 'unit-norm scaling',
  lp_normalize: 'Lp normalization',
  standardize: 'standardization',
};

/** Axis letters of an input of `rank` with channels on `axis` (N first), e.g. (N, C, H, W). */
export function axisLetters(rank: number, axis: number): string[] {
  const spatial: Record<number, string[]> = { 0: [], 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };
  const rest = spatial[rank - 2] ?? Array.from({ length: rank - 2 }, (_, i) => `d${i + 1}`);
  const letters = ['N'];
  let r = 0;
  for (let a = 1; a < rank; a++) letters.push(a === axis ? 'C' : rest[r++]);
  return letters;
}

export function resolveAxis(axis: number, rank: number) {
  return axis < 0 ? axis + rank : axis;
}

function axesText(ctx: LayerContext): Md {
  const core = ctx.core;
  const spec = ctx.layer.spec;
  const layoutWord = ctx.framework.channels === 'last' ? 'channels last' : 'channels first';
  const cf = channelsFirstText(ctx, core);
  if (cf) {
    const what = spec.kind === 'layer_norm' ? 'mean and variance' : 'root mean square';
    return md`Input ${cf.input} (channels first, ${cf.channels}): ${cf.how}. **Across the channels:** one ${Md.raw(what)} per sample and position, over its C channel values; nothing is shared across the batch or between positions.`;
  }
  if (ctx.layer.origin?.frozen) {
    return md`Input ${code(spec.inputShape)}. **Frozen:** each channel is normalized with its stored mean and variance, then scaled and shifted by stored values: buffers it never updates, so training and evaluation compute the same thing and the batch's own statistics are never used.`;
  }
  if (!core || (ctx.sizedFromSample && (core.kind === 'layer_norm' || core.kind === 'rms_norm'))) {
    // The table's descriptions are written as Markdown-safe prose (they may use code spans).
    return md`Input ${code(spec.inputShape)}${Md.raw(ctx.framework.channels === 'last' ? ` (${layoutWord})` : '')}; statistics ${Md.raw(spec.statistics)}.`;
  }
  switch (core.kind) {
    case 'batch_norm':
    case 'instance_norm':
    case 'group_norm': {
      const ranks =
        core.kind === 'batch_norm' && core.allowedRanks ? core.allowedRanks : [core.kind === 'instance_norm' && core.batchedRank ? core.batchedRank : ctx.rank];
      const channels = core.kind === 'group_norm' ? core.numChannels : core.numFeatures;
      // a count made up for a sample input is not the layer's: C
      const sampled = ctx.sizedFromSample && typeof roleValue(ctx, 'channels') !== 'number';
      const cText = channels === null || sampled ? 'C' : String(channels);
      const shapes = ranks.map((r) => {
        const letters = axisLetters(r, resolveAxis(core.channelAxis, r));
        return code(`(${letters.map((l) => (l === 'C' ? cText : l)).join(', ')})`);
      });
      const r = ranks[ranks.length - 1];
      const letters = axisLetters(r, resolveAxis(core.channelAxis, r));
      const others = letters.filter((l) => l !== 'C');
      const layoutNote = ctx.framework.channels === 'last' || resolveAxis(core.channelAxis, r) === r - 1 ? ` (${layoutWord})` : '';
      // Axis letters and counts are ours (numbers and N, C, H, W, L, D, d1...).
      const inputs = md`Input ${Md.join(shapes, ' or ' as Md)}${Md.raw(layoutNote)}`;
      if (core.kind === 'batch_norm') {
        return md`${inputs}. **Across the batch:** one mean and variance per channel, over ${Md.raw(others.join('·'))} — every sample and position of the batch (${channels === null ? Md.raw('C channels') : plural(channels, 'channel')}, each normalized on its own). Keeping every layer's inputs centred and scaled while the weights change (the "internal covariate shift" it was designed against) makes training faster and more stable.`;
      }
      const spatial = others.filter((l) => l !== 'N');
      if (core.kind === 'instance_norm') {
        return md`${inputs}. **Per sample and channel:** statistics over ${Md.raw(spatial.join('·') || 'the positions')} of one channel of one sample; nothing is shared across the batch.`;
      }
      if (groupsPerChannel(ctx)) {
        return md`${inputs}. **Per sample and channel:** ${code(`${spec.roles.groups}=${pyRepr(roleValue(ctx, 'groups') ?? null)}`)} makes one group per channel (groups = C), so each channel of each sample is normalized over its ${Md.raw(spatial.join('·') || 'positions')} on its own — instance normalization, independent of the batch size.`;
      }
      // The channel count is only a fact when the code says it; a sample's is a guess (F.group_norm(x, 32)).
      const known = !ctx.sizedFromSample || typeof roleValue(ctx, 'channels') === 'number';
      const size = groupSizeOf(ctx);
      if (size !== undefined && !known) {
        const gs = typeof size === 'number' ? md`${size}` : code(isExpr(size) ? size.expr : pyRepr(size));
        return md`${inputs}. **Per sample and group:** the input's C channels form groups of ${gs} consecutive channels (C/${gs} groups; C comes from the input); statistics over ${gs}·${Md.raw(spatial.join('·') || '1')} values of one group of one sample — independent of the batch size.`;
      }
      const per = known && core.numGroups > 0 && core.numChannels % core.numGroups === 0 ? core.numChannels / core.numGroups : null;
      const form = known
        ? md`the ${core.numChannels} channels form ${core.numGroups} groups${Md.raw(per !== null ? ` of ${per}` : '')}${Md.raw(core.interleaved ? ` (interleaved: channel c in group c mod ${core.numGroups})` : '')}`
        : md`the input's C channels form ${core.numGroups} groups of C/${core.numGroups} (C comes from the input)`;
      return md`${inputs}. **Per sample and group:** ${form}; statistics over ${per !== null ? per : Md.raw('C/G')}·${Md.raw(spatial.join('·') || '1')} values of one group of one sample — independent of the batch size.`;
    }
    case 'layer_norm':
    case 'rms_norm': {
      const ns = core.normalizedShape;
      const input = code(`(*, ${ns.join(', ')})`);
      const count = ns.reduce((a, b) => a * b, 1);
      const what = core.kind === 'layer_norm' ? 'mean and variance' : 'root mean square';
      const dims = ns.length === 1 ? 'last dimension' : `last ${ns.length} dimensions`;
      return md`Input ${input}, e.g. (batch, seq, ${ns[ns.length - 1]}) in a transformer. **Across the features:** one ${Md.raw(what)} per sample (per token) over its ${Md.raw(dims)} (${plural(count, 'value')}); nothing is shared across the batch.`;
    }
    case 'local_response_norm':
      return md`Input ${code('(N, C, *)')}. Each value is divided by a power of the sum of squares of its ${core.size} neighbouring channels.`;
  }
}

/** The seed's rule of thumb, said for this kind of layer. */
const WHEN: Partial<Record<LayerKind, Md>> = {
  batch_norm: Md.raw(
    '**When:** CNNs and vision models trained with about 16 or more samples per device; transformers, NLP and RNNs use LayerNorm, small batches GroupNorm.',
  ),
  layer_norm: Md.raw('**When:** the default for transformers, NLP and RNNs; CNNs trained with large batches usually use BatchNorm.'),
  rms_norm: Md.raw('**When:** in place of LayerNorm in transformers, as in LLaMA-style language models.'),
  group_norm: Md.raw(
    "**When:** CNNs with small batches per device (below about 8: detection, segmentation, large images), where BatchNorm's statistics get noisy; 32 groups is the usual choice.",
  ),
  instance_norm: Md.raw("**When:** style transfer and image generation, where each image's own contrast and style should be removed."),
};

/** ε for the formula's text block (inside a fence: plain text, made one visible line). */
function epsText(core: CoreLayerSpec | null, ctx: LayerContext): string {
  if (core && 'eps' in core) {
    if (core.eps !== null) return pyFloat(core.eps);
    // (torch.finfo of the input's dtype: float64's for a float64 layer; float32's for float32 and the half types)
    const dtype = ctx.values.dtype;
    const text = typeof dtype === 'string' ? dtype : dtype && typeof dtype === 'object' && !Array.isArray(dtype) && 'expr' in dtype ? String(dtype.expr) : '';
    if (/(^|\.)(float64|double)$/.test(text)) return `None → ${pyFloat(2 ** -52)} (float64 machine ε, for float64 input)`;
    return `None → ${pyFloat(FLOAT32_EPS)} (float32 machine ε)`;
  }
  const v = roleValue(ctx, 'eps');
  return v === undefined ? 'ε' : visiblePrefix(pyRepr(v), MAX_USER_TEXT);
}

function formulaText(ctx: LayerContext): Md {
  const core = ctx.core;
  const kind = ctx.layer.spec.kind;
  const eps = epsText(core, ctx);
  // A function (F.layer_norm...) has a scale or shift only when the call passes the tensor.
  const fn = ctx.layer.spec.form === 'function';
  const passed = (name: string) => ctx.values[name] !== undefined && ctx.values[name] !== null;
  // (without a core spec, a sized-by-expression layer: its affine switch and bias flag as written)
  const affineOn = roleValue(ctx, 'affine') !== false;
  // (a frozen BatchNorm applies its stored γ and β, buffers)
  const frozen = !!ctx.layer.origin?.frozen;
  const hasWeight = frozen || (core && 'hasWeight' in core ? core.hasWeight : fn ? passed('weight') : affineOn);
  const hasBias =
    frozen || (core && 'hasBias' in core ? core.hasBias : fn ? passed('bias') : kind !== 'rms_norm' && affineOn && roleValue(ctx, 'bias') !== false);
  // a hand-written module scaling by 1 + weight (Gemma's RMSNorm): γ = 1 + weight
  const offset = ctx.layer.origin?.scaleOffset;
  const gamma = offset ? `(1 + ${offset.attr})` : 'γ';
  const affine = `${hasWeight ? ` · ${gamma}` : ''}${hasBias ? ' + β' : ''}`;
  let lines: string[];
  switch (kind) {
    case 'batch_norm':
    case 'layer_norm':
    case 'group_norm':
    case 'instance_norm':
      // Keras rms_scaling=True: x itself (not x − mean) over the standard deviation, times γ
      lines =
        core?.kind === 'layer_norm' && core.rmsScaling
          ? [`y = x / √(var + ε)${affine}      (var of x over the axis; x is not centred)`, `ε = ${eps}`]
          : [`y = (x − mean) / √(var + ε)${affine}`, `ε = ${eps}`];
      break;
    case 'rms_norm':
      lines = [`y = x / √(mean(x²) + ε)${hasWeight ? ` · ${gamma}` : ''}`, `ε = ${eps}`];
      break;
    case 'local_response_norm':
      if (core?.kind === 'local_response_norm') {
        lines = [`y = x / (k + α/n · Σ x²)^β      n = ${core.size}, α = ${pyFloat(core.alpha)}, β = ${pyFloat(core.beta)}, k = ${pyFloat(core.k)}`];
        break;
      }
      lines = ['y = x / (k + α/n · Σ x²)^β'];
      break;
    default:
      lines = [`(${KIND_NAMES[kind]})`];
  }
  const out = [fence(lines)];
  if (offset && hasWeight) {
    out.push(
      md`The scale is 1 + ${code(offset.attr)}, not ${code(offset.attr)} itself: ${code(offset.attr)} is learned as an offset from 1${Md.raw(offset.zeroInit ? ' and starts at 0 (scale 1)' : ', which starts at 1 here (scale 2 as built)')}. Weights saved from this module are not a plain ${Md.raw(ctx.layer.spec.name)}'s γ: γ = 1 + ${code(offset.attr)}.`,
    );
  }
  const unit = kind === 'layer_norm' || kind === 'rms_norm' ? 'normalized element' : 'channel';
  if (ctx.layer.origin?.frozen) {
    out.push(Md.raw('γ and β are buffers, not parameters: stored values it applies but never learns or updates.'));
  } else if (fn && kind !== 'local_response_norm' && kind !== 'rms_norm') {
    out.push(
      Md.raw(
        hasWeight || hasBias
          ? `${[hasWeight ? 'γ (weight)' : '', hasBias ? 'β (bias)' : ''].filter(Boolean).join(' and ')}: passed in by the call, one per ${unit}; a function owns no parameters (whoever holds the tensors learns them).`
          : 'No γ or β is passed: the output keeps mean 0 and variance 1 per group.',
      ),
    );
  } else if (kind === 'rms_norm') {
    out.push(
      Md.raw(
        `No mean subtraction and no β: cheaper than LayerNorm at about the same quality, which is why recent large language models use it. ${hasWeight ? `γ: one per ${unit}, ${fn ? 'passed in by the call' : 'learnable'}.` : fn ? 'No scale passed.' : 'No learnable scale.'}`,
      ),
    );
  } else if (core?.kind === 'layer_norm' && core.rmsScaling) {
    out.push(
      md`${code('rms_scaling=True')} (deprecated in Keras 3.15): x is divided by its standard deviation without subtracting the mean, then scaled by γ (one per ${Md.raw(unit)}, learnable, starting at 1); there is no β, whatever ${code('center')} says. Keras itself warns that this is not RMS normalization (${code('keras.layers.RMSNormalization')} is).`,
    );
  } else if (kind !== 'local_response_norm' && hasWeight && hasBias) {
    out.push(
      Md.raw(
        `γ (scale) and β (shift): one per ${unit}, learnable, starting at 1 and 0. They let the layer undo the normalization where that helps — γ = σ, β = μ gives back the input — so normalizing never limits what the network can represent.`,
      ),
    );
  } else if (kind !== 'local_response_norm' && (hasWeight || hasBias)) {
    // one of the two is switched off by an argument (the one that is False), or removed by a statement: name it
    const layer = ctx.layer;
    const gone = layer.removed?.[hasWeight ? 'bias' : 'weight'];
    const back = layer.restored?.[hasWeight ? 'weight' : 'bias'];
    const flags = [roleName(ctx, hasWeight ? 'bias' : 'scale'), roleName(ctx, 'affine')].filter((x): x is string => x !== undefined);
    const off = flags.find((f) => ctx.values[f] === false) ?? flags.find((f) => ctx.values[f] !== undefined);
    const by = (r: { code: string }) => md`${code(r.code.replace(/ in \S+$/, ''))} in ${code(r.code.replace(/^.* in /, ''))}`;
    const why = gone?.definite ? md` (removed by ${by(gone)})` : off !== undefined ? md` (${code(`${off}=${pyRepr(ctx.values[off])}`)})` : Md.raw('');
    // (a tensor a user class puts back starts where its own code makes it)
    const start = (at: string) => (back?.definite ? md`put back by ${by(back)}` : Md.raw(`starting at ${at}`));
    out.push(
      hasWeight
        ? md`γ (scale) only: one per ${Md.raw(unit)}, learnable, ${start('1')}. No β${why}: no learnable shift is added.`
        : md`β (shift) only: one per ${Md.raw(unit)}, learnable, ${start('0')}. No γ${why}: no learnable scale is applied.`,
    );
  } else if (kind !== 'local_response_norm') {
    out.push(Md.raw('No learnable γ and β: the output keeps mean 0 and variance 1 per group.'));
  }
  return Md.join(out, '\n');
}

function modesText(ctx: LayerContext): Md {
  const core = ctx.core;
  const kind = ctx.layer.spec.kind;
  const modeArg = ctx.layer.spec.modeArg;
  // A function (or a layer with a mode argument) is switched by that argument, not by the model.
  const switchText =
    ctx.layer.spec.form === 'function' && modeArg
      ? md`Here ${code(`${modeArg.name}=${pyRepr(modeArg.trainWhen)}`)} means training, ${code(`${modeArg.name}=${pyRepr(!modeArg.trainWhen)}`)} eval; this call has ${code(`${modeArg.name}=${pyRepr(ctx.values[modeArg.name] ?? null)}`)}.`
      : Md.raw(ctx.framework.modeSwitch);
  if (kind === 'batch_norm' && ctx.layer.origin?.frozen)
    return Md.raw(
      "**Training and eval** compute the same thing: the stored mean and var (never updated, never the batch's), then the stored γ and β. model.train() and model.eval() change nothing here.",
    );
  if (kind === 'batch_norm') {
    const track = core?.kind === 'batch_norm' ? core.trackRunningStats : roleValue(ctx, 'trackRunningStats') !== false;
    if (!track) {
      // (the model's train/eval switch changes nothing here; a function's mode argument still does)
      const modeNote = ctx.layer.spec.form === 'function' && modeArg ? md` ${switchText}` : Md.raw(' model.train() and model.eval() change nothing here.');
      return md`**Training and eval** both normalize with the current batch's statistics (no running statistics are kept).${modeNote}`;
    }
    // kept but no longer tracked once built (`self.bn.track_running_stats = False`; PyTorch 2.13)
    if (ctx.layer.untracked?.definite)
      return md`**Training:** mean and var of the current batch; the running statistics stay as they are (no longer updated since ${code(ctx.layer.untracked.code)}).

**Eval:** those running statistics are used, as they stand (mean 0 and var 1 unless loaded from a checkpoint).`;
    const mName = roleName(ctx, 'momentum') ?? 'momentum';
    const m = roleValue(ctx, 'momentum');
    const conv = ctx.framework.momentumConvention;
    const stored = core?.kind === 'batch_norm' ? core.storedVariance : ctx.layer.spec.storedVariance;
    let update: Md;
    if (m === null && conv === 'new-weight') {
      update = md`${code(`${mName}=None`)}: a cumulative average, each batch so far weighted 1/t.`;
    } else if (num(m) !== null && conv) {
      const batchVar = stored ? `${stored} batch_var` : 'batch_var';
      const equations = fence([updateEquation(num(m)!, conv), updateEquation(num(m)!, conv, 'running_var', batchVar)]);
      const name = Md.raw(ctx.framework.name);
      update =
        conv === 'new-weight'
          ? md`${equations}\n${name}'s ${code(mName)} is the weight of the new batch.`
          : md`${equations}\n${name}'s ${code(mName)} is the weight kept from the old average.`;
    } else {
      update = md`${code(mName)} = ${m === undefined ? Md.raw('?') : code(pyRepr(m))}.`;
    }
    const varNote = stored === 'unbiased' ? ' (normalizing uses the biased variance; running_var stores the unbiased one)' : '';
    return Md.join(
      [
        md`**Training:** mean and var of the current batch${Md.raw(varNote)}; the running estimates move towards them:`,
        update,
        md`**Eval:** the running mean and var are used instead, so a sample's output no longer depends on its batch (batch size 1 is fine). ${switchText}`,
      ],
      '\n\n',
    );
  }
  if (kind === 'instance_norm' && roleValue(ctx, 'trackRunningStats') === true && ctx.layer.untracked?.definite)
    return md`**Training and eval** both normalize each instance by its own statistics (since ${code(ctx.layer.untracked.code)}); the running averages kept are still updated in training, never used.`;
  if (kind === 'instance_norm' && roleValue(ctx, 'trackRunningStats') === true) {
    return md`**Training** uses each instance's statistics and updates running averages; **eval** uses the running averages. ${switchText}`;
  }
  const extra =
    kind === 'layer_norm' || kind === 'rms_norm'
      ? ' This is why transformers, NLP models and RNNs use it: batch size 1 and variable sequence lengths work, and there is no train/eval mismatch. Placement matters: pre-norm (x + F(norm(x))) trains deep stacks stably; post-norm (norm(x + F(x))) needs warmup.'
      : kind === 'group_norm'
        ? ' With small batches (detection, segmentation, large images) it is the usual replacement for BatchNorm.'
        : '';
  return md`**Training and eval compute the same thing:** no running statistics, independent of the batch size.${Md.raw(extra)}`;
}

/**
 * What needs a newer release than some users have: the class itself (RMSNorm: PyTorch 2.4) and written arguments
 * (LayerNorm bias=: 2.1; BatchNorm/GroupNorm/InstanceNorm bias=: in 2.13, not in 1.13), from the table's `since`.
 */
function versionNotes(layer: ResolvedLayer): Md {
  const fw = infoOf(layer.spec.framework).name;
  const parts: Md[] = [];
  // a hand-written module only borrows the class's semantics: its release and arguments are not the code's
  if (layer.origin?.via === 'custom-module') return Md.raw('');
  if (layer.spec.since) parts.push(md`${code(layer.spec.name)} exists from ${Md.raw(`${fw} ${layer.spec.since}`)}`);
  for (const p of layer.spec.params) {
    const e = layer.effective[p.name];
    if (!p.since || !e || e.isDefault) continue;
    parts.push(
      layer.spec.framework === 'pytorch' && p.since === '2.13'
        ? md`${code(`${p.name}=`)} is taken by torch 2.13 but not by torch 1.13 (TypeError there)`
        : md`${code(`${p.name}=`)} needs ${Md.raw(`${fw} ${p.since}`)} or newer`,
    );
  }
  return parts.length ? md`Versions: ${Md.join(parts, '; ' as Md)}.` : Md.raw('');
}

/** Who gives a layer a value its call does not write: its user class, its partial, or code elsewhere. */
function givenBy(layer: ResolvedLayer): Md {
  const cls = layer.origin?.definedBy?.name;
  if (cls) return md`not at this call: ${code(cls)} gives it`;
  return Md.raw(layer.origin?.via === 'partial' ? 'not at this call: its partial gives it' : 'not at this call: given elsewhere');
}

function argumentsText(layer: ResolvedLayer): Md {
  const roles = new Set<string>(Object.values(layer.spec.roles).filter((v): v is string => typeof v === 'string'));
  if (layer.spec.modeArg) roles.add(layer.spec.modeArg.name);
  const rows: Md[][] = [];
  const quiet: Md[] = [];
  for (const p of layer.spec.params) {
    const e = layer.effective[p.name];
    const value = e ? pyRepr(e.value) : '—';
    let status: Md;
    const own = layer.codeDefaults?.[p.name];
    // written as an expression the code fixes to one value (`dtype=self.dtype`, a module constant): never "= default"
    const writtenExpr = e && !e.isDefault && !isExpr(e.value) ? layer.arguments[p.name] : undefined;
    if (!e)
      status = unpackedOver(layer, p.name) ? md`required, from ${code(unpackedOver(layer, p.name)!)} (known when the code runs)` : Md.raw('required, missing');
    else if (e.isDefault) status = unpackedOver(layer, p.name) ? md`default, unless ${code(unpackedOver(layer, p.name)!)} sets it` : Md.raw('default');
    else if (isExpr(writtenExpr)) status = md`written · ${code(pyRepr(e.value))} in this code`;
    // given outside the call (a partial, the class, a statement once built): said so, never "written"
    else if (!givenAtCall(layer, p.name))
      status = own
        ? md`not at this call · ${backticked(own.from)}: ${code(pyRepr(own.value))}`
        : p.default === undefined || JSON.stringify(p.default) === JSON.stringify(e.value) || layer.origin?.via === 'custom-module'
          ? givenBy(layer)
          : md`${givenBy(layer)} · default ${code(pyRepr(p.default))}`;
    // (an expression the code does not fix: the example takes the code's own default for it, said as such)
    else if (own && isExpr(e.value) && own.from.startsWith('default of'))
      status = md`written · the example takes ${code(pyRepr(own.value))}, the ${backticked(own.from)}`;
    else if (own) status = md`written · ${backticked(own.from)}: ${code(pyRepr(own.value))}`;
    // a hand-written module's defaults are its own, not the framework class's
    else if (p.default === undefined || layer.origin?.via === 'custom-module') status = Md.raw('written');
    else if (JSON.stringify(p.default) === JSON.stringify(e.value)) status = Md.raw('written (= default)');
    else status = md`written · default ${code(pyRepr(p.default))}`;
    if (e && !e.isDefault && e.maySetBy) status = md`${status}, unless ${code(e.maySetBy)} sets it`;
    if (e?.oneOf)
      status = md`${status}; ${Md.join(
        e.oneOf.map((v) => code(pyRepr(v))),
        ', ',
      )} here, depending on the run`;
    if (e?.alternatives?.length)
      status = md`${status}; other callers: ${Md.join(
        e.alternatives.map((v) => code(pyRepr(v))),
        ', ',
      )}`;
    // Defaults that are not about normalization (initializers, device, dtype...) go on one line.
    if (e && e.isDefault && !roles.has(p.name)) {
      quiet.push(code(`${p.name}=${value}`));
      continue;
    }
    rows.push([
      code(p.name),
      isExpr(writtenExpr) ? md`${code(writtenExpr.expr)} (expression)` : e && isExpr(e.value) ? md`${code(value)} (expression)` : code(value),
      status,
    ]);
  }
  let out = mdTable([Md.raw('argument'), Md.raw('value'), Md.raw('')], rows);
  if (quiet.length) out = md`${out}\n\nOther defaults: ${Md.join(quiet, ', ')}`;
  const versions = versionNotes(layer);
  if (versions) out = md`${out}\n\n${versions}`;
  if (layer.bindingErrors.length)
    out = md`${out}\n\n${Md.join(
      layer.bindingErrors.map((e) => md`⚠ ${escapeMd(bindingMessage(e))}`),
      '  \n',
    )}`;
  return out;
}

function parametersText(ctx: LayerContext): Md {
  if (!ctx.core) {
    // a size written as an expression: the count as a formula in it
    const formula = parameterCount(ctx);
    return formula ? md`${formula} (${whyNot(ctx)}).` : md`Parameter count not computed: ${whyNot(ctx)}.`;
  }
  const core = ctx.core;
  const channelsWritten = typeof roleValue(ctx, 'channels') === 'number';
  if (ctx.sizedFromSample && (core.kind === 'layer_norm' || core.kind === 'rms_norm' || (core.kind === 'group_norm' && !channelsWritten))) {
    const words = affineWords(core);
    return Md.raw(
      words
        ? `Sizes come from the input: ${words} per ${core.kind === 'group_norm' ? 'channel' : 'normalized element'} (see the worked example for a small case).`
        : 'No learnable parameters and no buffers.',
    );
  }
  if ((core.kind === 'batch_norm' || core.kind === 'instance_norm') && core.numFeatures === null) {
    const one = frameworkCount({ ...core, numFeatures: 1 }, ctx.layer.spec.framework, 4, ctx.layer.spec.tensorNames);
    const perChannel = (trainable: boolean) => one.detail.filter((d) => d.trainable === trainable && d.shape.length === 1).map((d) => code(d.name));
    const learn = perChannel(true);
    const buf = perChannel(false);
    return md`Sizes come from the input's channel count C: ${learn.length ? md`${learn.length}·C learnable (${Md.join(learn, ', ')})` : Md.raw('no learnable parameters')}${buf.length ? md`, ${buf.length}·C buffer values (${Md.join(buf, ', ')})` : Md.raw('')}.`;
  }
  let counted;
  try {
    counted = frameworkCount(core, ctx.layer.spec.framework, 4, ctx.layer.spec.tensorNames);
  } catch (e) {
    return md`Parameter count depends on the input: ${escapeMd(e instanceof Error ? e.message : String(e))}.`;
  }
  if (counted.detail.length === 0) return Md.raw('No learnable parameters and no buffers.');
  const list = (trainable: boolean) =>
    Md.join(
      counted.detail.filter((d) => d.trainable === trainable).map((d) => md`${code(d.name)} ${d.shape.length ? shapeText(d.shape) : Md.raw('(scalar)')}`),
      ', ',
    );
  const learn = list(true);
  const buf = list(false);
  const parts: Md[] = [];
  parts.push(learn ? md`**${plural(counted.parameters, 'learnable parameter')}:** ${learn}` : Md.raw('No learnable parameters'));
  if (buf) parts.push(md`**${plural(counted.buffers, 'buffer value')}:** ${buf}`);
  parts.push(md`**${bytesText(counted.bytes)}** in float32`);
  return Md.join(parts, ' · ');
}

/** Why the core cannot compute this layer, for Markdown. */
function whyNot(ctx: LayerContext): Md {
  if (ctx.exprArgs.length) {
    return md`${Md.join(
      ctx.exprArgs.map((a) => code(a)),
      ', ',
    )} ${Md.raw(ctx.exprArgs.length === 1 ? 'is an expression' : 'are expressions')}, known only when the code runs`;
  }
  return escapeMd(ctx.coreError ?? 'the arguments are not known');
}

function exampleText(ctx: LayerContext, opts: HoverOptions): { text: Md; data: WorkedExample | null } {
  // a size written as an expression: the example runs on a small stand-in size, said so
  const stand = ctx.core ? null : standIn(ctx, standInSize(ctx));
  if (!ctx.core && !stand) return { text: md`No worked example: ${whyNot(ctx)}.`, data: null };
  const core = ctx.core ?? stand!.core;
  const rank = ctx.core ? ctx.rank : stand!.rank;
  const standNote = stand
    ? md` (stand-in ${standInText(stand)}: ${Md.raw(stand.defaults.length ? 'the real values are' : stand.symbols.length === 1 ? 'the real size is' : 'the real sizes are')} known only when the code runs)`
    : Md.raw('');
  const modeArg = ctx.layer.spec.modeArg;
  if (modeArg && typeof ctx.values[modeArg.name] === 'boolean' && ctx.values[modeArg.name] !== modeArg.trainWhen) {
    return {
      text: md`No worked example: with ${code(`${modeArg.name}=${pyRepr(ctx.values[modeArg.name])}`)} it normalizes with stored running statistics, not the input's own.`,
      data: null,
    };
  }
  if (ctx.layer.origin?.frozen)
    return {
      text: md`
No worked example: it normalizes with its stored statistics, not the input's own.
      `,
      data: null,
    };
  let ex: WorkedExample | { error: string };
  try {
    ex = workedExample(core, rank, opts.seed, 4, startingScale(ctx));
  } catch (e) {
    return { text: md`No worked example: ${escapeMd(e instanceof Error ? e.message : String(e))}.`, data: null };
  }
  if ('error' in ex) return { text: md`No worked example: ${escapeMd(ex.error)}.`, data: null };
  const d = opts.decimals;
  const isRms = ex.spec.kind === 'rms_norm';
  const groupWord =
    ex.spec.kind === 'batch_norm'
      ? 'channel'
      : ex.spec.kind === 'group_norm'
        ? 'sample·group'
        : ex.spec.kind === 'instance_norm'
          ? 'sample·channel'
          : ctx.layer.origin?.channelsFirst
            ? 'position'
            : 'sample';
  const rows = ex.groupElements.map((els, g) => {
    const xs = els.slice(0, 4).map((i) => fixed(ex.input[i], d));
    const ys = els.slice(0, 4).map((i) => fixed(ex.output[i], d));
    const more = els.length > 4 ? ', …' : '';
    const label = Md.raw(ex.spec.kind === 'group_norm' || ex.spec.kind === 'instance_norm' ? groupLabel(ex, g) : String(g));
    return [
      label,
      ...(isRms ? [fixed(ex.variance[g], d)] : [fixed(ex.mean[g], d), fixed(ex.variance[g], d)]),
      Md.raw(xs.join(', ') + more),
      Md.raw(ys.join(', ') + more),
    ];
  });
  const header = [groupWord, ...(isRms ? ['mean(x²)'] : ['mean', 'var']), 'x', 'y'].map(Md.raw);
  const more = ex.mean.length > ex.groupElements.length ? ` (first ${ex.groupElements.length} of ${ex.mean.length} groups)` : '';
  // what stands in for the input's sizes, and what the example keeps of the layer, both said
  // (sizes taken from a stand-in sample are no layer's: "instead of" them would name sizes the code never has)
  const reducedParts = [
    ...(ctx.sizedFromSample && ctx.core ? [sampleStandIn(ctx, ctx.core)] : []),
    ...(ex.reduced && !standInShape(ctx) ? [escapeMd(ex.reduced)] : []),
  ];
  const cf = ctx.layer.origin?.channelsFirst;
  if (cf) reducedParts.push(md`each row one position with its channels, as ${backticked(cf.how)}`);
  if (startingScale(ctx) !== 1) reducedParts.push(scaleNote(ctx));
  const reduced = reducedParts.length ? Md.join(reducedParts, Md.raw('; ')) : null;
  const hasModes = (ex.spec.kind === 'batch_norm' || ex.spec.kind === 'instance_norm') && ex.spec.trackRunningStats;
  const intro = md`${Md.raw(hasModes ? 'Training mode on a' : 'A')} seeded sample ${code(shapeText(ex.shape))} (seed ${ex.seed})${standNote}${reduced ? md`, ${reduced}` : Md.raw('')}${Md.raw(more)}:`;
  return { text: md`${intro}\n\n${mdTable(header, rows)}`, data: ex };
}

function groupLabel(ex: WorkedExample, g: number): string {
  const per =
    ex.spec.kind === 'group_norm' ? ex.spec.numGroups : ex.spec.kind === 'instance_norm' ? ex.shape[resolveAxis(ex.spec.channelAxis, ex.shape.length)] : 1;
  return `${Math.floor(g / per)}·${g % per}`;
}

function linksText(ctx: LayerContext): Md {
  const layer = ctx.layer;
  const kind = layer.spec.kind;
  // The panel gets every effective setting; calculator links carry what was written. Both go
  // through the links' validators: only values they accept, bounded, reach a command.
  const settings = Object.fromEntries(Object.entries(ctx.values).filter(([k]) => !layer.spec.params.find((p) => p.name === k)?.tensor));
  const start = startFromLayer(layer);
  const links = [
    Md.commandLink(
      Md.raw('Open in comparison panel'),
      OPEN_PANEL_COMMAND,
      panelLinkArg({
        framework: start.framework,
        kind,
        args: settings,
        ...(layer.placement ? { placement: { kind: layer.placement.kind, addLine: layer.placement.addLine + 1 } } : {}),
      }),
    ),
  ];
  const arg = calcLinkArg(start);
  const calc = (title: string, command: string) => links.push(Md.commandLink(Md.raw(title), command, arg));
  if (isNormMethod(kind)) {
    calc('Normalize values', CALC_COMMANDS.normalize);
  }
  calc('Count parameters', CALC_COMMANDS.count);
  if (kind === 'batch_norm' && ctx.framework.momentumConvention) {
    calc('Convert momentum', CALC_COMMANDS.momentum);
    calc('Simulate running stats', CALC_COMMANDS.simulate);
    calc('Fold into Conv', CALC_COMMANDS.fold);
  }
  calc('Choose a normalization', CALC_COMMANDS.choose);
  return Md.join(links, ' · ');
}

/** A fenced plain-text block of formulas, one line each (user values in them are made one visible line). */
function fence(lines: readonly string[]): Md {
  return Md.fence(lines.map((l) => visiblePrefix(l, MAX_USER_TEXT + 100)).join('\n'));
}

export function callText(layer: ResolvedLayer): string {
  const written = layer.call.args.map((a) => (a.star ? `${a.star}${a.text}` : a.name ? `${a.name}=${a.text}` : a.text));
  return `${layer.call.callee}(${written.join(', ')})`;
}

/**
 * What a call builds when the class is not named at the call, and how NormLens knows:
 * "`norm_layer(planes)` builds `BatchNorm2d(planes)` — default of `norm_layer`, line 117".
 */
/** What the worked example scales by when the forward adds 1 to the weight (startingScale). */
export function scaleNote(ctx: LayerContext): Md {
  const attr = ctx.layer.origin?.scaleOffset?.attr ?? 'weight';
  return md`scaled by ${code(`1 + ${attr}`)} = ${startingScale(ctx)}, as built (${code(attr)} starts at 1)`;
}

export function originText(layer: ResolvedLayer): Md {
  const o = layer.origin;
  if (!o) return Md.raw('');
  // what it computes as: a value a statement certainly sets once built replaces the one it was built with
  const args: Record<string, PyValue> = { ...layer.arguments };
  for (const [k, e] of Object.entries(layer.effective)) if (e.setAfter && !e.maySetBy) args[k] = e.value;
  const built = Object.entries(args).map(([k, v], i) =>
    i === 0 && !layer.spec.params[0]?.keywordOnly && layer.spec.params[0]?.name === k ? pyRepr(v) : `${k}=${pyRepr(v)}`,
  );
  const builds = `${layer.spec.name}(${built.join(', ')})`;
  const others = otherClasses(layer);
  const also = others.length
    ? md` (or ${Md.join(
        others.map((x) => (x.userClass ? md`user class ${code(x.name)}` : code(x.name))),
        ', ',
      )}, depending on the caller)`
    : Md.raw('');
  // `how` marks names with backticks: those become code spans, the rest is escaped text
  const how = Md.join(o.how.split('`').map((part, i) => (i % 2 ? Md.code(part) : Md.text(part))));
  return md`${code(callText(layer))} builds ${code(builds)}${also} — ${how}`;
}

export function explainLayer(layer: ResolvedLayer, options: HoverOptions): Hover {
  const ctx = layerContext(layer);
  const spec = layer.spec;
  const title = md`### ${Md.raw(spec.name)} · ${Md.raw(ctx.framework.name)}`;
  const kindName = KIND_NAMES[spec.kind];
  const subtitle = layer.origin
    ? md`${originText(layer)}. ${Md.raw(kindName.charAt(0).toUpperCase() + kindName.slice(1))}.`
    : md`${code(callText(layer))} — ${Md.raw(kindName)}${Md.raw(spec.form === 'function' ? ' (function)' : '')}`;
  const axes = axesText(ctx);
  const formula = formulaText(ctx);
  const modes = modesText(ctx);
  const args = argumentsText(layer);
  const removal = removalText(ctx);
  const stats = untrackedText(ctx);
  const parameters =
    spec.form === 'module'
      ? md`${parametersText(ctx)}${removal.removed ? md` ${removal.removed}.` : Md.raw('')}${removal.unsure ? md` Unless ${code(removal.unsure)} ${Md.raw(removal.adds ? 'adds' : 'removes')} one.` : Md.raw('')}${stats.sure ? md` ${Md.raw(stats.sure.charAt(0).toUpperCase() + stats.sure.slice(1))}.` : Md.raw('')}${stats.unsure ? md` ${code(stats.unsure)} may stop tracking running stats.` : Md.raw('')}`
      : Md.raw('');
  const frameworks = otherFrameworks(ctx, options.preferredFramework);
  const mine = diagnosticsFor(layer, options.diagnostics ?? []);
  const notes = layerNotes(layer);
  const checks = [
    ...mine.map((d) => ({ code: d.code, severity: d.severity, message: d.message })),
    ...notes.map((n) => ({ code: n.code, severity: 'note', message: n.text })),
  ];
  const advice = adviceFor(ctx);
  const example = exampleText(ctx, options);
  const links = options.links === false ? Md.raw('') : linksText(ctx);

  const when = WHEN[spec.kind];
  const blank = Md.raw('');
  const placement = layer.placement ? md`*${Md.text(placementText({ kind: layer.placement.kind, addLine: layer.placement.addLine + 1 }))}*` : Md.raw('');
  const out: Md[] = [
    title,
    subtitle,
    ...(placement.length ? [blank, placement] : []),
    blank,
    axes,
    ...(when ? [blank, when] : []),
    blank,
    formula,
    blank,
    modes,
    blank,
    Md.raw('#### Arguments'),
    args,
  ];
  if (parameters) out.push(blank, parameters);
  if (frameworks) out.push(blank, Md.raw('#### In other frameworks'), frameworks);
  if (mine.length || notes.length) {
    out.push(
      blank,
      Md.raw('#### In this code'),
      ...mine.map((d) => md`- **${Md.raw(d.severity)}** ${Md.text(d.message)} (${code(d.code)})`),
      ...notes.map((n) => md`- **${escapeMd(n.title)}** ${codeMarked(n.text)}`),
    );
  }
  if (advice.length) out.push(blank, Md.raw('#### Good to know'), ...advice.map((p) => md`- **${escapeMd(p.title)}** ${p.text}`));
  out.push(blank, Md.raw('#### Worked example'), example.text);
  if (links.length) out.push(blank, links);
  return {
    markdown: Md.join(out, '\n'),
    sections: {
      title: `${spec.name} · ${ctx.framework.name}`,
      axes,
      formula,
      modes,
      arguments: args,
      parameters,
      frameworks,
      checks,
      advice,
      example: example.text,
      exampleData: example.data,
      links,
    },
  };
}
