/**
 * The numeric inner loops. Every statistic is accumulated in float64 with two passes
 * (mean first, then the sum of squared deviations), which stays exact for constant channels
 * and for inputs carrying large offsets, where E[x²] − E[x]² would cancel catastrophically.
 *
 * Layouts are described by a view [N, P, C, Q] over row-major data with C = G·Cg channels
 * split into G groups: statistics are taken per (n, g) over P × Cg × Q elements. That one
 * view covers BatchNorm (N = 1, G = C), InstanceNorm (G = C) and GroupNorm, for channels
 * first (P = 1) and channels last (Q = 1). Row kernels serve LayerNorm and RMSNorm.
 *
 * The forward statistics kernels are reached through `kernels` so that an accelerated
 * implementation can be installed without touching the layers.
 */

export interface GroupView {
  N: number;
  P: number;
  C: number;
  Q: number;
  G: number;
}

export interface Moments {
  mean: Float64Array;
  /** Biased variance (divided by count). */
  variance: Float64Array;
  /** Elements per group. */
  count: number;
}

/** Mean and biased variance of each of the N·G groups of the [N, P, C, Q] view (two-pass, float64). */
export function groupedMoments(x: Float32Array, v: GroupView): Moments {
  const { N, P, C, Q, G } = v;
  const Cg = C / G;
  const count = P * Cg * Q;
  const mean = new Float64Array(N * G);
  const variance = new Float64Array(N * G);
  let i = 0;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        const end = i + Q;
        for (; i < end; i++) s += x[i];
        mean[n * G + ((c / Cg) | 0)] += s;
      }
    }
  }
  for (let g = 0; g < mean.length; g++) mean[g] /= count;
  i = 0;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < C; c++) {
        const g = n * G + ((c / Cg) | 0);
        const m = mean[g];
        let s = 0;
        const end = i + Q;
        for (; i < end; i++) {
          const d = x[i] - m;
          s += d * d;
        }
        variance[g] += s;
      }
    }
  }
  for (let g = 0; g < variance.length; g++) variance[g] /= count;
  return { mean, variance, count };
}

/** Per-channel moments over every other axis (BatchNorm's training statistics). */
function channelStats(x: Float32Array, shape: readonly number[], channelAxis: number): Moments {
  let P = 1;
  let Q = 1;
  for (let a = 0; a < channelAxis; a++) P *= shape[a];
  for (let a = channelAxis + 1; a < shape.length; a++) Q *= shape[a];
  const C = shape[channelAxis];
  return groupedMoments(x, { N: 1, P, C, Q, G: C });
}

/** Moments of each row of a [rows, cols] view (LayerNorm). */
function rowStats(x: Float32Array, rows: number, cols: number): Moments {
  const mean = new Float64Array(rows);
  const variance = new Float64Array(rows);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let s = 0;
    for (let k = 0; k < cols; k++) s += x[o + k];
    const m = s / cols;
    let q = 0;
    for (let k = 0; k < cols; k++) {
      const d = x[o + k] - m;
      q += d * d;
    }
    mean[r] = m;
    variance[r] = q / cols;
  }
  return { mean, variance, count: cols };
}

/** Mean of squares of each row (RMSNorm). */
function rowMeanSquare(x: Float32Array, rows: number, cols: number): Float64Array {
  const ms = new Float64Array(rows);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    let s = 0;
    for (let k = 0; k < cols; k++) s += x[o + k] * x[o + k];
    ms[r] = s / cols;
  }
  return ms;
}

/** Replaceable statistics kernels (same contracts, same float64 results within rounding). */
export const kernels = { channelStats, rowStats, rowMeanSquare };

/**
 * out = (x − mean[g]) · invstd[g] · weight[c] + bias[c] over the grouped view.
 * `invstd` is per (n, g); weight and bias per channel (null = 1 and 0).
 */
export function normalizeGrouped(
  x: Float32Array,
  out: Float32Array,
  v: GroupView,
  mean: Float64Array,
  invstd: Float64Array,
  weight: Float32Array | null,
  bias: Float32Array | null,
): void {
  const { N, P, C, Q, G } = v;
  const Cg = C / G;
  let i = 0;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < C; c++) {
        const g = n * G + ((c / Cg) | 0);
        const m = mean[g];
        const a = weight ? invstd[g] * weight[c] : invstd[g];
        const b = bias ? bias[c] : 0;
        const end = i + Q;
        for (; i < end; i++) out[i] = (x[i] - m) * a + b;
      }
    }
  }
}

/** out = (x − mean[r]) · invstd[r] · weight[k] + bias[k] per row; mean null for RMSNorm. */
export function normalizeRows(
  x: Float32Array,
  out: Float32Array,
  rows: number,
  cols: number,
  mean: Float64Array | null,
  invstd: Float64Array,
  weight: Float32Array | null,
  bias: Float32Array | null,
): void {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    const m = mean ? mean[r] : 0;
    const s = invstd[r];
    if (weight && bias) {
      for (let k = 0; k < cols; k++) out[o + k] = (x[o + k] - m) * s * weight[k] + bias[k];
    } else if (weight) {
      for (let k = 0; k < cols; k++) out[o + k] = (x[o + k] - m) * s * weight[k];
    } else if (bias) {
      for (let k = 0; k < cols; k++) out[o + k] = (x[o + k] - m) * s + bias[k];
    } else {
      for (let k = 0; k < cols; k++) out[o + k] = (x[o + k] - m) * s;
    }
  }
}

export interface Grads {
  input: Float32Array;
  weight: Float32Array | null;
  bias: Float32Array | null;
}

/**
 * Backward of normalizeGrouped. With `batchStats` the mean and variance depend on the input
 * (training statistics): dx = invstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·weight; with
 * fixed (running) statistics dx = dy·weight·invstd.
 */
export function groupedBackward(
  x: Float32Array,
  dy: Float32Array,
  v: GroupView,
  mean: Float64Array,
  invstd: Float64Array,
  weight: Float32Array | null,
  wantWeight: boolean,
  wantBias: boolean,
  batchStats: boolean,
): Grads {
  const { N, P, C, Q, G } = v;
  const Cg = C / G;
  const count = P * Cg * Q;
  const sumG = new Float64Array(N * G);
  const sumGX = new Float64Array(N * G);
  const dw = new Float64Array(C);
  const db = new Float64Array(C);
  let i = 0;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < C; c++) {
        const g = n * G + ((c / Cg) | 0);
        const m = mean[g];
        const r = invstd[g];
        let sdy = 0;
        let sdyx = 0;
        const end = i + Q;
        for (; i < end; i++) {
          const d = dy[i];
          sdy += d;
          sdyx += d * (x[i] - m) * r;
        }
        db[c] += sdy;
        dw[c] += sdyx;
        const w = weight ? weight[c] : 1;
        sumG[g] += sdy * w;
        sumGX[g] += sdyx * w;
      }
    }
  }
  const dx = new Float32Array(x.length);
  i = 0;
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      for (let c = 0; c < C; c++) {
        const g = n * G + ((c / Cg) | 0);
        const m = mean[g];
        const r = invstd[g];
        const w = weight ? weight[c] : 1;
        const end = i + Q;
        if (batchStats) {
          const mg = sumG[g] / count;
          const mgx = sumGX[g] / count;
          for (; i < end; i++) dx[i] = r * (dy[i] * w - mg - (x[i] - m) * r * mgx);
        } else {
          for (; i < end; i++) dx[i] = dy[i] * w * r;
        }
      }
    }
  }
  return {
    input: dx,
    weight: wantWeight ? Float32Array.from(dw) : null,
    bias: wantBias ? Float32Array.from(db) : null,
  };
}

/** Backward of normalizeRows (statistics always depend on the row); mean null for RMSNorm. */
export function rowsBackward(
  x: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
  mean: Float64Array | null,
  invstd: Float64Array,
  weight: Float32Array | null,
  wantWeight: boolean,
  wantBias: boolean,
): Grads {
  const dx = new Float32Array(x.length);
  const dw = new Float64Array(cols);
  const db = new Float64Array(cols);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    const m = mean ? mean[r] : 0;
    const s = invstd[r];
    let sg = 0;
    let sgx = 0;
    for (let k = 0; k < cols; k++) {
      const d = dy[o + k];
      const xh = (x[o + k] - m) * s;
      const g = weight ? d * weight[k] : d;
      sg += g;
      sgx += g * xh;
      dw[k] += d * xh;
      db[k] += d;
    }
    const mg = mean ? sg / cols : 0;
    const mgx = sgx / cols;
    for (let k = 0; k < cols; k++) {
      const g = weight ? dy[o + k] * weight[k] : dy[o + k];
      const xh = (x[o + k] - m) * s;
      dx[o + k] = s * (g - mg - xh * mgx);
    }
  }
  return {
    input: dx,
    weight: wantWeight ? Float32Array.from(dw) : null,
    bias: wantBias ? Float32Array.from(db) : null,
  };
}
