/**
 * Plain JavaScript versions of the fast kernels, used where WebAssembly SIMD is unavailable.
 * Same contract as the WebAssembly ones: float32 data in and out, statistics in float64 and
 * computed in two passes (mean, then squared deviations), so large offsets and constant groups
 * stay exact.
 */
import type { BatchNormFastResult, LayerNormFastResult, RmsNormFastResult } from './types';

/** Mean and sum of squared deviations of data[start .. start+len). */
function moments(data: Float32Array, start: number, len: number): [number, number] {
  const end = start + len;
  let s = 0;
  for (let i = start; i < end; i++) s += data[i];
  const mean = s / len;
  let m2 = 0;
  let s1 = 0;
  for (let i = start; i < end; i++) {
    const d = data[i] - mean;
    s1 += d;
    m2 += d * d;
  }
  // The s1 term removes what rounding of the mean left behind.
  return [mean + s1 / len, m2 - (s1 * s1) / len];
}

/**
 * BatchNorm in train mode on channels-first data (n, c, s) (s = positions per channel), as
 * torch.nn.functional.batch_norm with training=True: output, per-channel mean and biased variance.
 */
export function batchNormTrainJs(
  x: Float32Array,
  n: number,
  c: number,
  s: number,
  weight: Float32Array | null,
  bias: Float32Array | null,
  eps: number,
): BatchNormFastResult {
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  const out = new Float32Array(x.length);
  for (let ch = 0; ch < c; ch++) {
    // Chan et al.: combine per-plane moments so each plane is summed around its own mean.
    let count = 0;
    let m = 0;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const [pm, pm2] = moments(x, (i * c + ch) * s, s);
      const total = count + s;
      const delta = pm - m;
      m += (delta * s) / total;
      m2 += pm2 + (delta * delta * count * s) / total;
      count = total;
    }
    mean[ch] = m;
    variance[ch] = Math.max(0, m2 / count);
  }
  for (let ch = 0; ch < c; ch++) {
    const a = (weight ? weight[ch] : 1) / Math.sqrt(variance[ch] + eps);
    const b = bias ? bias[ch] : 0;
    const m = mean[ch];
    for (let i = 0; i < n; i++) {
      const base = (i * c + ch) * s;
      for (let j = base; j < base + s; j++) out[j] = (x[j] - m) * a + b;
    }
  }
  return { output: out, mean, variance };
}

/** LayerNorm over rows of `cols` elements, as torch.nn.functional.layer_norm: output, per-row mean and biased variance. */
export function layerNormJs(
  x: Float32Array,
  rows: number,
  cols: number,
  weight: Float32Array | null,
  bias: Float32Array | null,
  eps: number,
): LayerNormFastResult {
  const mean = new Float64Array(rows);
  const variance = new Float64Array(rows);
  const out = new Float32Array(x.length);
  const w = weight ?? new Float32Array(cols).fill(1);
  const b = bias ?? new Float32Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const [m, m2] = moments(x, base, cols);
    const v = Math.max(0, m2 / cols);
    mean[r] = m;
    variance[r] = v;
    const rstd = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < cols; j++) out[base + j] = (x[base + j] - m) * rstd * w[j] + b[j];
  }
  return { output: out, mean, variance };
}

/** RMSNorm over rows of `cols` elements, as torch.nn.functional.rms_norm: output and per-row mean square. */
export function rmsNormJs(x: Float32Array, rows: number, cols: number, weight: Float32Array | null, eps: number): RmsNormFastResult {
  const meanSquare = new Float64Array(rows);
  const out = new Float32Array(x.length);
  const w = weight ?? new Float32Array(cols).fill(1);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let ss = 0;
    for (let j = base; j < base + cols; j++) ss += x[j] * x[j];
    const ms = ss / cols;
    meanSquare[r] = ms;
    const rinv = 1 / Math.sqrt(ms + eps);
    for (let j = 0; j < cols; j++) out[base + j] = x[base + j] * rinv * w[j];
  }
  return { output: out, meanSquare };
}
