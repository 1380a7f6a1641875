/**
 * "Fold BatchNorm into the preceding Conv/Linear": at inference BatchNorm is a fixed per-channel
 * affine map, so it can be merged into the weights and bias of the layer before it. The result is
 * checked on a sample: conv followed by BatchNorm (eval) against the folded conv alone.
 */
import { foldBatchNorm, runLayer, seededSample, Tensor } from '../core/index';
import type { BatchNormSpec } from '../core/spec';
import { NormError } from '../core/errors';
import { fixed, mdTable, nestedText, pyFloat, shapeText, textTable } from '../explain/format';
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
}

const LAYER_BY_RANK: Record<number, FoldResult['layer']> = { 2: 'Linear', 3: 'Conv1d', 4: 'Conv2d', 5: 'Conv3d' };
const MAX_WEIGHTS = 65536;

/** Plain stride-1, unpadded convolution (or a matrix product for Linear), in float64. */
export function convForward(input: Tensor, weight: Float32Array, weightShape: readonly number[], bias: ArrayLike<number> | null): Tensor {
  const [O, I, ...k] = weightShape;
  const [N, Ci, ...s] = input.shape;
  if (Ci !== I) throw new NormError('RuntimeError', `input has ${Ci} channels, the weight expects ${I}`);
  const outSpatial = s.map((d, i) => d - k[i] + 1);
  const outShape = [N, O, ...outSpatial];
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(outSize);
  const kSize = k.reduce((a, b) => a * b, 1);
  const oSize = outSpatial.reduce((a, b) => a * b, 1);
  const inSpatial = s.reduce((a, b) => a * b, 1);
  const unravel = (idx: number, dims: number[]) => {
    const r = new Array<number>(dims.length);
    for (let d = dims.length - 1; d >= 0; d--) {
      r[d] = idx % dims[d];
      idx = Math.floor(idx / dims[d]);
    }
    return r;
  };
  const ravel = (ix: number[], dims: number[]) => ix.reduce((acc, v, d) => acc * dims[d] + v, 0);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      for (let p = 0; p < oSize; p++) {
        const op = unravel(p, outSpatial);
        let acc = bias ? bias[o] : 0;
        for (let c = 0; c < I; c++) {
          for (let q = 0; q < kSize; q++) {
            const kq = unravel(q, k);
            const ip = ravel(op.map((v, d) => v + kq[d]), s);
            acc += weight[(o * I + c) * kSize + q] * input.data[(n * Ci + c) * inSpatial + ip];
          }
        }
        out[(n * O + o) * oSize + p] = acc;
      }
    }
  }
  return new Tensor(outShape, out);
}

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
    if (variance[i] + req.eps <= 0) return { ok: false, message: `running variance + ε must be positive (channel ${i + 1}: ${pyFloat(variance[i])} + ${pyFloat(req.eps)})` };
  }

  const convWeight = new Tensor(ws, weight);
  const folded = foldBatchNorm(convWeight, bias, { weight: gamma, bias: beta, runningMean: mean, runningVar: variance, eps: req.eps });

  // Check on a sample: two positions along each spatial axis, two samples.
  const layer = LAYER_BY_RANK[ws.length];
  const inputShape = [2, ws[1], ...ws.slice(2).map((k) => k + 1)];
  const sampleSeed = req.seed + 5;
  const x = seededSample(inputShape, sampleSeed);
  const convOut = convForward(x, weight, ws, bias);
  const spec: BatchNormSpec = {
    kind: 'batch_norm', numFeatures: O, eps: req.eps, momentum: 0.1, hasWeight: true, hasBias: true,
    trackRunningStats: true, storedVariance: 'unbiased', channelAxis: 1,
  };
  let bnOut: Tensor;
  try {
    bnOut = runLayer({
      spec, mode: 'eval', input: convOut, params: { weight: gamma, bias: beta },
      state: { runningMean: mean.slice(), runningVar: variance.slice(), numBatchesTracked: 0 },
    }).output;
  } catch (e) {
    if (e instanceof NormError) return { ok: false, message: e.message };
    throw e;
  }
  const foldedOut = convForward(x, folded.weight.data, ws, folded.bias);
  let maxAbsDiff = 0;
  for (let i = 0; i < bnOut.data.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(bnOut.data[i] - foldedOut.data[i]));

  const result: FoldResult = {
    layer,
    weightShape: ws.slice(),
    foldedWeight: Array.from(folded.weight.data),
    foldedBias: Array.from(folded.bias),
    bn: { gamma: Array.from(gamma), beta: Array.from(beta), runningMean: Array.from(mean), runningVar: Array.from(variance), eps: req.eps },
    scale: Array.from(gamma, (g, i) => g / Math.sqrt(variance[i] + req.eps)),
    check: { inputShape, outputShape: convOut.shape, maxAbsDiff, sampleSeed },
    sampled,
  };
  return { ok: true, value: result, ...renderFold(result) };
}

export function renderFold(r: FoldResult, decimals = 4): { markdown: string; text: string; copyText: string } {
  const f = (x: number) => fixed(x, decimals);
  const formula = [
    'scale  = γ / √(running_var + ε)',
    'W′     = W · scale            (per output channel)',
    'b′     = (b − running_mean) · scale + β',
  ].join('\n');
  const rows = r.scale.map((s, i) => [String(i + 1), f(r.bn.gamma[i]), f(r.bn.beta[i]), f(r.bn.runningMean[i]), f(r.bn.runningVar[i]), f(s), f(r.foldedBias[i])]);
  const header = ['channel', 'γ', 'β', 'mean', 'var', 'scale', "b′"];
  const verdict = `Check on a sample input ${shapeText(r.check.inputShape)}: ${r.layer} + BatchNorm (eval) vs folded ${r.layer}, max |difference| = ${r.check.maxAbsDiff.toExponential(2)}`;
  const sampledNote = r.sampled.length ? `Not given, taken from the seeded sample: ${r.sampled.join(', ')}.` : '';
  const caveat = 'The fold is exact only for inference: in training BatchNorm uses each batch\'s own statistics, which no fixed weight can reproduce. Fold after model.eval() / for export, not before training.';
  const weightText = nestedText(r.foldedWeight, r.weightShape, decimals);
  const biasText = nestedText(r.foldedBias, [r.foldedBias.length], decimals);
  const markdown = [
    `**Fold BatchNorm into ${r.layer} ${shapeText(r.weightShape)}** (ε = ${pyFloat(r.bn.eps)})`, '',
    '```text', formula, '```', '',
    mdTable(header, rows), '',
    'Folded weight:', '```text', weightText, '```',
    'Folded bias:', '```text', biasText, '```',
    verdict, '', sampledNote, '', caveat,
  ].filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n');
  const text = [
    `Fold BatchNorm into ${r.layer} ${shapeText(r.weightShape)} (eps = ${pyFloat(r.bn.eps)})`, formula, '',
    textTable(header, rows), '', `folded weight: ${weightText}`, `folded bias: ${biasText}`, '', verdict,
    ...(sampledNote ? [sampledNote] : []), caveat,
  ].join('\n');
  const copyText = JSON.stringify({ weight_shape: r.weightShape, weight: r.foldedWeight, bias: r.foldedBias });
  return { markdown, text, copyText };
}
