import { NormError, inputError, runtimeError, valueError } from '../errors';
import { groupedBackward, groupedMoments, normalizeGrouped, type GroupView } from '../kernels';
import type { GroupNormSpec } from '../spec';
import { Tensor } from '../tensor';
import type { RunRequest, RunResult } from '../types';
import { affineParams, checkEps, checkGradOutput, dimList, invStd, resolveAxis } from './common';

/**
 * The checks torch.nn.GroupNorm makes when it is constructed: ZeroDivisionError for num_groups=0,
 * ValueError when num_channels is not divisible by num_groups, RuntimeError for num_groups < 0.
 */
export function checkGroupNormSpec(spec: GroupNormSpec): void {
  const { numGroups: G, numChannels: C } = spec;
  if (!Number.isInteger(G) || !Number.isInteger(C)) throw inputError('num_groups and num_channels must be integers');
  if (G === 0) throw new NormError('ZeroDivisionError', 'integer modulo by zero');
  // Python's modulo takes the sign of the divisor.
  if (((C % G) + G) % G !== 0) throw valueError(`num_channels (${C}) must be divisible by num_groups (${G})`);
  if (G < 0) throw runtimeError(`Expected num groups to be greater than 0, got ${G}`);
}

/**
 * Group normalization, as torch.nn.functional.group_norm: input (N, C, *) with C split into
 * num_groups groups of C/G consecutive channels; each (sample, group) is normalized over its
 * channels and positions with biased variance, then scaled by per-channel γ and shifted by β.
 * Same in train and eval. Throws PyTorch's RuntimeError for an input of rank < 2 or channels not
 * divisible by num_groups, and its ValueError "Expected more than 1 value per channel when
 * training" when each group would hold a single value (PyTorch checks that in eval mode too).
 */
export function groupNorm(spec: GroupNormSpec, req: RunRequest): RunResult {
  if (spec.interleaved && spec.numGroups !== 1 && spec.numGroups !== spec.numChannels) return interleavedGroupNorm(spec, req);
  checkGroupNormSpec(spec);
  checkEps(spec.eps);
  const x = req.input;
  const shape = x.shape;
  const rank = shape.length;
  if (rank < 2) throw runtimeError(`Expected at least 2 dimensions for input tensor but received ${rank}`);
  const axis = resolveAxis(spec.channelAxis, rank);
  if (axis === 0) throw inputError('the channel axis of GroupNorm cannot be the batch axis');
  const G = spec.numGroups;
  const N = shape[0];
  const C = shape[axis];
  // PyTorch checks the batch before the channels: [N·C // G, G, *spatial] must hold more than one value.
  const spatial = shape.filter((_, i) => i !== 0 && i !== axis);
  const probe = [Math.floor((N * C) / G), G, ...spatial];
  if (spec.checks !== 'none' && probe[0] * spatial.reduce((a, b) => a * b, 1) === 1) {
    throw valueError(`Expected more than 1 value per channel when training, got input size ${dimList(probe)}`);
  }
  if (C % G !== 0) {
    throw runtimeError(`Expected number of channels in input to be divisible by num_groups, but got input of shape ${dimList(shape)} and num_groups=${G}`);
  }
  const { weight, bias } = affineParams(spec.hasWeight, spec.hasBias, req.params, spec.numChannels, C, (name, len) =>
    runtimeError(
      `Expected ${name} to be a vector of size equal to the number of channels in input, but got ${name} of shape [${len}] and input of shape ${dimList(shape)}`,
    ),
  );
  let P = 1;
  let Q = 1;
  for (let a = 1; a < axis; a++) P *= shape[a];
  for (let a = axis + 1; a < rank; a++) Q *= shape[a];
  const view: GroupView = { N, P, C, Q, G };
  const { mean, variance, count } = groupedMoments(x.data, view);
  const invstd = invStd(variance, spec.eps, false);
  const out = new Float32Array(x.size);
  normalizeGrouped(x.data, out, view, mean, invstd, weight, bias);
  const result: RunResult = { output: new Tensor(shape, out), state: null, stats: { mean, variance, count } };
  if (req.gradOutput) {
    checkGradOutput(req.gradOutput, x.size);
    result.grad = groupedBackward(x.data, req.gradOutput, view, mean, invstd, weight, spec.hasWeight, spec.hasBias, true);
  }
  return result;
}

/**
 * Group normalization with interleaved groups (GroupNormSpec.interleaved, MLX's default): channel
 * c in group c mod G. The channels are reordered so that each group's are consecutive
 * (group g: g, g + G, g + 2G, ...), normalized as groupNorm does, and put back in their order;
 * γ, β and the gradients follow the channels. Statistics stay per (sample, group).
 */
function interleavedGroupNorm(spec: GroupNormSpec, req: RunRequest): RunResult {
  checkGroupNormSpec(spec);
  const G = spec.numGroups;
  const x = req.input;
  const rank = x.shape.length;
  if (rank < 2) throw runtimeError(`Expected at least 2 dimensions for input tensor but received ${rank}`);
  const axis = resolveAxis(spec.channelAxis, rank);
  const C = x.shape[axis];
  if (axis === 0 || C % G !== 0) return groupNorm({ ...spec, interleaved: false }, req);
  // order[j]: the channel at position j of the grouped layout
  const per = C / G;
  const order = new Int32Array(C);
  for (let g = 0; g < G; g++) for (let k = 0; k < per; k++) order[g * per + k] = g + k * G;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = x.size / (C * inner);
  const move = (src: Float32Array, back: boolean): Float32Array => {
    const dst = new Float32Array(src.length);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < C; j++) {
        const from = (o * C + (back ? j : order[j])) * inner;
        const to = (o * C + (back ? order[j] : j)) * inner;
        dst.set(src.subarray(from, from + inner), to);
      }
    return dst;
  };
  const vector = (v: Float32Array | null | undefined, back: boolean): Float32Array | null | undefined => {
    if (!v || v.length !== C) return v;
    const out = new Float32Array(C);
    for (let j = 0; j < C; j++) {
      if (back) out[order[j]] = v[j];
      else out[j] = v[order[j]];
    }
    return out;
  };
  const r = groupNorm(
    { ...spec, interleaved: false },
    {
      ...req,
      input: new Tensor(x.shape, move(x.data, false)),
      params: req.params && { weight: vector(req.params.weight, false), bias: vector(req.params.bias, false) },
      gradOutput: req.gradOutput && move(req.gradOutput, false),
    },
  );
  const result: RunResult = { ...r, output: new Tensor(x.shape, move(r.output.data, true)) };
  if (r.grad) result.grad = { input: move(r.grad.input, true), weight: vector(r.grad.weight, true) ?? null, bias: vector(r.grad.bias, true) ?? null };
  return result;
}
