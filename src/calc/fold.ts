/**
 * "Fold BatchNorm into the preceding Conv/Linear": at inference BatchNorm is a fixed per-channel
 * affine map, so it can be merged into the weights and bias of the layer before it. The result is
 * checked on a sample: conv followed by BatchNorm (eval) against the folded conv alone.
 */
import { foldBatchNorm, seededSample, Tensor, verifyFold } from '../core/index';
import { NormError } from '../core/errors';
import { fixed, mdTable, nestedText, pyFloat, shapeText, textTable } from '../explain/format';
import { Md, md } from '../explain/markdown';
import type { CalcOutcome } from './result';

export interface FoldRequest {
  /** (out, in) for Linear, (out, in, k…) for Conv1d/2d/3d. */
  weightShape: number[];
  /** Row-major weight values; a seeded sample when absent. */
  weight?: number[];
  /** Conv/Linear bias (one per output channel); null or absent = bias=False. */
  bias?: number[] | null;
  /** BatchNorm's γ, β, running mean and variance: one number each, or one per channel; seeded samples when absent. */
  gamma?: number | number[];
  beta?: number | number[];
  runningMean?: number | number[];
  runningVar?: number | number[];
  eps: number;
  seed: number;
  /** Framework of the snippet that folds real weights (PyTorch when absent). */
  framework?: string;
}

export interface FoldResult {
  layer: 'Linear' | 'Conv1d' | 'Conv2d' | 'Conv3d';
  weightShape: number[];
  foldedWeight: number[];
  foldedBias: number[];
  bn: { gamma: number[]; beta: number[]; runningMean: number[]; runningVar: number[]; eps: number };
  /** Per output channel: γ / √(var + ε). */
  scale: number[];
  check: { inputShape: number[]; outputShape: number[]; maxAbsDiff: number; sampleSeed: number };
  /** True when some inputs were not given and came from the seeded sample. */
  sampled: string[];
  /** Framework of the snippet. */
  framework: string;
}

const LAYER_BY_RANK: Record<number, FoldResult['layer']> = { 2: 'Linear', 3: 'Conv1d', 4: 'Conv2d', 5: 'Conv3d' };
const MAX_WEIGHTS = 65536;

function perChannel(v: number | number[] | undefined, n: number, what: string, sample: () => Float32Array, sampled: string[]): Float32Array | string {
  if (v === undefined) {
    sampled.push(what);
    return sample();
  }
  if (typeof v === 'number') return new Float32Array(n).fill(v);
  if (v.length !== n) return `${what} has ${v.length} values; the layer has ${n} output channels`;
  if (v.some((x) => !Number.isFinite(x))) return `${what} must contain finite numbers`;
  return Float32Array.from(v);
}

export function validateWeightShape(shape: number[]): string | null {
  if (!LAYER_BY_RANK[shape.length]) return `a weight of rank ${shape.length}: expected (out, in) for Linear or (out, in, k…) for a 1-3D convolution`;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_WEIGHTS) return `weight ${shapeText(shape)} has ${size} values; at most ${MAX_WEIGHTS} here`;
  return null;
}

export function foldIntoConv(req: FoldRequest): CalcOutcome<FoldResult> {
  const shapeError = validateWeightShape(req.weightShape);
  if (shapeError) return { ok: false, message: shapeError };
  if (!(req.eps >= 0) || !Number.isFinite(req.eps)) return { ok: false, message: `ε must be non-negative (got ${req.eps})` };
  const ws = req.weightShape;
  const O = ws[0];
  const size = ws.reduce((a, b) => a * b, 1);
  const sampled: string[] = [];
  let weight: Float32Array;
  if (req.weight) {
    if (req.weight.length !== size) return { ok: false, message: `weight shape ${shapeText(ws)} needs ${size} values, got ${req.weight.length}` };
    weight = Float32Array.from(req.weight);
  } else {
    weight = seededSample(ws, req.seed).data;
    sampled.push('weight');
  }
  let bias: Float32Array | null = null;
  if (req.bias) {
    if (req.bias.length !== O) return { ok: false, message: `bias has ${req.bias.length} values; the layer has ${O} output channels` };
    bias = Float32Array.from(req.bias);
  }
  // Seeded BatchNorm statistics, each from its own seed, so the fold is not trivially the identity.
  const s = (k: number) => seededSample([O], req.seed + k).data;
  const gamma = perChannel(req.gamma, O, 'γ', () => s(1).map((x) => 1 + 0.5 * x), sampled);
  if (typeof gamma === 'string') return { ok: false, message: gamma };
  const beta = perChannel(req.beta, O, 'β', () => s(2), sampled);
  if (typeof beta === 'string') return { ok: false, message: beta };
  const mean = perChannel(req.runningMean, O, 'running mean', () => s(3), sampled);
  if (typeof mean === 'string') return { ok: false, message: mean };
  const variance = perChannel(req.runningVar, O, 'running variance', () => s(4).map((x) => 0.5 + x * x), sampled);
  if (typeof variance === 'string') return { ok: false, message: variance };
  for (let i = 0; i < O; i++) {
    if (variance[i] + req.eps <= 0)
      return { ok: false, message: `running variance + ε must be positive (channel ${i + 1}: ${pyFloat(variance[i])} + ${pyFloat(req.eps)})` };
  }

  const convWeight = new Tensor(ws, weight);
  const folded = foldBatchNorm(convWeight, bias, { weight: gamma, bias: beta, runningMean: mean, runningVar: variance, eps: req.eps });

  // Check on a sample: two positions along each spatial axis, two samples.
  const layer = LAYER_BY_RANK[ws.length];
  const inputShape = [2, ws[1], ...ws.slice(2).map((k) => k + 1)];
  const sampleSeed = req.seed + 5;
  const x = seededSample(inputShape, sampleSeed);
  let check;
  try {
    check = verifyFold(x, convWeight, bias, { weight: gamma, bias: beta, runningMean: mean, runningVar: variance, eps: req.eps });
  } catch (e) {
    if (e instanceof NormError) return { ok: false, message: e.message };
    throw e;
  }

  const result: FoldResult = {
    layer,
    weightShape: ws.slice(),
    foldedWeight: Array.from(folded.weight.data),
    foldedBias: Array.from(folded.bias),
    bn: { gamma: Array.from(gamma), beta: Array.from(beta), runningMean: Array.from(mean), runningVar: Array.from(variance), eps: req.eps },
    scale: Array.from(gamma, (g, i) => g / Math.sqrt(variance[i] + req.eps)),
    check: { inputShape, outputShape: check.folded.shape, maxAbsDiff: check.maxAbsDiff, sampleSeed },
    sampled,
    framework: req.framework ?? 'pytorch',
  };
  return { ok: true, value: result, ...renderFold(result) };
}

export function renderFold(r: FoldResult, decimals = 4): { markdown: Md; text: string; copyText: string } {
  const f = (x: number) => fixed(x, decimals);
  const formula = ['scale  = γ / √(running_var + ε)', 'W′     = W · scale            (per output channel)', 'b′     = (b − running_mean) · scale + β'].join(
    '\n',
  );
  // Channels are numbered from 0, as the frameworks index them.
  const rows = r.scale.map((s, i) => [i, f(r.bn.gamma[i]), f(r.bn.beta[i]), f(r.bn.runningMean[i]), f(r.bn.runningVar[i]), f(s), f(r.foldedBias[i])]);
  const header = ['channel', 'γ', 'β', 'mean', 'var', 'scale', 'b′'].map(Md.raw);
  const verdict = `Check on a sample input ${shapeText(r.check.inputShape)}: ${r.layer} + BatchNorm (eval) vs folded ${r.layer}, max |difference| = ${r.check.maxAbsDiff.toExponential(2)}`;
  const sampledNote = r.sampled.length
    ? `Stand-in numbers, not your model's: ${r.sampled.join(', ')} come from a seeded sample (seed ${r.check.sampleSeed - 5}). Paste your own, or fold your real weights with the snippet below.`
    : '';
  const caveat =
    "The fold is exact only for inference: in training BatchNorm uses each batch's own statistics, which no fixed weight can reproduce. Fold after model.eval() / for export, not before training.";
  const weightText = nestedText(r.foldedWeight, r.weightShape, decimals);
  const biasText = nestedText(r.foldedBias, [r.foldedBias.length], decimals);
  // Everything here is ours: the layer kind (Conv/Linear), numbers and tensor names.
  const snippet = foldSnippet(r.framework, r.layer);
  const markdown = Md.join(
    [
      ...(sampledNote ? [md`> **${Md.raw(sampledNote)}**`, Md.raw('')] : []),
      md`**Fold BatchNorm into ${Md.raw(r.layer)} ${shapeText(r.weightShape)}** (ε = ${pyFloat(r.bn.eps)})`,
      Md.raw(''),
      Md.fence(formula),
      Md.raw(''),
      mdTable(
        header,
        rows.map((row) => row.map((c) => (typeof c === 'number' ? Md.raw(String(c)) : c))),
      ),
      Md.raw(''),
      Md.raw('Folded weight:'),
      Md.fence(weightText),
      Md.raw('Folded bias:'),
      Md.fence(biasText),
      Md.raw(verdict),
      Md.raw(''),
      Md.raw(caveat),
      Md.raw(''),
      Md.raw(`**Fold your real weights** (${snippet.name}):`),
      Md.fence(snippet.code),
    ].filter((l, i, a) => !(l === '' && a[i - 1] === '')),
    '\n',
  );
  const text = [
    ...(sampledNote ? [sampledNote, ''] : []),
    `Fold BatchNorm into ${r.layer} ${shapeText(r.weightShape)} (eps = ${pyFloat(r.bn.eps)})`,
    formula,
    '',
    textTable(
      header,
      rows.map((row) => row.map(String)),
    ),
    '',
    `folded weight: ${weightText}`,
    `folded bias: ${biasText}`,
    '',
    verdict,
    caveat,
    '',
    `Fold your real weights (${snippet.name}):`,
    snippet.code,
  ].join('\n');
  const copyText = JSON.stringify({ weight_shape: r.weightShape, weight: r.foldedWeight, bias: r.foldedBias });
  return { markdown, text, copyText };
}

/**
 * Code that folds a model's real BatchNorm into the layer before it, in the user's framework
 * (the same formula as above: scale = γ/√(var+ε), W′ = W·scale, b′ = (b − mean)·scale + β).
 */
export function foldSnippet(framework: string, layer: FoldResult['layer']): { name: string; code: string } {
  if (framework === 'keras' || framework === 'tf_keras') {
    return {
      name: 'Keras: a Conv2D/Dense followed by BatchNormalization, channels last',
      code: [
        'import numpy as np',
        '',
        'def fold_bn(conv, bn):',
        '    """Returns (kernel, bias) of conv with bn folded in (inference only)."""',
        '    kernel, *rest = conv.get_weights()',
        '    bias = rest[0] if rest else np.zeros(kernel.shape[-1], kernel.dtype)',
        '    gamma, beta, mean, var = bn.get_weights()  # center=True, scale=True',
        '    scale = gamma / np.sqrt(var + bn.epsilon)',
        '    return kernel * scale, (bias - mean) * scale + beta  # output channels are the last axis',
        '',
        '# new_conv (use_bias=True, same config) .set_weights(list(fold_bn(conv, bn)))',
      ].join('\n'),
    };
  }
  const conv = layer === 'Linear' ? 'Linear' : layer;
  return {
    name: `PyTorch: an nn.${conv} followed by its BatchNorm, after model.eval()`,
    code: [
      'import torch',
      '',
      '@torch.no_grad()',
      'def fold_bn(conv, bn):',
      '    """Folds bn into conv in place (inference only); replace bn with nn.Identity() afterwards."""',
      '    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)  # affine=False: use torch.ones_like(bn.running_var)',
      '    conv.weight.mul_(scale.reshape(-1, *[1] * (conv.weight.dim() - 1)))',
      '    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)',
      '    conv.bias = torch.nn.Parameter((bias - bn.running_mean) * scale + bn.bias)',
      '',
      `# fold_bn(model.conv1, model.bn1); model.bn1 = torch.nn.Identity()`,
    ].join('\n'),
  };
}
