import { inputError } from './errors';
import { batchNorm, batchNormDefaultState } from './layers/batchnorm';
import { resolveAxis } from './layers/common';
import { checkGroupNormSpec, groupNorm } from './layers/groupnorm';
import { instanceBatchedShape, instanceNorm, instanceNormDefaultState } from './layers/instancenorm';
import { layerNorm, normalizedRows, rmsNorm } from './layers/layernorm';
import { localResponseNorm } from './layers/lrn';
import type { CoreLayerSpec } from './spec';
import { Tensor, checkShape } from './tensor';
import type { GroupStats, LayerParams, LayerState, RunRequest, RunResult } from './types';

/**
 * Computes one layer as PyTorch's module does in `mode` (`module.train()` / `module.eval()`):
 * the forward pass, the running-statistics update (train mode, layers that track them) and,
 * when `gradOutput` is given, the backward pass (autograd's gradients of Σ gradOutput·output).
 *
 * - `input`: any shape the layer accepts, e.g. (N, C, *) for BatchNorm/InstanceNorm/GroupNorm,
 *   (*, normalized_shape) for LayerNorm/RMSNorm; float32 values, computed with float64 statistics.
 * - `params`: weight (γ) and bias (β), one per channel or per normalized element; default
 *   `defaultParams` (ones and zeros). `state`: running statistics; default `defaultState`.
 * - Returns `output` (the input's shape), the new `state` (null when the layer keeps none), the
 *   statistics it normalized with (`stats`, one entry per `statGroupIndex` group) and `grad`.
 *
 * Throws a NormError named after the exception PyTorch 2.13 raises, with its message (ValueError
 * "Expected more than 1 value per channel when training, ..."), or an InputError for a request
 * PyTorch could not express (unknown kind, mode other than 'train'/'eval', a non-Tensor input).
 * Mirrors torch.nn.functional.batch_norm, layer_norm, rms_norm, group_norm, instance_norm and
 * local_response_norm through the layer functions in ./layers.
 */
export function runLayer(req: RunRequest): RunResult {
  if (!req || typeof req !== 'object') throw inputError('a run request object is required');
  if (!(req.input instanceof Tensor)) throw inputError('input must be a Tensor');
  if (req.mode !== 'train' && req.mode !== 'eval') throw inputError(`mode must be 'train' or 'eval', got ${String(req.mode)}`);
  const spec = req.spec;
  let result: RunResult;
  switch (spec?.kind) {
    case 'batch_norm':
      result = batchNorm(spec, req);
      break;
    case 'instance_norm':
      result = instanceNorm(spec, req);
      break;
    case 'group_norm':
      result = groupNorm(spec, req);
      break;
    case 'layer_norm':
      result = layerNorm(spec, req);
      break;
    case 'rms_norm':
      result = rmsNorm(spec, req);
      break;
    case 'local_response_norm':
      return localResponseNorm(spec, req);
    default:
      throw inputError(`unknown layer kind ${String((spec as { kind?: unknown })?.kind)}`);
  }
  // (statistics read from the running ones, BatchNorm and InstanceNorm in eval with them, square nothing)
  const fromInput = (spec.kind !== 'batch_norm' && spec.kind !== 'instance_norm') || req.mode === 'train' || !spec.trackRunningStats;
  if (fromInput && result.stats) checkFloat32Sums(result.stats);
  return result;
}

/** Largest finite float32 (3.4028234663852886e38). */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * The frameworks square and sum in float32 (PyTorch's Welford and two-pass kernels, Flax's and Keras's
 * E[x²] − E[x]²): where a group's sum of squares, Σx² = count·(var + mean²), comes within a factor 2 of float32's
 * largest value, it overflows in some of them, and they return NaN, 0 or ±1 where these float64 statistics return
 * ordinary values (inputs near 2e19 and above). NormLens does not reproduce the overflow: it refuses.
 */
function checkFloat32Sums(stats: GroupStats): void {
  const { mean, variance, count } = stats;
  for (let g = 0; g < variance.length; g++) {
    const sum = count * (variance[g] + mean[g] * mean[g]);
    if (sum >= FLOAT32_MAX / 2 || (Number.isNaN(sum) && !Number.isNaN(variance[g] + mean[g]))) {
      const m = Math.sqrt(Math.max(variance[g] + mean[g] * mean[g], 0));
      throw inputError(
        `values of magnitude about ${m.toPrecision(2)} overflow float32 when squared and summed (a group's Σx² reaches ${sum.toPrecision(3)}, float32 holds at most 3.4e38): the frameworks then return NaN, 0 or ±1, and NormLens does not reproduce float32 overflow; scale the input down`,
      );
    }
  }
}

/** Channel count of the per-channel layers for an input shape (spec value when given). */
function channelsOf(spec: CoreLayerSpec, shape: readonly number[]): number {
  switch (spec.kind) {
    case 'batch_norm':
      return spec.numFeatures ?? shape[resolveAxis(spec.channelAxis, shape.length)];
    case 'instance_norm': {
      if (spec.numFeatures !== null) return spec.numFeatures;
      const s = instanceBatchedShape(spec, shape);
      return s[resolveAxis(spec.channelAxis, s.length)];
    }
    case 'group_norm':
      return spec.numChannels;
    case 'layer_norm':
    case 'rms_norm':
      return checkShape(spec.normalizedShape, 'normalized_shape');
    case 'local_response_norm':
      return 0;
  }
}

/**
 * Parameters as PyTorch initializes them (`reset_parameters`): weight ones, bias zeros, of length
 * C (channels of `shape` on the spec's channel axis) or prod(normalized_shape); null where the
 * layer has none (affine=False, bias=False).
 */
export function defaultParams(spec: CoreLayerSpec, shape: readonly number[]): LayerParams {
  if (spec.kind === 'local_response_norm') return { weight: null, bias: null };
  const n = channelsOf(spec, shape);
  const hasBias = spec.kind === 'rms_norm' ? false : spec.hasBias;
  return {
    weight: spec.hasWeight ? new Float32Array(n).fill(1) : null,
    bias: hasBias ? new Float32Array(n) : null,
  };
}

/**
 * Fresh running statistics as PyTorch's `reset_running_stats` leaves them: running_mean zeros,
 * running_var ones (zeros for a debiased EMA), num_batches_tracked 0, one entry per channel of
 * `shape`; null when the layer keeps none (track_running_stats=False, LayerNorm, ...).
 */
export function defaultState(spec: CoreLayerSpec, shape: readonly number[]): LayerState | null {
  if (spec.kind === 'batch_norm') return batchNormDefaultState(spec, channelsOf(spec, shape));
  if (spec.kind === 'instance_norm') return instanceNormDefaultState(spec, channelsOf(spec, shape));
  return null;
}

/**
 * For each element (row-major), the statistics group it belongs to, numbered in layout order:
 * BatchNorm per channel; LayerNorm/RMSNorm per leading index; GroupNorm per (n, g);
 * InstanceNorm per (n, c). LocalResponseNorm has no statistics groups; its elements are grouped
 * by the position its channel window slides along, per (n, spatial position).
 */
export function statGroupIndex(spec: CoreLayerSpec, shape: readonly number[]): { groups: number; index: Int32Array } {
  const size = checkShape(shape);
  const index = new Int32Array(size);
  const rank = shape.length;
  const fill = (N: number, P: number, C: number, Q: number, G: number, interleaved = false) => {
    const Cg = C / G;
    let i = 0;
    for (let n = 0; n < N; n++)
      for (let p = 0; p < P; p++)
        for (let c = 0; c < C; c++) {
          const g = n * G + (interleaved ? c % G : Math.floor(c / Cg));
          for (let q = 0; q < Q; q++) index[i++] = g;
        }
    return { groups: N * G, index };
  };
  const split = (axis: number, from: number) => {
    let P = 1;
    let Q = 1;
    for (let a = from; a < axis; a++) P *= shape[a];
    for (let a = axis + 1; a < rank; a++) Q *= shape[a];
    return { P, Q };
  };
  switch (spec.kind) {
    case 'batch_norm': {
      const axis = resolveAxis(spec.channelAxis, rank);
      const { P, Q } = split(axis, 0);
      return fill(1, P, shape[axis], Q, shape[axis]);
    }
    case 'instance_norm': {
      const s = instanceBatchedShape(spec, shape);
      const axis = resolveAxis(spec.channelAxis, s.length);
      let P = 1;
      let Q = 1;
      for (let a = 1; a < axis; a++) P *= s[a];
      for (let a = axis + 1; a < s.length; a++) Q *= s[a];
      return fill(s[0], P, s[axis], Q, s[axis]);
    }
    case 'group_norm': {
      checkGroupNormSpec(spec);
      const axis = resolveAxis(spec.channelAxis, rank);
      if (axis === 0 || shape[axis] % spec.numGroups !== 0) {
        throw inputError(`input shape [${shape.join(', ')}] does not split into ${spec.numGroups} groups of channels`);
      }
      const { P, Q } = split(axis, 1);
      return fill(shape[0], P, shape[axis], Q, spec.numGroups, spec.interleaved);
    }
    case 'layer_norm':
    case 'rms_norm': {
      const { rows, cols } = normalizedRows(spec.normalizedShape, shape, spec.kind === 'rms_norm');
      for (let i = 0; i < size; i++) index[i] = Math.floor(i / cols);
      return { groups: rows, index };
    }
    case 'local_response_norm': {
      if (rank < 3) throw inputError('LocalResponseNorm needs an input of rank 3 or more');
      const C = shape[1];
      const Q = size / (shape[0] * C || 1);
      for (let i = 0; i < size; i++) index[i] = Math.floor(i / (C * Q)) * Q + (i % Q);
      return { groups: shape[0] * Q, index };
    }
  }
}
