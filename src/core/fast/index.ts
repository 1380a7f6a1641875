/**
 * Fast forward kernels for the three hot layers (BatchNorm training, LayerNorm, RMSNorm):
 * WebAssembly SIMD where the runtime has it, plain JavaScript otherwise. Each returns null when
 * the case is better left to the reference path (degenerate statistics, non-finite values), so
 * callers fall back without losing any of the reference behaviour.
 */
import { batchNormTrainJs, layerNormJs, rmsNormJs } from './js';
import type { BatchNormFastResult, LayerNormFastResult, RmsNormFastResult } from './types';
import { WasmNormKernels } from './wasm';

export type { BatchNormFastResult, LayerNormFastResult, RmsNormFastResult } from './types';
export { WasmNormKernels } from './wasm';

/** 'auto' = WebAssembly SIMD when available, else JavaScript; 'off' = always the reference path. */
export type FastMode = 'auto' | 'wasm' | 'js' | 'off';
export type FastBackend = 'wasm-simd' | 'js' | 'off';

let mode: FastMode = 'auto';
let wasm: WasmNormKernels | null | undefined;
/** How many calls the fast kernels answered and how many they handed back to the reference. */
const usage = { served: 0, declined: 0 };

/** Counts since start: calls the fast kernels answered and calls they left to the reference path. */
export function fastUsage(): { served: number; declined: number } {
  return { ...usage };
}

/** The shared kernel instance (created on first use), or null without WebAssembly SIMD. */
export function wasmKernels(): WasmNormKernels | null {
  if (wasm === undefined) wasm = WasmNormKernels.create();
  return wasm;
}

/** Chooses the fast path for every later call (benchmarks and tests compare the backends). */
export function setFastMode(m: FastMode): void {
  mode = m;
}

/** The mode setFastMode chose ('auto' unless changed). */
export function fastMode(): FastMode {
  return mode;
}

/** The backend the dispatchers below use now. */
export function fastBackend(): FastBackend {
  if (mode === 'off') return 'off';
  if (mode === 'js') return 'js';
  if (wasmKernels()) return 'wasm-simd';
  return mode === 'wasm' ? 'off' : 'js';
}

/** The kernel's result, or null when it could not run (e.g. wasm memory cannot grow that far). */
function attempt<T>(run: () => T): T | null {
  try {
    return run();
  } catch {
    usage.declined++;
    return null;
  }
}

/** Every statistic finite and every scale finite: otherwise the reference path decides. */
function usable(variance: Float64Array, eps: number, mean?: Float64Array): boolean {
  for (let i = 0; i < variance.length; i++) {
    const d = variance[i] + eps;
    if (!(d > 0) || !Number.isFinite(d) || (mean && !Number.isFinite(mean[i]))) {
      usage.declined++;
      return false;
    }
  }
  usage.served++;
  return true;
}

/** BatchNorm training forward on an (n, c, s) layout (channel axis between n and s). */
export function fastBatchNormTrain(
  x: Float32Array,
  n: number,
  c: number,
  s: number,
  weight: Float32Array | null,
  bias: Float32Array | null,
  eps: number,
): BatchNormFastResult | null {
  const b = fastBackend();
  if (b === 'off' || n * c * s !== x.length || s < 1 || n < 1) return null;
  // Narrow planes (channels-last has one value per plane) run faster on the reference path.
  if (s < 16) return null;
  const r = attempt(() => (b === 'wasm-simd' ? wasmKernels()!.batchNormTrain(x, n, c, s, weight, bias, eps) : batchNormTrainJs(x, n, c, s, weight, bias, eps)));
  return r && usable(r.variance, eps, r.mean) ? r : null;
}

/** LayerNorm forward over `rows` rows of `cols` contiguous values. */
export function fastLayerNorm(
  x: Float32Array,
  rows: number,
  cols: number,
  weight: Float32Array | null,
  bias: Float32Array | null,
  eps: number,
): LayerNormFastResult | null {
  const b = fastBackend();
  if (b === 'off' || rows * cols !== x.length || cols < 1) return null;
  const r = attempt(() => (b === 'wasm-simd' ? wasmKernels()!.layerNorm(x, rows, cols, weight, bias, eps) : layerNormJs(x, rows, cols, weight, bias, eps)));
  return r && usable(r.variance, eps, r.mean) ? r : null;
}

/** RMSNorm forward over `rows` rows of `cols` contiguous values. */
export function fastRmsNorm(x: Float32Array, rows: number, cols: number, weight: Float32Array | null, eps: number): RmsNormFastResult | null {
  const b = fastBackend();
  if (b === 'off' || rows * cols !== x.length || cols < 1) return null;
  const r = attempt(() => (b === 'wasm-simd' ? wasmKernels()!.rmsNorm(x, rows, cols, weight, eps) : rmsNormJs(x, rows, cols, weight, eps)));
  return r && usable(r.meanSquare, eps) ? r : null;
}
