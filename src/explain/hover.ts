/**
 * The hover for one recognized normalization layer: what it normalizes and over which axes, the
 * formula with the user's ε, train vs eval, every effective argument, parameters and buffers,
 * the same layer in other frameworks, the pitfalls that apply, a worked example computed live,
 * and links to the panel and calculators. Pure and cheap: only this layer is looked at.
 */
import { countParameters, FLOAT32_EPS } from '../core/index';
import type { CoreLayerSpec } from '../core/spec';
import type { FrameworkId, LayerKind } from '../frameworks/types';
import type { ResolvedLayer } from '../python/types';
import { updateEquation } from '../calc/convention';
import { startFromLayer } from '../calc/fromLayer';
import { frameworkCount } from '../calc/paramCount';
import { infoOf, layerContext, num, roleName, roleValue } from './context';
import type { LayerContext } from './context';
import { workedExample } from './example';
import type { WorkedExample } from './example';
import { bytesText, code, escapeMd, fixed, isExpr, mdTable, plural, pyFloat, pyRepr, shapeText } from './format';
import { CALC_COMMANDS, encodeArg, openPanelUri } from './links';
import { pitfallsFor } from './pitfalls';
import { otherFrameworks } from './translations';

export interface HoverOptions {
  decimals: number;
  seed: number;
  preferredFramework?: FrameworkId;
}

export interface HoverSections {
  title: string;
  /** What it normalizes, over which axes, for its expected input. */
  axes: string;
  formula: string;
  modes: string;
  arguments: string;
  parameters: string;
  /** Empty when the other frameworks would not say anything different. */
  frameworks: string;
  pitfalls: { id: string; title: string; text: string }[];
  /** Markdown of the worked example, or a short reason there is none. */
  example: string;
  exampleData: WorkedExample | null;
  links: string;
}

export interface Hover {
  markdown: string;
  sections: HoverSections;
}

const KIND_NAMES: Record<LayerKind, string> = {
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
function axisLetters(rank: number, axis: number): string[] {
  const spatial: Record<number, string[]> = { 0: [], 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };
  const rest = spatial[rank - 2] ?? Array.from({ length: rank - 2 }, (_, i) => `d${i + 1}`);
  const letters = ['N'];
  let r = 0;
  for (let a = 1; a < rank; a++) letters.push(a === axis ? 'C' : rest[r++]);
  return letters;
}

function resolveAxis(axis: number, rank: number) {
  return axis < 0 ? axis + rank : axis;
}

function axesText(ctx: LayerContext): string {
  const core = ctx.core;
  const spec = ctx.layer.spec;
  const layoutWord = ctx.framework.channels === 'last' ? 'channels last' : 'channels first';
  if (!core || (ctx.sizedFromSample && (core.kind === 'layer_norm' || core.kind === 'rms_norm'))) {
    // The table's descriptions are written as Markdown-safe prose (they may use code spans).
    return `Input ${code(spec.inputShape)}${ctx.framework.channels === 'last' ? ` (${layoutWord})` : ''}; statistics ${spec.statistics}.`;
  }
  switch (core.kind) {
    case 'batch_norm':
    case 'instance_norm':
    case 'group_norm': {
      const ranks = core.kind === 'batch_norm' && core.allowedRanks ? core.allowedRanks : [core.kind === 'instance_norm' && core.batchedRank ? core.batchedRank : ctx.rank];
      const channels = core.kind === 'group_norm' ? core.numChannels : core.numFeatures;
      const cText = channels === null ? 'C' : String(channels);
      const shapes = ranks.map((r) => {
        const letters = axisLetters(r, resolveAxis(core.channelAxis, r));
        return code(`(${letters.map((l) => (l === 'C' ? cText : l)).join(', ')})`);
      });
      const r = ranks[ranks.length - 1];
      const letters = axisLetters(r, resolveAxis(core.channelAxis, r));
      const others = letters.filter((l) => l !== 'C');
      const layoutNote = ctx.framework.channels === 'last' || resolveAxis(core.channelAxis, r) === r - 1 ? ` (${layoutWord})` : '';
      const inputs = `Input ${shapes.join(' or ')}${layoutNote}`;
      if (core.kind === 'batch_norm') {
        return `${inputs}. **Across the batch:** one mean and variance per channel, over ${others.join('·')} — every sample and position of the batch (${channels === null ? 'C channels' : plural(channels, 'channel')}, each normalized on its own). ` +
          'Keeping every layer\'s inputs centred and scaled while the weights change (the "internal covariate shift" it was designed against) makes training faster and more stable.';
      }
      const spatial = others.filter((l) => l !== 'N');
      if (core.kind === 'instance_norm') {
        return `${inputs}. **Per sample and channel:** statistics over ${spatial.join('·') || 'the positions'} of one channel of one sample; nothing is shared across the batch.`;
      }
      // The channel count is only a fact when the code says it; a sample's is a guess (F.group_norm(x, 32)).
      const known = !ctx.sizedFromSample || typeof roleValue(ctx, 'channels') === 'number';
      const per = known && core.numGroups > 0 && core.numChannels % core.numGroups === 0 ? core.numChannels / core.numGroups : null;
      const form = known
        ? `the ${core.numChannels} channels form ${core.numGroups} groups${per !== null ? ` of ${per}` : ''}`
        : `the input's C channels form ${core.numGroups} groups of C/${core.numGroups} (C comes from the input)`;
      return `${inputs}. **Per sample and group:** ${form}; statistics over ${per !== null ? per : 'C/G'}·${spatial.join('·') || '1'} values of one group of one sample — independent of the batch size.`;
    }
    case 'layer_norm':
    case 'rms_norm': {
      const ns = core.normalizedShape;
      const input = code(`(*, ${ns.join(', ')})`);
      const count = ns.reduce((a, b) => a * b, 1);
      const what = core.kind === 'layer_norm' ? 'mean and variance' : 'root mean square';
      const dims = ns.length === 1 ? 'last dimension' : `last ${ns.length} dimensions`;
      return `Input ${input}, e.g. (batch, seq, ${ns[ns.length - 1]}) in a transformer. **Across the features:** one ${what} per sample (per token) over its ${dims} (${plural(count, 'value')}); nothing is shared across the batch.`;
    }
    case 'local_response_norm':
      return `Input ${code('(N, C, *)')}. Each value is divided by a power of the sum of squares of its ${core.size} neighbouring channels.`;
  }
}

/** The seed's rule of thumb, said for this kind of layer. */
const WHEN: Partial<Record<LayerKind, string>> = {
  batch_norm: '**When:** CNNs and vision models trained with about 16 or more samples per device; transformers, NLP and RNNs use LayerNorm, small batches GroupNorm.',
  layer_norm: '**When:** the default for transformers, NLP and RNNs; CNNs trained with large batches usually use BatchNorm.',
  rms_norm: '**When:** in place of LayerNorm in transformers, as in LLaMA-style language models.',
  group_norm: '**When:** CNNs with small batches per device (below about 8: detection, segmentation, large images), where BatchNorm\'s statistics get noisy; 32 groups is the usual choice.',
  instance_norm: '**When:** style transfer and image generation, where each image\'s own contrast and style should be removed.',
};

function epsText(core: CoreLayerSpec | null, ctx: LayerContext): string {
  if (core && 'eps' in core) return core.eps === null ? `None → ${pyFloat(FLOAT32_EPS)} (float32 machine ε)` : pyFloat(core.eps);
  const v = roleValue(ctx, 'eps');
  return v === undefined ? 'ε' : pyRepr(v);
}

function formulaText(ctx: LayerContext): string {
  const core = ctx.core;
  const kind = ctx.layer.spec.kind;
  const eps = epsText(core, ctx);
  // A function (F.layer_norm...) has a scale or shift only when the call passes the tensor.
  const fn = ctx.layer.spec.form === 'function';
  const passed = (name: string) => ctx.values[name] !== undefined && ctx.values[name] !== null;
  const hasWeight = core && 'hasWeight' in core ? core.hasWeight : fn ? passed('weight') : true;
  const hasBias = core && 'hasBias' in core ? core.hasBias : fn ? passed('bias') : kind !== 'rms_norm';
  const affine = `${hasWeight ? ' · γ' : ''}${hasBias ? ' + β' : ''}`;
  let lines: string[];
  switch (kind) {
    case 'batch_norm':
    case 'layer_norm':
    case 'group_norm':
    case 'instance_norm':
      lines = [`y = (x − mean) / √(var + ε)${affine}`, `ε = ${eps}`];
      break;
    case 'rms_norm':
      lines = [`y = x / √(mean(x²) + ε)${hasWeight ? ' · γ' : ''}`, `ε = ${eps}`];
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
  const out = ['```text', ...lines, '```'];
  const unit = kind === 'layer_norm' || kind === 'rms_norm' ? 'normalized element' : 'channel';
  if (fn && kind !== 'local_response_norm' && kind !== 'rms_norm') {
    out.push(
      hasWeight || hasBias
        ? `${[hasWeight ? 'γ (weight)' : '', hasBias ? 'β (bias)' : ''].filter(Boolean).join(' and ')}: passed in by the call, one per ${unit}; a function owns no parameters (whoever holds the tensors learns them).`
        : 'No γ or β is passed: the output keeps mean 0 and variance 1 per group.',
    );
  } else if (kind === 'rms_norm') {
    out.push(`No mean subtraction and no β: cheaper than LayerNorm at about the same quality, which is why recent large language models use it. ${hasWeight ? `γ: one per ${unit}, ${fn ? 'passed in by the call' : 'learnable'}.` : fn ? 'No scale passed.' : 'No learnable scale.'}`);
  } else if (kind !== 'local_response_norm' && (hasWeight || hasBias)) {
    out.push(`γ (scale) and β (shift): one per ${unit}, learnable, starting at 1 and 0. They let the layer undo the normalization where that helps — γ = σ, β = μ gives back the input — so normalizing never limits what the network can represent.`);
  } else if (kind !== 'local_response_norm') {
    out.push('No learnable γ and β: the output keeps mean 0 and variance 1 per group.');
  }
  return out.join('\n');
}

function modesText(ctx: LayerContext): string {
  const core = ctx.core;
  const kind = ctx.layer.spec.kind;
  const modeArg = ctx.layer.spec.modeArg;
  // A function (or a layer with a mode argument) is switched by that argument, not by the model.
  const switchText = ctx.layer.spec.form === 'function' && modeArg
    ? `Here ${code(`${modeArg.name}=${pyRepr(modeArg.trainWhen)}`)} means training, ${code(`${modeArg.name}=${pyRepr(!modeArg.trainWhen)}`)} eval; this call has ${code(`${modeArg.name}=${pyRepr(ctx.values[modeArg.name] ?? null)}`)}.`
    : ctx.framework.modeSwitch;
  if (kind === 'batch_norm') {
    const track = core?.kind === 'batch_norm' ? core.trackRunningStats : roleValue(ctx, 'trackRunningStats') !== false;
    if (!track) {
      return `**Training and eval** both normalize with the current batch's statistics (no running statistics are kept). ${switchText}`;
    }
    const mName = roleName(ctx, 'momentum') ?? 'momentum';
    const m = roleValue(ctx, 'momentum');
    const conv = ctx.framework.momentumConvention;
    const stored = core?.kind === 'batch_norm' ? core.storedVariance : ctx.layer.spec.storedVariance;
    let update: string;
    if (m === null && conv === 'new-weight') {
      update = `${code(`${mName}=None`)}: a cumulative average, each batch so far weighted 1/t.`;
    } else if (num(m) !== null && conv) {
      const batchVar = stored ? `${stored} batch_var` : 'batch_var';
      update = '```text\n' + updateEquation(num(m)!, conv) + '\n' + updateEquation(num(m)!, conv, 'running_var', batchVar) + '\n```' +
        `${conv === 'new-weight' ? `\n${ctx.framework.name}'s ${code(mName)} is the weight of the new batch.` : `\n${ctx.framework.name}'s ${code(mName)} is the weight kept from the old average.`}`;
    } else {
      update = `${code(mName)} = ${m === undefined ? '?' : pyRepr(m)}.`;
    }
    const varNote = stored === 'unbiased' ? ' (normalizing uses the biased variance; running_var stores the unbiased one)' : '';
    return [
      `**Training:** mean and var of the current batch${varNote}; the running estimates move towards them:`,
      update,
      `**Eval:** the running mean and var are used instead, so a sample's output no longer depends on its batch (batch size 1 is fine). ${switchText}`,
    ].join('\n\n');
  }
  if (kind === 'instance_norm' && roleValue(ctx, 'trackRunningStats') === true) {
    return `**Training** uses each instance's statistics and updates running averages; **eval** uses the running averages. ${switchText}`;
  }
  const extra = kind === 'layer_norm' || kind === 'rms_norm'
    ? ' This is why transformers, NLP models and RNNs use it: batch size 1 and variable sequence lengths work, and there is no train/eval mismatch. Placement matters: pre-norm (x + F(norm(x))) trains deep stacks stably; post-norm (norm(x + F(x))) needs warmup.'
    : kind === 'group_norm'
      ? ' With small batches (detection, segmentation, large images) it is the usual replacement for BatchNorm.'
      : '';
  return `**Training and eval compute the same thing:** no running statistics, independent of the batch size.${extra}`;
}

/**
 * What needs a newer release than some users have: the class itself (RMSNorm: PyTorch 2.4) and written arguments
 * (LayerNorm bias=: 2.1; BatchNorm/GroupNorm/InstanceNorm bias=: in 2.13, not in 1.13), from the table's `since`.
 */
function versionNotes(layer: ResolvedLayer): string {
  const fw = infoOf(layer.spec.framework).name;
  const parts: string[] = [];
  if (layer.spec.since) parts.push(`${code(layer.spec.name)} exists from ${fw} ${layer.spec.since}`);
  for (const p of layer.spec.params) {
    const e = layer.effective[p.name];
    if (!p.since || !e || e.isDefault) continue;
    parts.push(
      layer.spec.framework === 'pytorch' && p.since === '2.13'
        ? `${code(`${p.name}=`)} is taken by torch 2.13 but not by torch 1.13 (TypeError there)`
        : `${code(`${p.name}=`)} needs ${fw} ${p.since} or newer`,
    );
  }
  return parts.length ? `Versions: ${parts.join('; ')}.` : '';
}

function argumentsText(layer: ResolvedLayer): string {
  const roles = new Set<string>(Object.values(layer.spec.roles).filter((v): v is string => typeof v === 'string'));
  if (layer.spec.modeArg) roles.add(layer.spec.modeArg.name);
  const rows: string[][] = [];
  const quiet: string[] = [];
  for (const p of layer.spec.params) {
    const e = layer.effective[p.name];
    const value = e ? pyRepr(e.value) : '—';
    let status: string;
    if (!e) status = 'required, missing';
    else if (e.isDefault) status = 'default';
    else if (p.default === undefined) status = 'written';
    else if (JSON.stringify(p.default) === JSON.stringify(e.value)) status = 'written (= default)';
    else status = `written · default ${code(pyRepr(p.default))}`;
    // Defaults that are not about normalization (initializers, device, dtype...) go on one line.
    if (e && e.isDefault && !roles.has(p.name)) {
      quiet.push(code(`${p.name}=${value}`));
      continue;
    }
    rows.push([code(p.name), e && isExpr(e.value) ? `${code(value)} (expression)` : code(value), status]);
  }
  let out = mdTable(['argument', 'value', ''], rows);
  if (quiet.length) out += `\n\nOther defaults: ${quiet.join(', ')}`;
  const versions = versionNotes(layer);
  if (versions) out += `\n\n${versions}`;
  if (layer.bindingErrors.length) out += `\n\n${layer.bindingErrors.map((e) => `⚠ ${escapeMd(e)}`).join('  \n')}`;
  return out;
}

function parametersText(ctx: LayerContext): string {
  if (!ctx.core) return `Parameter count not computed: ${whyNot(ctx)}.`;
  const core = ctx.core;
  const channelsWritten = typeof roleValue(ctx, 'channels') === 'number';
  if (ctx.sizedFromSample && (core.kind === 'layer_norm' || core.kind === 'rms_norm' || (core.kind === 'group_norm' && !channelsWritten))) {
    return `Sizes come from the input: ${core.kind === 'group_norm' ? 'γ and β per channel' : core.kind === 'rms_norm' ? 'γ per normalized element' : 'γ and β per normalized element'} (see the worked example for a small case).`;
  }
  if ((core.kind === 'batch_norm' || core.kind === 'instance_norm') && core.numFeatures === null) {
    const one = countParameters({ ...core, numFeatures: 1 }, 4);
    const perChannel = (trainable: boolean) => one.detail.filter((d) => d.trainable === trainable && d.shape.length === 1).map((d) => code(d.name));
    const learn = perChannel(true);
    const buf = perChannel(false);
    return `Sizes come from the input's channel count C: ${learn.length ? `${learn.length}·C learnable (${learn.join(', ')})` : 'no learnable parameters'}${buf.length ? `, ${buf.length}·C buffer values (${buf.join(', ')})` : ''}.`;
  }
  let counted;
  try {
    counted = frameworkCount(core, ctx.layer.spec.framework, 4);
  } catch (e) {
    return `Parameter count depends on the input: ${escapeMd(e instanceof Error ? e.message : String(e))}.`;
  }
  if (counted.detail.length === 0) return 'No learnable parameters and no buffers.';
  const list = (trainable: boolean) =>
    counted.detail
      .filter((d) => d.trainable === trainable)
      .map((d) => `${code(d.name)} ${d.shape.length ? shapeText(d.shape) : '(scalar)'}`)
      .join(', ');
  const learn = list(true);
  const buf = list(false);
  const parts: string[] = [];
  parts.push(learn ? `**${plural(counted.parameters, 'learnable parameter')}:** ${learn}` : 'No learnable parameters');
  if (buf) parts.push(`**${plural(counted.buffers, 'buffer value')}:** ${buf}`);
  parts.push(`**${bytesText(counted.bytes)}** in float32`);
  return parts.join(' · ');
}

/** Why the core cannot compute this layer, for Markdown. */
function whyNot(ctx: LayerContext): string {
  if (ctx.exprArgs.length) {
    return `${ctx.exprArgs.map(code).join(', ')} ${ctx.exprArgs.length === 1 ? 'is an expression' : 'are expressions'}, known only when the code runs`;
  }
  return escapeMd(ctx.coreError ?? 'the arguments are not known');
}

function exampleText(ctx: LayerContext, opts: HoverOptions): { text: string; data: WorkedExample | null } {
  if (!ctx.core) return { text: `No worked example: ${whyNot(ctx)}.`, data: null };
  const modeArg = ctx.layer.spec.modeArg;
  if (modeArg && typeof ctx.values[modeArg.name] === 'boolean' && ctx.values[modeArg.name] !== modeArg.trainWhen) {
    return {
      text: `No worked example: with ${code(`${modeArg.name}=${pyRepr(ctx.values[modeArg.name])}`)} it normalizes with stored running statistics, not the input's own.`,
      data: null,
    };
  }
  let ex: WorkedExample | { error: string };
  try {
    ex = workedExample(ctx.core, ctx.rank, opts.seed);
  } catch (e) {
    return { text: `No worked example: ${escapeMd(e instanceof Error ? e.message : String(e))}.`, data: null };
  }
  if ('error' in ex) return { text: `No worked example: ${escapeMd(ex.error)}.`, data: null };
  const d = opts.decimals;
  const isRms = ex.spec.kind === 'rms_norm';
  const groupWord = ex.spec.kind === 'batch_norm' ? 'channel' : ex.spec.kind === 'group_norm' ? 'sample·group' : ex.spec.kind === 'instance_norm' ? 'sample·channel' : 'sample';
  const rows = ex.groupElements.map((els, g) => {
    const xs = els.slice(0, 4).map((i) => fixed(ex.input[i], d));
    const ys = els.slice(0, 4).map((i) => fixed(ex.output[i], d));
    const more = els.length > 4 ? ', …' : '';
    const label = ex.spec.kind === 'group_norm' || ex.spec.kind === 'instance_norm' ? groupLabel(ex, g) : String(g);
    return [label, ...(isRms ? [fixed(ex.variance[g], d)] : [fixed(ex.mean[g], d), fixed(ex.variance[g], d)]), xs.join(', ') + more, ys.join(', ') + more];
  });
  const header = [groupWord, ...(isRms ? ['mean(x²)'] : ['mean', 'var']), 'x', 'y'];
  const more = ex.mean.length > ex.groupElements.length ? ` (first ${ex.groupElements.length} of ${ex.mean.length} groups)` : '';
  const reduced = ctx.sizedFromSample ? 'sizes as if the input had this shape' : ex.reduced;
  const intro = `Training mode on a seeded sample ${code(shapeText(ex.shape))} (seed ${ex.seed})${reduced ? `, ${escapeMd(reduced)}` : ''}${more}:`;
  return { text: `${intro}\n\n${mdTable(header, rows)}`, data: ex };
}

function groupLabel(ex: WorkedExample, g: number): string {
  const per = ex.spec.kind === 'group_norm' ? ex.spec.numGroups : ex.spec.kind === 'instance_norm' ? ex.shape[resolveAxis(ex.spec.channelAxis, ex.shape.length)] : 1;
  return `${Math.floor(g / per)}·${g % per}`;
}

function linksText(ctx: LayerContext): string {
  const layer = ctx.layer;
  const kind = layer.spec.kind;
  // The panel gets every effective setting; calculator links carry what was written.
  const settings = Object.fromEntries(Object.entries(ctx.values).filter(([k]) => !layer.spec.params.find((p) => p.name === k)?.tensor));
  const start = startFromLayer(layer);
  const links = [`[Open in comparison panel](${openPanelUri({ framework: start.framework, kind, args: settings })})`];
  const arg = encodeArg(start);
  const calc = (title: string, command: string) => links.push(`[${title}](command:${command}?${arg})`);
  if (kind === 'batch_norm' || kind === 'layer_norm' || kind === 'rms_norm' || kind === 'group_norm' || kind === 'instance_norm') {
    calc('Normalize values', CALC_COMMANDS.normalize);
  }
  calc('Count parameters', CALC_COMMANDS.count);
  if (kind === 'batch_norm' && ctx.framework.momentumConvention) {
    calc('Convert momentum', CALC_COMMANDS.momentum);
    calc('Simulate running stats', CALC_COMMANDS.simulate);
    calc('Fold into Conv', CALC_COMMANDS.fold);
  }
  calc('Choose a normalization', CALC_COMMANDS.choose);
  return links.join(' · ');
}

function callText(layer: ResolvedLayer): string {
  const written = layer.call.args.map((a) => (a.star ? `${a.star}${a.text}` : a.name ? `${a.name}=${a.text}` : a.text));
  return `${layer.call.callee}(${written.join(', ')})`;
}

export function explainLayer(layer: ResolvedLayer, options: HoverOptions): Hover {
  const ctx = layerContext(layer);
  const spec = layer.spec;
  const title = `### ${spec.name} · ${ctx.framework.name}`;
  const subtitle = `${code(callText(layer))} — ${KIND_NAMES[spec.kind]}${spec.form === 'function' ? ' (function)' : ''}`;
  const axes = axesText(ctx);
  const formula = formulaText(ctx);
  const modes = modesText(ctx);
  const args = argumentsText(layer);
  const parameters = spec.form === 'module' ? parametersText(ctx) : '';
  const frameworks = otherFrameworks(ctx, options.preferredFramework);
  const pitfalls = pitfallsFor(ctx);
  const example = exampleText(ctx, options);
  const links = linksText(ctx);

  const when = WHEN[spec.kind];
  const md: string[] = [title, subtitle, '', axes, ...(when ? ['', when] : []), '', formula, '', modes, '', '#### Arguments', args];
  if (parameters) md.push('', parameters);
  if (frameworks) md.push('', '#### In other frameworks', frameworks);
  if (pitfalls.length) md.push('', '#### Watch out', ...pitfalls.map((p) => `- **${escapeMd(p.title)}** ${p.text}`));
  md.push('', '#### Worked example', example.text, '', links);
  return {
    markdown: md.join('\n'),
    sections: {
      title: `${spec.name} · ${ctx.framework.name}`,
      axes,
      formula,
      modes,
      arguments: args,
      parameters,
      frameworks,
      pitfalls,
      example: example.text,
      exampleData: example.data,
      links,
    },
  };
}
