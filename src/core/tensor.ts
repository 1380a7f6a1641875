/**
 * A minimal dense tensor: a shape and row-major float32 data. Validation happens once at
 * construction so every layer can trust `shape` and `data` to agree.
 */
import { inputError } from './errors';

/** Largest element count accepted; keeps typed-array allocation well inside engine limits. */
export const MAX_ELEMENTS = 2 ** 28;

/**
 * Validates a shape (an array of non-negative integers whose product is at most MAX_ELEMENTS)
 * and returns its element count; throws an InputError naming `what` and the offending entry.
 */
export function checkShape(shape: readonly unknown[], what = 'shape'): number {
  if (!Array.isArray(shape)) throw inputError(`${what} must be an array of dimension sizes`);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d)) {
      throw inputError(`${what}[${i}] must be a non-negative integer, got ${String(d)}`);
    }
    if (d < 0) throw inputError(`${what}[${i}] must be a non-negative integer, got ${d}`);
    size *= d;
    if (size > MAX_ELEMENTS) {
      throw inputError(`${what} [${shape.join(', ')}] has too many elements (limit ${MAX_ELEMENTS})`);
    }
  }
  return size;
}

/**
 * A dense float32 tensor, row-major like a contiguous torch.Tensor. `new Tensor(shape, data)`
 * checks the shape (checkShape) and that data has prod(shape) numbers, else throws an InputError.
 */
export class Tensor {
  readonly shape: number[];
  readonly data: Float32Array;

  constructor(shape: readonly number[], data: Float32Array | readonly number[]) {
    const size = checkShape(shape);
    if (!(data instanceof Float32Array) && !Array.isArray(data)) {
      throw inputError('tensor data must be a Float32Array or an array of numbers');
    }
    if (data.length !== size) {
      throw inputError(`shape [${shape.join(', ')}] needs ${size} value${size === 1 ? '' : 's'} but the data has ${data.length}`);
    }
    if (data instanceof Float32Array) {
      this.data = data;
    } else {
      const out = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const v = data[i];
        if (typeof v !== 'number') throw inputError(`tensor data[${i}] is not a number`);
        out[i] = v;
      }
      this.data = out;
    }
    this.shape = shape.slice();
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Same data, another shape with the same element count. */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(shape, this.data);
  }

  /** Nested arrays (for display and JSON). */
  toNested(): unknown {
    const build = (axis: number, offset: number): unknown => {
      if (axis === this.shape.length) return this.data[offset];
      const stride = this.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[axis]; i++) out.push(build(axis + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }
}

/** The element count of a shape: prod(dims), 1 for a scalar's []. */
export const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
