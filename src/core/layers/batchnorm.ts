import { inputError, NormError, runtimeError, valueError } from '../errors';
import { fastBatchNormTrain } from '../fast';
import { groupedBackward, kernels, normalizeGrouped, type GroupView } from '../kernels';
import type { BatchNormSpec } from '../spec';
import { Tensor } from '../tensor';
import type { LayerState, RunRequest, RunResult } from '../types';
import { affineParams, blend, checkEps, checkGradOutput, checkState, invStd, pyFloat, resolveAxis, torchSize } from './common';

/** Running statistics of a fresh BatchNorm with `channels` channels (PyTorch's reset_running_stats); null when untracked. */
export function batchNormDefaultState(spec: BatchNormSpec, channels: number): LayerState | null {
  if (!spec.trackRunningStats) return null;
  return {
    runningMean: new Float32Array(channels),
    // A zero-debiased EMA starts from zero for both averages.
    runningVar: spec.debiasedEma ? new Float32Array(channels) : new Float32Array(channels).fill(1),
    numBatchesTracked: 0,
  };
}

/**
 * Batch normalization, as torch.nn.functional.batch_norm (the BatchNorm1d/2d/3d modules):
 * y = (x − mean) / sqrt(var + eps) · γ + β per channel of the input (N, C, *) (channel axis
 * `spec.channelAxis`, so channels-last layouts work too), with mean and biased var over every
 * other axis in train mode (or without running statistics) and the running statistics in eval.
 * Train mode updates running_mean/var with weight `momentum` on the batch (unbiased var, as
 * PyTorch stores it; a cumulative average when momentum is null) and counts num_batches_tracked.
 *
 * Throws ValueError for an input rank the module refuses, a single value per channel in
 * training, or eps ≤ 0 in training; RuntimeError when weight, bias or running statistics do not
 * have C entries, or when the functional form (`evalNeedsRunningStats`) runs in eval without running statistics.
 */
export function batchNorm(spec: BatchNormSpec, req: RunRequest): RunResult {
  const x = req.input;
  const shape = x.shape;
  const rank = shape.length;
  checkEps(spec.eps);
  if (spec.evalNeedsRunningStats && req.mode === 'eval' && !spec.trackRunningStats) {
    // F.batch_norm (torch 2.13): the eps sign is checked in Python first, then ATen asks for the running statistics.
    if (spec.checks !== 'none' && spec.eps < 0) throw valueError(`batch_norm eps must be non-negative, but got ${pyFloat(spec.eps)}`);
    throw runtimeError('running_mean must be defined in evaluation mode');
  }
  if (spec.allowedRanks) {
    if (!spec.allowedRanks.includes(rank)) {
      const allowed = spec.allowedRanks.map((r) => `${r}D`).join(' or ');
      throw valueError(`expected ${allowed} input (got ${rank}D input)`);
    }
  } else if (rank < 2) {
    // (torch 2.13's SyncBatchNorm, the module without fixed ranks)
    throw valueError(`expected at least 2D input (got ${rank}D input)`);
  }
  const axis = resolveAxis(spec.channelAxis, rank);
  const C = shape[axis];
  const pytorchChecks = spec.checks !== 'none';
  const useBatchStats = req.mode === 'train' || !spec.trackRunningStats;
  const perChannel = shape.reduce((a, d, i) => (i === axis ? a : a * d), 1);
  if (pytorchChecks) {
    // F.batch_norm (torch 2.13) checks the batch size first, then eps.
    if (useBatchStats && perChannel === 1) {
      throw valueError(`Expected more than 1 value per channel when training, got input size ${torchSize(shape)}`);
    }
    if (useBatchStats && spec.eps <= 0) throw valueError(`batch_norm eps must be positive during training, but got ${pyFloat(spec.eps)}`);
    if (spec.eps < 0) throw valueError(`batch_norm eps must be non-negative, but got ${pyFloat(spec.eps)}`);
    // no channels: torch 2.13's kernel fails on the empty weight (without one it returns the empty input)
    if (C === 0 && spec.hasWeight) throw new NormError('IndexError', 'select(): index 0 out of range for tensor of size [0] at dimension 0');
  }
  const nf = spec.numFeatures ?? C;
  const state = spec.trackRunningStats ? (req.state ?? batchNormDefaultState(spec, nf)!) : null;
  if (state) checkState(state, C, 1);
  const { weight, bias } = affineParams(spec.hasWeight, spec.hasBias, req.params, nf, C, (name, len) =>
    runtimeError(`${name} should contain ${C} elements not ${len}`),
  );

  let P = 1;
  let Q = 1;
  for (let a = 0; a < axis; a++) P *= shape[a];
  for (let a = axis + 1; a < rank; a++) Q *= shape[a];
  const view: GroupView = { N: 1, P, C, Q, G: C };

  let mean: Float64Array;
  let variance: Float64Array;
  let invstd: Float64Array;
  // The fast kernels return null for the cases they leave to the reference path.
  const fast = useBatchStats ? fastBatchNormTrain(x.data, P, C, Q, weight, bias, spec.eps) : null;
  if (fast) {
    ({ mean, variance } = fast);
    invstd = invStd(variance, spec.eps, pytorchChecks);
  } else if (useBatchStats) {
    ({ mean, variance } = kernels.channelStats(x.data, shape, axis));
    invstd = invStd(variance, spec.eps, pytorchChecks);
  } else {
    mean = Float64Array.from(state!.runningMean);
    variance = Float64Array.from(state!.runningVar);
    invstd = invStd(variance, spec.eps, false);
  }
  const out = fast ? fast.output : new Float32Array(x.size);
  if (!fast) normalizeGrouped(x.data, out, view, mean, invstd, weight, bias);

  let newState = state;
  if (state && req.mode === 'train') {
    // An empty batch still counts as a step but leaves the averages alone (as PyTorch does); Keras 3.15.1 and Flax
    // 0.12.8 (biased stored variance, no run-time checks) average the empty batch's NaN statistics in.
    if (perChannel === 0 && spec.checks === 'none' && spec.storedVariance === 'biased')
      newState = { ...state, runningMean: new Float32Array(C).fill(NaN), runningVar: new Float32Array(C).fill(NaN) };
    else newState = perChannel === 0 ? { ...state, numBatchesTracked: state.numBatchesTracked + 1 } : updateRunning(spec, state, mean, variance, perChannel);
  }

  const result: RunResult = {
    output: new Tensor(shape, out),
    state: newState,
    stats: { mean, variance, count: perChannel },
  };
  if (req.gradOutput) {
    checkGradOutput(req.gradOutput, x.size);
    result.grad = groupedBackward(x.data, req.gradOutput, view, mean, invstd, weight, spec.hasWeight, spec.hasBias, useBatchStats);
  }
  return result;
}

function updateRunning(spec: BatchNormSpec, state: LayerState, mean: Float64Array, variance: Float64Array, count: number): LayerState {
  const steps = state.numBatchesTracked + 1;
  // momentum None: cumulative moving average, the new batch weighted 1/t.
  const m = spec.momentum ?? 1 / steps;
  // PyTorch accepts any float here (values outside [0, 1] extrapolate); only a non-number is refused.
  if (typeof m !== 'number') throw inputError(`momentum must be a number or null, got ${String(m)}`);
  const stored = new Float64Array(variance.length);
  const correction = spec.storedVariance === 'biased' ? 1 : count / (count - 1);
  for (let c = 0; c < variance.length; c++) stored[c] = variance[c] * correction;
  if (spec.debiasedEma) {
    // The state holds the debiased average; the hidden EMA is average·(1 − d^t), d = 1 − m.
    const d = 1 - m;
    const before = 1 - d ** state.numBatchesTracked;
    const after = 1 - d ** steps;
    const upd = (avg: Float32Array, fresh: Float64Array) => {
      const out = new Float32Array(avg.length);
      for (let c = 0; c < avg.length; c++) out[c] = (d * avg[c] * before + m * fresh[c]) / after;
      return out;
    };
    return { runningMean: upd(state.runningMean, mean), runningVar: upd(state.runningVar, stored), numBatchesTracked: steps };
  }
  return {
    runningMean: blend(state.runningMean, mean, m),
    runningVar: blend(state.runningVar, stored, m),
    numBatchesTracked: steps,
  };
}
