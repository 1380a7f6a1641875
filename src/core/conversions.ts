/**
 * Conversions between the ways frameworks write the same quantities, parameter accounting,
 * and folding an inference-mode BatchNorm into the layer before it.
 */
import { inputError } from './errors';
import type { CoreLayerSpec } from './spec';
import { runLayer } from './run';
import type { BatchNormSpec } from './spec';
import { Tensor, checkShape } from './tensor';

/**
 * How a framework writes the running-statistics momentum.
 * - 'new-weight': running = (1 - m) * running + m * batch     (PyTorch, MLX)
 * - 'old-weight': running = m * running + (1 - m) * batch     (Keras, Flax, Paddle)
 * - 'decay-debiased': like old-weight with decay_rate, and the average is divided by
 *   (1 - decay^t) before use (Haiku's ExponentialMovingAverage with zero_debias).
 */
export type MomentumConvention = 'new-weight' | 'old-weight' | 'decay-debiased';

/**
 * The weight a momentum written in `convention` gives the newest batch (the `new-weight` form:
 * PyTorch's momentum). Throws an input error on an unknown convention.
 */
export function newBatchWeight(value: number, convention: MomentumConvention): number {
  switch (convention) {
    case 'new-weight':
      return value;
    case 'old-weight':
    case 'decay-debiased':
      // Both keep `value` of the old average per step; debiasing changes the start, not the rate.
      return 1 - value;
    default:
      throw inputError(`unknown momentum convention ${String(convention)}`);
  }
}

/**
 * Converts a momentum between conventions, e.g. PyTorch 0.1 (new-weight) = Keras 0.9 (old-weight):
 * the same running-average speed. Unitless, in [0, 1]; throws an InputError otherwise.
 */
export function convertMomentum(value: number, from: MomentumConvention, to: MomentumConvention): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw inputError(`momentum must be a number between 0 and 1, got ${String(value)}`);
  }
  const m = newBatchWeight(value, from);
  return newBatchWeight(m, to); // the map m -> 1 - m is its own inverse
}

/**
 * How far back an exponential moving average with new-batch weight m reaches.
 * - halfLife: updates after which a batch's weight in the average has halved,
 *   the h solving (1 − m)^h = 1/2, i.e. ln 2 / −ln(1 − m).
 * - effectiveSamples: 1/m, the length of the plain moving average whose newest batch gets the
 *   same weight m (also the sum of all relative weights Σ (1 − m)^k).
 * m = 0 never moves (both infinite); m = 1 keeps only the last batch (half-life 0, one sample).
 * Both are counted in update steps (batches). Throws an InputError when m is not in [0, 1].
 */
export function averagingWindow(newWeight: number): { halfLife: number; effectiveSamples: number } {
  if (typeof newWeight !== 'number' || !(newWeight >= 0 && newWeight <= 1)) {
    throw inputError(`momentum (weight of the new batch) must be between 0 and 1, got ${String(newWeight)}`);
  }
  if (newWeight === 0) return { halfLife: Infinity, effectiveSamples: Infinity };
  if (newWeight === 1) return { halfLife: 0, effectiveSamples: 1 };
  return { halfLife: Math.LN2 / -Math.log1p(-newWeight), effectiveSamples: 1 / newWeight };
}

export interface ParameterDetail {
  name: string;
  shape: number[];
  trainable: boolean;
}

export interface CountOptions {
  /**
   * Whether running statistics come with a step counter (PyTorch's int64 num_batches_tracked).
   * Default true; frameworks that keep only the two averages pass false.
   */
  batchCounter?: boolean;
}

/**
 * Learnable parameters and buffers of a layer, named and shaped as PyTorch registers them
 * (`module.parameters()`, `module.buffers()`): weight/bias of shape (C,) or normalized_shape,
 * running_mean/running_var (C,), num_batches_tracked (). `bytes` counts floats at `dtypeBytes`
 * each and num_batches_tracked as an int64 (8 bytes). Throws an InputError for a `dtypeBytes`
 * that is not a positive integer.
 */
export function countParameters(
  spec: CoreLayerSpec,
  dtypeBytes = 4,
  options: CountOptions = {},
): { parameters: number; buffers: number; bytes: number; detail: ParameterDetail[] } {
  const withCounter = options.batchCounter ?? true;
  if (!(Number.isInteger(dtypeBytes) && dtypeBytes > 0)) throw inputError(`dtypeBytes must be a positive integer, got ${dtypeBytes}`);
  const detail: ParameterDetail[] = [];
  let hasCounter = false;
  const perChannel = (channels: number | null, hasWeight: boolean, hasBias: boolean, track: boolean) => {
    if (channels === null) throw inputError('the channel count is not known (lazy layer): give num_features');
    checkShape([channels], 'num_features');
    if (hasWeight) detail.push({ name: 'weight', shape: [channels], trainable: true });
    if (hasBias) detail.push({ name: 'bias', shape: [channels], trainable: true });
    if (track) {
      detail.push({ name: 'running_mean', shape: [channels], trainable: false });
      detail.push({ name: 'running_var', shape: [channels], trainable: false });
      if (withCounter) {
        detail.push({ name: 'num_batches_tracked', shape: [], trainable: false });
        hasCounter = true;
      }
    }
  };
  switch (spec.kind) {
    case 'batch_norm':
      perChannel(spec.numFeatures, spec.hasWeight, spec.hasBias, spec.trackRunningStats);
      break;
    case 'instance_norm':
      perChannel(spec.numFeatures, spec.hasWeight, spec.hasBias, spec.trackRunningStats);
      break;
    case 'group_norm':
      perChannel(spec.numChannels, spec.hasWeight, spec.hasBias, false);
      break;
    case 'layer_norm':
      checkShape(spec.normalizedShape, 'normalized_shape');
      if (spec.hasWeight) detail.push({ name: 'weight', shape: spec.normalizedShape.slice(), trainable: true });
      if (spec.hasBias) detail.push({ name: 'bias', shape: spec.normalizedShape.slice(), trainable: true });
      break;
    case 'rms_norm':
      checkShape(spec.normalizedShape, 'normalized_shape');
      if (spec.hasWeight) detail.push({ name: 'weight', shape: spec.normalizedShape.slice(), trainable: true });
      break;
    case 'local_response_norm':
      break;
  }
  const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
  let parameters = 0;
  let buffers = 0;
  for (const d of detail) {
    if (d.trainable) parameters += numel(d.shape);
    else buffers += numel(d.shape);
  }
  const floatCount = parameters + buffers - (hasCounter ? 1 : 0);
  return { parameters, buffers, bytes: floatCount * dtypeBytes + (hasCounter ? 8 : 0), detail };
}

export interface FoldableBatchNorm {
  weight: Float32Array | null;
  bias: Float32Array | null;
  runningMean: Float32Array;
  runningVar: Float32Array;
  eps: number;
}

/**
 * Fold an eval-mode BatchNorm into the preceding Conv/Linear, whose weight is laid out
 * [out_channels, ...] (Conv1d/2d/3d, Linear): W' = W·s, b' = (b − mean)·s + beta with
 * s = gamma / sqrt(running_var + eps). Valid for inference only: in training BatchNorm uses
 * batch statistics, which no fixed weight reproduces. Mirrors
 * torch.nn.utils.fusion.fuse_conv_bn_weights (and fuse_linear_bn_weights). Returns the weight in
 * the input weight's shape and a bias (out_channels,); throws an InputError when the weight has
 * rank < 2 or a BatchNorm tensor or the bias does not have out_channels values.
 */
export function foldBatchNorm(convWeight: Tensor, convBias: Float32Array | null, bn: FoldableBatchNorm): { weight: Tensor; bias: Float32Array } {
  if (convWeight.shape.length < 2) throw inputError('the weight to fold into must have shape [out_channels, ...]');
  const out = convWeight.shape[0];
  const per = out === 0 ? 0 : convWeight.size / out;
  const check = (name: string, a: Float32Array | null) => {
    if (a && a.length !== out) throw inputError(`${name} has ${a.length} values but the weight has ${out} output channels`);
  };
  check('BatchNorm running_mean', bn.runningMean);
  check('BatchNorm running_var', bn.runningVar);
  check('BatchNorm weight', bn.weight);
  check('BatchNorm bias', bn.bias);
  check('bias', convBias);
  const w = new Float32Array(convWeight.size);
  const b = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const s = (bn.weight ? bn.weight[o] : 1) / Math.sqrt(bn.runningVar[o] + bn.eps);
    for (let i = o * per; i < (o + 1) * per; i++) w[i] = convWeight.data[i] * s;
    b[o] = ((convBias ? convBias[o] : 0) - bn.runningMean[o]) * s + (bn.bias ? bn.bias[o] : 0);
  }
  return { weight: new Tensor(convWeight.shape, w), bias: b };
}

export interface ConvOptions {
  /** Per spatial axis (or one number for all); default 1. */
  stride?: number | number[];
  /** Zero padding per spatial axis (or one number for all); default 0. */
  padding?: number | number[];
}

/**
 * The layer a BatchNorm is folded into, computed directly (float64 accumulation):
 * Linear when the weight is [out, in] (input [..., in]); otherwise a Conv1d/2d/3d with
 * weight [out, in, *kernel] on input [N, in, *spatial], without groups or dilation, as
 * torch.nn.functional.linear and conv1d/conv2d/conv3d (output [N, out, *spatial_out]).
 */
export function applyWeightLayer(input: Tensor, weight: Tensor, bias: Float32Array | null, opts: ConvOptions = {}): Tensor {
  const [O, I] = weight.shape;
  if (weight.shape.length < 2) throw inputError('the weight must have shape [out, in, ...]');
  if (bias && bias.length !== O) throw inputError(`bias has ${bias.length} values but the weight has ${O} output channels`);
  if (weight.shape.length === 2) {
    if (input.shape.length < 1 || input.shape[input.shape.length - 1] !== I) {
      throw inputError(`a Linear weight [${O}, ${I}] needs input [..., ${I}], got [${input.shape.join(', ')}]`);
    }
    const rows = input.size / I || 0;
    const y = new Float32Array(rows * O);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < O; o++) {
        let s = bias ? bias[o] : 0;
        for (let i = 0; i < I; i++) s += weight.data[o * I + i] * input.data[r * I + i];
        y[r * O + o] = s;
      }
    return new Tensor([...input.shape.slice(0, -1), O], y);
  }
  const kernel = weight.shape.slice(2);
  const d = kernel.length;
  if (input.shape.length !== d + 2 || input.shape[1] !== I) {
    throw inputError(`a ${d}-d convolution weight [${weight.shape.join(', ')}] needs input [N, ${I}, ${d} spatial dims], got [${input.shape.join(', ')}]`);
  }
  const perAxis = (v: number | number[] | undefined, dflt: number, name: string) => {
    const a = v === undefined ? new Array(d).fill(dflt) : typeof v === 'number' ? new Array(d).fill(v) : v;
    if (a.length !== d || a.some((x) => !Number.isInteger(x) || x < (name === 'stride' ? 1 : 0))) {
      throw inputError(`${name} must be ${d} ${name === 'stride' ? 'positive' : 'non-negative'} integers`);
    }
    return a;
  };
  const stride = perAxis(opts.stride, 1, 'stride');
  const pad = perAxis(opts.padding, 0, 'padding');
  const N = input.shape[0];
  const inSp = input.shape.slice(2);
  const outSp = inSp.map((s, a) => Math.floor((s + 2 * pad[a] - kernel[a]) / stride[a]) + 1);
  if (outSp.some((s) => s < 1)) throw inputError('the kernel is larger than the padded input');
  const outCount = outSp.reduce((a, b) => a * b, 1);
  const kCount = kernel.reduce((a, b) => a * b, 1);
  const inCount = inSp.reduce((a, b) => a * b, 1);
  const acc = new Float64Array(N * O * outCount);
  const pos = new Array<number>(d);
  const kpos = new Array<number>(d);
  for (let p = 0; p < outCount; p++) {
    for (let a = d - 1, r = p; a >= 0; a--) {
      pos[a] = r % outSp[a];
      r = Math.floor(r / outSp[a]);
    }
    for (let k = 0; k < kCount; k++) {
      for (let a = d - 1, r = k; a >= 0; a--) {
        kpos[a] = r % kernel[a];
        r = Math.floor(r / kernel[a]);
      }
      // Offset of this tap in one input plane, or -1 when it falls in the padding.
      let off = 0;
      for (let a = 0; a < d; a++) {
        const c = pos[a] * stride[a] - pad[a] + kpos[a];
        if (c < 0 || c >= inSp[a]) {
          off = -1;
          break;
        }
        off = off * inSp[a] + c;
      }
      if (off < 0) continue;
      for (let n = 0; n < N; n++)
        for (let o = 0; o < O; o++) {
          let s = 0;
          for (let i = 0; i < I; i++) s += weight.data[(o * I + i) * kCount + k] * input.data[(n * I + i) * inCount + off];
          acc[(n * O + o) * outCount + p] += s;
        }
    }
  }
  const y = new Float32Array(acc.length);
  for (let n = 0, j = 0; n < N; n++) for (let o = 0; o < O; o++) for (let p = 0; p < outCount; p++, j++) y[j] = acc[j] + (bias ? bias[o] : 0);
  return new Tensor([N, O, ...outSp], y);
}

/**
 * Check a fold on a sample: the layer followed by the eval-mode BatchNorm (computed by the
 * core) against the layer with folded weight and bias. Returns both outputs and their
 * largest absolute difference.
 */
export function verifyFold(
  input: Tensor,
  convWeight: Tensor,
  convBias: Float32Array | null,
  bn: FoldableBatchNorm,
  opts: ConvOptions = {},
): { reference: Tensor; folded: Tensor; maxAbsDiff: number } {
  const z = applyWeightLayer(input, convWeight, convBias, opts);
  const C = convWeight.shape[0];
  const spec: BatchNormSpec = {
    kind: 'batch_norm',
    numFeatures: C,
    eps: bn.eps,
    momentum: 0.1,
    hasWeight: true,
    hasBias: true,
    trackRunningStats: true,
    storedVariance: 'unbiased',
    channelAxis: convWeight.shape.length === 2 ? -1 : 1,
  };
  const reference = runLayer({
    spec,
    mode: 'eval',
    input: z,
    params: { weight: bn.weight ?? undefined, bias: bn.bias ?? undefined },
    state: { runningMean: bn.runningMean, runningVar: bn.runningVar, numBatchesTracked: 0 },
  }).output;
  const f = foldBatchNorm(convWeight, convBias, bn);
  const folded = applyWeightLayer(input, f.weight, f.bias, opts);
  let maxAbsDiff = 0;
  for (let i = 0; i < folded.size; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(folded.data[i] - reference.data[i]));
  return { reference, folded, maxAbsDiff };
}
