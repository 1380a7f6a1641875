import { inputError, runtimeError, valueError } from '../errors';
import { groupedBackward, groupedMoments, normalizeGrouped, type GroupView } from '../kernels';
import type { InstanceNormSpec } from '../spec';
import { Tensor } from '../tensor';
import type { LayerState, RunRequest, RunResult } from '../types';
import { affineParams, blend, checkEps, checkGradOutput, checkState, invStd, resolveAxis, torchSize } from './common';

/** Running statistics of a fresh tracked InstanceNorm with `channels` channels; null when untracked (PyTorch's default). */
export function instanceNormDefaultState(spec: InstanceNormSpec, channels: number): LayerState | null {
  if (!spec.trackRunningStats) return null;
  return { runningMean: new Float32Array(channels), runningVar: new Float32Array(channels).fill(1), numBatchesTracked: 0 };
}

/** Shape with the batch axis present (an unbatched input gains a leading 1, as in PyTorch). */
export function instanceBatchedShape(spec: InstanceNormSpec, shape: readonly number[]): number[] {
  const rank = shape.length;
  const b = spec.batchedRank;
  if (b !== undefined) {
    if (rank !== b && rank !== b - 1) throw valueError(`expected ${b - 1}D or ${b}D input (got ${rank}D input)`);
    return rank === b - 1 ? [1, ...shape] : shape.slice();
  }
  if (rank < 3) throw valueError(`expected 3D or higher input (got ${rank}D input)`);
  return shape.slice();
}

/**
 * Instance normalization, as torch.nn.functional.instance_norm (InstanceNorm1d/2d/3d): input
 * (N, C, *) or unbatched (C, *); each (sample, channel) is normalized over its positions with
 * biased variance, then γ/β per channel when affine. With track_running_stats, train mode also
 * updates running statistics averaged over the batch and eval mode uses them. Throws ValueError
 * for a rank the module refuses, C different from num_features, or one position in training;
 * RuntimeError when the functional form (`evalNeedsRunningStats`) runs in eval without running statistics.
 */
export function instanceNorm(spec: InstanceNormSpec, req: RunRequest): RunResult {
  const x = req.input;
  checkEps(spec.eps);
  if (spec.evalNeedsRunningStats && req.mode === 'eval' && !spec.trackRunningStats) {
    // ATen's instance_norm checks this before anything else (torch 2.13).
    throw runtimeError('Expected running_mean and running_var to be defined when use_input_stats is false');
  }
  const shape = instanceBatchedShape(spec, x.shape);
  const rank = shape.length;
  const axis = resolveAxis(spec.channelAxis, rank);
  if (axis === 0) throw inputError('the channel axis of InstanceNorm cannot be the batch axis');
  const N = shape[0];
  const C = shape[axis];
  const useInputStats = req.mode === 'train' || !spec.trackRunningStats;
  const spatial = shape.reduce((a, d, i) => (i === 0 || i === axis ? a : a * d), 1);
  // The module compares the channel count before anything else (torch 2.x); without affine it only warns.
  if (spec.checks !== 'none' && spec.numFeatures !== null && C !== spec.numFeatures && spec.hasWeight) {
    const dim = x.shape.length === rank ? axis : axis - 1;
    throw valueError(`expected input's size at dim=${dim} to match num_features (${spec.numFeatures}), but got: ${C}.`);
  }
  if (spec.checks !== 'none' && useInputStats && spatial === 1) {
    throw valueError(`Expected more than 1 spatial element when training, got input size ${torchSize(shape)}`);
  }
  const nf = spec.numFeatures ?? C;
  const state = spec.trackRunningStats ? (req.state ?? instanceNormDefaultState(spec, nf)!) : null;
  // PyTorch repeats the per-channel buffers N times, so its messages count N·C elements.
  if (state) checkState(state, C, N);
  const { weight, bias } = affineParams(spec.hasWeight, spec.hasBias, req.params, nf, C, (name, len) =>
    runtimeError(`${name} should contain ${N * C} elements not ${N * len}`),
  );

  let P = 1;
  let Q = 1;
  for (let a = 1; a < axis; a++) P *= shape[a];
  for (let a = axis + 1; a < rank; a++) Q *= shape[a];
  const view: GroupView = { N, P, C, Q, G: C };

  let mean: Float64Array;
  let variance: Float64Array;
  let invstd: Float64Array;
  if (useInputStats) {
    ({ mean, variance } = groupedMoments(x.data, view));
    invstd = invStd(variance, spec.eps, true);
  } else {
    mean = new Float64Array(N * C);
    variance = new Float64Array(N * C);
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        mean[n * C + c] = state!.runningMean[c];
        variance[n * C + c] = state!.runningVar[c];
      }
    }
    invstd = invStd(variance, spec.eps, false);
  }
  const out = new Float32Array(x.size);
  normalizeGrouped(x.data, out, view, mean, invstd, weight, bias);

  let newState = state;
  if (state && req.mode === 'train') {
    // Running statistics move toward the batch average of the per-instance statistics
    // (unbiased variances); num_batches_tracked is left alone, as PyTorch does.
    // momentum=None: the module passes 0.0 (torch 2.x), so the running statistics stay as they are.
    const m = spec.momentum ?? 0;
    const avgMean = new Float64Array(C);
    const avgVar = new Float64Array(C);
    const corr = spatial / (spatial - 1);
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        avgMean[c] += mean[n * C + c];
        avgVar[c] += variance[n * C + c] * corr;
      }
    }
    // An empty batch averages nothing: NaN, as in PyTorch.
    for (let c = 0; c < C; c++) {
      avgMean[c] /= N;
      avgVar[c] /= N;
    }
    newState = {
      runningMean: blend(state.runningMean, avgMean, m),
      runningVar: blend(state.runningVar, avgVar, m),
      numBatchesTracked: state.numBatchesTracked,
    };
  }

  const result: RunResult = {
    output: new Tensor(x.shape, out),
    state: newState,
    stats: { mean, variance, count: spatial },
  };
  if (req.gradOutput) {
    checkGradOutput(req.gradOutput, x.size);
    result.grad = groupedBackward(x.data, req.gradOutput, view, mean, invstd, weight, spec.hasWeight, spec.hasBias, useInputStats);
  }
  return result;
}
