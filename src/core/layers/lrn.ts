import { inputError, runtimeError, valueError } from '../errors';
import type { LocalResponseNormSpec } from '../spec';
import { Tensor } from '../tensor';
import type { RunRequest, RunResult } from '../types';
import { checkGradOutput } from './common';

/**
 * LocalResponseNorm as PyTorch computes it: each element is divided by
 * (k + alpha/size · Σ x²)^beta, the sum over channels c − ⌊size/2⌋ … c + ⌊(size−1)/2⌋ (clipped
 * at the edges, but always divided by `size`, since the window is an average pool over zero padding).
 */
export function localResponseNorm(spec: LocalResponseNormSpec, req: RunRequest): RunResult {
  const x = req.input;
  const shape = x.shape;
  const rank = shape.length;
  const { size, alpha, beta, k } = spec;
  if (!Number.isInteger(size)) throw inputError(`size must be an integer, got ${size}`);
  if (rank < 3) {
    // The spacing reproduces PyTorch's message, which carries a source line continuation.
    throw valueError(`Expected 3D or higher dimensionality                          input (got ${rank} dimensions)`);
  }
  if (size <= 0) {
    throw runtimeError(
      rank === 3
        ? `kernel size should be greater than zero, but got kH: ${size} kW: 1`
        : `kernel size should be greater than zero, but got kT: ${size} kH: 1 kW: 1`,
    );
  }
  const N = shape[0];
  const C = shape[1];
  const Q = shape.slice(2).reduce((a, b) => a * b, 1);
  const lo = Math.floor(size / 2);
  const hi = Math.floor((size - 1) / 2);
  const xd = x.data;
  // den[i] = k + alpha · (window sum of squares) / size
  const den = new Float64Array(x.size);
  for (let n = 0; n < N; n++) {
    const base = n * C * Q;
    for (let c = 0; c < C; c++) {
      const from = Math.max(0, c - lo);
      const to = Math.min(C - 1, c + hi);
      const o = base + c * Q;
      for (let q = 0; q < Q; q++) {
        let s = 0;
        for (let j = from; j <= to; j++) {
          const v = xd[base + j * Q + q];
          s += v * v;
        }
        den[o + q] = k + (alpha * s) / size;
      }
    }
  }
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = xd[i] / den[i] ** beta;
  const result: RunResult = { output: new Tensor(shape, out), state: null, stats: null };
  if (req.gradOutput) {
    const dy = req.gradOutput;
    checkGradOutput(dy, x.size);
    // dx_j = dy_j·den_j^−β − (2αβ/size)·x_j·Σ_{i: j in window(i)} dy_i·x_i·den_i^(−β−1)
    const t = new Float64Array(x.size);
    for (let i = 0; i < t.length; i++) t[i] = dy[i] * xd[i] * den[i] ** (-beta - 1);
    const dx = new Float32Array(x.size);
    const f = (2 * alpha * beta) / size;
    for (let n = 0; n < N; n++) {
      const base = n * C * Q;
      for (let c = 0; c < C; c++) {
        const from = Math.max(0, c - hi);
        const to = Math.min(C - 1, c + lo);
        const o = base + c * Q;
        for (let q = 0; q < Q; q++) {
          let s = 0;
          for (let i = from; i <= to; i++) s += t[base + i * Q + q];
          dx[o + q] = dy[o + q] * den[o + q] ** -beta - f * xd[o + q] * s;
        }
      }
    }
    result.grad = { input: dx, weight: null, bias: null };
  }
  return result;
}
