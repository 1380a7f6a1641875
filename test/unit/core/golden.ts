/** Loading the PyTorch golden fixtures (written by scripts/gen_golden.py) and running them through the core. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, runLayer, type LayerState, type RunResult } from '../../../src/core';
import type { CoreLayerSpec } from '../../../src/core/spec';

export type Num = number | 'NaN' | 'Infinity' | '-Infinity';

export interface GoldenResult {
  output: Num[];
  state: { running_mean: Num[]; running_var: Num[]; num_batches_tracked: number } | null;
  grad?: { input: Num[]; weight: Num[] | null; bias: Num[] | null };
}

export interface GoldenCase {
  id: string;
  spec: CoreLayerSpec;
  mode: 'train' | 'eval';
  input: { shape: number[]; data: Num[] };
  more_inputs?: Num[][];
  params?: { weight?: Num[]; bias?: Num[] };
  state?: { running_mean: Num[]; running_var: Num[]; num_batches_tracked: number };
  gradOutput?: Num[];
  error?: { type: string; message: string };
  expected?: GoldenResult;
  tol?: { output: number; state?: number; grad?: number };
  reference64?: GoldenResult;
  tol64?: { output: number; state?: number; grad?: number };
}

export const GOLDEN_DIR = join(__dirname, '..', '..', 'fixtures', 'golden');

export function loadGolden<T = { cases: GoldenCase[] }>(name: string): T {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf8')) as T;
}

export const num = (v: Num): number => (typeof v === 'number' ? v : Number(v));
export const f32 = (a: readonly Num[]): Float32Array => Float32Array.from(a, num);

/** Largest |a − b| with NaN required in the same places (returns Infinity when they differ). */
export function maxDiff(actual: ArrayLike<number>, expected: readonly Num[]): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = num(expected[i]);
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) return Infinity;
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) return Infinity;
      continue;
    }
    worst = Math.max(worst, Math.abs(a - e));
  }
  return worst;
}

/** Run a golden case through the core: every input in turn, state carried, backward on the last. */
export function runGoldenCase(c: GoldenCase): RunResult {
  const inputs = [c.input.data, ...(c.more_inputs ?? [])];
  let state: LayerState | null = c.state
    ? {
        runningMean: f32(c.state.running_mean),
        runningVar: f32(c.state.running_var),
        numBatchesTracked: c.state.num_batches_tracked,
      }
    : null;
  const params = c.params ? { weight: c.params.weight ? f32(c.params.weight) : undefined, bias: c.params.bias ? f32(c.params.bias) : undefined } : undefined;
  let result: RunResult | undefined;
  inputs.forEach((data, i) => {
    result = runLayer({
      spec: c.spec,
      mode: c.mode,
      input: new Tensor(c.input.shape, f32(data)),
      params,
      state,
      gradOutput: i === inputs.length - 1 && c.gradOutput ? f32(c.gradOutput) : undefined,
    });
    state = result.state;
  });
  return result!;
}
