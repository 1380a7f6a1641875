import { runtimeError, valueError } from '../errors';
import { fastLayerNorm, fastRmsNorm } from '../fast';
import { kernels, normalizeRows, rowsBackward } from '../kernels';
import type { LayerNormSpec, RmsNormSpec } from '../spec';
import { Tensor, checkShape } from '../tensor';
import type { RunRequest, RunResult } from '../types';
import { affineParams, checkEps, checkGradOutput } from './common';

/** PyTorch's RMSNorm eps=None: the machine epsilon of float32. */
export const FLOAT32_EPS = 1.1920928955078125e-7;

/**
 * Rows and row length of the [*, normalized_shape] view, with PyTorch's messages on a mismatch
 * (torch 2.13's rms_norm first asks for enough dimensions, and writes the shape as `[*4]`).
 */
export function normalizedRows(normalizedShape: readonly number[], shape: readonly number[], rms = false): { rows: number; cols: number } {
  if (normalizedShape.length === 0) {
    // (torch builds LayerNorm([]) and RMSNorm([]); their forward refuses)
    throw runtimeError('Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []');
  }
  const cols = checkShape(normalizedShape, 'normalized_shape');
  const k = normalizedShape.length;
  if (rms && shape.length < k) throw valueError(`Input tensor must have at least ${k} dimensions, but got ${shape.length}`);
  const fits = shape.length >= k && normalizedShape.every((d, i) => shape[shape.length - k + i] === d);
  if (!fits) {
    const ns = normalizedShape.join(', ');
    throw runtimeError(`Given normalized_shape=[${ns}], expected input with shape [*${rms ? '' : ', '}${ns}], but got input of size[${shape.join(', ')}]`);
  }
  const rows = shape.slice(0, shape.length - k).reduce((a, b) => a * b, 1);
  return { rows, cols };
}

function elementParams(hasWeight: boolean, hasBias: boolean, req: RunRequest, normalizedShape: readonly number[], cols: number) {
  return affineParams(hasWeight, hasBias, req.params, cols, cols, (name, len) =>
    // Parameters arrive flat, so only their element count can disagree with normalized_shape.
    runtimeError(
      `Expected ${name} to be of same shape as normalized_shape, but got ${name} of shape [${len}] and normalized_shape = [${normalizedShape.join(', ')}]`,
    ),
  );
}

/**
 * Layer normalization, as torch.nn.functional.layer_norm: for input (*, normalized_shape), each
 * row over the trailing prod(normalized_shape) elements becomes (x − mean) / sqrt(var + eps) · γ + β
 * (biased variance; γ and β of shape normalized_shape). Same in train and eval; no running
 * statistics. Throws RuntimeError (PyTorch's message) when the input's trailing dims are not
 * normalized_shape or γ/β have another size.
 */
export function layerNorm(spec: LayerNormSpec, req: RunRequest): RunResult {
  if (spec.rmsScaling) return rmsScaledLayerNorm(spec, req);
  checkEps(spec.eps);
  const x = req.input;
  const { rows, cols } = normalizedRows(spec.normalizedShape, x.shape);
  const { weight, bias } = elementParams(spec.hasWeight, spec.hasBias, req, spec.normalizedShape, cols);
  const fast = fastLayerNorm(x.data, rows, cols, weight, bias, spec.eps);
  const { mean, variance } = fast ?? kernels.rowStats(x.data, rows, cols);
  const invstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) invstd[r] = 1 / Math.sqrt(variance[r] + spec.eps);
  const out = fast ? fast.output : new Float32Array(x.size);
  if (!fast) normalizeRows(x.data, out, rows, cols, mean, invstd, weight, bias);
  const result: RunResult = { output: new Tensor(x.shape, out), state: null, stats: { mean, variance, count: cols } };
  if (req.gradOutput) {
    checkGradOutput(req.gradOutput, x.size);
    result.grad = rowsBackward(x.data, req.gradOutput, rows, cols, mean, invstd, weight, spec.hasWeight, spec.hasBias);
  }
  return result;
}

/**
 * RMS normalization, as torch.nn.functional.rms_norm: for input (*, normalized_shape), each row
 * becomes x / sqrt(mean(x²) + eps) · γ, no mean subtracted and no bias; eps null is float32's
 * machine epsilon (FLOAT32_EPS), as PyTorch's eps=None. Throws RuntimeError when the trailing dims
 * are not normalized_shape or γ has another size.
 */
export function rmsNorm(spec: RmsNormSpec, req: RunRequest): RunResult {
  const eps = spec.eps ?? FLOAT32_EPS;
  checkEps(eps);
  const x = req.input;
  const { rows, cols } = normalizedRows(spec.normalizedShape, x.shape, true);
  const { weight } = elementParams(spec.hasWeight, false, req, spec.normalizedShape, cols);
  const fast = fastRmsNorm(x.data, rows, cols, weight, eps);
  const ms = fast ? fast.meanSquare : kernels.rowMeanSquare(x.data, rows, cols);
  const invstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) invstd[r] = 1 / Math.sqrt(ms[r] + eps);
  const out = fast ? fast.output : new Float32Array(x.size);
  if (!fast) normalizeRows(x.data, out, rows, cols, null, invstd, weight, null);
  const result: RunResult = {
    output: new Tensor(x.shape, out),
    state: null,
    stats: { mean: new Float64Array(rows), variance: ms, count: cols },
  };
  if (req.gradOutput) {
    checkGradOutput(req.gradOutput, x.size);
    result.grad = rowsBackward(x.data, req.gradOutput, rows, cols, null, invstd, weight, spec.hasWeight, false);
  }
  return result;
}

/**
 * Keras 3 LayerNormalization(rms_scaling=True), as keras.ops.layer_normalization computes it (Keras 3.15.1,
 * keras/src/ops/nn.py `_layer_normalization`): y = x · rsqrt(var(x) + eps) · γ, where var is the biased variance
 * over the normalized dims; x itself is not centred and there is no β. On [[1, 2, 3, 4]]: [0.894, 1.789, 2.683, 3.578].
 */
function rmsScaledLayerNorm(spec: LayerNormSpec, req: RunRequest): RunResult {
  checkEps(spec.eps);
  const x = req.input;
  const { rows, cols } = normalizedRows(spec.normalizedShape, x.shape);
  const { weight } = elementParams(spec.hasWeight, false, req, spec.normalizedShape, cols);
  const { mean, variance } = kernels.rowStats(x.data, rows, cols);
  const invstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) invstd[r] = 1 / Math.sqrt(variance[r] + spec.eps);
  const out = new Float32Array(x.size);
  normalizeRows(x.data, out, rows, cols, null, invstd, weight, null);
  const result: RunResult = { output: new Tensor(x.shape, out), state: null, stats: { mean, variance, count: cols } };
  if (req.gradOutput) {
    checkGradOutput(req.gradOutput, x.size);
    const dy = req.gradOutput;
    // y_k = x_k·s·w_k with s = (var + eps)^(-1/2): dx_j = s·g_j − s³·(x_j − mean)/n · Σ_k g_k·x_k, g = dy·w.
    const dx = new Float32Array(x.size);
    const dw = new Float64Array(cols);
    for (let r = 0, o = 0; r < rows; r++, o += cols) {
      const s = invstd[r];
      let sgx = 0;
      for (let k = 0; k < cols; k++) {
        const g = weight ? dy[o + k] * weight[k] : dy[o + k];
        sgx += g * x.data[o + k];
        dw[k] += dy[o + k] * x.data[o + k] * s;
      }
      for (let k = 0; k < cols; k++) {
        const g = weight ? dy[o + k] * weight[k] : dy[o + k];
        dx[o + k] = s * g - ((s * s * s * (x.data[o + k] - mean[r])) / cols) * sgx;
      }
    }
    result.grad = { input: dx, weight: spec.hasWeight ? Float32Array.from(dw) : null, bias: null };
  }
  return result;
}
