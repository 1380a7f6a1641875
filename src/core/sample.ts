import { inputError } from './errors';
import { Tensor, checkShape } from './tensor';

/** √3 rescales the sum of four uniforms (variance 1/3) to unit variance. */
const SQRT3 = 1.7320508075688772;

/** mulberry32: a 32-bit generator built from integer operations only, so every engine agrees. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Deterministic example values, roughly standard normal (sum of four uniforms, rescaled to
 * unit variance) and rounded to two decimals so worked examples stay readable. Only exact
 * IEEE operations are used, so the values are identical in every runtime. Returns a Tensor of
 * `shape`; throws an InputError for a non-integer seed or an invalid shape (see checkShape).
 */
export function seededSample(shape: readonly number[], seed: number): Tensor {
  if (!Number.isInteger(seed)) throw inputError(`seed must be an integer, got ${String(seed)}`);
  const size = checkShape(shape);
  const next = mulberry32(seed);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const u = next() + next() + next() + next() - 2;
    data[i] = Math.round(u * SQRT3 * 100) / 100;
  }
  return new Tensor(shape, data);
}
