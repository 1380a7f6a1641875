import { inputError, NormError, runtimeError } from '../errors';
import type { LayerParams, LayerState } from '../types';

/** PyTorch's repr of a shape in Python-side messages: torch.Size([1, 3]). */
export const torchSize = (shape: readonly number[]) => `torch.Size([${shape.join(', ')}])`;
/** PyTorch's repr of a shape in C++-side messages and of Python lists: [1, 3]. */
export const dimList = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** Resolve a possibly negative axis the way PyTorch does (IndexError when out of range). */
export function resolveAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis)) throw inputError(`axis must be an integer, got ${axis}`);
  if (rank === 0) throw new NormError('IndexError', `Dimension specified as ${axis} but tensor has no dimensions`);
  if (axis < -rank || axis >= rank) {
    throw new NormError('IndexError', `Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${axis})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Python's repr of a float (as in PyTorch's f-string messages): 0 → '0.0', 1e-05, 1e+16. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const [mantissa, exp] = v.toExponential().split('e');
  const e = Number(exp);
  if (v !== 0 && (e < -4 || e >= 16)) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/** Throws an InputError when eps is not a number (NaN included); the layers check its sign as PyTorch does. */
export function checkEps(eps: number): void {
  if (typeof eps !== 'number' || Number.isNaN(eps)) throw inputError(`eps must be a number, got ${String(eps)}`);
}

/**
 * 1/sqrt(var + eps). With `zeroWhenDegenerate` a zero variance with eps = 0 gives 0 instead of
 * infinity: PyTorch's batch-norm kernel does this, so a constant channel comes out as the bias.
 */
export function invStd(variance: Float64Array, eps: number, zeroWhenDegenerate: boolean): Float64Array {
  const out = new Float64Array(variance.length);
  for (let i = 0; i < variance.length; i++) {
    const v = variance[i];
    out[i] = zeroWhenDegenerate && v === 0 && eps === 0 ? 0 : 1 / Math.sqrt(v + eps);
  }
  return out;
}

/** A Float32Array of n ones (a default weight). */
export const ones = (n: number) => new Float32Array(n).fill(1);

/**
 * Weight and bias to use (null when the layer has none), defaults as PyTorch initializes
 * them, each checked against the channel count with `mismatch(name, length)`.
 */
export function affineParams(
  hasWeight: boolean,
  hasBias: boolean,
  params: LayerParams | undefined,
  size: number,
  expected: number,
  mismatch: (name: 'weight' | 'bias', length: number) => NormError,
): { weight: Float32Array | null; bias: Float32Array | null } {
  const weight = hasWeight ? (params?.weight ?? ones(size)) : null;
  const bias = hasBias ? (params?.bias ?? new Float32Array(size)) : null;
  if (weight && weight.length !== expected) throw mismatch('weight', weight.length);
  if (bias && bias.length !== expected) throw mismatch('bias', bias.length);
  return { weight, bias };
}

/**
 * Throws PyTorch's RuntimeError when running_mean or running_var do not have `expected` entries
 * (messages count `expected · scale`, as InstanceNorm reports per batch), and an InputError for a
 * num_batches_tracked that is not a non-negative integer.
 */
export function checkState(state: LayerState, expected: number, scale: number): void {
  if (state.runningMean.length !== expected) {
    throw runtimeError(`running_mean should contain ${expected * scale} elements not ${state.runningMean.length * scale}`);
  }
  if (state.runningVar.length !== expected) {
    throw runtimeError(`running_var should contain ${expected * scale} elements not ${state.runningVar.length * scale}`);
  }
  if (!Number.isInteger(state.numBatchesTracked) || state.numBatchesTracked < 0) {
    throw inputError(`num_batches_tracked must be a non-negative integer, got ${state.numBatchesTracked}`);
  }
}

/** Throws an InputError when gradOutput does not have one value per output element. */
export function checkGradOutput(grad: Float32Array, size: number): void {
  if (grad.length !== size) {
    throw inputError(`gradOutput has ${grad.length} values but the output has ${size}`);
  }
}

/** Blend running statistics: (1 − m)·old + m·new, rounded to float32 like a stored buffer. */
export function blend(old: Float32Array, fresh: ArrayLike<number>, m: number): Float32Array {
  const out = new Float32Array(old.length);
  for (let i = 0; i < old.length; i++) out[i] = (1 - m) * old[i] + m * fresh[i];
  return out;
}
