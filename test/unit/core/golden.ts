/** Loading the PyTorch golden fixtures (written by scripts/gen_golden.py). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
